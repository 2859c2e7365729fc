#!/usr/bin/env python3
"""Small CNN classifier on Fashion-MNIST, used to evaluate generated images (accuracy-style class
histograms and an FID-like Fréchet distance on its 64-d penultimate features).

    /usr/bin/python3 tools/train/train_fashion_classifier.py     # ~5 min on 2 cores

Writes models/fashion-mnist/classifier.onnx (input `x` [batch,1,28,28] in [-1,1]; outputs
`features` [batch,64] = penultimate layer before its ReLU, `logits` [batch,10]),
models/fashion-mnist/real-features.json (test-set feature mean and unbiased covariance, float64),
models/fashion-mnist/CLASSIFIER.md, and merges `evaluation.classifier` into the manifest.
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


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(True), nn.MaxPool2d(2),  # 14
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(True), nn.MaxPool2d(2),  # 7
            nn.Flatten(),
            nn.Dropout(0.25),
            nn.Linear(64 * 7 * 7, 64),  # -> features (pre-activation: no dead units, full-rank covariance)
        )
        self.head = nn.Sequential(nn.ReLU(), nn.Dropout(0.25), nn.Linear(64, 10))

    def forward(self, x):
        f = self.conv(x)
        return f, self.head(f)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--out", default=os.path.join(common.MODELS_DIR, ID))
    args = ap.parse_args()

    common.setup_torch(2)
    common.seed_everything(args.seed)
    t0 = time.time()
    xtr, ytr = common.load_fashion("train")
    xte, yte = common.load_fashion("t10k")
    xtr, ytr = torch.from_numpy(xtr), torch.from_numpy(ytr)
    xte_t, yte_t = torch.from_numpy(xte), torch.from_numpy(yte)

    net = Classifier()
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    steps_per_epoch = (len(xtr) + args.batch - 1) // args.batch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.epochs * steps_per_epoch)
    gen = torch.Generator().manual_seed(args.seed + 1)

    def evaluate():
        net.eval()
        correct, feats = 0, []
        with torch.no_grad():
            for i in range(0, len(xte_t), 1000):
                f, lg = net(xte_t[i:i + 1000])
                correct += (lg.argmax(1) == yte_t[i:i + 1000]).sum().item()
                feats.append(f)
        net.train()
        return correct / len(xte_t), torch.cat(feats)

    log = []
    for ep in range(1, args.epochs + 1):
        perm = torch.randperm(len(xtr), generator=gen)
        tot, n = 0.0, 0
        for i in range(0, len(xtr), args.batch):
            idx = perm[i:i + args.batch]
            xb = xtr[idx]
            # light augmentation: random horizontal flip (Fashion-MNIST items are left/right symmetric-ish)
            flip = torch.rand(len(idx), generator=gen) < 0.5
            xb = torch.where(flip[:, None, None, None], xb.flip(3), xb)
            _, lg = net(xb)
            loss = F.cross_entropy(lg, ytr[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            tot += loss.item() * len(idx)
            n += len(idx)
        acc, _ = evaluate()
        log.append((ep, tot / n, acc))
        print(f"epoch {ep}: train loss {tot / n:.4f} test acc {acc:.4f} ({time.time() - t0:.0f}s)", flush=True)
    train_seconds = time.time() - t0

    acc, feats = evaluate()
    feats = feats.double().numpy()
    mean = feats.mean(0)
    cov = np.cov(feats, rowvar=False)  # unbiased (N-1)
    eig = np.linalg.eigvalsh(cov)
    dead = int((feats.std(0) == 0).sum())
    print(f"test acc {acc:.4f}; features: constant units {dead}, cov eig min {eig.min():.3e} max {eig.max():.3e}")

    os.makedirs(args.out, exist_ok=True)
    cpath = os.path.join(args.out, "classifier.onnx")
    net.eval()
    common.export_onnx(net, torch.zeros(2, 1, 28, 28), cpath, "x", ["features", "logits"])
    chk = {}
    for b in (1, 37):
        xb = xte_t[:b]
        with torch.no_grad():
            f, lg = net(xb)
        chk[b] = common.onnx_check_node(cpath, "x", None, {b: (xb.numpy(), {"features": f.numpy(), "logits": lg.numpy()})})[b]
    print("onnxruntime-node check (max abs err vs torch):", chk)
    assert all(v < 1e-3 for c in chk.values() for v in c.values()), chk

    common.write_json(os.path.join(args.out, "real-features.json"), {
        "dim": 64, "count": int(feats.shape[0]),
        "mean": [float(v) for v in mean],
        "covariance": [[float(v) for v in row] for row in cov],
    })

    mpath = os.path.join(args.out, "manifest.json")
    manifest = json.load(open(mpath)) if os.path.exists(mpath) else {"id": ID}
    manifest.setdefault("evaluation", {})["classifier"] = {
        "file": "classifier.onnx", "input": "x", "featuresOutput": "features", "logitsOutput": "logits",
        "realFeatures": "real-features.json", "classes": common.FASHION_CLASSES,
        "testAccuracy": round(acc, 4),
    }
    common.write_json(mpath, manifest)
    total = time.time() - t0
    sizes = {f: common.file_size(os.path.join(args.out, f)) for f in ["classifier.onnx", "real-features.json"]}
    hist = "\n".join(f"| {e} | {l:.4f} | {a:.4f} |" for e, l, a in log)
    with open(os.path.join(args.out, "CLASSIFIER.md"), "w") as f:
        f.write(f"""# fashion-mnist evaluation classifier

Used by the evaluation code to score generated images: class histograms from `logits` and a
Fréchet distance ("FID-like", not comparable to Inception FID) between the 64-d `features` of
generated images and of the real test set (`real-features.json`).

- Input `x` float32 `[batch,1,28,28]` in [−1, 1]. Outputs `features` `[batch,64]` (penultimate
  layer, taken before its ReLU so that no unit is constant and the covariance is full rank) and
  `logits` `[batch,10]`. Classes: {", ".join(common.FASHION_CLASSES)}.
- Architecture: Conv3×3(1→32)+BN+ReLU+MaxPool → Conv3×3(32→64)+BN+ReLU+MaxPool → Dropout(0.25) →
  Linear(3136→64) (**features**) → ReLU → Dropout(0.25) → Linear(64→10) (**logits**). Exported in eval mode.
- Training: Fashion-MNIST train set (60,000), random horizontal flips, Adam with one-cycle LR
  (max {args.lr}), batch {args.batch}, {args.epochs} epochs, seed {args.seed}; {train_seconds:.0f} s on 2 CPU cores.
- **Test accuracy: {acc:.4f}** (10,000 test images).
- `real-features.json`: mean and unbiased (N−1) covariance of `features` over the 10,000 test images,
  float64. Constant feature units: {dead}; covariance eigenvalues in [{eig.min():.3e}, {eig.max():.3e}].
- Files: {", ".join(f"{k} {v} bytes ({common.human(v)})" for k, v in sizes.items())}.
  ONNX opset {common.OPSET}, dynamic batch; checked in onnxruntime-node at batch 1 and 37.

| epoch | train loss | test acc |
|-------|------------|----------|
{hist}

Rebuild: `/usr/bin/python3 tools/train/train_fashion_classifier.py`.
""")
    print(json.dumps({"testAccuracy": acc, "sizes": sizes, "seconds": total}))


if __name__ == "__main__":
    main()
