#!/usr/bin/env bash
# The first answer of a new process, timed as whole processes, alternately: this project's Cpu backend
# (Xception.Load + one Predict) and ONNX Runtime (session creation + one Run), Xception 299, batch 1, 2 threads,
# on out/bench/xception_synthetic_seed1.h5 and its ONNX export. Each process is the Benchmarks' `cold` command
# (the same host program for both engines) started from its published ReadyToRun binary (out/cold/, published
# with `dotnet publish --use-current-runtime`, as a user's deployment would be), never through `dotnet run`; a round
# also times the Sample's `xception predict` on one image (the user's path: argument parsing, .npy reading,
# printing). Wall time, and user+sys CPU time from /usr/bin/time (less disturbed by other load on the machine).
# Ends with the medians and the ratios cpu/ort. `--verbose` first prints one in-process breakdown of the Cpu path, with
# the load's own stamps (XCS_LOAD_TRACE=1: each phase's end in ms since the process started, with the thread's CPU time,
# the loading thread's and the kernel warm-up's).
#   bash scripts/cold-start.sh [ROUNDS=5] [--verbose]
# Environment: XCS_COLD_BUILD=0 skips the publishes; XCS_COLD_BINARIES=build times the plain `dotnet build` outputs
# instead (JIT only, no ReadyToRun; for A/B); any DOTNET_* setting passes through to every process, and so does
# XCS_CPU_WARMUP=0 (no kernel warm-up during the load, for A/B).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=5 verbose=0
for a in "$@"; do
  case "$a" in
    --verbose) verbose=1 ;;
    *) rounds=$a ;;
  esac
done
binaries=${XCS_COLD_BINARIES:-publish}
if [[ "${XCS_COLD_BUILD:-1}" != 0 ]]; then
  for project in Sample Benchmarks; do
    if [[ $binaries == build ]]; then
      dotnet build "$project" -c Release -v q -nologo >/dev/null
    else
      dotnet publish "$project" -c Release --use-current-runtime --self-contained false -v q -nologo -o "out/cold/$project" >/dev/null
    fi
  done
fi
if [[ $binaries == build ]]; then
  bench=Benchmarks/bin/Release/net10.0/Xception.Compiler.Benchmarks
  sample=Sample/bin/Release/net10.0/xception
else
  bench=out/cold/Benchmarks/Xception.Compiler.Benchmarks
  sample=out/cold/Sample/xception
fi
echo "timing $bench and $sample ($binaries)"
weights=out/bench/xception_synthetic_seed1.h5
onnx=out/bench/xception_synthetic_seed1_299x299_nhwc.onnx
if [[ ! -f $weights || ! -f $onnx ]]; then
  "$bench" prepare >/dev/null
fi
input=out/bench/cold_input_299.npy
if [[ ! -f $input ]]; then
  /usr/bin/python3 -c "import numpy as np; np.save('$input', np.random.default_rng(42).uniform(-1, 1, (1, 299, 299, 3)).astype(np.float32))"
fi

if [[ $verbose == 1 ]]; then
  XCS_LOAD_TRACE=1 "$bench" cold --engine cpu --weights "$weights" --verbose
fi

# Runs one command under /usr/bin/time; prints "wall cpu" in seconds.
timed() {
  local t
  t=$(mktemp)
  /usr/bin/time -f '%e %U %S' -o "$t" "$@" >/dev/null
  awk '{ printf "%.3f %.3f\n", $1, $2 + $3 }' "$t"
  rm -f "$t"
}

declare -a cw cc ow oc pw pc
for ((r = 1; r <= rounds; r++)); do
  read -r w c < <(timed "$bench" cold --engine cpu --weights "$weights")
  cw+=("$w") cc+=("$c")
  read -r w c < <(timed "$bench" cold --engine ort --onnx "$onnx")
  ow+=("$w") oc+=("$c")
  read -r w c < <(timed "$sample" predict --weights "$weights" --input "$input" --backend cpu)
  pw+=("$w") pc+=("$c")
  printf 'round %d: cpu %s s (cpu time %s s), ort %s s (%s s), xception predict %s s (%s s); load average %s\n' \
    "$r" "${cw[-1]}" "${cc[-1]}" "${ow[-1]}" "${oc[-1]}" "${pw[-1]}" "${pc[-1]}" "$(cut -d' ' -f1 /proc/loadavg)"
done
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
mcw=$(median "${cw[@]}") mcc=$(median "${cc[@]}") mow=$(median "${ow[@]}") moc=$(median "${oc[@]}") mpw=$(median "${pw[@]}") mpc=$(median "${pc[@]}")
awk -v cw="$mcw" -v cc="$mcc" -v ow="$mow" -v oc="$moc" -v pw="$mpw" -v pc="$mpc" -v n="$rounds" -v l="$(cut -d' ' -f1-3 /proc/loadavg)" 'BEGIN {
  printf "medians of %d rounds: cpu %.3f s wall, %.3f s cpu time; ort %.3f s, %.3f s; xception predict %.3f s, %.3f s\n", n, cw, cc, ow, oc, pw, pc
  printf "ratio cpu/ort: wall %.2f, cpu time %.2f; xception predict/ort: wall %.2f, cpu time %.2f (load average %s)\n", cw / ow, cc / oc, pw / ow, pc / oc, l
}'
