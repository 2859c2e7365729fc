"""ONNX nodes as torch code: each supported op has a forward and a hand-written backward pass that
uses forward operators only (so the whole thing exports to an ONNX graph onnxruntime can run).

An op is built from one ONNX node (attributes and constant inputs are read and validated at build
time, so an unsupported configuration fails before anything runs) and then offers
  forward(ins)                      -> list of output tensors
  backward(ins, outs, gouts, need)  -> list of input gradients (None where not needed)
`ins` holds the node's input tensors (None for an omitted optional input), `gouts` the gradients of
its outputs (None for an output nothing downstream depends on), `need[i]` says whether input i
depends on the latent (only those gradients are computed).
"""
import numpy as np
import torch
import torch.nn.functional as F
from onnx import helper, numpy_helper


class UnsupportedGraph(Exception):
    """A node the exporter cannot differentiate; the message names the file, node and op type."""


def node_label(node):
    return f"node '{node.name or node.output[0]}' ({node.op_type})"


def unbroadcast(g, shape):
    """Sum g down to `shape` (numpy broadcasting undone). Decided from trace-time shapes."""
    shape = [int(s) for s in shape]
    while g.dim() > len(shape):
        g = g.sum(0)
    for i, s in enumerate(shape):
        if s == 1 and int(g.shape[i]) != 1:
            g = g.sum(i, keepdim=True)
    return g


class Op:
    op_type = None

    def __init__(self, node, consts, fail):
        self.node = node
        self.attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        self.consts = consts
        self.fail = fail

    def attr(self, name, default=None):
        v = self.attrs.get(name, default)
        return v.decode() if isinstance(v, bytes) else v

    def const_input(self, i, what):
        if i >= len(self.node.input) or self.node.input[i] == "":
            return None
        name = self.node.input[i]
        if name not in self.consts:
            self.fail(self.node, f"input {i} ({what}, '{name}') must be a constant (an initializer or a Constant node)")
        return self.consts[name]

    def reject_attrs(self, allowed):
        extra = [k for k in self.attrs if k not in allowed]
        if extra:
            self.fail(self.node, f"attribute(s) {extra} not supported")

    def forward(self, ins):
        raise NotImplementedError

    def backward(self, ins, outs, gouts, need):
        raise NotImplementedError


# --- elementwise activations -----------------------------------------------------------------


class Unary(Op):
    def __init__(self, node, consts, fail):
        super().__init__(node, consts, fail)
        if len(node.output) != 1:
            fail(node, f"expected one output, found {len(node.output)}")

    def backward(self, ins, outs, gouts, need):
        return [self.dydx(ins[0], outs[0], gouts[0])]


class Relu(Unary):
    def forward(self, ins):
        return [F.relu(ins[0])]

    def dydx(self, x, y, g):
        return g * (x > 0).to(g.dtype)


class LeakyRelu(Unary):
    def __init__(self, node, consts, fail):
        super().__init__(node, consts, fail)
        self.alpha = float(self.attr("alpha", 0.01))

    def forward(self, ins):
        return [F.leaky_relu(ins[0], self.alpha)]

    def dydx(self, x, y, g):
        pos = (x > 0).to(g.dtype)
        return g * (pos + (1 - pos) * self.alpha)


class Elu(Unary):
    def __init__(self, node, consts, fail):
        super().__init__(node, consts, fail)
        self.alpha = float(self.attr("alpha", 1.0))

    def forward(self, ins):
        return [F.elu(ins[0], self.alpha)]

    def dydx(self, x, y, g):
        pos = (x > 0).to(g.dtype)
        return g * (pos + (1 - pos) * (y + self.alpha))


class Tanh(Unary):
    def forward(self, ins):
        return [torch.tanh(ins[0])]

    def dydx(self, x, y, g):
        return g * (1 - y * y)


class Sigmoid(Unary):
    def forward(self, ins):
        return [torch.sigmoid(ins[0])]

    def dydx(self, x, y, g):
        return g * y * (1 - y)


class Softplus(Unary):
    def forward(self, ins):
        return [F.softplus(ins[0])]

    def dydx(self, x, y, g):
        return g * torch.sigmoid(x)


class Neg(Unary):
    def forward(self, ins):
        return [-ins[0]]

    def dydx(self, x, y, g):
        return -g


class Identity(Unary):
    def forward(self, ins):
        return [ins[0]]

    def dydx(self, x, y, g):
        return g


class Dropout(Op):
    """Inference: identity. The optional mask output must not be used."""

    def __init__(self, node, consts, fail):
        super().__init__(node, consts, fail)
        if len(node.input) > 2 and node.input[2] != "":
            tm = self.const_input(2, "training_mode")
            if bool(np.asarray(tm).item()):
                fail(node, "training_mode is true; export the model in eval mode")
        if len(node.output) > 1 and node.output[1] != "":
            fail(node, "the mask output is used")

    def forward(self, ins):
        return [ins[0]]

    def backward(self, ins, outs, gouts, need):
        return [gouts[0]] + [None] * (len(ins) - 1)


# --- arithmetic with broadcasting --------------------------------------------------------------


class Binary(Op):
    def forward(self, ins):
        return [self.f(ins[0], ins[1])]


class Add(Binary):
    f = staticmethod(torch.add)

    def backward(self, ins, outs, gouts, need):
        g = gouts[0]
        return [unbroadcast(g, ins[0].shape) if need[0] else None, unbroadcast(g, ins[1].shape) if need[1] else None]


class Sub(Binary):
    f = staticmethod(torch.sub)

    def backward(self, ins, outs, gouts, need):
        g = gouts[0]
        return [unbroadcast(g, ins[0].shape) if need[0] else None, unbroadcast(-g, ins[1].shape) if need[1] else None]


class Mul(Binary):
    f = staticmethod(torch.mul)

    def backward(self, ins, outs, gouts, need):
        a, b = ins
        g = gouts[0]
        return [unbroadcast(g * b, a.shape) if need[0] else None, unbroadcast(g * a, b.shape) if need[1] else None]


class Div(Binary):
    f = staticmethod(torch.div)

    def backward(self, ins, outs, gouts, need):
        a, b = ins
        g = gouts[0]
        return [
            unbroadcast(g / b, a.shape) if need[0] else None,
            unbroadcast(-g * a / (b * b), b.shape) if need[1] else None,
        ]


# --- linear layers -----------------------------------------------------------------------------


class Gemm(Op):
    def __init__(self, node, consts, fail):
        super().__init__(node, consts, fail)
        self.reject_attrs({"alpha", "beta", "transA", "transB"})
        self.alpha = float(self.attr("alpha", 1.0))
        self.beta = float(self.attr("beta", 1.0))
        self.ta = bool(self.attr("transA", 0))
        self.tb = bool(self.attr("transB", 0))

    def forward(self, ins):
        a, b = ins[0], ins[1]
        a = a.t() if self.ta else a
        b = b.t() if self.tb else b
        y = torch.matmul(a, b)
        if self.alpha != 1.0:
            y = y * self.alpha
        if len(ins) > 2 and ins[2] is not None:
            y = y + (ins[2] * self.beta if self.beta != 1.0 else ins[2])
        return [y]

    def backward(self, ins, outs, gouts, need):
        a, b = ins[0], ins[1]
        g = gouts[0] * self.alpha if self.alpha != 1.0 else gouts[0]
        ap = a.t() if self.ta else a
        bp = b.t() if self.tb else b
        res = [None] * len(ins)
        if need[0]:
            ga = torch.matmul(g, bp.t())  # d/dA'
            res[0] = ga.t() if self.ta else ga
        if need[1]:
            gb = torch.matmul(ap.t(), g)
            res[1] = gb.t() if self.tb else gb
        if len(ins) > 2 and need[2]:
            res[2] = unbroadcast(gouts[0] * self.beta, ins[2].shape)
        return res


class MatMul(Op):
    def forward(self, ins):
        a, b = ins
        if a.dim() < 2 or b.dim() < 2:
            self.fail(self.node, "1-D operands are not supported")
        return [torch.matmul(a, b)]

    def backward(self, ins, outs, gouts, need):
        a, b = ins
        g = gouts[0]
        return [
            unbroadcast(torch.matmul(g, b.transpose(-1, -2)), a.shape) if need[0] else None,
            unbroadcast(torch.matmul(a.transpose(-1, -2), g), b.shape) if need[1] else None,
        ]


def _conv_fns(rank):
    return {3: (F.conv1d, F.conv_transpose1d), 4: (F.conv2d, F.conv_transpose2d), 5: (F.conv3d, F.conv_transpose3d)}[rank]


class Conv(Op):
    """Backward w.r.t. the input: ConvTranspose with the same weight (output_padding restores rows
    the forward stride skipped)."""

    def __init__(self, node, consts, fail):
        super().__init__(node, consts, fail)
        self.reject_attrs({"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"})
        if self.attr("auto_pad", "NOTSET") not in ("NOTSET", "VALID"):
            fail(node, f"auto_pad={self.attr('auto_pad')} not supported (export with explicit pads)")
        w = self.const_input(1, "weight")
        if w.ndim not in (3, 4, 5):
            fail(node, f"weight of rank {w.ndim}; only 1-D, 2-D and 3-D convolutions are supported")
        self.nd = w.ndim - 2
        self.conv, self.convt = _conv_fns(w.ndim)
        self.strides = list(self.attr("strides", [1] * self.nd))
        self.dil = list(self.attr("dilations", [1] * self.nd))
        self.group = int(self.attr("group", 1))
        pads = list(self.attr("pads", [0] * 2 * self.nd))
        if self.attr("auto_pad", "NOTSET") == "VALID":
            pads = [0] * 2 * self.nd
        self.begin, self.end = pads[: self.nd], pads[self.nd :]
        self.sym = self.begin == self.end
        self.k = list(w.shape[2:])

    def forward(self, ins):
        x, w = ins[0], ins[1]
        b = ins[2] if len(ins) > 2 else None
        if self.sym:
            return [self.conv(x, w, b, self.strides, self.begin, self.dil, self.group)]
        padspec = []
        for i in reversed(range(self.nd)):
            padspec += [self.begin[i], self.end[i]]
        return [self.conv(F.pad(x, padspec), w, b, self.strides, 0, self.dil, self.group)]

    def backward(self, ins, outs, gouts, need):
        x, w = ins[0], ins[1]
        if any(need[1:]):
            self.fail(self.node, "the weight or bias depends on the latent")
        g = gouts[0]
        sizes_in = [int(s) for s in x.shape[2:]]
        sizes_out = [int(s) for s in g.shape[2:]]
        if self.sym:
            op = [
                sizes_in[i] - ((sizes_out[i] - 1) * self.strides[i] - 2 * self.begin[i] + self.dil[i] * (self.k[i] - 1) + 1)
                for i in range(self.nd)
            ]
            return [self.convt(g, w, None, self.strides, self.begin, op, self.group, self.dil), None, None][: len(ins)]
        padded = [sizes_in[i] + self.begin[i] + self.end[i] for i in range(self.nd)]
        op = [padded[i] - ((sizes_out[i] - 1) * self.strides[i] + self.dil[i] * (self.k[i] - 1) + 1) for i in range(self.nd)]
        gx = self.convt(g, w, None, self.strides, 0, op, self.group, self.dil)
        for i in range(self.nd):
            gx = gx.narrow(2 + i, self.begin[i], sizes_in[i])
        return [gx, None, None][: len(ins)]


class ConvTranspose(Op):
    """Backward w.r.t. the input: Conv with the same weight."""

    def __init__(self, node, consts, fail):
        super().__init__(node, consts, fail)
        self.reject_attrs({"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides", "output_padding"})
        if self.attr("auto_pad", "NOTSET") != "NOTSET":
            fail(node, f"auto_pad={self.attr('auto_pad')} not supported (export with explicit pads)")
        w = self.const_input(1, "weight")
        if w.ndim not in (3, 4, 5):
            fail(node, f"weight of rank {w.ndim}; only 1-D, 2-D and 3-D transposed convolutions are supported")
        self.nd = w.ndim - 2
        self.conv, self.convt = _conv_fns(w.ndim)
        self.strides = list(self.attr("strides", [1] * self.nd))
        self.dil = list(self.attr("dilations", [1] * self.nd))
        self.group = int(self.attr("group", 1))
        self.outpad = list(self.attr("output_padding", [0] * self.nd))
        pads = list(self.attr("pads", [0] * 2 * self.nd))
        if pads[: self.nd] != pads[self.nd :]:
            fail(node, f"asymmetric pads {pads} not supported")
        self.pads = pads[: self.nd]

    def forward(self, ins):
        b = ins[2] if len(ins) > 2 else None
        return [self.convt(ins[0], ins[1], b, self.strides, self.pads, self.outpad, self.group, self.dil)]

    def backward(self, ins, outs, gouts, need):
        if any(need[1:]):
            self.fail(self.node, "the weight or bias depends on the latent")
        return [self.conv(gouts[0], ins[1], None, self.strides, self.pads, self.dil, self.group), None, None][: len(ins)]


class BatchNormalization(Op):
    """Inference mode only (running statistics): an affine map per channel."""

    def __init__(self, node, consts, fail):
        super().__init__(node, consts, fail)
        if int(self.attr("training_mode", 0)) != 0 or len([o for o in node.output if o]) > 1:
            fail(node, "training mode (batch statistics) is not supported: rows would not be independent; export in eval mode")
        self.eps = float(self.attr("epsilon", 1e-5))
        for i, what in [(1, "scale"), (2, "bias"), (3, "mean"), (4, "var")]:
            self.const_input(i, what)

    def forward(self, ins):
        x, scale, bias, mean, var = ins
        return [F.batch_norm(x, mean, var, scale, bias, False, 0.0, self.eps)]

    def backward(self, ins, outs, gouts, need):
        x, scale, bias, mean, var = ins
        if any(need[1:]):
            self.fail(self.node, "the statistics or affine parameters depend on the latent")
        k = scale / torch.sqrt(var + self.eps)
        return [gouts[0] * k.reshape([1, -1] + [1] * (x.dim() - 2)), None, None, None, None]


# --- shape ops -------------------------------------------------------------------------------


class Reshape(Op):
    def __init__(self, node, consts, fail):
        super().__init__(node, consts, fail)
        if int(self.attr("allowzero", 0)) != 0:
            fail(node, "allowzero=1 not supported")
        self.shape = [int(s) for s in self.const_input(1, "shape")]

    def forward(self, ins):
        x = ins[0]
        shape = [int(x.shape[i]) if s == 0 else s for i, s in enumerate(self.shape)]
        if shape and shape[0] == int(x.shape[0]) and -1 not in shape:
            shape[0] = -1  # keep the batch axis dynamic
        return [x.reshape(shape)]

    def backward(self, ins, outs, gouts, need):
        return [gouts[0].reshape(ins[0].shape), None]


class Flatten(Op):
    def __init__(self, node, consts, fail):
        super().__init__(node, consts, fail)
        self.axis = int(self.attr("axis", 1))
        if self.axis != 1:
            fail(node, f"axis={self.axis} not supported (only 1: keep the batch axis)")

    def forward(self, ins):
        return [ins[0].flatten(1)]

    def backward(self, ins, outs, gouts, need):
        return [gouts[0].reshape(ins[0].shape)]


class Squeeze(Op):
    def __init__(self, node, consts, fail):
        super().__init__(node, consts, fail)
        axes = self.const_input(1, "axes")
        if axes is None:
            fail(node, "axes must be given")
        self.axes = [int(a) for a in axes]
        if 0 in self.axes:
            fail(node, "squeezing the batch axis is not supported")

    def forward(self, ins):
        x = ins[0]
        axes = sorted(a % x.dim() for a in self.axes)
        for a in reversed(axes):
            x = x.squeeze(a)
        return [x]

    def backward(self, ins, outs, gouts, need):
        return [gouts[0].reshape(ins[0].shape), None]


class Unsqueeze(Op):
    def __init__(self, node, consts, fail):
        super().__init__(node, consts, fail)
        self.axes = [int(a) for a in self.const_input(1, "axes")]

    def forward(self, ins):
        x = ins[0]
        r = x.dim() + len(self.axes)
        for a in sorted(a % r for a in self.axes):
            x = x.unsqueeze(a)
        return [x]

    def backward(self, ins, outs, gouts, need):
        return [gouts[0].reshape(ins[0].shape), None]


class Transpose(Op):
    def __init__(self, node, consts, fail):
        super().__init__(node, consts, fail)
        self.perm = self.attr("perm")
        if self.perm is None or self.perm[0] != 0:
            fail(node, f"perm={self.perm} not supported (the batch axis must stay first)")
        self.inv = list(np.argsort(self.perm))

    def forward(self, ins):
        return [ins[0].permute(*self.perm)]

    def backward(self, ins, outs, gouts, need):
        return [gouts[0].permute(*[int(i) for i in self.inv])]


class Concat(Op):
    def __init__(self, node, consts, fail):
        super().__init__(node, consts, fail)
        self.axis = int(self.attr("axis"))

    def forward(self, ins):
        return [torch.cat(ins, self.axis)]

    def backward(self, ins, outs, gouts, need):
        axis = self.axis % ins[0].dim()
        if axis == 0:
            self.fail(self.node, "concatenation along the batch axis is not supported")
        res, start = [], 0
        for x, n in zip(ins, need):
            size = int(x.shape[axis])
            res.append(gouts[0].narrow(axis, start, size) if n else None)
            start += size
        return res


class Resize(Op):
    """Nearest upsampling by integer factors (asymmetric coordinates, floor): backward is a sum over
    each block, written as a reshape and a ReduceSum."""

    def __init__(self, node, consts, fail):
        super().__init__(node, consts, fail)
        mode, ctm, nm = self.attr("mode", "nearest"), self.attr("coordinate_transformation_mode", "half_pixel"), self.attr("nearest_mode", "round_prefer_floor")
        if mode != "nearest" or ctm != "asymmetric" or nm != "floor":
            fail(node, f"only nearest / asymmetric / floor resizing is supported, got mode={mode}, coordinate_transformation_mode={ctm}, nearest_mode={nm}")
        if len(node.input) > 3 and node.input[3] != "":
            fail(node, "sizes input not supported (give scales)")
        scales = self.const_input(2, "scales")
        if scales is None or len(scales) < 3 or scales[0] != 1 or scales[1] != 1:
            fail(node, f"scales {scales} not supported (batch and channel scales must be 1)")
        self.s = [int(round(float(s))) for s in scales[2:]]
        if any(abs(float(a) - b) > 0 or b < 1 for a, b in zip(scales[2:], self.s)):
            fail(node, f"scales {list(scales)} not supported (spatial scales must be positive integers)")

    def forward(self, ins):
        return [F.interpolate(ins[0], scale_factor=[float(s) for s in self.s], mode="nearest")]

    def backward(self, ins, outs, gouts, need):
        x, g = ins[0], gouts[0]
        sizes = [int(v) for v in x.shape[1:]]
        shape = [-1, sizes[0]]
        for n, s in zip(sizes[1:], self.s):
            shape += [n, s]
        g = g.reshape(shape)
        g = g.sum(tuple(3 + 2 * i for i in range(len(self.s))))
        return [g, None, None, None][: len(ins)]


class ReduceSum(Op):
    def __init__(self, node, consts, fail):
        super().__init__(node, consts, fail)
        self.keep = bool(self.attr("keepdims", 1))
        axes = self.const_input(1, "axes")
        if axes is None:
            fail(node, "axes must be given")
        self.axes = [int(a) for a in axes]
        if 0 in self.axes:
            fail(node, "reducing over the batch axis mixes rows")

    def forward(self, ins):
        x = ins[0]
        return [x.sum([a % x.dim() for a in self.axes], keepdim=self.keep)]

    def backward(self, ins, outs, gouts, need):
        x, g = ins[0], gouts[0]
        if not self.keep:
            for a in sorted(a % x.dim() for a in self.axes):
                g = g.unsqueeze(a)
        return [g.expand_as(x), None][: len(ins)]


class ReduceMean(Op):
    def __init__(self, node, consts, fail):
        super().__init__(node, consts, fail)
        self.keep = bool(self.attr("keepdims", 1))
        self.axes = self.attr("axes")
        if self.axes is None or 0 in self.axes:
            fail(node, "axes must be given and must not include the batch axis")

    def forward(self, ins):
        x = ins[0]
        return [x.mean([a % x.dim() for a in self.axes], keepdim=self.keep)]

    def backward(self, ins, outs, gouts, need):
        x, g = ins[0], gouts[0]
        axes = sorted(a % x.dim() for a in self.axes)
        n = 1
        for a in axes:
            n *= int(x.shape[a])
        if not self.keep:
            for a in axes:
                g = g.unsqueeze(a)
        return [g.expand_as(x) / n]


class Gather(Op):
    """Only on tensors that do not depend on the latent (e.g. an embedding table indexed by a label)."""

    def __init__(self, node, consts, fail):
        super().__init__(node, consts, fail)
        self.axis = int(self.attr("axis", 0))

    def forward(self, ins):
        data, idx = ins
        if self.axis != 0:
            return [torch.index_select(data, self.axis, idx.reshape(-1)).reshape(list(data.shape[: self.axis]) + list(idx.shape) + list(data.shape[self.axis + 1 :]))]
        return [data[idx]]

    def backward(self, ins, outs, gouts, need):
        self.fail(self.node, "gathering from a tensor that depends on the latent is not supported")


OPS = {
    c.__name__: c
    for c in [
        Relu, LeakyRelu, Elu, Tanh, Sigmoid, Softplus, Neg, Identity, Dropout,
        Add, Sub, Mul, Div, Gemm, MatMul, Conv, ConvTranspose, BatchNormalization,
        Reshape, Flatten, Squeeze, Unsqueeze, Transpose, Concat, Resize, ReduceSum, ReduceMean, Gather,
    ]
}


def constant_value(node):
    """The value of a Constant node as a numpy array."""
    a = {x.name: x for x in node.attribute}
    if "value" in a:
        return numpy_helper.to_array(a["value"].t)
    for k in ("value_float", "value_int"):
        if k in a:
            return np.array(helper.get_attribute_value(a[k]))
    for k in ("value_floats", "value_ints"):
        if k in a:
            return np.array(helper.get_attribute_value(a[k]))
    raise UnsupportedGraph(f"{node_label(node)}: constant kind {list(a)} not supported")
