#!/usr/bin/env bash
# Builds everything and runs every test: the lit/FileCheck suite, all
# GoogleTest binaries (check-aoizora), and the Python bridge's unittest
# suite (python/tests, against this build's aoizora-opt). Prints
# 'N passed, M failed' last, over all of them.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
PYTHON=${PYTHON:-python3}
bash scripts/configure.sh
log=$(mktemp)
status=0
/usr/lib/llvm-22/bin/lit -sv "$BUILD_DIR/test/lit" "$BUILD_DIR/test/Unit" \
  2>&1 | tee "$log" || status=$?
passed=$(sed -n 's/^ *Passed *: *\([0-9]*\).*/\1/p' "$log" | tail -n1)
failed=$(sed -n 's/^ *Failed *: *\([0-9]*\).*/\1/p' "$log" | tail -n1)
passed=${passed:-0}
failed=${failed:-0}

# The Python bridge. AOIZORA_TESTS_NEED_TOOL turns "aoizora-opt not found"
# into a failure instead of a skip; tests that need JAX skip without it.
case "$BUILD_DIR" in
  /*) opt="$BUILD_DIR/bin/aoizora-opt" ;;
  *) opt="$PWD/$BUILD_DIR/bin/aoizora-opt" ;;
esac
AOIZORA_OPT="$opt" AOIZORA_TESTS_NEED_TOOL=1 \
  "$PYTHON" -m unittest discover -s python/tests -t python/tests -v \
  2>&1 | tee "$log" || status=$?
ran=$(sed -n 's/^Ran \([0-9]*\) tests\{0,1\} in.*/\1/p' "$log" | tail -n1)
count() { sed -n "s/.*[(, ]$1=\([0-9]*\).*/\1/p" "$log" | tail -n1; }
py_failures=$(count failures)
py_errors=$(count errors)
py_skipped=$(count skipped)
py_unexpected=$(count 'unexpected successes')
py_failed=$(( ${py_failures:-0} + ${py_errors:-0} + ${py_unexpected:-0} ))
if [ -z "$ran" ]; then
  # The suite did not even start (import error): count it as one failure.
  py_failed=$(( py_failed > 0 ? py_failed : 1 ))
  ran=0
fi
py_passed=$(( ran - py_failed - ${py_skipped:-0} ))
py_passed=$(( py_passed > 0 ? py_passed : 0 ))
echo "python: $py_passed passed, $py_failed failed, ${py_skipped:-0} skipped"
[ "$py_failed" -eq 0 ] || status=1

rm -f "$log"
echo "aoizora: $(( passed + py_passed )) passed, $(( failed + py_failed )) failed"
exit $status
