#!/usr/bin/env python3
"""Build the analytic pair with a latent-gradient graph (test fixture for the latent samplers).

Deterministic, no torch: onnx.helper only. Run from the repo root:

    /usr/bin/python3 tools/analytic/make_latent_pair.py

Writes test/fixtures/models/langevin-gaussian-1d/{manifest.json,generator.onnx,
discriminator.onnx,latent-gradient.onnx}. See tools/analytic/README.md ("Latent gradient").

G(z) = z with z ~ N(0, 1); D's logit d(x) = log N(x; MU, SIGMA^2) - log N(x; 0, 1), so the
DDLS target p_g(x) e^{d(x)} is N(MU, SIGMA^2) exactly, and so is DRS's.
The latent-gradient graph: z -> x = G(z), logit = d(G(z)), grad = d'(G(z)) G'(z).
"""
import math
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from make_analytic_pairs import MODELS, const, make_model, save, vinfo, write_manifest  # noqa: E402

from onnx import helper  # noqa: E402

ID = "langevin-gaussian-1d"
MU = 1.5
SIGMA = 0.5
# d(x) = -(x - MU)^2 / (2 SIGMA^2) - log SIGMA + x^2 / 2, a quadratic: a x^2 + b x + c
A = 0.5 - 1.0 / (2 * SIGMA * SIGMA)
B = MU / (SIGMA * SIGMA)
C = -MU * MU / (2 * SIGMA * SIGMA) - math.log(SIGMA)
# max of d: d'(x) = 2 A x + B = 0
ARGMAX = -B / (2 * A)
LOGM = A * ARGMAX * ARGMAX + B * ARGMAX + C


def logit_nodes(x, out):
    """d(x) = (A x + B) x + C."""
    return [
        helper.make_node("Mul", [x, "a"], ["ax"]),
        helper.make_node("Add", ["ax", "b"], ["axb"]),
        helper.make_node("Mul", ["axb", x], ["axbx"]),
        helper.make_node("Add", ["axbx", "c"], [out]),
    ]


def quad_inits():
    return [const("a", A), const("b", B), const("c", C)]


def generator():
    return make_model(
        [helper.make_node("Identity", ["z"], ["x"])], [vinfo("z", ["batch", 1])], [vinfo("x", ["batch", 1])], [], "generator", "x = z"
    )


def discriminator():
    return make_model(
        logit_nodes("x", "logit"),
        [vinfo("x", ["batch", 1])],
        [vinfo("logit", ["batch", 1])],
        quad_inits(),
        "discriminator",
        "log N(x; %g, %g^2) - log N(x; 0, 1)" % (MU, SIGMA),
    )


def latent_gradient():
    # grad = d'(x) * dx/dz = 2 A x + B (dx/dz = 1)
    nodes = [helper.make_node("Identity", ["z"], ["x"])] + logit_nodes("x", "logit") + [
        helper.make_node("Mul", ["x", "two_a"], ["tax"]),
        helper.make_node("Add", ["tax", "b"], ["grad"]),
    ]
    return make_model(
        nodes,
        [vinfo("z", ["batch", 1])],
        [vinfo("x", ["batch", 1]), vinfo("logit", ["batch", 1]), vinfo("grad", ["batch", 1])],
        quad_inits() + [const("two_a", 2 * A)],
        "latent_gradient",
        "z -> x = z, logit = d(x), grad = d'(x)",
    )


def main():
    folder = os.path.join(MODELS, ID)
    save(generator(), os.path.join(folder, "generator.onnx"))
    save(discriminator(), os.path.join(folder, "discriminator.onnx"))
    save(latent_gradient(), os.path.join(folder, "latent-gradient.onnx"))
    write_manifest(
        folder,
        {
            "id": ID,
            "title": "Gaussian latent, Gaussian target, with a latent-gradient graph (1-D, exact logit)",
            "description": "G(z)=z with z~N(0,1); D outputs the exact log density ratio log N(x;%g,%g^2) - log N(x;0,1), so DDLS's target N(0,1) e^d and DRS's target are both N(%g, %g^2). Ships latent-gradient.onnx (z -> x, logit, grad)." % (MU, SIGMA, MU, SIGMA),
            "generator": "generator.onnx",
            "discriminator": "discriminator.onnx",
            "latentGradient": "latent-gradient.onnx",
            "latent": {"dim": 1, "distribution": "normal"},
            "output": {"shape": [1], "kind": "vector"},
            "discriminatorOutput": "logit",
            "evaluation": {
                "analytic": {
                    "proposal": {"kind": "normal", "mean": 0, "std": 1},
                    "target": {"kind": "normal", "mean": MU, "std": SIGMA},
                    "logM": LOGM,
                }
            },
        },
    )
    print("wrote %s (log M %.9f at x = %g)" % (folder, LOGM, ARGMAX))


if __name__ == "__main__":
    main()
