#!/bin/sh
# SPDX-License-Identifier: ISC
# Instructions per request in the worker, counted by callgrind: repeatable
# on a shared, loaded box where CPU times are noise.  For each case the
# server runs twice under callgrind, for N1 and N2 requests; the worker's
# (Ir(N2) - Ir(N1)) / (N2 - N1) is the cost of one request, start-up left
# out.  Give two binaries to compare them case by case.
#
#   sh tests/bench/instructions.sh BIN [BIN2]     (OUT: build/instructions)
#
# CASES: a subset, as words "proto:request" (proto gemini, gemini-r for a
# resumed handshake, or gopher), e.g. CASES="gemini:/page.gmi gemini-r:/page.gmi".
set -u
REPO=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${OUT:-$REPO/build/instructions}
N1=${N1:-20}
N2=${N2:-120}
[ $# -ge 1 ] || { echo "usage: instructions.sh BIN [BIN2]" >&2; exit 2; }
BINS="$*"
command -v valgrind >/dev/null || { echo "instructions: no valgrind" >&2; exit 1; }
mkdir -p "$OUT" && chmod 777 "$OUT" && OUT=$(cd "$OUT" && pwd)
cc -std=c17 -O2 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -o "$OUT/loadgen" \
    "$REPO/tests/bench/loadgen.c" $(pkg-config --cflags --libs openssl) || exit 1
LG=$OUT/loadgen
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$OUT/b.key" -out "$OUT/b.crt" -days 30 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost >/dev/null 2>&1 || exit 1
C=$OUT/content
rm -rf "$C" && mkdir -p "$C/statements" "$C/dir"
cp -R "$REPO/content/statements/." "$C/statements/" 2>/dev/null
{ printf '# Bench page\n\n'; head -c 1009 /dev/zero | tr '\0' 'a'; echo; } >"$C/page.gmi"
head -c 102400 /dev/zero | tr '\0' 'b' >"$C/file100k.txt"
i=0
while [ $i -lt 200 ]; do
	echo "entry $i" >"$C/dir/entry-$(printf %03d $i).txt"
	i=$((i + 1))
done
{
	printf '# A bench statement\n\n'
	i=0
	while [ $i -lt 14 ]; do
		printf 'Paragraph %d of the bench statement, words to wrap.\n\n' $i
		i=$((i + 1))
	done
} >"$C/statements/2025-01-01-bench.gmi"
PORT=$((28000 + $$ % 1000))

conf() {
	{
		printf '[server]\nhostname = localhost\nroot = %s\n' "$C"
		printf 'workers = 1\nmax_clients_per_ip = 0\nrate = off\n'
		printf 'log = %s/error.log\naccess_log = off\n' "$OUT"
		[ "$(id -u)" -eq 0 ] && printf 'user = nobody\nchroot = no\n'
		printf '[gemini]\nlisten = 127.0.0.1:%d\n' $PORT
		printf 'cert = %s/b.crt\nkey = %s/b.key\n' "$OUT" "$OUT"
		printf '[gopher]\nlisten = 127.0.0.1:%d\nport = %d\n' $((PORT + 1)) \
		    $((PORT + 1))
	} >"$OUT/b.ini"
}

# The worker's instruction count after n requests: bin n proto request
count() {
	PORT=$((PORT + 2))
	conf
	rm -f "$OUT"/cg.*
	valgrind --tool=callgrind --vgdb=no --callgrind-out-file="$OUT/cg.%p" \
	    "$1" -c "$OUT/b.ini" >"$OUT/server.out" 2>&1 &
	vp=$!
	i=0
	while [ $i -lt 300 ] && ! "$LG" -t -p $((PORT + 1)) -u "" -n 1 2>/dev/null |
	    grep -q ' ok=1 '; do
		sleep 0.2
		i=$((i + 1))
	done
	if [ "$3" = gemini ] || [ "$3" = gemini-r ]; then
		r=""
		[ "$3" = gemini-r ] && r=-r
		"$LG" -g -s localhost -p $PORT -u "gemini://localhost:$PORT$4" \
		    -n "$2" -c 1 $r >/dev/null 2>&1
	else
		"$LG" -t -p $((PORT + 1)) -u "$4" -n "$2" -c 1 >/dev/null 2>&1
	fi
	# The helpers, by name (prctl): the indexer and the key process
	# are not the worker, whatever their counts.
	helpers=""
	for p in $(cat /proc/$vp/task/$vp/children 2>/dev/null); do
		case $(cat /proc/$p/comm 2>/dev/null) in
		broadside-idx|broadside-key) helpers="$helpers $p" ;;
		esac
	done
	kill $vp
	wait $vp 2>/dev/null
	# The largest count but the parent's and the helpers': the worker.
	for f in "$OUT"/cg.*; do
		[ "$f" = "$OUT/cg.$vp" ] && continue
		skip=0
		for p in $helpers; do
			[ "$f" = "$OUT/cg.$p" ] && skip=1
		done
		[ $skip -eq 1 ] && continue
		awk '/^(summary|totals):/ { print $2; exit }' "$f"
	done | sort -n | tail -1
}

n=0
for b in "$@"; do n=$((n + 1)); echo "binary $n: $b"; done
printf '%-34s' "case (worker instructions/request)"
n=0
for b in "$@"; do n=$((n + 1)); printf ' %14s' "binary $n"; done
echo
CASES=${CASES:-"gemini:/page.gmi gemini-r:/page.gmi gemini:/file100k.txt
    gemini:/dir/ gemini:/statements/ gemini:/search?bench gopher:
    gopher:/statements/2025-01-01-bench.gmi"}
set -f	# "?" in a request is no pattern
for c in $CASES; do
	set +f
	set -- $(echo "$c" | tr ':' ' ')
	proto=$1 req=${2:-}
	shift $#
	printf '%-34s' "$proto ${req:-(root)}"
	for b in $BINS; do
		a=$(count "$b" "$N1" "$proto" "$req")
		z=$(count "$b" "$N2" "$proto" "$req")
		printf ' %14d' $(( (z - a) / (N2 - N1) ))
	done
	echo
done
