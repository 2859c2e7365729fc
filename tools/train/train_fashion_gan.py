#!/usr/bin/env python3
"""Small DCGAN on Fashion-MNIST -> models/fashion-mnist/{generator,discriminator}.onnx, manifest,
calibration-real.f32, samples.png, MODEL_CARD.md.

    /usr/bin/python3 tools/train/train_fashion_gan.py          # full rebuild (~18 min on 2 cores)
    /usr/bin/python3 tools/train/train_fashion_gan.py --measure  # time a few steps only

The classifier (train_fashion_classifier.py) writes classifier.onnx / real-features.json and adds
`evaluation.classifier` to the manifest; either script can run first (each merges the manifest).
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

ID = "fashion-mnist"
LATENT = 64


class Generator(nn.Module):
    def __init__(self, nz=LATENT, ch=64):
        super().__init__()
        self.ch = ch
        self.fc = nn.Sequential(nn.Linear(nz, 2 * ch * 7 * 7, bias=False), nn.BatchNorm1d(2 * ch * 7 * 7), nn.ReLU(True))
        self.net = nn.Sequential(
            nn.ConvTranspose2d(2 * ch, ch, 4, 2, 1, bias=False), nn.BatchNorm2d(ch), nn.ReLU(True),  # 14x14
            nn.ConvTranspose2d(ch, 1, 4, 2, 1), nn.Tanh(),  # 28x28
        )

    def forward(self, z):
        h = self.fc(z).view(-1, 2 * self.ch, 7, 7)
        return self.net(h)


class Discriminator(nn.Module):
    def __init__(self, ch=64):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, ch, 4, 2, 1), nn.LeakyReLU(0.2, True),  # 14x14
            nn.Conv2d(ch, 2 * ch, 4, 2, 1), nn.LeakyReLU(0.2, True),  # 7x7
            nn.Flatten(),
            nn.Linear(2 * ch * 7 * 7, 1),
        )

    def forward(self, x):
        return self.net(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--steps", type=int, default=4000)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--ch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--measure", action="store_true")
    ap.add_argument("--out", default=os.path.join(common.MODELS_DIR, ID))
    args = ap.parse_args()

    common.setup_torch(2)
    common.seed_everything(args.seed)
    t0 = time.time()
    xtrain, _ = common.load_fashion("train")
    xtest, _ = common.load_fashion("t10k")
    # hold out the last 5,000 training images as D's validation "real" set (KeepTraining early stop)
    rng = np.random.RandomState(args.seed)
    perm = rng.permutation(len(xtrain))
    xval_real = torch.from_numpy(xtrain[perm[-5000:]])
    xtr = torch.from_numpy(xtrain[perm[:-5000]])
    gen = torch.Generator().manual_seed(args.seed + 1)

    G, D = Generator(ch=args.ch), Discriminator(ch=args.ch)
    nG = sum(p.numel() for p in G.parameters())
    nD = sum(p.numel() for p in D.parameters())
    print(f"params G {nG} D {nD}", flush=True)
    optG = torch.optim.Adam(G.parameters(), lr=args.lr, betas=(0.5, 0.999))
    optD = torch.optim.Adam(D.parameters(), lr=args.lr, betas=(0.5, 0.999))
    zfix = torch.randn(64, LATENT, generator=torch.Generator().manual_seed(4242))

    def real_batch(n):
        idx = torch.randint(0, len(xtr), (n,), generator=gen)
        return xtr[idx]

    steps = 30 if args.measure else args.steps
    log = []
    tstep = time.time()
    for step in range(1, steps + 1):
        xr = real_batch(args.batch)
        xf = G(torch.randn(args.batch, LATENT, generator=gen))
        lr_, lf_ = D(xr), D(xf.detach())
        lossD = F.binary_cross_entropy_with_logits(lr_, torch.ones_like(lr_)) + \
            F.binary_cross_entropy_with_logits(lf_, torch.zeros_like(lf_))
        optD.zero_grad()
        lossD.backward()
        optD.step()
        lg = D(xf)
        lossG = F.binary_cross_entropy_with_logits(lg, torch.ones_like(lg))  # non-saturating
        optG.zero_grad()
        lossG.backward()
        optG.step()
        if step % 100 == 0 or step == steps or (args.measure and step % 10 == 0):
            el = time.time() - tstep
            log.append({"step": step, "lossD": lossD.item(), "lossG": lossG.item()})
            print(f"step {step}: lossD {lossD.item():.4f} lossG {lossG.item():.4f} "
                  f"D(real) {torch.sigmoid(lr_).mean().item():.3f} D(fake) {torch.sigmoid(lf_).mean().item():.3f} "
                  f"({el / step * 1000:.0f} ms/step, {time.time() - t0:.0f}s)", flush=True)
        if step % 1000 == 0:
            G.eval()
            with torch.no_grad():
                common.save_png_grid(G(zfix).numpy(), os.path.join(common.OUT_DIR, f"fashion_step{step}.png"))
            G.train()
    gan_seconds = time.time() - t0
    final_lossD, final_lossG = lossD.item(), lossG.item()
    if args.measure:
        return

    G.eval()
    for p in G.parameters():
        p.requires_grad_(False)
    with torch.no_grad():
        s = G(zfix).numpy()
    common.save_png_grid(s, os.path.join(common.OUT_DIR, "fashion_samples.png"), scale=3)
    os.makedirs(args.out, exist_ok=True)
    common.save_png_grid(s, os.path.join(args.out, "samples.png"), scale=2)
    torch.save({"G": G.state_dict(), "D": D.state_dict()}, os.path.join(common.OUT_DIR, "fashion_gan.pt"))

    # ---- KeepTraining(D) with early stopping
    vgen = torch.Generator().manual_seed(args.seed + 1000)
    with torch.no_grad():
        xval_fake = torch.cat([G(torch.randn(1000, LATENT, generator=vgen)) for _ in range(5)])

    def fresh_fake(n):
        with torch.no_grad():
            return G(torch.randn(n, LATENT, generator=gen))

    t1 = time.time()
    kt = common.keep_training(D, real_batch, fresh_fake, xval_real, xval_fake, lr=args.lr,
                              batch=args.batch, eval_every=100, patience=8, max_steps=1500)
    kt_seconds = time.time() - t1
    capnote = "; early stopping did not fire, the 1,500-step cap ended it" if kt["stepsRun"] >= 1500 else ""

    # ---- export + check
    gpath, dpath = os.path.join(args.out, "generator.onnx"), os.path.join(args.out, "discriminator.onnx")
    common.export_onnx(G, torch.zeros(2, LATENT), gpath, "z", ["x"])
    common.export_onnx(D, torch.zeros(2, 1, 28, 28), dpath, "x", ["logit"])
    chk = {}
    for b in (1, 37):
        z = torch.randn(b, LATENT, generator=torch.Generator().manual_seed(b))
        with torch.no_grad():
            x = G(z)
            lg = D(x)
        chk[f"G{b}"] = common.onnx_check_node(gpath, "z", None, {b: (z.numpy(), {"x": x.numpy()})})[b]
        chk[f"D{b}"] = common.onnx_check_node(dpath, "x", None, {b: (x.numpy(), {"logit": lg.numpy()})})[b]
    print("onnxruntime-node check (max abs err vs torch):", chk)
    assert all(v < 1e-3 for c in chk.values() for v in c.values()), chk

    # calibration: 2,000 held-out test-set images (the last 2,000 of t10k), [-1,1], [N,1,28,28]
    calib = xtest[-2000:].astype("<f4")
    calib.tofile(os.path.join(args.out, "calibration-real.f32"))

    with torch.no_grad():
        dl = D(torch.cat([fresh_fake(1000) for _ in range(5)])).numpy()[:, 0]
        rl = D(torch.from_numpy(calib)).numpy()[:, 0]
    total_seconds = time.time() - t0

    mpath = os.path.join(args.out, "manifest.json")
    old = json.load(open(mpath)) if os.path.exists(mpath) else {}
    manifest = {
        "id": ID,
        "title": "Fashion-MNIST DCGAN (small)",
        "description": "Small DCGAN (transposed-conv generator with BatchNorm, conv discriminator) trained on the Fashion-MNIST training set on 2 CPU cores; images in [-1,1]. D was kept training alone after GAN training (DRS KeepTraining) with early stopping on held-out data.",
        "generator": "generator.onnx",
        "discriminator": "discriminator.onnx",
        "latent": {"dim": LATENT, "distribution": "normal"},
        "output": {"shape": [1, 28, 28], "kind": "image", "range": [-1, 1]},
        "discriminatorOutput": "logit",
        "evaluation": old.get("evaluation", {}),
        "calibration": {"realSamples": "calibration-real.f32", "count": int(calib.shape[0])},
        "training": {"seed": args.seed, "steps": args.steps, "keepTrainingSteps": kt["bestStep"],
                     "seconds": round(total_seconds, 1)},
    }
    common.write_json(mpath, manifest)

    sizes = {f: common.file_size(os.path.join(args.out, f)) for f in
             ["generator.onnx", "discriminator.onnx", "calibration-real.f32", "samples.png"]}
    hist = "\n".join(f"| {h['step']} | {h['lossD']:.4f} | {h['lossG']:.4f} |" for h in log[9::10])
    card = f"""# fashion-mnist — model card

![64 samples from the generator](samples.png)

## Data
Fashion-MNIST training set (60,000 28×28 grayscale images), scaled to [−1, 1]; 55,000 used for
GAN training, 5,000 (random, seeded) held out as the real half of D's KeepTraining validation set.
`calibration-real.f32`: the last {calib.shape[0]} images of the Fashion-MNIST **test** set, raw
little-endian float32 in [−1, 1], row-major `[{calib.shape[0]}, 1, 28, 28]`.

## Architecture
- Generator ({nG:,} parameters): z ∈ R^{LATENT} ~ N(0, I) → Linear({LATENT}, {2 * args.ch}·7·7) → BatchNorm → ReLU →
  ConvTranspose(4×4, stride 2) {2 * args.ch}→{args.ch} → BatchNorm → ReLU → ConvTranspose(4×4, stride 2) {args.ch}→1 → tanh.
  Exported in eval mode (BatchNorm uses running statistics).
- Discriminator ({nD:,} parameters): Conv(4×4, s2) 1→{args.ch} → LeakyReLU(0.2) → Conv(4×4, s2) {args.ch}→{2 * args.ch} →
  LeakyReLU(0.2) → Linear({2 * args.ch}·7·7, 1), raw logit (`discriminatorOutput: "logit"`).

## Training
- Non-saturating GAN loss with BCE-with-logits; Adam lr {args.lr}, β = (0.5, 0.999); batch {args.batch}; seed {args.seed}.
- GAN steps: {args.steps} (~{args.steps * args.batch / 55000:.1f} epochs), {gan_seconds:.0f} s on 2 CPU cores (PyTorch {torch.__version__}).
- Final minibatch losses: D {final_lossD:.4f} (sum of real and fake BCE), G {final_lossG:.4f}.
- KeepTraining(D): D alone on fresh real (training split) vs fresh G samples, batch {args.batch}; validation BCE
  on 5,000 held-out real + 5,000 fixed generated images every 100 steps, patience 8, best D restored.
  Validation BCE {kt['initialValBCE']:.4f} → {kt['bestValBCE']:.4f} (best at step {kt['bestStep']} of {kt['stepsRun']} run{capnote}), {kt_seconds:.0f} s.
- Exported D logit: mean {dl.mean():.3f} on 5,000 fresh G samples, {rl.mean():.3f} on the calibration
  (test) images; max over the G samples {dl.max():.3f}.
- Total wall time (including export and checks): {total_seconds:.0f} s.

GAN loss log (every 1,000 steps):

| step | loss D | loss G |
|------|--------|--------|
{hist}

## Files
| file | bytes |
|------|-------|
""" + "\n".join(f"| {k} | {v} ({common.human(v)}) |" for k, v in sizes.items()) + f"""

ONNX opset {common.OPSET}, dynamic batch axis; checked in onnxruntime-node at batch 1 and 37
(max abs error vs PyTorch ≤ {max(v for c in chk.values() for v in c.values()):.1e}).
The classifier used for evaluation (`classifier.onnx`, `real-features.json`) is described in
[CLASSIFIER.md](CLASSIFIER.md).

## Sampling quality (naive vs DRS)
to be filled by `npm run compare`

## Rebuild
`/usr/bin/python3 tools/train/train_fashion_gan.py` (deterministic given the seed on the same PyTorch build).
"""
    with open(os.path.join(args.out, "MODEL_CARD.md"), "w") as f:
        f.write(card)
    print(json.dumps({"keepTraining": {k: v for k, v in kt.items() if k != "history"}, "sizes": sizes,
                      "ganSeconds": gan_seconds, "seconds": total_seconds}, indent=1))


if __name__ == "__main__":
    main()
