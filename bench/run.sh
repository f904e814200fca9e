#!/usr/bin/env bash
# Regenerates every benchmark result and docs/benchmarks.md from scratch:
#   bash bench/run.sh
# Builds the project (Release, ./build unless BUILD_DIR says otherwise),
# then runs
#   1. the Google Benchmark microbenchmarks (aoizora-microbench),
#   2. the end-to-end planner speed and memory script (bench/e2e_speed.sh),
#   3. the plan-quality scenarios (bench/scenarios.py),
# writing into bench/results (RESULTS_DIR), and assembles docs/benchmarks.md
# from them (bench/report.py). Timings live here only, never in tests.
set -euo pipefail
cd "$(dirname "$0")/.."
export BUILD_DIR=${BUILD_DIR:-build}
export RESULTS_DIR=${RESULTS_DIR:-bench/results}
mkdir -p "$RESULTS_DIR"
bash scripts/configure.sh

if [ -x "$BUILD_DIR/bench/aoizora-microbench" ]; then
  "$BUILD_DIR/bench/aoizora-microbench" --benchmark_min_time=0.05 \
    --benchmark_out="$RESULTS_DIR/microbench.json" \
    --benchmark_out_format=json | tee "$RESULTS_DIR/microbench.txt"
else
  echo "aoizora-microbench not built (libbenchmark-dev missing); skipped" \
    | tee "$RESULTS_DIR/microbench.txt"
fi
bash bench/e2e_speed.sh
python3 bench/scenarios.py --build-dir "$BUILD_DIR" --results "$RESULTS_DIR"
python3 bench/report.py --results "$RESULTS_DIR" --output docs/benchmarks.md
echo "wrote $RESULTS_DIR and docs/benchmarks.md"
