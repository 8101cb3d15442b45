#!/usr/bin/env bash
# Sample bench (Cpu) and the ONNX Runtime harness, alternately, on the same synthetic weights (seed 1) and
# the same input (seed 42): ROUNDS rounds (default 3) of RUNS timed runs each; prints each median_ms line
# and the ratio of medians per round and overall (median of the Cpu medians / median of the ORT medians).
#   bash Benchmarks/alternate.sh [ROUNDS] [RUNS] [BATCH] [THREADS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3} runs=${2:-30} batch=${3:-1} threads=${4:-2}
dotnet build Sample -c Release -v q -nologo >/dev/null
dotnet build Benchmarks -c Release -v q -nologo >/dev/null
dotnet run --project Benchmarks -c Release --no-build -- prepare >/dev/null   # out/bench/: weights + ONNX, checked
weights=out/bench/xception_synthetic_seed1.h5
cpu=() ort=()
for ((r = 1; r <= rounds; r++)); do
  c=$(dotnet run --project Sample -c Release --no-build -- bench --weights "$weights" --backend cpu --batch "$batch" --runs "$runs" --threads "$threads" | tail -1)
  o=$(dotnet run --project Benchmarks -c Release --no-build -- bench --engine ort --batch "$batch" --runs "$runs" --threads "$threads" | tail -1)
  echo "round $r cpu: $c"
  echo "round $r ort: $o"
  cm=$(sed -E 's/^median_ms=([0-9.]+).*/\1/' <<<"$c"); om=$(sed -E 's/^median_ms=([0-9.]+).*/\1/' <<<"$o")
  cpu+=("$cm") ort+=("$om")
  awk -v c="$cm" -v o="$om" -v r="$r" -v l="$(cut -d' ' -f1-4 /proc/loadavg)" 'BEGIN { printf "round %d ratio cpu/ort = %.3f (load average %s)\n", r, c / o, l }'
done
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
mc=$(median "${cpu[@]}") mo=$(median "${ort[@]}")
awk -v c="$mc" -v o="$mo" -v l="$(cut -d' ' -f1-3 /proc/loadavg)" 'BEGIN { printf "overall: median of cpu medians %.3f ms, of ort medians %.3f ms, ratio %.3f (load average %s)\n", c, o, c / o, l }'
