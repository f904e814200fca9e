#!/usr/bin/env bash
# Configures (once) and builds libFuzzer targets with clang.
# Usage: scripts/build-fuzzers.sh BUILD_DIR SANITIZERS TARGET...
#   SANITIZERS: the AOIZORA_SANITIZE list, e.g. 'address;undefined'.
# Used by scripts/sanitize.sh (the CI smoke) and bench/fuzz.sh (long runs).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$1 sanitizers=$2
shift 2
if [ ! -f "$dir/build.ninja" ]; then
  cmake -G Ninja -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
    "-DAOIZORA_SANITIZE=$sanitizers" -DAOIZORA_FUZZ=ON
fi
cmake --build "$dir" --target "$@"
