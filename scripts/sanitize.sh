#!/usr/bin/env bash
# Sanitizer stage of CI (docs/robustness.md): builds the plain C++ libraries,
# their unit tests and the fuzz targets with ASan+UBSan (clang when present,
# for libFuzzer), runs the unit tests, and runs each fuzz target for a short
# smoke (FUZZ_SECONDS, default 30) on its seed corpus plus the malformed-input
# corpus. Prints 'sanitize: N passed, M failed' last.
#
# The MLIR-facing parts (lib/IR, lib/Passes, aoizora-opt) are not built here:
# a second full build does not fit CI's 90 minutes on 2 cores next to the
# Release build (measured figures in docs/robustness.md). Their hostile-input
# behaviour is covered by the Release lit suite (malformed-corpus.test).
set -euo pipefail
cd "$(dirname "$0")/.."
SAN_BUILD_DIR=${SAN_BUILD_DIR:-build-san}
FUZZ_SECONDS=${FUZZ_SECONDS:-30}

compiler=()
fuzz=OFF
if command -v clang++ >/dev/null 2>&1; then
  compiler=(-DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++)
  fuzz=ON
fi
if [ ! -f "$SAN_BUILD_DIR/build.ninja" ]; then
  cmake -G Ninja -S . -B "$SAN_BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir "${compiler[@]}" \
    "-DAOIZORA_SANITIZE=address;undefined" -DAOIZORA_FUZZ=$fuzz
fi

unit_tests=(AoiZoraSupportTests AoiZoraShardingTests AoiZoraTopologyTests
  AoiZoraHloImportTests)
fuzzers=(aoizora-fuzz-shardy aoizora-fuzz-hlo-sharding aoizora-fuzz-hlo-import
  aoizora-fuzz-topology aoizora-fuzz-plan-file)
targets=("${unit_tests[@]}")
if [ "$fuzz" = ON ]; then targets+=("${fuzzers[@]}"); fi
cmake --build "$SAN_BUILD_DIR" --target "${targets[@]}"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
passed=0 failed=0
for t in "${unit_tests[@]}"; do
  if "$SAN_BUILD_DIR/unittests/$t" --gtest_brief=1; then
    passed=$((passed + 1))
  else
    echo "sanitize: FAILED $t"; failed=$((failed + 1))
  fi
done

if [ "$fuzz" = ON ]; then
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
