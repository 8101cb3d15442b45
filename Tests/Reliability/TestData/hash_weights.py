#!/usr/bin/env python3
"""Writes <fixture>.h5py.sha256 beside this script: for every weight dataset of a Keras .h5 weight file, in
Keras's load order (layer_names, skipping layers whose weight_names is empty, then weight_names order), the
SHA-256 of its values as little-endian float32 and the number of values. Read with h5py (libhdf5), an HDF5
reader independent of the PureHDF reader the runtime uses. Usage: hash_weights.py FIXTURE.h5 ...
(Debian: apt-get install python3-h5py; run with /usr/bin/python3.)"""
import hashlib
import os
import sys

import h5py
import numpy as np


def names(attr):
    return [n.decode("utf8") if isinstance(n, bytes) else str(n) for n in attr]


def main(paths):
    here = os.path.dirname(os.path.abspath(__file__))
    for path in paths:
        out = os.path.join(here, os.path.basename(path) + ".h5py.sha256")
        with h5py.File(path, "r") as f, open(out, "w", newline="\n") as o:
            root = f if "layer_names" in f.attrs else f["model_weights"]
            o.write("# %s: sha256(float32 little-endian) count path; h5py %s, libhdf5 %s\n"
                    % (os.path.basename(path), h5py.__version__, h5py.version.hdf5_version))
            for layer in names(root.attrs["layer_names"]):
                group = root[layer]
                for weight in names(group.attrs["weight_names"]):
                    data = np.asarray(group[weight][()], dtype="<f4").ravel()
                    o.write("%s %d %s/%s\n" % (hashlib.sha256(data.tobytes()).hexdigest(), data.size, layer, weight))


if __name__ == "__main__":
    main(sys.argv[1:])
