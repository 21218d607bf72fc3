#!/bin/sh
# SPDX-License-Identifier: ISC
# Run each libFuzzer target for SECONDS on its committed corpus (copied, so
# the run adds nothing to the tree).  Usage: run.sh SECONDS target...
set -eu
secs=$1
shift
[ $# -gt 0 ] || { echo "fuzz: no targets"; exit 0; }
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
for t in "$@"; do
	name=$(basename "$t")
	name=${name#fuzz_}
	mkdir -p "$work/$name"
	[ -d "$here/corpus/$name" ] && cp -R "$here/corpus/$name/." "$work/$name/"
	echo "== fuzz $name for ${secs}s"
	if ! "$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	    -artifact_prefix="$work/" -print_final_stats=1 "$work/$name" \
	    >"$work/$name.log" 2>&1; then
		echo "fuzz $name: FAILED"
		tail -n 60 "$work/$name.log"
		mkdir -p "$here/../../build/fuzz-artifacts"
		cp "$work"/crash-* "$work"/leak-* "$work"/timeout-* \
		    "$here/../../build/fuzz-artifacts/" 2>/dev/null || true
		failed=1
	else
		grep -E "stat::number_of_executed_units|stat::average_exec_per_sec" \
		    "$work/$name.log" | tr '\n' ' '
		echo
	fi
done
[ $failed -eq 0 ] && echo "fuzz: all targets clean" || exit 1
