"""Networks for the Fashion-MNIST GANs (unconditional and class-conditional).

Generator: DCGAN-style (upsampling convolutions with BatchNorm); conditional models use class-
conditional BatchNorm (a per-class gain and bias after a shared, affine-free BatchNorm).
Discriminator: spectrally normalised convolutions (Miyato et al. 2018), raw logit; conditional
models add the projection term <embed(y), h> (Miyato & Koyama 2018). No BatchNorm in D, so each
row is scored independently.
"""
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import remove_spectral_norm, spectral_norm

LATENT = 64
IMAGE = (1, 28, 28)


class ClassBatchNorm(nn.Module):
    """BatchNorm2d; with n_classes > 0 its affine gain and bias are looked up per class."""

    def __init__(self, ch, n_classes):
        super().__init__()
        self.n_classes = n_classes
        self.bn = nn.BatchNorm2d(ch, affine=n_classes == 0)
        if n_classes:
            self.gain = nn.Embedding(n_classes, ch)
            self.bias = nn.Embedding(n_classes, ch)
            nn.init.ones_(self.gain.weight)
            nn.init.zeros_(self.bias.weight)

    def forward(self, h, y):
        h = self.bn(h)
        if not self.n_classes:
            return h
        return h * self.gain(y)[:, :, None, None] + self.bias(y)[:, :, None, None]


class Generator(nn.Module):
    """z [B, nz] (and label [B] int64 when conditional) -> x [B, 1, 28, 28] in [-1, 1]."""

    def __init__(self, nz=LATENT, ch=32, n_classes=0):
        super().__init__()
        self.ch, self.n_classes = ch, n_classes
        self.fc = nn.Linear(nz, 4 * ch * 7 * 7, bias=False)
        self.bn0 = ClassBatchNorm(4 * ch, n_classes)
        # nearest upsampling + 3x3 conv: ~4x cheaper than ConvTranspose2d on this CPU build of
        # PyTorch (transposed convolutions fall back to its generic BLAS) and no checkerboard
        self.up1 = nn.Conv2d(4 * ch, 2 * ch, 3, 1, 1, bias=False)  # 14x14
        self.bn1 = ClassBatchNorm(2 * ch, n_classes)
        self.up2 = nn.Conv2d(2 * ch, ch, 3, 1, 1, bias=False)  # 28x28
        self.bn2 = ClassBatchNorm(ch, n_classes)
        self.out = nn.Conv2d(ch, 1, 3, 1, 1)

    def forward(self, z, y=None):
        h = F.relu(self.bn0(self.fc(z).view(-1, 4 * self.ch, 7, 7), y))
        h = F.relu(self.bn1(self.up1(F.interpolate(h, scale_factor=2.0, mode="nearest")), y))
        h = F.relu(self.bn2(self.up2(F.interpolate(h, scale_factor=2.0, mode="nearest")), y))
        return torch.tanh(self.out(h))


class Discriminator(nn.Module):
    """x [B, 1, 28, 28] (and label [B] int64 when conditional) -> logit [B, 1]."""

    def __init__(self, ch=32, n_classes=0):
        super().__init__()
        self.n_classes = n_classes
        self.convs = nn.ModuleList([
            spectral_norm(nn.Conv2d(1, ch, 3, 1, 1)),  # 28x28
            spectral_norm(nn.Conv2d(ch, 2 * ch, 4, 2, 1)),  # 14x14
            spectral_norm(nn.Conv2d(2 * ch, 4 * ch, 4, 2, 1)),  # 7x7
            spectral_norm(nn.Conv2d(4 * ch, 4 * ch, 3, 1, 1)),
        ])
        self.linear = spectral_norm(nn.Linear(4 * ch * 7 * 7, 1))
        if n_classes:
            self.embed = spectral_norm(nn.Embedding(n_classes, 4 * ch * 7 * 7))

    def forward(self, x, y=None):
        h = x
        for conv in self.convs:
            h = F.leaky_relu(conv(h), 0.1)
        h = h.flatten(1)
        out = self.linear(h)
        if self.n_classes:
            out = out + (self.embed(y) * h).sum(1, keepdim=True)
        return out


def without_spectral_norm(D):
    """A copy of D with each W / sigma(W) baked into a plain weight (the export graph then has no
    power-iteration ops); eval mode."""
    D = copy.deepcopy(D).eval()
    for m in D.modules():
        if hasattr(m, "weight_orig"):
            remove_spectral_norm(m)
    return D


def with_affine_batchnorm(G):
    """A copy of G whose affine-free BatchNorms carry unit weight and zero bias (same function;
    torch.onnx cannot export an affine-free BatchNorm whose channel count it cannot infer)."""
    G = copy.deepcopy(G).eval()
    for m in G.modules():
        if isinstance(m, nn.BatchNorm2d) and not m.affine:
            m.weight = nn.Parameter(torch.ones(m.num_features), requires_grad=False)
            m.bias = nn.Parameter(torch.zeros(m.num_features), requires_grad=False)
            m.affine = True
    return G


class EMA:
    """Exponential moving average of G's parameters (BatchNorm statistics are re-estimated for
    the averaged weights by `recalibrate_bn`, not averaged)."""

    def __init__(self, G, decay=0.999):
        self.decay = decay
        self.G = copy.deepcopy(G)
        for p in self.G.parameters():
            p.requires_grad_(False)

    @torch.no_grad()
    def update(self, G, step):
        d = min(self.decay, (1 + step) / (10 + step))  # warm-up: early averages follow G closely
        for pe, p in zip(self.G.parameters(), G.parameters()):
            pe.mul_(d).add_(p.detach(), alpha=1 - d)


@torch.no_grad()
def recalibrate_bn(G, sample_inputs, batches=40):
    """Standing statistics: BatchNorm running mean/var as the plain average over `batches`
    forward passes in train mode; leaves G in eval mode."""
    bns = [m for m in G.modules() if isinstance(m, nn.BatchNorm2d)]
    for bn in bns:
        bn.reset_running_stats()
        bn.momentum = None
    G.train()
    for _ in range(batches):
        G(*sample_inputs())
    for bn in bns:
        bn.momentum = 0.1
    G.eval()
