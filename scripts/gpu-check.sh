#!/usr/bin/env bash
# The GPU check of issue 3, in two halves:
#
#   scripts/gpu-check.sh prepare   here (needs the .NET 10 SDK, no GPU): publishes the checker
#       (Benchmarks/GpuCheck/, self-contained linux-x64, single file, trimmed with Benchmarks/GpuCheck/ILLink.Descriptors.xml)
#       as artifacts/gpu-check/xcs-gpucheck.tar.xz, proves the published binary works (PTX for sm_90 and
#       the mini fixtures on ILGPU's CPU accelerator), and writes the reference outputs of IlgpuCpu and
#       Cpu for 2 random images on a full-size synthetic model into artifacts/gpu-check/data (about 3
#       minutes, most of it IlgpuCpu; XCS_GPUCHECK_REFERENCES=cpu skips IlgpuCpu). Prints the sizes.
#
#   scripts/gpu-check.sh run       on the GPU machine (one NVIDIA GPU, CUDA driver, python3 with
#       torch, h5py, numpy; no .NET, no network), from the repository root with artifacts/gpu-check
#       carried. Writes everything under $OUT (default artifacts/gpu-check/out):
#         1. the checker: PTX, Cuda vs the mini fixtures (1e-5), regenerates the synthetic weights
#            (deterministic, SHA-256 checked), Cuda vs the prepared IlgpuCpu/Cpu outputs, then times
#            Predict at batch 1 and 32 (RUNS=100 after WARMUP=20)            -> xcs.json, xcs.log
#         2. PyTorch on the mini fixture (validates the port on the GPU)    -> torch_mini.json
#         3. PyTorch on the same synthetic .h5: eager and torch.compile, fp32, TF32 off, channels_last,
#            checked against the same references and our outputs, timed the same way -> torch.json
#         4. one table                                                      -> table.md, gpu-check.json
#       Exit code 0 when every check passed (torch.compile failing is reported, not a failure).
#       Knobs: RUNS, WARMUP, BATCHES (1,32), TORCH_COMPILE (default; e.g. default,reduce-overhead; '' none),
#       COMPILE_BUDGET_S (170), TOLERANCE (1e-5; say 1e-3 when the kernels use TF32 tensor cores).
#       A dry run without a GPU: XCS_BACKEND=cpu TORCH_DEVICE=cpu BATCHES=1 RUNS=2 WARMUP=1 scripts/gpu-check.sh run
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
artifacts="$root/artifacts/gpu-check"

prepare() {
  set -e
  command -v dotnet >/dev/null || { echo "error: prepare needs the .NET 10 SDK" >&2; exit 1; }
  local start stage mode
  start=$(date +%s)
  rm -rf "$artifacts"
  mkdir -p "$artifacts/data"
  stage=$(mktemp -d)
  trap 'rm -rf "$stage"' RETURN

  mode=${XCS_GPUCHECK_PUBLISH:-trimmed}
  for attempt in "$mode" selfcontained; do
    echo "== publish ($attempt)"
    rm -rf "$stage/bin"
    dotnet publish Benchmarks/GpuCheck/GpuCheck.csproj -c Release -nologo -v quiet -p:GpuCheckPublish="$attempt" -o "$stage/bin" >"$stage/publish.log" 2>&1 \
      || { cat "$stage/publish.log" >&2; exit 1; }
    rm -f "$stage"/bin/*.pdb
    echo "== self-test of the published binary (PTX for sm_90, mini fixtures on ILGPU's CPU accelerator)"
    if "$stage/bin/xcs-gpucheck" run --backend ilgpu-cpu --checks ptx,mini --fixtures Tests/Fixtures --examples Sample/Examples --out "$stage/selftest"; then
      mode=$attempt
      break
    fi
    [ "$attempt" = selfcontained ] && { echo "error: the published checker fails its self-test" >&2; exit 1; }
    echo "warning: the $attempt publish failed its self-test; trying an untrimmed self-contained publish" >&2
  done
  tar -C "$stage/bin" -cJf "$artifacts/xcs-gpucheck.tar.xz" .

  echo "== reference outputs for the full-size synthetic model"
  "$stage/bin/xcs-gpucheck" prepare --data "$artifacts/data" --references "${XCS_GPUCHECK_REFERENCES:-ilgpu-cpu,cpu}"
  echo "$mode" >"$artifacts/publish-mode.txt"

  echo "== sizes"
  echo "published binary ($mode): $(du -b "$stage/bin/xcs-gpucheck" | cut -f1) bytes; tar.xz: $(stat -c %s "$artifacts/xcs-gpucheck.tar.xz") bytes"
  echo "artifacts/gpu-check: $(du -sb "$artifacts" | cut -f1) bytes (carry it); fixtures used from the tree: $(du -cb Sample/Examples/mini_xception_w0125_top10.h5 Sample/Examples/mini_input_299x299_seed5.npy Tests/Fixtures/mini_expected_299x299_seed5.npy Tests/Fixtures/mini_input_71x71_seed2.npy Tests/Fixtures/mini_expected_71x71_seed2.npy | tail -1 | cut -f1) bytes"
  echo "prepare took $(( $(date +%s) - start )) s"
  echo "next, on the GPU machine: bash scripts/gpu-check.sh run   (carry artifacts/gpu-check)"
}

run() {
  local out work status=0 start
  start=$(date +%s)
  out="${OUT:-$artifacts/out}"
  work="${XCS_GPUCHECK_WORK:-${TMPDIR:-/tmp}/xcs-gpu-check}"
  mkdir -p "$out" "$work"
  [ -f "$artifacts/xcs-gpucheck.tar.xz" ] && [ -f "$artifacts/data/manifest.json" ] \
    || { echo "error: artifacts/gpu-check is missing: run 'scripts/gpu-check.sh prepare' first and carry artifacts/gpu-check" >&2; exit 1; }
  rm -rf "$work/bin" && mkdir -p "$work/bin" "$work/extract"
  tar -C "$work/bin" -xJf "$artifacts/xcs-gpucheck.tar.xz"
  export DOTNET_BUNDLE_EXTRACT_BASE_DIR="$work/extract" DOTNET_CLI_TELEMETRY_OPTOUT=1
  py=${PYTHON:-python3}

  if command -v nvidia-smi >/dev/null 2>&1; then
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader >"$out/nvidia-smi.txt" 2>&1
  else
    echo "nvidia-smi not available" >"$out/nvidia-smi.txt"
  fi
  echo "== device: $(cat "$out/nvidia-smi.txt")"
  "$py" -c 'import torch, h5py, numpy; print("python", __import__("sys").version.split()[0], "torch", torch.__version__, "cuda", torch.version.cuda, "h5py", h5py.__version__, "numpy", numpy.__version__, "gpu", torch.cuda.is_available())' 2>&1 | tee "$out/python.txt"

  echo "== xcs checker (Cuda)"
  timeout "${XCS_TIMEOUT_S:-240}" "$work/bin/xcs-gpucheck" run --backend "${XCS_BACKEND:-cuda}" --checks ptx,mini,full \
      --data "$artifacts/data" --fixtures Tests/Fixtures --examples Sample/Examples --work "$work" --out "$out" \
      --batches "${BATCHES:-1,32}" --runs "${RUNS:-100}" --warmup "${WARMUP:-20}" --tolerance "${TOLERANCE:-1e-5}" 2>&1 | tee "$out/xcs.log"
  [ "${PIPESTATUS[0]}" = 0 ] || status=1

  echo "== PyTorch port on the mini fixture (GPU)"
  timeout 60 "$py" scripts/gpu/torch_xception.py --description Sample/Models/MiniXception.xcs.json \
      --weights Sample/Examples/mini_xception_w0125_top10.h5 --images Sample/Examples/mini_input_299x299_seed5.npy \
      --expected Tests/Fixtures/mini_expected_299x299_seed5.npy --device "${TORCH_DEVICE:-cuda}" --compile "" --label mini299 --out "$out/torch_mini.json" 2>&1 | tee "$out/torch_mini.log"

  echo "== PyTorch on the synthetic model"
  if [ -f "$work/xception_synthetic.h5" ]; then
    ours=()
    [ -f "$out/xcs_synthetic_outputs.npy" ] && ours=(--ours "$out/xcs_synthetic_outputs.npy")
    timeout "${TORCH_TIMEOUT_S:-260}" "$py" scripts/gpu/torch_xception.py --description model.xcs.json \
        --weights "$work/xception_synthetic.h5" --images "$artifacts/data/synthetic_images.npy" \
        --expected "$artifacts/data/synthetic_expected_ilgpu_cpu.npy" "${ours[@]}" --device "${TORCH_DEVICE:-cuda}" \
        --batches "${BATCHES:-1,32}" --runs "${RUNS:-100}" --warmup "${WARMUP:-20}" --tolerance "${TOLERANCE:-1e-5}" \
        --compile "${TORCH_COMPILE-default}" --compile-budget-s "${COMPILE_BUDGET_S:-170}" --label synthetic --out "$out/torch.json" 2>&1 | tee "$out/torch.log"
  else
    echo "error: the checker wrote no synthetic weights ($work/xception_synthetic.h5); PyTorch skipped" >&2
  fi

  "$py" scripts/gpu/report.py "$out" 2>&1 | tee "$out/report.txt"
  [ "${PIPESTATUS[0]}" = 0 ] || status=1
  rm -f "$work/xception_synthetic.h5"
  echo "gpu check took $(( $(date +%s) - start )) s; details in $out"
  exit $status
}

case "${1:-}" in
  prepare) prepare ;;
  run) run ;;
  *) echo "usage: scripts/gpu-check.sh prepare | run" >&2; exit 2 ;;
esac
