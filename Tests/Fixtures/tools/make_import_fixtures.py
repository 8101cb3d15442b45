#!/usr/bin/python3
"""Writes the fixtures of `xception import` (Tests/Fixtures/import/): Keras model files in the layouts
Keras itself writes, built with h5py, json and zipfile because Keras cannot be installed here, and a
float64 reference output for each.

    make_import_fixtures.py [--arch-dir DIR]

DIR holds the team's xception_arch.py (default /work/shared/fixtures/tools). Inputs: the mini Xception
base (width x0.125, no top) of Tests/Fixtures/mini_xception_w0125_notop.h5 and the 71x71 input
Tests/Fixtures/mini_input_71x71_seed2.npy. Outputs:

  transfer_tfkeras215.h5       (a) tf.keras 2.15 `model.save("x.h5")` of a transfer-learning model:
                               Input -> xception (the base, NESTED as one layer, called with
                               training=False, frozen) -> GlobalAveragePooling2D -> Dropout ->
                               Dense(5, softmax, with an L2 regularizer).
                               Layout: tf_keras/saving/legacy/hdf5_format.py save_model_to_hdf5 +
                               save_weights_to_hdf5_group (root attribute model_config, group
                               model_weights, layer_names in model.layers order, the nested model's
                               weight_names carrying the inner scopes, frozen base => layer order);
                               config: tf_keras/engine/functional.py get_network_config (list-form
                               inbound_nodes, node index 1 for the nested model's output,
                               batch_input_shape, Functional class name).
  transfer_tojson.json         (b') the same model's tf-keras 2.15 `model.to_json()`: adds module /
                               registered_name / build_config per layer (tf_keras/engine/training.py
                               _updated_config, base_layer.py get_config), nodes stay lists.
  transfer_keras3.keras        (b) the same model saved by Keras 3.6: a stored zip of metadata.json,
                               config.json and model.weights.h5 (keras/src/saving/saving_lib.py
                               _save_model_to_fileobj). config.json follows
                               keras/src/saving/serialization_lib.py serialize_keras_object (module,
                               class_name, registered_name, DTypePolicy dicts) and
                               keras/src/models/functional.py get_config / serialize_node (dict-form
                               inbound nodes with keras_history, the nested base's output referenced
                               as node 0, input/output_layers as bare triples, batch_shape). The
                               weights follow saving_lib._save_container_state:
                               layers/<snake class>[_N]/vars/<i>, nested model under
                               layers/functional/layers/..., ordinals per container.
  transfer_flat_weights.h5     the same weights as a flat Keras 2 `save_weights` file (one group per
                               inner layer, Keras 2 names: keras/engine/topology.py
                               save_weights_to_hdf5_group), in the flattened layer order: what the
                               current ShapeTable and weight loader read.
  transfer_expected.npy        float64 probabilities (2, 5) for Tests/Fixtures/mini_input_71x71_seed2.npy
  sequential_keras208.h5       (c) a Keras 2.0.8 `Sequential.save`: model_config whose config is a
                               BARE LIST (keras/models.py Sequential.get_config before 2.2.3), the
                               first layer carrying batch_input_shape, no InputLayer entry; weights
                               in model_weights, layer_names without the input (keras/models.py
                               save_model, keras/engine/topology.py save_weights_to_hdf5_group).
                               Conv2D(8, 3x3, stride 2, relu, bias) -> BatchNormalization ->
                               SeparableConv2D(16, same, bias) -> Activation(relu) ->
                               MaxPooling2D(3, 2, same) -> GlobalAveragePooling2D -> Dropout ->
                               Dense(5) -> Activation(softmax).
  sequential_input.npy         (2, 32, 32, 3) float32
  sequential_expected.npy      float64 probabilities (2, 5)
  binary_tfkeras215.h5         (d) a tf.keras 2.15 `Sequential.save("x.h5")` of a binary classifier:
                               Input(24, 24, 3) -> Conv2D(6, 3x3, stride 2, relu, bias) ->
                               GlobalAveragePooling2D -> Dense(1, sigmoid). The config is the dict form
                               (tf_keras/engine/sequential.py get_config: name + layers, the InputLayer
                               first); layer_names omit the InputLayer, as Sequential.layers does
                               (tf_keras/saving/legacy/hdf5_format.py save_weights_to_hdf5_group).
                               Its own generator (seed 13), so the fixtures above do not move.
  binary_input.npy             (3, 24, 24, 3) float32
  binary_expected.npy          float64 probabilities (3, 1)
  flatten_keras208.h5          (c, the Flatten head) a Keras 2.0.8 `Sequential.save`, laid out as
                               sequential_keras208.h5: Conv2D(4, 3x3, stride 2, valid, bias) ->
                               Activation(relu) -> MaxPooling2D(3, 2, same) -> Flatten -> Dense(3) ->
                               Activation(softmax). Flatten's config is the base Layer's (name,
                               trainable: keras/layers/core.py Flatten in 2.0.8 adds nothing); channels_last
                               Flatten is a row-major reshape of (H, W, C). Its own generator (seed 14).
  flatten_input.npy            (2, 12, 12, 3) float32
  flatten_expected.npy         float64 probabilities (2, 3)
  rescaling_tfkeras215.h5      (e) a tf.keras 2.15 `Sequential.save("x.h5")` of a model that carries its
                               own preprocessing and takes raw 0-255 pixels: Input(20, 20, 3) ->
                               Rescaling(1/127.5, offset=-1) -> Conv2D(6, 3x3, stride 2, valid, relu) ->
                               GlobalAveragePooling2D -> Dense(4, softmax). Rescaling's config is
                               scale/offset (keras/layers/preprocessing/image_preprocessing.py Rescaling
                               .get_config, tf.keras 2.x; it computes inputs * scale + offset) and it has
                               no weights (an empty weight_names group). Own generator (seed 15).
  rescaling_input.npy          (2, 20, 20, 3) float32 integers 0..255
  rescaling_expected.npy       float64 probabilities (2, 4)
  grayscale_tfkeras215.h5      a 1-channel tf.keras 2.15 Sequential: Input(16, 16, 1) -> Normalization
                               (adapted: weights mean (1,), variance (1,) and the int64 scalar count, as
                               keras/layers/preprocessing/normalization.py build() adds them; y = (x - mean) /
                               max(sqrt(variance), 1e-7) in call()) -> Conv2D(4, 3x3, same, relu) ->
                               MaxPooling2D(3, 2, same) -> GlobalAveragePooling2D(keepdims=True) ->
                               Reshape((4,)) -> Dense(3, softmax). Own generator (seed 16).
  grayscale_keras3.keras       the same model and weights saved by Keras 3.6 (a Sequential .keras; see
                               write_keras3_sequential): the Normalization's vars 0, 1, 2 are mean, variance, count.
  grayscale_input.npy          (2, 16, 16, 1) float32 integers 0..255
  grayscale_expected.npy       float64 probabilities (2, 3)
  rgba_tfkeras215.h5           a 4-channel tf.keras 2.15 Sequential: Input(10, 12, 4) -> Normalization with
                               mean and variance in its config (no weights; get_config writes them as
                               lists) -> Conv2D(5, 3x3, valid, relu) -> Reshape((-1,)) -> Dense(3, softmax).
                               Own generator (seed 17).
  rgba_input.npy               (3, 10, 12, 4) float32 integers 0..255
  rgba_expected.npy            float64 probabilities (3, 3)
  padpool_tfkeras215.h5        (issue 13 layers) a tf.keras 2.15 functional `model.save("x.h5")`, laid out as
                               transfer_tfkeras215.h5 without nesting: Input(17, 17, 3) ->
                               ZeroPadding2D(3) -> Conv2D(8, 7x7, stride 2, valid, no bias) ->
                               BatchNormalization(scale=False) -> Activation(relu) -> ZeroPadding2D(((1, 1), (1, 1)))
                               -> MaxPooling2D(3, 2) (ResNet50's stem) -> Conv2D(6, 1x7, same, no bias) ->
                               BatchNormalization(scale=False) -> Activation(relu) -> Conv2D(6, 7x1, same, bias, relu)
                               -> AveragePooling2D(3, 1, same) -> ZeroPadding2D(((0, 1), (1, 0))) ->
                               AveragePooling2D(2, 2, valid) -> GlobalAveragePooling2D -> Dense(4, softmax).
                               ZeroPadding2D.get_config writes padding as ((top, bottom), (left, right))
                               (tf_keras/layers/reshaping/zero_padding2d.py); AveragePooling2D's config is
                               Pooling2D.get_config (tf_keras/layers/pooling/base_pooling2d.py: pool_size, padding,
                               strides, data_format). BatchNormalizationBase.build creates gamma only when scale and
                               beta only when center (tf_keras/layers/normalization/batch_normalization.py), so with
                               scale=False the layer saves beta, moving_mean, moving_variance (trainable weights
                               first, then the non-trainable: hdf5_format.py save_weights_to_hdf5_group via
                               _legacy_weights). The reference pads explicitly; 'same' average pooling divides by
                               the cells inside the input only, as TF's AvgPool does (tensorflow/tensorflow issues
                               45579 and 60509 show Keras's AveragePooling2D(padding='same') doing so), while the
                               zeros of a ZeroPadding2D count and may win a max. Its own generator (seed 15).
  padpool_input.npy            (2, 17, 17, 3) float32
  padpool_expected.npy         float64 probabilities (2, 4)
  activations_tfkeras215.h5    (activations) a tf.keras 2.15 functional `model.save("x.h5")` (list-form
                               inbound_nodes, laid out as binary_tfkeras215.h5) using every kind of
                               activation: Conv2D(8, swish) -> BatchNormalization -> ReLU(max_value=6) ->
                               SeparableConv2D(12, elu) -> LeakyReLU(alpha=0.1) [read twice] ->
                               DepthwiseConv2D(tanh) -> Add(with the LeakyReLU) -> ELU(alpha=0.5) ->
                               Activation(hard_sigmoid) -> Conv2D(6, 1x1) -> Activation(sigmoid) ->
                               Conv2D(8, 3x3/2, gelu) -> GlobalAveragePooling2D -> Dense(10, selu) ->
                               Activation(relu6) -> Dense(5) -> Softmax. The functions are tf-keras 2.15's
                               (tf_keras/activations.py: hard_sigmoid 0.2x + 0.5 via backend.hard_sigmoid,
                               gelu approximate=False, i.e. x * Phi(x); relu6, leaky_relu, silu from tf.nn;
                               tf_keras/layers/activation/relu.py, leaky_relu.py, elu.py); layer names as
                               tf.keras numbers them. Its own generator (seed 15).
  activations_input.npy        (2, 16, 16, 3) float32
  activations_expected.npy     float64 probabilities (2, 5)

  concat_se_tfkeras215.h5      (issue 13 item 2) a tf.keras 2.15 functional `model.save("x.h5")`, laid out as
                               padpool_tfkeras215.h5: Input(9, 9, 4) -> Conv2D(8, 3x3) + BN + relu, then an
                               Inception block: Concatenate (axis -1) "mixed0" of four branches, 1x1 conv (6); 1x1 (4)
                               -> 3x3 (6); AveragePooling2D(3, 1, same) -> 1x1 (4); a bare MaxPooling2D(3, 1, same)
                               (8) -- each conv with BN + relu -- then a squeeze-and-excitation block as EfficientNet
                               writes it (keras/applications/efficientnet.py block(): GlobalAveragePooling2D, here
                               keepdims=True instead of its Reshape, Conv2D(swish), Conv2D(sigmoid), Multiply([x, se])),
                               Conv2D(10, 1x1) + BN, GlobalAveragePooling2D, Dense(5, softmax). Concatenate.get_config
                               writes axis (tf_keras/layers/merging/concatenate.py), Multiply only the base config
                               (merging/multiply.py, base_merge.py); inbound_nodes list every input of the one node.
                               layer_names and the config's layers follow model.layers (keras_layer_order below:
                               functional.py _map_graph_network), which is the order weights load in. Seed 21.
  concat_se_input.npy          (2, 9, 9, 4) float32
  concat_se_expected.npy       float64 probabilities (2, 5)

  tm_mobilenet_v1_tfkeras.h5   (issue 13, users' MobileNet transfer models) a Teachable-Machine-shaped
  tm_labels.txt                keras_model.h5 + labels.txt: Sequential[Sequential[Functional MobileNet V1
  tm_input.npy, tm_expected.npy  alpha 0.25 cut at conv_pw_13_relu, Flatten], Sequential[Dense(100, relu),
                               Dense(3, softmax, no bias)]], 96x96; what is verified and what inferred:
                               the comment above write_teachable_machine_fixture.
  mnv2_transfer_tfkeras215.h5  MobileNetV2(alpha 0.35, include_top=False, pooling='avg') frozen inside
  mnv2_transfer_keras3.keras   Input -> base -> Dropout -> Dense(5, softmax), tf.keras 2.15 .h5 and Keras 3.6
  mnv2_input.npy, mnv2_expected.npy  .keras; (2, 96, 96, 3) inputs, float64 probabilities (2, 5). Seed 31.
  tm2_mobilenet_v2_tfkeras.h5  the same export shape over MobileNetV2 alpha 0.35 cut at out_relu +
  tm2_input.npy, tm2_expected.npy  GlobalAveragePooling2D (what the TM website exports), seed 34.
  tm_keras21_mobilenet_v1_tfkeras.h5  the same export shape with the base in Keras 2.1's MobileNet layout
  tm_keras21_input.npy, tm_keras21_expected.npy  (conv1_pad, ZeroPadding2D(1) before every 'valid' depthwise
                               conv, Activation('relu6')), seed 32.
  mobilenet_v1_top_tfkeras215.h5  MobileNet(alpha 0.25, include_top=True, classes=4) saved alone by tf.keras
  mobilenet_v1_top_input.npy, mobilenet_v1_top_expected.npy  2.15: GAP(keepdims) -> Dropout -> conv_preds ->
                               Reshape((4,)) -> Activation(softmax), seed 33.

Only the activations fixture: make_import_fixtures.py --only activations (the others need the team's arch);
--only padpool, --only concat_se and --only mobilenet_apps (the tm_*, mnv2_* and mobilenet_v1_top_* files) likewise.

The references: the base through scripts/xception_reference.py (float64, validated against the mini
fixtures), the heads and the Sequential model in float64 numpy below.
"""

import argparse
import io
import json
import math
import os
import sys
import zipfile

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
FIXTURES = os.path.join(REPO, "Tests", "Fixtures")
OUT = os.path.join(FIXTURES, "import")
sys.path.insert(0, os.path.join(REPO, "scripts"))
import xception_reference as ref  # noqa: E402

CLASSES = 5
INITIALIZER = {"class_name": "GlorotUniform", "config": {"seed": None}}


def s(x):
    return x.decode("utf8") if isinstance(x, bytes) else str(x)


# ---------------------------------------------------------------- the base (tf.keras 2.15 layer configs)

def tfkeras_layer_config(layer, name):
    """get_config() of each class as tf-keras 2.15 writes it (tf_keras/layers/...)."""
    c = layer.cfg
    common = {"name": name, "trainable": False, "dtype": "float32"}
    if layer.cls == "InputLayer":
        return None
    if layer.cls in ("Conv2D", "SeparableConv2D"):
        cfg = dict(common, filters=c["filters"], kernel_size=list(c["kernel"]), strides=list(c["strides"]),
                   padding=c["padding"], data_format="channels_last", dilation_rate=[1, 1],
                   activation="linear", use_bias=c["use_bias"], bias_initializer={"class_name": "Zeros", "config": {}},
                   bias_regularizer=None, activity_regularizer=None, bias_constraint=None)
        if layer.cls == "Conv2D":
            cfg.update(groups=1, kernel_initializer=INITIALIZER, kernel_regularizer=None, kernel_constraint=None)
        else:
            cfg.update(depth_multiplier=1, depthwise_initializer=INITIALIZER, pointwise_initializer=INITIALIZER,
                       depthwise_regularizer=None, pointwise_regularizer=None,
                       depthwise_constraint=None, pointwise_constraint=None)
        return cfg
    if layer.cls == "BatchNormalization":
        return dict(common, axis=[3], momentum=0.99, epsilon=c["epsilon"], center=True, scale=True,
                    beta_initializer={"class_name": "Zeros", "config": {}},
                    gamma_initializer={"class_name": "Ones", "config": {}},
                    moving_mean_initializer={"class_name": "Zeros", "config": {}},
                    moving_variance_initializer={"class_name": "Ones", "config": {}},
                    beta_regularizer=None, gamma_regularizer=None, beta_constraint=None, gamma_constraint=None)
    if layer.cls == "Activation":
        return dict(common, activation=c["activation"])
    if layer.cls == "MaxPooling2D":
        return dict(common, pool_size=list(c["pool_size"]), padding=c["padding"], strides=list(c["strides"]),
                    data_format="channels_last")
    if layer.cls == "Add":
        return dict(common)
    raise ValueError(layer.cls)


def base_graph(arch):
    layers, output = arch.build_xception(include_top=False, width_multiplier=0.125)
    order = arch.keras_layer_order(layers, output)
    with h5py.File(os.path.join(FIXTURES, "mini_xception_w0125_notop.h5"), "r") as f:
        file_order = [s(n) for n in f.attrs["layer_names"]]
        weights = {}
        for name in file_order:
            names = [s(w) for w in np.asarray(f[name].attrs["weight_names"]).reshape(-1)]
            weights[name] = [(w, np.asarray(f[name][w])) for w in names]
    assert order == file_order, "xception_arch's layer order differs from the fixture's layer_names"
    return layers, order, output, weights


def tfkeras_base_config(layers, order, output):
    entries = []
    for name in order:
        layer = layers[name]
        if layer.cls == "InputLayer":
            entries.append({"class_name": "InputLayer", "config": {
                "batch_input_shape": [None, None, None, 3], "dtype": "float32", "sparse": False, "ragged": False,
                "name": name}, "name": name, "inbound_nodes": []})
            continue
        nodes = [[[inbound, 0, 0, {}] for inbound in layer.inbound]]
        entries.append({"class_name": layer.cls, "config": tfkeras_layer_config(layer, name), "name": name,
                        "inbound_nodes": nodes})
    return {"name": "xception", "trainable": False, "layers": entries,
            "input_layers": [[order[0], 0, 0]], "output_layers": [[output, 0, 0]]}


# ---------------------------------------------------------------- (a) tf.keras 2.15 full model .h5

def head_configs(dense_name):
    gap = {"name": "global_average_pooling2d", "trainable": True, "dtype": "float32",
           "data_format": "channels_last", "keepdims": False}
    dropout = {"name": "dropout", "trainable": True, "dtype": "float32", "rate": 0.2, "noise_shape": None, "seed": None}
    dense = {"name": dense_name, "trainable": True, "dtype": "float32", "units": CLASSES, "activation": "softmax",
             "use_bias": True, "kernel_initializer": INITIALIZER, "bias_initializer": {"class_name": "Zeros", "config": {}},
             "kernel_regularizer": {"class_name": "L2", "config": {"l2": 0.01}}, "bias_regularizer": None,
             "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None}
    return gap, dropout, dense


def tfkeras_model_config(base_config, new_style):
    gap, dropout, dense = head_configs("dense")
    entries = [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 71, 71, 3], "dtype": "float32",
                                                "sparse": False, "ragged": False, "name": "input_2"},
         "name": "input_2", "inbound_nodes": []},
        {"class_name": "Functional", "config": base_config, "name": "xception",
         "inbound_nodes": [[["input_2", 0, 0, {"training": False}]]]},
        {"class_name": "GlobalAveragePooling2D", "config": gap, "name": "global_average_pooling2d",
         "inbound_nodes": [[["xception", 1, 0, {}]]]},
        {"class_name": "Dropout", "config": dropout, "name": "dropout",
         "inbound_nodes": [[["global_average_pooling2d", 0, 0, {}]]]},
        {"class_name": "Dense", "config": dense, "name": "dense", "inbound_nodes": [[["dropout", 0, 0, {}]]]},
    ]
    if new_style:
        # tf-keras >= 2.13 to_json(): module / registered_name (/ build_config) on every layer entry.
        for entry in entries:
            module = "keras.engine.functional" if entry["class_name"] == "Functional" else "keras.layers"
            entry.update(module=module, registered_name=None if module == "keras.layers" else "Functional")
        for entry in base_config["layers"]:
            entry.update(module="keras.layers", registered_name=None)
    return {"class_name": "Functional", "config": {"name": "model", "trainable": True, "layers": entries,
                                                   "input_layers": [["input_2", 0, 0]],
                                                   "output_layers": [["dense", 0, 0]]}}


def write_string_list(group, name, values):
    group.attrs[name] = np.array([v.encode("utf8") for v in values]) if values else np.zeros((0,), dtype=np.float64)


def write_tfkeras_h5(path, model_config, order, base_weights, dense):
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = json.dumps(model_config)
        f.attrs["keras_version"] = "2.15.0"
        f.attrs["backend"] = "tensorflow"
        f.attrs["training_config"] = json.dumps({"loss": "categorical_crossentropy"})
        g = f.create_group("model_weights")
        outer = ["input_2", "xception", "global_average_pooling2d", "dropout", "dense"]
        write_string_list(g, "layer_names", outer)
        g.attrs["keras_version"] = "2.15.0"
        g.attrs["backend"] = "tensorflow"
        for name in outer:
            g.create_group(name)
        # Frozen base: _legacy_weights = non_trainable_weights in layer order (KERAS_FORMATS.md section 2).
        inner_names = []
        for layer in order:
            for weight_name, value in base_weights[layer]:
                inner_names.append(weight_name)
                g["xception"].create_dataset(weight_name, data=value)
        write_string_list(g["xception"], "weight_names", inner_names)
        for name in ("input_2", "global_average_pooling2d", "dropout"):
            write_string_list(g[name], "weight_names", [])
        write_string_list(g["dense"], "weight_names", ["dense/kernel:0", "dense/bias:0"])
        g["dense"].create_dataset("dense/kernel:0", data=dense[0])
        g["dense"].create_dataset("dense/bias:0", data=dense[1])
        g.create_group("top_level_model_weights")
        write_string_list(g["top_level_model_weights"], "weight_names", [])


def write_flat_weights(path, order, base_weights, dense):
    """A Keras 2 save_weights file of the flattened model: one group per layer, in description order."""
    names = list(order) + ["global_average_pooling2d", "dropout", "dense"]
    with h5py.File(path, "w") as f:
        write_string_list(f, "layer_names", names)
        f.attrs["keras_version"] = b"2.0.8"
        f.attrs["backend"] = b"tensorflow"
        for name in names:
            g = f.create_group(name)
            values = base_weights.get(name, [])
            if name == "dense":
                values = [("dense/kernel:0", dense[0]), ("dense/bias:0", dense[1])]
            write_string_list(g, "weight_names", [w for w, _ in values])
            for w, v in values:
                g.create_dataset(w, data=v)


# ---------------------------------------------------------------- (b) Keras 3 .keras

def dtype_policy():
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None}


def keras_tensor(history):
    return {"class_name": "__keras_tensor__", "config": {"shape": [None, None, None, None], "dtype": "float32",
                                                         "keras_history": history}}


def keras3_layer(class_name, config, name, nodes, module="keras.layers", registered=None):
    return {"module": module, "class_name": class_name, "config": config, "registered_name": registered,
            "name": name, "inbound_nodes": nodes}


def keras3_input(name, batch_shape):
    return keras3_layer("InputLayer", {"batch_shape": batch_shape, "dtype": "float32", "sparse": False,
                                       "name": name}, name, [])


def keras3_config(layers, order, output):
    inner = []
    for name in order:
        layer = layers[name]
        if layer.cls == "InputLayer":
            inner.append(keras3_input(name, [None, None, None, 3]))
            continue
        config = tfkeras_layer_config(layer, name)
        config["dtype"] = dtype_policy()
        if "axis" in config:
            config["axis"] = -1
        tensors = [keras_tensor([inbound, 0, 0]) for inbound in layer.inbound]
        args = [tensors] if layer.cls == "Add" else tensors
        inner.append(keras3_layer(layer.cls, config, name, [{"args": args, "kwargs": {}}]))
    base = keras3_layer("Functional", {"name": "xception", "trainable": False, "layers": inner,
                                       "input_layers": [order[0], 0, 0], "output_layers": [output, 0, 0]},
                        "xception", [{"args": [keras_tensor(["input_layer", 0, 0])], "kwargs": {"training": False}}],
                        module="keras.src.models.functional", registered="Functional")
    gap, dropout, dense = head_configs("dense")
    for config in (gap, dropout, dense):
        config["dtype"] = dtype_policy()
    dense["kernel_regularizer"] = {"module": "keras.regularizers", "class_name": "L2", "config": {"l2": 0.01},
                                   "registered_name": None}
    outer = [
        keras3_input("input_layer", [None, 71, 71, 3]),
        base,
        keras3_layer("GlobalAveragePooling2D", gap, "global_average_pooling2d",
                     [{"args": [keras_tensor(["xception", 0, 0])], "kwargs": {}}]),
        keras3_layer("Dropout", dropout, "dropout",
                     [{"args": [keras_tensor(["global_average_pooling2d", 0, 0])], "kwargs": {"training": False}}]),
        keras3_layer("Dense", dense, "dense", [{"args": [keras_tensor(["dropout", 0, 0])], "kwargs": {}}]),
    ]
    return {"module": "keras.src.models.functional", "class_name": "Functional", "registered_name": "Functional",
            "config": {"name": "functional", "trainable": True, "layers": outer,
                       "input_layers": ["input_layer", 0, 0], "output_layers": ["dense", 0, 0]},
            "build_config": {"input_shape": None}}


SNAKE = {"InputLayer": "input_layer", "Conv2D": "conv2d", "SeparableConv2D": "separable_conv2d",
         "BatchNormalization": "batch_normalization", "Activation": "activation", "MaxPooling2D": "max_pooling2d",
         "Add": "add", "Functional": "functional", "GlobalAveragePooling2D": "global_average_pooling2d",
         "Dropout": "dropout", "Dense": "dense", "Normalization": "normalization", "Rescaling": "rescaling",
         "Reshape": "reshape"}


def keras3_weights_bytes(config, base_weights, dense):
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        f.create_group("vars")

        def container(prefix, entries):
            counts = {}
            for entry in entries:
                snake = SNAKE[entry["class_name"]]
                n = counts.get(snake, 0)
                counts[snake] = n + 1
                path = "%s/layers/%s" % (prefix, snake if n == 0 else "%s_%d" % (snake, n))
                group = f.create_group(path + "/vars")
                group.attrs["name"] = entry["name"]
                if entry["class_name"] == "Functional":
                    container(path, entry["config"]["layers"])
                elif entry["name"] == "dense":
                    group.create_dataset("0", data=dense[0])
                    group.create_dataset("1", data=dense[1])
                else:
                    for i, (_, value) in enumerate(base_weights.get(entry["name"], [])):
                        group.create_dataset(str(i), data=value)

        container("", config["config"]["layers"])
    return buffer.getvalue()


def write_keras3(path, config, base_weights, dense):
    members = [("metadata.json", json.dumps({"keras_version": "3.6.0", "date_saved": "2026-12-03@08:30:00"})),
               ("config.json", json.dumps(config)),
               ("model.weights.h5", keras3_weights_bytes(config, base_weights, dense))]
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members:
            # A fixed member date keeps the archive byte-for-byte reproducible; Keras stores (no compression).
            z.writestr(zipfile.ZipInfo(name, date_time=(2026, 12, 3, 8, 30, 0)), data)


# ---------------------------------------------------------------- (c) Keras 2.0.8 Sequential

def sequential_model(rng):
    weights = {
        "conv2d_1": [("conv2d_1/kernel:0", rng.normal(0, 0.3, (3, 3, 3, 8))), ("conv2d_1/bias:0", rng.normal(0, 0.1, 8))],
        "batch_normalization_1": [("batch_normalization_1/gamma:0", rng.uniform(0.5, 1.5, 8)),
                                  ("batch_normalization_1/beta:0", rng.normal(0, 0.1, 8)),
                                  ("batch_normalization_1/moving_mean:0", rng.normal(0, 0.1, 8)),
                                  ("batch_normalization_1/moving_variance:0", rng.uniform(0.5, 1.5, 8))],
        "separable_conv2d_1": [("separable_conv2d_1/depthwise_kernel:0", rng.normal(0, 0.3, (3, 3, 8, 1))),
                               ("separable_conv2d_1/pointwise_kernel:0", rng.normal(0, 0.3, (1, 1, 8, 16))),
                               ("separable_conv2d_1/bias:0", rng.normal(0, 0.1, 16))],
        "dense_1": [("dense_1/kernel:0", rng.normal(0, 0.5, (16, CLASSES))), ("dense_1/bias:0", rng.normal(0, 0.1, CLASSES))],
    }
    weights = {k: [(n, v.astype(np.float32)) for n, v in vs] for k, vs in weights.items()}
    reg = {"class_name": "L1L2", "config": {"l1": 0.0, "l2": 0.001}}
    config = [
        {"class_name": "Conv2D", "config": {"name": "conv2d_1", "trainable": True, "batch_input_shape": [None, 32, 32, 3],
                                            "dtype": "float32", "filters": 8, "kernel_size": [3, 3], "strides": [2, 2],
                                            "padding": "valid", "data_format": "channels_last", "dilation_rate": [1, 1],
                                            "activation": "relu", "use_bias": True, "kernel_initializer": INITIALIZER,
                                            "kernel_regularizer": reg, "kernel_constraint": None}},
        {"class_name": "BatchNormalization", "config": {"name": "batch_normalization_1", "trainable": True, "axis": -1,
                                                        "momentum": 0.99, "epsilon": 0.001, "center": True, "scale": True}},
        {"class_name": "SeparableConv2D", "config": {"name": "separable_conv2d_1", "trainable": True, "filters": 16,
                                                     "kernel_size": [3, 3], "strides": [1, 1], "padding": "same",
                                                     "data_format": "channels_last", "depth_multiplier": 1,
                                                     "activation": "linear", "use_bias": True}},
        {"class_name": "Activation", "config": {"name": "activation_1", "trainable": True, "activation": "relu"}},
        {"class_name": "MaxPooling2D", "config": {"name": "max_pooling2d_1", "trainable": True, "pool_size": [3, 3],
                                                  "padding": "same", "strides": [2, 2], "data_format": "channels_last"}},
        {"class_name": "GlobalAveragePooling2D", "config": {"name": "global_average_pooling2d_1", "trainable": True}},
        {"class_name": "Dropout", "config": {"name": "dropout_1", "trainable": True, "rate": 0.5}},
        {"class_name": "Dense", "config": {"name": "dense_1", "trainable": True, "units": CLASSES, "activation": "linear",
                                           "use_bias": True}},
        {"class_name": "Activation", "config": {"name": "activation_2", "trainable": True, "activation": "softmax"}},
    ]
    return config, weights


def sequential_reference(weights, x):
    w = {k: [np.asarray(v, np.float64) for _, v in vs] for k, vs in weights.items()}
    kernel, bias = w["conv2d_1"]
    x = ref.relu(ref.conv2d(x, kernel, 2, "valid") + bias)
    x = ref.batch_norm(x, *w["batch_normalization_1"])
    dw, pw, bias = w["separable_conv2d_1"]
    x = ref.relu(np.tensordot(ref.depthwise(x, dw), pw[0, 0], axes=([3], [0])) + bias)
    x = ref.max_pool(x).mean(axis=(1, 2))
    kernel, bias = w["dense_1"]
    return softmax(x @ kernel + bias)


def write_sequential(path, config, weights):
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = json.dumps({"class_name": "Sequential", "config": config}).encode("utf8")
        f.attrs["keras_version"] = b"2.0.8"
        f.attrs["backend"] = b"tensorflow"
        g = f.create_group("model_weights")
        names = [layer["config"]["name"] for layer in config]
        write_string_list(g, "layer_names", names)
        g.attrs["keras_version"] = b"2.0.8"
        g.attrs["backend"] = b"tensorflow"
        for name in names:
            group = g.create_group(name)
            values = weights.get(name, [])
            write_string_list(group, "weight_names", [n for n, _ in values])
            for n, v in values:
                group.create_dataset(n, data=v)


# ---------------------------------------------------------------- (d) tf.keras 2.15 binary classifier

def binary_model(rng):
    weights = {
        "conv2d": [("conv2d/kernel:0", rng.normal(0, 0.3, (3, 3, 3, 6))), ("conv2d/bias:0", rng.normal(0, 0.1, 6))],
        "dense": [("dense/kernel:0", rng.normal(0, 6.0, (6, 1))), ("dense/bias:0", rng.normal(0, 0.1, 1))],
    }
    weights = {k: [(n, v.astype(np.float32)) for n, v in vs] for k, vs in weights.items()}
    common = {"trainable": True, "dtype": "float32"}
    layers = [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 24, 24, 3], "dtype": "float32",
                                                "sparse": False, "ragged": False, "name": "input_1"}},
        {"class_name": "Conv2D", "config": dict(common, name="conv2d", filters=6, kernel_size=[3, 3], strides=[2, 2],
                                                padding="valid", data_format="channels_last", dilation_rate=[1, 1],
                                                groups=1, activation="relu", use_bias=True,
                                                kernel_initializer=INITIALIZER, kernel_regularizer=None)},
        {"class_name": "GlobalAveragePooling2D", "config": dict(common, name="global_average_pooling2d",
                                                                data_format="channels_last", keepdims=False)},
        {"class_name": "Dense", "config": dict(common, name="dense", units=1, activation="sigmoid", use_bias=True,
                                               kernel_initializer=INITIALIZER)},
    ]
    return {"class_name": "Sequential", "config": {"name": "sequential", "layers": layers}}, weights


def binary_reference(weights, x):
    w = {k: [np.asarray(v, np.float64) for _, v in vs] for k, vs in weights.items()}
    kernel, bias = w["conv2d"]
    x = ref.relu(ref.conv2d(x, kernel, 2, "valid") + bias).mean(axis=(1, 2))
    kernel, bias = w["dense"]
    return 1.0 / (1.0 + np.exp(-(x @ kernel + bias)))


def write_tfkeras215_h5(path, config, names, weights):
    """tf_keras/saving/legacy/hdf5_format.py save_model_to_hdf5: the model_config attribute, then /model_weights
    with layer_names (every layer, in the model's order) and one group per layer holding its weight_names and
    datasets (save_weights_to_hdf5_group); a layer without weights has an empty weight_names."""
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = json.dumps(config)
        f.attrs["keras_version"] = "2.15.0"
        f.attrs["backend"] = "tensorflow"
        g = f.create_group("model_weights")
        write_string_list(g, "layer_names", names)
        g.attrs["keras_version"] = "2.15.0"
        g.attrs["backend"] = "tensorflow"
        for name in names:
            group = g.create_group(name)
            values = weights.get(name, [])
            write_string_list(group, "weight_names", [n for n, _ in values])
            for n, v in values:
                group.create_dataset(n, data=v)


def write_binary(path, config, weights):
    write_tfkeras215_h5(path, config, ["conv2d", "global_average_pooling2d", "dense"], weights)


def write_binary_fixtures():
    rng = np.random.default_rng(13)
    config, weights = binary_model(rng)
    write_binary(os.path.join(OUT, "binary_tfkeras215.h5"), config, weights)
    xs = rng.uniform(-1, 1, (3, 24, 24, 3)).astype(np.float32)
    expected = binary_reference(weights, xs.astype(np.float64))
    np.save(os.path.join(OUT, "binary_input.npy"), xs)
    np.save(os.path.join(OUT, "binary_expected.npy"), expected)
    print("binary: p", expected.ravel())


# ---------------------------------------------------------------- (c) Keras 2.0.8 Sequential, Flatten + Dense head

def flatten_model(rng):
    weights = {
        "conv2d_1": [("conv2d_1/kernel:0", rng.normal(0, 0.3, (3, 3, 3, 4))), ("conv2d_1/bias:0", rng.normal(0, 0.1, 4))],
        "dense_1": [("dense_1/kernel:0", rng.normal(0, 0.5, (36, 3))), ("dense_1/bias:0", rng.normal(0, 0.1, 3))],
    }
    weights = {k: [(n, v.astype(np.float32)) for n, v in vs] for k, vs in weights.items()}
    config = [
        {"class_name": "Conv2D", "config": {"name": "conv2d_1", "trainable": True, "batch_input_shape": [None, 12, 12, 3],
                                            "dtype": "float32", "filters": 4, "kernel_size": [3, 3], "strides": [2, 2],
                                            "padding": "valid", "data_format": "channels_last", "dilation_rate": [1, 1],
                                            "activation": "linear", "use_bias": True}},
        {"class_name": "Activation", "config": {"name": "activation_1", "trainable": True, "activation": "relu"}},
        {"class_name": "MaxPooling2D", "config": {"name": "max_pooling2d_1", "trainable": True, "pool_size": [3, 3],
                                                  "padding": "same", "strides": [2, 2], "data_format": "channels_last"}},
        {"class_name": "Flatten", "config": {"name": "flatten_1", "trainable": True}},
        {"class_name": "Dense", "config": {"name": "dense_1", "trainable": True, "units": 3, "activation": "linear",
                                           "use_bias": True}},
        {"class_name": "Activation", "config": {"name": "activation_2", "trainable": True, "activation": "softmax"}},
    ]
    return config, weights


def flatten_reference(weights, x):
    w = {k: [np.asarray(v, np.float64) for _, v in vs] for k, vs in weights.items()}
    kernel, bias = w["conv2d_1"]
    x = ref.max_pool(ref.relu(ref.conv2d(x, kernel, 2, "valid") + bias))
    kernel, bias = w["dense_1"]
    return softmax(x.reshape(x.shape[0], -1) @ kernel + bias)


def write_flatten_fixtures():
    rng = np.random.default_rng(14)
    config, weights = flatten_model(rng)
    write_sequential(os.path.join(OUT, "flatten_keras208.h5"), config, weights)
    xs = rng.uniform(-1, 1, (2, 12, 12, 3)).astype(np.float32)
    expected = flatten_reference(weights, xs.astype(np.float64))
    np.save(os.path.join(OUT, "flatten_input.npy"), xs)
    np.save(os.path.join(OUT, "flatten_expected.npy"), expected)
    print("flatten: top-1", expected.argmax(axis=1), "max p", expected.max(axis=1))


# ---------------------------------------------------------------- (e) and other channel counts: preprocessing in the model

def tfkeras_input(shape, name="input_1"):
    return {"class_name": "InputLayer", "config": {"batch_input_shape": [None] + list(shape), "dtype": "float32",
                                                   "sparse": False, "ragged": False, "name": name}}


def tfkeras_conv(name, filters, padding, strides=1, activation="relu"):
    return {"class_name": "Conv2D", "config": {"name": name, "trainable": True, "dtype": "float32", "filters": filters,
                                               "kernel_size": [3, 3], "strides": [strides, strides], "padding": padding,
                                               "data_format": "channels_last", "dilation_rate": [1, 1], "groups": 1,
                                               "activation": activation, "use_bias": True,
                                               "kernel_initializer": INITIALIZER, "kernel_regularizer": None}}


def tfkeras_dense(name, units, activation):
    return {"class_name": "Dense", "config": {"name": name, "trainable": True, "dtype": "float32", "units": units,
                                              "activation": activation, "use_bias": True,
                                              "kernel_initializer": INITIALIZER}}


def tfkeras_normalization(name, mean=None, variance=None):
    # tf_keras/layers/preprocessing/normalization.py get_config: axis (a tuple, so a list), invert, mean, variance.
    return {"class_name": "Normalization", "config": {"name": name, "trainable": True, "dtype": "float32", "axis": [-1],
                                                      "invert": False, "mean": mean, "variance": variance}}


def write_tfkeras_sequential(path, layers, weights):
    """tf_keras/saving/legacy/hdf5_format.py save_model_to_hdf5 of a Sequential (layer_names without the InputLayer)."""
    names = [layer["config"]["name"] for layer in layers if layer["class_name"] != "InputLayer"]
    config = {"class_name": "Sequential", "config": {"name": "sequential", "layers": layers}}
    write_tfkeras215_h5(path, config, names, weights)


def write_keras3_sequential(path, tfkeras_layers, weights):
    """The same Sequential saved by Keras 3.6 (.keras): keras/src/models/sequential.py get_config (the InputLayer
    first, batch_shape), DTypePolicy dicts, and saving_lib._save_state over Sequential.layers (which leaves the
    InputLayer out): layers/<snake class>/vars/<i>, the Normalization's mean, variance and int64 count in
    add_weight order (keras/src/layers/preprocessing/normalization.py build)."""
    layers = []
    for layer in tfkeras_layers:
        config = dict(layer["config"])
        if layer["class_name"] == "InputLayer":
            config = {"batch_shape": config["batch_input_shape"], "dtype": "float32", "sparse": False, "name": "input_layer"}
        else:
            config["dtype"] = dtype_policy()
            config.pop("kernel_initializer", None)
        layers.append({"module": "keras.layers", "class_name": layer["class_name"], "config": config, "registered_name": None})
    shape = layers[0]["config"]["batch_shape"]
    config = {"module": "keras", "class_name": "Sequential", "registered_name": None,
              "config": {"name": "sequential", "trainable": True, "dtype": dtype_policy(), "layers": layers,
                         "build_input_shape": shape},
              "build_config": {"input_shape": shape}}
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        f.create_group("vars")
        for layer in layers[1:]:
            group = f.create_group("layers/%s/vars" % SNAKE[layer["class_name"]])
            for i, (_, value) in enumerate(weights.get(layer["config"]["name"], [])):
                group.create_dataset(str(i), data=value)
    members = [("metadata.json", json.dumps({"keras_version": "3.6.0", "date_saved": "2026-12-03@08:30:00"})),
               ("config.json", json.dumps(config)),
               ("model.weights.h5", buffer.getvalue())]
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members:
            z.writestr(zipfile.ZipInfo(name, date_time=(2026, 12, 3, 8, 30, 0)), data)


def float32_weights(weights):
    return {k: [(n, v if v.dtype == np.int64 else v.astype(np.float32)) for n, v in vs] for k, vs in weights.items()}


def as64(weights, name):
    return [np.asarray(v, np.float64) for _, v in weights[name]]


def write_rescaling_fixtures():
    rng = np.random.default_rng(15)
    weights = float32_weights({
        "conv2d": [("conv2d/kernel:0", rng.normal(0, 0.3, (3, 3, 3, 6))), ("conv2d/bias:0", rng.normal(0, 0.1, 6))],
        "dense": [("dense/kernel:0", rng.normal(0, 1.5, (6, 4))), ("dense/bias:0", rng.normal(0, 0.1, 4))],
    })
    layers = [
        tfkeras_input((20, 20, 3)),
        {"class_name": "Rescaling", "config": {"name": "rescaling", "trainable": True, "dtype": "float32",
                                               "scale": 1 / 127.5, "offset": -1.0}},
        tfkeras_conv("conv2d", 6, "valid", strides=2),
        {"class_name": "GlobalAveragePooling2D", "config": {"name": "global_average_pooling2d", "trainable": True,
                                                            "dtype": "float32", "data_format": "channels_last",
                                                            "keepdims": False}},
        tfkeras_dense("dense", 4, "softmax"),
    ]
    write_tfkeras_sequential(os.path.join(OUT, "rescaling_tfkeras215.h5"), layers, weights)
    xs = rng.integers(0, 256, (2, 20, 20, 3)).astype(np.float32)
    x = xs.astype(np.float64) / 127.5 - 1.0
    kernel, bias = as64(weights, "conv2d")
    x = ref.relu(ref.conv2d(x, kernel, 2, "valid") + bias).mean(axis=(1, 2))
    kernel, bias = as64(weights, "dense")
    expected = softmax(x @ kernel + bias)
    np.save(os.path.join(OUT, "rescaling_input.npy"), xs)
    np.save(os.path.join(OUT, "rescaling_expected.npy"), expected)
    print("rescaling: top-1", expected.argmax(axis=1), "max p", expected.max(axis=1))


def normalize(x, mean, variance):
    return (x - mean) / np.maximum(np.sqrt(variance), 1e-7)


def write_grayscale_fixtures():
    rng = np.random.default_rng(16)
    weights = float32_weights({
        "normalization": [("normalization/mean:0", np.array([118.25])), ("normalization/variance:0", np.array([4321.5])),
                          ("normalization/count:0", np.int64(60000))],
        "conv2d": [("conv2d/kernel:0", rng.normal(0, 0.5, (3, 3, 1, 4))), ("conv2d/bias:0", rng.normal(0, 0.1, 4))],
        "dense": [("dense/kernel:0", rng.normal(0, 1.5, (4, 3))), ("dense/bias:0", rng.normal(0, 0.1, 3))],
    })
    layers = [
        tfkeras_input((16, 16, 1)),
        tfkeras_normalization("normalization"),
        tfkeras_conv("conv2d", 4, "same"),
        {"class_name": "MaxPooling2D", "config": {"name": "max_pooling2d", "trainable": True, "dtype": "float32",
                                                  "pool_size": [3, 3], "padding": "same", "strides": [2, 2],
                                                  "data_format": "channels_last"}},
        {"class_name": "GlobalAveragePooling2D", "config": {"name": "global_average_pooling2d", "trainable": True,
                                                            "dtype": "float32", "data_format": "channels_last",
                                                            "keepdims": True}},
        {"class_name": "Reshape", "config": {"name": "reshape", "trainable": True, "dtype": "float32", "target_shape": [4]}},
        tfkeras_dense("dense", 3, "softmax"),
    ]
    write_tfkeras_sequential(os.path.join(OUT, "grayscale_tfkeras215.h5"), layers, weights)
    write_keras3_sequential(os.path.join(OUT, "grayscale_keras3.keras"), layers, weights)
    xs = rng.integers(0, 256, (2, 16, 16, 1)).astype(np.float32)
    mean, variance, _ = as64(weights, "normalization")
    x = normalize(xs.astype(np.float64), mean, variance)
    kernel, bias = as64(weights, "conv2d")
    x = ref.max_pool(ref.relu(ref.conv2d(x, kernel, 1, "same") + bias)).mean(axis=(1, 2), keepdims=True)
    kernel, bias = as64(weights, "dense")
    expected = softmax(x.reshape(x.shape[0], 4) @ kernel + bias)
    np.save(os.path.join(OUT, "grayscale_input.npy"), xs)
    np.save(os.path.join(OUT, "grayscale_expected.npy"), expected)
    print("grayscale: top-1", expected.argmax(axis=1), "max p", expected.max(axis=1))


def write_rgba_fixtures():
    rng = np.random.default_rng(17)
    mean, variance = [120.5, 99.0, 140.25, 200.0], [3600.0, 2500.0, 4900.0, 0.0]
    weights = float32_weights({
        "conv2d": [("conv2d/kernel:0", rng.normal(0, 0.3, (3, 3, 4, 5))), ("conv2d/bias:0", rng.normal(0, 0.1, 5))],
        "dense": [("dense/kernel:0", rng.normal(0, 0.2, (8 * 10 * 5, 3))), ("dense/bias:0", rng.normal(0, 0.1, 3))],
    })
    layers = [
        tfkeras_input((10, 12, 4)),
        tfkeras_normalization("normalization", mean, variance),
        tfkeras_conv("conv2d", 5, "valid"),
        {"class_name": "Reshape", "config": {"name": "reshape", "trainable": True, "dtype": "float32", "target_shape": [-1]}},
        tfkeras_dense("dense", 3, "softmax"),
    ]
    write_tfkeras_sequential(os.path.join(OUT, "rgba_tfkeras215.h5"), layers, weights)
    xs = rng.integers(0, 256, (3, 10, 12, 4)).astype(np.float32)
    # The fourth channel has variance 0 (a constant alpha): Keras divides by its epsilon, 1e-7; keep it at its mean.
    xs[..., 3] = 200.0
    x = normalize(xs.astype(np.float64), np.array(mean), np.array(variance))
    kernel, bias = as64(weights, "conv2d")
    x = ref.relu(ref.conv2d(x, kernel, 1, "valid") + bias)
    kernel, bias = as64(weights, "dense")
    expected = softmax(x.reshape(x.shape[0], -1) @ kernel + bias)
    np.save(os.path.join(OUT, "rgba_input.npy"), xs)
    np.save(os.path.join(OUT, "rgba_expected.npy"), expected)
    print("rgba: top-1", expected.argmax(axis=1), "max p", expected.max(axis=1))


# ---------------------------------------------------------------- tf.keras 2.15 functional model with every activation

def activations_model(rng):
    def normal(scale, shape):
        return rng.normal(0, scale, shape).astype(np.float32)

    weights = {
        "conv2d": [("conv2d/kernel:0", normal(0.4, (3, 3, 3, 8))), ("conv2d/bias:0", normal(0.1, 8))],
        "batch_normalization": [("batch_normalization/gamma:0", rng.uniform(0.5, 1.5, 8).astype(np.float32)),
                                ("batch_normalization/beta:0", normal(0.3, 8)),
                                ("batch_normalization/moving_mean:0", normal(0.2, 8)),
                                ("batch_normalization/moving_variance:0", rng.uniform(0.5, 1.5, 8).astype(np.float32))],
        "separable_conv2d": [("separable_conv2d/depthwise_kernel:0", normal(0.4, (3, 3, 8, 1))),
                             ("separable_conv2d/pointwise_kernel:0", normal(0.4, (1, 1, 8, 12))),
                             ("separable_conv2d/bias:0", normal(0.2, 12))],
        "depthwise_conv2d": [("depthwise_conv2d/depthwise_kernel:0", normal(0.5, (3, 3, 12, 1))),
                             ("depthwise_conv2d/bias:0", normal(0.2, 12))],
        "conv2d_1": [("conv2d_1/kernel:0", normal(1.0, (1, 1, 12, 6))), ("conv2d_1/bias:0", normal(0.3, 6))],
        "conv2d_2": [("conv2d_2/kernel:0", normal(0.6, (3, 3, 6, 8))), ("conv2d_2/bias:0", normal(0.3, 8))],
        "dense": [("dense/kernel:0", normal(0.8, (8, 10))), ("dense/bias:0", normal(0.3, 10))],
        "dense_1": [("dense_1/kernel:0", normal(0.8, (10, 5))), ("dense_1/bias:0", normal(0.1, 5))],
    }
    common = {"trainable": True, "dtype": "float32"}

    def conv(name, filters, kernel, strides, activation):
        return dict(common, name=name, filters=filters, kernel_size=[kernel, kernel], strides=[strides, strides],
                    padding="same", data_format="channels_last", dilation_rate=[1, 1], groups=1,
                    activation=activation, use_bias=True, kernel_initializer=INITIALIZER, kernel_regularizer=None)

    layers = [
        ("InputLayer", {"batch_input_shape": [None, 16, 16, 3], "dtype": "float32", "sparse": False, "ragged": False,
                        "name": "input_1"}, []),
        ("Conv2D", conv("conv2d", 8, 3, 1, "swish"), ["input_1"]),
        ("BatchNormalization", dict(common, name="batch_normalization", axis=[3], momentum=0.99, epsilon=0.001,
                                    center=True, scale=True), ["conv2d"]),
        ("ReLU", dict(common, name="re_lu", max_value=6.0, negative_slope=0.0, threshold=0.0), ["batch_normalization"]),
        ("SeparableConv2D", dict(common, name="separable_conv2d", filters=12, kernel_size=[3, 3], strides=[1, 1],
                                 padding="same", data_format="channels_last", dilation_rate=[1, 1], depth_multiplier=1,
                                 activation="elu", use_bias=True), ["re_lu"]),
        ("LeakyReLU", dict(common, name="leaky_re_lu", alpha=0.1), ["separable_conv2d"]),
        ("DepthwiseConv2D", dict(common, name="depthwise_conv2d", kernel_size=[3, 3], strides=[1, 1], padding="same",
                                 data_format="channels_last", dilation_rate=[1, 1], depth_multiplier=1,
                                 activation="tanh", use_bias=True), ["leaky_re_lu"]),
        ("Add", dict(common, name="add"), ["depthwise_conv2d", "leaky_re_lu"]),
        ("ELU", dict(common, name="elu", alpha=0.5), ["add"]),
        ("Activation", dict(common, name="activation", activation="hard_sigmoid"), ["elu"]),
        ("Conv2D", conv("conv2d_1", 6, 1, 1, "linear"), ["activation"]),
        ("Activation", dict(common, name="activation_1", activation="sigmoid"), ["conv2d_1"]),
        ("Conv2D", conv("conv2d_2", 8, 3, 2, "gelu"), ["activation_1"]),
        ("GlobalAveragePooling2D", dict(common, name="global_average_pooling2d", data_format="channels_last",
                                        keepdims=False), ["conv2d_2"]),
        ("Dense", dict(common, name="dense", units=10, activation="selu", use_bias=True), ["global_average_pooling2d"]),
        ("Activation", dict(common, name="activation_2", activation="relu6"), ["dense"]),
        ("Dense", dict(common, name="dense_1", units=5, activation="linear", use_bias=True), ["activation_2"]),
        ("Softmax", dict(common, name="softmax", axis=-1), ["dense_1"]),
    ]
    entries = [{"class_name": cls, "config": cfg, "name": cfg["name"],
                "inbound_nodes": [[[i, 0, 0, {}] for i in inbound]] if inbound else []} for cls, cfg, inbound in layers]
    config = {"class_name": "Functional", "config": {"name": "model", "trainable": True, "layers": entries,
                                                     "input_layers": [["input_1", 0, 0]],
                                                     "output_layers": [["softmax", 0, 0]]}}
    return config, weights, [cfg["name"] for _, cfg, _ in layers]


def activations_reference(weights, x):
    """The model in float64 from the tf-keras 2.15 definitions (see the module docstring)."""
    w = {k: [np.asarray(v, np.float64) for _, v in vs] for k, vs in weights.items()}
    erf = np.vectorize(math.erf)
    sigmoid = lambda v: 1.0 / (1.0 + np.exp(-v))  # noqa: E731
    elu = lambda v, alpha: np.where(v > 0, v, alpha * np.expm1(np.minimum(v, 0)))  # noqa: E731
    kernel, bias = w["conv2d"]
    x = ref.conv2d(x, kernel, 1, "same") + bias
    x = x * sigmoid(x)                                                  # swish
    x = ref.batch_norm(x, *w["batch_normalization"])
    x = np.clip(x, 0.0, 6.0)                                            # ReLU(max_value=6)
    dw, pw, bias = w["separable_conv2d"]
    x = elu(np.tensordot(ref.depthwise(x, dw), pw[0, 0], axes=([3], [0])) + bias, 1.0)
    leaky = np.where(x >= 0, x, 0.1 * x)                                 # LeakyReLU(alpha=0.1)
    dw, bias = w["depthwise_conv2d"]
    x = np.tanh(ref.depthwise(leaky, dw) + bias) + leaky                  # tanh, then Add
    x = elu(x, 0.5)                                                     # ELU(alpha=0.5)
    x = np.clip(0.2 * x + 0.5, 0.0, 1.0)                                # tf.keras 2.x hard_sigmoid
    kernel, bias = w["conv2d_1"]
    x = sigmoid(ref.conv2d(x, kernel, 1, "same") + bias)
    kernel, bias = w["conv2d_2"]
    x = ref.conv2d(x, kernel, 2, "same") + bias
    x = 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))                       # gelu, approximate=False
    x = x.mean(axis=(1, 2))
    kernel, bias = w["dense"]
    x = x @ kernel + bias
    x = 1.0507009873554804934193349852946 * elu(x, 1.6732632423543772848170429916717)  # selu
    x = np.clip(x, 0.0, 6.0)                                            # relu6
    kernel, bias = w["dense_1"]
    return softmax(x @ kernel + bias)


def write_activation_fixtures():
    rng = np.random.default_rng(15)
    config, weights, names = activations_model(rng)
    write_tfkeras215_h5(os.path.join(OUT, "activations_tfkeras215.h5"), config, names, weights)
    xs = rng.uniform(-1, 1, (2, 16, 16, 3)).astype(np.float32)
    expected = activations_reference(weights, xs.astype(np.float64))
    np.save(os.path.join(OUT, "activations_input.npy"), xs)
    np.save(os.path.join(OUT, "activations_expected.npy"), expected)
    print("activations: p", expected)

# ---------------------------------------------------------------- ZeroPadding2D, AveragePooling2D, BN(scale=False), 1x7/7x1

def np_zero_pad(x, top, bottom, left, right):
    return np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))


def np_same_pads(size, k, s):
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


def np_conv(x, kernel, stride, padding):
    """Keras Conv2D (HWIO kernel, any kh x kw): 'same' pads explicitly with TF's split, then slides 'valid'."""
    kh, kw = kernel.shape[:2]
    if padding == "same":
        x = np_zero_pad(x, *np_same_pads(x.shape[1], kh, stride), *np_same_pads(x.shape[2], kw, stride))
    oh, ow = (x.shape[1] - kh) // stride + 1, (x.shape[2] - kw) // stride + 1
    out = np.zeros((x.shape[0], oh, ow, kernel.shape[3]))
    for ky in range(kh):
        for kx in range(kw):
            patch = x[:, ky:ky + stride * (oh - 1) + 1:stride, kx:kx + stride * (ow - 1) + 1:stride, :]
            out += patch @ kernel[ky, kx]
    return out


def np_pool(x, k, stride, padding, average):
    """Keras MaxPooling2D / AveragePooling2D: a 'same' pad is a cell that is not there (never the max, never counted)."""
    n, h, w, c = x.shape
    top, left = (np_same_pads(h, k, stride)[0], np_same_pads(w, k, stride)[0]) if padding == "same" else (0, 0)
    oh, ow = (-(-h // stride), -(-w // stride)) if padding == "same" else ((h - k) // stride + 1, (w - k) // stride + 1)
    out = np.zeros((n, oh, ow, c))
    for oy in range(oh):
        for ox in range(ow):
            y0, x0 = oy * stride - top, ox * stride - left
            window = x[:, max(y0, 0):min(y0 + k, h), max(x0, 0):min(x0 + k, w), :]
            out[:, oy, ox, :] = window.mean(axis=(1, 2)) if average else window.max(axis=(1, 2))
    return out


def np_bn(x, gamma, beta, mean, variance, epsilon):
    return gamma * (x - mean) / np.sqrt(variance + epsilon) + beta


def padpool_model(rng):
    f32 = np.float32
    weights = {
        "conv1": [("conv1/kernel:0", rng.normal(0, 0.3, (7, 7, 3, 8)))],
        "conv1_bn": [("conv1_bn/beta:0", rng.normal(0, 0.1, 8)), ("conv1_bn/moving_mean:0", rng.normal(0, 0.1, 8)),
                     ("conv1_bn/moving_variance:0", rng.uniform(0.5, 1.5, 8))],
        "conv_1x7": [("conv_1x7/kernel:0", rng.normal(0, 0.3, (1, 7, 8, 6)))],
        "conv_1x7_bn": [("conv_1x7_bn/beta:0", rng.normal(0, 0.1, 6)), ("conv_1x7_bn/moving_mean:0", rng.normal(0, 0.1, 6)),
                        ("conv_1x7_bn/moving_variance:0", rng.uniform(0.5, 1.5, 6))],
        "conv_7x1": [("conv_7x1/kernel:0", rng.normal(0, 0.3, (7, 1, 6, 6))), ("conv_7x1/bias:0", rng.normal(0, 0.1, 6))],
        "dense": [("dense/kernel:0", rng.normal(0, 2.0, (6, 4))), ("dense/bias:0", rng.normal(0, 0.1, 4))],
    }
    weights = {k: [(n, v.astype(f32)) for n, v in vs] for k, vs in weights.items()}
    common = {"trainable": True, "dtype": "float32"}

    def conv(name, filters, kernel, strides, padding, use_bias, activation="linear"):
        return dict(common, name=name, filters=filters, kernel_size=list(kernel), strides=[strides, strides], padding=padding,
                    data_format="channels_last", dilation_rate=[1, 1], groups=1, activation=activation, use_bias=use_bias,
                    kernel_initializer=INITIALIZER, bias_initializer={"class_name": "Zeros", "config": {}},
                    kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                    kernel_constraint=None, bias_constraint=None)

    def bn(name):
        return dict(common, name=name, axis=[3], momentum=0.99, epsilon=1.001e-5, center=True, scale=False,
                    beta_initializer={"class_name": "Zeros", "config": {}}, gamma_initializer={"class_name": "Ones", "config": {}},
                    moving_mean_initializer={"class_name": "Zeros", "config": {}},
                    moving_variance_initializer={"class_name": "Ones", "config": {}},
                    beta_regularizer=None, gamma_regularizer=None, beta_constraint=None, gamma_constraint=None)

    def pad(name, padding):
        return dict(common, name=name, padding=padding, data_format="channels_last")

    def pool(name, size, strides, padding):
        return dict(common, name=name, pool_size=[size, size], padding=padding, strides=[strides, strides],
                    data_format="channels_last")

    chain = [
        ("ZeroPadding2D", pad("conv1_pad", [[3, 3], [3, 3]])),
        ("Conv2D", conv("conv1", 8, (7, 7), 2, "valid", False)),
        ("BatchNormalization", bn("conv1_bn")),
        ("Activation", dict(common, name="conv1_relu", activation="relu")),
        ("ZeroPadding2D", pad("pool1_pad", [[1, 1], [1, 1]])),
        ("MaxPooling2D", pool("pool1_pool", 3, 2, "valid")),
        ("Conv2D", conv("conv_1x7", 6, (1, 7), 1, "same", False)),
        ("BatchNormalization", bn("conv_1x7_bn")),
        ("Activation", dict(common, name="conv_1x7_relu", activation="relu")),
        ("Conv2D", conv("conv_7x1", 6, (7, 1), 1, "same", True, activation="relu")),
        ("AveragePooling2D", pool("avg_same", 3, 1, "same")),
        ("ZeroPadding2D", pad("avg_pad", [[0, 1], [1, 0]])),
        ("AveragePooling2D", pool("avg_valid", 2, 2, "valid")),
        ("GlobalAveragePooling2D", dict(common, name="global_average_pooling2d", data_format="channels_last", keepdims=False)),
        ("Dense", dict(common, name="dense", units=4, activation="softmax", use_bias=True, kernel_initializer=INITIALIZER,
                       bias_initializer={"class_name": "Zeros", "config": {}}, kernel_regularizer=None, bias_regularizer=None,
                       activity_regularizer=None, kernel_constraint=None, bias_constraint=None)),
    ]
    entries = [{"class_name": "InputLayer", "config": {"batch_input_shape": [None, 17, 17, 3], "dtype": "float32",
                                                       "sparse": False, "ragged": False, "name": "input_1"},
                "name": "input_1", "inbound_nodes": []}]
    previous = "input_1"
    for class_name, cfg in chain:
        entries.append({"class_name": class_name, "config": cfg, "name": cfg["name"],
                        "inbound_nodes": [[[previous, 0, 0, {}]]]})
        previous = cfg["name"]
    config = {"class_name": "Functional", "config": {"name": "model", "trainable": True, "layers": entries,
                                                     "input_layers": [["input_1", 0, 0]],
                                                     "output_layers": [["dense", 0, 0]]}}
    return config, [e["name"] for e in entries], weights


def padpool_reference(weights, x):
    w = {k: [np.asarray(v, np.float64) for _, v in vs] for k, vs in weights.items()}
    eps = 1.001e-5
    x = np_conv(np_zero_pad(x, 3, 3, 3, 3), w["conv1"][0], 2, "valid")
    x = np.maximum(np_bn(x, 1.0, *w["conv1_bn"], eps), 0)
    x = np_pool(np_zero_pad(x, 1, 1, 1, 1), 3, 2, "valid", average=False)
    x = np.maximum(np_bn(np_conv(x, w["conv_1x7"][0], 1, "same"), 1.0, *w["conv_1x7_bn"], eps), 0)
    x = np.maximum(np_conv(x, w["conv_7x1"][0], 1, "same") + w["conv_7x1"][1], 0)
    x = np_pool(x, 3, 1, "same", average=True)
    x = np_pool(np_zero_pad(x, 0, 1, 1, 0), 2, 2, "valid", average=True)
    kernel, bias = w["dense"]
    return softmax(x.mean(axis=(1, 2)) @ kernel + bias)


def write_padpool_fixtures():
    rng = np.random.default_rng(15)
    config, names, weights = padpool_model(rng)
    write_tfkeras215_h5(os.path.join(OUT, "padpool_tfkeras215.h5"), config, names, weights)
    xs = rng.uniform(-1, 1, (2, 17, 17, 3)).astype(np.float32)
    expected = padpool_reference(weights, xs.astype(np.float64))
    np.save(os.path.join(OUT, "padpool_input.npy"), xs)
    np.save(os.path.join(OUT, "padpool_expected.npy"), expected)
    print("padpool: top-1", expected.argmax(axis=1), "max p", expected.max(axis=1))

# ---------------------------------------------------------------- Concatenate (Inception) and Multiply (squeeze-and-excitation)

def keras_layer_order(inbound, output):
    """model.layers of a tf.keras 2.x functional model (tf_keras/engine/functional.py _map_graph_network): layers by
    decreasing depth (the longest path to the output), ties by first visit of the DFS from the output over inbound
    layers in order (_build_map_helper numbers a layer before its inputs). Weights load in this order."""
    depth, seen = {}, {}

    def visit(name, d):
        seen.setdefault(name, len(seen))
        depth[name] = max(depth.get(name, 0), d)
        for parent in inbound[name]:
            visit(parent, d + 1)

    visit(output, 0)
    return sorted(depth, key=lambda n: (-depth[n], seen[n]))


def concat_se_model(rng):
    f32 = np.float32
    common = {"trainable": True, "dtype": "float32"}
    zeros = {"class_name": "Zeros", "config": {}}

    def conv(name, filters, kernel, padding="same", use_bias=False, activation="linear"):
        return ("Conv2D", dict(common, name=name, filters=filters, kernel_size=list(kernel), strides=[1, 1], padding=padding,
                               data_format="channels_last", dilation_rate=[1, 1], groups=1, activation=activation,
                               use_bias=use_bias, kernel_initializer=INITIALIZER, bias_initializer=zeros,
                               kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                               kernel_constraint=None, bias_constraint=None))

    def bn(name):
        return ("BatchNormalization", dict(common, name=name, axis=[3], momentum=0.99, epsilon=1e-3, center=True, scale=True,
                                           beta_initializer=zeros, gamma_initializer={"class_name": "Ones", "config": {}},
                                           moving_mean_initializer=zeros, moving_variance_initializer={"class_name": "Ones", "config": {}},
                                           beta_regularizer=None, gamma_regularizer=None, beta_constraint=None, gamma_constraint=None))

    def relu(name):
        return ("Activation", dict(common, name=name, activation="relu"))

    def pool(cls, name):
        return (cls, dict(common, name=name, pool_size=[3, 3], padding="same", strides=[1, 1], data_format="channels_last"))

    # (class, config, inbound names): the stem, an Inception block of four branches (1x1; 1x1 -> 3x3; average pool
    # -> 1x1; a bare max pool, which no convolution produces), a squeeze-and-excitation block on the concatenation,
    # then a 1x1 projection and the head.
    graph = [
        (*conv("conv2d", 8, (3, 3)), ["input_1"]), (*bn("batch_normalization"), ["conv2d"]), (*relu("activation"), ["batch_normalization"]),
        (*conv("conv2d_1", 6, (1, 1)), ["activation"]), (*bn("batch_normalization_1"), ["conv2d_1"]), (*relu("activation_1"), ["batch_normalization_1"]),
        (*conv("conv2d_2", 4, (1, 1)), ["activation"]), (*bn("batch_normalization_2"), ["conv2d_2"]), (*relu("activation_2"), ["batch_normalization_2"]),
        (*conv("conv2d_3", 6, (3, 3)), ["activation_2"]), (*bn("batch_normalization_3"), ["conv2d_3"]), (*relu("activation_3"), ["batch_normalization_3"]),
        (*pool("AveragePooling2D", "average_pooling2d"), ["activation"]),
        (*conv("conv2d_4", 4, (1, 1)), ["average_pooling2d"]), (*bn("batch_normalization_4"), ["conv2d_4"]), (*relu("activation_4"), ["batch_normalization_4"]),
        (*pool("MaxPooling2D", "max_pooling2d"), ["activation"]),
        ("Concatenate", dict(common, name="mixed0", axis=-1), ["activation_1", "activation_3", "activation_4", "max_pooling2d"]),
        ("GlobalAveragePooling2D", dict(common, name="se_squeeze", data_format="channels_last", keepdims=True), ["mixed0"]),
        (*conv("se_reduce", 6, (1, 1), use_bias=True, activation="swish"), ["se_squeeze"]),
        (*conv("se_expand", 24, (1, 1), use_bias=True, activation="sigmoid"), ["se_reduce"]),
        ("Multiply", dict(common, name="se_excite"), ["mixed0", "se_expand"]),
        (*conv("project", 10, (1, 1)), ["se_excite"]), (*bn("project_bn"), ["project"]),
        ("GlobalAveragePooling2D", dict(common, name="global_average_pooling2d", data_format="channels_last", keepdims=False), ["project_bn"]),
        ("Dense", dict(common, name="dense", units=5, activation="softmax", use_bias=True, kernel_initializer=INITIALIZER,
                       bias_initializer=zeros, kernel_regularizer=None, bias_regularizer=None,
                       activity_regularizer=None, kernel_constraint=None, bias_constraint=None), ["global_average_pooling2d"]),
    ]
    channels_in = {"conv2d": 4, "conv2d_1": 8, "conv2d_2": 8, "conv2d_3": 4, "conv2d_4": 8, "se_reduce": 24, "se_expand": 6, "project": 24}
    weights = {}
    for cls, cfg, _ in graph:
        name = cfg["name"]
        if cls == "Conv2D":
            kh, kw = cfg["kernel_size"]
            values = [(name + "/kernel:0", rng.normal(0, 0.4, (kh, kw, channels_in[name], cfg["filters"])))]
            if cfg["use_bias"]:
                values.append((name + "/bias:0", rng.normal(0, 0.3, cfg["filters"])))
            weights[name] = values
        elif cls == "BatchNormalization":
            c = {"batch_normalization": 8, "batch_normalization_1": 6, "batch_normalization_2": 4, "batch_normalization_3": 6,
                 "batch_normalization_4": 4, "project_bn": 10}[name]
            weights[name] = [(name + "/gamma:0", rng.uniform(0.5, 1.5, c)), (name + "/beta:0", rng.normal(0, 0.1, c)),
                             (name + "/moving_mean:0", rng.normal(0, 0.1, c)), (name + "/moving_variance:0", rng.uniform(0.5, 1.5, c))]
        elif cls == "Dense":
            weights[name] = [("dense/kernel:0", rng.normal(0, 0.15, (10, 5))), ("dense/bias:0", rng.normal(0, 0.1, 5))]
    weights = {k: [(n, v.astype(f32)) for n, v in vs] for k, vs in weights.items()}

    inbound = {"input_1": []}
    by_name = {}
    for cls, cfg, parents in graph:
        inbound[cfg["name"]] = parents
        by_name[cfg["name"]] = (cls, cfg, parents)
    order = keras_layer_order(inbound, "dense")
    entries = []
    for name in order:
        if name == "input_1":
            entries.append({"class_name": "InputLayer", "config": {"batch_input_shape": [None, 9, 9, 4], "dtype": "float32",
                                                                   "sparse": False, "ragged": False, "name": "input_1"},
                            "name": "input_1", "inbound_nodes": []})
            continue
        cls, cfg, parents = by_name[name]
        entries.append({"class_name": cls, "config": cfg, "name": name, "inbound_nodes": [[[p, 0, 0, {}] for p in parents]]})
    config = {"class_name": "Functional", "config": {"name": "model", "trainable": True, "layers": entries,
                                                     "input_layers": [["input_1", 0, 0]],
                                                     "output_layers": [["dense", 0, 0]]}}
    return config, order, weights


def concat_se_reference(weights, x):
    w = {k: [np.asarray(v, np.float64) for _, v in vs] for k, vs in weights.items()}

    def conv_bn_relu(x, conv, norm):
        return np.maximum(np_bn(np_conv(x, w[conv][0], 1, "same"), *w[norm], 1e-3), 0)

    stem = conv_bn_relu(x, "conv2d", "batch_normalization")
    b1 = conv_bn_relu(stem, "conv2d_1", "batch_normalization_1")
    b2 = conv_bn_relu(conv_bn_relu(stem, "conv2d_2", "batch_normalization_2"), "conv2d_3", "batch_normalization_3")
    b3 = conv_bn_relu(np_pool(stem, 3, 1, "same", average=True), "conv2d_4", "batch_normalization_4")
    b4 = np_pool(stem, 3, 1, "same", average=False)
    mixed = np.concatenate([b1, b2, b3, b4], axis=-1)
    squeeze = mixed.mean(axis=(1, 2), keepdims=True)
    reduced = np_conv(squeeze, w["se_reduce"][0], 1, "same") + w["se_reduce"][1]
    reduced = reduced / (1 + np.exp(-reduced))
    scale = 1 / (1 + np.exp(-(np_conv(reduced, w["se_expand"][0], 1, "same") + w["se_expand"][1])))
    excited = mixed * scale
    projected = np_bn(np_conv(excited, w["project"][0], 1, "same"), *w["project_bn"], 1e-3)
    kernel, bias = w["dense"]
    return softmax(projected.mean(axis=(1, 2)) @ kernel + bias)


def write_concat_se_fixtures():
    rng = np.random.default_rng(21)
    config, names, weights = concat_se_model(rng)
    write_tfkeras215_h5(os.path.join(OUT, "concat_se_tfkeras215.h5"), config, names, weights)
    xs = rng.uniform(-1, 1, (2, 9, 9, 4)).astype(np.float32)
    expected = concat_se_reference(weights, xs.astype(np.float64))
    np.save(os.path.join(OUT, "concat_se_input.npy"), xs)
    np.save(os.path.join(OUT, "concat_se_expected.npy"), expected)
    print("concat_se: layers", names)
    print("concat_se: top-1", expected.argmax(axis=1), "max p", expected.max(axis=1))



# ---------------------------------------------------------------- MobileNet transfer models (--only mobilenet_apps)
#
# What users bring most: an application base nested as one layer of their own model. Three files, 96x96x3 inputs
# (a size Keras's MobileNets accept with imagenet weights, so the base keeps the name Keras gives it), the bases
# rebuilt layer by layer from Keras's sources with make_application_weights.py's Graph/Builder and run by its float64
# interpreter (run_graph), the heads in float64 numpy below. Own generator (seed 31), so nothing above moves.
#
# (a) tm_mobilenet_v1_tfkeras.h5 + tm_labels.txt: shaped as a Teachable Machine image export (keras_model.h5).
#   VERIFIED (googlecreativelab/teachablemachine-community, libraries/image/src/custom-mobilenet.ts and
#   teachable-mobilenet.ts; snippets/markdown/image/tensorflow/keras.md):
#     - the base is MobileNet V1 alpha 0.25 (DEFAULT_ALPHA_V1; V2 uses alpha 0.35), input 224x224 (IMAGE_SIZE),
#       cut at 'conv_pw_13_relu' (DEFAULT_TRAINING_LAYER_V1; V2: 'out_relu'): tf.model({inputs, outputs: that
#       layer's output}), wrapped as tf.sequential([truncated, flatten()]) for V1 (globalAveragePooling2d for V2);
#     - the trained head is tf.sequential([dense(units: denseUnits, relu, useBias true), dense(numClasses,
#       softmax, useBias FALSE)]), and the exported model is tf.sequential([truncatedSequential, head]): a
#       Functional inside a Sequential inside a Sequential, with a Sequential beside it;
#     - the Keras snippet feeds (pixels / 127.5) - 1 (no preprocessing in the model) and prints
#       class_names[index][2:], i.e. labels.txt lines are "<index> <name>" ("0 Class 1").
#   RECALLED, not found by search here: a TM image export's model.summary() as users post it, "sequential_1
#     (Sequential) (None, 1280) 410208" then "sequential_3 (Sequential) (None, 2) 128300", i.e. the website exports
#     MobileNetV2 alpha 0.35 cut at out_relu + GlobalAveragePooling2D, and Dense(100, relu) + Dense(2, no bias)
#     (1280*100 + 100 + 100*2 = 128300). The first count is exactly what mobilenet_v2_base(0.35, 224) below has
#     (410,208), which is why tm2_* (that V2 shape) is written beside the V1 one.
#   INFERRED (not verified here): denseUnits 100 (the TM page's default); the layer and model names tfjs gives
#     (model1, sequential_1.., flatten_Flatten1, dense_Dense1/2); that the base follows today's
#     keras/src/applications/mobilenet.py (ReLU(6.), ZeroPadding2D(((0, 1), (0, 1))) + 'valid' only before the
#     strided depthwise convs) rather than the Keras 2.1 layout tfjs's mobilenet_v1_0.25_224 may have been converted
#     from (Activation(relu6), ZeroPadding2D(1) before every depthwise conv); that the .h5 is written by tf.keras 2.x
#     model.save (keras_version 2.4.0 here, "Functional" class names, DepthwiseConv2D config with groups 1 as its
#     Conv2D base class writes it, which Keras 3 famously rejects); that the base is trainable (TM does not freeze
#     it), so the nested group lists its variables as trainable_weights + non_trainable_weights
#     (tf_keras/saving/legacy/hdf5_format.py save_weights_to_hdf5_group via _legacy_weights); weight names scoped by
#     the inner layer only ("conv1/kernel:0"). Reduced: 96x96 input, 3 classes.
# (b) mnv2_transfer_tfkeras215.h5: keras/src/applications/mobilenet_v2.py MobileNetV2(alpha 0.35,
#   include_top=False, pooling='avg', weights=None) frozen and called with training=False inside
#   Input -> base -> Dropout(0.2) -> Dense(5, softmax), saved by tf.keras 2.15 (hdf5_format.py save_model_to_hdf5).
# (c) mnv2_transfer_keras3.keras: the same model and weights saved by Keras 3.6 (saving_lib: config.json with
#   DTypePolicy dicts and dict-form nodes; ReLU's get_config max_value 6.0, negative_slope 0.0, threshold 0.0 as
#   keras/src/layers/activations/relu.py writes it; weights at layers/<snake class>[_N]/vars/<i>, the base under
#   layers/functional/).

MOBILENET_SIZE = 96
TM_CLASSES = ["Class 1", "Class 2", "Class 3"]
MNV2_CLASSES = 5


def applications_module():
    sys.path.insert(0, HERE)
    import make_application_weights as apps
    return apps


def mobilenet_v2_base(apps, alpha, size):
    """keras/src/applications/mobilenet_v2.py at `alpha`, no top, pooling 'avg': the application tool's builder,
    named as Keras names the model (mobilenetv2_<alpha>_<rows>)."""
    return apps.mobilenet_v2(include_top=False, size=size, alpha=alpha, pooling="avg",
                             name="mobilenetv2_%0.2f_%d" % (alpha, size))


class BaseModel:
    """A base graph in Keras's model.layers order with seeded weights: what run_graph and the writers read."""

    def __init__(self, apps, graph, output, rng, gamma_for):
        self.graph, self.output = graph, output
        self.order = graph.keras_order(output)
        self.values = {}
        for name in self.order:
            layer = graph.layers[name]
            self.values[name] = [apps.synthetic_values(rng, variable, shape, dtype, gamma_for(name))
                                 for variable, shape, dtype in layer.weights]

    def variables(self, name):
        """(variable, value, trainable) of one layer in layer.weights order (BN: gamma, beta, then the moving stats)."""
        layer = self.graph.layers[name]
        return [(variable, value, not variable.startswith("moving_"))
                for (variable, _, _), value in zip(layer.weights, self.values[name])]


def tfk_layer_config(layer, trainable, keras3=False, relu6_activation=False):
    """get_config() of each class as tf.keras 2.x writes it (tf_keras/layers/...); Keras 3 drops Conv's groups on
    DepthwiseConv2D, writes axis -1 and DTypePolicy dicts (keras/src/layers/...)."""
    a = layer.attrs
    common = {"name": layer.name, "trainable": trainable, "dtype": dtype_policy() if keras3 else "float32"}
    zeros = {"class_name": "Zeros", "config": {}}
    if layer.cls == "Conv2D":
        k = a["kernel"]
        s = a["strides"] if not isinstance(a["strides"], int) else (a["strides"], a["strides"])
        return dict(common, filters=layer.weights[0][1][-1], kernel_size=list(k), strides=list(s), padding=a["padding"],
                    data_format="channels_last", dilation_rate=[1, 1], groups=1, activation="linear",
                    use_bias=a["use_bias"], kernel_initializer=INITIALIZER, bias_initializer=zeros,
                    kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                    bias_constraint=None)
    if layer.cls == "DepthwiseConv2D":
        s = a["strides"] if not isinstance(a["strides"], int) else (a["strides"], a["strides"])
        cfg = dict(common, kernel_size=list(a["kernel"]), strides=list(s), padding=a["padding"],
                   data_format="channels_last", dilation_rate=[1, 1], activation="linear", use_bias=False,
                   bias_initializer=zeros, bias_regularizer=None, activity_regularizer=None, bias_constraint=None,
                   depth_multiplier=1, depthwise_initializer=INITIALIZER, depthwise_regularizer=None,
                   depthwise_constraint=None)
        if not keras3:
            cfg["groups"] = 1
        return cfg
    if layer.cls == "BatchNormalization":
        return dict(common, axis=-1 if keras3 else [3], momentum=0.999, epsilon=a["epsilon"], center=True, scale=True,
                    beta_initializer=zeros, gamma_initializer={"class_name": "Ones", "config": {}},
                    moving_mean_initializer=zeros, moving_variance_initializer={"class_name": "Ones", "config": {}},
                    beta_regularizer=None, gamma_regularizer=None, beta_constraint=None, gamma_constraint=None)
    if layer.cls == "ReLU" and relu6_activation:
        return dict(common, activation="relu6")
    if layer.cls == "ReLU":
        return dict(common, max_value=a["max_value"], negative_slope=0.0, threshold=0.0)
    if layer.cls == "ZeroPadding2D":
        return dict(common, padding=[list(p) for p in a["padding"]], data_format="channels_last")
    if layer.cls == "Add":
        return dict(common)
    if layer.cls == "GlobalAveragePooling2D":
        return dict(common, data_format="channels_last", keepdims=bool(a.get("keepdims", False)))
    if layer.cls == "Dropout":
        return dict(common, rate=1e-3, noise_shape=None, seed=None)
    if layer.cls == "Reshape":
        return dict(common, target_shape=list(a["target_shape"]))
    if layer.cls == "Activation":
        return dict(common, activation=a["activation"])
    raise ValueError(layer.cls)


def tfk_base_config(base, name, trainable, relu6_activation=False):
    entries = []
    for layer_name in base.order:
        layer = base.graph.layers[layer_name]
        if layer.cls == "InputLayer":
            entries.append({"class_name": "InputLayer", "config": {
                "batch_input_shape": [None, MOBILENET_SIZE, MOBILENET_SIZE, 3], "dtype": "float32", "sparse": False,
                "ragged": False, "name": layer_name}, "name": layer_name, "inbound_nodes": []})
            continue
        class_name = "Activation" if layer.cls == "ReLU" and relu6_activation else layer.cls
        entries.append({"class_name": class_name, "config": tfk_layer_config(layer, trainable, relu6_activation=relu6_activation), "name": layer_name,
                        "inbound_nodes": [[[inbound, 0, 0, {}] for inbound in layer.inputs]]})
    return {"name": name, "trainable": trainable, "layers": entries,
            "input_layers": [[base.order[0], 0, 0]], "output_layers": [[base.output, 0, 0]]}


def tfk_input(name, shape):
    return {"class_name": "InputLayer", "config": {"batch_input_shape": [None] + list(shape), "dtype": "float32",
                                                    "sparse": False, "ragged": False, "name": name}}


def tfk_dense_config(name, units, activation, use_bias):
    return {"name": name, "trainable": True, "dtype": "float32", "units": units, "activation": activation,
            "use_bias": use_bias, "kernel_initializer": {"class_name": "VarianceScaling", "config": {
                "scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal", "seed": None}},
            "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": None,
            "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None}


def nested_weight_names(base, trainable):
    """The weight_names of a nested model's group: _legacy_weights = trainable_weights + non_trainable_weights, each in
    model.layers order; a frozen model has no trainable weights, so its list is plain layer order."""
    first, second = [], []
    for name in base.order:
        for variable, value, var_trainable in base.variables(name):
            (first if trainable and var_trainable else second).append(("%s/%s:0" % (name, variable), value))
    return first + second


def write_h5_model(path, config, keras_version, groups, training_config=None):
    """save_model_to_hdf5: model_config, /model_weights with layer_names (model.layers: no InputLayer for a
    Sequential) and one group per layer with its weight_names and datasets."""
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = json.dumps(config)
        f.attrs["keras_version"] = keras_version
        f.attrs["backend"] = "tensorflow"
        if training_config is not None:
            f.attrs["training_config"] = json.dumps(training_config)
        g = f.create_group("model_weights")
        write_string_list(g, "layer_names", [name for name, _ in groups])
        g.attrs["keras_version"] = keras_version
        g.attrs["backend"] = "tensorflow"
        for name, values in groups:
            group = g.create_group(name)
            write_string_list(group, "weight_names", [n for n, _ in values])
            for n, v in values:
                group.create_dataset(n, data=v)


def run_base(apps, base, x):
    class View:
        pass
    view = View()
    view.graph, view.order, view.output = base.graph, base.order, base.output
    return apps.run_graph(view, base.values, x)


def write_teachable_machine_fixture(apps, rng, graph, stem, relu6_activation=False, version=1):
    """version 1: the base cut at conv_pw_13_relu + Flatten; version 2: MobileNetV2 cut at out_relu +
    GlobalAveragePooling2D (custom-mobilenet.ts loadTruncatedMobileNet)."""
    graph.name = "model1"
    cut = "conv_pw_13_relu" if version == 1 else "out_relu"
    base = BaseModel(apps, graph, cut, rng, lambda name: (0.4, 0.6) if name.endswith("project_BN") else (0.8, 1.2))
    assert base.order[-1] == cut
    side = -(-MOBILENET_SIZE // 32)
    features = side * side * 256 if version == 1 else 1280
    pool = ({"class_name": "Flatten", "config": {"name": "flatten_Flatten1", "trainable": True, "dtype": "float32",
                                                 "data_format": "channels_last"}} if version == 1 else
            {"class_name": "GlobalAveragePooling2D", "config": {
                "name": "global_average_pooling2d_GlobalAveragePooling2D1", "trainable": True, "dtype": "float32",
                "data_format": "channels_last", "keepdims": False}})
    hidden = 100
    dense1 = ((rng.standard_normal((features, hidden)) * math.sqrt(2.0 / features)).astype(np.float32),
              (rng.standard_normal(hidden) * 0.05).astype(np.float32))
    dense2 = (rng.standard_normal((hidden, len(TM_CLASSES))) * 0.4).astype(np.float32)

    truncated = {"name": "sequential_1", "layers": [
        tfk_input("model1_input", (MOBILENET_SIZE, MOBILENET_SIZE, 3)),
        {"class_name": "Functional", "config": tfk_base_config(base, "model1", True, relu6_activation)},
        pool]}
    head = {"name": "sequential_2", "layers": [
        tfk_input("dense_Dense1_input", (features,)),
        {"class_name": "Dense", "config": tfk_dense_config("dense_Dense1", hidden, "relu", True)},
        {"class_name": "Dense", "config": tfk_dense_config("dense_Dense2", len(TM_CLASSES), "softmax", False)}]}
    config = {"class_name": "Sequential", "config": {"name": "sequential_3", "layers": [
        tfk_input("sequential_1_input", (MOBILENET_SIZE, MOBILENET_SIZE, 3)),
        {"class_name": "Sequential", "config": truncated},
        {"class_name": "Sequential", "config": head}]}}
    groups = [("sequential_1", nested_weight_names(base, trainable=True)),
              ("sequential_2", [("dense_Dense1/kernel:0", dense1[0]), ("dense_Dense1/bias:0", dense1[1]),
                                ("dense_Dense2/kernel:0", dense2)])]
    write_h5_model(os.path.join(OUT, "%s_mobilenet_v%d_tfkeras.h5" % (stem, version)), config, "2.4.0", groups)

    x = rng.uniform(-1, 1, (2, MOBILENET_SIZE, MOBILENET_SIZE, 3)).astype(np.float32)
    y = run_base(apps, base, x.astype(np.float64))
    y = y.reshape(2, -1) if version == 1 else y.mean(axis=(1, 2))
    y = np.maximum(y @ dense1[0].astype(np.float64) + dense1[1].astype(np.float64), 0.0)
    expected = softmax(y @ dense2.astype(np.float64))
    np.save(os.path.join(OUT, stem + "_input.npy"), x)
    np.save(os.path.join(OUT, stem + "_expected.npy"), expected)
    print(stem, "teachable machine: top-1", expected.argmax(axis=1), "max p", expected.max(axis=1))


def mnv2_keras3_config(base, classes):
    inner = []
    for name in base.order:
        layer = base.graph.layers[name]
        if layer.cls == "InputLayer":
            inner.append(keras3_input(name, [None, MOBILENET_SIZE, MOBILENET_SIZE, 3]))
            continue
        tensors = [keras_tensor([inbound, 0, 0]) for inbound in layer.inputs]
        args = [tensors] if layer.cls == "Add" else tensors
        inner.append(keras3_layer(layer.cls, tfk_layer_config(layer, False, keras3=True), name,
                                  [{"args": args, "kwargs": {}}]))
    base_entry = keras3_layer("Functional", {"name": base.graph.name, "trainable": False, "layers": inner,
                                             "input_layers": [base.order[0], 0, 0], "output_layers": [base.output, 0, 0]},
                              base.graph.name, [{"args": [keras_tensor(["input_layer_1", 0, 0])], "kwargs": {"training": False}}],
                              module="keras.src.models.functional", registered="Functional")
    dropout = {"name": "dropout", "trainable": True, "dtype": dtype_policy(), "rate": 0.2, "seed": None, "noise_shape": None}
    dense = tfk_dense_config("dense", classes, "softmax", True)
    dense["dtype"] = dtype_policy()
    dense["kernel_initializer"] = {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": None},
                                   "registered_name": None}
    dense["bias_initializer"] = {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": None}
    outer = [
        keras3_input("input_layer_1", [None, MOBILENET_SIZE, MOBILENET_SIZE, 3]),
        base_entry,
        keras3_layer("Dropout", dropout, "dropout", [{"args": [keras_tensor([base.graph.name, 0, 0])], "kwargs": {"training": False}}]),
        keras3_layer("Dense", dense, "dense", [{"args": [keras_tensor(["dropout", 0, 0])], "kwargs": {}}]),
    ]
    return {"module": "keras.src.models.functional", "class_name": "Functional", "registered_name": "Functional",
            "config": {"name": "functional", "trainable": True, "layers": outer,
                       "input_layers": ["input_layer_1", 0, 0], "output_layers": ["dense", 0, 0]},
            "build_config": {"input_shape": None}}


KERAS3_SNAKE = {"InputLayer": "input_layer", "Conv2D": "conv2d", "DepthwiseConv2D": "depthwise_conv2d",
                "BatchNormalization": "batch_normalization", "ReLU": "re_lu", "ZeroPadding2D": "zero_padding2d",
                "Add": "add", "GlobalAveragePooling2D": "global_average_pooling2d", "Functional": "functional",
                "Dropout": "dropout", "Dense": "dense"}


def write_mnv2_keras3(path, config, values):
    """saving_lib._save_container_state: every element of a container's layers under layers/<snake class>[_N], its
    variables at vars/<i> in layer.weights order; a nested model's own layers below its group."""
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        f.create_group("vars")

        def container(prefix, entries):
            counts = {}
            for entry in entries:
                snake = KERAS3_SNAKE[entry["class_name"]]
                n = counts.get(snake, 0)
                counts[snake] = n + 1
                group_path = "%s/layers/%s" % (prefix, snake if n == 0 else "%s_%d" % (snake, n))
                group = f.create_group(group_path + "/vars")
                if entry["class_name"] == "Functional":
                    container(group_path, entry["config"]["layers"])
                for i, value in enumerate(values.get(entry["name"], [])):
                    group.create_dataset(str(i), data=value)

        container("", config["config"]["layers"])
    members = [("metadata.json", json.dumps({"keras_version": "3.6.0", "date_saved": "2026-12-03@08:30:00"})),
               ("config.json", json.dumps(config)),
               ("model.weights.h5", buffer.getvalue())]
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members:
            z.writestr(zipfile.ZipInfo(name, date_time=(2026, 12, 3, 8, 30, 0)), data)


def write_mnv2_fixtures(apps, rng):
    graph, output = mobilenet_v2_base(apps, 0.35, MOBILENET_SIZE)
    base = BaseModel(apps, graph, output, rng, lambda name: (0.4, 0.6) if name.endswith("project_BN") else (0.8, 1.2))
    weighted = [n for n in base.order if graph.layers[n].weights]
    assert len(weighted) == 104, len(weighted)  # as the official notop file (models/README.md)
    dense = ((rng.standard_normal((1280, MNV2_CLASSES)) * 0.15).astype(np.float32),
             (rng.standard_normal(MNV2_CLASSES) * 0.05).astype(np.float32))

    entries = [
        tfk_input("input_2", (MOBILENET_SIZE, MOBILENET_SIZE, 3)),
        {"class_name": "Functional", "config": tfk_base_config(base, graph.name, False), "name": graph.name,
         "inbound_nodes": [[["input_2", 0, 0, {"training": False}]]]},
        {"class_name": "Dropout", "config": {"name": "dropout", "trainable": True, "dtype": "float32", "rate": 0.2,
                                             "noise_shape": None, "seed": None}, "name": "dropout",
         "inbound_nodes": [[[graph.name, 1, 0, {}]]]},
        {"class_name": "Dense", "config": tfk_dense_config("dense", MNV2_CLASSES, "softmax", True), "name": "dense",
         "inbound_nodes": [[["dropout", 0, 0, {}]]]},
    ]
    entries[0]["name"] = "input_2"
    entries[0]["inbound_nodes"] = []
    config = {"class_name": "Functional", "config": {"name": "model", "trainable": True, "layers": entries,
                                                     "input_layers": [["input_2", 0, 0]], "output_layers": [["dense", 0, 0]]}}
    groups = [("input_2", []), (graph.name, nested_weight_names(base, trainable=False)), ("dropout", []),
              ("dense", [("dense/kernel:0", dense[0]), ("dense/bias:0", dense[1])])]
    write_h5_model(os.path.join(OUT, "mnv2_transfer_tfkeras215.h5"), config, "2.15.0", groups,
                   training_config={"loss": "categorical_crossentropy"})

    values = dict(base.values)
    values["dense"] = list(dense)
    write_mnv2_keras3(os.path.join(OUT, "mnv2_transfer_keras3.keras"), mnv2_keras3_config(base, MNV2_CLASSES), values)

    x = rng.uniform(-1, 1, (2, MOBILENET_SIZE, MOBILENET_SIZE, 3)).astype(np.float32)
    pooled = run_base(apps, base, x.astype(np.float64))
    expected = softmax(pooled @ dense[0].astype(np.float64) + dense[1].astype(np.float64))
    np.save(os.path.join(OUT, "mnv2_input.npy"), x)
    np.save(os.path.join(OUT, "mnv2_expected.npy"), expected)
    print("mobilenet v2 transfer: top-1", expected.argmax(axis=1), "max p", expected.max(axis=1))


def mobilenet_v1_keras21(apps, alpha, size):
    """MobileNet V1 as Keras 2.1.x's keras/applications/mobilenet.py built it, the layout the tfjs
    mobilenet_v1_*_224 models Teachable Machine cuts may have been converted from (INFERRED, see above):
    conv1_pad ZeroPadding2D(1) + 'valid' conv1, and a ZeroPadding2D(1) 'conv_pad_N' + 'valid' depthwise conv in
    every block. Its relu6 is a custom Activation; the graph keeps ReLU(6) for the reference and
    tfk_layer_config(relu6_activation=True) writes it as Activation('relu6')."""
    g = apps.Graph("mobilenet_%0.2f_%d" % (alpha, size))
    b = apps.Builder(g, 3)
    x = b.input("input_1", size, size, 3)
    x = b.op(x, "conv1_pad", "ZeroPadding2D", padding=((1, 1), (1, 1)))
    x = b.conv(x, "conv1", int(32 * alpha), 3, strides=2, padding="valid", use_bias=False)
    x = b.bn(x, "conv1_bn")
    x = b.op(x, "conv1_relu", "ReLU", max_value=6.0)
    plan = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1), (512, 1), (512, 1),
            (512, 1), (1024, 2), (1024, 1)]
    for block_id, (filters, stride) in enumerate(plan, start=1):
        x = b.op(x, "conv_pad_%d" % block_id, "ZeroPadding2D", padding=((1, 1), (1, 1)))
        x = b.dwconv(x, "conv_dw_%d" % block_id, 3, strides=stride, padding="valid")
        x = b.bn(x, "conv_dw_%d_bn" % block_id)
        x = b.op(x, "conv_dw_%d_relu" % block_id, "ReLU", max_value=6.0)
        x = b.conv(x, "conv_pw_%d" % block_id, int(filters * alpha), 1, padding="same", use_bias=False)
        x = b.bn(x, "conv_pw_%d_bn" % block_id)
        x = b.op(x, "conv_pw_%d_relu" % block_id, "ReLU", max_value=6.0)
    return g, x


def write_mobilenet_top_fixture(apps, rng):
    """keras/src/applications/mobilenet.py MobileNet(alpha 0.25, include_top=True, weights=None, classes=4) saved on
    its own by tf.keras 2.15: the top is GlobalAveragePooling2D(keepdims=True) -> Dropout(1e-3) -> Conv2D conv_preds
    (1x1, bias) -> Reshape((classes,), name='reshape_2') -> Activation(softmax, name='predictions')."""
    classes = 4
    graph, output = apps.mobilenet(include_top=True, width=4, size=MOBILENET_SIZE, classes=classes)
    graph.name = "mobilenet_0.25_%d" % MOBILENET_SIZE
    base = BaseModel(apps, graph, output, rng, lambda name: (0.8, 1.2))
    config = {"class_name": "Functional", "config": tfk_base_config(base, graph.name, True)}
    groups = [(name, [("%s/%s:0" % (name, variable), value) for variable, value, _ in base.variables(name)])
              for name in base.order]
    write_h5_model(os.path.join(OUT, "mobilenet_v1_top_tfkeras215.h5"), config, "2.15.0", groups)
    x = rng.uniform(-1, 1, (2, MOBILENET_SIZE, MOBILENET_SIZE, 3)).astype(np.float32)
    expected = run_base(apps, base, x.astype(np.float64))
    np.save(os.path.join(OUT, "mobilenet_v1_top_input.npy"), x)
    np.save(os.path.join(OUT, "mobilenet_v1_top_expected.npy"), expected)
    print("mobilenet v1 with top: top-1", expected.argmax(axis=1), "max p", expected.max(axis=1))


def write_mobilenet_app_fixtures():
    apps = applications_module()
    rng = np.random.default_rng(31)
    # width 4 == alpha 0.25 for every filter count of V1.
    write_teachable_machine_fixture(apps, rng, apps.mobilenet(include_top=False, width=4, size=MOBILENET_SIZE)[0], "tm")
    with open(os.path.join(OUT, "tm_labels.txt"), "w") as f:
        f.write("".join("%d %s\n" % (i, name) for i, name in enumerate(TM_CLASSES)))
    write_mnv2_fixtures(apps, rng)
    # Their own generators, so that the files above stay byte for byte.
    write_teachable_machine_fixture(apps, np.random.default_rng(32), mobilenet_v1_keras21(apps, 0.25, MOBILENET_SIZE)[0],
                                    "tm_keras21", relu6_activation=True)
    write_mobilenet_top_fixture(apps, np.random.default_rng(33))
    write_teachable_machine_fixture(apps, np.random.default_rng(34), mobilenet_v2_base(apps, 0.35, MOBILENET_SIZE)[0],
                                    "tm2", version=2)


def softmax(logits):
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch-dir", default="/work/shared/fixtures/tools")
    ap.add_argument("--only", choices=["activations", "padpool", "concat_se", "mobilenet_apps"], help="write only this fixture (the others stay byte for byte)")
    a = ap.parse_args()
    if a.only is not None:
        os.makedirs(OUT, exist_ok=True)
        {"activations": write_activation_fixtures, "padpool": write_padpool_fixtures,
         "concat_se": write_concat_se_fixtures, "mobilenet_apps": write_mobilenet_app_fixtures}[a.only]()
        return 0
    sys.path.insert(0, a.arch_dir)
    import xception_arch as arch

    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(12)
    layers, order, output, base_weights = base_graph(arch)
    features = int(base_weights["block14_sepconv2"][1][1].shape[-1])
    dense = (rng.normal(0, 0.3, (features, CLASSES)).astype(np.float32), rng.normal(0, 0.1, CLASSES).astype(np.float32))

    write_tfkeras_h5(os.path.join(OUT, "transfer_tfkeras215.h5"),
                     tfkeras_model_config(tfkeras_base_config(layers, order, output), new_style=False),
                     order, base_weights, dense)
    to_json = tfkeras_model_config(tfkeras_base_config(layers, order, output), new_style=True)
    to_json.update(keras_version="2.15.0", backend="tensorflow")
    with open(os.path.join(OUT, "transfer_tojson.json"), "w") as f:
        json.dump(to_json, f, indent=1)
    write_keras3(os.path.join(OUT, "transfer_keras3.keras"), keras3_config(layers, order, output), base_weights, dense)
    flat = os.path.join(OUT, "transfer_flat_weights.h5")
    write_flat_weights(flat, order, base_weights, dense)

    x = np.load(os.path.join(FIXTURES, "mini_input_71x71_seed2.npy"))
    pooled, _, _ = ref.forward(ref.Weights(flat), x.astype(np.float64), include_top=False, pooling="avg")
    expected = softmax(pooled @ dense[0].astype(np.float64) + dense[1].astype(np.float64))
    np.save(os.path.join(OUT, "transfer_expected.npy"), expected)
    print("transfer: top-1", expected.argmax(axis=1), "max p", expected.max(axis=1))

    config, weights = sequential_model(rng)
    write_sequential(os.path.join(OUT, "sequential_keras208.h5"), config, weights)
    xs = rng.uniform(-1, 1, (2, 32, 32, 3)).astype(np.float32)
    expected = sequential_reference(weights, xs.astype(np.float64))
    np.save(os.path.join(OUT, "sequential_input.npy"), xs)
    np.save(os.path.join(OUT, "sequential_expected.npy"), expected)
    print("sequential: top-1", expected.argmax(axis=1), "max p", expected.max(axis=1))
    write_binary_fixtures()
    write_flatten_fixtures()
    write_activation_fixtures()
    write_rescaling_fixtures()
    write_grayscale_fixtures()
    write_rgba_fixtures()
    write_padpool_fixtures()
    write_concat_se_fixtures()
    write_mobilenet_app_fixtures()
    return 0


if __name__ == "__main__":
    sys.exit(main())
