#!/usr/bin/env bash
# From a fresh clone: install the packages, build, and run AoiZora on the
# bundled Wan 2.1 block (examples/), printing what it found.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/configure.sh aoizora-opt AoiZoraPlugin
BUILD_DIR=${BUILD_DIR:-build}
mkdir -p out
"$BUILD_DIR/bin/aoizora-opt" examples/wan21_14b_block_sdy.mlir \
  --az-inspect-shardings="report-file=out/wan21_14b_block.inspect.json" \
  -o /dev/null
echo "quickstart: report written to out/wan21_14b_block.inspect.json"
