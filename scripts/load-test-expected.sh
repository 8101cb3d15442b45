#!/usr/bin/env bash
# The inputs and expected answers of scripts/load-test.sh and scripts/restart-test.sh: N distinct inputs in WORK
# (input_K.npy) and, for each, the FP32 bytes that `xception predict` gives for it alone (expected_K.bin: the
# .npy's data after its header), which scripts/load-test.lua compares every binary answer with.
# Usage: scripts/load-test-expected.sh WORK XCEPTION WEIGHTS N
set -euo pipefail
work=$1; xception=$2; weights=$3; inputs=$4
python3 "$(dirname "$0")/load-test-inputs.py" "$(dirname "$0")/../Sample/Examples/mini_input_299x299_seed5.npy" "$work" "$inputs"
for ((k = 0; k < inputs; k++)); do
  "$xception" predict --weights "$weights" --input "$work/input_$k.npy" --output "$work/expected_$k.npy" --backend cpu >/dev/null
  python3 -c "import struct,sys; r=open(sys.argv[1],'rb').read(); n=struct.unpack('<H',r[8:10])[0]; open(sys.argv[2],'wb').write(r[10+n:])" \
    "$work/expected_$k.npy" "$work/expected_$k.bin"
done
