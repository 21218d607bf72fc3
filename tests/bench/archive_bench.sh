#!/bin/sh
# broadside: archive scale bench (issue 5, item 6).
#   sh tests/bench/archive_bench.sh [N]      (default N = 100000)
# Generates (once, cached) a synthetic archive of N statements with
# tests/gen_archive.py, builds tests/bench/archive_bench.c against every
# module but main.c, and prints build time, memory, search latency and the
# largest page.  BENCH_DIR overrides the work directory.
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
# A cold page cache is not what a running server sees: read once.
cat $(find "$ROOT/statements" -type f | head -1) >/dev/null
"$DIR/archive_bench" "$ROOT" 2>"$DIR/archive_bench.log"
