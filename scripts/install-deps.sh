#!/usr/bin/env bash
# Installs the Debian 12 packages AoiZora builds against, if any is missing.
# Uses sudo when not run as root.
set -euo pipefail

# python3-pip, -setuptools and -wheel: the Python bridge's install test builds
# python/ offline (pip install --no-build-isolation). librsvg2-bin: the
# picture test renders az-place's SVG with rsvg-convert. clang and
# libclang-rt-14-dev: libFuzzer and the sanitizers (scripts/sanitize.sh).
packages=(cmake ninja-build g++ python3 python3-pip python3-setuptools
  python3-wheel llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools
  libfmt-dev libgtest-dev libbenchmark-dev librsvg2-bin clang
  libclang-rt-14-dev)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi

as_root=()
if [ "$(id -u)" -ne 0 ]; then as_root=(sudo); fi
echo "install-deps: installing ${missing[*]}"
"${as_root[@]}" apt-get update -q
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -q \
  --no-install-recommends "${missing[@]}"
