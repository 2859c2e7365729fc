#!/usr/bin/env python3
"""Fashion-MNIST GAN (spectral-norm D, hinge loss, EMA of G), then DRS KeepTraining of D, ONNX
export, calibration data, samples.png and MODEL_CARD.md.

    /usr/bin/python3 tools/train/train_fashion_gan.py           # models/fashion-mnist
    /usr/bin/python3 tools/train/train_fashion_gan.py --cond    # models/fashion-mnist-cond
    ... --measure                                               # time 20 steps only
    ... --resume                                                # continue from tools/train/out/<id>.ckpt.pt

Checkpoints every --ckpt-every steps (weights, optimisers, EMA, RNG state), so an interrupted run
resumes on the same trajectory. Progress (losses, the bundled classifier's Fréchet distance of the
EMA generator) goes to stdout and tools/train/out/<id>.log.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import fashion_eval  # noqa: E402
import fashion_export  # noqa: E402
from fashion_nets import EMA, LATENT, Discriminator, Generator, recalibrate_bn  # noqa: E402


def parse_args():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cond", action="store_true", help="class-conditional G and projection D")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--steps", type=int, default=6000)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--ch", type=int, default=16)
    ap.add_argument("--lr-g", type=float, default=2e-4)
    ap.add_argument("--lr-d", type=float, default=2e-4)
    ap.add_argument("--ema", type=float, default=0.999)
    ap.add_argument("--eval-every", type=int, default=500)
    ap.add_argument("--ckpt-every", type=int, default=250)
    ap.add_argument("--kt-max-steps", type=int, default=3000)
    ap.add_argument("--threads", type=int, default=1,
                    help="1: on the shared 2-core machine two OpenMP threads ran slower than one")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--resume-from", help="a kept checkpoint (<id>.step<N>.ckpt.pt) instead of the latest")
    ap.add_argument("--measure", action="store_true")
    ap.add_argument("--work", default=common.OUT_DIR, help="checkpoints, logs, sample grids")
    ap.add_argument("--quality-proposals", type=int, help="override the quality measurement's pool size")
    ap.add_argument("--out")
    args = ap.parse_args()
    args.id = "fashion-mnist-cond" if args.cond else "fashion-mnist"
    if args.out is None:
        args.out = os.path.join(common.MODELS_DIR, args.id)
    return args


class Data:
    """Training split minus 5,000 seeded held-out images (KeepTraining's validation reals)."""

    def __init__(self, seed, gen):
        x, y = common.load_fashion("train")
        perm = np.random.RandomState(seed).permutation(len(x))
        self.x, self.y = torch.from_numpy(x[perm[:-5000]]), torch.from_numpy(y[perm[:-5000]])
        self.xval, self.yval = torch.from_numpy(x[perm[-5000:]]), torch.from_numpy(y[perm[-5000:]])
        self.gen = gen

    def batch(self, n):
        idx = torch.randint(0, len(self.x), (n,), generator=self.gen)
        return self.x[idx], self.y[idx]


def main():
    args = parse_args()
    common.setup_torch(args.threads)
    common.seed_everything(args.seed)
    n_classes = 10 if args.cond else 0
    os.makedirs(args.work, exist_ok=True)
    logf = open(os.path.join(args.work, f"{args.id}.log"), "a")

    def log(msg):
        print(msg, flush=True)
        logf.write(msg + "\n")
        logf.flush()

    t0 = time.time()
    gen = torch.Generator().manual_seed(args.seed + 1)
    data = Data(args.seed, gen)
    G, D = Generator(ch=args.ch, n_classes=n_classes), Discriminator(ch=args.ch, n_classes=n_classes)
    ema = EMA(G, args.ema)
    optG = torch.optim.Adam(G.parameters(), lr=args.lr_g, betas=(0.5, 0.999))
    optD = torch.optim.Adam(D.parameters(), lr=args.lr_d, betas=(0.5, 0.999))
    clf, real_stats = fashion_eval.BundledClassifier(), fashion_eval.load_real_stats()

    def labels(n, g):
        return torch.randint(0, 10, (n,), generator=g) if args.cond else None

    def fake_inputs(n, g=gen):
        return torch.randn(n, LATENT, generator=g), labels(n, g)

    ckpt = os.path.join(args.work, f"{args.id}.ckpt.pt")
    state = {"step": 0, "log": [], "evals": [], "seconds": 0.0}
    if (args.resume and os.path.exists(ckpt)) or args.resume_from:
        c = torch.load(args.resume_from or ckpt)
        G.load_state_dict(c["G"]), D.load_state_dict(c["D"]), ema.G.load_state_dict(c["ema"])
        optG.load_state_dict(c["optG"]), optD.load_state_dict(c["optD"])
        gen.set_state(c["gen"]), torch.set_rng_state(c["torch_rng"])
        state = c["state"]
        log(f"resumed at step {state['step']}")
    log(f"{args.id}: params G {sum(p.numel() for p in G.parameters())} D {sum(p.numel() for p in D.parameters())}; {vars(args)}")

    def evaluate(n=2000):
        g = torch.Generator().manual_seed(777)
        Ge = ema.G
        recalibrate_bn(Ge, lambda: fake_inputs(256, g), batches=20)
        with torch.no_grad():
            z, y = fake_inputs(n, g)
            x = Ge(z, y)
        return fashion_eval.score(clf, real_stats, x, None if y is None else y.numpy())

    steps = 20 if args.measure else args.steps
    t_seg, s_seg, c_seg = time.time(), state["step"], time.process_time()
    while state["step"] < steps:
        step = state["step"] + 1
        xr, yr = data.batch(args.batch)
        yr = yr if args.cond else None
        z, yf = fake_inputs(args.batch)
        xf = G(z, yf)
        lossD = F.relu(1 - D(xr, yr)).mean() + F.relu(1 + D(xf.detach(), yf)).mean()  # hinge
        optD.zero_grad(set_to_none=True)
        lossD.backward()
        optD.step()
        D.requires_grad_(False)  # G's step needs no weight gradients for D
        lossG = -D(xf, yf).mean()
        optG.zero_grad(set_to_none=True)
        lossG.backward()
        optG.step()
        D.requires_grad_(True)
        ema.update(G, step)
        state["step"] = step
        if step % 50 == 0 or args.measure and step % 5 == 0:
            el = time.time() - t_seg
            state["log"].append({"step": step, "lossD": lossD.item(), "lossG": lossG.item()})
            cpu = (time.process_time() - c_seg) / (step - s_seg) * 1000
            log(f"step {step}: lossD {lossD.item():.4f} lossG {lossG.item():.4f} "
                f"({el / (step - s_seg) * 1000:.0f} ms/step, cpu {cpu:.0f} ms/step, {state['seconds'] + el:.0f}s)")
        if step % args.eval_every == 0 and not args.measure:
            s = evaluate()
            s["step"] = step
            state["evals"].append(s)
            log(f"eval step {step}: " + json.dumps(s))
            with torch.no_grad():
                g = torch.Generator().manual_seed(4242)
                common.save_png_grid(ema.G(*fake_inputs(64, g)).numpy(),
                                     os.path.join(args.work, f"{args.id}_step{step}.png"))
        if step % args.ckpt_every == 0 and not args.measure:
            state["seconds"] += time.time() - t_seg
            t_seg, s_seg, c_seg = time.time(), step, time.process_time()
            torch.save({"G": G.state_dict(), "D": D.state_dict(), "ema": ema.G.state_dict(),
                        "optG": optG.state_dict(), "optD": optD.state_dict(), "gen": gen.get_state(),
                        "torch_rng": torch.get_rng_state(), "state": state}, ckpt + ".tmp")
            os.replace(ckpt + ".tmp", ckpt)
            if step % args.eval_every == 0:  # kept: stopping here equals a run with --steps <step>
                torch.save(torch.load(ckpt), ckpt.replace(".ckpt.pt", f".step{step}.ckpt.pt"))
    if args.measure:
        return
    state["seconds"] += time.time() - t_seg
    gan_seconds, t_gan_end = state["seconds"], time.time()

    # The exported G is the EMA generator with the standing BatchNorm statistics evaluate() sets.
    Ge = ema.G
    final_eval = evaluate(5000)
    log(f"final EMA generator: {json.dumps(final_eval)}")

    # KeepTraining(D) against the exported generator.
    vgen = torch.Generator().manual_seed(args.seed + 1000)
    with torch.no_grad():
        vin = [fake_inputs(1000, vgen) for _ in range(5)]
        val_fake = (torch.cat([Ge(z, y) for z, y in vin]),) + ((torch.cat([y for _, y in vin]),) if args.cond else ())
    val_real = (data.xval, data.yval) if args.cond else (data.xval,)

    def real_batch(n):
        x, y = data.batch(n)
        return (x, y) if args.cond else (x,)

    def fresh_fake(n):
        with torch.no_grad():
            z, y = fake_inputs(n)
            return (Ge(z, y), y) if args.cond else (Ge(z, y),)

    t1 = time.time()
    kt = common.keep_training(D, real_batch, fresh_fake, val_real, val_fake, lr=1e-4, batch=args.batch,
                              eval_every=100, patience=8, max_steps=args.kt_max_steps, log=log)
    kt_seconds = time.time() - t1
    fashion_export.finish(args=args, G=Ge, D=D, kt=kt, kt_seconds=kt_seconds, gan_seconds=gan_seconds,
                          state=state, final_eval=final_eval, fake_inputs=fake_inputs, t_gan_end=t_gan_end,
                          log=log)


if __name__ == "__main__":
    main()
