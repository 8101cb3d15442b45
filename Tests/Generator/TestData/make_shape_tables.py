"""Writes the *.shapes.json tables the generator tests use while the Runtime's real ones are
missing: built from shared/fixtures/tools/xception_arch.py (Keras 2.0.8 architecture and order),
in the xcs-shapes/1 format the Runtime writes.  Usage: python3 make_shape_tables.py <xception_arch dir>"""
import json, sys
sys.path.insert(0, sys.argv[1])
import xception_arch as xa

def table(source, layout, include_top, classes, width):
    layers, out = xa.build_xception(include_top=include_top, classes=classes, width_multiplier=width)
    order = xa.keras_layer_order(layers, out)
    rows = []
    for n in order:
        l = layers[n]
        specs = xa.weight_specs(l)
        if not specs:
            continue
        name = xa.layer_name(l, layout)
        group = name
        weights = []
        for wname, (_, _, shape) in zip(xa.h5_weight_names(l, layout), specs):
            weights.append({"path": group + "/" + wname, "shape": list(shape), "dtype": "float32"})
        rows.append({"name": name, "weights": weights})
    return {"format": "xcs-shapes/1", "source": source, "layout": layout,
            "keras_version": "2.0.8" if layout == "keras2" else None,
            "backend": "tensorflow" if layout == "keras2" else None,
            "layer_count": len(order), "layers": rows}

def write(path, t):
    with open(path, "w", newline="\n") as f:
        f.write("{\n")
        keys = [k for k in t if k != "layers"]
        for k in keys:
            f.write("  %s: %s,\n" % (json.dumps(k), json.dumps(t[k])))
        f.write('  "layers": [\n')
        for i, r in enumerate(t["layers"]):
            f.write("    " + json.dumps(r) + ("," if i + 1 < len(t["layers"]) else "") + "\n")
        f.write("  ]\n}\n")

write("xception_weights_tf_dim_ordering_tf_kernels.shapes.json",
      table("xception_weights_tf_dim_ordering_tf_kernels.h5", "keras1", True, 1000, 1.0))
write("mini_xception_w0125_top10.shapes.json", table("mini_xception_w0125_top10.h5", "keras2", True, 10, 0.125))
write("mini_xception_w0125_notop.shapes.json", table("mini_xception_w0125_notop.h5", "keras2", False, 10, 0.125))
