#!/usr/bin/env python3
"""Build the analytic generator/discriminator ONNX pairs used as test fixtures.

Deterministic, no torch: every graph is written with onnx.helper. Run from the repo root:

    /usr/bin/python3 tools/analytic/make_analytic_pairs.py

Writes test/fixtures/models/<id>/{manifest.json,generator.onnx,discriminator.onnx}, the
deliberately broken files in test/fixtures/onnx/ and the faulty pairs that must load FAILED in
test/fixtures/faulty-models/<id>/. See tools/analytic/README.md.
"""
import json
import math
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, checker, helper, numpy_helper

OPSET = 17
IR_VERSION = 8  # onnx 1.12 default for opset 17; loads in onnxruntime >= 1.12

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MODELS = os.path.join(ROOT, "test", "fixtures", "models")
BROKEN = os.path.join(ROOT, "test", "fixtures", "onnx")
FAULTY = os.path.join(ROOT, "test", "fixtures", "faulty-models")

LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
REAL_FILE = "calibration-real.f32"
REAL_COUNT = 4000


# ---------------------------------------------------------------- helpers
def const(name, value, dtype=np.float32):
    return numpy_helper.from_array(np.asarray(value, dtype=dtype), name=name)


def vinfo(name, dims):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, dims)


def make_model(nodes, inputs, outputs, initializers, graph_name, doc=""):
    graph = helper.make_graph(nodes, graph_name, inputs, outputs, initializer=initializers)
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="graphql-gan-sampler/tools/analytic",
        producer_version="1",
        doc_string=doc,
    )
    model.ir_version = IR_VERSION
    checker.check_model(model, full_check=True)
    return model


def save(model, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    # serialize deterministically
    with open(path, "wb") as f:
        f.write(model.SerializeToString(deterministic=True))


def write_real(folder, samples):
    """Held-out real samples: raw little-endian float32, row-major (manifest "calibration")."""
    os.makedirs(folder, exist_ok=True)
    np.asarray(samples, dtype="<f4").tofile(os.path.join(folder, REAL_FILE))


def real_block(samples):
    return {"realSamples": REAL_FILE, "count": int(len(samples))}


def write_manifest(folder, manifest):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")


def scale_generator(scale, latent_dim=1, batch="batch", doc=""):
    """x = scale * z, shapes [batch, latent_dim]."""
    nodes = [helper.make_node("Mul", ["z", "scale"], ["x"])]
    return make_model(
        nodes,
        [vinfo("z", [batch, latent_dim])],
        [vinfo("x", [batch, latent_dim])],
        [const("scale", scale)],
        "generator",
        doc,
    )


# ---------------------------------------------------------------- a / b: uniform -> gaussian
# proposal p_g = Uniform[-3, 3] (density 1/6), target p_d = N(0, 1)
# log ratio = -x^2/2 - log sqrt(2 pi) + log 6
UG_C = math.log(6.0) - LOG_SQRT_2PI
UG_LOGM = math.log(6.0) - LOG_SQRT_2PI  # attained at x = 0


def uniform_gaussian_discriminator(probability, scale=1.0, shift=0.0):
    """scale * (log N(x;0,1) - log U(x;-3,3)) + shift; scale 1, shift 0 is the exact log ratio."""
    nodes = [
        helper.make_node("Mul", ["x", "x"], ["x2"]),
        helper.make_node("Mul", ["x2", "neg_half"], ["q"]),
        helper.make_node("Add", ["q", "c"], ["logit_raw" if probability else "logit"]),
    ]
    if probability:
        nodes.append(helper.make_node("Sigmoid", ["logit_raw"], ["logit"]))
    exact = scale == 1.0 and shift == 0.0
    doc = "log N(x;0,1) - log U(x;-3,3)" if exact else "%g * (log N(x;0,1) - log U(x;-3,3)) + %g" % (scale, shift)
    return make_model(
        nodes,
        [vinfo("x", ["batch", 1])],
        [vinfo("logit", ["batch", 1])],
        [const("neg_half", -0.5 * scale), const("c", scale * UG_C + shift)],
        "discriminator",
        "sigmoid(%s)" % doc if probability else doc,
    )


# ---------------------------------------------------------------- rare high tail
# proposal N(0, 1); target 0.7 N(0, 1) + 0.3 N(3.5, 0.25^2): the ratio peaks (log M ~ 6.7 at
# x ~ 3.73) where G rarely goes (P_g(x > 3.2) ~ 0.07%), so a small burn-in underestimates M.
RT_BUMP = (0.3, 3.5, 0.25)


def rt_log_ratio64(x):
    x = np.asarray(x, dtype=np.float64)
    w, m, s = RT_BUMP
    q = np.log(w / s) - (x - m) ** 2 / (2 * s * s) + x**2 / 2
    return np.logaddexp(math.log(1 - w), q)


def rt_logM():
    xs = np.linspace(0.0, 6.0, 600_001)
    v = rt_log_ratio64(xs)
    i = int(np.argmax(v))
    fine = np.linspace(xs[max(i - 1, 0)], xs[min(i + 1, len(xs) - 1)], 200_001)
    return float(np.max(rt_log_ratio64(fine))), float(fine[np.argmax(rt_log_ratio64(fine))])


def rare_tail_discriminator():
    # logit = LSE(log(1 - w), q),  q = log(w/s) - (x - m)^2 / (2 s^2) + x^2 / 2
    w, m, s = RT_BUMP
    nodes = [
        helper.make_node("Sub", ["x", "m"], ["d"]),
        helper.make_node("Mul", ["d", "d"], ["dd"]),
        helper.make_node("Mul", ["dd", "inv2s2"], ["bump"]),
        helper.make_node("Mul", ["x", "x"], ["x2"]),
        helper.make_node("Mul", ["x2", "half"], ["hx2"]),
        helper.make_node("Sub", ["hx2", "bump"], ["q0"]),
        helper.make_node("Add", ["q0", "logws"], ["q"]),
        helper.make_node("Max", ["q", "base"], ["amax"]),
        helper.make_node("Sub", ["q", "base"], ["adiff"]),
        helper.make_node("Abs", ["adiff"], ["aabs"]),
        helper.make_node("Neg", ["aabs"], ["aneg"]),
        helper.make_node("Softplus", ["aneg"], ["sp"]),
        helper.make_node("Add", ["amax", "sp"], ["logit"]),
    ]
    inits = [
        const("m", m),
        const("inv2s2", 1.0 / (2 * s * s)),
        const("half", 0.5),
        const("logws", math.log(w / s)),
        const("base", math.log(1 - w)),
    ]
    return make_model(nodes, [vinfo("x", ["batch", 1])], [vinfo("logit", ["batch", 1])], inits, "discriminator",
                      "log(0.7 + 1.2 exp(-8 (x-3.5)^2 + x^2/2)) = log[(0.7 N(x;0,1) + 0.3 N(x;3.5,0.25^2)) / N(x;0,1)]")


# ---------------------------------------------------------------- c: gaussian mixture
# proposal N(0, 2^2); target 0.5 N(-1, 0.5^2) + 0.5 N(1, 0.5^2)
GM_COMPONENTS = [(0.5, -1.0, 0.5), (0.5, 1.0, 0.5)]
GM_PROPOSAL_STD = 2.0


def gm_log_ratio64(x):
    x = np.asarray(x, dtype=np.float64)
    comps = [
        math.log(w) - (x - m) ** 2 / (2 * s * s) - math.log(s) - LOG_SQRT_2PI
        for (w, m, s) in GM_COMPONENTS
    ]
    log_pd = np.logaddexp(comps[0], comps[1])
    s = GM_PROPOSAL_STD
    log_pg = -(x**2) / (2 * s * s) - math.log(s) - LOG_SQRT_2PI
    return log_pd - log_pg


def gm_logM():
    # log ratio -> -inf in both tails; max lies near |x| = 1. Coarse grid, then refine.
    xs = np.linspace(-6.0, 6.0, 1_200_001)
    v = gm_log_ratio64(xs)
    i = int(np.argmax(v))
    lo, hi = xs[max(i - 1, 0)], xs[min(i + 1, len(xs) - 1)]
    fine = np.linspace(lo, hi, 200_001)
    return float(np.max(gm_log_ratio64(fine))), float(fine[np.argmax(gm_log_ratio64(fine))])


def gaussian_mixture_discriminator():
    # a_k = log w_k - (x - m_k)^2 / (2 s_k^2) - log s_k        (the -log sqrt(2pi) cancels with p_g's)
    # log p_g + log sqrt(2pi) = -x^2 / (2 * 4) - log 2
    # logit = LSE(a_1, a_2) + x^2/8 + log 2,  LSE(a,b) = max(a,b) + softplus(-|a-b|)
    nodes, inits = [], []
    for k, (w, m, s) in enumerate(GM_COMPONENTS):
        nodes += [
            helper.make_node("Sub", ["x", f"m{k}"], [f"d{k}"]),
            helper.make_node("Mul", [f"d{k}", f"d{k}"], [f"dd{k}"]),
            helper.make_node("Mul", [f"dd{k}", f"inv2s2_{k}"], [f"q{k}"]),
            helper.make_node("Sub", [f"b{k}", f"q{k}"], [f"a{k}"]),
        ]
        inits += [
            const(f"m{k}", m),
            const(f"inv2s2_{k}", 1.0 / (2 * s * s)),
            const(f"b{k}", math.log(w) - math.log(s)),
        ]
    nodes += [
        helper.make_node("Max", ["a0", "a1"], ["amax"]),
        helper.make_node("Sub", ["a0", "a1"], ["adiff"]),
        helper.make_node("Abs", ["adiff"], ["aabs"]),
        helper.make_node("Neg", ["aabs"], ["aneg"]),
        helper.make_node("Softplus", ["aneg"], ["sp"]),
        helper.make_node("Add", ["amax", "sp"], ["lse"]),
        helper.make_node("Mul", ["x", "x"], ["x2"]),
        helper.make_node("Mul", ["x2", "inv2sg2"], ["pgq"]),
        helper.make_node("Add", ["pgq", "log_sg"], ["neg_log_pg"]),
        helper.make_node("Add", ["lse", "neg_log_pg"], ["logit"]),
    ]
    inits += [
        const("inv2sg2", 1.0 / (2 * GM_PROPOSAL_STD**2)),
        const("log_sg", math.log(GM_PROPOSAL_STD)),
    ]
    return make_model(
        nodes,
        [vinfo("x", ["batch", 1])],
        [vinfo("logit", ["batch", 1])],
        inits,
        "discriminator",
        "log(0.5 N(x;-1,0.5^2) + 0.5 N(x;1,0.5^2)) - log N(x;0,2^2)",
    )


# ---------------------------------------------------------------- d: tiny image
def tiny_image_generator():
    nodes = [
        helper.make_node("Mul", ["z", "two"], ["z2"]),
        helper.make_node("Sigmoid", ["z2"], ["s"]),
        helper.make_node("Reshape", ["s", "shape"], ["x"]),
    ]
    return make_model(
        nodes,
        [vinfo("z", ["batch", 4])],
        [vinfo("x", ["batch", 1, 2, 2])],
        [const("two", 2.0), const("shape", [-1, 1, 2, 2], np.int64)],
        "generator",
        "x = reshape(sigmoid(2 z), [batch,1,2,2])",
    )


def tiny_image_discriminator():
    nodes = [
        helper.make_node("Reshape", ["x", "flat"], ["xf"]),
        helper.make_node("ReduceSum", ["xf", "axes"], ["s"], keepdims=1),
        helper.make_node("Sub", ["s", "two"], ["logit"]),
    ]
    return make_model(
        nodes,
        [vinfo("x", ["batch", 1, 2, 2])],
        [vinfo("logit", ["batch", 1])],
        [const("flat", [-1, 4], np.int64), const("axes", [1], np.int64), const("two", 2.0)],
        "discriminator",
        "logit = sum(x) - 2",
    )


# ---------------------------------------------------------------- e: broken files
def static_batch_generator():
    return scale_generator(3.0, batch=8, doc="like uniform-gaussian-1d G but batch fixed to 8")


def generator_out3():
    nodes = [helper.make_node("MatMul", ["z", "w"], ["x"])]
    return make_model(
        nodes,
        [vinfo("z", ["batch", 1])],
        [vinfo("x", ["batch", 3])],
        [const("w", [[1.0, 2.0, 3.0]])],
        "generator",
        "latent 1 -> output [batch,3]",
    )


def two_input_discriminator():
    nodes = [helper.make_node("Add", ["x", "y"], ["logit"])]
    return make_model(
        nodes,
        [vinfo("x", ["batch", 1]), vinfo("y", ["batch", 1])],
        [vinfo("logit", ["batch", 1])],
        [],
        "discriminator",
        "two inputs: invalid for the loader",
    )


# ---------------------------------------------------------------- f: faulty pairs (load FAILED)
# Valid ONNX with the right signatures; only running them shows the fault.
def nan_discriminator():
    return make_model(
        [helper.make_node("Add", ["x", "nan"], ["logit"])],
        [vinfo("x", ["batch", 1])],
        [vinfo("logit", ["batch", 1])],
        [const("nan", float("nan"))],
        "discriminator",
        "logit = x + NaN: NaN for every input",
    )


def batch_mean_discriminator():
    # like uniform-gaussian-1d's D, but on x - mean(x over the batch): a minibatch statistic
    nodes = [
        helper.make_node("ReduceMean", ["x"], ["mean"], axes=[0], keepdims=1),
        helper.make_node("Sub", ["x", "mean"], ["xc"]),
        helper.make_node("Mul", ["xc", "xc"], ["x2"]),
        helper.make_node("Mul", ["x2", "neg_half"], ["q"]),
        helper.make_node("Add", ["q", "c"], ["logit"]),
    ]
    return make_model(
        nodes,
        [vinfo("x", ["batch", 1])],
        [vinfo("logit", ["batch", 1])],
        [const("neg_half", -0.5), const("c", UG_C)],
        "discriminator",
        "logit = -(x - mean_batch(x))^2/2 + c: depends on the other rows of the batch",
    )


def probability_above_one_discriminator():
    # 1 + exp(100 x^2) > 1 everywhere; overflows to +Inf in float32 for |x| > ~0.94
    nodes = [
        helper.make_node("Mul", ["x", "x"], ["x2"]),
        helper.make_node("Mul", ["x2", "hundred"], ["t"]),
        helper.make_node("Exp", ["t"], ["e"]),
        helper.make_node("Add", ["e", "one"], ["logit"]),
    ]
    return make_model(
        nodes,
        [vinfo("x", ["batch", 1])],
        [vinfo("logit", ["batch", 1])],
        [const("hundred", 100.0), const("one", 1.0)],
        "discriminator",
        "'probability' = 1 + exp(100 x^2): > 1 everywhere, +Inf for |x| > ~0.94",
    )


def inf_generator():
    nodes = [
        helper.make_node("Mul", ["z", "three"], ["z3"]),
        helper.make_node("Div", ["z3", "zero"], ["x"]),
    ]
    return make_model(
        nodes,
        [vinfo("z", ["batch", 1])],
        [vinfo("x", ["batch", 1])],
        [const("three", 3.0), const("zero", 0.0)],
        "generator",
        "x = 3z / 0: +-Inf for every z != 0",
    )


def batch_mean_generator():
    nodes = [
        helper.make_node("ReduceMean", ["z"], ["mean"], axes=[0], keepdims=1),
        helper.make_node("Sub", ["z", "mean"], ["zc"]),
        helper.make_node("Mul", ["zc", "three"], ["x"]),
    ]
    return make_model(
        nodes,
        [vinfo("z", ["batch", 1])],
        [vinfo("x", ["batch", 1])],
        [const("three", 3.0)],
        "generator",
        "x = 3 (z - mean_batch(z)): depends on the other rows of the batch",
    )


def faulty_pairs(base_ug):
    def faulty(id, title, description, g, d, output="logit"):
        manifest = {"id": id, "title": title, "description": description, **base_ug, "discriminatorOutput": output}
        return manifest, g, d

    ug_g = lambda: scale_generator(3.0, doc="x = 3 z")
    return [
        faulty("nan-discriminator-1d", "Discriminator that returns NaN for every input",
               "G(z)=3z with z~U[-1,1]; D logit = x + NaN. Must load FAILED: every probe score is NaN.",
               ug_g(), nan_discriminator()),
        faulty("batch-mean-discriminator-1d", "Discriminator that normalises across the batch",
               "G(z)=3z with z~U[-1,1]; D logit = -(x - mean over the batch of x)^2/2 + c (a minibatch statistic). Must load FAILED: a row's score depends on the other rows in its batch.",
               ug_g(), batch_mean_discriminator()),
        faulty("probability-above-one-1d", "Probability-output discriminator returning values > 1 and +Inf",
               "G(z)=3z with z~U[-1,1]; D 'probability' = 1 + exp(100 x^2): > 1 everywhere, +Inf for |x| > ~0.94. Must load FAILED: no probe score lies in [0, 1].",
               ug_g(), probability_above_one_discriminator(), output="probability"),
        faulty("inf-generator-1d", "Generator that returns +-Inf for every latent",
               "G(z)=3z/0 (+-Inf); D as uniform-gaussian-1d. Must load FAILED: every probe sample is non-finite.",
               inf_generator(), uniform_gaussian_discriminator(False)),
        faulty("batch-mean-generator-1d", "Generator that centres its batch",
               "G(z)=3(z - mean over the batch of z); D as uniform-gaussian-1d. Must load FAILED: a row's output depends on the other rows in its batch.",
               batch_mean_generator(), uniform_gaussian_discriminator(False)),
    ]


# ---------------------------------------------------------------- main
def main():
    pairs = []
    rng = np.random.default_rng(20260)
    normal_real = rng.standard_normal(REAL_COUNT)
    comp = rng.integers(0, 2, REAL_COUNT)
    mixture_real = np.where(comp == 0, rng.normal(-1.0, 0.5, REAL_COUNT), rng.normal(1.0, 0.5, REAL_COUNT))
    reals = {}

    ug_eval = {
        "analytic": {
            "proposal": {"kind": "uniform", "low": -3, "high": 3},
            "target": {"kind": "normal", "mean": 0, "std": 1},
            "logM": UG_LOGM,
        }
    }
    base_ug = {
        "generator": "generator.onnx",
        "discriminator": "discriminator.onnx",
        "latent": {"dim": 1, "distribution": "uniform"},
        "output": {"shape": [1], "kind": "vector"},
    }
    pairs.append((
        {
            "id": "uniform-gaussian-1d",
            "title": "Uniform proposal, Gaussian target (1-D, exact logit)",
            "description": "Paper Figure 1: G(z)=3z with z~U[-1,1] (proposal U[-3,3]); D outputs the exact log density ratio log N(x;0,1) - log(1/6). DRS with gamma=0 must recover N(0,1); acceptance rate 1/M = sqrt(2*pi)/6.",
            **base_ug,
            "discriminatorOutput": "logit",
            "evaluation": ug_eval,
            "calibration": real_block(normal_real),
        },
        scale_generator(3.0, doc="x = 3 z"),
        uniform_gaussian_discriminator(False),
    ))
    reals["uniform-gaussian-1d"] = normal_real
    pairs.append((
        {
            "id": "uniform-gaussian-1d-prob",
            "title": "Uniform proposal, Gaussian target (1-D, probability output)",
            "description": "Same as uniform-gaussian-1d but D outputs sigmoid(log ratio), a probability.",
            **base_ug,
            "discriminatorOutput": "probability",
            "evaluation": ug_eval,
            "calibration": real_block(normal_real),
        },
        scale_generator(3.0, doc="x = 3 z"),
        uniform_gaussian_discriminator(True),
    ))
    reals["uniform-gaussian-1d-prob"] = normal_real
    pairs.append((
        {
            "id": "uniform-gaussian-1d-overconfident",
            "title": "Uniform proposal, Gaussian target, mis-scaled D (1-D)",
            "description": "As uniform-gaussian-1d, but D outputs 3 x the exact log density ratio minus 2: overconfident and shifted, like an uncalibrated D. Raw DRS samples N(0, 1/3); calibration on the held-out N(0,1) samples undoes the affine error.",
            **base_ug,
            "discriminatorOutput": "logit",
            "evaluation": ug_eval,
            "calibration": real_block(normal_real),
        },
        scale_generator(3.0, doc="x = 3 z"),
        uniform_gaussian_discriminator(False, scale=3.0, shift=-2.0),
    ))
    reals["uniform-gaussian-1d-overconfident"] = normal_real

    logM, argmax = gm_logM()
    pairs.append((
        {
            "id": "gaussian-mixture-1d",
            "title": "Gaussian proposal, two-component mixture target (1-D, exact logit)",
            "description": "G(z)=2z with z~N(0,1) (proposal N(0,4)); target 0.5 N(-1,0.25) + 0.5 N(1,0.25); D outputs the exact log density ratio. logM computed numerically (max at |x|=%.6f)." % abs(argmax),
            "generator": "generator.onnx",
            "discriminator": "discriminator.onnx",
            "latent": {"dim": 1, "distribution": "normal"},
            "output": {"shape": [1], "kind": "vector"},
            "discriminatorOutput": "logit",
            "evaluation": {
                "analytic": {
                    "proposal": {"kind": "normal", "mean": 0, "std": 2},
                    "target": {
                        "kind": "mixture",
                        "components": [
                            {"weight": w, "mean": m, "std": s} for (w, m, s) in GM_COMPONENTS
                        ],
                    },
                    "logM": logM,
                }
            },
            "calibration": real_block(mixture_real),
        },
        scale_generator(2.0, doc="x = 2 z"),
        gaussian_mixture_discriminator(),
    ))
    reals["gaussian-mixture-1d"] = mixture_real

    rt_m, rt_argmax = rt_logM()
    w, m, s = RT_BUMP
    pairs.append((
        {
            "id": "rare-tail-1d",
            "title": "Gaussian proposal, target with a rare high-ratio bump (1-D, exact logit)",
            "description": "G(z)=z with z~N(0,1); target 0.7 N(0,1) + 0.3 N(3.5,0.25^2); D outputs the exact log density ratio. The ratio peaks at x=%.4f (log M %.4f), where G rarely goes: a small burn-in underestimates M. No held-out real samples." % (rt_argmax, rt_m),
            "generator": "generator.onnx",
            "discriminator": "discriminator.onnx",
            "latent": {"dim": 1, "distribution": "normal"},
            "output": {"shape": [1], "kind": "vector"},
            "discriminatorOutput": "logit",
            "evaluation": {
                "analytic": {
                    "proposal": {"kind": "normal", "mean": 0, "std": 1},
                    "target": {
                        "kind": "mixture",
                        "components": [{"weight": 1 - w, "mean": 0.0, "std": 1.0}, {"weight": w, "mean": m, "std": s}],
                    },
                    "logM": rt_m,
                }
            },
        },
        scale_generator(1.0, doc="x = z"),
        rare_tail_discriminator(),
    ))

    pairs.append((
        {
            "id": "tiny-image",
            "title": "Tiny 1x2x2 image pair (image-path tests)",
            "description": "G(z) = reshape(sigmoid(2z), [1,2,2]) with z~U[-1,1]^4; D logit = sum of pixels - 2. Not a density ratio of anything meaningful.",
            "generator": "generator.onnx",
            "discriminator": "discriminator.onnx",
            "latent": {"dim": 4, "distribution": "uniform"},
            "output": {"shape": [1, 2, 2], "kind": "image", "range": [0, 1]},
            "discriminatorOutput": "logit",
        },
        tiny_image_generator(),
        tiny_image_discriminator(),
    ))

    pairs.append((
        {
            "id": "nan-logits-1d",
            "title": "Discriminator with NaN/-Inf logits (1-D)",
            "description": "G(z)=3z with z~U[-1,1]; D logit = log(x): NaN for x<0, -Inf at 0. For tests that invalid logits count as rejections.",
            **base_ug,
            "discriminatorOutput": "logit",
        },
        scale_generator(3.0, doc="x = 3 z"),
        make_model(
            [helper.make_node("Log", ["x"], ["logit"])],
            [vinfo("x", ["batch", 1])],
            [vinfo("logit", ["batch", 1])],
            [],
            "discriminator",
            "log(x): NaN for x < 0",
        ),
    ))

    for root, group in [(MODELS, pairs), (FAULTY, faulty_pairs(base_ug))]:
        for manifest, g, d in group:
            folder = os.path.join(root, manifest["id"])
            write_manifest(folder, manifest)
            if manifest["id"] in reals:
                write_real(folder, reals[manifest["id"]])
            save(g, os.path.join(folder, "generator.onnx"))
            save(d, os.path.join(folder, "discriminator.onnx"))
            print("wrote", os.path.relpath(folder, ROOT))

    os.makedirs(BROKEN, exist_ok=True)
    save(static_batch_generator(), os.path.join(BROKEN, "static-batch-generator.onnx"))
    save(generator_out3(), os.path.join(BROKEN, "generator-out3.onnx"))
    save(two_input_discriminator(), os.path.join(BROKEN, "two-input-discriminator.onnx"))
    with open(os.path.join(BROKEN, "not-onnx.onnx"), "wb") as f:
        f.write(b"this is not an ONNX model\n\x00\xff\xfe garbage \x13\x37\xde\xad\xbe\xef\n")
    print("wrote", os.path.relpath(BROKEN, ROOT))
    print("gaussian-mixture-1d logM = %.12f at |x| = %.6f" % (logM, abs(argmax)))
    print("uniform-gaussian-1d logM = %.12f, 1/M = %.9f" % (UG_LOGM, math.exp(-UG_LOGM)))
    print("rare-tail-1d logM = %.12f at x = %.6f, 1/M = %.6f" % (rt_m, rt_argmax, math.exp(-rt_m)))


if __name__ == "__main__":
    sys.exit(main())
