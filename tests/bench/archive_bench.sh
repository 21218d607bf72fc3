#!/bin/sh
# broadside: archive scale bench (issue 5, item 6).
#   sh tests/bench/archive_bench.sh [N]      (default N = 100000)
# Generates (once, cached) a synthetic archive of N statements with
# tests/gen_archive.py, builds tests/bench/archive_bench.c against every
# module but main.c, and prints build time, memory, search latency and the
# largest page, on a warm then a cold page cache; then starts the real
# server (BROADSIDE_BIN, default build/broadside) over the same archive.
# BENCH_DIR overrides the work directory.
set -eu
N=${1:-100000}
REPO=$(cd "$(dirname "$0")/../.." && pwd)
DIR=${BENCH_DIR:-${TMPDIR:-/tmp}/broadside-bench}
PYTHON=${PYTHON:-/usr/bin/python3}
CC=${CC:-cc}
mkdir -p "$DIR"
ROOT="$DIR/archive-$N"
if [ ! -f "$ROOT/.done" ]; then
	rm -rf "$ROOT"
	echo "generating $N statements in $ROOT ..."
	"$PYTHON" "$REPO/tests/gen_archive.py" "$N" "$ROOT"
	touch "$ROOT/.done"
fi
SRCS=$(ls "$REPO"/src/*.c | grep -v '/main\.c$')
"$CC" -std=c17 -O2 -g -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
    -I"$REPO/src" $(pkg-config --cflags openssl libmagic inih libevent) \
    -o "$DIR/archive_bench" "$REPO/tests/bench/archive_bench.c" $SRCS \
    $(pkg-config --libs openssl libmagic inih libevent) -lpthread -lm
# The targets are for a warm page cache, what a running server's rebuilds
# see: read every file once first.  Then the same build from a cold cache
# (the archive's file data evicted, as after a reboot; inodes stay cached)
# is shown for what it is: disk-bound, with no target.
"$PYTHON" "$REPO/tests/bench/pagecache.py" warm "$ROOT/statements"
echo "== warm page cache"
status=0
"$DIR/archive_bench" "$ROOT" 2>"$DIR/archive_bench.log" || status=$?
"$PYTHON" "$REPO/tests/bench/pagecache.py" evict "$ROOT/statements"
echo "== cold page cache (no target)"
"$DIR/archive_bench" "$ROOT" 10 2>>"$DIR/archive_bench.log" |
    grep '^build: [0-9]' || true
# The same archive in the real server (two workers, the indexer, its state
# directory): the one-archive figures with their targets.
BIN=${BROADSIDE_BIN:-$REPO/build/broadside}
if [ -x "$BIN" ]; then
	echo "== the real server"
	"$PYTHON" "$REPO/tests/bench/index_server.py" "$BIN" "$ROOT" || true
fi
exit $status
