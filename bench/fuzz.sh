#!/usr/bin/env bash
# Runs each libFuzzer target for a given time, one after the other, and
# prints a Markdown table row per target (executions, executions/s, new
# inputs, findings) for docs/robustness.md. Findings (crash-*, leak-*,
# timeout-*, oom-* files) are kept in $FUZZ_OUT/<target>/ and must become
# regression tests (fuzz/corpus/<target>/ and, when the tool can reach the
# input, test/malformed/generate_corpus.py).
#
# Usage: bench/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#   SAN_BUILD_DIR (default build-san) is configured as scripts/sanitize.sh
#   does, with FUZZ_SANITIZE (default address;undefined; `undefined` leaves
#   ASan's checks out); MAX_LEN (default 8192)
#   caps the input size; FUZZ_OUT (default /tmp/aoizora-fuzz) keeps corpora
#   and findings. Runs at the lowest CPU priority: the machine may be
#   shared.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
shift || true
SAN_BUILD_DIR=${SAN_BUILD_DIR:-build-san}
FUZZ_SANITIZE=${FUZZ_SANITIZE:-address;undefined}
MAX_LEN=${MAX_LEN:-8192}
FUZZ_OUT=${FUZZ_OUT:-/tmp/aoizora-fuzz}
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(shardy hlo-sharding hlo-import topology plan-file)
fi
bash scripts/build-fuzzers.sh "$SAN_BUILD_DIR" "$FUZZ_SANITIZE" \
  "${targets[@]/#/aoizora-fuzz-}"

mkdir -p "$FUZZ_OUT/malformed"
python3 test/malformed/generate_corpus.py "$FUZZ_OUT/malformed" >/dev/null
rm -f "$FUZZ_OUT/malformed/fifo"
export ASAN_OPTIONS=detect_leaks=1
echo "| target | seconds | executions | exec/s | corpus | findings |"
echo "|---|---|---|---|---|---|"
for t in "${targets[@]}"; do
  work="$FUZZ_OUT/$t"
  mkdir -p "$work/corpus" "$work/findings"
  log="$work/run.log"
  nice -n 19 "$SAN_BUILD_DIR/fuzz/aoizora-fuzz-$t" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len="$MAX_LEN" -print_final_stats=1 -error_exitcode=77 \
    "-artifact_prefix=$work/findings/" "$work/corpus" "fuzz/corpus/$t" \
    "$FUZZ_OUT/malformed" > "$log" 2>&1 || true
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n1)
  units=$(ls "$work/corpus" | wc -l)
  findings=$(ls "$work/findings" | wc -l)
  echo "| $t | $seconds | ${runs:-?} | ${rate:-?} | $units | $findings |"
done
