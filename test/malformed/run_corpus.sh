#!/usr/bin/env bash
# Runs every case of a corpus written by generate_corpus.py: aoizora-opt must
# exit with status 1 (checked by `not`, which fails on a crash or on
# success) and print the case's located error (checked by FileCheck), within
# a time bound. Prints each failing case and exits 1 if any failed.
# Usage: run_corpus.sh CORPUS_DIR AOIZORA_OPT NOT FILECHECK [SECONDS]
set -u -o pipefail
dir=$1 opt=$2 not=$3 filecheck=$4 limit=${5:-30}
status=0
count=0
for input in "$dir"/*.mlir; do
  count=$((count + 1))
  args=$(sed -n 's|^// ARGS: ||p' "$input" | sed "s|%dir|$dir|g")
  # A generous bound: every case finishes in well under a second.
  if ! eval timeout "$limit" "$not" "$opt" "$input" "$args" -o /dev/null \
      2>&1 | "$filecheck" --dump-input=fail "-DFILE=$input" "$input"; then
    echo "FAILED: $opt $input $args"
    status=1
  fi
done
echo "$count malformed inputs checked"
exit $status
