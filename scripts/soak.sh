#!/usr/bin/env bash
# Soak test of the generated mini 71x71 model (not a unit test: minutes, not seconds).
#   scripts/soak.sh [--predictions 10000] [--loads 200] [--ilgpu-loads 20]
# Runs 10,000 predictions on one instance (Cpu backend), then load+predict+dispose cycles on Cpu and IlgpuCpu,
# printing working set, managed heap, open file descriptors and threads every 1000 predictions (every quarter
# of the load cycles). Exits 1 when descriptors or threads grow, the managed heap grows by more than 16 MiB,
# or a prediction changes. The program is Tests/Reliability/Soak (its own console project, outside the solution).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
dotnet build Tests/Reliability/Soak/Soak.csproj -c Release -nologo -v quiet
exec dotnet "Tests/Reliability/Soak/bin/Release/net10.0/xcs-soak.dll" --fixtures "$root/Tests/Fixtures" --weights "$root/Sample/Examples/mini_xception_w0125_top10.h5" "$@"
