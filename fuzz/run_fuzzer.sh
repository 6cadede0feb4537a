#!/usr/bin/env bash
# run_fuzzer.sh TARGET SEED_DIR: runs a libFuzzer target for FUZZ_SECONDS (default 30) on a
# scratch copy of its committed seed corpus; prints the executions done; fails on any finding.
set -euo pipefail
target=$1 seeds=$2
secs=${FUZZ_SECONDS:-30}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$seeds"/. "$work"/ 2>/dev/null || true
# Inputs that once found a bug (fuzz/regressions/TARGET-*) run first, as part of the corpus.
name=$(basename "$target")
for f in "$(dirname "$seeds")/../regressions/${name#fuzz_}"-*; do
	[ -f "$f" ] && cp "$f" "$work/"
done
log="$work/log"
if ! "$target" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	-artifact_prefix="${FUZZ_ARTIFACTS:-$work/}" "$work" >"$log" 2>&1; then
	tail -60 "$log"
	exit 1
fi
grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' "$log" || true
