// Check the analytic fixture pairs in onnxruntime-node: load, run batch 1 and 37, compare the
// discriminator against the closed-form log density ratio in float64 (tolerance 1e-5).
// Usage (repo root): node tools/analytic/check_analytic_pairs.cjs
const path = require("path");
const fs = require("fs");
const ort = require(path.join(__dirname, "..", "..", "node_modules", "onnxruntime-node"));

const ROOT = path.join(__dirname, "..", "..");
const MODELS = path.join(ROOT, "test", "fixtures", "models");
const BROKEN = path.join(ROOT, "test", "fixtures", "onnx");
const FAULTY = path.join(ROOT, "test", "fixtures", "faulty-models");
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const TOL = 1e-5;

function logaddexp(a, b) {
  const m = Math.max(a, b);
  return m + Math.log1p(Math.exp(-Math.abs(a - b)));
}
const lnN = (x, m, s) => -((x - m) ** 2) / (2 * s * s) - Math.log(s) - LOG_SQRT_2PI;
const sigmoid = (t) => 1 / (1 + Math.exp(-t));

const formulas = {
  "uniform-gaussian-1d": (x) => lnN(x, 0, 1) - Math.log(1 / 6),
  "uniform-gaussian-1d-prob": (x) => sigmoid(lnN(x, 0, 1) - Math.log(1 / 6)),
  "gaussian-mixture-1d": (x) =>
    logaddexp(Math.log(0.5) + lnN(x, -1, 0.5), Math.log(0.5) + lnN(x, 1, 0.5)) - lnN(x, 0, 2),
  "uniform-gaussian-1d-overconfident": (x) => 3 * (lnN(x, 0, 1) - Math.log(1 / 6)) - 2,
  "rare-tail-1d": (x) => logaddexp(Math.log(0.7) + lnN(x, 0, 1), Math.log(0.3) + lnN(x, 3.5, 0.25)) - lnN(x, 0, 1),
  "tiny-image": null,
};
// Where G puts its samples: the logM grid check scans this range (the rare tail peaks at x = 3.73).
const gridRange = { "rare-tail-1d": 6 };
// D is deliberately not the exact ratio here, so the manifest's logM (the exact pair's) does not bound it.
const notExact = new Set(["uniform-gaussian-1d-overconfident"]);
const generatorFormulas = {
  "uniform-gaussian-1d": (z) => [3 * z[0]],
  "uniform-gaussian-1d-prob": (z) => [3 * z[0]],
  "gaussian-mixture-1d": (z) => [2 * z[0]],
  "uniform-gaussian-1d-overconfident": (z) => [3 * z[0]],
  "rare-tail-1d": (z) => [z[0]],
  "tiny-image": (z) => z.map((v) => sigmoid(2 * v)),
};

function fail(msg) {
  console.error("FAIL:", msg);
  process.exitCode = 1;
}

async function checkPair(id) {
  const dir = path.join(MODELS, id);
  const m = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"));
  if (m.id !== id) fail(`${id}: manifest id ${m.id}`);
  const g = await ort.InferenceSession.create(path.join(dir, m.generator));
  const d = await ort.InferenceSession.create(path.join(dir, m.discriminator));
  if (g.inputNames.join() !== "z" || g.outputNames.join() !== "x") fail(`${id}: G io names`);
  if (d.inputNames.join() !== "x" || d.outputNames.join() !== "logit") fail(`${id}: D io names`);
  const L = m.latent.dim;
  const outSize = m.output.shape.reduce((a, b) => a * b, 1);
  let maxErr = 0;
  for (const batch of [1, 37]) {
    const z = new Float32Array(batch * L);
    for (let i = 0; i < z.length; i++) z[i] = Math.fround(-0.95 + (1.9 * i) / Math.max(1, z.length - 1));
    const gout = await g.run({ z: new ort.Tensor("float32", z, [batch, L]) });
    const x = gout.x;
    const expectDims = [batch, ...m.output.shape];
    if (JSON.stringify(x.dims) !== JSON.stringify(expectDims)) fail(`${id}: G dims ${x.dims} != ${expectDims}`);
    for (let b = 0; b < batch; b++) {
      const want = generatorFormulas[id](Array.from(z.slice(b * L, (b + 1) * L)));
      for (let j = 0; j < outSize; j++) {
        const err = Math.abs(x.data[b * outSize + j] - want[j]);
        if (err > TOL * Math.max(1, Math.abs(want[j]))) fail(`${id}: G mismatch ${x.data[b * outSize + j]} vs ${want[j]}`);
      }
    }
    const dout = await d.run({ x });
    if (JSON.stringify(dout.logit.dims) !== JSON.stringify([batch, 1])) fail(`${id}: D dims ${dout.logit.dims}`);
    if (id === "tiny-image") {
      for (let b = 0; b < batch; b++) {
        let s = 0;
        for (let j = 0; j < 4; j++) s += x.data[b * 4 + j];
        const err = Math.abs(dout.logit.data[b] - (s - 2));
        maxErr = Math.max(maxErr, err);
        if (err > TOL) fail(`${id}: D mismatch`);
      }
    }
  }
  // D on a grid of x values, compared in float64 against the formula
  const f = formulas[id];
  if (f) {
    const xs = [-4.5, -3, -2.2, -1.5, -1.0662, -1, -0.5, -1e-3, 0, 0.25, 0.7, 1, 1.0662, 1.3, 2, 2.9, 3];
    const xin = Float32Array.from(xs);
    const out = await d.run({ x: new ort.Tensor("float32", xin, [xs.length, 1]) });
    for (let i = 0; i < xs.length; i++) {
      const want = f(xin[i]);
      const got = out.logit.data[i];
      const err = Math.abs(got - want);
      maxErr = Math.max(maxErr, err / Math.max(1, Math.abs(want)));
      if (err > TOL * Math.max(1, Math.abs(want))) fail(`${id}: D(${xin[i]}) = ${got}, want ${want}`);
    }
    const logM = m.evaluation.analytic.logM;
    // logM must be >= every logit on a fine grid (for the logit pairs)
    if (m.discriminatorOutput === "logit" && !notExact.has(id)) {
      const range = gridRange[id] ?? 3;
      const grid = new Float32Array(20001);
      for (let i = 0; i < grid.length; i++) grid[i] = -range + (2 * range * i) / (grid.length - 1);
      const o = await d.run({ x: new ort.Tensor("float32", grid, [grid.length, 1]) });
      let mx = -Infinity;
      for (const v of o.logit.data) mx = Math.max(mx, v);
      if (mx > logM + 1e-5 || mx < logM - 1e-4) fail(`${id}: grid max ${mx} vs logM ${logM}`);
      console.log(`  ${id}: grid max logit ${mx.toFixed(7)}, manifest logM ${logM.toFixed(7)}`);
    }
  }
  console.log(`ok ${id} (batch 1 and 37; max rel err ${maxErr.toExponential(2)})`);
}

async function checkBroken() {
  const s = await ort.InferenceSession.create(path.join(BROKEN, "static-batch-generator.onnx"));
  const r = await s.run({ z: new ort.Tensor("float32", new Float32Array(8), [8, 1]) });
  console.log("ok static-batch-generator loads; x dims", r.x.dims);
  try {
    await s.run({ z: new ort.Tensor("float32", new Float32Array(37), [37, 1]) });
    fail("static-batch-generator accepted batch 37");
  } catch (e) {
    console.log("ok static-batch-generator rejects batch 37:", String(e.message).split("\n")[0].slice(0, 100));
  }
  const g3 = await ort.InferenceSession.create(path.join(BROKEN, "generator-out3.onnx"));
  const r3 = await g3.run({ z: new ort.Tensor("float32", new Float32Array(37), [37, 1]) });
  console.log("ok generator-out3 output dims", r3.x.dims);
  const d2 = await ort.InferenceSession.create(path.join(BROKEN, "two-input-discriminator.onnx"));
  console.log("ok two-input-discriminator inputs", d2.inputNames);
  try {
    await ort.InferenceSession.create(path.join(BROKEN, "not-onnx.onnx"));
    fail("not-onnx loaded");
  } catch (e) {
    console.log("ok not-onnx fails to load:", String(e.message).split("\n")[0].slice(0, 100));
  }
}

// Each faulty pair shows its fault in onnxruntime: x = [-3, -1.5, ..., 3] (batch 5) vs row 0 alone.
async function checkFaulty() {
  const xs = Float32Array.from([-3, -1.5, 0.5, 1.5, 3]);
  const run = async (id, file, name, data) => {
    const s = await ort.InferenceSession.create(path.join(FAULTY, id, file));
    return Array.from((await s.run({ [name]: new ort.Tensor("float32", data, [data.length, 1]) }))[s.outputNames[0]].data);
  };
  const expect = (ok, msg) => (ok ? console.log("ok", msg) : fail(msg));
  const nan = await run("nan-discriminator-1d", "discriminator.onnx", "x", xs);
  expect(nan.every(Number.isNaN), `nan-discriminator-1d: D = ${nan}, all NaN`);
  const bm = await run("batch-mean-discriminator-1d", "discriminator.onnx", "x", xs);
  const bm0 = await run("batch-mean-discriminator-1d", "discriminator.onnx", "x", xs.slice(0, 1));
  expect(Math.abs(bm[0] - bm0[0]) > 1, `batch-mean-discriminator-1d: D(-3) = ${bm[0]} in the batch, ${bm0[0]} alone`);
  const p = await run("probability-above-one-1d", "discriminator.onnx", "x", Float32Array.from([0, 0.5, 0.9, 1, 3]));
  expect(p.every((v) => v > 1) && p.slice(3).every((v) => v === Infinity), `probability-above-one-1d: D = ${p}, all > 1, +Inf for |x| >= 1`);
  const zs = Float32Array.from([-1, -0.5, 0.25, 1]);
  const inf = await run("inf-generator-1d", "generator.onnx", "z", zs);
  expect(inf.every((v) => !Number.isFinite(v)), `inf-generator-1d: G = ${inf}, all non-finite`);
  const bg = await run("batch-mean-generator-1d", "generator.onnx", "z", zs);
  const bg0 = await run("batch-mean-generator-1d", "generator.onnx", "z", zs.slice(0, 1));
  expect(Math.abs(bg[0] - bg0[0]) > 1, `batch-mean-generator-1d: G(-1) = ${bg[0]} in the batch, ${bg0[0]} alone`);
}

(async () => {
  for (const id of Object.keys(formulas)) await checkPair(id);
  await checkBroken();
  await checkFaulty();
  if (process.exitCode) console.error("SOME CHECKS FAILED");
  else console.log("all analytic checks passed");
})();
