#!/usr/bin/env bash
# Configures and builds AoiZora in ./build (Ninja, Release) unless told
# otherwise by BUILD_DIR. Extra arguments are build targets.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -G Ninja -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir
fi
cmake --build "$BUILD_DIR" ${1:+--target "$@"}
