#!/usr/bin/env bash
# Audits the placement search on every Wan 2.1 scenario of scenarios.py: the
# plan against each JAX order (sorted ids, jax.devices(), jax.make_mesh,
# create_device_mesh), the best of >= 1000 random placements, every source
# of the search, the exhaustive optimum on slices of at most 8 devices, and
# the lower bound. Writes search_audit.md/.csv/_summary.json into
# RESULTS_DIR (bench/results); bench/report.py puts the table into
# docs/benchmarks.md.
#
# Builds nothing: BUILD_DIR (build) must hold bin/aoizora-opt and
# bin/aoizora-wan-gen. Arguments go to bench/search_audit.py (--quick for
# the 6-scenario set, --random N).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-build}
RESULTS_DIR=${RESULTS_DIR:-bench/results}
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR="$ROOT/$BUILD_DIR" ;; esac
case "$RESULTS_DIR" in /*) ;; *) RESULTS_DIR="$ROOT/$RESULTS_DIR" ;; esac
for tool in aoizora-opt aoizora-wan-gen; do
  [ -x "$BUILD_DIR/bin/$tool" ] || {
    echo "search_audit: $BUILD_DIR/bin/$tool not found; build it first" >&2
    exit 1
  }
done
mkdir -p "$RESULTS_DIR"
exec python3 "$ROOT/bench/search_audit.py" --build-dir "$BUILD_DIR" \
  --results "$RESULTS_DIR" "$@"
