"""Adds per-class real feature statistics to a class-conditional model's real-features.json, so the
engine can measure a conditional request's Fréchet distance against the real images of the class
it asked for (as the model card's PyTorch table does).

  /usr/bin/python3 tools/train/class_features.py models/fashion-mnist-cond/real-features.json

Writes `"classes": [{"count", "mean", "covariance"}, ...]` (one entry per label, in label order:
the bundled classifier's 64-d features of the Fashion-MNIST test images of that class; mean and
unbiased N−1 covariance, float64), keeping the file's all-class "mean" and "covariance".
"""
import json
import sys

import numpy as np
import torch

import common
from fashion_eval import BundledClassifier, features_and_classes


def main(path):
    x, labels = common.load_fashion("t10k")
    feats, _ = features_and_classes(BundledClassifier(), torch.from_numpy(x))
    with open(path) as f:
        out = json.load(f)
    out["classes"] = []
    for k in range(10):
        fk = feats[labels == k]
        out["classes"].append({
            "count": int(len(fk)),
            "mean": [float(v) for v in fk.mean(0)],
            "covariance": [[float(v) for v in row] for row in np.cov(fk, rowvar=False)],
        })
    check = np.array(out["mean"]) - feats.mean(0)
    assert np.abs(check).max() < 1e-4, f"the file's all-class mean differs from this classifier's features by {np.abs(check).max()}"
    with open(path, "w") as f:
        json.dump(out, f)
    print(f"{path}: per-class statistics for {[c['count'] for c in out['classes']]} test images")


if __name__ == "__main__":
    main(sys.argv[1])
