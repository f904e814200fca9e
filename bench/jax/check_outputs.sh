#!/usr/bin/env bash
# Reads what export_wan_block.py wrote with aoizora-opt: the generic-form
# StableHLO through az-inspect-shardings and az-plan, and the compiled HLO
# text as the module's own dump through az-place/az-plan (hlo-dump=), so a
# fixture that the tools cannot read fails here, loudly.
#   bash bench/jax/check_outputs.sh OUT_DIR [NAME] [TOPOLOGY]
# OUT_DIR/NAME.generic.mlir and OUT_DIR/NAME.after_optimizations.txt must
# exist (NAME defaults to wan_block, TOPOLOGY to v5e:4x4, matching the
# script's 16 fake devices).
set -euo pipefail
out=${1:?usage: check_outputs.sh OUT_DIR [NAME] [TOPOLOGY]}
name=${2:-wan_block}
topology=${3:-v5e:4x4}
opt=${AOIZORA_OPT:-$(dirname "$0")/../../${BUILD_DIR:-build}/bin/aoizora-opt}
module="$out/$name.generic.mlir"
dump="$out/$name.after_optimizations.txt"
for f in "$opt" "$module" "$dump"; do
  [ -e "$f" ] || { echo "check_outputs: missing $f" >&2; exit 1; }
done
"$opt" "$module" --az-inspect-shardings -o /dev/null
"$opt" "$module" --az-plan="topology=$topology check-memory=false apply=false hlo-dump=$dump plan-file=$out/$name.plan.json" -o /dev/null
grep -q '"collective_source": "compiled HLO dump' "$out/$name.plan.json" || {
  echo "check_outputs: the plan was not priced from $dump" >&2; exit 1; }
echo "check_outputs: $module and $dump read; plan in $out/$name.plan.json"
