// Used by common.py: run one ONNX file in onnxruntime-node and compare with reference outputs.
// argv[2]: a JSON spec {model, inputs: [{name, type: "float32"|"int64", dims, file}], outputs: {name: {file, dims}}}.
// Prints {"output": maxAbsErr, ...} as JSON on the last line; exits 1 on a shape mismatch.
const fs = require("fs");
const path = require("path");
const ort = require(path.join(__dirname, "..", "..", "node_modules", "onnxruntime-node"));

function readF32(file) {
  const b = fs.readFileSync(file);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

(async () => {
  const spec = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
  const s = await ort.InferenceSession.create(spec.model);
  const feeds = {};
  for (const i of spec.inputs) {
    const b = fs.readFileSync(i.file);
    const data = i.type === "int64" ? new BigInt64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)) : readF32(i.file);
    feeds[i.name] = new ort.Tensor(i.type, data, i.dims);
  }
  const out = await s.run(feeds);
  const res = {};
  for (const [name, o] of Object.entries(spec.outputs)) {
    const t = out[name];
    if (!t) throw new Error(`missing output ${name}; have ${Object.keys(out)}`);
    if (JSON.stringify(Array.from(t.dims)) !== JSON.stringify(o.dims))
      throw new Error(`${name}: dims ${t.dims} != ${o.dims}`);
    const want = readF32(o.file);
    let m = 0;
    for (let i = 0; i < want.length; i++) m = Math.max(m, Math.abs(t.data[i] - want[i]));
    res[name] = m;
  }
  console.log(JSON.stringify(res));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
