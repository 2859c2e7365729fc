"""G and D read from their ONNX files into one torch module computing, for a batch of latents,
x = G(z), logit = d(G(z)) and grad = d logit / dz, the backward pass written with forward operators
(ops.py) so that the module exports to a forward-only ONNX graph."""
import numpy as np
import onnx
import torch
from onnx import numpy_helper

from ops import OPS, UnsupportedGraph, constant_value, node_label

KINKED = ("Relu", "LeakyRelu", "Elu")
PROBABILITY_CLIP = 1e-7  # as src/inference/round.ts converts probabilities to logits


class OnnxGraph:
    """One ONNX file as a list of ops (topological order, as ONNX requires) and its constants."""

    def __init__(self, path, role):
        self.file = path
        self.role = role
        model = onnx.load(path)
        g = model.graph
        self.consts = {i.name: numpy_helper.to_array(i) for i in g.initializer}
        self.inputs = [i.name for i in g.input if i.name not in self.consts]
        self.outputs = [o.name for o in g.output]
        self.ops = []
        for node in g.node:
            if node.domain not in ("", "ai.onnx"):
                self.fail(node, f"operators of domain '{node.domain}' are not supported")
            if node.op_type == "Constant":
                self.consts[node.output[0]] = constant_value(node)
                continue
            cls = OPS.get(node.op_type)
            if cls is None:
                self.fail(node, f"op type {node.op_type} is not supported (supported: {', '.join(sorted(OPS))})")
            self.ops.append(cls(node, self.consts, self.fail))

    def fail(self, node, why):
        raise UnsupportedGraph(f"{self.file} ({self.role}): {node_label(node)}: {why}")

    def dependents(self, seeds):
        """Names whose value depends on any of `seeds`."""
        dep = set(seeds)
        for op in self.ops:
            if any(i in dep for i in op.node.input if i):
                dep.update(o for o in op.node.output if o)
        return dep


class LatentGradient(torch.nn.Module):
    def __init__(self, g_path, d_path, discriminator_output="logit", label_name=None):
        super().__init__()
        self.G = OnnxGraph(g_path, "generator")
        self.D = OnnxGraph(d_path, "discriminator")
        self.label = label_name
        self.emit_sides = False
        for graph in (self.G, self.D):
            rest = [i for i in graph.inputs if i != label_name]
            if len(rest) != 1:
                raise UnsupportedGraph(f"{graph.file} ({graph.role}): expected one data input besides the label, found {rest}")
            if len(graph.outputs) != 1:
                raise UnsupportedGraph(f"{graph.file} ({graph.role}): expected one output, found {graph.outputs}")
            if label_name is not None and label_name not in graph.inputs:
                raise UnsupportedGraph(f"{graph.file} ({graph.role}): conditioning input '{label_name}' not found among {graph.inputs}")
        self.z_name = [i for i in self.G.inputs if i != label_name][0]
        self.x_name = [i for i in self.D.inputs if i != label_name][0]
        self.g_out, self.d_out = self.G.outputs[0], self.D.outputs[0]

        # A probability output: differentiate the logit. If D ends in a Sigmoid, its input is the
        # logit (exact); otherwise the clipped logit of the probability, as the server computes it.
        self.prob_transform = False
        if discriminator_output == "probability":
            last = [op for op in self.D.ops if self.d_out in op.node.output]
            if last and last[0].node.op_type == "Sigmoid":
                self.D.ops.remove(last[0])
                self.d_out = last[0].node.input[0]
            else:
                self.prob_transform = True
        elif discriminator_output != "logit":
            raise ValueError(f"discriminatorOutput must be 'logit' or 'probability', got {discriminator_output!r}")

        self.g_dep = self.G.dependents([self.z_name])
        self.d_dep = self.D.dependents([self.x_name])
        if self.g_out not in self.g_dep:
            raise UnsupportedGraph(f"{self.G.file}: the output does not depend on the latent input '{self.z_name}'")
        if self.d_out not in self.d_dep:
            raise UnsupportedGraph(f"{self.D.file}: the output does not depend on the data input '{self.x_name}'")

        # constants as buffers: .double() converts the floating ones for the float64 reference
        self._const_keys = {}
        for tag, graph in (("g", self.G), ("d", self.D)):
            for k, (name, arr) in enumerate(graph.consts.items()):
                key = f"{tag}_c{k}"
                arr = np.asarray(arr)
                t = torch.from_numpy(arr.copy()) if arr.dtype != np.float64 else torch.from_numpy(arr.astype(np.float32))
                self.register_buffer(key, t, persistent=False)
                self._const_keys[(tag, name)] = key

    def _pair(self, z, label, g_tape, d_tape, forced=None):
        """G then D on latents z (and the class, for a conditional pair): (x, D's raw output)."""
        feeds = {self.z_name: z}
        if self.label is not None:
            feeds[self.label] = label
        x = self._run("g", self.G, feeds, g_tape, forced)[self.g_out]
        dfeeds = {self.x_name: x}
        if self.label is not None:
            dfeeds[self.label] = label
        return x, self._run("d", self.D, dfeeds, d_tape, forced)[self.d_out]

    def _run(self, tag, graph, feeds, record, forced=None):
        env = dict(feeds)
        for op in graph.ops:
            ins = []
            for name in op.node.input:
                if name == "":
                    ins.append(None)
                elif name in env:
                    ins.append(env[name])
                else:
                    ins.append(getattr(self, self._const_keys[(tag, name)]))
            if forced is not None and op.node.op_type in KINKED:
                outs = [self._on_side(op, ins[0], forced)]
            else:
                outs = op.forward(ins)
            for name, v in zip(op.node.output, outs):
                if name:
                    env[name] = v
            if record is not None:
                record.append((op, ins, outs))
        return env

    @staticmethod
    def _backward(tape, dep, grads):
        for op, ins, outs in reversed(tape):
            names = [n for n in op.node.output]
            if not any(n in grads for n in names if n):
                continue
            gouts = [grads.get(n) for n in names]
            gouts = [g if g is not None else torch.zeros_like(o) for g, o in zip(gouts, outs)]
            need = [bool(n) and n in dep for n in op.node.input]
            gins = op.backward(ins, outs, gouts, need)
            for name, n, g in zip(op.node.input, need, gins):
                if n and g is not None:
                    grads[name] = grads[name] + g if name in grads else g
        return grads

    def _logit(self, raw):
        if self.prob_transform:
            p = raw.clamp(PROBABILITY_CLIP, 1 - PROBABILITY_CLIP)
            return torch.log(p) - torch.log1p(-p)
        return raw

    @staticmethod
    def _on_side(op, x, forced):
        """A kinked activation evaluated on the sides given in forced["sides"] (columns consumed in
        order): the linear piece another evaluation chose, differentiable by autograd."""
        width = int(np.prod(x.shape[1:]))
        side = forced["sides"][:, forced["at"] : forced["at"] + width].reshape(x.shape).to(x.dtype)
        forced["at"] += width
        if op.node.op_type == "Relu":
            return x * side
        if op.node.op_type == "LeakyRelu":
            return x * (side + (1 - side) * op.alpha)
        return side * x + (1 - side) * op.alpha * torch.expm1(x)

    def scores(self, z, label=None, sides=None):
        """Forward only: (x, logit). Differentiable by autograd (the reference). With `sides`
        (from kink_sides), every Relu/LeakyRelu/Elu stays on the given side of its kink."""
        forced = None if sides is None else {"sides": sides, "at": 0}
        x, raw = self._pair(z, label, None, None, forced)
        return x, self._logit(raw).reshape(-1, 1)

    def kink_sides(self, z, label=None):
        """Per row, which side of its kink every Relu/LeakyRelu/Elu input is on (bool [batch, units])."""
        g_tape, d_tape = [], []
        self._pair(z, label, g_tape, d_tape)
        sides = [ins[0].reshape(ins[0].shape[0], -1) > 0 for op, ins, _ in g_tape + d_tape if op.node.op_type in KINKED]
        return torch.cat(sides, 1) if sides else torch.zeros(z.shape[0], 0, dtype=torch.bool)

    def forward(self, z, label=None):
        g_tape, d_tape = [], []
        x, raw = self._pair(z, label, g_tape, d_tape)
        logit = self._logit(raw)
        if self.prob_transform:
            inside = ((raw > PROBABILITY_CLIP) & (raw < 1 - PROBABILITY_CLIP)).to(raw.dtype)
            seed = inside / (raw * (1 - raw)).clamp_min(PROBABILITY_CLIP)
        else:
            seed = torch.ones_like(raw)
        gx = self._backward(d_tape, self.d_dep, {self.d_out: seed})[self.x_name]
        grad = self._backward(g_tape, self.g_dep, {self.g_out: gx})[self.z_name]
        if self.emit_sides:  # the check's twin graph: which side of its kink each unit is on
            sides = [ins[0].flatten(1) > 0 for op, ins, _ in g_tape + d_tape if op.node.op_type in KINKED]
            return x, logit.reshape(-1, 1), grad, torch.cat(sides, 1).to(z.dtype)
        return x, logit.reshape(-1, 1), grad
