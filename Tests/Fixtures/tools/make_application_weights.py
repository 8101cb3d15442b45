#!/usr/bin/python3
"""Write the Keras applications' official weight-file layouts with synthetic values, and their shape tables.

Keras cannot be installed here and the official files cannot be downloaded, so each application is
rebuilt from its source (keras/src/applications/<app>.py, same layer names, creation order, use_bias,
BatchNormalization center/scale) as a small layer graph, and its weight file is written with h5py in
the layout of Keras's legacy HDF5 saving (tf_keras/src/saving/legacy/hdf5_format.py
save_weights_to_hdf5_group; keras/src/legacy/saving/legacy_h5_format.py):
  root attribute  layer_names = [every layer of model.layers, weighted or not]
  one group per layer, attribute weight_names = [its variables in layer.weights order]
  one dataset per variable at <layer>/<weight_name>
Keras loads such a file BY ORDER (load_weights_from_hdf5_group): the k-th layer with weights of
model.layers takes the k-th weighted group. model.layers is the Functional order of
tf_keras/src/engine/functional.py _map_graph_network: layers sorted by depth (longest path to the
output, largest first), ties by the pre-order index of a depth-first walk from the output that visits
a node's inputs in call order. `keras_order` below is that algorithm.

What each file is (URL, hash) and which layout facts are verified or inferred: models/README.md.

Uses:
  make_application_weights.py shapes [--out models]            the *.shapes.json of every file (checked in)
  make_application_weights.py weights OUT [--app NAME] [--seed S]  the full-size .h5 files (large; not checked in)
  make_application_weights.py drafts [--out models]            the descriptions: models/<app>.xcs.json for the
                                                               compiled ones (ADOPTED), models/drafts/ for the rest
  make_application_weights.py mini-vgg OUT                     the reduced VGG16 fixture + float64 reference
  make_application_weights.py mini-apps OUT MODELS [--app NAME] the reduced ResNet50/MobileNetV2/MobileNet/DenseNet121/EfficientNetB0 fixtures
                                                               + float64 references, their descriptions in MODELS
  make_application_weights.py reference --app NAME W.h5 IN.npy OUT.npy   float64 outputs of a full-size file
  make_application_weights.py mini-inception OUT MODELS        the reduced InceptionV3 fixture, float64 reference, description
Every run asserts Keras's parameter counts and the number of layers with weights.

Run with Debian's /usr/bin/python3 (numpy 1.24, h5py 3.7).
"""

import argparse
import json
import math
import os
import sys

import h5py
import numpy as np


# ---------------------------------------------------------------------------------------------------
# A layer graph that knows what Keras needs to order and save it, and enough semantics to run VGG.
# ---------------------------------------------------------------------------------------------------

class Layer:
    def __init__(self, name, cls, inputs, weights, attrs):
        self.name = name
        self.cls = cls
        self.inputs = inputs          # names of the layers whose outputs this one reads, in call order
        self.weights = weights        # [(weight variable short name, shape, dtype)]
        self.attrs = attrs


class Graph:
    def __init__(self, name):
        self.name = name
        self.layers = {}
        self.created = []
        self.auto = {}

    def auto_name(self, prefix, start):
        """Keras's unnamed-layer names: Keras 2.0 starts at prefix_1, tf.keras 2.x at prefix, then prefix_1."""
        n = self.auto.get(prefix, start)
        self.auto[prefix] = n + 1
        return prefix if n == 0 else prefix + "_" + str(n)

    def add(self, name, cls, inputs, weights=(), **attrs):
        assert name not in self.layers, name
        layer = Layer(name, cls, list(inputs), list(weights), attrs)
        self.layers[name] = layer
        self.created.append(name)
        return name

    def keras_order(self, output):
        """tf_keras functional.py _map_graph_network: depth-sorted, ties by pre-order walk index."""
        indices = {}
        post = []
        finished = set()

        def walk(name):
            if name in finished:
                return
            if name not in indices:
                indices[name] = len(indices)
            for parent in self.layers[name].inputs:
                walk(parent)
            finished.add(name)
            post.append(name)

        sys.setrecursionlimit(10000)
        walk(output)
        depth = {}
        for name in reversed(post):
            d = depth.setdefault(name, 0)
            for parent in self.layers[name].inputs:
                depth[parent] = max(depth.get(parent, 0), d + 1)
        return sorted(post, key=lambda n: (-depth[n], indices[n]))


def conv_weights(kh, kw, cin, cout, use_bias):
    w = [("kernel", (kh, kw, cin, cout), "float32")]
    if use_bias:
        w.append(("bias", (cout,), "float32"))
    return w


def bn_weights(c, center=True, scale=True):
    # keras BatchNormalization.build: gamma (if scale), beta (if center), moving_mean, moving_variance.
    w = []
    if scale:
        w.append(("gamma", (c,), "float32"))
    if center:
        w.append(("beta", (c,), "float32"))
    w += [("moving_mean", (c,), "float32"), ("moving_variance", (c,), "float32")]
    return w


class Builder:
    """Functional-API-like helpers that track the channel count of every layer output."""

    def __init__(self, graph, channels):
        self.g = graph
        self.ch = {}
        self.hw = {}
        self.ch["input_1"] = channels

    def input(self, name, h, w, c):
        self.g.add(name, "InputLayer", [], shape=(h, w, c))
        self.ch[name] = c
        self.hw[name] = (h, w)
        return name

    def conv(self, x, name, filters, kernel, strides=1, padding="valid", use_bias=True, activation=None):
        kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
        self.g.add(name, "Conv2D", [x], conv_weights(kh, kw, self.ch[x], filters, use_bias),
                   filters=filters, kernel=(kh, kw), strides=strides, padding=padding, use_bias=use_bias,
                   activation=activation)
        self.ch[name] = filters
        return name

    def dwconv(self, x, name, kernel, strides=1, padding="valid"):
        self.g.add(name, "DepthwiseConv2D", [x], [("depthwise_kernel", (kernel, kernel, self.ch[x], 1), "float32")],
                   kernel=(kernel, kernel), strides=strides, padding=padding)
        self.ch[name] = self.ch[x]
        return name

    def bn(self, x, name, epsilon=1e-3, center=True, scale=True):
        self.g.add(name, "BatchNormalization", [x], bn_weights(self.ch[x], center, scale), epsilon=epsilon)
        self.ch[name] = self.ch[x]
        return name

    def dense(self, x, name, units, activation=None):
        self.g.add(name, "Dense", [x], [("kernel", (self.ch[x], units), "float32"), ("bias", (units,), "float32")],
                   units=units, activation=activation)
        self.ch[name] = units
        return name

    def op(self, x, name, cls, channels=None, **attrs):
        inputs = x if isinstance(x, list) else [x]
        self.g.add(name, cls, inputs, **attrs)
        self.ch[name] = channels if channels is not None else self.ch[inputs[0]]
        return name


# ---------------------------------------------------------------------------------------------------
# The applications, from keras/src/applications/*.py.
# ---------------------------------------------------------------------------------------------------

def vgg16(include_top=True, pooling=None, width=1, size=224, classes=1000):
    """keras/src/applications/vgg16.py; `width` divides every filter/unit count (the reduced test variant)."""
    g = Graph("vgg16")
    b = Builder(g, 3)
    x = b.input("input_1", size, size, 3)
    for block, (filters, convs) in enumerate([(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)], start=1):
        for i in range(1, convs + 1):
            x = b.conv(x, "block%d_conv%d" % (block, i), filters // width, 3, padding="same", activation="relu")
        x = b.op(x, "block%d_pool" % block, "MaxPooling2D", pool=2, strides=2)
    side = size // 32
    if include_top:
        x = b.op(x, "flatten", "Flatten", channels=side * side * b.ch[x])
        x = b.dense(x, "fc1", 4096 // width, "relu")
        x = b.dense(x, "fc2", 4096 // width, "relu")
        x = b.dense(x, "predictions", classes, "softmax")
    elif pooling == "avg":
        x = b.op(x, g.auto_name("global_average_pooling2d", 1), "GlobalAveragePooling2D")
    elif pooling == "max":
        x = b.op(x, g.auto_name("global_max_pooling2d", 1), "GlobalMaxPooling2D")
    return g, x


def resnet50(include_top=True, width=1, size=224, classes=1000):
    """keras/src/applications/resnet.py ResNet50: residual_block_v1, use_bias=True, BN epsilon 1.001e-5.
    `width` divides every filter count (the reduced test variant)."""
    g = Graph("resnet50")
    b = Builder(g, 3)
    x = b.input("input_1", size, size, 3)
    x = b.op(x, "conv1_pad", "ZeroPadding2D", padding=((3, 3), (3, 3)))
    x = b.conv(x, "conv1_conv", 64 // width, 7, strides=2)
    x = b.bn(x, "conv1_bn", 1.001e-5)
    x = b.op(x, "conv1_relu", "Activation", activation="relu")
    x = b.op(x, "pool1_pad", "ZeroPadding2D", padding=((1, 1), (1, 1)))
    x = b.op(x, "pool1_pool", "MaxPooling2D", pool=3, strides=2)

    def block(x, filters, stride, conv_shortcut, name):
        if conv_shortcut:
            s = b.conv(x, name + "_0_conv", 4 * filters, 1, strides=stride)
            s = b.bn(s, name + "_0_bn", 1.001e-5)
        else:
            s = x
        y = b.conv(x, name + "_1_conv", filters, 1, strides=stride)
        y = b.bn(y, name + "_1_bn", 1.001e-5)
        y = b.op(y, name + "_1_relu", "Activation", activation="relu")
        y = b.conv(y, name + "_2_conv", filters, 3, padding="same")
        y = b.bn(y, name + "_2_bn", 1.001e-5)
        y = b.op(y, name + "_2_relu", "Activation", activation="relu")
        y = b.conv(y, name + "_3_conv", 4 * filters, 1)
        y = b.bn(y, name + "_3_bn", 1.001e-5)
        y = b.op([s, y], name + "_add", "Add")
        return b.op(y, name + "_out", "Activation", activation="relu")

    for name, filters, blocks, stride in [("conv2", 64, 3, 1), ("conv3", 128, 4, 2), ("conv4", 256, 6, 2), ("conv5", 512, 3, 2)]:
        x = block(x, filters // width, stride, True, name + "_block1")
        for i in range(2, blocks + 1):
            x = block(x, filters // width, 1, False, name + "_block" + str(i))
    x = top(b, x, include_top, "avg_pool", "predictions", classes=classes)
    return g, x


def top(b, x, include_top, pool_name, dense_name, pooling="avg", classes=1000):
    if include_top:
        x = b.op(x, pool_name, "GlobalAveragePooling2D")
        return b.dense(x, dense_name, classes, "softmax")
    return x


def mobilenet(include_top=True, width=1, size=224, classes=1000):
    """keras/src/applications/mobilenet.py, alpha 1.0, depth_multiplier 1, 224: BN epsilon default 1e-3.
    `width` divides every filter count (the reduced test variant)."""
    g = Graph("mobilenet_1.00_224")
    b = Builder(g, 3)
    x = b.input("input_1", size, size, 3)
    x = b.conv(x, "conv1", 32 // width, 3, strides=2, padding="same", use_bias=False)
    x = b.bn(x, "conv1_bn")
    x = b.op(x, "conv1_relu", "ReLU", max_value=6.0)
    plan = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1), (512, 1), (512, 1),
            (512, 1), (1024, 2), (1024, 1)]
    for block_id, (filters, stride) in enumerate(plan, start=1):
        if stride != 1:
            x = b.op(x, "conv_pad_%d" % block_id, "ZeroPadding2D", padding=((0, 1), (0, 1)))
        x = b.dwconv(x, "conv_dw_%d" % block_id, 3, strides=stride, padding="same" if stride == 1 else "valid")
        x = b.bn(x, "conv_dw_%d_bn" % block_id)
        x = b.op(x, "conv_dw_%d_relu" % block_id, "ReLU", max_value=6.0)
        x = b.conv(x, "conv_pw_%d" % block_id, filters // width, 1, padding="same", use_bias=False)
        x = b.bn(x, "conv_pw_%d_bn" % block_id)
        x = b.op(x, "conv_pw_%d_relu" % block_id, "ReLU", max_value=6.0)
    if include_top:
        x = b.op(x, "global_average_pooling2d", "GlobalAveragePooling2D", keepdims=True)
        x = b.op(x, "dropout", "Dropout")
        x = b.conv(x, "conv_preds", classes, 1, padding="same")
        x = b.op(x, "reshape_2", "Reshape", target_shape=(classes,), channels=classes)
        x = b.op(x, "predictions", "Activation", activation="softmax")
    return g, x


def make_divisible(v, divisor=8, min_value=None):
    """mobilenet_v2.py _make_divisible (efficientnet.py round_filters is the same rule)."""
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def mobilenet_v2(include_top=True, width=1, size=224, classes=1000, alpha=1.0, pooling=None, name="mobilenetv2_1.00_224"):
    """keras/src/applications/mobilenet_v2.py, 224 by default: BN epsilon 1e-3, every conv without bias. `alpha`
    scales the filters as Keras does (_make_divisible(32 * alpha, 8) for the stem, _make_divisible(int(filters *
    alpha), 8) per block, 1280 last filters for alpha <= 1); `width` divides every filter count after Keras's
    rounding (the reduced test variant); `pooling` 'avg' without the top adds Keras's unnamed
    GlobalAveragePooling2D (tf.keras names it global_average_pooling2d)."""
    g = Graph(name)
    b = Builder(g, 3)
    x = b.input("input_1", size, size, 3)
    x = b.conv(x, "Conv1", make_divisible(32 * alpha, 8) // width, 3, strides=2, padding="same", use_bias=False)
    x = b.bn(x, "bn_Conv1")
    x = b.op(x, "Conv1_relu", "ReLU", max_value=6.0)
    plan = [(16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6), (64, 2, 6), (64, 1, 6), (64, 1, 6),
            (64, 1, 6), (96, 1, 6), (96, 1, 6), (96, 1, 6), (160, 2, 6), (160, 1, 6), (160, 1, 6), (320, 1, 6)]
    for block_id, (filters, stride, expansion) in enumerate(plan):
        inputs = x
        in_channels = b.ch[x]
        pointwise = make_divisible(int(filters * alpha), 8) // width
        prefix = "block_%d_" % block_id
        if block_id:
            x = b.conv(x, prefix + "expand", expansion * in_channels, 1, padding="same", use_bias=False)
            x = b.bn(x, prefix + "expand_BN")
            x = b.op(x, prefix + "expand_relu", "ReLU", max_value=6.0)
        else:
            prefix = "expanded_conv_"
        if stride == 2:
            x = b.op(x, prefix + "pad", "ZeroPadding2D", padding=((0, 1), (0, 1)))
        x = b.dwconv(x, prefix + "depthwise", 3, strides=stride, padding="same" if stride == 1 else "valid")
        x = b.bn(x, prefix + "depthwise_BN")
        x = b.op(x, prefix + "depthwise_relu", "ReLU", max_value=6.0)
        x = b.conv(x, prefix + "project", pointwise, 1, padding="same", use_bias=False)
        x = b.bn(x, prefix + "project_BN")
        if in_channels == pointwise and stride == 1:
            x = b.op([inputs, x], prefix + "add", "Add")
    last_filters = make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
    x = b.conv(x, "Conv_1", last_filters // width, 1, use_bias=False)
    x = b.bn(x, "Conv_1_bn")
    x = b.op(x, "out_relu", "ReLU", max_value=6.0)
    if not include_top and pooling == "avg":
        return g, b.op(x, "global_average_pooling2d", "GlobalAveragePooling2D")
    x = top(b, x, include_top, "global_average_pooling2d", "predictions", classes=classes)
    return g, x


def inception_v3(include_top=True, width=1, size=299, classes=1000):
    """keras/src/applications/inception_v3.py: conv2d_bn = Conv2D(use_bias=False) + BN(scale=False) + relu,
    the layers unnamed (Keras 2.0 auto names from _1: conv2d_1, batch_normalization_1, activation_1, ...).
    `width` divides every filter count (the reduced test variant)."""
    g = Graph("inception_v3")
    b = Builder(g, 3)
    x = b.input("input_1", size, size, 3)

    def cbn(x, filters, rows, cols, padding="same", strides=1):
        x = b.conv(x, g.auto_name("conv2d", 1), filters // width, (rows, cols), strides=strides, padding=padding, use_bias=False)
        x = b.bn(x, g.auto_name("batch_normalization", 1), scale=False)
        return b.op(x, g.auto_name("activation", 1), "Activation", activation="relu")

    def maxpool(x):
        return b.op(x, g.auto_name("max_pooling2d", 1), "MaxPooling2D", pool=3, strides=2)

    def avgpool(x):
        return b.op(x, g.auto_name("average_pooling2d", 1), "AveragePooling2D", pool=3, strides=1, padding="same")

    def concat(parts, name=None):
        return b.op(parts, name or g.auto_name("concatenate", 1), "Concatenate", channels=sum(b.ch[p] for p in parts))

    x = cbn(x, 32, 3, 3, strides=2, padding="valid")
    x = cbn(x, 32, 3, 3, padding="valid")
    x = cbn(x, 64, 3, 3)
    x = maxpool(x)
    x = cbn(x, 80, 1, 1, padding="valid")
    x = cbn(x, 192, 3, 3, padding="valid")
    x = maxpool(x)
    for i, pool_filters in enumerate([32, 64, 64]):
        b1 = cbn(x, 64, 1, 1)
        b5 = cbn(cbn(x, 48, 1, 1), 64, 5, 5)
        b3 = cbn(cbn(cbn(x, 64, 1, 1), 96, 3, 3), 96, 3, 3)
        bp = cbn(avgpool(x), pool_filters, 1, 1)
        x = concat([b1, b5, b3, bp], "mixed%d" % i)
    b3 = cbn(x, 384, 3, 3, strides=2, padding="valid")
    bd = cbn(cbn(cbn(x, 64, 1, 1), 96, 3, 3), 96, 3, 3, strides=2, padding="valid")
    x = concat([b3, bd, maxpool(x)], "mixed3")
    for i, f in enumerate([128, 160, 160, 192]):
        b1 = cbn(x, 192, 1, 1)
        b7 = cbn(cbn(cbn(x, f, 1, 1), f, 1, 7), 192, 7, 1)
        bd = cbn(cbn(cbn(cbn(cbn(x, f, 1, 1), f, 7, 1), f, 1, 7), f, 7, 1), 192, 1, 7)
        bp = cbn(avgpool(x), 192, 1, 1)
        x = concat([b1, b7, bd, bp], "mixed%d" % (4 + i))
    b3 = cbn(cbn(x, 192, 1, 1), 320, 3, 3, strides=2, padding="valid")
    b7 = cbn(cbn(cbn(cbn(x, 192, 1, 1), 192, 1, 7), 192, 7, 1), 192, 3, 3, strides=2, padding="valid")
    x = concat([b3, b7, maxpool(x)], "mixed8")
    for i in range(2):
        b1 = cbn(x, 320, 1, 1)
        b3 = cbn(x, 384, 1, 1)
        b3 = concat([cbn(b3, 384, 1, 3), cbn(b3, 384, 3, 1)], "mixed9_%d" % i)
        bd = cbn(cbn(x, 448, 1, 1), 384, 3, 3)
        bd = concat([cbn(bd, 384, 1, 3), cbn(bd, 384, 3, 1)])
        bp = cbn(avgpool(x), 192, 1, 1)
        x = concat([b1, b3, bd, bp], "mixed%d" % (9 + i))
    x = top(b, x, include_top, "avg_pool", "predictions", classes=classes)
    return g, x


def densenet121(include_top=True, width=1, size=224, classes=1000):
    """keras/src/applications/densenet.py DenseNet121: blocks [6, 12, 24, 16], growth 32, BN epsilon 1.001e-5.
    `width` divides the stem's filters, the growth rate and the bottleneck (the reduced test variant)."""
    g = Graph("densenet121")
    b = Builder(g, 3)
    x = b.input("input_1", size, size, 3)
    x = b.op(x, "zero_padding2d", "ZeroPadding2D", padding=((3, 3), (3, 3)))
    x = b.conv(x, "conv1_conv", 64 // width, 7, strides=2, use_bias=False)
    x = b.bn(x, "conv1_bn", 1.001e-5)
    x = b.op(x, "conv1_relu", "Activation", activation="relu")
    x = b.op(x, "zero_padding2d_1", "ZeroPadding2D", padding=((1, 1), (1, 1)))
    x = b.op(x, "pool1", "MaxPooling2D", pool=3, strides=2)
    for stage, blocks in enumerate([6, 12, 24, 16], start=2):
        for i in range(1, blocks + 1):
            name = "conv%d_block%d" % (stage, i)
            y = b.bn(x, name + "_0_bn", 1.001e-5)
            y = b.op(y, name + "_0_relu", "Activation", activation="relu")
            y = b.conv(y, name + "_1_conv", 128 // width, 1, use_bias=False)
            y = b.bn(y, name + "_1_bn", 1.001e-5)
            y = b.op(y, name + "_1_relu", "Activation", activation="relu")
            y = b.conv(y, name + "_2_conv", 32 // width, 3, padding="same", use_bias=False)
            x = b.op([x, y], name + "_concat", "Concatenate", channels=b.ch[x] + 32 // width)
        if stage < 5:
            name = "pool%d" % stage
            x = b.bn(x, name + "_bn", 1.001e-5)
            x = b.op(x, name + "_relu", "Activation", activation="relu")
            x = b.conv(x, name + "_conv", int(b.ch[x] * 0.5), 1, use_bias=False)
            x = b.op(x, name + "_pool", "AveragePooling2D", pool=2, strides=2)
    x = b.bn(x, "bn", 1.001e-5)
    x = b.op(x, "relu", "Activation", activation="relu")
    x = top(b, x, include_top, "avg_pool", "predictions", classes=classes)
    return g, x


EFFICIENTNET_B0_BLOCKS = [
    # kernel, repeats, filters_in, filters_out, expand_ratio, strides (se_ratio 0.25, id_skip everywhere)
    (3, 1, 32, 16, 1, 1), (3, 2, 16, 24, 6, 2), (5, 2, 24, 40, 6, 2), (3, 3, 40, 80, 6, 2),
    (5, 3, 80, 112, 6, 1), (5, 4, 112, 192, 6, 2), (3, 1, 192, 320, 6, 1),
]


def efficientnet_b0(include_top=True, width=1, size=224, classes=1000):
    """keras/src/applications/efficientnet.py EfficientNetB0 (width 1.0, depth 1.0, 224): Rescaling +
    Normalization stem (the Normalization layer holds mean, variance, count) + the Rescaling by 1/sqrt(stddev)
    that Keras adds with weights="imagenet", BN epsilon default 1e-3, SE convs with bias, every other conv
    without. `width` divides every filter count (the reduced variants)."""
    g = Graph("efficientnetb0")
    b = Builder(g, 3)

    def w(filters):
        return max(1, filters // width)

    x = b.input("input_1", size, size, 3)
    x = b.op(x, "rescaling", "Rescaling", scale=1.0 / 255.0)
    g.add("normalization", "Normalization", [x], axis=-1, weights=
          [("mean", (3,), "float32"), ("variance", (3,), "float32"), ("count", (), "int64")])
    b.ch["normalization"] = 3
    x = b.op("normalization", "rescaling_1", "Rescaling", scale=[1.0 / math.sqrt(s) for s in (0.229, 0.224, 0.225)])
    x = b.op(x, "stem_conv_pad", "ZeroPadding2D", padding=((0, 1), (0, 1)))
    x = b.conv(x, "stem_conv", w(32), 3, strides=2, use_bias=False)
    x = b.bn(x, "stem_bn")
    x = b.op(x, "stem_activation", "Activation", activation="swish")
    for i, (kernel, repeats, f_in, f_out, expand, strides) in enumerate(EFFICIENTNET_B0_BLOCKS):
        f_in, f_out = w(f_in), w(f_out)
        for j in range(repeats):
            if j > 0:
                strides, f_in = 1, f_out
            name = "block%d%s_" % (i + 1, chr(j + 97))
            inputs = x
            filters = f_in * expand
            if expand != 1:
                x = b.conv(x, name + "expand_conv", filters, 1, padding="same", use_bias=False)
                x = b.bn(x, name + "expand_bn")
                x = b.op(x, name + "expand_activation", "Activation", activation="swish")
            if strides == 2:
                x = b.op(x, name + "dwconv_pad", "ZeroPadding2D", padding=((kernel // 2 - 1, kernel // 2), (kernel // 2 - 1, kernel // 2)))
            x = b.dwconv(x, name + "dwconv", kernel, strides=strides, padding="valid" if strides == 2 else "same")
            x = b.bn(x, name + "bn")
            x = b.op(x, name + "activation", "Activation", activation="swish")
            se = b.op(x, name + "se_squeeze", "GlobalAveragePooling2D")
            se = b.op(se, name + "se_reshape", "Reshape", target_shape=(1, 1, filters))
            se = b.conv(se, name + "se_reduce", max(1, int(f_in * 0.25)), 1, padding="same", activation="swish")
            se = b.conv(se, name + "se_expand", filters, 1, padding="same", activation="sigmoid")
            x = b.op([x, se], name + "se_excite", "Multiply")
            x = b.conv(x, name + "project_conv", f_out, 1, padding="same", use_bias=False)
            x = b.bn(x, name + "project_bn")
            if strides == 1 and f_in == f_out:
                x = b.op(x, name + "drop", "Dropout")
                x = b.op([x, inputs], name + "add", "Add")
    x = b.conv(x, "top_conv", w(1280), 1, padding="same", use_bias=False)
    x = b.bn(x, "top_bn")
    x = b.op(x, "top_activation", "Activation", activation="swish")
    if include_top:
        x = b.op(x, "avg_pool", "GlobalAveragePooling2D")
        x = b.op(x, "top_dropout", "Dropout")
        x = b.dense(x, "predictions", classes, "softmax")
    return g, x


# ---------------------------------------------------------------------------------------------------
# The official files: which graph, file name, URL, hash, naming of datasets, Keras's figures.
# ---------------------------------------------------------------------------------------------------

GCS = "https://storage.googleapis.com/tensorflow/keras-applications/"

# name, builder, include_top, file name, URL, md5 (Keras get_file file_hash; None: Keras passes none),
# dataset naming ("keras1_W_1": <layer>/<layer>_W_1:0 as the 2016 VGG files; "keras2": <layer>/<layer>/<var>:0),
# parameters (Keras's applications table for the top model; for notop the sum of the layers kept),
# layers with weights.
APPLICATIONS = [
    ("vgg16", vgg16, True, "vgg16_weights_tf_dim_ordering_tf_kernels.h5",
     GCS + "vgg16/vgg16_weights_tf_dim_ordering_tf_kernels.h5", "64373286793e3c8b2b4e3219cbf3544b", "keras1_W_1", 138357544, 16),
    ("vgg16_notop", vgg16, False, "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
     GCS + "vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5", "6d6bbae143d832006294945121d1f1fc", "keras1_W_1", 14714688, 13),
    ("resnet50", resnet50, True, "resnet50_weights_tf_dim_ordering_tf_kernels.h5",
     GCS + "resnet/resnet50_weights_tf_dim_ordering_tf_kernels.h5", "2cb95161c43110f7111970584f804107", "keras2", 25636712, 107),
    ("resnet50_notop", resnet50, False, "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
     GCS + "resnet/resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5", "4d473c1dd8becc155b73f8504c6f6626", "keras2", 23587712, 106),
    ("mobilenet", mobilenet, True, "mobilenet_1_0_224_tf.h5",
     GCS + "mobilenet/mobilenet_1_0_224_tf.h5", None, "keras2", 4253864, 55),
    ("mobilenet_notop", mobilenet, False, "mobilenet_1_0_224_tf_no_top.h5",
     GCS + "mobilenet/mobilenet_1_0_224_tf_no_top.h5", None, "keras2", 3228864, 54),
    ("mobilenet_v2", mobilenet_v2, True, "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224.h5",
     GCS + "mobilenet_v2/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224.h5", None, "keras2", 3538984, 105),
    ("mobilenet_v2_notop", mobilenet_v2, False, "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5",
     GCS + "mobilenet_v2/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5", None, "keras2", 2257984, 104),
    ("inception_v3", inception_v3, True, "inception_v3_weights_tf_dim_ordering_tf_kernels.h5",
     GCS + "inception_v3/inception_v3_weights_tf_dim_ordering_tf_kernels.h5", "9a0d58056eeedaa3f26cb7ebd46da564", "keras2", 23851784, 189),
    ("inception_v3_notop", inception_v3, False, "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5",
     GCS + "inception_v3/inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5", "bcbd6486424b2319ff4ef7d526e38f63", "keras2", 21802784, 188),
    ("densenet121", densenet121, True, "densenet121_weights_tf_dim_ordering_tf_kernels.h5",
     GCS + "densenet/densenet121_weights_tf_dim_ordering_tf_kernels.h5", "9d60b8095a5708f2dcce2bca79d332c7", "keras2", 8062504, 242),
    ("densenet121_notop", densenet121, False, "densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5",
     GCS + "densenet/densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5", "30ee3e1110167f948a6b9946edeeb738", "keras2", 7037504, 241),
    ("efficientnetb0", efficientnet_b0, True, "efficientnetb0.h5",
     "https://storage.googleapis.com/keras-applications/efficientnetb0.h5", "902e53a9f72be733fc0bcb005b3ebbac", "keras2", 5330571, 132),
    ("efficientnetb0_notop", efficientnet_b0, False, "efficientnetb0_notop.h5",
     "https://storage.googleapis.com/keras-applications/efficientnetb0_notop.h5", "50bc09e76180e00e4465e1a485ddc09d", "keras2", 4049571, 131),
]


class Application:
    def __init__(self, row):
        (self.key, build, self.include_top, self.file_name, self.url, self.md5, self.naming,
         self.expected_params, self.expected_weighted) = row
        self.graph, self.output = build(include_top=self.include_top)
        self.order = self.graph.keras_order(self.output)
        self.weighted = [self.graph.layers[n] for n in self.order if self.graph.layers[n].weights]

    @property
    def params(self):
        return sum(int(np.prod(shape)) for layer in self.weighted for _, shape, _ in layer.weights)

    def weight_name(self, layer, variable):
        if self.naming == "keras1_W_1":
            return layer.name + {"kernel": "_W_1:0", "bias": "_b_1:0"}[variable]
        return layer.name + "/" + variable + ":0"

    def check(self):
        assert len(set(self.order)) == len(self.graph.created), (self.key, "layers not reachable from the output")
        assert self.params == self.expected_params, (self.key, "parameters", self.params, self.expected_params)
        if self.expected_weighted:
            assert len(self.weighted) == self.expected_weighted, (self.key, "weighted layers", len(self.weighted))

    def shapes_json(self):
        """The table ShapeTable.Extract + ToJson (Runtime/Weights/ShapeTable.cs) read from this file, byte for byte."""
        layout = "keras1" if self.naming == "keras1_W_1" else "keras2"
        lines = ["{", '  "format": "xcs-shapes/1",', '  "source": %s,' % json.dumps(self.file_name),
                 '  "layout": "%s",' % layout, '  "keras_version": null,', '  "backend": null,',
                 '  "layer_count": %d,' % len(self.order), '  "layers": [']
        for i, layer in enumerate(self.weighted):
            lines.append('    { "name": %s, "weights": [' % json.dumps(layer.name))
            for j, (variable, shape, dtype) in enumerate(layer.weights):
                path = layer.name + "/" + self.weight_name(layer, variable)
                lines.append('      { "path": %s, "shape": [%s], "dtype": "%s" }%s' % (
                    json.dumps(path), ", ".join(str(d) for d in shape), dtype, "," if j < len(layer.weights) - 1 else ""))
            lines.append("    ] }" + ("," if i < len(self.weighted) - 1 else ""))
        lines += ["  ]", "}"]
        return "\n".join(lines) + "\n"

    def shapes_file_name(self):
        return self.file_name[:-3] + ".shapes.json"


def gamma_range(key, layer_name):
    """BN near identity, except where residual sums would grow: the last BN of a ResNet branch and of a projection
    shortcut, and MobileNetV2's and EfficientNetB0's linear-bottleneck BN, get small gammas (as zero-init-gamma training does), so that
    the probabilities do not saturate and the features stay off ReLU6's clip."""
    if key.replace("mini_", "").startswith("resnet50"):
        if layer_name.endswith("_3_bn"):
            return 0.1, 0.3
        if layer_name.endswith("_0_bn"):
            return 0.3, 0.5
    if key.replace("mini_", "").startswith("mobilenet_v2") and layer_name.endswith("project_BN"):
        return 0.4, 0.6
    if key.replace("mini_", "").startswith("efficientnetb0") and layer_name.endswith("project_bn"):
        return 0.7, 0.9
    return 0.8, 1.2


def synthetic_values(rng, variable, shape, dtype, gamma=(0.8, 1.2)):
    """Small seeded values that keep activations in range through a deep ReLU network (He-scaled kernels,
    small biases, BN near identity, positive variances), so that outputs still depend on the input."""
    if dtype == "int64":
        return np.array(1000, dtype=np.int64)
    if variable in ("kernel", "depthwise_kernel"):
        fan_in = int(np.prod(shape[:-1])) if variable == "kernel" else int(shape[0] * shape[1])
        return (rng.standard_normal(shape) * math.sqrt(2.0 / max(fan_in, 1))).astype(np.float32)
    if variable in ("moving_variance", "variance"):
        return rng.uniform(0.5, 1.5, shape).astype(np.float32)
    if variable == "gamma":
        return rng.uniform(gamma[0], gamma[1], shape).astype(np.float32)
    return (rng.standard_normal(shape) * 0.02).astype(np.float32)


def write_weights(app, path, seed):
    """The legacy Keras HDF5 layout (hdf5_format.py save_weights_to_hdf5_group); returns {layer: [arrays]}."""
    rng = np.random.default_rng(seed)
    values = {}
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = np.array([n.encode("utf8") for n in app.order])
        for name in app.order:
            layer = app.graph.layers[name]
            group = f.create_group(name)
            names = [app.weight_name(layer, v) for v, _, _ in layer.weights]
            group.attrs["weight_names"] = np.array([n.encode("utf8") for n in names])
            values[name] = []
            for weight_name, (variable, shape, dtype) in zip(names, layer.weights):
                value = synthetic_values(rng, variable, shape, dtype, gamma_range(app.key, name))
                group.create_dataset(weight_name, data=value)
                values[name].append(value)
    return values


# ---------------------------------------------------------------------------------------------------
# A float64 interpreter of the layer graphs (Keras semantics), for the fixtures and the full-size checks.
# ---------------------------------------------------------------------------------------------------

def pad_amounts(size, kernel, stride, padding):
    """TensorFlow's padding of one spatial axis: (before, after, output size); 'same' puts the odd extra after."""
    if padding == "valid":
        return 0, 0, (size - kernel) // stride + 1
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2, out


def windows(x, kh, kw, strides, padding):
    """Yields (i, j, the input rows/columns that kernel tap (i, j) reads for every output pixel), zero-padded."""
    sh, sw = (strides, strides) if isinstance(strides, int) else strides
    top, bottom, oh = pad_amounts(x.shape[1], kh, sh, padding)
    left, right, ow = pad_amounts(x.shape[2], kw, sw, padding)
    p = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))
    for i in range(kh):
        for j in range(kw):
            yield i, j, p[:, i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw, :]


def activate(x, activation):
    if activation in (None, "linear"):
        return x
    if activation == "relu":
        return np.maximum(x, 0.0)
    if activation == "sigmoid":
        return 1.0 / (1.0 + np.exp(-x))
    if activation == "swish":
        return x / (1.0 + np.exp(-x))
    if activation == "softmax":
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    raise NotImplementedError(activation)


def run_graph(app, values, x, pooling=None, dtype=np.float64):
    """Every layer of app.order (a topological order) on NHWC input; `pooling` is the notop pooling. float64 is the
    reference; float32 shows how far plain float32 arithmetic lands from it (the rounding noise floor)."""
    g = app.graph
    out = {}
    for name in app.order:
        layer = g.layers[name]
        a = layer.attrs
        xs = [out[i] for i in layer.inputs]
        w = [v.astype(dtype) for v in values.get(name, [])]
        cls = layer.cls
        if cls == "InputLayer":
            y = x.astype(dtype)
        elif cls == "Conv2D":
            kh, kw = a["kernel"]
            y = 0.0
            for i, j, tap in windows(xs[0], kh, kw, a["strides"], a["padding"]):
                y = y + tap @ w[0][i, j]
            if a["use_bias"]:
                y = y + w[1]
            y = activate(y, a.get("activation"))
        elif cls == "DepthwiseConv2D":
            kh, kw = a["kernel"]
            y = 0.0
            for i, j, tap in windows(xs[0], kh, kw, a["strides"], a["padding"]):
                y = y + tap * w[0][i, j, :, 0]
        elif cls == "BatchNormalization":
            names = [v for v, _, _ in layer.weights]
            d = dict(zip(names, w))
            y = (xs[0] - d["moving_mean"]) / np.sqrt(d["moving_variance"] + a["epsilon"])
            y = y * d.get("gamma", 1.0) + d.get("beta", 0.0)
        elif cls == "ReLU":
            y = np.maximum(xs[0], 0.0)
            if a.get("max_value") is not None:
                y = np.minimum(y, a["max_value"])
        elif cls == "Activation":
            y = activate(xs[0], a["activation"])
        elif cls == "ZeroPadding2D":
            (t, bo), (le, r) = a["padding"]
            y = np.pad(xs[0], ((0, 0), (t, bo), (le, r), (0, 0)))
        elif cls in ("MaxPooling2D", "AveragePooling2D"):
            k = a.get("pool", 2)
            y = pool2d(xs[0], k, a.get("strides", k), a.get("padding", "valid"), average=cls == "AveragePooling2D")
        elif cls == "Concatenate":
            y = np.concatenate(xs, axis=-1)
        elif cls == "Add":
            y = sum(xs)
        elif cls == "Multiply":
            y = xs[0] * xs[1]
        elif cls == "Rescaling":
            y = xs[0] * np.asarray(a["scale"], dtype=dtype) + np.asarray(a.get("offset", 0.0), dtype=dtype)
        elif cls == "Normalization":
            # Keras: (x - mean) / max(sqrt(variance), epsilon 1e-7); count only matters to adapt().
            mean, variance = w[0], w[1]
            y = (xs[0] - mean) / np.maximum(np.sqrt(variance), 1e-7)
        elif cls == "Dropout":
            y = xs[0]
        elif cls == "Flatten":
            y = xs[0].reshape(xs[0].shape[0], -1)
        elif cls == "Reshape":
            y = xs[0].reshape((xs[0].shape[0],) + tuple(a["target_shape"]))
        elif cls == "Dense":
            y = activate(xs[0] @ w[0] + w[1], a.get("activation"))
        elif cls == "GlobalAveragePooling2D":
            y = xs[0].mean(axis=(1, 2), keepdims=bool(a.get("keepdims")))
        elif cls == "GlobalMaxPooling2D":
            y = xs[0].max(axis=(1, 2), keepdims=bool(a.get("keepdims")))
        else:
            raise NotImplementedError(cls)
        out[name] = y
    y = out[app.output]
    if pooling == "avg":
        y = y.mean(axis=(1, 2))
    elif pooling == "max":
        y = y.max(axis=(1, 2))
    return y


class MiniVgg(Application):
    """VGG16 with every filter and unit count divided by 16, 64x64 input, 10 classes, the official naming."""

    def __init__(self, include_top, pooling):
        self.key = "mini_vgg16"
        self.include_top = include_top
        self.file_name = "mini_vgg16_w16_64x64_top10.h5" if include_top else "mini_vgg16_w16_64x64_notop.h5"
        self.naming = "keras1_W_1"
        self.graph, self.output = vgg16(include_top=include_top, pooling=pooling, width=16, size=64, classes=10)
        self.order = self.graph.keras_order(self.output)
        self.weighted = [self.graph.layers[n] for n in self.order if self.graph.layers[n].weights]


def mini_vgg(out):
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(41)
    x = rng.uniform(-1.0, 1.0, (2, 64, 64, 3)).astype(np.float32)
    np.save(os.path.join(out, "mini_vgg16_input_64x64_seed41.npy"), x)
    for include_top, pooling, expected in [(True, None, "mini_vgg16_expected_64x64_seed41.npy"),
                                           (False, "avg", "mini_vgg16_expected_notop_avg_64x64_seed41.npy")]:
        app = MiniVgg(include_top, pooling)
        assert len(app.weighted) == (16 if include_top else 13)
        values = write_weights(app, os.path.join(out, app.file_name), seed=42)
        with open(os.path.join(out, app.shapes_file_name()), "w", newline="\n") as f:
            f.write(app.shapes_json())
        np.save(os.path.join(out, expected), run_graph(app, values, x.astype(np.float64)))


# ---------------------------------------------------------------------------------------------------
# The pooling InceptionV3 adds to run_graph's layers (Keras semantics).
# ---------------------------------------------------------------------------------------------------

def same_pads(size, k, stride):
    out = -(-size // stride)
    total = max((out - 1) * stride + k - size, 0)
    return out, total // 2, total - total // 2


def pool2d(x, k, stride, padding, average):
    """MaxPooling2D / AveragePooling2D: a 'same' pad is a cell that is not there (never the max, never counted)."""
    n, h, w, c = x.shape
    if padding == "same":
        (oh, top, _), (ow, left, _) = same_pads(h, k, stride), same_pads(w, k, stride)
    else:
        oh, ow, top, left = (h - k) // stride + 1, (w - k) // stride + 1, 0, 0
    out = np.zeros((n, oh, ow, c))
    for oy in range(oh):
        for ox in range(ow):
            y0, x0 = oy * stride - top, ox * stride - left
            window = x[:, max(y0, 0):min(y0 + k, h), max(x0, 0):min(x0 + k, w), :]
            out[:, oy, ox, :] = window.mean(axis=(1, 2)) if average else window.max(axis=(1, 2))
    return out


class MiniInception(Application):
    """InceptionV3 with every filter count divided by 16, a 75x75 input (Keras's minimum), 10 classes, the official naming."""

    def __init__(self):
        self.key = "mini_inception_v3"
        self.include_top = True
        self.file_name = "mini_inception_v3_w16_75x75_top10.h5"
        self.naming = "keras2"
        self.graph, self.output = inception_v3(include_top=True, width=16, size=75, classes=10)
        self.order = self.graph.keras_order(self.output)
        self.weighted = [self.graph.layers[n] for n in self.order if self.graph.layers[n].weights]


def language_layers(app):
    """draft_layers in the description language's op names (AveragePooling2D is 'avg_pool2d')."""
    entries = draft_layers(app)
    for e in entries:
        if e["op"] == "average_pool2d":
            e["op"] = "avg_pool2d"
    return entries


def mini_inception(out, models):
    os.makedirs(out, exist_ok=True)
    app = MiniInception()
    assert len(app.weighted) == 189
    rng = np.random.default_rng(51)
    x = rng.uniform(-1.0, 1.0, (2, 75, 75, 3)).astype(np.float32)
    np.save(os.path.join(out, "mini_inception_v3_input_75x75_seed51.npy"), x)
    values = write_weights(app, os.path.join(out, app.file_name), seed=52)
    with open(os.path.join(out, app.shapes_file_name()), "w", newline="\n") as f:
        f.write(app.shapes_json())
    np.save(os.path.join(out, "mini_inception_v3_expected_75x75_seed51.npy"), run_graph(app, values, x.astype(np.float64)))
    entries = language_layers(app)
    lines = ["{", '  "$schema": "../../model.xcs.schema.json",', '  "model": "MiniInceptionV3",',
             '  "namespace": "Xception.Compiler.Tests.Models",',
             '  "description": "models/inception_v3.xcs.json with every filter count divided by 16, 75x75x3 input, 10 classes.",',
             '  "weights": { "table": "../Fixtures/%s" },' % app.shapes_file_name(), '  "layers": [']
    for i, e in enumerate(entries):
        lines.append("    { " + ", ".join("%s: %s" % (json.dumps(k), json.dumps(v)) for k, v in e.items()) + " }"
                     + ("," if i < len(entries) - 1 else ""))
    lines += ["  ]", "}"]
    with open(os.path.join(models, "MiniInceptionV3.xcs.json"), "w", newline="\n") as f:
        f.write("\n".join(lines) + "\n")


DRAFTS = {
    # key: class name, preprocessing, summary
    "resnet50": ("ResNet50", "caffe", "Keras ResNet50 (keras/applications/resnet.py)"),
    "mobilenet": ("MobileNet", "tf", "Keras MobileNet, alpha 1.0, depth_multiplier 1 (keras/applications/mobilenet.py)"),
    "mobilenet_v2": ("MobileNetV2", "tf", "Keras MobileNetV2, alpha 1.0 (keras/applications/mobilenet_v2.py)"),
    "inception_v3": ("InceptionV3", "tf", "Keras InceptionV3 (keras/applications/inception_v3.py)"),
    "densenet121": ("DenseNet121", "torch", "Keras DenseNet121 (keras/applications/densenet.py)"),
    "efficientnetb0": ("EfficientNetB0", "none", "Keras EfficientNetB0 (keras/applications/efficientnet.py)"),
}


def draft_layers(app):
    """The application's layers as description entries, in creation order, in the description language (README's
    table): relu with max_value, activation layers and attributes, zero_padding2d, avg_pool2d, reshape,
    rescaling, normalization, batch_norm scale/center; concatenate and multiply are still being added.
    Dropout is left out (identity at inference)."""
    g = app.graph
    alias = {}
    entries = []
    previous = None

    def ref(name):
        while name in alias:
            name = alias[name]
        return name

    def emit(entry, inputs, resolve=True):
        nonlocal previous
        inputs = [ref(i) for i in inputs] if resolve else inputs
        e = {"name": entry.pop("name"), "op": entry.pop("op")}
        if inputs and (len(inputs) > 1 or inputs[0] != previous or e["op"] in ("add", "concatenate", "multiply")):
            e["inputs"] = inputs
        e.update(entry)
        entries.append(e)
        previous = e["name"]

    def pair(v):
        return list(v) if isinstance(v, tuple) else [v, v]

    for name in g.created:
        layer = g.layers[name]
        a = layer.attrs
        cls = layer.cls
        if cls == "InputLayer":
            emit({"name": name, "op": "input", "shape": list(a["shape"])}, [])
        elif cls == "Dropout":
            alias[name] = layer.inputs[0]
        elif cls == "Conv2D":
            entry = {"name": name, "op": "conv2d", "filters": a["filters"], "kernel": list(a["kernel"]),
                     "strides": pair(a["strides"]), "padding": a["padding"], "use_bias": a["use_bias"]}
            if a.get("activation"):
                entry["activation"] = a["activation"]
            emit(entry, layer.inputs)
        elif cls == "DepthwiseConv2D":
            emit({"name": name, "op": "depthwise_conv2d", "kernel": list(a["kernel"]), "strides": pair(a["strides"]),
                  "padding": a["padding"], "use_bias": False}, layer.inputs)
        elif cls == "BatchNormalization":
            entry = {"name": name, "op": "batch_norm", "epsilon": a["epsilon"]}
            variables = [w[0] for w in layer.weights]
            if "gamma" not in variables:
                entry["scale"] = False
            if "beta" not in variables:
                entry["center"] = False
            emit(entry, layer.inputs)
        elif cls == "ReLU":
            entry = {"name": name, "op": "relu"}
            if a.get("max_value") is not None:
                entry["max_value"] = a["max_value"]
            emit(entry, layer.inputs)
        elif cls == "Activation":
            if a["activation"] == "relu":
                emit({"name": name, "op": "relu"}, layer.inputs)
            else:
                emit({"name": name, "op": "activation", "activation": a["activation"]}, layer.inputs)
        elif cls in ("MaxPooling2D", "AveragePooling2D"):
            entry = {"name": name, "op": "max_pool2d" if cls == "MaxPooling2D" else "avg_pool2d",
                     "pool": pair(a.get("pool", 2)), "strides": pair(a.get("strides", a.get("pool", 2)))}
            if a.get("padding", "valid") != "valid":
                entry["padding"] = a["padding"]
            emit(entry, layer.inputs)
        elif cls == "ZeroPadding2D":
            emit({"name": name, "op": "zero_padding2d", "padding": [list(p) for p in a["padding"]]}, layer.inputs)
        elif cls in ("Add", "Concatenate", "Multiply"):
            emit({"name": name, "op": cls.lower()}, layer.inputs)
        elif cls == "GlobalAveragePooling2D":
            entry = {"name": name, "op": "global_avg_pool"}
            if a.get("keepdims"):
                entry["keepdims"] = True
            emit(entry, layer.inputs)
        elif cls == "Reshape":
            emit({"name": name, "op": "reshape", "target_shape": list(a["target_shape"])}, layer.inputs)
        elif cls == "Rescaling":
            emit({"name": name, "op": "rescaling", "scale": a["scale"]}, layer.inputs)
        elif cls == "Normalization":
            # axis -1 is the language's only (channel) axis; mean, variance and count are the file's weights.
            emit({"name": name, "op": "normalization"}, layer.inputs)
        elif cls == "Dense":
            entry = {"name": name, "op": "dense", "units": a["units"]}
            if a.get("activation"):
                entry["activation"] = a["activation"]
            emit(entry, layer.inputs)
        else:
            raise NotImplementedError(cls)
    if not app.include_top:
        emit({"name": "avg_pool", "op": "global_avg_pool"}, [previous])
    return entries


# The applications whose ops the language has: compiled from models/ (the others stay drafts in models/drafts/).
ADOPTED = ("resnet50", "mobilenet_v2", "mobilenet", "inception_v3", "densenet121", "efficientnetb0")


def description_text(app, class_name, summary, preprocessing, weights, schema, namespace=None):
    lines = ["{", '  "$schema": %s,' % json.dumps(schema), '  "model": %s,' % json.dumps(class_name)]
    if namespace:
        lines.append('  "namespace": %s,' % json.dumps(namespace))
    lines.append('  "description": %s,' % json.dumps(summary))
    if preprocessing:
        lines.append('  "preprocessing": %s,' % json.dumps(preprocessing))
    lines += ['  "weights": { %s },' % ", ".join("%s: %s" % (json.dumps(k), json.dumps(v)) for k, v in weights.items()),
              '  "layers": [']
    entries = draft_layers(app)
    for i, e in enumerate(entries):
        body = ", ".join("%s: %s" % (json.dumps(k), json.dumps(v)) for k, v in e.items())
        lines.append("    { " + body + " }" + ("," if i < len(entries) - 1 else ""))
    lines += ["  ]", "}"]
    return "\n".join(lines) + "\n"


def write_draft(app, models):
    """models/<app>.xcs.json for the adopted applications, models/drafts/<app>.xcs.json for the others."""
    base = app.key.replace("_notop", "")
    class_name, preprocessing, summary = DRAFTS[base]
    if not app.include_top:
        class_name += "Notop"
        summary += ": include_top=False, pooling='avg'."
    else:
        summary += ": include_top, 1000 ImageNet classes."
    adopted = base in ADOPTED
    up = "" if adopted else "../"
    weights = {"table": up + app.shapes_file_name(), "url": app.url}
    if app.md5:
        weights["md5"] = app.md5
    if not adopted:
        summary = "DRAFT, not compiled (ops being added). " + summary
    folder = models if adopted else os.path.join(models, "drafts")
    text = description_text(app, class_name, summary, preprocessing, weights, up + "../model.xcs.schema.json")
    with open(os.path.join(folder, app.key + ".xcs.json"), "w", newline="\n") as f:
        f.write(text)


# The reduced variants in the test suite: (builder, width divisor, class name), 64x64 input, 10 classes.
MINI_APPS = {
    "resnet50": (resnet50, 16, "MiniResNet50"),
    "mobilenet_v2": (mobilenet_v2, 8, "MiniMobileNetV2"),
    "mobilenet": (mobilenet, 8, "MiniMobileNet"),
    "densenet121": (densenet121, 8, "MiniDenseNet121"),
    "efficientnetb0": (efficientnet_b0, 8, "MiniEfficientNetB0"),
}
MINI_INPUT = "mini_apps_input_64x64_seed43.npy"
# EfficientNet rescales raw 0..255 pixels itself (preprocessing none), so its reduced variant gets pixels in that range.
MINI_RAW_INPUT = "mini_apps_input_raw_64x64_seed45.npy"
RAW_INPUT_APPS = ("efficientnetb0",)


class MiniApp(Application):
    def __init__(self, base, include_top):
        build, width, self.class_name = MINI_APPS[base]
        self.key = "mini_" + base
        self.width = width
        self.include_top = include_top
        self.file_name = "mini_%s_w%d_64x64_%s.h5" % (base, width, "top10" if include_top else "notop")
        self.naming = "keras2"
        self.graph, self.output = build(include_top=include_top, width=width, size=64, classes=10)
        self.order = self.graph.keras_order(self.output)
        self.weighted = [self.graph.layers[n] for n in self.order if self.graph.layers[n].weights]
        if not include_top:
            self.class_name += "NotopAvg"

    def expected_name(self):
        seed = 45 if self.key[5:] in RAW_INPUT_APPS else 43
        return "mini_%s_expected_%s64x64_seed%d.npy" % (self.key[5:], "" if self.include_top else "notop_avg_", seed)


def mini_apps(out, models, names):
    """The reduced fixtures (weights, shape tables, float64 expectations) and their descriptions in Tests/Models."""
    os.makedirs(out, exist_ok=True)
    x_signed = np.random.default_rng(43).uniform(-1.0, 1.0, (2, 64, 64, 3)).astype(np.float32)
    np.save(os.path.join(out, MINI_INPUT), x_signed)
    x_raw = np.random.default_rng(45).uniform(0.0, 255.0, (2, 64, 64, 3)).astype(np.float32)
    if any(base in RAW_INPUT_APPS for base in names):
        np.save(os.path.join(out, MINI_RAW_INPUT), x_raw)
    for base in names:
        x = x_raw if base in RAW_INPUT_APPS else x_signed
        for include_top in (True, False):
            app = MiniApp(base, include_top)
            full = Application(next(row for row in APPLICATIONS if row[0] == base + ("" if include_top else "_notop")))
            assert len(app.weighted) == len(full.weighted), (app.key, len(app.weighted))
            values = write_weights(app, os.path.join(out, app.file_name), seed=44)
            with open(os.path.join(out, app.shapes_file_name()), "w", newline="\n") as f:
                f.write(app.shapes_json())
            y = run_graph(app, values, x.astype(np.float64), pooling=None if include_top else "avg")
            np.save(os.path.join(out, app.expected_name()), y)
            summary = "models/%s.xcs.json with every filter count divided by %d, 64x64x3 input, %s." % (
                base + ("" if include_top else "_notop"), app.width, "10 classes" if include_top else "pooling avg")
            text = description_text(app, app.class_name, summary, None,
                                    {"table": "../Fixtures/" + app.shapes_file_name()}, "../../model.xcs.schema.json",
                                    namespace="Xception.Compiler.Tests.Models")
            with open(os.path.join(models, app.class_name + ".xcs.json"), "w", newline="\n") as f:
                f.write(text)
            print("%-22s %8d params, %s max %.4f" % (app.file_name, app.params, app.expected_name(), float(np.abs(y).max())))


def read_weights(app, path):
    """The arrays of every weighted layer of a file in the application's layout, by the layer names it records."""
    values = {}
    with h5py.File(path, "r") as f:
        for layer in app.weighted:
            group = f[layer.name]
            values[layer.name] = [np.array(group[n.decode("utf8") if isinstance(n, bytes) else n])
                                  for n in group.attrs["weight_names"]]
    return values


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    shapes = sub.add_parser("shapes")
    shapes.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "..", "..", "models"))
    weights = sub.add_parser("weights")
    weights.add_argument("out")
    weights.add_argument("--app", action="append")
    weights.add_argument("--seed", type=int, default=7)
    mini = sub.add_parser("mini-vgg")
    mini.add_argument("out")
    inception = sub.add_parser("mini-inception")
    inception.add_argument("out")
    inception.add_argument("models")
    drafts = sub.add_parser("drafts")
    drafts.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "..", "..", "models"))
    minis = sub.add_parser("mini-apps")
    minis.add_argument("out")
    minis.add_argument("models")
    minis.add_argument("--app", action="append", choices=sorted(MINI_APPS))
    reference = sub.add_parser("reference")
    reference.add_argument("--app", required=True, choices=[row[0] for row in APPLICATIONS])
    reference.add_argument("weights")
    reference.add_argument("input")
    reference.add_argument("output")
    args = parser.parse_args()

    if args.command == "reference":
        app = next(Application(row) for row in APPLICATIONS if row[0] == args.app)
        pooling = None if app.include_top else "avg"
        if app.key == "vgg16_notop":
            app.graph, app.output = vgg16(include_top=False, pooling="avg")
            app.order = app.graph.keras_order(app.output)
            pooling = None
        x = np.load(args.input).astype(np.float64)
        np.save(args.output, run_graph(app, read_weights(app, args.weights), x, pooling))
        return

    if args.command == "mini-apps":
        mini_apps(args.out, args.models, args.app or sorted(MINI_APPS))
        return

    if args.command == "mini-vgg":
        mini_vgg(args.out)
        return
    if args.command == "mini-inception":
        mini_inception(args.out, args.models)
        return
    apps = [Application(row) for row in APPLICATIONS]
    for app in apps:
        app.check()
        print("%-22s %11d params %4d weighted layers %4d layers" % (app.key, app.params, len(app.weighted), len(app.order)))
    if args.command == "drafts":
        os.makedirs(args.out, exist_ok=True)
        for app in apps:
            if not app.key.startswith("vgg16"):
                write_draft(app, args.out)
    elif args.command == "shapes":
        os.makedirs(args.out, exist_ok=True)
        for app in apps:
            with open(os.path.join(args.out, app.shapes_file_name()), "w", newline="\n") as f:
                f.write(app.shapes_json())
    else:
        os.makedirs(args.out, exist_ok=True)
        for app in apps:
            if args.app and app.key not in args.app:
                continue
            write_weights(app, os.path.join(args.out, app.file_name), args.seed)


if __name__ == "__main__":
    main()
