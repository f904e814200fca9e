#!/usr/bin/env bash
# Builds everything and runs every test: the lit/FileCheck suite and all
# GoogleTest binaries (check-aoizora). Prints 'N passed, M failed' last.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
bash scripts/configure.sh
log=$(mktemp)
status=0
/usr/lib/llvm-22/bin/lit -sv "$BUILD_DIR/test/lit" "$BUILD_DIR/test/Unit" \
  2>&1 | tee "$log" || status=$?
passed=$(sed -n 's/^ *Passed *: *\([0-9]*\).*/\1/p' "$log" | tail -n1)
failed=$(sed -n 's/^ *Failed *: *\([0-9]*\).*/\1/p' "$log" | tail -n1)
rm -f "$log"
echo "aoizora: ${passed:-0} passed, ${failed:-0} failed"
exit $status
