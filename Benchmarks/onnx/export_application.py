#!/usr/bin/python3
"""Export a Keras application's .h5 (the official layout) to an NHWC-input ONNX model for ONNX Runtime.

    export_application.py APP [--out DIR] [--weights W.h5] [--seed 7] [--input-seed 3] [--tool PATH] [--force]

APP is one of the top files of Tests/Fixtures/tools/make_application_weights.py (vgg16, resnet50, mobilenet,
mobilenet_v2, inception_v3, densenet121, efficientnetb0). DIR (default out/bench/APP) receives:
  <official file name>.h5     synthetic weights written by the tool (seed 7, as scripts/check_application.sh),
                              unless --weights names a file in that layout
  APP_nhwc.onnx               the network, input `input` (batch, H, W, 3) float32, output `probabilities`
  APP.json                    what the benchmarks read: input shape, classes, parameters, multiply-accumulates
  check_input.npy             one image (uniform in [-1, 1]; raw 0..255 for EfficientNetB0, which rescales itself)
  check_expected.npy          the tool's float64 run_graph on that image (`Benchmarks -- check --model APP`)

The ONNX graph is written node by node from the tool's layer graph rather than traced from a torch module (as
export_onnx.py does for Xception): the layer graph already is each application's Keras structure, the same one
the descriptions and the float64 reference come from, so no second model has to be written and kept in step
with it; TensorFlow's asymmetric 'same' pads go straight into the Conv/pool `pads` attribute; and it needs only
numpy and onnx. Every Keras layer becomes the ONNX node(s) ONNX Runtime would see from a converter: Conv (+
BatchNormalization nodes, which ONNX Runtime folds into a preceding Conv itself), Relu, Clip(0, 6), Sigmoid,
x*Sigmoid(x) for swish, Add, Concat, Mul (squeeze-and-excitation), MaxPool, AveragePool (count_include_pad 0,
as Keras), Pad, GlobalAveragePool, Gemm, Softmax, Mul/Sub/Div for Rescaling and Normalization. No preprocessing
is added: the compiled classes' Predict takes the network's input as it is.
"""

import argparse
import importlib.util
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEFAULT_TOOL = os.path.join(ROOT, "Tests", "Fixtures", "tools", "make_application_weights.py")
OPSET = 13


def load_tool(path):
    sys.dont_write_bytecode = True   # leave no __pycache__ beside the tool (it may be another checkout's)
    spec = importlib.util.spec_from_file_location("make_application_weights", path)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


def pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def axis_pads(tool, size, kernel, stride, padding):
    """(before, after, output size) of one spatial axis, by the tool's TensorFlow rule (odd extra after)."""
    return tool.pad_amounts(size, kernel, stride, padding)


class OnnxWriter:
    """Collects nodes and initializers; every layer output is an NCHW tensor named after the layer."""

    def __init__(self):
        self.nodes = []
        self.initializers = []
        self.count = 0

    def const(self, name, array):
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def node(self, op, inputs, output, **attrs):
        self.nodes.append(helper.make_node(op, inputs, [output], name=output, **attrs))
        return output

    def temp(self, base):
        self.count += 1
        return "%s__%d" % (base, self.count)

    def activation(self, x, activation, name):
        """Keras activation `activation` on x; the result is named `name`."""
        if activation in (None, "linear"):
            return self.node("Identity", [x], name)
        if activation == "relu":
            return self.node("Relu", [x], name)
        if activation == "sigmoid":
            return self.node("Sigmoid", [x], name)
        if activation == "swish":
            s = self.node("Sigmoid", [x], self.temp(name + "_sigmoid"))
            return self.node("Mul", [x, s], name)
        if activation == "softmax":
            return self.node("Softmax", [x], name, axis=-1)
        raise NotImplementedError("activation " + str(activation))


class Exporter:
    def __init__(self, tool, app, values):
        self.tool = tool
        self.app = app
        self.values = values
        self.w = OnnxWriter()
        self.shape = {}       # layer name -> Keras shape without the batch: (h, w, c) or (units,)
        self.macs = {"conv": 0, "depthwise": 0, "dense": 0}

    def run(self):
        g = self.app.graph
        for name in self.app.order:
            layer = g.layers[name]
            getattr(self, "layer_" + layer.cls)(layer, layer.attrs, [self.shape[i] for i in layer.inputs])
        return self.app.output

    # ---- one method per Keras layer class; each sets self.shape[layer.name] -------------------------------

    def layer_InputLayer(self, layer, a, shapes):
        self.shape[layer.name] = tuple(a["shape"])
        self.w.node("Transpose", ["input"], layer.name, perm=[0, 3, 1, 2])

    def conv_pads(self, shape, kernel, strides, padding):
        (kh, kw), (sh, sw) = kernel, pair(strides)
        top, bottom, oh = axis_pads(self.tool, shape[0], kh, sh, padding)
        left, right, ow = axis_pads(self.tool, shape[1], kw, sw, padding)
        return [top, left, bottom, right], (oh, ow), [sh, sw]

    def layer_Conv2D(self, layer, a, shapes):
        (h, w, cin), (kh, kw) = shapes[0], a["kernel"]
        pads, (oh, ow), strides = self.conv_pads(shapes[0], (kh, kw), a["strides"], a["padding"])
        values = self.values[layer.name]
        inputs = [layer.inputs[0], self.w.const(layer.name + "_W", values[0].astype(np.float32).transpose(3, 2, 0, 1))]
        if a["use_bias"]:
            inputs.append(self.w.const(layer.name + "_B", values[1].astype(np.float32)))
        out = layer.name if a.get("activation") in (None, "linear") else self.w.temp(layer.name + "_conv")
        self.w.node("Conv", inputs, out, kernel_shape=[kh, kw], strides=strides, pads=pads)
        if out != layer.name:
            self.w.activation(out, a["activation"], layer.name)
        self.shape[layer.name] = (oh, ow, a["filters"])
        self.macs["conv"] += oh * ow * kh * kw * cin * a["filters"]

    def layer_DepthwiseConv2D(self, layer, a, shapes):
        (h, w, c), (kh, kw) = shapes[0], a["kernel"]
        pads, (oh, ow), strides = self.conv_pads(shapes[0], (kh, kw), a["strides"], a["padding"])
        kernel = self.values[layer.name][0].astype(np.float32).transpose(2, 3, 0, 1)   # (c, 1, kh, kw)
        self.w.node("Conv", [layer.inputs[0], self.w.const(layer.name + "_W", kernel)], layer.name,
                    kernel_shape=[kh, kw], strides=strides, pads=pads, group=c)
        self.shape[layer.name] = (oh, ow, c)
        self.macs["depthwise"] += oh * ow * kh * kw * c

    def layer_BatchNormalization(self, layer, a, shapes):
        c = shapes[0][-1]
        d = dict(zip([v for v, _, _ in layer.weights], self.values[layer.name]))
        f = lambda key, default: self.w.const(layer.name + "_" + key, d.get(key, np.full(c, default)).astype(np.float32))
        self.w.node("BatchNormalization", [layer.inputs[0], f("gamma", 1.0), f("beta", 0.0), f("moving_mean", 0.0),
                                           f("moving_variance", 1.0)], layer.name, epsilon=float(a["epsilon"]))
        self.shape[layer.name] = shapes[0]

    def layer_ReLU(self, layer, a, shapes):
        if a.get("max_value") is None:
            self.w.node("Relu", [layer.inputs[0]], layer.name)
        else:
            low = self.w.const(layer.name + "_min", np.array(0.0, np.float32))
            high = self.w.const(layer.name + "_max", np.array(a["max_value"], np.float32))
            self.w.node("Clip", [layer.inputs[0], low, high], layer.name)
        self.shape[layer.name] = shapes[0]

    def layer_Activation(self, layer, a, shapes):
        self.w.activation(layer.inputs[0], a["activation"], layer.name)
        self.shape[layer.name] = shapes[0]

    def layer_ZeroPadding2D(self, layer, a, shapes):
        (t, b), (l, r) = a["padding"]
        pads = self.w.const(layer.name + "_pads", np.array([0, 0, t, l, 0, 0, b, r], np.int64))
        self.w.node("Pad", [layer.inputs[0], pads], layer.name, mode="constant")
        h, w, c = shapes[0]
        self.shape[layer.name] = (h + t + b, w + l + r, c)

    def pool(self, layer, a, shapes, op, **extra):
        k = pair(a.get("pool", 2))
        pads, (oh, ow), strides = self.conv_pads(shapes[0], k, a.get("strides", k), a.get("padding", "valid"))
        self.w.node(op, [layer.inputs[0]], layer.name, kernel_shape=list(k), strides=strides, pads=pads, **extra)
        self.shape[layer.name] = (oh, ow, shapes[0][2])

    def layer_MaxPooling2D(self, layer, a, shapes):
        self.pool(layer, a, shapes, "MaxPool")

    def layer_AveragePooling2D(self, layer, a, shapes):
        self.pool(layer, a, shapes, "AveragePool", count_include_pad=0)

    def layer_Concatenate(self, layer, a, shapes):
        self.w.node("Concat", list(layer.inputs), layer.name, axis=1)
        self.shape[layer.name] = shapes[0][:-1] + (sum(s[-1] for s in shapes),)

    def layer_Add(self, layer, a, shapes):
        x = layer.inputs[0]
        for i, other in enumerate(layer.inputs[1:], start=2):
            x = self.w.node("Add", [x, other], layer.name if i == len(layer.inputs) else self.w.temp(layer.name))
        self.shape[layer.name] = shapes[0]

    def layer_Multiply(self, layer, a, shapes):
        self.w.node("Mul", list(layer.inputs), layer.name)   # (N, C, H, W) * (N, C, 1, 1) broadcasts
        self.shape[layer.name] = max(shapes, key=len)

    def layer_Dropout(self, layer, a, shapes):
        self.w.node("Identity", [layer.inputs[0]], layer.name)
        self.shape[layer.name] = shapes[0]

    def global_pool(self, layer, a, shapes, op):
        keep = bool(a.get("keepdims"))
        out = layer.name if keep else self.w.temp(layer.name + "_pool")
        self.w.node(op, [layer.inputs[0]], out)
        if not keep:
            self.w.node("Flatten", [out], layer.name, axis=1)
        c = shapes[0][2]
        self.shape[layer.name] = (1, 1, c) if keep else (c,)

    def layer_GlobalAveragePooling2D(self, layer, a, shapes):
        self.global_pool(layer, a, shapes, "GlobalAveragePool")

    def layer_GlobalMaxPooling2D(self, layer, a, shapes):
        self.global_pool(layer, a, shapes, "GlobalMaxPool")

    def layer_Reshape(self, layer, a, shapes):
        # The only reshapes of the applications: (1, 1, C) <-> (C,); with C last in NHWC and first in NCHW the
        # NCHW tensors are (N, C, 1, 1) and (N, C), so Flatten / Reshape keep the channel order.
        target = tuple(a["target_shape"])
        if len(target) == 1:
            self.w.node("Flatten", [layer.inputs[0]], layer.name, axis=1)
        elif len(target) == 3 and target[:2] == (1, 1):
            shape = self.w.const(layer.name + "_shape", np.array([0, -1, 1, 1], np.int64))
            self.w.node("Reshape", [layer.inputs[0], shape], layer.name)
        else:
            raise NotImplementedError("Reshape to %s" % (target,))
        self.shape[layer.name] = target

    def layer_Flatten(self, layer, a, shapes):
        # Keras flattens channels-last: back to NHWC first.
        nhwc = self.w.node("Transpose", [layer.inputs[0]], self.w.temp(layer.name + "_nhwc"), perm=[0, 2, 3, 1])
        self.w.node("Flatten", [nhwc], layer.name, axis=1)
        self.shape[layer.name] = (int(np.prod(shapes[0])),)

    def layer_Dense(self, layer, a, shapes):
        kernel, bias = self.values[layer.name]
        out = layer.name if a.get("activation") in (None, "linear") else self.w.temp(layer.name + "_gemm")
        self.w.node("Gemm", [layer.inputs[0], self.w.const(layer.name + "_W", kernel.astype(np.float32)),
                             self.w.const(layer.name + "_B", bias.astype(np.float32))], out)
        if out != layer.name:
            self.w.activation(out, a["activation"], layer.name)
        self.shape[layer.name] = (a["units"],)
        self.macs["dense"] += kernel.shape[0] * kernel.shape[1]

    def channel_const(self, name, values, c):
        v = np.broadcast_to(np.asarray(values, np.float64), (c,)).astype(np.float32)
        return self.w.const(name, v.reshape(1, c, 1, 1))

    def layer_Rescaling(self, layer, a, shapes):
        c = shapes[0][-1]
        offset = a.get("offset", 0.0)
        out = layer.name if not np.any(offset) else self.w.temp(layer.name + "_scaled")
        self.w.node("Mul", [layer.inputs[0], self.channel_const(layer.name + "_scale", a["scale"], c)], out)
        if out != layer.name:
            self.w.node("Add", [out, self.channel_const(layer.name + "_offset", offset, c)], layer.name)
        self.shape[layer.name] = shapes[0]

    def layer_Normalization(self, layer, a, shapes):
        # Keras: (x - mean) / max(sqrt(variance), 1e-7); `count` only matters to adapt().
        c = shapes[0][-1]
        mean, variance = (np.asarray(v, np.float64) for v in self.values[layer.name][:2])
        centered = self.w.node("Sub", [layer.inputs[0], self.channel_const(layer.name + "_mean", mean, c)],
                               self.w.temp(layer.name + "_centered"))
        self.w.node("Div", [centered, self.channel_const(layer.name + "_std", np.maximum(np.sqrt(variance), 1e-7), c)],
                    layer.name)
        self.shape[layer.name] = shapes[0]


def export(tool, app, values, path):
    e = Exporter(tool, app, values)
    output = e.run()
    h, w, c = app.graph.layers[app.order[0]].attrs["shape"]
    classes = e.shape[output][0]
    e.w.node("Identity", [output], "probabilities")
    graph = helper.make_graph(
        e.w.nodes, app.key,
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", h, w, c])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", classes])],
        e.w.initializers)
    model = helper.make_model(graph, producer_name="xception-compiler export_application.py",
                              opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)
    ops = {}
    for n in e.w.nodes:
        ops[n.op_type] = ops.get(n.op_type, 0) + 1
    return (h, w, c), classes, e.macs, ops


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("app")
    parser.add_argument("--out")
    parser.add_argument("--weights")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--input-seed", type=int, default=3)
    parser.add_argument("--tool", default=DEFAULT_TOOL)
    parser.add_argument("--force", action="store_true", help="rewrite the weights, ONNX file and reference")
    args = parser.parse_args()

    tool = load_tool(args.tool)
    rows = {row[0]: row for row in tool.APPLICATIONS if row[2]}
    if args.app not in rows:
        sys.exit("error: unknown application '%s'; the top files of the tool: %s" % (args.app, ", ".join(rows)))
    app = tool.Application(rows[args.app])
    out = args.out or os.path.join(ROOT, "out", "bench", args.app)
    os.makedirs(out, exist_ok=True)

    weights = os.path.abspath(args.weights) if args.weights else os.path.join(out, app.file_name)
    if not args.weights and (args.force or not os.path.exists(weights)):
        tool.write_weights(app, weights, args.seed)
    values = tool.read_weights(app, weights)

    onnx_path = os.path.join(out, args.app + "_nhwc.onnx")
    (h, w, c), classes, macs, ops = export(tool, app, values, onnx_path)

    input_path, expected_path = os.path.join(out, "check_input.npy"), os.path.join(out, "check_expected.npy")
    reference = "made"
    if args.force or not os.path.exists(expected_path) or os.path.getmtime(expected_path) < os.path.getmtime(weights):
        rng = np.random.default_rng(args.input_seed)
        raw = any(layer.cls == "Rescaling" for layer in app.graph.layers.values())
        x = (rng.uniform(0.0, 255.0, (1, h, w, c)) if raw else rng.uniform(-1.0, 1.0, (1, h, w, c))).astype(np.float32)
        np.save(input_path, x)
        try:
            np.save(expected_path, tool.run_graph(app, values, x.astype(np.float64)))
        except NotImplementedError as e:
            # The tool's interpreter learns an application's ops with the branch that compiles it.
            reference = "not made: the tool's run_graph lacks %s" % e
            if os.path.exists(expected_path):
                os.remove(expected_path)
    else:
        reference = "kept"

    total = sum(macs.values())
    info = {
        "model": args.app, "weights": weights, "onnx": onnx_path, "input": [h, w, c], "classes": classes,
        "params": app.params, "weighted_layers": len(app.weighted), "macs": total, "macs_by_kind": macs,
        "check_input": input_path, "check_expected": expected_path if os.path.exists(expected_path) else None,
        "onnx_nodes": ops,
    }
    with open(os.path.join(out, args.app + ".json"), "w", newline="\n") as f:
        json.dump(info, f, indent=2)
        f.write("\n")
    print("%s: %d params, %d weighted layers, %.4f GMAC per image (conv %.4f, depthwise %.4f, dense %.4f), %dx%dx%d -> %d; "
          "onnx %s (%s); reference %s" % (
              args.app, app.params, len(app.weighted), total / 1e9, macs["conv"] / 1e9, macs["depthwise"] / 1e9,
              macs["dense"] / 1e9, h, w, c, classes, onnx_path,
              ", ".join("%d %s" % (n, op) for op, n in sorted(ops.items(), key=lambda kv: -kv[1])), reference))


if __name__ == "__main__":
    main()
