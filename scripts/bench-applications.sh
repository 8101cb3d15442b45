#!/usr/bin/env bash
# Every Keras application compiled in the Sample, side by side with ONNX Runtime on the same weights: for each,
# Benchmarks/onnx/export_application.py makes (once) out/bench/NAME/ (synthetic weights in the official layout,
# seed 7; their ONNX export; the float64 reference of one image), `Benchmarks -- check --model NAME` checks the
# ONNX file against that reference (<= 1e-5), then `xception bench --model NAME` (Cpu) and
# `Benchmarks -- bench --engine ort --model NAME` run alternately, ROUNDS rounds of RUNS timed runs at batch 1 and
# at batch 8, THREADS threads (2). One row per application: parameters, GMAC per image (counted from the layer
# graph), the median of each engine's round medians, the ratio cpu/ort of those medians, achieved GFLOP/s
# (2 x MAC x batch / median). An application the Sample does not compile is skipped with a line saying so.
# Xception runs as in Benchmarks/alternate.sh (out/bench/xception_synthetic_seed1.h5, its ONNX export checked
# against the Cpu backend by `Benchmarks -- prepare`).
#   bash scripts/bench-applications.sh [ROUNDS=3] [RUNS=30] [THREADS=2] [APP ...]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3} runs=${2:-30} threads=${3:-2}
shift $(($# < 3 ? $# : 3))
apps=("$@")
[ ${#apps[@]} -gt 0 ] || apps=(xception vgg16 resnet50 mobilenet mobilenet_v2 inception_v3 densenet121 efficientnetb0)
py=${XCS_PYTHON:-/usr/bin/python3}
sample=Sample/bin/Release/net10.0/xception
dotnet build Sample -c Release -v q -nologo >/dev/null
dotnet build Benchmarks -c Release -v q -nologo >/dev/null
bench_ort() { dotnet run --project Benchmarks -c Release --no-build -- bench --engine ort "$@"; }

# The Sample's compiled models, as its own error message lists them ("Compiled models: a, b, c.").
known=$({ "$sample" bench --model '?' --runs 1 2>&1 || true; } | sed -n -E 's/.*Compiled models: (.*)\./\1/p' | tr -d ' ')
[ -n "$known" ] || { echo "error: could not read the Sample's compiled models" >&2; exit 1; }

median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
field() { sed -E "s/^.*$1=([0-9.]+).*/\\1/" <<<"$2"; }
rows=()
for app in "${apps[@]}"; do
  if [[ ",$known," != *",$app,"* ]]; then
    echo "skip $app: the Sample does not compile it (compiled: $known)"
    continue
  fi
  if [ "$app" = xception ]; then
    dotnet run --project Benchmarks -c Release --no-build -- prepare | grep '^check'
    weights=out/bench/xception_synthetic_seed1.h5 ort_model=()
    # Keras's table and the official shape table (81 layers with weights); the MACs are Benchmarks/Artifacts.cs's count (README, "What is compared").
    params=22910480 weighted=81 macs=8357403496
  else
    "$py" Benchmarks/onnx/export_application.py "$app" >/dev/null
    dotnet run --project Benchmarks -c Release --no-build -- check --model "$app" --threads "$threads"
    json=out/bench/$app/$app.json
    read -r weights params weighted macs < <("$py" -c "import json, sys; j = json.load(open(sys.argv[1]))
print(j['weights'], j['params'], j['weighted_layers'], j['macs'])" "$json")
    ort_model=(--model "$app")
  fi
  row="$app $params $weighted $macs"
  for batch in 1 8; do
    cpu=() ort=()
    for ((r = 1; r <= rounds; r++)); do
      c=$("$sample" bench --model "$app" --weights "$weights" --backend cpu --batch "$batch" --runs "$runs" --threads "$threads" | tail -1)
      o=$(bench_ort "${ort_model[@]}" --batch "$batch" --runs "$runs" --threads "$threads" | tail -1)
      echo "$app batch $batch round $r cpu: $c"
      echo "$app batch $batch round $r ort: $o"
      cpu+=("$(field median_ms "$c")") ort+=("$(field median_ms "$o")")
    done
    row+=" $(median "${cpu[@]}") $(median "${ort[@]}")"
  done
  rows+=("$row")
done

echo
echo "load average $(cut -d' ' -f1-3 /proc/loadavg); $rounds round(s) x $runs runs, $threads threads; ms = median of the round medians"
printf '%-15s %12s %8s %8s | %10s %10s %7s %9s %9s | %10s %10s %7s %9s %9s\n' application params weighted GMAC \
  'b1 cpu ms' 'b1 ort ms' ratio 'cpu GF/s' 'ort GF/s' 'b8 cpu ms' 'b8 ort ms' ratio 'cpu GF/s' 'ort GF/s'
for row in "${rows[@]}"; do
  awk -v r="$row" 'BEGIN {
    split(r, f, " "); flop = 2 * f[4]
    printf "%-15s %12d %8d %8.3f | %10.3f %10.3f %7.3f %9.1f %9.1f | %10.3f %10.3f %7.3f %9.1f %9.1f\n", f[1], f[2], f[3], f[4] / 1e9,
      f[5], f[6], f[5] / f[6], flop / (f[5] * 1e6), flop / (f[6] * 1e6),
      f[7], f[8], f[7] / f[8], 8 * flop / (f[7] * 1e6), 8 * flop / (f[8] * 1e6) }'
done
