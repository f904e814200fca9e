#!/usr/bin/env bash
# Sanitizer stage of CI (docs/robustness.md):
#  1. builds the whole project with ASan+UBSan (GCC, ASAN_BUILD_DIR, default
#     build-asan) and runs every lit and unit test against that build; the
#     plugin tests load GCC's sanitizer runtimes into Debian's mlir-opt
#     (test/lit/lit.cfg.py);
#  2. builds the libFuzzer targets with ASan+UBSan (clang, SAN_BUILD_DIR,
#     default build-san) and runs each for a short smoke (FUZZ_SECONDS,
#     default 30) on its seeds plus the malformed-input corpus.
# Prints 'sanitize: N passed, M failed' last.
set -euo pipefail
cd "$(dirname "$0")/.."
ASAN_BUILD_DIR=${ASAN_BUILD_DIR:-build-asan}
SAN_BUILD_DIR=${SAN_BUILD_DIR:-build-san}
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
passed=0 failed=0

# 1. Everything, every test.
if [ ! -f "$ASAN_BUILD_DIR/build.ninja" ]; then
  cmake -G Ninja -S . -B "$ASAN_BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DCMAKE_C_COMPILER=gcc -DCMAKE_CXX_COMPILER=g++ \
    "-DAOIZORA_SANITIZE=address;undefined"
fi
cmake --build "$ASAN_BUILD_DIR"
log=$(mktemp)
if /usr/lib/llvm-22/bin/lit -sv "$ASAN_BUILD_DIR/test/lit" \
    "$ASAN_BUILD_DIR/test/Unit" > "$log" 2>&1; then
  passed=$((passed + 1))
  echo "sanitize: lit and unit tests: $(grep -E '^ *Passed *:' "$log" | tail -n1 | tr -s ' ')"
else
  echo "sanitize: FAILED lit and unit tests under ASan+UBSan"
  grep -E '^(FAIL|UNRESOLVED):|runtime error|ERROR: AddressSanitizer' "$log" | head -n 40
  failed=$((failed + 1))
fi
rm -f "$log"

# 2. Fuzz smoke.
fuzz=OFF
if command -v clang++ >/dev/null 2>&1; then fuzz=ON; fi
fuzzers=(aoizora-fuzz-shardy aoizora-fuzz-hlo-sharding aoizora-fuzz-hlo-import
  aoizora-fuzz-topology aoizora-fuzz-plan-file)
if [ "$fuzz" = ON ]; then
  bash scripts/build-fuzzers.sh "$SAN_BUILD_DIR" "address;undefined" \
    "${fuzzers[@]}"
  corpus_tmp=$(mktemp -d)
  python3 test/malformed/generate_corpus.py "$corpus_tmp/malformed" >/dev/null
  rm -f "$corpus_tmp/malformed/fifo"
  for f in "${fuzzers[@]}"; do
    name=${f#aoizora-fuzz-}
    work="$corpus_tmp/$name"
    mkdir -p "$work"
    # The seeds and earlier findings (regression inputs) first, then a
    # time-bounded run that writes new inputs into a scratch copy.
    if "$SAN_BUILD_DIR/fuzz/$f" -max_total_time="$FUZZ_SECONDS" -timeout=10 \
        -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 \
        "-artifact_prefix=$work/" "$work" "fuzz/corpus/$name" \
        "$corpus_tmp/malformed" > "$work.log" 2>&1; then
      passed=$((passed + 1))
      echo "sanitize: fuzz $name: $(grep -o 'stat::number_of_executed_units: [0-9]*' "$work.log" | tail -n1)"
    else
      echo "sanitize: FAILED fuzz $name"; tail -n 40 "$work.log"
      failed=$((failed + 1))
    fi
  done
  rm -rf "$corpus_tmp"
else
  echo "sanitize: no clang++, fuzz smoke skipped"
fi
echo "sanitize: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
