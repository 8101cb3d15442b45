#!/usr/bin/python3
"""Write one small nested Keras model's weights in every layout Keras users have.

Keras cannot be installed here, so the files are written with h5py + numpy + zipfile,
following Keras's own saving code (file per layout below). The model is a reduced
"Xception-like" functional base used as one layer of the user's model (transfer learning):

  base  'mini_base' (Functional): input_1, block1_conv1 (Conv2D 3x3 3->4, no bias),
        block1_conv1_bn (BN 4), block1_conv1_act (Activation), block2_sepconv1
        (SeparableConv2D 3x3 4->8, no bias), block2_sepconv1_bn (BN 8), conv2d_7 (Conv2D 1x1
        4->8, the residual; named as in a session that built other models first),
        batch_normalization_3 (BN 8), add_2 (Add)
  outer 'classifier' (Functional): input_2, mini_base, global_average_pooling2d, dropout,
        predictions (Dense 8->5, bias)

Seven layers have weights; flattened in Keras's order they are block1_conv1, block1_conv1_bn,
block2_sepconv1, block2_sepconv1_bn, conv2d_7, batch_normalization_3, predictions.
Every value is exactly representable in bfloat16 (the low 16 bits of each float32 are zero),
so all files, the bfloat16 one included, hold bit-identical values.

Files (in OUT):
  flat_weights.h5          legacy save_weights of the same model built flat (Model(base.input,
                           head(base.output))): the reference every other layout must equal.
                           keras/engine/saving.py (2.2.4) save_weights_to_hdf5_group.
  nested_full.h5           tf.keras 2.x model.save: root model_config/keras_version/backend,
                           /model_weights with layer_names, top_level_model_weights, the nested
                           base as ONE group whose weight_names are _legacy_weights(base) =
                           trainable_weights + non_trainable_weights (BN moving stats last).
                           tf_keras/saving/legacy/hdf5_format.py save_model_to_hdf5,
                           save_weights_to_hdf5_group, _legacy_weights.
  nested_partly_frozen.h5  the same with block1_conv1_bn frozen (layer.trainable = False): its four
                           variables move behind every trainable one (only model_config gives the
                           inner layer order back).
  flat_chunked.h5          flat save_weights with 16 extra weightless layers whose long names push
                           layer_names over 64512 bytes: written as layer_names0, layer_names1 as
                           save_attributes_to_hdf5_group (tf_keras hdf5_format.py; keras 2.1.5+) does.
  nested.keras             Keras 3 archive: metadata.json, config.json, model.weights.h5
                           (layers/<class_snake>[_N]/vars/<i>, nested base at layers/functional,
                           optimizer/vars as a compiled model has). keras/src/saving/saving_lib.py
                           _save_model_to_fileobj, _save_container_state, H5IOStore, H5Entry.
  nested.weights.h5 + nested.json   the same weights file alone (save_weights) + model.to_json().
  nested_sequential.keras  outer model a Sequential([base, GAP, Dropout, Dense]): its layers list has
                           no InputLayer (keras/src/models/sequential.py), so no layers/input_layer.
  flat.weights.h5          Keras 3 save_weights of the flat model (no nesting): addressed by class ordinal.
  nested_bf16.weights.h5   nested.weights.h5 with every variable stored as bfloat16: a 2-byte opaque
                           type with attribute dtype="bfloat16" (saving_lib.py H5Entry.__setitem__;
                           h5py stores ml_dtypes' bfloat16 as opaque).

Run: /usr/bin/python3 Tests/Fixtures/tools/make_keras_formats.py Tests/Fixtures/keras_formats
"""

import io
import json
import os
import sys
import zipfile

import h5py
import numpy as np

HDF5_OBJECT_HEADER_LIMIT = 64512  # tf_keras/saving/legacy/hdf5_format.py

# (name, class, [(variable, shape, trainable)]) in base.layers order.
BASE = [
    ('input_1', 'InputLayer', []),
    ('block1_conv1', 'Conv2D', [('kernel', (3, 3, 3, 4), True)]),
    ('block1_conv1_bn', 'BatchNormalization', [('gamma', (4,), True), ('beta', (4,), True),
                                               ('moving_mean', (4,), False), ('moving_variance', (4,), False)]),
    ('block1_conv1_act', 'Activation', []),
    ('block2_sepconv1', 'SeparableConv2D', [('depthwise_kernel', (3, 3, 4, 1), True), ('pointwise_kernel', (1, 1, 4, 8), True)]),
    ('block2_sepconv1_bn', 'BatchNormalization', [('gamma', (8,), True), ('beta', (8,), True),
                                                  ('moving_mean', (8,), False), ('moving_variance', (8,), False)]),
    ('conv2d_7', 'Conv2D', [('kernel', (1, 1, 4, 8), True)]),
    ('batch_normalization_3', 'BatchNormalization', [('gamma', (8,), True), ('beta', (8,), True),
                                                     ('moving_mean', (8,), False), ('moving_variance', (8,), False)]),
    ('add_2', 'Add', []),
]
HEAD = [
    ('global_average_pooling2d', 'GlobalAveragePooling2D', []),
    ('dropout', 'Dropout', []),
    ('predictions', 'Dense', [('kernel', (8, 5), True), ('bias', (5,), True)]),
]
SNAKE = {'InputLayer': 'input_layer', 'Conv2D': 'conv2d', 'BatchNormalization': 'batch_normalization',
         'Activation': 'activation', 'SeparableConv2D': 'separable_conv2d', 'Add': 'add',
         'GlobalAveragePooling2D': 'global_average_pooling2d', 'Dropout': 'dropout', 'Dense': 'dense',
         'Functional': 'functional', 'Sequential': 'sequential'}


def values():
    """name -> {variable: float32 array}, bfloat16-exact (low 16 bits cleared)."""
    rng = np.random.Generator(np.random.PCG64(12))
    out = {}
    for name, _cls, variables in BASE + HEAD:
        out[name] = {}
        for var, shape, _t in variables:
            if var == 'moving_variance' or var == 'gamma':
                v = rng.uniform(0.5, 1.5, shape)
            else:
                v = rng.standard_normal(shape) * 0.5
            bits = np.asarray(v, dtype=np.float32).view(np.uint32) & np.uint32(0xFFFF0000)
            out[name][var] = bits.view(np.float32)
    return out


VALUES = values()


def fixed(strings):
    return np.asarray([s.encode('utf8') for s in strings])


def save_attributes(group, name, data):
    """save_attributes_to_hdf5_group: chunk a list whose 'S' array is over the header limit."""
    arr = fixed(data)
    num_chunks = 1
    chunks = np.array_split(arr, num_chunks)
    while any(x.nbytes > HDF5_OBJECT_HEADER_LIMIT for x in chunks):
        num_chunks += 1
        chunks = np.array_split(arr, num_chunks)
    if num_chunks > 1:
        for i, chunk in enumerate(chunks):
            group.attrs['%s%d' % (name, i)] = chunk
    elif len(data):
        group.attrs[name] = arr
    else:
        group.attrs[name] = np.asarray([])  # float64, shape (0,): what attrs[...] = [] gives


def write_layer_group(parent, gname, weight_names, arrays):
    g = parent.create_group(gname)
    save_attributes(g, 'weight_names', weight_names)
    for wn, val in zip(weight_names, arrays):
        d = g.create_dataset(wn, val.shape, dtype=val.dtype)
        d[...] = val


def write_flat_legacy(path, padding=0):
    layers = BASE + HEAD
    names = [l[0] for l in layers]
    pad = ['padding_%02d_' % i + 'x' * 4300 for i in range(padding)]
    with h5py.File(path, 'w') as f:
        save_attributes(f, 'layer_names', names[:4] + pad + names[4:])
        f.attrs['backend'] = 'tensorflow'
        f.attrs['keras_version'] = '2.9.0'
        for name, _cls, variables in layers[:4]:
            write_layer_group(f, name, ['%s/%s:0' % (name, v) for v, _s, _t in variables],
                              [VALUES[name][v] for v, _s, _t in variables])
        for p in pad:
            write_layer_group(f, p, [], [])
        for name, _cls, variables in layers[4:]:
            write_layer_group(f, name, ['%s/%s:0' % (name, v) for v, _s, _t in variables],
                              [VALUES[name][v] for v, _s, _t in variables])


def legacy_config():
    """tf.keras 2.x model_config: the base nested as one Functional entry (list-form inbound_nodes)."""
    def entry(name, cls, inbound):
        return {'class_name': cls, 'config': {'name': name, 'trainable': True}, 'name': name,
                'inbound_nodes': [[[i, 0, 0, {}] for i in inbound]] if inbound else []}
    base_layers = [entry('input_1', 'InputLayer', [])]
    prev = {'block1_conv1': 'input_1', 'block1_conv1_bn': 'block1_conv1', 'block1_conv1_act': 'block1_conv1_bn',
            'block2_sepconv1': 'block1_conv1_act', 'block2_sepconv1_bn': 'block2_sepconv1',
            'conv2d_7': 'block1_conv1_act', 'batch_normalization_3': 'conv2d_7'}
    for name, cls, _v in BASE[1:-1]:
        base_layers.append(entry(name, cls, [prev[name]]))
    base_layers.append(entry('add_2', 'Add', ['block2_sepconv1_bn', 'batch_normalization_3']))
    base = {'class_name': 'Functional', 'name': 'mini_base',
            'config': {'name': 'mini_base', 'layers': base_layers, 'input_layers': [['input_1', 0, 0]],
                       'output_layers': [['add_2', 0, 0]]},
            'inbound_nodes': [[['input_2', 0, 0, {'training': False}]]]}
    outer = [entry('input_2', 'InputLayer', []), base,
             entry('global_average_pooling2d', 'GlobalAveragePooling2D', []),
             entry('dropout', 'Dropout', []), entry('predictions', 'Dense', [])]
    outer[2]['inbound_nodes'] = [[['mini_base', 1, 0, {}]]]
    outer[3]['inbound_nodes'] = [[['global_average_pooling2d', 0, 0, {}]]]
    outer[4]['inbound_nodes'] = [[['dropout', 0, 0, {}]]]
    return {'class_name': 'Functional', 'config': {'name': 'classifier', 'layers': outer,
                                                   'input_layers': [['input_2', 0, 0]],
                                                   'output_layers': [['predictions', 0, 0]]}}


def write_nested_full(path, frozen=()):
    """model.save of the nested model; frozen: inner layers with trainable=False."""
    with h5py.File(path, 'w') as f:
        f.attrs['keras_version'] = '2.9.0'
        f.attrs['backend'] = 'tensorflow'
        f.attrs['model_config'] = json.dumps(legacy_config())
        mw = f.create_group('model_weights')
        save_attributes(mw, 'layer_names', ['input_2', 'mini_base', 'global_average_pooling2d', 'dropout', 'predictions'])
        mw.attrs['backend'] = 'tensorflow'
        mw.attrs['keras_version'] = '2.9.0'
        write_layer_group(mw, 'input_2', [], [])
        # _legacy_weights(base) = base.trainable_weights + base.non_trainable_weights: trainable variables of
        # trainable layers in layer order, then per layer its non-trainable ones (all of a frozen layer's).
        first, second = [], []
        for name, _cls, variables in BASE:
            for v, _s, trainable in variables:
                (first if trainable and name not in frozen else second).append((name, v))
        order = first + second
        write_layer_group(mw, 'mini_base', ['%s/%s:0' % (n, v) for n, v in order], [VALUES[n][v] for n, v in order])
        for name, _cls, variables in HEAD:
            write_layer_group(mw, name, ['%s/%s:0' % (name, v) for v, _s, _t in variables],
                              [VALUES[name][v] for v, _s, _t in variables])
        write_layer_group(mw, 'top_level_model_weights', [], [])
        opt = f.create_group('optimizer_weights')
        save_attributes(opt, 'weight_names', ['Adam/iter:0'])
        opt.create_dataset('Adam/iter:0', data=np.int64(10))


def keras_tensor(layer, node=0):
    return {'class_name': '__keras_tensor__', 'config': {'shape': [None], 'dtype': 'float32', 'keras_history': [layer, node, 0]}}


def k3_entry(name, cls, args, module='keras.layers', config=None):
    return {'module': module, 'class_name': cls, 'config': config or {'name': name, 'trainable': True,
            'dtype': {'module': 'keras', 'class_name': 'DTypePolicy', 'config': {'name': 'float32'}, 'registered_name': None}},
            'registered_name': None, 'name': name,
            'inbound_nodes': [{'args': args, 'kwargs': {}}] if args is not None else []}


def keras3_config(sequential=False):
    """Keras 3 config.json (serialize_keras_object of the model)."""
    prev = {'block1_conv1': 'input_1', 'block1_conv1_bn': 'block1_conv1', 'block1_conv1_act': 'block1_conv1_bn',
            'block2_sepconv1': 'block1_conv1_act', 'block2_sepconv1_bn': 'block2_sepconv1',
            'conv2d_7': 'block1_conv1_act', 'batch_normalization_3': 'conv2d_7'}
    base_layers = [k3_entry('input_1', 'InputLayer', None, config={'batch_shape': [None, 12, 12, 3], 'dtype': 'float32', 'name': 'input_1'})]
    for name, cls, _v in BASE[1:-1]:
        base_layers.append(k3_entry(name, cls, [keras_tensor(prev[name])]))
    base_layers.append(k3_entry('add_2', 'Add', [[keras_tensor('block2_sepconv1_bn'), keras_tensor('batch_normalization_3')]]))
    base = {'module': 'keras.src.models.functional', 'class_name': 'Functional', 'registered_name': 'Functional',
            'config': {'name': 'mini_base', 'trainable': True, 'layers': base_layers,
                       'input_layers': ['input_1', 0, 0], 'output_layers': ['add_2', 1, 0]},
            'name': 'mini_base', 'inbound_nodes': [{'args': [keras_tensor('input_2')], 'kwargs': {'training': False}}]}
    if sequential:
        layers = [k3_entry('input_2', 'InputLayer', None, config={'batch_shape': [None, 12, 12, 3], 'dtype': 'float32', 'name': 'input_2'}),
                  base, k3_entry('global_average_pooling2d', 'GlobalAveragePooling2D', None),
                  k3_entry('dropout', 'Dropout', None), k3_entry('predictions', 'Dense', None)]
        for l in layers:
            l.pop('inbound_nodes', None)
            l.pop('name', None)
        layers[1]['config']['name'] = 'mini_base'
        return {'module': 'keras', 'class_name': 'Sequential', 'registered_name': None,
                'config': {'name': 'classifier', 'trainable': True, 'layers': layers}}
    outer = [k3_entry('input_2', 'InputLayer', None, config={'batch_shape': [None, 12, 12, 3], 'dtype': 'float32', 'name': 'input_2'}),
             base,
             k3_entry('global_average_pooling2d', 'GlobalAveragePooling2D', [keras_tensor('mini_base')]),
             k3_entry('dropout', 'Dropout', [keras_tensor('global_average_pooling2d')]),
             k3_entry('predictions', 'Dense', [keras_tensor('dropout')])]
    return {'module': 'keras.src.models.functional', 'class_name': 'Functional', 'registered_name': 'Functional',
            'config': {'name': 'classifier', 'trainable': True, 'layers': outer,
                       'input_layers': ['input_2', 0, 0], 'output_layers': ['predictions', 1, 0]}}


def store(group, key, value, bf16):
    if bf16:
        raw = (value.view(np.uint32) >> 16).astype('<u2').view('V2')
        ds = group.create_dataset(key, data=raw)
        ds.attrs['dtype'] = 'bfloat16'
    else:
        group[key] = value


def write_container(f, path, layers, bf16):
    """_save_container_state: each element at <path>/<class_snake>[_N], counter per class, names unused."""
    used = {}
    for name, cls, variables in layers:
        snake = SNAKE[cls]
        if snake in used:
            used[snake] += 1
            snake = '%s_%d' % (snake, used[snake])
        else:
            used[snake] = 0
        vars_group = f.create_group(path + '/' + snake + '/vars')
        vars_group.attrs['name'] = name
        if cls == 'Functional':
            write_container(f, path + '/' + snake + '/layers', BASE, bf16)
            continue
        for i, (v, _s, _t) in enumerate(variables):
            store(vars_group, str(i), VALUES[name][v], bf16)


def keras3_weights_bytes(sequential=False, flat=False, bf16=False):
    buffer = io.BytesIO()
    with h5py.File(buffer, 'w') as f:
        f.create_group('vars').attrs['name'] = 'classifier'
        if flat:
            layers = BASE + HEAD
        else:
            layers = ([] if sequential else [('input_2', 'InputLayer', [])]) + [('mini_base', 'Functional', [])] + HEAD
        write_container(f, 'layers', layers, bf16)
        opt = f.create_group('optimizer/vars')
        opt['0'] = np.int64(10)  # iterations: outside layers/, never a layer's weight
    return buffer.getvalue()


def write_archive(path, config, weights):
    with zipfile.ZipFile(path, 'w') as zf:  # saving_lib: default compression (stored)
        zf.writestr('metadata.json', json.dumps({'keras_version': '3.6.0', 'date_saved': '2026-01-01@00:00:00'}))
        zf.writestr('config.json', json.dumps(config))
        zf.writestr('model.weights.h5', weights)


def main(out):
    os.makedirs(out, exist_ok=True)
    write_flat_legacy(os.path.join(out, 'flat_weights.h5'))
    write_flat_legacy(os.path.join(out, 'flat_chunked.h5'), padding=16)
    write_nested_full(os.path.join(out, 'nested_full.h5'))
    write_nested_full(os.path.join(out, 'nested_partly_frozen.h5'), frozen=('block1_conv1_bn',))
    write_archive(os.path.join(out, 'nested.keras'), keras3_config(), keras3_weights_bytes())
    write_archive(os.path.join(out, 'nested_sequential.keras'), keras3_config(sequential=True), keras3_weights_bytes(sequential=True))
    with open(os.path.join(out, 'nested.weights.h5'), 'wb') as f:
        f.write(keras3_weights_bytes())
    with open(os.path.join(out, 'nested.json'), 'w') as f:
        json.dump(keras3_config(), f)
    with open(os.path.join(out, 'flat.weights.h5'), 'wb') as f:
        f.write(keras3_weights_bytes(flat=True))
    with open(os.path.join(out, 'nested_bf16.weights.h5'), 'wb') as f:
        f.write(keras3_weights_bytes(bf16=True))


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else 'keras_formats')
