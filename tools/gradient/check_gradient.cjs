// Used by export.py: run latent-gradient.onnx, and G then D, in onnxruntime-node on the same latents
// and compare with the float64 PyTorch autograd reference.
// argv[2]: JSON spec {graph, generator, discriminator, n, dim, zFile, labelName?, labelFile?,
//   ref: {x, logit, grad} (raw little-endian float64 files), xShape (per row)}.
// Prints one JSON line: gradRel (max over rows of max_j |a−b| / max_j |b|) against ref.grad,
// gradRelMean, gradRelPiece (the same against ref.gradPiece, see export.py), and
// xAbs / logitAbs (vs the float64 reference), xVsPair / logitVsPair (vs G then D run separately
// in onnxruntime-node), batchDiff (rows run at batch 1 and 37 vs the same rows at batch n).
const fs = require('fs');
const path = require('path');
const ort = require(path.join(__dirname, '..', '..', 'node_modules', 'onnxruntime-node'));

const f32 = (file) => {
  const b = fs.readFileSync(file);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};
const f64 = (file) => {
  const b = fs.readFileSync(file);
  return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};
const i64 = (file) => {
  const b = fs.readFileSync(file);
  return new BigInt64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};

function maxAbs(a, b) {
  let m = 0;
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

(async () => {
  const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const opts = { intraOpNumThreads: 1, interOpNumThreads: 1 };
  const graph = await ort.InferenceSession.create(spec.graph, opts);
  const gen = await ort.InferenceSession.create(spec.generator, opts);
  const disc = await ort.InferenceSession.create(spec.discriminator, opts);
  const { n, dim } = spec;
  const z = f32(spec.zFile);
  const labels = spec.labelFile ? i64(spec.labelFile) : null;
  const rowSize = spec.xShape.reduce((a, b) => a * b, 1);

  const feeds = (start, count) => {
    const f = { z: new ort.Tensor('float32', z.slice(start * dim, (start + count) * dim), [count, dim]) };
    if (labels) f[spec.labelName] = new ort.Tensor('int64', labels.slice(start, start + count), [count]);
    return f;
  };
  const out = await graph.run(feeds(0, n));
  for (const [name, dims] of [
    ['x', [n, ...spec.xShape]],
    ['logit', [n, 1]],
    ['grad', [n, dim]],
  ]) {
    if (!out[name]) throw new Error(`missing output ${name}; have ${Object.keys(out)}`);
    if (JSON.stringify(Array.from(out[name].dims)) !== JSON.stringify(dims)) throw new Error(`${name}: dims ${out[name].dims} != ${dims}`);
  }
  const x = out.x.data;
  const logit = out.logit.data;
  const grad = out.grad.data;

  const refX = f64(spec.ref.x);
  const refLogit = f64(spec.ref.logit);
  // per row: max_j |a_j − b_j| / max_j |b_j|
  const rowRel = (ref) => {
    const rel = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      let scale = 0;
      let err = 0;
      for (let j = 0; j < dim; j++) {
        scale = Math.max(scale, Math.abs(ref[r * dim + j]));
        err = Math.max(err, Math.abs(grad[r * dim + j] - ref[r * dim + j]));
      }
      rel[r] = err / Math.max(scale, 1e-30);
    }
    return rel;
  };
  const plain = rowRel(f64(spec.ref.grad));
  const piece = rowRel(f64(spec.ref.gradPiece));
  const gradRel = Math.max(...plain);
  const gradRelPiece = Math.max(...piece);
  const gradRelMean = plain.reduce((a, b) => a + b, 0) / n;
  fs.writeFileSync(spec.rowRelFile, Buffer.from(plain.buffer));

  // G then D, separately
  const gFeeds = { [gen.inputNames.find((i) => i !== spec.labelName)]: feeds(0, n).z };
  if (labels) gFeeds[spec.labelName] = feeds(0, n)[spec.labelName];
  const gx = (await gen.run(gFeeds))[gen.outputNames[0]];
  const dFeeds = { [disc.inputNames.find((i) => i !== spec.labelName)]: gx };
  if (labels) dFeeds[spec.labelName] = feeds(0, n)[spec.labelName];
  let dl = (await disc.run(dFeeds))[disc.outputNames[0]].data;
  if (spec.discriminatorOutput === 'probability') {
    const eps = 1e-7;
    dl = Float32Array.from(dl, (v) => {
      const p = Math.min(1 - eps, Math.max(eps, v));
      return Math.log(p / (1 - p));
    });
  }

  // the same rows at other batch sizes
  let batchDiff = 0;
  for (const b of [1, 37]) {
    const o = await graph.run(feeds(0, b));
    batchDiff = Math.max(
      batchDiff,
      maxAbs(o.x.data, x.subarray(0, b * rowSize)),
      maxAbs(o.logit.data, logit.subarray(0, b)),
      maxAbs(o.grad.data, grad.subarray(0, b * dim)),
    );
  }

  console.log(
    JSON.stringify({
      gradRel,
      gradRelMean,
      gradRelPiece,
      xAbs: maxAbs(x, refX),
      logitAbs: maxAbs(logit, refLogit),
      xVsPair: maxAbs(x, gx.data),
      logitVsPair: maxAbs(logit, dl),
      batchDiff,
    }),
  );
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
