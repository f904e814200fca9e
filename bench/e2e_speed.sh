#!/usr/bin/env bash
# End-to-end speed and memory of the planner on the full Wan 2.1 14B 480p
# module (40 blocks, unrolled, cfg+fsdp+ulysses+tp on 256 devices), against
# plain parse+print of the same module. Goal: az-plan within 3x the time and
# 2x the peak memory of parse+print.
#
# Builds nothing: BUILD_DIR (default build) must hold bin/aoizora-opt and
# bin/aoizora-wan-gen, e.g.
#   bash scripts/configure.sh aoizora-opt aoizora-wan-gen
# Environment: BUILD_DIR (build), RESULTS_DIR (bench/results), REPEAT (3;
# the median is reported). Writes e2e_speed.md and e2e_speed.csv into
# RESULTS_DIR, and module.mlir, the plan files, the rewritten modules and the
# logs into RESULTS_DIR/work/e2e_speed.
#
# Timings belong here and in bench/, never in tests.
set -euo pipefail
export LC_ALL=C
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-build}
RESULTS_DIR=${RESULTS_DIR:-bench/results}
REPEAT=${REPEAT:-3}
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR="$ROOT/$BUILD_DIR" ;; esac
case "$RESULTS_DIR" in /*) ;; *) RESULTS_DIR="$ROOT/$RESULTS_DIR" ;; esac

OPT="$BUILD_DIR/bin/aoizora-opt"
GEN="$BUILD_DIR/bin/aoizora-wan-gen"
TIME=/usr/bin/time

die() { echo "e2e_speed: $*" >&2; exit 1; }

for tool in "$OPT" "$GEN"; do
  [ -x "$tool" ] || die "$tool not found; build it first:
  BUILD_DIR=${BUILD_DIR#"$ROOT"/} bash scripts/configure.sh aoizora-opt aoizora-wan-gen"
done
if [ ! -x "$TIME" ] || ! "$TIME" -f '%e %M' -o /dev/null true 2>/dev/null; then
  die "GNU time is needed at $TIME (it reports peak RSS); install it with:
  sudo apt-get install time"
fi
case "$REPEAT" in
  '' | *[!0-9]* | 0) die "REPEAT must be a positive integer (got '$REPEAT')" ;;
esac

# The module, the plans, the rewritten modules and the logs go to a work
# folder; the two reports to RESULTS_DIR.
WORK_DIR="$RESULTS_DIR/work/e2e_speed"
mkdir -p "$WORK_DIR"
cd "$WORK_DIR"

TOPOLOGY=v5e:16x16
STRATEGY=cfg+fsdp+ulysses+tp
MESH=cfg=2,fsdp=16,sp=4,tp=2
GEN_ARGS=(--model=14b --resolution=480p --layers=40
  "--strategy=$STRATEGY" "--mesh=$MESH")

echo "e2e_speed: generating module.mlir (Wan 2.1 14B 480p, 40 blocks, $STRATEGY, $MESH)"
"$GEN" "${GEN_ARGS[@]}" -o module.mlir
module_bytes=$(wc -c < module.mlir)
module_lines=$(wc -l < module.mlir)
# The start-up floor: loading the driver and its MLIR/LLVM libraries.
echo 'module {}' > empty.mlir

# The variants, and the arguments after the module of each (args_of).
NAMES=(
  "parse+print"
  "az-plan"
  "stage 1 (estimate+prune)"
  "az-plan search-evaluations=0"
  "empty module (start-up floor)"
)
FLOOR=4
# The same arguments as they are run, one word per element (the pass
# options contain spaces, so they are single words here).
args_of() {
  INPUT=module.mlir
  case "$1" in
    0) CMD=(-o /dev/null) ;;
    1) CMD=("--az-plan=topology=$TOPOLOGY check-memory=false apply=true plan-file=plan.json"
            -o out.mlir) ;;
    2) CMD=("--az-estimate-candidates=topology=$TOPOLOGY check-memory=false"
            --az-prune-candidates -o /dev/null) ;;
    3) CMD=("--az-plan=topology=$TOPOLOGY check-memory=false apply=true search-evaluations=0 plan-file=plan-noeval.json"
            -o out-noeval.mlir) ;;
    4) INPUT=empty.mlir CMD=(-o /dev/null) ;;
  esac
}
# Shell-quoted form for the report.
quoted() {
  local out="" w
  for w in "$@"; do
    case "$w" in
      *[!A-Za-z0-9_./=:,+-]*) out+=" '$w'" ;;
      *) out+=" $w" ;;
    esac
  done
  echo "${out# }"
}

# median FILE: median of the numbers in FILE, one a line.
median() {
  sort -g "$1" | awk '{ v[NR] = $1 }
    END { if (NR % 2) print v[(NR + 1) / 2];
          else printf "%.6g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

declare -a SECS RSS_MIB ALL_SECS ALL_GNU ALL_RSS COMMANDS
for i in "${!NAMES[@]}"; do
  args_of "$i"
  COMMANDS[i]="$(quoted aoizora-opt "$INPUT" "${CMD[@]}")"
  : > "times-$i.txt"
  : > "gnu-$i.txt"
  : > "rss-$i.txt"
  for ((r = 1; r <= REPEAT; ++r)); do
    echo "e2e_speed: ${NAMES[$i]} (run $r/$REPEAT)"
    start=$EPOCHREALTIME
    if ! "$TIME" -f '%e %M' -o "time-$i.out" \
        "$OPT" "$INPUT" "${CMD[@]}" > "log-$i.txt" 2>&1; then
      cat "log-$i.txt" >&2
      die "'${COMMANDS[$i]}' failed (log above, also in $WORK_DIR/log-$i.txt)"
    fi
    end=$EPOCHREALTIME
    # GNU time appends its line after any 'Command ...' notes.
    read -r secs kib < <(tail -n1 "time-$i.out")
    # %e has 10 ms resolution, coarse next to a parse+print of ~0.05 s: the
    # reported wall time is taken around the call in microseconds instead.
    awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f\n", b - a }' >> "times-$i.txt"
    echo "$secs" >> "gnu-$i.txt"
    echo "$kib" >> "rss-$i.txt"
  done
  SECS[i]=$(median "times-$i.txt")
  RSS_MIB[i]=$(awk -v k="$(median "rss-$i.txt")" 'BEGIN { printf "%.1f", k / 1024 }')
  ALL_SECS[i]=$(paste -sd' ' "times-$i.txt")
  ALL_GNU[i]=$(paste -sd' ' "gnu-$i.txt")
  ALL_RSS[i]=$(awk '{ printf "%s%.1f", (NR > 1 ? " " : ""), $1 / 1024 }' "rss-$i.txt")
  rm -f "time-$i.out" "times-$i.txt" "gnu-$i.txt" "rss-$i.txt"
done

base_s=${SECS[0]}
base_m=${RSS_MIB[0]}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
verdict() { # time-ratio memory-ratio
  awk -v t="$1" -v m="$2" 'BEGIN {
    if (t == "n/a" || m == "n/a") { print "n/a"; exit }
    bad = ""
    if (t > 3) bad = "time"
    if (m > 2) bad = bad (bad ? ", " : "") "memory"
    print (bad ? "no (" bad ")" : "yes") }'
}

cpu=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n1)
cores=$(nproc)
now=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
load=$(cut -d' ' -f1-3 /proc/loadavg)
rev=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ "$rev" != unknown ] && ! git -C "$ROOT" diff --quiet HEAD 2>/dev/null; then
  rev+=" (with uncommitted changes)"
fi

csv="$RESULTS_DIR/e2e_speed.csv"
{
  echo "variant,median_seconds,peak_rss_mib,time_ratio,memory_ratio,goal_met,runs_seconds,runs_gnu_time_seconds,runs_peak_rss_mib,command"
  for i in "${!NAMES[@]}"; do
    t=$(ratio "${SECS[$i]}" "$base_s")
    m=$(ratio "${RSS_MIB[$i]}" "$base_m")
    case "$i" in
      0) goal=baseline ;;
      "$FLOOR") goal="start-up floor" ;;
      *) goal=$(verdict "$t" "$m") ;;
    esac
    echo "\"${NAMES[$i]}\",${SECS[$i]},${RSS_MIB[$i]},$t,$m,\"$goal\",\"${ALL_SECS[$i]}\",\"${ALL_GNU[$i]}\",\"${ALL_RSS[$i]}\",\"${COMMANDS[$i]//\"/\"\"}\""
  done
} > "$csv"

md="$RESULTS_DIR/e2e_speed.md"
{
  echo "### End to end: Wan 2.1 14B 480p on 256 devices"
  echo
  echo "Wan 2.1 14B, 480p, 40 blocks unrolled, \`$STRATEGY\` on \`$MESH\` (256 devices), topology \`$TOPOLOGY\`."
  echo "Module: $module_bytes bytes, $module_lines lines. Median of $REPEAT runs each, every run under \`/usr/bin/time -f '%e %M'\`:"
  echo "peak RSS is its \`%M\`; seconds are wall time taken around the call with microsecond resolution (\`%e\`, 10 ms resolution, is listed below)."
  echo "Goal: every planner variant within 3x the time and 2x the peak memory of parse+print."
  echo "The last row is the driver's start-up floor (loading its MLIR and LLVM libraries), part of every other row."
  echo
  echo "| variant | median s | peak RSS MiB | time ratio | memory ratio | goal (<=3x time, <=2x memory) met |"
  echo "|---|---:|---:|---:|---:|---|"
  for i in "${!NAMES[@]}"; do
    t=$(ratio "${SECS[$i]}" "$base_s")
    m=$(ratio "${RSS_MIB[$i]}" "$base_m")
    case "$i" in
      0) goal="(baseline)" ;;
      "$FLOOR") goal="(not a goal: \`aoizora-opt\` on \`module {}\`)" ;;
      *) goal=$(verdict "$t" "$m") ;;
    esac
    echo "| ${NAMES[$i]} | ${SECS[$i]} | ${RSS_MIB[$i]} | ${t}x | ${m}x | $goal |"
  done
  echo
  echo "Runs (seconds; GNU time %e seconds; peak RSS MiB):"
  echo
  for i in "${!NAMES[@]}"; do
    echo "- ${NAMES[$i]}: ${ALL_SECS[$i]}; ${ALL_GNU[$i]}; ${ALL_RSS[$i]}"
  done
  echo
  echo "#### Machine"
  echo
  echo "- date: $now"
  echo "- CPU: ${cpu:-unknown}, nproc $cores"
  echo "- load average before the report (1, 5, 15 min): $load"
  echo "- source revision: $rev"
  echo "- binaries: $OPT, $GEN"
  echo
  echo "#### Commands (run in RESULTS_DIR/work/e2e_speed)"
  echo
  echo '```sh'
  quoted aoizora-wan-gen "${GEN_ARGS[@]}" -o module.mlir
  for i in "${!NAMES[@]}"; do
    echo "${COMMANDS[$i]}"
  done
  echo '```'
} > "$md"

cat "$md"
echo
echo "e2e_speed: wrote $md and $csv (work files in $WORK_DIR)"
