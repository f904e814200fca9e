#!/usr/bin/env bash
# From a fresh clone: install the packages, build, and plan the bundled Wan
# 2.1 block (examples/) for a TPU v5e 4x4 slice: stage 1 estimates every
# candidate mesh, stage 2 places the survivors on the torus, and the module
# is rewritten to the best plan. The plan's table is printed; the JSON plan,
# its picture (SVG, and PNG when rsvg-convert is there) and the rewritten
# module land in out/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/configure.sh aoizora-opt AoiZoraPlugin
BUILD_DIR=${BUILD_DIR:-build}
mkdir -p out
# The table goes to stdout; the remarks (the same in detail) to a file,
# shown when planning fails.
if ! "$BUILD_DIR/bin/aoizora-opt" examples/wan21_14b_block_sdy.mlir \
  --az-plan="topology=v5e:4x4 plan-file=out/wan21_14b_block.plan.json report-file=out/wan21_14b_block.candidates.json summary-file=- picture-file=out/wan21_14b_block.plan.svg" \
  -o out/wan21_14b_block.placed.mlir 2> out/wan21_14b_block.remarks.txt; then
  cat out/wan21_14b_block.remarks.txt >&2
  exit 1
fi
if command -v rsvg-convert > /dev/null; then
  rsvg-convert out/wan21_14b_block.plan.svg -o out/wan21_14b_block.plan.png
fi
echo "quickstart: plan in out/wan21_14b_block.plan.json, its picture in" \
  "out/wan21_14b_block.plan.svg, remarks in out/wan21_14b_block.remarks.txt," \
  "rewritten module in out/wan21_14b_block.placed.mlir"
