"""Write MODEL_DIR/latent-gradient.onnx: z (and the label of a conditional model) -> x = G(z),
logit = d(G(z)), grad = d logit / dz; check it; name it in manifest.json; describe it in MODEL_CARD.md.

  /usr/bin/python3 tools/gradient/export.py models/gaussians25 [--check 1000] [--seed 0]

The check (see README.md): on --check random latents (seeded), the graph run in onnxruntime-node
against PyTorch autograd in float64 on the same G and D; fails (exit 1) above the tolerances.
"""
import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from latent_gradient import LatentGradient  # noqa: E402
from ops import UnsupportedGraph  # noqa: E402

OPSET = 17
FILE = "latent-gradient.onnx"
GRAD_REL_TOL = 1e-4  # issue 12: max relative error of grad vs autograd
PAIR_TOL = 1e-4  # x and logit vs G then D in onnxruntime-node (float32 kernels may differ in rounding)
HERE = os.path.dirname(os.path.abspath(__file__))


def build(model_dir):
    with open(os.path.join(model_dir, "manifest.json")) as f:
        manifest = json.load(f)
    cond = manifest.get("conditioning")
    label = cond["input"] if cond else None
    module = LatentGradient(
        os.path.join(model_dir, manifest["generator"]),
        os.path.join(model_dir, manifest["discriminator"]),
        manifest["discriminatorOutput"],
        label,
    ).eval()
    return manifest, module


def example_inputs(manifest, n, seed):
    gen = torch.Generator().manual_seed(seed)
    dim = manifest["latent"]["dim"]
    if manifest["latent"]["distribution"] == "uniform":
        z = torch.rand(n, dim, generator=gen) * 2 - 1
    else:
        z = torch.randn(n, dim, generator=gen)
    cond = manifest.get("conditioning")
    label = torch.randint(0, len(cond["labels"]), (n,), generator=gen) if cond else None
    return z, label


def export(manifest, module, path, with_sides=False):
    z, label = example_inputs(manifest, 3, 12345)
    names = ["z"] + ([module.label] if module.label else [])
    args = (z,) if label is None else (z, label)
    outputs = ["x", "logit", "grad"] + (["sides"] if with_sides else [])
    dyn = {k: {0: "batch"} for k in names + outputs}
    module.emit_sides = with_sides
    try:
        with torch.no_grad():
            torch.onnx.export(module, args, path, input_names=names, output_names=outputs, dynamic_axes=dyn, opset_version=OPSET, do_constant_folding=True)
    finally:
        module.emit_sides = False
    m = onnx.load(path)
    onnx.checker.check_model(m, full_check=True)
    return sorted({n.op_type for n in m.graph.node})


def rowrel(a, b):
    """Per row: max_j |a_j − b_j| / max_j |b_j|."""
    return np.abs(a - b).max(1) / np.maximum(np.abs(b).max(1), 1e-300)


def check(model_dir, manifest, module, path, n, seed):
    z, label = example_inputs(manifest, n, seed)
    rows_of = lambda t, i: None if t is None else t[i : i + 250]  # noqa: E731
    ref = copy.deepcopy(module).double()
    z64 = z.double().requires_grad_()
    x64, logit64 = ref.scores(z64, label)
    (grad64,) = torch.autograd.grad(logit64.sum(), z64)  # rows are independent: row i's gradient
    x64, logit64, grad64 = x64.detach().numpy(), logit64.detach().numpy(), grad64.numpy()
    # the hand-written backward in float64 against autograd (same forward ops): the algebra alone
    with torch.no_grad():
        _, _, hand64 = ref(z.double(), label)
    math_rel = rowrel(hand64.numpy(), grad64).max()
    with tempfile.TemporaryDirectory() as tmp:
        twin = os.path.join(tmp, "twin.onnx")
        export(manifest, module, twin, with_sides=True)
        files = {k: os.path.join(tmp, k) for k in ["z", "label", "x", "logit", "grad", "sides", "pairX", "pairLogit", "spec.json"]}
        z.numpy().astype("<f4").tofile(files["z"])
        spec = {
            "graph": os.path.abspath(path),
            "sidesGraph": twin,
            "generator": os.path.abspath(os.path.join(model_dir, manifest["generator"])),
            "discriminator": os.path.abspath(os.path.join(model_dir, manifest["discriminator"])),
            "discriminatorOutput": manifest["discriminatorOutput"],
            "n": n,
            "dim": manifest["latent"]["dim"],
            "xShape": manifest["output"]["shape"],
            "zFile": files["z"],
            "out": {k: files[k] for k in ["x", "logit", "grad", "sides", "pairX", "pairLogit"]},
        }
        if label is not None:
            label.numpy().astype("<i8").tofile(files["label"])
            spec["labelName"] = module.label
            spec["labelFile"] = files["label"]
        with open(files["spec.json"], "w") as f:
            json.dump(spec, f)
        r = subprocess.run(["node", os.path.join(HERE, "check_gradient.cjs"), files["spec.json"]], capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"onnxruntime-node check failed:\n{r.stdout}\n{r.stderr}")
        got = {k: np.fromfile(files[k], dtype="<f4").reshape(n, -1) for k in ["x", "logit", "grad", "pairX", "pairLogit"]}
        sides_ort = torch.from_numpy(np.fromfile(files["sides"], dtype=np.uint8).reshape(n, -1).astype(bool))
    res = json.loads(r.stdout.strip().splitlines()[-1])
    # A ReLU/LeakyReLU input within float32 rounding of 0 can fall on the other side of its kink in
    # float32 than in float64: float32 then evaluates another linear piece of d(G(z)), whose exact
    # gradient differs from float64's by that unit's whole contribution, a property of evaluating
    # a kinked function in float32, not of the backward pass. So the graph is also compared with
    # autograd in float64 on the piece onnxruntime chose (its sides, read from the twin graph that
    # also outputs them; it must give the same grad); on rows where both precisions agree on every
    # kink that is the plain float64 gradient.
    with torch.no_grad():
        sides64 = torch.cat([ref.kink_sides(rows_of(z, i).double(), rows_of(label, i)) for i in range(0, n, 250)])
    flipped = (sides_ort != sides64).any(1)
    grad_piece = grad64.copy()
    if flipped.any():
        zf = z[flipped].double().requires_grad_()
        _, lf = ref.scores(zf, None if label is None else label[flipped], sides_ort[flipped])
        grad_piece[flipped.numpy()] = torch.autograd.grad(lf.sum(), zf)[0].numpy()
    flipped = flipped.numpy()
    plain, piece = rowrel(got["grad"], grad64), rowrel(got["grad"], grad_piece)
    res.update(
        gradRel=float(plain.max()),
        gradRelMean=float(plain.mean()),
        gradRelPiece=float(piece.max()),
        kinkRows=int(flipped.sum()),
        gradRelSmooth=float(plain[~flipped].max()) if (~flipped).any() else 0.0,
        kinkEffect=float(rowrel(grad_piece, grad64).max()),
        mathRel=float(math_rel),
        xAbs=float(np.abs(got["x"] - x64.reshape(n, -1)).max()),
        logitAbs=float(np.abs(got["logit"] - logit64.reshape(n, -1)).max()),
        xVsPair=float(np.abs(got["x"] - got["pairX"]).max()),
        logitVsPair=float(np.abs(got["logit"] - got["pairLogit"]).max()),
    )
    return res


def write_card(model_dir, manifest, res, ops, n, seed, size):
    path = os.path.join(model_dir, "MODEL_CARD.md")
    cond = " and `label` int64 [batch]" if manifest.get("conditioning") else ""
    dim = manifest["latent"]["dim"]
    kink_text = ""
    if res["kinkRows"]:
        kink_text = (
            f". On the other {res['kinkRows']} row(s) a unit within float32 rounding of its kink is on the"
            f" other side in float32, which then evaluates another linear piece: there the error is up to"
            f" {res['gradRel']:.2e} (the two pieces' exact float64 gradients differ by up to {res['kinkEffect']:.2e})"
        )
    section = f"""## Latent gradient graph
`{FILE}` ({size / 1024:.1f} KiB; `"latentGradient"` in manifest.json): inputs `z` float32
[batch, {dim}]{cond}; outputs `x` = G(z), `logit` = d(G(z)) [batch, 1] and `grad` = ∇_z d(G(z))
[batch, {dim}]. ONNX opset {OPSET}, dynamic batch axis, forward operators only
({", ".join(ops)}): the backward pass is written by hand, layer by layer (`tools/gradient/`,
rebuild with `/usr/bin/python3 tools/gradient/export.py {model_dir.rstrip("/")}`).

Checked on {n:,} random latents (seed {seed}), the graph run in onnxruntime-node (float32) against
PyTorch autograd in float64 on the same G and D:
- `grad` against autograd on the linear pieces onnxruntime evaluates (every ReLU/LeakyReLU held
  on the side of its kink where onnxruntime's float32 forward puts it): max relative error
  {res["gradRelPiece"]:.2e} over all rows (relative error of a row = max_j |a_j − b_j| / max_j |b_j|;
  required ≤ {GRAD_REL_TOL:g}).
- `grad` against plain float64 autograd: max {res["gradRelSmooth"]:.2e} on the {n - res["kinkRows"]:,} rows where
  float32 and float64 put every ReLU/LeakyReLU input on the same side of its kink{kink_text}; mean
  over all rows {res["gradRelMean"]:.1e}.
- the hand-written backward in float64 against autograd in float64: {res["mathRel"]:.1e}.
- `x` and `logit` against G then D run separately in onnxruntime-node: max abs difference
  {res["xVsPair"]:.1e} and {res["logitVsPair"]:.1e} (against the float64 reference {res["xAbs"]:.1e} and
  {res["logitAbs"]:.1e}).
- the same rows at batch 1 and 37 as at batch {n:,}: max abs difference {res["batchDiff"]:.1e}.
"""
    with open(path) as f:
        text = f.read()
    start = text.find("## Latent gradient graph")
    if start >= 0:
        end = text.find("\n## ", start + 1)
        text = text[:start] + section + (text[end + 1 :] if end >= 0 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    with open(path, "w") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model_dir")
    ap.add_argument("--check", type=int, default=1000, help="latents in the numerical check")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-card", action="store_true", help="leave MODEL_CARD.md alone")
    args = ap.parse_args()
    torch.set_num_threads(1)
    t0 = time.time()
    try:
        manifest, module = build(args.model_dir)
    except UnsupportedGraph as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
    path = os.path.join(args.model_dir, FILE)
    ops = export(manifest, module, path)
    res = check(args.model_dir, manifest, module, path, args.check, args.seed)
    size = os.path.getsize(path)
    print(json.dumps({"file": path, "bytes": size, "ops": ops, **res, "seconds": round(time.time() - t0, 1)}))
    bad = []
    if not res["gradRelPiece"] <= GRAD_REL_TOL:
        bad.append(f"grad relative error {res['gradRelPiece']:.3g} > {GRAD_REL_TOL:g} (against float64 autograd on float32's linear pieces)")
    for k in ["xVsPair", "logitVsPair", "batchDiff", "sidesGraphGrad"]:
        if not res[k] <= PAIR_TOL:
            bad.append(f"{k} {res[k]:.3g} > {PAIR_TOL:g}")
    if bad:
        print("check failed: " + "; ".join(bad), file=sys.stderr)
        sys.exit(1)
    manifest_path = os.path.join(args.model_dir, "manifest.json")
    with open(manifest_path) as f:
        raw = json.load(f)
    raw["latentGradient"] = FILE
    with open(manifest_path, "w") as f:
        json.dump(raw, f, indent=2, ensure_ascii=False)
        f.write("\n")
    if not args.no_card:
        write_card(args.model_dir, manifest, res, ops, args.check, args.seed, size)


if __name__ == "__main__":
    main()
