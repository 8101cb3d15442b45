#!/usr/bin/python3
"""Keras Xception V1 in float64 numpy: the independent reference for the accuracy measurements.

    xception_reference.py WEIGHTS.h5 INPUT.npy OUT_PREFIX [--layers]

INPUT.npy is NHWC float32 or float64, already preprocessed (x/127.5 - 1). Writes
OUT_PREFIX_probabilities.npy and OUT_PREFIX_logits.npy (float64, shape (N, classes)) and, with
--layers, OUT_PREFIX_layers.npz: every layer's output for batch item 0 (float64, NHWC), keyed by
its Keras 2 layer name (block1_conv1, conv2d_1, add_1, avg_pool, predictions, ...), the names the
generated class's Trace reports.

Sources (nothing here is taken from this repository's C# code):
  * the graph: keras/applications/xception.py of Keras 2.0.8, statement by statement (entry flow,
    8 middle blocks, exit flow; residual 1x1 stride-2 'same' convolutions with BatchNormalization);
    the team's shared description of it is shared/fixtures/tools/xception_arch.py;
  * TF 'same' padding (tensorflow/core/framework/kernel_shape_util.cc): out = ceil(in/s),
    pad_total = max((out-1)*s + k - in, 0), pad_before = pad_total // 2, the extra cell after;
    max pooling never selects a pad (pads are -inf);
  * BatchNormalization in inference: gamma*(x-mean)/sqrt(var+1e-3) + beta, applied as Keras does,
    after the convolution, never folded (folding is what the engines under test do);
  * weight loading: Keras's load_weights walks the weighted layers; here each layer is found by
    name instead, so the order of the file does not matter: Keras 2 names (block1_conv1,
    conv2d_1, batch_normalization_1, ...) or the Keras 1 auto names of the official v0.4 files and
    of this project's synthetic files for the official table (convolution2d_N, batchnormalization_N,
    separableconvolution2d_N numbered per class in creation order, dense_2). A group's datasets are
    taken in its `weight_names` order: kernel; depthwise, pointwise; gamma, beta, mean, variance
    (Keras 1's `running_std` holds the variance); kernel, bias.
Validated against the mini fixtures' float64 expected outputs (Tests/Fixtures/mini_expected_*, within
3e-15: run with --self-check) and against every layer of mini_layers_item0.npz (float32, within 5.9e-8
of each tensor's largest value).
"""

import argparse
import os
import sys

import h5py
import numpy as np

BN_EPSILON = 1e-3


def _str(x):
    return x.decode("utf8") if isinstance(x, bytes) else str(x)


class Weights:
    """The datasets of a Keras weight file by layer, in each group's weight_names order."""

    K1_PREFIX = {"conv": "convolution2d", "sep": "separableconvolution2d", "bn": "batchnormalization"}

    def __init__(self, path):
        self.groups = {}
        with h5py.File(path, "r") as f:
            root = f["model_weights"] if "model_weights" in f and "layer_names" not in f.attrs else f
            for name in (_str(n) for n in root.attrs["layer_names"]):
                group = root[name]
                names = np.asarray(group.attrs.get("weight_names", [])).reshape(-1)
                if names.size:
                    self.groups[name] = [np.asarray(group[_str(w)], dtype=np.float64) for w in names]
        self.keras2 = "block1_conv1" in self.groups
        self.counters = {}

    def take(self, kind, keras2_name):
        if self.keras2:
            return self.groups[keras2_name]
        if kind == "dense":
            return self.groups["dense_2"]
        self.counters[kind] = self.counters.get(kind, 0) + 1
        return self.groups["%s_%d" % (self.K1_PREFIX[kind], self.counters[kind])]


def same_pads(size, k, s):
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return out, total // 2, total - total // 2


def windows(x, k, s, padding, fill):
    """Padded input and the (dy, dx) slices of a k x k window with stride s: [(dy, dx, view)]."""
    n, h, w, c = x.shape
    if padding == "same":
        oh, top, bottom = same_pads(h, k, s)
        ow, left, right = same_pads(w, k, s)
        x = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)), constant_values=fill)
    else:
        oh, ow = (h - k) // s + 1, (w - k) // s + 1
    return [(dy, dx, x[:, dy:dy + s * (oh - 1) + 1:s, dx:dx + s * (ow - 1) + 1:s, :])
            for dy in range(k) for dx in range(k)]


def conv2d(x, kernel, s, padding):
    k = kernel.shape[0]
    return sum(np.tensordot(v, kernel[dy, dx], axes=([3], [0])) for dy, dx, v in windows(x, k, s, padding, 0.0))


def depthwise(x, kernel):
    return sum(v * kernel[dy, dx, :, 0] for dy, dx, v in windows(x, 3, 1, "same", 0.0))


def max_pool(x):
    out = None
    for _, _, v in windows(x, 3, 2, "same", -np.inf):
        out = v.copy() if out is None else np.maximum(out, v)
    return out


def batch_norm(x, gamma, beta, mean, variance):
    return gamma * (x - mean) / np.sqrt(variance + BN_EPSILON) + beta


def relu(x):
    return np.maximum(x, 0.0)


def forward(weights, x, include_top=True, pooling=None):
    """Returns (output, logits or None, {keras2 layer name: output of batch item 0})."""
    layers = {}
    counters = {"add": 0, "conv2d": 0, "batch_normalization": 0}

    def keep(name, value):
        layers[name] = value[0]
        return value

    def auto(prefix):
        counters[prefix] += 1
        return "%s_%d" % (prefix, counters[prefix])

    def conv(x, name, s, padding):
        (kernel,) = weights.take("conv", name)
        return keep(name, conv2d(x, kernel, s, padding))

    def sep(x, name):
        dw, pw = weights.take("sep", name)
        return keep(name, np.tensordot(depthwise(x, dw), pw[0, 0], axes=([3], [0])))

    def bn(x, name):
        return keep(name, batch_norm(x, *weights.take("bn", name)))

    def act(x, name):
        return keep(name, relu(x))

    def pool(x, name):
        return keep(name, max_pool(x))

    def add(a, b):
        return keep(auto("add"), a + b)

    def residual_branch(x):
        r = conv(x, auto("conv2d"), 2, "same")
        return bn(r, auto("batch_normalization"))

    x = conv(x, "block1_conv1", 2, "valid")
    x = act(bn(x, "block1_conv1_bn"), "block1_conv1_act")
    x = conv(x, "block1_conv2", 1, "valid")
    x = act(bn(x, "block1_conv2_bn"), "block1_conv2_act")

    residual = residual_branch(x)
    x = sep(x, "block2_sepconv1")
    x = act(bn(x, "block2_sepconv1_bn"), "block2_sepconv2_act")
    x = bn(sep(x, "block2_sepconv2"), "block2_sepconv2_bn")
    x = add(pool(x, "block2_pool"), residual)

    for block in (3, 4):
        residual = residual_branch(x)
        p = "block%d" % block
        x = act(x, p + "_sepconv1_act")
        x = bn(sep(x, p + "_sepconv1"), p + "_sepconv1_bn")
        x = act(x, p + "_sepconv2_act")
        x = bn(sep(x, p + "_sepconv2"), p + "_sepconv2_bn")
        x = add(pool(x, p + "_pool"), residual)

    for block in range(5, 13):
        residual = x
        for j in (1, 2, 3):
            p = "block%d_sepconv%d" % (block, j)
            x = bn(sep(act(x, p + "_act"), p), p + "_bn")
        x = add(x, residual)

    residual = residual_branch(x)
    x = act(x, "block13_sepconv1_act")
    x = bn(sep(x, "block13_sepconv1"), "block13_sepconv1_bn")
    x = act(x, "block13_sepconv2_act")
    x = bn(sep(x, "block13_sepconv2"), "block13_sepconv2_bn")
    x = add(pool(x, "block13_pool"), residual)

    x = act(bn(sep(x, "block14_sepconv1"), "block14_sepconv1_bn"), "block14_sepconv1_act")
    x = act(bn(sep(x, "block14_sepconv2"), "block14_sepconv2_bn"), "block14_sepconv2_act")

    if include_top:
        x = keep("avg_pool", x.mean(axis=(1, 2)))
        kernel, bias = weights.take("dense", "predictions")
        logits = x @ kernel + bias
        layers["predictions_logits"] = logits[0]
        shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
        return keep("predictions", shifted / shifted.sum(axis=1, keepdims=True)), logits, layers
    if pooling == "avg":
        return x.mean(axis=(1, 2)), None, layers
    if pooling == "max":
        return x.max(axis=(1, 2)), None, layers
    return x, None, layers


def self_check(fixtures):
    """The mini fixtures' expected float64 outputs, reproduced to float64 rounding."""
    worst = 0.0
    for case in ("71x71_seed2", "75x79_seed6", "90x72_seed7", "299x299_seed5"):
        x = np.load(os.path.join(fixtures, "mini_input_%s.npy" % case)).astype(np.float64)
        for h5 in ("mini_xception_w0125_top10.h5", "mini_xception_w0125_top10_keras1.h5"):
            probabilities, logits, _ = forward(Weights(os.path.join(fixtures, h5)), x)
            expected = np.load(os.path.join(fixtures, "mini_expected_%s.npy" % case))
            expected_logits = np.load(os.path.join(fixtures, "mini_expected_%s_logits.npy" % case))
            error = max(np.abs(probabilities - expected).max(), np.abs(logits - expected_logits).max())
            print("%-14s %-36s max |difference| %.3e" % (case, h5, error))
            worst = max(worst, error)
    x = np.load(os.path.join(fixtures, "mini_input_90x72_seed7.npy")).astype(np.float64)
    for pooling in ("avg", "max", "none"):
        out, _, _ = forward(Weights(os.path.join(fixtures, "mini_xception_w0125_notop.h5")), x, False, pooling)
        error = np.abs(out - np.load(os.path.join(fixtures, "mini_expected_notop_%s_90x72_seed7.npy" % pooling))).max()
        print("notop %-8s max |difference| %.3e" % (pooling, error))
        worst = max(worst, error)
    return worst


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("weights", nargs="?")
    ap.add_argument("input", nargs="?")
    ap.add_argument("out_prefix", nargs="?")
    ap.add_argument("--layers", action="store_true", help="also write every layer's output for item 0")
    ap.add_argument("--self-check", metavar="FIXTURES", help="compare with the mini fixtures in FIXTURES and exit")
    a = ap.parse_args()
    if a.self_check:
        worst = self_check(a.self_check)
        print("worst %.3e" % worst)
        return 0 if worst <= 1e-12 else 1
    if not (a.weights and a.input and a.out_prefix):
        ap.error("WEIGHTS, INPUT and OUT_PREFIX are required")
    x = np.load(a.input).astype(np.float64)
    probabilities, logits, layers = forward(Weights(a.weights), x)
    np.save(a.out_prefix + "_probabilities.npy", probabilities)
    np.save(a.out_prefix + "_logits.npy", logits)
    if a.layers:
        np.savez(a.out_prefix + "_layers.npz", **layers)
    top = probabilities[0].argmax()
    print("wrote %s_{probabilities,logits}.npy: batch %d, item 0 top-1 class %d p=%.6f, logits std %.3f"
          % (a.out_prefix, x.shape[0], top, probabilities[0, top], logits[0].std()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
