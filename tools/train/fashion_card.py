"""MODEL_CARD.md and the manifest description for the Fashion-MNIST GANs (train_fashion_gan.py)."""
import os

import torch

import common
from fashion_nets import LATENT


def description(args):
    cond = ("Class-conditional: G takes (z, label) with class-conditional BatchNorm, D is a projection "
            "discriminator scoring (x, label). " if args.cond else "")
    return (f"{cond}DCGAN-style generator (upsampling convolutions with BatchNorm; the exported weights are an "
            "exponential moving average of G's) and a spectrally normalised convolutional discriminator, trained "
            "with the hinge loss on the Fashion-MNIST training set on CPU; images in [-1,1]. D was kept training "
            "alone after GAN training (DRS KeepTraining) with early stopping on held-out data.")


def _fmt(v, digits):
    return "—" if v is None else f"{v:.{digits}f}"


def _quality_table(args, quality):
    if not args.cond:
        head = "| sampler | accepted / proposed | accept % | Fréchet (clf) |\n|---|---|---|---|\n"
        return head + "\n".join(
            f"| {r['sampler']} | {r['accepted']} / {r['proposals']} | {100 * r['accepted'] / r['proposals']:.2f} | "
            f"{_fmt(r.get('frechet'), 1)} |" for r in quality)
    samplers = []
    for r in quality:
        if r["sampler"] not in samplers:
            samplers.append(r["sampler"])
    head = ("| class | " + " | ".join(f"{s}: accept % / Fréchet / class acc" for s in samplers) + " |\n|---|"
            + "---|" * len(samplers) + "\n")
    lines = []
    for k in range(10):
        cells = []
        for s in samplers:
            r = next(q for q in quality if q["class"] == k and q["sampler"] == s)
            acc = 100 * r["accepted"] / r["proposals"]
            cells.append(f"{acc:.1f} / {_fmt(r.get('frechet'), 1)} / {_fmt(r.get('classAccuracy'), 3)}")
        lines.append(f"| {k} {common.FASHION_CLASSES[k]} | " + " | ".join(cells) + " |")
    means = []
    for s in samplers:
        rs = [q for q in quality if q["sampler"] == s]
        ok = all("frechet" in r for r in rs)
        means.append("— / " + (f"{sum(r['frechet'] for r in rs) / 10:.1f} / {sum(r['classAccuracy'] for r in rs) / 10:.3f}"
                               if ok else "— / —"))
    lines.append("| mean | " + " | ".join(means) + " |")
    return head + "\n".join(lines)


def _kept_section(path, title):
    """The `## {title}` section of an existing card (written by hand from `npm run compare`)."""
    if not os.path.exists(path):
        return None
    text = open(path).read()
    start = text.find(f"## {title}")
    if start < 0:
        return None
    end = text.find("\n## ", start + 3)
    return text[start:end if end >= 0 else len(text)].rstrip() + "\n"


def render(*, args, G, D, kt, kt_seconds, gan_seconds, state, final_eval, quality, fake_logits, real_logits,
           sizes, onnx_err, total_seconds, old_card):
    nG = sum(p.numel() for p in G.parameters())
    nD = sum(p.numel() for p in D.parameters())
    c = args.ch
    cbn = "class-conditional BatchNorm (shared BatchNorm without affine, then a per-class gain and bias)" \
        if args.cond else "BatchNorm"
    proj = (f" + ⟨embed(label), h⟩ (projection; embedding 10×{4 * c}·7·7, spectrally normalised)"
            if args.cond else "")
    capnote = (f"; early stopping did not fire, the {args.kt_max_steps:,}-step cap ended it"
               if kt["stepsRun"] >= args.kt_max_steps else "")
    evals = "\n".join(
        f"| {e['step']} | {e['frechet']:.1f} |" + (f" {e['classAccuracy']:.3f} |" if args.cond else "")
        for e in state["evals"])
    eval_head = "| step | Fréchet (clf) |" + (" class acc |" if args.cond else "") + "\n|---|---|" + \
        ("---|" if args.cond else "")
    compare = _kept_section(old_card, "Sampling quality (npm run compare)") or (
        "## Sampling quality (npm run compare)\nnot measured yet: "
        f"`npm run compare -- --model {args.id} --count 2000 --seed 1`\n")
    cond_io = ("\n## Conditioning\n`manifest.json` declares `\"conditioning\": {\"kind\": \"class\", \"input\": \"label\", "
               "\"labels\": [...]}`. Generator inputs `z` float32 `[batch, 64]` and `label` int64 `[batch]` → `x` "
               "float32 `[batch, 1, 28, 28]`; discriminator inputs `x` and `label` → `logit` float32 `[batch, 1]`. "
               "`calibration-labels.i64`: the classes of the calibration images (int64 little-endian, one per image). "
               "`classifier.onnx` and `real-features.json` are copies of models/fashion-mnist's.\n"
               if args.cond else "")
    return f"""# {args.id} — model card

![samples from the generator{', one class per column (labels 0–9, left to right)' if args.cond else ''}](samples.png)

## Data
Fashion-MNIST training set (60,000 28×28 grayscale images), scaled to [−1, 1]; 55,000 used for
GAN training, 5,000 (random, seeded) held out as the real half of D's KeepTraining validation set.
`calibration-real.f32`: the last 2000 images of the Fashion-MNIST **test** set, raw
little-endian float32 in [−1, 1], row-major `[2000, 1, 28, 28]`.
{cond_io}
## Architecture
- Generator ({nG:,} parameters): z ∈ R^{LATENT} ~ N(0, I) → Linear({LATENT}, {4 * c}·7·7) → {cbn} → ReLU →
  [nearest ×2 → Conv3×3 → {'class-conditional ' if args.cond else ''}BatchNorm → ReLU] {4 * c}→{2 * c} (14×14), {2 * c}→{c} (28×28) →
  Conv3×3 {c}→1 → tanh. The exported weights are the EMA (decay {args.ema}) of G's; BatchNorm
  statistics re-estimated for them (plain average over 20 batches of 256), exported in eval mode.
- Discriminator ({nD:,} parameters), every layer spectrally normalised: Conv3×3 1→{c} → Conv4×4/2 {c}→{2 * c} →
  Conv4×4/2 {2 * c}→{4 * c} → Conv3×3 {4 * c}→{4 * c}, LeakyReLU(0.1) after each → h ∈ R^{4 * c}·7·7 →
  Linear(h, 1){proj}; raw logit. No BatchNorm: each row is scored independently. Exported with
  W/σ(W) baked into plain weights.

## Training
- Hinge loss, one D step per G step; Adam lr G {args.lr_g}, D {args.lr_d}, β = (0.5, 0.999); batch {args.batch};
  seed {args.seed}; {state['step']:,} steps (~{state['step'] * args.batch / 55000:.1f} epochs), {gan_seconds / 60:.0f} min wall
  on a shared 2-core machine (PyTorch {torch.__version__}, {args.threads} thread{'s' if args.threads > 1 else ''}, `nice -n 19`).
- Fréchet distance (bundled classifier, 2,000 EMA samples, see below) during training:

{eval_head}
{evals}

  Final EMA generator (5,000 samples): Fréchet {final_eval['frechet']:.1f}{f", class accuracy {final_eval['classAccuracy']:.3f}" if args.cond else ''}.
- KeepTraining(D) (DRS paper): D alone, BCE-with-logits, on fresh real (training split) vs fresh
  samples of the exported (EMA) generator, Adam lr 1e-4, batch {args.batch}; validation BCE on 5,000
  held-out real + 5,000 fixed generated images every 100 steps, patience 8, best D restored.
  Validation BCE {kt['initialValBCE']:.4f} → {kt['bestValBCE']:.4f} (best at step {kt['bestStep']} of {kt['stepsRun']} run{capnote}), {kt_seconds:.0f} s.
- Exported D logit: mean {fake_logits.mean():.3f} on 5,000 fresh G samples, {real_logits.mean():.3f} on the calibration
  (test) images; max over the G samples {fake_logits.max():.3f}.
- Total wall time (GAN, KeepTraining, export, checks, quality measurement): {total_seconds / 60:.0f} min.

## Sampling quality (PyTorch, written by the training script)
"Fréchet (clf)": Fréchet distance in the bundled classifier's 64-d feature space (not Inception
FID; lower is better) against the real test set{' images of the same class' if args.cond else ''}, from the
exported G and D in PyTorch. {quality[0]['proposals']:,} proposals{' per class' if args.cond else ''}; each
sampler's distance uses the first {quality[0]['used']:,} accepted samples (equal n, so the estimator's bias is
equal); "—" where fewer were accepted. DRS here takes D̃_M as the maximum logit over the pool and
γ as the given percentile of F over the pool (the server estimates D̃_M by burn-in and γ per batch).
{'"class acc": share of samples the bundled classifier assigns to the requested class (on real test images: 0.909 overall, 0.70 for Shirt).' if args.cond else ''}

{_quality_table(args, quality)}

{compare}
## Files
| file | bytes |
|------|-------|
""" + "\n".join(f"| {k} | {v} ({common.human(v)}) |" for k, v in sizes.items()) + f"""

ONNX opset {common.OPSET}, dynamic batch axis; checked in onnxruntime-node at batch 1 and 37
(max abs error vs PyTorch {onnx_err:.1e}). The classifier used for evaluation (`classifier.onnx`,
`real-features.json`) is described in models/fashion-mnist/CLASSIFIER.md.

## Rebuild
`/usr/bin/python3 tools/train/train_fashion_gan.py{' --cond' if args.cond else ''} --steps {state['step']}` (deterministic given the seed
on the same PyTorch build and thread count; see tools/train/README.md).
"""
