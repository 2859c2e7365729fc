"""After training: ONNX export + onnxruntime-node check, calibration data, samples.png, manifest,
the quality measurement (naive vs DRS in the bundled classifier's space) and MODEL_CARD.md."""
import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import torch

import common
import fashion_card
import fashion_eval
from fashion_nets import IMAGE, LATENT, with_affine_batchnorm, without_spectral_norm


def _export(args, G, D):
    """Writes generator.onnx / discriminator.onnx; returns the max abs error vs PyTorch."""
    gpath, dpath = os.path.join(args.out, "generator.onnx"), os.path.join(args.out, "discriminator.onnx")
    Dx = without_spectral_norm(D)
    lab = [("label", torch.zeros(2, dtype=torch.int64))] if args.cond else []
    common.export_onnx_inputs(with_affine_batchnorm(G), [("z", torch.zeros(2, LATENT))] + lab, gpath, ["x"])
    common.export_onnx_inputs(Dx, [("x", torch.zeros(2, *IMAGE))] + lab, dpath, ["logit"])
    errs = []
    for b in (1, 37):
        g = torch.Generator().manual_seed(b)
        z = torch.randn(b, LATENT, generator=g)
        y = torch.randint(0, 10, (b,), generator=g) if args.cond else None
        with torch.no_grad():
            x = G(z, y)
            lg = D(x, y)  # the trained D (spectral norm in eval mode), not the exported copy
        extra = [("label", y.numpy())] if args.cond else []
        eg = common.onnx_check_node(gpath, "z", None, {b: ([("z", z.numpy())] + extra, {"x": x.numpy()})})[b]
        ed = common.onnx_check_node(dpath, "x", None, {b: ([("x", x.numpy())] + extra, {"logit": lg.numpy()})})[b]
        errs += list(eg.values()) + list(ed.values())
    err = max(errs)
    assert err < 1e-3, errs
    return err


def _quality(args, G, D, clf, fake_inputs):
    """Naive vs DRS in the bundled classifier's space, from the exported G and D in PyTorch.
    Unconditional: one row per sampler; conditional: per class."""
    g = torch.Generator().manual_seed(args.seed + 3000)
    rng = np.random.RandomState(args.seed + 3000)
    classes = range(10) if args.cond else [None]
    xte, yte = common.load_fashion("t10k")
    rows = []
    n_prop, n_used = (10000, 1000) if args.cond else (20000, 2000)  # same n for every sampler
    if args.quality_proposals:
        n_prop, n_used = args.quality_proposals, args.quality_proposals // 10
    for k in classes:
        with torch.no_grad():
            xs, ls = [], []
            for _ in range(n_prop // 1000):
                z, y = fake_inputs(1000, g)
                if k is not None:
                    y = torch.full((1000,), k, dtype=torch.int64)
                x = G(z, y)
                xs.append(x), ls.append(D(x, y)[:, 0].numpy())
            x, logit = torch.cat(xs), np.concatenate(ls)
        if k is None:
            real = fashion_eval.load_real_stats()
        else:
            f, _ = fashion_eval.features_and_classes(clf, torch.from_numpy(xte[yte == k]))
            real = (f.mean(0), np.cov(f, rowvar=False))
        lab = None if k is None else np.full(n_prop, k)
        for name, q in [("naive", "naive"), ("drs gammaPercentile=80", 80), ("drs gammaPercentile=95", 95),
                        ("drs gamma=0", None)]:
            mask = np.ones(n_prop, bool) if q == "naive" else fashion_eval.drs_accept(logit, q, rng=rng)
            idx = np.flatnonzero(mask)[:n_used]
            if len(idx) < n_used:  # too few accepted for a Fréchet distance comparable at equal n
                rows.append({"class": k, "sampler": name, "accepted": int(mask.sum()), "proposals": n_prop})
                continue
            s = fashion_eval.score(clf, real, x[idx], None if lab is None else lab[idx])
            rows.append({"class": k, "sampler": name, "accepted": int(mask.sum()), "proposals": n_prop,
                         "used": len(idx), **{key: s[key] for key in ("frechet", "classAccuracy") if key in s}})
    return rows


def finish(*, args, G, D, kt, kt_seconds, gan_seconds, state, final_eval, fake_inputs, t_gan_end, log):
    """t_gan_end: when GAN training ended in this process (wall time after it is added to gan_seconds)."""
    os.makedirs(args.out, exist_ok=True)
    G.eval(), D.eval()
    err = _export(args, G, D)
    log(f"exported; onnxruntime-node max abs err vs torch {err:.2e}")

    # calibration: the last 2,000 Fashion-MNIST test images, [-1, 1], [N, 1, 28, 28] float32 LE
    xte, yte = common.load_fashion("t10k")
    calib = xte[-2000:].astype("<f4")
    calib.tofile(os.path.join(args.out, "calibration-real.f32"))
    files = ["generator.onnx", "discriminator.onnx", "calibration-real.f32", "samples.png"]
    if args.cond:
        yte[-2000:].astype("<i8").tofile(os.path.join(args.out, "calibration-labels.i64"))
        files.append("calibration-labels.i64")
        src = os.path.join(common.MODELS_DIR, "fashion-mnist")
        for f in ("classifier.onnx", "real-features.json"):
            shutil.copyfile(os.path.join(src, f), os.path.join(args.out, f))
        # per-class real feature statistics, for the engine's per-class Fréchet distance
        subprocess.run([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "class_features.py"),
                        os.path.join(args.out, "real-features.json")], check=True)

    # samples.png: 64 samples (unconditional) or 8 per class, one class per column (conditional)
    g = torch.Generator().manual_seed(4242)
    with torch.no_grad():
        if args.cond:
            s = G(torch.randn(80, LATENT, generator=g), torch.arange(10).repeat(8)).numpy()
        else:
            s = G(torch.randn(64, LATENT, generator=g)).numpy()
    common.save_png_grid(s, os.path.join(args.out, "samples.png"), nrow=10 if args.cond else 8, scale=2)

    clf = fashion_eval.BundledClassifier()
    t_q = time.time()
    quality = _quality(args, G, D, clf, fake_inputs)
    log(f"quality ({time.time() - t_q:.0f}s): " + json.dumps(quality))
    with torch.no_grad():
        fk = []
        for _ in range(5):
            z, y = fake_inputs(1000)
            fk.append(D(G(z, y), y))
        fk = torch.cat(fk).numpy()[:, 0]
        cl = torch.from_numpy(yte[-2000:]) if args.cond else None
        rl = D(torch.from_numpy(calib), cl).numpy()[:, 0]

    mpath = os.path.join(args.out, "manifest.json")
    old = json.load(open(mpath)) if os.path.exists(mpath) else {}
    evaluation = old.get("evaluation", {})
    if args.cond:
        with open(os.path.join(common.MODELS_DIR, "fashion-mnist", "manifest.json")) as f:
            evaluation = {"classifier": json.load(f)["evaluation"]["classifier"]}
    manifest = {
        "id": args.id,
        "title": "Fashion-MNIST class-conditional SN-GAN (small)" if args.cond else "Fashion-MNIST SN-GAN (small)",
        "description": fashion_card.description(args),
        "generator": "generator.onnx",
        "discriminator": "discriminator.onnx",
        "latent": {"dim": LATENT, "distribution": "normal"},
        "output": {"shape": list(IMAGE), "kind": "image", "range": [-1, 1]},
        "discriminatorOutput": "logit",
    }
    if args.cond:
        manifest["conditioning"] = {"kind": "class", "input": "label", "labels": common.FASHION_CLASSES}
    manifest["evaluation"] = evaluation
    manifest["calibration"] = {"realSamples": "calibration-real.f32", "count": int(calib.shape[0])}
    if args.cond:
        manifest["calibration"]["labels"] = "calibration-labels.i64"
    manifest["training"] = {"seed": args.seed, "steps": state["step"], "keepTrainingSteps": kt["bestStep"],
                            "seconds": round(time.time() - t_gan_end + gan_seconds, 1)}
    common.write_json(mpath, manifest)

    sizes = {f: common.file_size(os.path.join(args.out, f)) for f in files}
    for f in ("generator.onnx", "discriminator.onnx"):
        assert sizes[f] < 20 * 1024 * 1024, (f, sizes[f])
    total = time.time() - t_gan_end + gan_seconds
    card = fashion_card.render(args=args, G=G, D=D, kt=kt, kt_seconds=kt_seconds, gan_seconds=gan_seconds,
                               state=state, final_eval=final_eval, quality=quality, fake_logits=fk,
                               real_logits=rl, sizes=sizes, onnx_err=err, total_seconds=total,
                               old_card=os.path.join(args.out, "MODEL_CARD.md"))
    with open(os.path.join(args.out, "MODEL_CARD.md"), "w") as f:
        f.write(card)
    log(json.dumps({"keepTraining": {k: v for k, v in kt.items() if k != "history"}, "sizes": sizes,
                    "ganSeconds": gan_seconds, "seconds": total}))
