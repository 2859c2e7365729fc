"""Self-test of the op table on small random networks that use the ops the bundled models do not
(ConvTranspose, strided and non-square Conv, Sigmoid, Softplus, Elu, Div, Sub, Concat, Neg,
Transpose, ReduceMean, ReduceSum, a product of two latent-dependent tensors, a probability-output
D), exported with
torch.onnx.export: the hand-written backward in float64 against autograd on 64 random latents
(max relative error per row, required ≤ 1e-9: same forward ops, so only rounding differs), and an
unsupported op (MaxPool) refused with an error naming the node.

  /usr/bin/python3 tools/gradient/selftest.py
"""
import os
import sys
import tempfile

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from latent_gradient import LatentGradient  # noqa: E402
from ops import UnsupportedGraph  # noqa: E402

torch.manual_seed(0)
DIM = 5


class G(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(DIM, 8 * 4 * 4)
        self.up = nn.ConvTranspose2d(8, 6, 4, stride=2, padding=1)  # 4 -> 8
        self.bn = nn.BatchNorm2d(6)
        self.conv = nn.Conv2d(12, 2, 3, padding=1)
        self.bn.running_mean.uniform_(-0.5, 0.5)
        self.bn.running_var.uniform_(0.5, 2)

    def forward(self, z):
        h = F.elu(self.fc(z)).reshape(-1, 8, 4, 4)
        h = F.softplus(self.bn(self.up(h)))
        h = torch.cat([h, -h], 1)
        h = self.conv(h)
        return torch.tanh(h) / 2 - 0.1


class D(nn.Module):
    def __init__(self, prob):
        super().__init__()
        self.c1 = nn.Conv2d(2, 4, 3, stride=2, padding=1)
        self.c2 = nn.Conv2d(4, 4, (3, 2), stride=(1, 2))
        self.w = nn.Parameter(torch.randn(4, 3) * 0.3)
        self.prob = prob

    def forward(self, x):
        h = F.leaky_relu(self.c1(x), 0.2)
        h = torch.sigmoid(self.c2(h))
        h = h.permute(0, 1, 3, 2).mean(dim=(2, 3))  # Transpose + ReduceMean
        y = (h @ self.w).sum(1, keepdim=True) - h.sum(1, keepdim=True) / (1.5 + (h * h).sum(1, keepdim=True))
        return torch.sigmoid(y) if self.prob else y


def check(d_prob, name):
    with tempfile.TemporaryDirectory() as tmp:
        gp, dp = os.path.join(tmp, "g.onnx"), os.path.join(tmp, "d.onnx")
        g, d = G().eval(), D(d_prob).eval()
        z = torch.randn(3, DIM)
        dyn = {"z": {0: "b"}, "x": {0: "b"}, "logit": {0: "b"}}
        torch.onnx.export(g, (z,), gp, input_names=["z"], output_names=["x"], dynamic_axes=dyn, opset_version=17)
        torch.onnx.export(d, (g(z),), dp, input_names=["x"], output_names=["logit"], dynamic_axes=dyn, opset_version=17)
        m = LatentGradient(gp, dp, "probability" if d_prob else "logit").double()
        ops = sorted({op.node.op_type for op in m.G.ops + m.D.ops})
        z = torch.randn(64, DIM, dtype=torch.float64)
        with torch.no_grad():
            x, logit, grad = m(z)
        zz = z.clone().requires_grad_()
        _, ref_logit = m.scores(zz)
        (ref,) = torch.autograd.grad(ref_logit.sum(), zz)
        rel = ((grad - ref).abs().amax(1) / ref.abs().amax(1)).max().item()
        # the graph's own logit against torch's modules
        with torch.no_grad():
            want = d.double()(g.double()(z))
            want = torch.logit(want) if d_prob else want
        print(f"{name}: ops {ops}; grad rel err {rel:.1e}; logit abs err {(logit - want).abs().max().item():.1e}")
        assert rel <= 1e-9, rel
        assert (logit - want).abs().max().item() <= 1e-7  # ONNX stores BatchNorm's epsilon as float32


def check_unsupported():
    with tempfile.TemporaryDirectory() as tmp:
        gp, dp = os.path.join(tmp, "g.onnx"), os.path.join(tmp, "d.onnx")
        g = G().eval()
        z = torch.randn(3, DIM)
        torch.onnx.export(g, (z,), gp, input_names=["z"], output_names=["x"], dynamic_axes={"z": {0: "b"}}, opset_version=17)
        d = nn.Sequential(nn.MaxPool2d(2), nn.Flatten(), nn.Linear(2 * 4 * 4, 1))
        torch.onnx.export(d, (g(z),), dp, input_names=["x"], output_names=["logit"], dynamic_axes={"x": {0: "b"}}, opset_version=17)
        try:
            LatentGradient(gp, dp)
        except UnsupportedGraph as e:
            print(f"unsupported: {e}")
            assert "(MaxPool)" in str(e) and "op type MaxPool is not supported" in str(e)
            return
        raise AssertionError("MaxPool was accepted")


if __name__ == "__main__":
    torch.set_num_threads(1)
    check(False, "logit D")
    check(True, "probability D (final Sigmoid dropped)")
    check_unsupported()
    print("ok")
