#!/usr/bin/python3
"""Keras Xception (.h5) -> PyTorch -> ONNX, for the ONNX Runtime side of the benchmarks.

Debian 12: apt-get install -y python3-torch python3-onnx python3-h5py python3-numpy
(torch 1.13, onnx 1.12; about 610 MB, under a minute). Run with /usr/bin/python3.

    export_onnx.py WEIGHTS.h5 OUT.onnx [--height 299 --width 299] [--opset 13]
        [--check-input X.npy --check-expected Y.npy --tolerance 1e-5] [--no-fold-bn]

Weights are read as Keras's load_weights reads them: by order. The file's root attribute
`layer_names` lists every layer; the ones whose group has a non-empty `weight_names` are the
weighted layers, in Keras's model.layers order, and each one's datasets are taken in
`weight_names` order (`group[name]` resolves both the Keras 2 names, `block1_conv1/kernel:0`,
and the Keras 1 names of the official files, `convolution2d_1_W:0`). Names are never used:
the k-th weighted layer of the file goes to the k-th weighted layer of Xception, and every
channel count (the filter width, the class count) comes from the dataset shapes, so the same
script builds the full model and the fixtures' mini model (filters x0.125, 10 classes).

BatchNormalization (gamma, beta, moving mean, moving variance; Keras 1's `running_std` holds the
variance) is folded into the preceding convolution in float64 and stored as float32 weight + bias:
    scale = gamma / sqrt(var + 1e-3); W' = W * scale (per output channel); b' = beta - mean * scale
With --no-fold-bn the graph keeps BatchNormalization nodes (ONNX Runtime folds them itself).

The graph takes NHWC float32 (preprocessed, x/127.5 - 1) like the generated C# class, and
transposes to NCHW inside the graph; batch is a dynamic axis. TF 'same' padding is reproduced:
pad_total = max((ceil(in/s)-1)*s + k - in, 0), the extra cell at the bottom/right; when the split
is asymmetric it is an explicit Pad (zeros for convolutions, -inf for max pooling).
"""

import argparse
import math
import sys

import h5py
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

BN_EPSILON = 1e-3


# --------------------------------------------------------------------------- weights

def _str(x):
    return x.decode("utf8") if isinstance(x, bytes) else str(x)


def read_keras_weights(path):
    """[(layer_name, [np.ndarray, ...]), ...] for the weighted layers, in Keras load order."""
    with h5py.File(path, "r") as f:
        root = f["model_weights"] if "model_weights" in f and "layer_names" not in f.attrs else f
        layers = []
        for name in (_str(n) for n in root.attrs["layer_names"]):
            group = root[name]
            names = group.attrs.get("weight_names", [])
            names = [_str(n) for n in np.asarray(names).reshape(-1)] if np.asarray(names).size else []
            if not names:
                continue
            layers.append((name, [np.asarray(group[w], dtype=np.float64) for w in names]))
        return layers


class WeightQueue:
    """Hands out the file's weighted layers in order and checks each one's kind by its shapes."""

    def __init__(self, layers):
        self._layers = layers
        self._next = 0

    def _take(self, what, check):
        if self._next >= len(self._layers):
            raise ValueError(f"the file has {len(self._layers)} weighted layers; Xception needs more ({what} is missing)")
        name, arrays = self._layers[self._next]
        if not check(arrays):
            shapes = ", ".join(str(a.shape) for a in arrays)
            raise ValueError(f"weighted layer #{self._next + 1} '{name}' has datasets {shapes}; Xception expects {what} here")
        self._next += 1
        return arrays

    def conv(self):
        (kernel, *bias) = self._take("a conv2d kernel (kh, kw, in, out) [+ bias (out)]",
                                     lambda a: len(a) in (1, 2) and a[0].ndim == 4
                                     and (len(a) == 1 or a[1].shape == (a[0].shape[3],)))
        return kernel, (bias[0] if bias else None)

    def separable(self):
        arrays = self._take("a separable conv2d (depthwise (kh, kw, in, 1), pointwise (1, 1, in, out))",
                            lambda a: len(a) in (2, 3) and a[0].ndim == 4 and a[0].shape[3] == 1
                            and a[1].ndim == 4 and a[1].shape[:2] == (1, 1) and a[1].shape[2] == a[0].shape[2])
        return arrays[0], arrays[1], (arrays[2] if len(arrays) == 3 else None)

    def batch_norm(self, channels):
        return self._take(f"a batch norm of {channels} channels (gamma, beta, mean, variance)",
                          lambda a: len(a) == 4 and all(x.shape == (channels,) for x in a))

    def dense(self):
        kernel, bias = self._take("a dense layer (kernel (in, units), bias (units))",
                                  lambda a: len(a) == 2 and a[0].ndim == 2 and a[1].shape == (a[0].shape[1],))
        return kernel, bias

    def done(self):
        if self._next != len(self._layers):
            raise ValueError(f"the file has {len(self._layers)} weighted layers; Xception used {self._next}")


def fold(kernel_oihw, bias, bn):
    """BN after a convolution, folded (float64): returns (weight, bias) as float32 numpy arrays."""
    gamma, beta, mean, var = bn
    scale = gamma / np.sqrt(var + BN_EPSILON)
    w = kernel_oihw * scale.reshape(-1, 1, 1, 1)
    b = beta - mean * scale + (bias * scale if bias is not None else 0.0)
    return w.astype(np.float32), b.astype(np.float32)


# --------------------------------------------------------------------------- modules

def same_pads(size, k, s):
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


class Conv(nn.Module):
    """Keras Conv2D (+ folded or explicit BN), with TF padding; OIHW weights."""

    def __init__(self, weight, bias, stride, padding, bn=None):
        super().__init__()
        self.k = weight.shape[2]
        self.stride = stride
        self.padding = padding
        self.groups = 1
        self.weight = nn.Parameter(torch.from_numpy(weight), requires_grad=False)
        self.bias = None if bias is None else nn.Parameter(torch.from_numpy(bias), requires_grad=False)
        self.bn = bn

    def forward(self, x):
        pad = 0
        if self.padding == "same":
            (t, b, l, r) = static_pads(self, x, self.k, self.stride)
            if t == b and l == r:
                pad = (t, l)
            else:
                x = F.pad(x, (l, r, t, b))
        x = F.conv2d(x, self.weight, self.bias, self.stride, pad, 1, self.groups)
        return self.bn(x) if self.bn is not None else x


def make_bn(params):
    gamma, beta, mean, var = params
    bn = nn.BatchNorm2d(gamma.shape[0], eps=BN_EPSILON)
    bn.weight.data = torch.from_numpy(gamma.astype(np.float32))
    bn.bias.data = torch.from_numpy(beta.astype(np.float32))
    bn.running_mean.data = torch.from_numpy(mean.astype(np.float32))
    bn.running_var.data = torch.from_numpy(var.astype(np.float32))
    return bn.eval()


def conv_bn(q, stride, padding, fold_bn):
    kernel, bias = q.conv()
    w = kernel.transpose(3, 2, 0, 1)  # (kh, kw, in, out) -> (out, in, kh, kw)
    bn = q.batch_norm(w.shape[0])
    if fold_bn:
        wf, bf = fold(w, bias, bn)
        return Conv(wf, bf, stride, padding)
    return Conv(w.astype(np.float32), None if bias is None else bias.astype(np.float32), stride, padding, make_bn(bn))


class SeparableBN(nn.Module):
    """Keras SeparableConv2D (3x3 depthwise, 1x1 pointwise, 'same', stride 1) + BN."""

    def __init__(self, q, fold_bn):
        super().__init__()
        depthwise, pointwise, bias = q.separable()
        dw = depthwise.transpose(2, 3, 0, 1)   # (kh, kw, in, 1) -> (in, 1, kh, kw)
        pw = pointwise.transpose(3, 2, 0, 1)   # (1, 1, in, out) -> (out, in, 1, 1)
        bn = q.batch_norm(pw.shape[0])
        self.depthwise = Conv(dw.astype(np.float32), None, 1, "same")
        self.depthwise.groups = dw.shape[0]
        if fold_bn:
            wf, bf = fold(pw, bias, bn)
            self.pointwise = Conv(wf, bf, 1, "valid")
        else:
            self.pointwise = Conv(pw.astype(np.float32), None if bias is None else bias.astype(np.float32), 1, "valid", make_bn(bn))
        self.out_channels = pw.shape[0]

    def forward(self, x):
        return self.pointwise(self.depthwise(x))


class MaxPoolSame(nn.Module):
    """Keras MaxPooling2D((3, 3), strides=(2, 2), padding='same')."""

    def forward(self, x, k=3, s=2):
        (t, b, l, r) = static_pads(self, x, k, s)
        if t == b and l == r and t <= k // 2 and l <= k // 2:
            return F.max_pool2d(x, k, s, (t, l))        # PyTorch pads max pooling with -inf
        x = F.pad(x, (l, r, t, b), value=float("-inf"))  # never selected, as in TF
        return F.max_pool2d(x, k, s)


def static_pads(module, x, k, s):
    """TF 'same' pads (top, bottom, left, right) as Python ints: computed in eager runs, and
    reused while tracing for export (so the ONNX graph has constant pads, not shape arithmetic)."""
    if torch.jit.is_tracing():
        return module.pads
    (t, b) = same_pads(int(x.shape[2]), k, s)
    (l, r) = same_pads(int(x.shape[3]), k, s)
    module.pads = (t, b, l, r)
    return module.pads


class Xception(nn.Module):
    """keras.applications.Xception (include_top=True), layers taken in Keras's order."""

    def __init__(self, layers, fold_bn=True):
        super().__init__()
        q = WeightQueue(layers)
        # Entry flow.
        self.block1_conv1 = conv_bn(q, 2, "valid", fold_bn)
        self.block1_conv2 = conv_bn(q, 1, "valid", fold_bn)
        self.entry = nn.ModuleList()
        for _ in range(3):                                           # blocks 2, 3, 4
            sep1 = SeparableBN(q, fold_bn)
            sep2 = SeparableBN(q, fold_bn)
            residual = conv_bn(q, 2, "same", fold_bn)                # conv2d_k + batch_normalization_k
            self.entry.append(nn.ModuleList([sep1, sep2, residual]))
        # Middle flow: blocks 5..12.
        self.middle = nn.ModuleList()
        for _ in range(8):
            self.middle.append(nn.ModuleList([SeparableBN(q, fold_bn) for _ in range(3)]))
        # Exit flow.
        self.block13_sepconv1 = SeparableBN(q, fold_bn)
        self.block13_sepconv2 = SeparableBN(q, fold_bn)
        self.block13_residual = conv_bn(q, 2, "same", fold_bn)
        self.block14_sepconv1 = SeparableBN(q, fold_bn)
        self.block14_sepconv2 = SeparableBN(q, fold_bn)
        self.pools = nn.ModuleList([MaxPoolSame() for _ in range(4)])
        kernel, bias = q.dense()
        q.done()
        self.predictions = nn.Linear(kernel.shape[0], kernel.shape[1])
        self.predictions.weight.data = torch.from_numpy(kernel.T.astype(np.float32).copy())
        self.predictions.bias.data = torch.from_numpy(bias.astype(np.float32))
        self.classes = kernel.shape[1]
        self.widths = [self.block1_conv1.weight.shape[0], self.block1_conv2.weight.shape[0]] + \
            [e[1].out_channels for e in self.entry] + [self.block13_sepconv2.out_channels,
                                                       self.block14_sepconv1.out_channels, self.block14_sepconv2.out_channels]

    def forward(self, x_nhwc):
        x = x_nhwc.permute(0, 3, 1, 2)                               # NHWC in, like the C# class
        x = F.relu(self.block1_conv1(x))
        x = F.relu(self.block1_conv2(x))
        for i, (sep1, sep2, residual_conv) in enumerate(self.entry):
            residual = residual_conv(x)
            if i > 0:                                                # block2 starts without a ReLU
                x = F.relu(x)
            x = sep1(x)
            x = sep2(F.relu(x))
            x = self.pools[i](x) + residual
        for block in self.middle:
            residual = x
            for sep in block:
                x = sep(F.relu(x))
            x = x + residual
        residual = self.block13_residual(x)
        x = self.block13_sepconv1(F.relu(x))
        x = self.block13_sepconv2(F.relu(x))
        x = self.pools[3](x) + residual
        x = F.relu(self.block14_sepconv1(x))
        x = F.relu(self.block14_sepconv2(x))
        x = x.mean(dim=(2, 3))
        return torch.softmax(self.predictions(x), dim=1)


# --------------------------------------------------------------------------- main

def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("weights")
    p.add_argument("output", nargs="?", help="ONNX file to write (omit to only check)")
    p.add_argument("--height", type=int, default=299)
    p.add_argument("--width", type=int, default=299)
    p.add_argument("--opset", type=int, default=13)
    p.add_argument("--no-fold-bn", action="store_true")
    p.add_argument("--check-input", help="NHWC float32 .npy to run through the PyTorch model")
    p.add_argument("--check-expected", help="expected probabilities .npy (compared within --tolerance)")
    p.add_argument("--tolerance", type=float, default=1e-5)
    p.add_argument("--threads", type=int, default=0)
    a = p.parse_args(argv)
    if a.threads:
        torch.set_num_threads(a.threads)

    layers = read_keras_weights(a.weights)
    with torch.no_grad():
        model = Xception(layers, fold_bn=not a.no_fold_bn).eval()
    print(f"{a.weights}: {len(layers)} weighted layers, widths {model.widths}, {model.classes} classes, "
          f"BN {'kept' if a.no_fold_bn else 'folded'}")

    status = 0
    if a.check_input:
        x = torch.from_numpy(np.load(a.check_input).astype(np.float32))
        if x.ndim == 3:
            x = x.unsqueeze(0)
        with torch.no_grad():
            y = model(x).numpy()
        if a.check_expected:
            expected = np.load(a.check_expected).reshape(y.shape)
            err = float(np.max(np.abs(y.astype(np.float64) - expected)))
            ok = err <= a.tolerance
            print(f"check: max |pytorch - expected| = {err:.3e} over {y.size} values "
                  f"({'within' if ok else 'OVER'} {a.tolerance:g})")
            status = 0 if ok else 1
        else:
            print(f"check: output {y.shape}, sum per item {y.sum(axis=1)}")

    if a.output:
        dummy = torch.zeros(1, a.height, a.width, 3, dtype=torch.float32)
        with torch.no_grad():
            model(dummy)  # eager run at the export size: fixes every 'same' pad as a constant
            torch.onnx.export(model, dummy, a.output, opset_version=a.opset,
                              input_names=["input"], output_names=["probabilities"],
                              dynamic_axes={"input": {0: "batch"}, "probabilities": {0: "batch"}},
                              do_constant_folding=True)
        import onnx
        m = onnx.load(a.output)
        onnx.checker.check_model(m)
        ops = {}
        for n in m.graph.node:
            ops[n.op_type] = ops.get(n.op_type, 0) + 1
        print(f"wrote {a.output}: opset {a.opset}, input NHWC (batch, {a.height}, {a.width}, 3), "
              f"nodes {dict(sorted(ops.items()))}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
