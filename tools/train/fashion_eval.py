"""The bundled evaluation classifier (models/fashion-mnist/classifier.onnx) rebuilt in PyTorch from
the ONNX initializers, so training can track the project's metric: the Fréchet distance between
the classifier's 64-d features of generated images and of the real test set (real-features.json),
computed as src/evaluation/frechet.ts does, and the classifier's predicted classes.
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

import common

CLF_DIR = os.path.join(common.MODELS_DIR, "fashion-mnist")


class BundledClassifier:
    """Conv3x3(1→32)+ReLU+MaxPool → Conv3x3(32→64)+ReLU+MaxPool → Linear(3136→64) = features →
    ReLU → Linear(64→10) = logits (BatchNorm is folded into the convolutions in the ONNX file)."""

    def __init__(self, path=os.path.join(CLF_DIR, "classifier.onnx")):
        import onnx
        from onnx import numpy_helper
        m = onnx.load(path)
        init = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in m.graph.initializer}
        convs = [n for n in m.graph.node if n.op_type == "Conv"]
        gemms = [n for n in m.graph.node if n.op_type == "Gemm"]
        assert len(convs) == 2 and len(gemms) == 2, "unexpected classifier graph"
        self.conv = [(init[n.input[1]], init[n.input[2]]) for n in convs]
        self.fc = [(init[n.input[1]], init[n.input[2]]) for n in gemms]

    @torch.no_grad()
    def __call__(self, x):
        h = x
        for w, b in self.conv:
            h = F.max_pool2d(F.relu(F.conv2d(h, w, b, padding=1)), 2)
        f = F.linear(h.flatten(1), *self.fc[0])
        return f, F.linear(F.relu(f), *self.fc[1])


def load_real_stats(path=os.path.join(CLF_DIR, "real-features.json")):
    with open(path) as f:
        r = json.load(f)
    return np.array(r["mean"], dtype=np.float64), np.array(r["covariance"], dtype=np.float64)


def _psd_sqrt(a):
    w, v = np.linalg.eigh((a + a.T) / 2)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def frechet(mu1, s1, mu2, s2):
    """|mu1 - mu2|^2 + tr(s1 + s2 - 2 (s1^1/2 s2 s1^1/2)^1/2)."""
    r1 = _psd_sqrt(s1)
    cross = _psd_sqrt(r1 @ s2 @ r1)
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(cross))


def features_and_classes(clf, x, chunk=1000):
    fs, cs = [], []
    for i in range(0, len(x), chunk):
        f, lg = clf(x[i:i + chunk])
        fs.append(f.double().numpy())
        cs.append(lg.argmax(1).numpy())
    return np.concatenate(fs), np.concatenate(cs)


def score(clf, real_stats, x, labels=None):
    """Fréchet distance of images x [N,1,28,28] to the real test set; with labels, also the share
    the classifier assigns to the requested class (overall and per class)."""
    f, c = features_and_classes(clf, x)
    out = {"frechet": frechet(f.mean(0), np.cov(f, rowvar=False), *real_stats), "count": len(x)}
    if labels is not None:
        labels = np.asarray(labels)
        out["classAccuracy"] = float((c == labels).mean())
        out["perClass"] = [float((c[labels == k] == k).mean()) if (labels == k).any() else None for k in range(10)]
    return out


def drs_accept(logits, gamma_percentile=None, eps=1e-6, rng=None):
    """DRS acceptance (Azadi et al. 2019, Algorithm 1) with D̃_M = max logit over this batch:
    F = D̃ − D̃_M − log(1 − exp(D̃ − D̃_M − eps)) − γ, accept with probability sigmoid(F);
    γ = 0 (exact) or the given percentile of F. Returns a boolean mask."""
    d = logits - logits.max()
    fv = d - np.log1p(-np.exp(d - eps))
    gamma = 0.0 if gamma_percentile is None else np.percentile(fv, gamma_percentile)
    p = 1 / (1 + np.exp(-(fv - gamma)))
    rng = rng or np.random.RandomState(0)
    return rng.random_sample(len(p)) < p
