#!/usr/bin/env bash
# Regenerates docs/validation.md: AoiZora's predictions against the published
# figures (bench/validate.py says which and how). Usage:
#   bash bench/validate.sh [BUILD_DIR] [--quick] [--output FILE]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../build}"
shift || true
exec python3 "$here/validate.py" --build-dir "$build" "$@"
