"""Shared helpers for the demo-GAN training scripts (run with /usr/bin/python3, PyTorch 1.13)."""
import gzip
import json
import os
import random
import struct
import subprocess

import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MODELS_DIR = os.path.join(ROOT, "models")
OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "out")
FASHION_DIR = "/usr/share/datasets/fashion-mnist"
FASHION_CLASSES = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]
OPSET = 17


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def setup_torch(threads=2):
    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass


def load_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack(">I", data[:4])[0]
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_fashion(split):
    """split in {'train', 't10k'}: returns images float32 [N,1,28,28] in [-1,1], labels int64 [N]."""
    imgs = load_idx(os.path.join(FASHION_DIR, f"{split}-images-idx3-ubyte.gz"))
    labels = load_idx(os.path.join(FASHION_DIR, f"{split}-labels-idx1-ubyte.gz"))
    x = imgs.astype(np.float32)[:, None, :, :] / 127.5 - 1.0
    return x, labels.astype(np.int64)


def export_onnx(module, example, path, input_name, output_names, dynamic_out=True):
    export_onnx_inputs(module, [(input_name, example)], path, output_names, dynamic_out)


def export_onnx_inputs(module, inputs, path, output_names, dynamic_out=True):
    """inputs: [(name, example tensor)] in forward()'s argument order; batch axis 0 dynamic."""
    module.eval()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    dyn = {name: {0: "batch"} for name, _ in inputs}
    if dynamic_out:
        for o in output_names:
            dyn[o] = {0: "batch"}
    torch.onnx.export(
        module, tuple(t for _, t in inputs), path,
        input_names=[name for name, _ in inputs], output_names=output_names,
        dynamic_axes=dyn, opset_version=OPSET, do_constant_folding=True,
    )
    import onnx
    m = onnx.load(path)
    onnx.checker.check_model(m, full_check=True)


def onnx_check_node(path, input_name, in_shape, expect):
    """Run the ONNX file in onnxruntime-node on the given inputs and compare with torch outputs.
    expect: dict batch -> (input ndarray or [(name, ndarray)], {output: ndarray}). Returns, per
    batch, {output: max abs err}."""
    os.makedirs(OUT_DIR, exist_ok=True)
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "check_onnx.cjs")
    errs = {}
    for batch, (inp, outs) in expect.items():
        base = os.path.join(OUT_DIR, f"_chk_{os.getpid()}_{batch}")
        # inp: one float32 array for `input_name`, or a list of (name, array) (float32 or int64)
        named = [(input_name, inp)] if isinstance(inp, np.ndarray) else list(inp)
        spec = {"model": path, "inputs": [], "outputs": {}}
        for k, (name, arr) in enumerate(named):
            kind = "int64" if arr.dtype == np.int64 else "float32"
            arr.astype("<i8" if kind == "int64" else "<f4").tofile(f"{base}.in{k}")
            spec["inputs"].append({"name": name, "type": kind, "dims": list(arr.shape), "file": f"{base}.in{k}"})
        for name, arr in outs.items():
            arr.astype("<f4").tofile(base + "." + name)
            spec["outputs"][name] = {"file": base + "." + name, "dims": list(arr.shape)}
        with open(base + ".json", "w") as f:
            json.dump(spec, f)
        r = subprocess.run(["node", script, base + ".json"], capture_output=True, text=True)
        for ext in [f".in{k}" for k in range(len(named))] + [".json"] + ["." + n for n in outs]:
            try:
                os.remove(base + ext)
            except OSError:
                pass
        if r.returncode != 0:
            raise RuntimeError(f"onnxruntime-node check failed for {path}: {r.stdout}\n{r.stderr}")
        errs[batch] = json.loads(r.stdout.strip().splitlines()[-1])
    return errs


def save_png_grid(images, path, nrow=8, scale=2, lo=-1.0, hi=1.0):
    """images: ndarray [N,1,H,W] in [lo,hi]."""
    from PIL import Image
    n, _, h, w = images.shape
    ncol = nrow
    nr = (n + ncol - 1) // ncol
    pad = 2
    grid = np.ones((nr * (h + pad) + pad, ncol * (w + pad) + pad), dtype=np.float32)
    for i in range(n):
        r, c = divmod(i, ncol)
        img = (images[i, 0] - lo) / (hi - lo)
        grid[pad + r * (h + pad):pad + r * (h + pad) + h, pad + c * (w + pad):pad + c * (w + pad) + w] = img
    arr = (np.clip(grid, 0, 1) * 255).round().astype(np.uint8)
    im = Image.fromarray(arr, mode="L")
    if scale != 1:
        im = im.resize((im.width * scale, im.height * scale), Image.NEAREST)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    im.save(path, optimize=True)


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


def _score(D, batch):
    return D(*batch) if isinstance(batch, tuple) else D(batch)


def _rows(batch, i, j):
    return tuple(t[i:j] for t in batch) if isinstance(batch, tuple) else batch[i:j]


def _len(batch):
    return len(batch[0]) if isinstance(batch, tuple) else len(batch)


def keep_training(D, sample_real, sample_fake, val_real, val_fake, lr=1e-4, batch=256,
                  eval_every=100, patience=10, max_steps=20000, log=print, betas=(0.5, 0.999)):
    """KeepTraining(D) of the DRS paper: train D alone on fresh real vs fresh G samples with
    BCE-with-logits; early-stop on the BCE of a fixed validation set (real label 1, fake 0).
    Restores the best D. Returns dict with history. Batches and validation sets are tensors, or
    tuples of D's inputs (e.g. (x, label) for a conditional D)."""
    opt = torch.optim.Adam(D.parameters(), lr=lr, betas=betas)

    def val_loss():
        D.eval()
        with torch.no_grad():
            lr_ = torch.cat([_score(D, _rows(val_real, i, i + 1000)) for i in range(0, _len(val_real), 1000)])
            lf_ = torch.cat([_score(D, _rows(val_fake, i, i + 1000)) for i in range(0, _len(val_fake), 1000)])
            loss = 0.5 * (F.binary_cross_entropy_with_logits(lr_, torch.ones_like(lr_))
                          + F.binary_cross_entropy_with_logits(lf_, torch.zeros_like(lf_)))
            acc = 0.5 * ((lr_ > 0).float().mean() + (lf_ < 0).float().mean())
        D.train()
        return loss.item(), acc.item()

    best, acc0 = val_loss()
    initial = best
    best_state = {k: v.detach().clone() for k, v in D.state_dict().items()}
    best_step, bad, step = 0, 0, 0
    history = [(0, best, acc0)]
    log(f"keep-training: initial val BCE {best:.4f} acc {acc0:.3f}")
    D.train()
    while step < max_steps:
        for _ in range(eval_every):
            xr, xf = sample_real(batch), sample_fake(batch)
            lr_, lf_ = _score(D, xr), _score(D, xf)
            loss = 0.5 * (F.binary_cross_entropy_with_logits(lr_, torch.ones_like(lr_))
                          + F.binary_cross_entropy_with_logits(lf_, torch.zeros_like(lf_)))
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
        v, a = val_loss()
        history.append((step, v, a))
        if v < best - 1e-4:
            best, best_step, bad = v, step, 0
            best_state = {k: t.detach().clone() for k, t in D.state_dict().items()}
        else:
            bad += 1
        log(f"keep-training step {step}: train {loss.item():.4f} val BCE {v:.4f} acc {a:.3f} (best {best:.4f} @ {best_step})")
        if bad >= patience:
            break
    D.load_state_dict(best_state)
    D.eval()
    return {"initialValBCE": initial, "bestValBCE": best, "bestStep": best_step, "stepsRun": step,
            "history": history}


def file_size(path):
    return os.path.getsize(path)


def human(n):
    return f"{n / 1024:.1f} KiB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.2f} MiB"
