// Used by export.py: run latent-gradient.onnx, its twin that also outputs the kink sides, and G then
// D, in onnxruntime-node (float32) on the same latents, and write what they compute for export.py to
// compare with PyTorch autograd in float64.
// argv[2]: JSON spec {graph, sidesGraph, generator, discriminator, discriminatorOutput, n, dim, xShape,
//   zFile, labelName?, labelFile?, out: {x, logit, grad, sides, pairX, pairLogit}} (files to write:
//   little-endian float32; sides as bytes 0/1).
// Prints one JSON line: sidesGraphGrad (max abs difference between the two graphs' grad: 0 means the
// twin took the same branches), batchDiff (rows run at batch 1 and 37 vs the same rows at batch n).
const fs = require('fs');
const path = require('path');
const ort = require(path.join(__dirname, '..', '..', 'node_modules', 'onnxruntime-node'));

const bytes = (file) => {
  const b = fs.readFileSync(file);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
};
const write = (file, typed) => fs.writeFileSync(file, Buffer.from(typed.buffer, typed.byteOffset, typed.byteLength));

function maxAbs(a, b) {
  let m = 0;
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

(async () => {
  const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const opts = { intraOpNumThreads: 1, interOpNumThreads: 1 };
  const [graph, sidesGraph, gen, disc] = await Promise.all(
    [spec.graph, spec.sidesGraph, spec.generator, spec.discriminator].map((f) => ort.InferenceSession.create(f, opts)),
  );
  const { n, dim } = spec;
  const z = new Float32Array(bytes(spec.zFile));
  const labels = spec.labelFile ? new BigInt64Array(bytes(spec.labelFile)) : null;
  const rowSize = spec.xShape.reduce((a, b) => a * b, 1);

  const feeds = (count, zName = 'z') => {
    const f = { [zName]: new ort.Tensor('float32', z.slice(0, count * dim), [count, dim]) };
    if (labels) f[spec.labelName] = new ort.Tensor('int64', labels.slice(0, count), [count]);
    return f;
  };
  const out = await graph.run(feeds(n));
  for (const [name, dims] of [
    ['x', [n, ...spec.xShape]],
    ['logit', [n, 1]],
    ['grad', [n, dim]],
  ]) {
    if (!out[name]) throw new Error(`missing output ${name}; have ${Object.keys(out)}`);
    if (JSON.stringify(Array.from(out[name].dims)) !== JSON.stringify(dims)) throw new Error(`${name}: dims ${out[name].dims} != ${dims}`);
  }
  write(spec.out.x, out.x.data);
  write(spec.out.logit, out.logit.data);
  write(spec.out.grad, out.grad.data);

  const twin = await sidesGraph.run(feeds(n));
  write(spec.out.sides, Uint8Array.from(twin.sides.data, (v) => (v > 0 ? 1 : 0)));
  const sidesGraphGrad = maxAbs(twin.grad.data, out.grad.data);

  // G then D, separately
  const gIn = gen.inputNames.find((i) => i !== spec.labelName);
  const gx = (await gen.run(feeds(n, gIn)))[gen.outputNames[0]];
  const dFeeds = { [disc.inputNames.find((i) => i !== spec.labelName)]: gx };
  if (labels) dFeeds[spec.labelName] = feeds(n)[spec.labelName];
  let dl = (await disc.run(dFeeds))[disc.outputNames[0]].data;
  if (spec.discriminatorOutput === 'probability') {
    const eps = 1e-7;
    dl = Float32Array.from(dl, (v) => {
      const p = Math.min(1 - eps, Math.max(eps, v));
      return Math.log(p / (1 - p));
    });
  }
  write(spec.out.pairX, gx.data);
  write(spec.out.pairLogit, dl);

  // the same rows at other batch sizes
  let batchDiff = 0;
  for (const b of [1, 37]) {
    const o = await graph.run(feeds(b));
    batchDiff = Math.max(
      batchDiff,
      maxAbs(o.x.data, out.x.data.subarray(0, b * rowSize)),
      maxAbs(o.logit.data, out.logit.data.subarray(0, b)),
      maxAbs(o.grad.data, out.grad.data.subarray(0, b * dim)),
    );
  }
  console.log(JSON.stringify({ sidesGraphGrad, batchDiff }));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
