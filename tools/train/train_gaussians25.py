#!/usr/bin/env python3
"""25 2-D Gaussians GAN (DRS paper section 5.1 setup) -> models/gaussians25/.

    /usr/bin/python3 tools/train/train_gaussians25.py            # full rebuild (~20 min on 2 cores)

G, D: four Linear layers, hidden width 100, ReLU; z ~ N(0, I_2); non-saturating GAN loss with
BCE-with-logits; Adam. GAN training is stopped early on purpose (G covers most modes but leaves
off-mode points between them), then KeepTraining(D) on fresh samples with early stopping.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

ID = "gaussians25"
SIGMA = 0.05
CENTERS = np.array([[x, y] for x in (-2, -1, 0, 1, 2) for y in (-2, -1, 0, 1, 2)], dtype=np.float64)


def mlp(inp, out, width=100):
    return nn.Sequential(
        nn.Linear(inp, width), nn.ReLU(),
        nn.Linear(width, width), nn.ReLU(),
        nn.Linear(width, width), nn.ReLU(),
        nn.Linear(width, out),
    )


def sample_real(n, gen):
    idx = torch.randint(0, 25, (n,), generator=gen)
    c = torch.from_numpy(CENTERS.astype(np.float32))[idx]
    return c + SIGMA * torch.randn(n, 2, generator=gen)


def quality(x):
    """x: ndarray [N,2]. high-quality share (within 4 sigma of nearest mean), modes recovered
    (a mode with >= 1% of N/25... here: at least 20 high-quality samples per 10k), spread."""
    x = np.asarray(x, dtype=np.float64)
    d = np.sqrt(((x[:, None, :] - CENTERS[None]) ** 2).sum(-1))
    nearest = d.argmin(1)
    dmin = d.min(1)
    hq = dmin < 4 * SIGMA
    counts = np.bincount(nearest[hq], minlength=25)
    thresh = max(1, int(0.002 * len(x)))
    modes = int((counts >= thresh).sum())
    spread = float(np.sqrt((dmin[hq] ** 2).mean() / 2)) if hq.any() else float("nan")
    return {"hqShare": float(hq.mean()), "modes": modes, "hqStd": spread,
            "minModeShare": float(counts.min() / max(1, hq.sum()))}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--steps", type=int, default=12000)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--eval-every", type=int, default=500)
    ap.add_argument("--out", default=os.path.join(common.MODELS_DIR, ID))
    ap.add_argument("--explore", action="store_true", help="train only, print metrics, write nothing")
    args = ap.parse_args()

    common.setup_torch(2)
    common.seed_everything(args.seed)
    t0 = time.time()
    gen = torch.Generator().manual_seed(args.seed + 1)

    G, D = mlp(2, 2), mlp(2, 1)
    optG = torch.optim.Adam(G.parameters(), lr=args.lr, betas=(0.5, 0.999))
    optD = torch.optim.Adam(D.parameters(), lr=args.lr, betas=(0.5, 0.999))
    zfix = torch.randn(10000, 2, generator=torch.Generator().manual_seed(12345))
    log = []
    for step in range(1, args.steps + 1):
        xr = sample_real(args.batch, gen)
        xf = G(torch.randn(args.batch, 2, generator=gen))
        lr_, lf_ = D(xr), D(xf.detach())
        lossD = F.binary_cross_entropy_with_logits(lr_, torch.ones_like(lr_)) + \
            F.binary_cross_entropy_with_logits(lf_, torch.zeros_like(lf_))
        optD.zero_grad()
        lossD.backward()
        optD.step()
        lg = D(G(torch.randn(args.batch, 2, generator=gen)))
        lossG = F.binary_cross_entropy_with_logits(lg, torch.ones_like(lg))  # non-saturating
        optG.zero_grad()
        lossG.backward()
        optG.step()
        if step % args.eval_every == 0 or step == args.steps:
            with torch.no_grad():
                q = quality(G(zfix).numpy())
            log.append({"step": step, "lossD": lossD.item(), "lossG": lossG.item(), **q})
            print(f"step {step}: lossD {lossD.item():.4f} lossG {lossG.item():.4f} "
                  f"hq {q['hqShare']:.3f} modes {q['modes']} std {q['hqStd']:.4f} "
                  f"minModeShare {q['minModeShare']:.4f} ({time.time() - t0:.0f}s)", flush=True)
    gan_seconds = time.time() - t0
    final_lossD, final_lossG = lossD.item(), lossG.item()
    if args.explore:
        return

    # ---- KeepTraining(D): fresh real vs fresh G samples, early stopping on a fixed validation set
    G.eval()
    for p in G.parameters():
        p.requires_grad_(False)
    vgen = torch.Generator().manual_seed(args.seed + 1000)
    val_real = sample_real(10000, vgen)
    with torch.no_grad():
        val_fake = G(torch.randn(10000, 2, generator=vgen))

    def fresh_fake(n):
        with torch.no_grad():
            return G(torch.randn(n, 2, generator=gen))

    t1 = time.time()
    kt = common.keep_training(D, lambda n: sample_real(n, gen), fresh_fake, val_real, val_fake,
                              lr=args.lr, batch=args.batch, eval_every=200, patience=10,
                              max_steps=30000)
    kt_seconds = time.time() - t1
    capnote = "; early stopping did not fire, the 30,000-step cap ended it" if kt["stepsRun"] >= 30000 else ""

    # ---- export
    os.makedirs(args.out, exist_ok=True)
    gpath, dpath = os.path.join(args.out, "generator.onnx"), os.path.join(args.out, "discriminator.onnx")

    class GWrap(nn.Module):
        def __init__(self, g):
            super().__init__()
            self.g = g

        def forward(self, z):
            return self.g(z)

    common.export_onnx(GWrap(G), torch.zeros(1, 2), gpath, "z", ["x"])
    common.export_onnx(D, torch.zeros(1, 2), dpath, "x", ["logit"])

    # check in onnxruntime-node at batch 1 and 37
    chk = {}
    for b in (1, 37):
        z = torch.randn(b, 2, generator=torch.Generator().manual_seed(b))
        with torch.no_grad():
            x = G(z)
            lg = D(x)
        chk[f"G{b}"] = common.onnx_check_node(gpath, "z", None, {b: (z.numpy(), {"x": x.numpy()})})[b]
        chk[f"D{b}"] = common.onnx_check_node(dpath, "x", None, {b: (x.numpy(), {"logit": lg.numpy()})})[b]
    print("onnxruntime-node check (max abs err vs torch):", chk)
    assert all(v < 1e-4 for c in chk.values() for v in c.values()), chk

    # calibration: held-out real samples (fresh generator, seed not used elsewhere)
    cgen = torch.Generator().manual_seed(args.seed + 2000)
    calib = sample_real(5000, cgen).numpy().astype("<f4")
    calib.tofile(os.path.join(args.out, "calibration-real.f32"))

    # quality of the final G, and how the exported D separates (for the card)
    with torch.no_grad():
        gx = G(zfix)
        q = quality(gx.numpy())
        dl = D(gx).numpy()[:, 0]
        rl = D(val_real).numpy()[:, 0]
    total_seconds = time.time() - t0

    manifest = {
        "id": ID,
        "title": "25 Gaussians (2-D toy GAN)",
        "description": "Vanilla GAN (4-layer ReLU MLPs, width 100) on a mixture of 25 Gaussians with means on {-2,-1,0,1,2}^2 and sigma 0.05, as in the DRS paper section 5.1. Deliberately stopped early: G covers most modes but leaves off-mode samples between them, which DRS can reject.",
        "generator": "generator.onnx",
        "discriminator": "discriminator.onnx",
        "latent": {"dim": 2, "distribution": "normal"},
        "output": {"shape": [2], "kind": "vector"},
        "discriminatorOutput": "logit",
        "evaluation": {"mixture2d": {"centers": CENTERS.tolist(), "sigma": SIGMA}},
        "calibration": {"realSamples": "calibration-real.f32", "count": int(calib.shape[0])},
        "training": {"seed": args.seed, "steps": args.steps, "keepTrainingSteps": kt["bestStep"],
                     "seconds": round(total_seconds, 1)},
    }
    common.write_json(os.path.join(args.out, "manifest.json"), manifest)

    sizes = {f: common.file_size(os.path.join(args.out, f)) for f in
             ["generator.onnx", "discriminator.onnx", "calibration-real.f32"]}
    hist = "\n".join(f"| {h['step']} | {h['lossD']:.4f} | {h['lossG']:.4f} | {h['hqShare']:.3f} | {h['modes']} | {h['hqStd']:.4f} |"
                     for h in log)
    card = f"""# gaussians25 — model card

## Data
Mixture of 25 isotropic Gaussians, means on the grid {{-2,-1,0,1,2}}², σ = {SIGMA}, uniform weights,
sampled fresh every step (seeded). `calibration-real.f32`: {calib.shape[0]} held-out real samples
(separate seed), raw little-endian float32, row-major `[{calib.shape[0]}, 2]`.

## Architecture
- Generator: z ∈ R² ~ N(0, I) → Linear(2,100) → ReLU → Linear(100,100) → ReLU → Linear(100,100) → ReLU → Linear(100,2).
- Discriminator: Linear(2,100) → ReLU → Linear(100,100) → ReLU → Linear(100,100) → ReLU → Linear(100,1) (raw logit, `discriminatorOutput: "logit"`).

## Training
- Loss: standard non-saturating GAN loss with BCE-with-logits; Adam lr {args.lr}, β = (0.5, 0.999); batch {args.batch}; seed {args.seed}.
- GAN steps: {args.steps} (one D and one G update per step), {gan_seconds:.1f} s on 2 CPU cores (PyTorch {torch.__version__}).
  Stopped early on purpose so that G is imperfect (DRS needs off-mode samples to reject).
- Final minibatch losses: D {final_lossD:.4f} (sum of real and fake BCE), G {final_lossG:.4f}.
- KeepTraining(D): D alone on fresh real vs fresh G samples (batch {args.batch}, same optimizer settings),
  validation BCE on a fixed set of 10,000 real + 10,000 generated samples every 200 steps, patience 10,
  best D restored. Validation BCE {kt['initialValBCE']:.4f} → {kt['bestValBCE']:.4f} (best at step {kt['bestStep']}
  of {kt['stepsRun']} run{capnote}), {kt_seconds:.1f} s.
- Total wall time (including export and checks): {total_seconds:.1f} s.

GAN training log (metrics on 10,000 fixed latents; "high quality" = within 4σ of the nearest mean;
a mode is recovered when ≥ 0.2 % of the samples are high-quality samples near it):

| step | loss D | loss G | HQ share | modes | HQ std |
|------|--------|--------|----------|-------|--------|
{hist}

Final generator (naive sampling): high-quality share {q['hqShare']:.3f}, modes {q['modes']}/25,
HQ std {q['hqStd']:.4f}. Exported D logit: mean {dl.mean():.3f} on G samples, {rl.mean():.3f} on real samples,
max over 10,000 G samples {dl.max():.3f}.

## Files
| file | bytes |
|------|-------|
""" + "\n".join(f"| {k} | {v} ({common.human(v)}) |" for k, v in sizes.items()) + f"""

ONNX opset {common.OPSET}, dynamic batch axis; checked in onnxruntime-node at batch 1 and 37
(max abs error vs PyTorch ≤ {max(v for c in chk.values() for v in c.values()):.1e}).

## Sampling quality (naive vs DRS)
to be filled by `npm run compare`

## Rebuild
`/usr/bin/python3 tools/train/train_gaussians25.py` (deterministic given the seed on the same PyTorch build).
"""
    with open(os.path.join(args.out, "MODEL_CARD.md"), "w") as f:
        f.write(card)
    print(json.dumps({"quality": q, "keepTraining": {k: v for k, v in kt.items() if k != "history"},
                      "sizes": sizes, "seconds": total_seconds}, indent=1))


if __name__ == "__main__":
    main()
