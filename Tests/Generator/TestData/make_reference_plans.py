"""Writes keras order and spatial plans from shared/fixtures/tools/xception_arch.py, for the
planner tests.  Usage: python3 make_reference_plans.py <xception_arch dir>"""
import json, sys
sys.path.insert(0, sys.argv[1])
import xception_arch as xa

layers, out = xa.build_xception(include_top=True)
order = xa.keras_layer_order(layers, out)
with open("xception_keras_order.txt", "w", newline="\n") as f:
    for n in order:
        f.write(n + "\n")

plans = {}
for h, w in ((299, 299), (71, 71), (75, 79), (90, 72), (150, 200)):
    p = xa.spatial_plan(layers, out, h, w)
    rows = {}
    for name, e in p.items():
        if e['pad'] is not None and layers[name].cls in ('Conv2D', 'SeparableConv2D', 'MaxPooling2D'):
            (pt, pb), (pl, pr) = e['pad']
            rows[name] = [e['out'][0], e['out'][1], pt, pb, pl, pr]
    plans["%dx%d" % (h, w)] = rows
with open("xception_spatial_plans.json", "w", newline="\n") as f:
    json.dump(plans, f, indent=1, sort_keys=True)
    f.write("\n")
