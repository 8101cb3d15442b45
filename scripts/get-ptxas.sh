#!/usr/bin/env bash
# Prints the path of a ptxas (CUDA 11.8, assembles PTX ISA <= 7.8 for sm_90) for the PTX tests, fetching it once.
#
# ptxas comes from Debian bookworm's non-free nvidia-cuda-toolkit package, which this machine's apt
# sources do not name. The package is NOT installed: a private apt configuration (its own sources.list,
# lists and cache folders under the cache) downloads the signed, hash-checked .deb from the mirror the
# system already uses, and only ./usr/bin/ptxas is unpacked from it (ptxas needs only libc, libm and
# libpthread). The system's apt state is not touched.
#
#   scripts/get-ptxas.sh            -> prints e.g. /root/.cache/xcs-ptxas/11.8.89/ptxas
#   XCS_PTXAS_CACHE=/dir scripts/get-ptxas.sh
#
# Idempotent: a cached ptxas that runs is printed without any network access. Progress goes to stderr,
# only the path to stdout. Exits non-zero with a message on stderr when the mirror cannot be reached or
# does not have the package.
set -euo pipefail

package=nvidia-cuda-toolkit
cache="${XCS_PTXAS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xcs-ptxas}"
ptxas="$cache/current/ptxas"

say() { echo "get-ptxas: $*" >&2; }
fail() { echo "get-ptxas: error: $*" >&2; exit 1; }

if [ -x "$ptxas" ] && "$ptxas" --version >/dev/null 2>&1; then
  echo "$ptxas"
  exit 0
fi

command -v apt-get >/dev/null 2>&1 || fail "apt-get not found: ptxas is fetched from Debian bookworm's non-free '$package' package (set XCS_PTXAS to a ptxas from CUDA >= 11.8 instead)"
command -v dpkg-deb >/dev/null 2>&1 || fail "dpkg-deb not found (set XCS_PTXAS to a ptxas from CUDA >= 11.8 instead)"

# The mirror the system already uses for Debian (deb822 .sources or one-line .list), else deb.debian.org.
mirror=""
for f in /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] || continue
  mirror=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' "$f")
  [ -n "$mirror" ] && break
done
if [ -z "$mirror" ]; then
  mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
    | awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^(https?|ftp|file):/) { if ($i !~ /security/ && $(i+1) ~ /^bookworm$/) { print $i; exit } break } }')
fi
mirror="${XCS_DEBIAN_MIRROR:-${mirror:-http://deb.debian.org/debian}}"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -f "$keyring" ] || fail "$keyring not found (package debian-archive-keyring): cannot verify the mirror"

mkdir -p "$cache"
work=$(mktemp -d "$cache/.work.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/etc/preferences.d" "$work/x"
# Only the components that hold the package and its record: 'main' adds a 9 MB index that apt-get
# download does not need (it resolves no dependencies).
echo "deb [signed-by=$keyring] $mirror bookworm non-free contrib" >"$work/etc/sources.list"
apt_opts=(
  -o "Dir::Etc::sourcelist=$work/etc/sources.list"
  -o "Dir::Etc::sourceparts=-"
  -o "Dir::Etc::preferencesparts=$work/etc/preferences.d"
  -o "Dir::State::Lists=$work/lists"
  -o "Dir::Cache=$work/cache"
  -o "APT::Sandbox::User=root"
  -o "Acquire::Retries=3"
  -o "Debug::NoLocking=1"
)

start=$(date +%s)
say "fetching the bookworm non-free index from $mirror"
if ! apt-get "${apt_opts[@]}" -qq update >"$work/update.log" 2>&1 || grep -qE '^(E:|Err:|W: Failed to fetch)' "$work/update.log"; then
  cat "$work/update.log" >&2
  fail "the mirror $mirror refused or failed 'apt-get update' for bookworm non-free (network? set XCS_DEBIAN_MIRROR or XCS_PTXAS)"
fi
version=$(apt-cache "${apt_opts[@]}" show "$package" 2>/dev/null | awk '/^Version:/ { print $2; exit }' || true)
[ -n "$version" ] || fail "the mirror $mirror has no '$package' in bookworm non-free"

say "downloading $package $version (about 84 MB; only usr/bin/ptxas is kept)"
if ! (cd "$work" && apt-get "${apt_opts[@]}" -qq download "$package=$version") >"$work/download.log" 2>&1; then
  cat "$work/download.log" >&2
  fail "the mirror $mirror refused the download of $package $version"
fi
deb=$(ls "$work"/"$package"_*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || fail "apt-get download left no .deb for $package"
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work/x" ./usr/bin/ptxas \
  || fail "$package $version has no ./usr/bin/ptxas"

upstream=${version%%~*}
target="$cache/$upstream"
rm -rf "$target"
mkdir -p "$target"
mv "$work/x/usr/bin/ptxas" "$target/ptxas"
chmod 0755 "$target/ptxas"
"$target/ptxas" --version >/dev/null 2>&1 || fail "the unpacked $target/ptxas does not run on this machine"
ln -sfn "$upstream" "$cache/current"
say "ptxas $upstream ready in $(( $(date +%s) - start )) s"
echo "$ptxas"
