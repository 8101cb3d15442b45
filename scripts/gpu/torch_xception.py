#!/usr/bin/env python3
"""The network of an Xception.Compiler description (model.xcs.json) in PyTorch, with the weights of a
Keras 2 layout .h5 (the layout SyntheticWeights.WriteKeras2File and the mini fixtures use): checks its
output against reference outputs and times it, for scripts/gpu-check.sh.

Semantics follow Keras (TensorFlow backend): NHWC inputs, BatchNormalization in inference mode with the
description's epsilon (1e-3), 'same' padding with out = ceil(in / stride) and the odd pad cell at the
bottom/right (explicit F.pad where the padding is asymmetric; -inf for max pooling, so padding is never
selected). Numerics: fp32 with TF32 off for matmul and cuDNN. Memory format: channels_last.

  torch_xception.py --description model.xcs.json --weights W.h5 --images X.npy --expected Y.npy
                    [--ours Z.npy] [--device cuda] [--batches 1,32] [--runs 100] [--warmup 20]
                    [--compile default] [--compile-budget-s 300] [--out torch.json] [--label synthetic]
Without --batches (or with --batches '') it only checks. Exit code 1 when a check exceeds --tolerance.
"""
import argparse
import json
import math
import re
import sys
import time

import h5py
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def expand(layers):
    """Flattens { "repeat": n, "vars": {...}, "layers": [...] } blocks: {v} -> start + iteration."""
    out = []
    for layer in layers:
        if "repeat" not in layer:
            out.append(layer)
            continue
        for i in range(layer["repeat"]):
            values = {k: v + i for k, v in layer.get("vars", {}).items()}

            def sub(text):
                return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), text)

            for inner in expand(layer["layers"]):
                copy = dict(inner)
                copy["name"] = sub(copy["name"])
                if "inputs" in copy:
                    copy["inputs"] = [sub(n) for n in copy["inputs"]]
                out.append(copy)
    return out


def same_padding(size, kernel, stride):
    """TensorFlow 'same': (before, after, out) with the extra cell after."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2, out


def pads(layer, h, w, kh, kw, sh, sw):
    """(top, bottom, left, right, out_h, out_w) for the layer's padding."""
    if layer.get("padding", "valid") == "same":
        t, b, oh = same_padding(h, kh, sh)
        l, r, ow = same_padding(w, kw, sw)
        return t, b, l, r, oh, ow
    return 0, 0, 0, 0, (h - kh) // sh + 1, (w - kw) // sw + 1


class Pad(nn.Module):
    def __init__(self, t, b, l, r, value):
        super().__init__()
        self.p = (l, r, t, b)
        self.value = value

    def forward(self, x):
        return F.pad(x, self.p, value=self.value)


def spatial(layer, h, w, c, conv_factory, pad_value):
    """Wraps a conv/pool factory(padding) with TF 'same' padding: symmetric through the op, else F.pad."""
    kh, kw = layer.get("kernel", layer.get("pool", [1, 1]))
    sh, sw = layer.get("strides", [1, 1] if "kernel" in layer else layer.get("pool"))
    t, b, l, r, oh, ow = pads(layer, h, w, kh, kw, sh, sw)
    if t == b and l == r:
        return conv_factory((kh, kw), (sh, sw), (t, l)), oh, ow
    return nn.Sequential(Pad(t, b, l, r, pad_value), conv_factory((kh, kw), (sh, sw), (0, 0))), oh, ow


class Network(nn.Module):
    """Runs the description's layers in order; each reads the previous entry unless it names inputs."""

    def __init__(self, description, h5):
        super().__init__()
        layers = expand(description["layers"])
        self.steps = []  # (name, op, inputs, module key or None, extra)
        self.mods = nn.ModuleDict()
        shapes = {}
        previous = None
        for layer in layers:
            name, op = layer["name"], layer["op"]
            inputs = layer.get("inputs", [previous] if previous is not None else [])
            key = "m%d" % len(self.steps)
            extra = None
            if op == "input":
                h, w, c = layer["shape"]
                shapes[name] = (h, w, c)
                self.steps.append((name, op, [], None, None))
                self.input_name = name
                self.input_shape = (h, w, c)
                previous = name
                continue
            h, w, c = shapes[inputs[0]]
            weights = self.weights_of(h5, name)
            if op == "conv2d":
                filters, bias = layer["filters"], layer.get("use_bias", True)

                def make(k, s, p, c=c, filters=filters, bias=bias):
                    return nn.Conv2d(c, filters, k, stride=s, padding=p, bias=bias)

                mod, oh, ow = spatial(layer, h, w, c, make, 0.0)
                conv = mod if isinstance(mod, nn.Conv2d) else mod[1]
                conv.weight.data = torch.from_numpy(weights["kernel"].transpose(3, 2, 0, 1).copy())
                if bias:
                    conv.bias.data = torch.from_numpy(weights["bias"].copy())
                self.mods[key] = mod
                shapes[name] = (oh, ow, filters)
            elif op in ("separable_conv2d", "depthwise_conv2d"):
                if layer.get("depth_multiplier", 1) != 1:
                    raise ValueError("%s: depth_multiplier != 1 is not supported" % name)
                bias = layer.get("use_bias", True)

                def make(k, s, p, c=c):
                    return nn.Conv2d(c, c, k, stride=s, padding=p, groups=c, bias=False)

                mod, oh, ow = spatial(layer, h, w, c, make, 0.0)
                depthwise = mod if isinstance(mod, nn.Conv2d) else mod[1]
                depthwise.weight.data = torch.from_numpy(weights["depthwise_kernel"].transpose(2, 3, 0, 1).copy())
                if op == "separable_conv2d":
                    filters = layer["filters"]
                    pointwise = nn.Conv2d(c, filters, 1, bias=bias)
                    pointwise.weight.data = torch.from_numpy(weights["pointwise_kernel"].transpose(3, 2, 0, 1).copy())
                    if bias:
                        pointwise.bias.data = torch.from_numpy(weights["bias"].copy())
                    self.mods[key] = nn.Sequential(mod, pointwise)
                    shapes[name] = (oh, ow, filters)
                else:
                    if bias:
                        raise ValueError("%s: depthwise_conv2d with bias is not supported" % name)
                    self.mods[key] = mod
                    shapes[name] = (oh, ow, c)
            elif op == "batch_norm":
                bn = nn.BatchNorm2d(c, eps=layer.get("epsilon", 1e-3))
                bn.weight.data = torch.from_numpy(weights["gamma"].copy())
                bn.bias.data = torch.from_numpy(weights["beta"].copy())
                bn.running_mean.data = torch.from_numpy(weights["moving_mean"].copy())
                bn.running_var.data = torch.from_numpy(weights["moving_variance"].copy())
                self.mods[key] = bn
                shapes[name] = (h, w, c)
            elif op == "max_pool2d":

                def make(k, s, p):
                    return nn.MaxPool2d(k, stride=s, padding=p)

                mod, oh, ow = spatial(layer, h, w, c, make, float("-inf"))
                self.mods[key] = mod
                shapes[name] = (oh, ow, c)
            elif op in ("relu", "softmax", "add"):
                shapes[name] = (h, w, c)
            elif op in ("global_avg_pool", "global_max_pool"):
                shapes[name] = (1, 1, c)
                extra = "flat"
            elif op == "dense":
                units, bias = layer["units"], layer.get("use_bias", True)
                linear = nn.Linear(c, units, bias=bias)
                linear.weight.data = torch.from_numpy(weights["kernel"].T.copy())
                if bias:
                    linear.bias.data = torch.from_numpy(weights["bias"].copy())
                self.mods[key] = linear
                extra = layer.get("activation", "linear")
                shapes[name] = (1, 1, units)
            else:
                raise ValueError("%s: op '%s' is not supported" % (name, op))
            self.steps.append((name, op, inputs, key if key in self.mods else None, extra))
            previous = name
        self.output_name = previous
        self.output_shape = shapes[previous]

    @staticmethod
    def weights_of(h5, name):
        if name not in h5:
            return {}
        group = h5[name]
        out = {}
        for weight_name in group.attrs.get("weight_names", []):
            weight_name = weight_name.decode() if isinstance(weight_name, bytes) else str(weight_name)
            variable = weight_name.split("/")[-1].split(":")[0]
            out[variable] = np.asarray(group[weight_name], dtype=np.float32)
        return out

    def forward(self, x):
        values = {self.input_name: x}
        out = x
        for name, op, inputs, key, extra in self.steps:
            if op == "input":
                continue
            a = values[inputs[0]]
            if key is not None and op != "dense":
                out = self.mods[key](a)
            elif op == "relu":
                out = F.relu(a)
            elif op == "add":
                out = a
                for other in inputs[1:]:
                    out = out + values[other]
            elif op == "softmax":
                out = F.softmax(a, dim=1)
            elif op == "global_avg_pool":
                out = a.mean(dim=(2, 3))
            elif op == "global_max_pool":
                out = a.amax(dim=(2, 3))
            elif op == "dense":
                out = self.mods[key](a)
                if extra == "relu":
                    out = F.relu(out)
                elif extra == "softmax":
                    out = F.softmax(out, dim=1)
            values[name] = out
        if out.dim() == 4:
            out = out.permute(0, 2, 3, 1)  # back to NHWC, as the compiled class returns it
        return out


def percentile(values, q):
    return float(np.percentile(np.asarray(values), q * 100))


def timed(fn, warmup, runs, sync):
    for _ in range(warmup):
        fn()
    sync()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        sync()
        times.append((time.perf_counter() - start) * 1000.0)
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--description", required=True)
    parser.add_argument("--weights", required=True)
    parser.add_argument("--images", required=True)
    parser.add_argument("--expected", required=True)
    parser.add_argument("--ours", default=None, help="the compiled class's outputs for the same images")
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--batches", default="")
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--compile", default="default", help="comma-separated torch.compile modes ('' for none)")
    parser.add_argument("--compile-budget-s", type=float, default=300.0)
    parser.add_argument("--tolerance", type=float, default=1e-5)
    parser.add_argument("--label", default="")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    started = time.perf_counter()

    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    if hasattr(torch, "set_float32_matmul_precision"):
        torch.set_float32_matmul_precision("highest")
    torch.backends.cudnn.benchmark = True
    device = torch.device(args.device)

    with open(args.description) as f:
        description = json.load(f)
    with h5py.File(args.weights, "r") as h5:
        net = Network(description, h5)
    net = net.eval().to(device).to(memory_format=torch.channels_last)
    images = np.load(args.images).astype(np.float32)
    expected = np.load(args.expected).astype(np.float64)
    ours = np.load(args.ours).astype(np.float64) if args.ours else None
    h, w, c = net.input_shape

    def to_input(array):
        # NHWC numpy -> NCHW tensor with channels_last strides (no copy on the host).
        return torch.from_numpy(array).permute(0, 3, 1, 2).to(device)

    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    info = {
        "label": args.label,
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None,
        "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
        "precision": "fp32, TF32 off (matmul and cuDNN), cudnn.benchmark on, channels_last",
        "description": args.description,
        "weights": args.weights,
        "rows": [],
        "checks": [],
    }

    configs = [("torch eager", net)]
    modes = [m for m in args.compile.split(",") if m] if hasattr(torch, "compile") else []
    for mode in modes:
        configs.append(("torch compile(%s)" % mode, torch.compile(net, mode=mode, dynamic=False)))
    batches = [int(b) for b in args.batches.split(",") if b]
    failed = False

    def save():
        # After every check and row, so a run cut short by a timeout still leaves what it measured.
        if args.out:
            with open(args.out, "w") as f:
                json.dump(info, f, indent=2)

    save()
    with torch.inference_mode():
        for label, model in configs:
            if label != "torch eager" and time.perf_counter() - started > args.compile_budget_s:
                info["checks"].append({"name": label, "skipped": "compile budget of %.0f s spent" % args.compile_budget_s})
                save()
                continue
            try:
                t0 = time.perf_counter()
                out = model(to_input(images)).float().cpu().numpy().reshape(expected.shape).astype(np.float64)
                first_s = time.perf_counter() - t0
            except Exception as e:  # torch.compile may be unavailable (no Triton, old GPU, ...)
                info["checks"].append({"name": label, "error": "%s: %s" % (type(e).__name__, str(e)[:2000])})
                save()
                print("%s: failed: %s: %s" % (label, type(e).__name__, str(e).splitlines()[0] if str(e) else ""), flush=True)
                continue
            error = float(np.max(np.abs(out - expected)))
            check = {"name": label, "max_abs_error": error, "tolerance": args.tolerance, "passed": error <= args.tolerance,
                     "first_call_s": first_s}
            if ours is not None:
                check["max_abs_vs_xcs"] = float(np.max(np.abs(out - ours)))
            info["checks"].append(check)
            save()
            failed |= not check["passed"]
            print("%s %s%s: max abs error %.3e vs reference%s (first call %.1f s)" % (
                "PASS" if check["passed"] else "FAIL", label, " " + args.label if args.label else "", error,
                ", %.3e vs xcs" % check["max_abs_vs_xcs"] if ours is not None else "", first_s), flush=True)
            for batch in batches:
                if label != "torch eager" and time.perf_counter() - started > args.compile_budget_s:
                    break
                rng = np.random.default_rng(42)
                host = rng.uniform(-1, 1, size=(batch, h, w, c)).astype(np.float32)
                device_input = to_input(host)
                model(device_input)  # compiles for this batch size
                sync()
                host_ms = timed(lambda: model(to_input(host)).cpu(), args.warmup, args.runs, sync)
                device_ms = timed(lambda: model(device_input), args.warmup, args.runs, sync)
                median = percentile(host_ms, 0.5)
                row = {
                    "backend": label, "batch": batch, "warmup": args.warmup, "runs": args.runs,
                    "median_ms": median, "p10_ms": percentile(host_ms, 0.1), "p90_ms": percentile(host_ms, 0.9),
                    "images_per_s": batch * 1000.0 / median, "max_abs_error": error,
                    "measures": "host NHWC float32 -> device -> model -> host, synchronized",
                    "device_only_median_ms": percentile(device_ms, 0.5),
                    "device_only_p10_ms": percentile(device_ms, 0.1), "device_only_p90_ms": percentile(device_ms, 0.9),
                    "ms": [round(t, 4) for t in host_ms],
                }
                info["rows"].append(row)
                save()
                print("%s batch %d: median %.3f ms, p10 %.3f, p90 %.3f, %.1f images/s (device only: median %.3f ms)" % (
                    label, batch, median, row["p10_ms"], row["p90_ms"], row["images_per_s"], row["device_only_median_ms"]), flush=True)

    save()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
