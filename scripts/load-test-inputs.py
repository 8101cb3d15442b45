#!/usr/bin/env python3
"""Writes K distinct binary-tensor-data requests for scripts/load-test.sh from the example input (no numpy).

For input k: header_k.json (the protocol's JSON, id "k", binary_data_size) and input_k.bin (little-endian FP32),
plus input_k.npy for `xception predict`, which writes the expected output of that single image.
"""
import struct
import sys

source, out, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
raw = open(source, "rb").read()
header_length = struct.unpack("<H", raw[8:10])[0]
npy_header = raw[: 10 + header_length]
values = struct.unpack("<%df" % ((len(raw) - len(npy_header)) // 4), raw[len(npy_header):])
assert b"(1, 299, 299, 3)" in npy_header, npy_header
for k in range(count):
    # A different image per k: scaled and shifted, kept in [-1, 1] like preprocessed pixels.
    scale, shift = 1.0 - 0.07 * k, 0.013 * k
    image = [min(1.0, max(-1.0, v * scale + shift)) for v in values]
    data = struct.pack("<%df" % len(image), *image)
    open(f"{out}/input_{k}.bin", "wb").write(data)
    open(f"{out}/input_{k}.npy", "wb").write(npy_header + data)
    header = ('{"id":"%d","inputs":[{"name":"input","shape":[1,299,299,3],"datatype":"FP32",'
              '"parameters":{"binary_data_size":%d}}],"outputs":[{"name":"output","parameters":{"binary_data":true}}]}') % (k, len(data))
    open(f"{out}/header_{k}.json", "w").write(header)
