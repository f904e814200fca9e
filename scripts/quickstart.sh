#!/usr/bin/env bash
# From a fresh clone: install the packages, build, and plan the bundled Wan
# 2.1 block (examples/) for a TPU v5e 4x4 slice: stage 1 estimates every
# candidate mesh, stage 2 places the survivors on the torus, and the module
# is rewritten to the best plan. The ranking is printed; the plan and the
# rewritten module land in out/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/configure.sh aoizora-opt AoiZoraPlugin
BUILD_DIR=${BUILD_DIR:-build}
mkdir -p out
"$BUILD_DIR/bin/aoizora-opt" examples/wan21_14b_block_sdy.mlir \
  --az-plan="topology=v5e:4x4 plan-file=out/wan21_14b_block.plan.json report-file=out/wan21_14b_block.candidates.json" \
  -o out/wan21_14b_block.placed.mlir
echo "quickstart: plan in out/wan21_14b_block.plan.json," \
  "rewritten module in out/wan21_14b_block.placed.mlir"
