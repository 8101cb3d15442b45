#!/usr/bin/env bash
# Packs Xception.Compiler and Xception.Compiler.Runtime into a local folder feed, at a version no earlier pack used,
# and prints the `dotnet add package` line that takes exactly this pack.
#   scripts/pack-local.sh [FEED (default ~/xcs-packages)] [more dotnet pack arguments ...]
# Why a new version each time: NuGet takes an exact version from its global packages folder (~/.nuget/packages)
# before it looks at any source, so a second pack at the same version never reaches a consumer.
# A release is packed with its own version instead: dotnet pack <project> -c Release -p:Version=1.2.3.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
feed="${1:-$HOME/xcs-packages}"
if [ "$#" -gt 0 ]; then shift; fi
mkdir -p "$feed"
feed="$(cd "$feed" && pwd)"

# One time for both packs: Directory.Build.props makes the version <prefix>-local.<stamp> from it, and keeps real
# times in the packages (see there why).
stamp="$(date -u +%Y%m%d%H%M%S)"

# Both projects at once (they do not reference each other), each with its own log shown only on failure.
logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT
pids=()
for project in Runtime/Runtime.csproj Generator/Generator.csproj; do
  name="$(basename "$project" .csproj)"
  dotnet pack "$root/$project" -c Release -o "$feed" -p:XceptionCompilerLocalVersion=true -p:XceptionCompilerLocalStamp="$stamp" -nologo "$@" >"$logs/$name.log" 2>&1 &
  pids+=("$!:$name")
done
failed=0
for entry in "${pids[@]}"; do
  if ! wait "${entry%%:*}"; then
    echo "error: dotnet pack of ${entry#*:} failed:" >&2
    cat "$logs/${entry#*:}.log" >&2
    failed=1
  fi
done
[ "$failed" = 0 ] || exit 1

# The version the props made from the stamp, read back from the runtime package's file name.
runtime=("$feed"/Xception.Compiler.Runtime.*-local."$stamp".nupkg)
if [ ! -f "${runtime[0]}" ]; then
  echo "error: no Xception.Compiler.Runtime package with the stamp $stamp in $feed" >&2
  exit 1
fi
version="$(basename "${runtime[0]}" .nupkg)"
version="${version#Xception.Compiler.Runtime.}"
if [ ! -f "$feed/Xception.Compiler.$version.nupkg" ]; then
  echo "error: $feed/Xception.Compiler.$version.nupkg was not produced" >&2
  exit 1
fi

echo "Packed Xception.Compiler and Xception.Compiler.Runtime $version into $feed. In your project, run:"
printf 'dotnet add package Xception.Compiler --version %s --source %q\n' "$version" "$feed"
