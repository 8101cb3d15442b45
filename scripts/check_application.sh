#!/bin/sh
# Full-size float64 check of a Keras application compiled from models/: synthetic weights written in the official
# file's layout by Tests/Fixtures/tools/make_application_weights.py, a seeded input (batch 2, uniform in [-1, 1]; [0, 255] for EfficientNet),
# the tool's float64 reference, and `xception predict` on each backend; fails when any probability is off by more
# than 1e-5. Too long for the test suite (VGG16: a 528 MB file, about a minute of numpy). The applications whose
# descriptions are compiled (models/*.xcs.json): the tool's interpreter runs their layer graphs.
#
#   scripts/check_application.sh APP [OUT_DIR] [BACKEND ...]   (backends default: cpu ilgpu-cpu)
#   APP: vgg16 vgg16_notop resnet50 resnet50_notop mobilenet_v2 mobilenet_v2_notop mobilenet mobilenet_notop
#        inception_v3 inception_v3_notop (299x299; the others 224x224)
#        efficientnetb0 efficientnetb0_notop (raw pixels: the input is uniform in [0, 255], as the model rescales itself)
#        inception_v3 inception_v3_notop (299x299; the others 224x224) densenet121 densenet121_notop
set -eu
app=${1:?usage: scripts/check_application.sh APP [OUT_DIR] [BACKEND ...]}
case "$app" in inception_v3*) size=299 ;; *) size=224 ;; esac
case "$app" in efficientnet*) low=0 high=255 ;; *) low=-1 high=1 ;; esac
out=${2:-out/applications/$app}
shift; [ $# -gt 0 ] && shift
backends=${*:-cpu ilgpu-cpu}
py=/usr/bin/python3
tool=Tests/Fixtures/tools/make_application_weights.py

mkdir -p "$out"
dotnet build Sample -c Release -v quiet -nologo >/dev/null
$py "$tool" weights "$out" --app "$app" --seed 7 >/dev/null
weights=$(ls "$out"/*.h5 | head -n 1)
$py -c "
import numpy as np
np.save('$out/input.npy', np.random.default_rng(3).uniform($low, $high, (2, $size, $size, 3)).astype(np.float32))"
$py "$tool" reference --app "$app" "$weights" "$out/input.npy" "$out/expected.npy"
status=0
for backend in $backends; do
  Sample/bin/Release/net10.0/xception predict --model "$app" --weights "$weights" --input "$out/input.npy" \
    --output "$out/$backend.npy" --backend "$backend" >/dev/null
  $py -c "
import sys, numpy as np
e = np.load('$out/expected.npy'); a = np.load('$out/$backend.npy').reshape(e.shape)
err = float(np.abs(a - e).max())
print('$app $backend: largest absolute error %.3e (largest expected value %.4f)' % (err, e.max()))
sys.exit(0 if err <= 1e-5 else 1)" || status=1
done
exit $status
