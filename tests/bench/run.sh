#!/bin/sh
# broadside benchmark: server CPU time per request and memory, each next to
# its reference measured in the same run (bare TLS loop, bare TCP loop,
# openssl speed).  See tests/bench/README.md.
#
# Environment: BROADSIDE_BIN (default build/broadside), OUT (build/bench),
# BENCH_SECS (5 per case), BENCH_CONC (32), BENCH_HOLD (10000),
# BENCH_ROUNDS (3 interleaved rounds of the cases compared with Molly Brown,
# median of each server's rounds), BENCH_ROUND_SECS (4 per round; BENCH_SECS
# when that is set), BENCH_PIN (1 when there are 2 CPUs and taskset: servers
# under test on CPU 0, every loadgen on CPU 1),
# BENCH_PERF (1: perf profile of the worker during gemini_1k),
# BENCH_IDLE (2000 idle connections per protocol, beyond max_clients),
# BENCH_PEERS (1: Molly Brown and Gophernicus, installed when missing),
# BENCH_ARCHIVE (1: archive_bench.sh at the end, when it exists).
# Exit 0 whatever the figures are; non-zero only when the harness breaks.
set -u

REPO=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${BROADSIDE_BIN:-$REPO/build/broadside}
OUT=${OUT:-$REPO/build/bench}
SECS=${BENCH_SECS:-5}
ROUNDS=${BENCH_ROUNDS:-3}
RSECS=${BENCH_ROUND_SECS:-${BENCH_SECS:-4}}
DUR=$SECS	# seconds of the run_case being run
CONC=${BENCH_CONC:-32}
HOLD=${BENCH_HOLD:-10000}
IDLE=${BENCH_IDLE:-2000}
IDLE_MAX_CLIENTS=1024	# the default: the idle ones are more than this
PERF=${BENCH_PERF:-1}
PEERS=${BENCH_PEERS:-1}
CC=${CC:-cc}
T0=$(date +%s)

die() { echo "bench: $*" >&2; exit 1; }
[ -x "$BIN" ] || die "no server binary at $BIN (make build/broadside)"
case "$ROUNDS$RSECS" in
*[!0-9]*) die "BENCH_ROUNDS and BENCH_ROUND_SECS must be whole numbers" ;;
esac
if [ "$ROUNDS" -lt 1 ] || [ "$RSECS" -lt 1 ]; then
	die "BENCH_ROUNDS and BENCH_ROUND_SECS must be at least 1"
fi

# ---- pinning -------------------------------------------------------------
# The server under test (and its children, who inherit the affinity) on
# CPU 0, the load generator on CPU 1: neither takes the other's core, and
# each server of a comparison gets the same one.
NCPU=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
PIN=${BENCH_PIN:-auto}
PIN_NOTE=""
if [ "$PIN" != 0 ]; then
	if [ "$NCPU" -lt 2 ]; then
		PIN_NOTE="off ($NCPU CPU)"
	elif ! command -v taskset >/dev/null 2>&1; then
		PIN_NOTE="off (no taskset)"
	elif ! taskset -c 0 true 2>/dev/null || ! taskset -c 1 true 2>/dev/null; then
		PIN_NOTE="off (taskset cannot use CPUs 0 and 1)"
	fi
	if [ -n "$PIN_NOTE" ]; then
		[ "$PIN" = 1 ] && echo "bench: BENCH_PIN=1 but pinning is $PIN_NOTE" >&2
		PIN=0
	else
		PIN=1
		PIN_NOTE="on (servers under test on CPU 0, loadgen on CPU 1; taskset)"
	fi
else
	PIN_NOTE="off (BENCH_PIN=0)"
fi
# pin_exec cpu command...: exec the command, on that CPU when pinning.
# Only as `pin_exec ... &` or in $(...): it replaces the shell it runs in,
# so that $! is the command's own pid.
pin_exec() {
	pc=$1
	shift
	[ "$PIN" = 1 ] && exec taskset -c "$pc" "$@"
	exec "$@"
}

PIDS=""
cleanup() {
	for p in $PIDS; do
		kill "$p" 2>/dev/null
	done
	sleep 0.2
	for p in $PIDS; do
		kill -9 "$p" 2>/dev/null
	done
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

mkdir -p "$OUT" || die "cannot create $OUT"
OUT=$(cd "$OUT" && pwd)

# ---- tools ---------------------------------------------------------------
CFL="-std=c17 -O2 -g -Wall -Wextra -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE"
SSLF=$(pkg-config --cflags --libs openssl) || die "pkg-config openssl"
for t in loadgen bare_tls bare_tcp forkserve; do
	# shellcheck disable=SC2086
	$CC $CFL -o "$OUT/$t" "$REPO/tests/bench/$t.c" $SSLF ||
	    die "cannot build $t"
done
LG=$OUT/loadgen
lg() {	# loadgen, on the client's CPU
	if [ "$PIN" = 1 ]; then
		taskset -c 1 "$LG" "$@"
	else
		"$LG" "$@"
	fi
}

# ---- certificate, content, config ----------------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$OUT/bench.key" -out "$OUT/bench.crt" -days 30 \
    -subj /CN=localhost -addext subjectAltName=DNS:localhost \
    >/dev/null 2>&1 || die "openssl req failed"
C=$OUT/content
rm -rf "$C"
mkdir -p "$C/statements" "$C/dir" || die "mkdir content"
if [ -d "$REPO/content/statements" ]; then
	cp -R "$REPO/content/statements/." "$C/statements/"
fi
# 1 KiB page: a heading and text, exactly 1024 bytes.
{ printf '# Bench page\n\n'; head -c 1009 /dev/zero | tr '\0' 'a'; printf '\n'; } \
    >"$C/page.gmi"
head -c 102400 /dev/zero | tr '\0' 'b' >"$C/file100k.txt"
head -c 1048576 /dev/urandom >"$C/big.bin"
i=0
while [ $i -lt 200 ]; do
	printf 'entry %d\n' $i >"$C/dir/entry-$(printf %03d $i).txt"
	i=$((i + 1))
done
# ~6 KiB statement in gemtext paragraphs, with the word "bench" to find.
{
	printf '# A bench statement\n\n'
	i=0
	while [ $i -lt 14 ]; do
		printf 'Paragraph %d of the bench statement. We write these words so that a reader on an old terminal and a reader with a modern client both get the same text, wrapped and plain, without surprises or noise.\n\n' $i
		printf '* a list item to keep in the rendering, number %d\n\n' $i
		i=$((i + 1))
	done
	printf '=> gemini://example.org/ An outside link\n'
} >"$C/statements/2025-01-01-bench.gmi"

# Below Linux's ephemeral range (32768 and up): the reference loops make
# tens of thousands of connections whose local ports would collide.
BASEPORT=$((20000 + $$ % 12000))
GEM=$BASEPORT
GOP=$((BASEPORT + 1))
BTLS=$((BASEPORT + 2))
BTCP=$((BASEPORT + 3))
MOLLY=$((BASEPORT + 4))
GNCS=$((BASEPORT + 5))

write_conf() {	# workers timeout file [max_clients]
	{
		echo "[server]"
		echo "hostname = localhost"
		echo "root = $C"
		echo "archive = statements"
		echo "title = Bench"
		echo "lang = en"
		echo "workers = $1"
		echo "max_clients = ${4:-20000}"
		echo "max_clients_per_ip = 0"
		echo "rate = off"
		echo "timeout = $2"
		echo "log = $OUT/error.log"
		echo "access_log = off"
		if [ "$(id -u)" -eq 0 ]; then
			echo "user = nobody"
			echo "chroot = no"
		fi
		echo "[gemini]"
		echo "listen = 127.0.0.1:$GEM"
		echo "cert = $OUT/bench.crt"
		echo "key = $OUT/bench.key"
		echo "[gopher]"
		echo "listen = 127.0.0.1:$GOP"
		echo "port = $GOP"
	} >"$3"
}

ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null

wait_port() {	# port
	n=0
	while [ $n -lt 100 ]; do
		if lg -t -p "$1" -u "" -n 1 2>/dev/null | grep -q ' ok=1 '; then
			return 0
		fi
		# A TLS port answers a plain request with an error: still up.
		if lg -g -p "$1" -s localhost -u "gemini://localhost:$1/" \
		    -n 1 2>/dev/null | grep -q ' ok=1 '; then
			return 0
		fi
		n=$((n + 1))
		sleep 0.1
	done
	return 1
}

SRV=""
start_server() {	# workers timeout [max_clients]
	write_conf "$1" "$2" "$OUT/broadside.ini" "${3:-}"
	pin_exec 0 "$BIN" -c "$OUT/broadside.ini" >"$OUT/server.out" 2>&1 &
	SRV=$!
	PIDS="$PIDS $SRV"
	wait_port "$GEM" && wait_port "$GOP" ||
	    { cat "$OUT/server.out" "$OUT/error.log" >&2; die "server did not start"; }
	sleep 0.5	# let workers and the archive settle
}
stop_server() {
	kill "$SRV" 2>/dev/null
	n=0
	while kill -0 "$SRV" 2>/dev/null && [ $n -lt 100 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	kill -9 "$SRV" 2>/dev/null
	wait "$SRV" 2>/dev/null
}

# CPU ticks (user + system) of the key process, the server's child that
# holds the private key and signs each full handshake for the workers.
key_ticks() {
	for p in $(ls /proc | grep -E '^[0-9]+$'); do
		[ "$(cat /proc/$p/comm 2>/dev/null)" = broadside-key ] || continue
		awk -v pp="$SRV" '$4 == pp { print $14 + $15 }' /proc/$p/stat 2>/dev/null
	done | head -1
}

# The CPU time of the reaped children of a forkserve (CPUFILE set): they
# left /proc, so it counts them (see forkserve.c).  Nanoseconds.
reaped_ns() {
	[ -n "${CPUFILE:-}" ] || { echo 0; return; }
	rm -f "$CPUFILE"
	n=0
	# A signal that comes just before accept() is seen after the next
	# connection only: send another until the file is there.
	while [ ! -s "$CPUFILE" ] && [ $n -lt 100 ]; do
		kill -USR1 "$CURPID" 2>/dev/null
		sleep 0.05
		n=$((n + 1))
	done
	v=$(sed -n 's/^children_us=\([0-9]*\).*/\1/p' "$CPUFILE" 2>/dev/null)
	echo $(( ${v:-0} * 1000 ))
}

field() {	# key line
	echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -1
}

# The server's worker: its child named as the binary itself (the key
# process and the indexer rename themselves broadside-key, broadside-idx).
worker_pid() {
	wname=$(basename "$BIN" | cut -c1-15)
	for s in /proc/[0-9]*/stat; do
		p=${s#/proc/}
		p=${p%/stat}
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$wname" ] || continue
		# After the comm's ")": state, then the parent's pid.
		pp=$(sed 's/.*) //' "$s" 2>/dev/null | cut -d' ' -f2)
		if [ "$pp" = "$SRV" ]; then
			echo "$p"
			return
		fi
	done
}

# Every case's line goes to $RAW as it is measured (a rounds case's once
# its rounds are folded); $RES is written from it, in the report's order,
# before the report.
RES=$OUT/results.txt
RAW=$OUT/results.raw
ROUNDSF=$OUT/rounds.txt
: >"$RES"
: >"$RAW"
: >"$ROUNDSF"
CASE_OUT=$RAW

# run_case name proto port request prefix ref target tail [loadgen flags]
# Appends "name key=value ..." to $CASE_OUT; the load lasts $DUR seconds
# and the CPU time is $CURPID's process tree's.
run_case() {
	name=$1 proto=$2 port=$3 req=$4 prefix=$5 ref=$6 target=$7 tail=$8
	shift 8
	pf=-t
	[ "$proto" = gemini ] && pf="-g -s localhost"
	# One request first: learn the length, check the first bytes.
	# shellcheck disable=SC2086
	probe=$(lg $pf -p "$port" -u "$req" -n 1 -o "$OUT/resp.$name" "$@")
	len=$(wc -c <"$OUT/resp.$name" 2>/dev/null || echo 0)
	if [ "$(field ok "$probe")" != 1 ]; then
		echo "bench: $name: first request failed: $probe" >&2
	fi
	case "$(head -c ${#prefix} "$OUT/resp.$name")" in
	"$prefix") ;;
	*) echo "bench: $name: unexpected response: $(head -c 80 "$OUT/resp.$name")" >&2 ;;
	esac
	kill -0 "$CURPID" 2>/dev/null ||
	    echo "bench: $name: the process measured ($CURPID) is gone" >&2
	before=$(lg -M "$CURPID")
	rbefore=$(reaped_ns)
	# Every response is checked: length, and first or last bytes.
	if [ -n "$tail" ]; then
		set -- -e "$tail" "$@"
	fi
	if [ -n "$prefix" ]; then
		set -- -x "$prefix" "$@"
	fi
	# shellcheck disable=SC2086
	load=$(lg $pf -p "$port" -u "$req" -c "$CONC" -d "$DUR" -b "$len" \
	    "$@")
	after=$(lg -M "$CURPID")
	rafter=$(reaped_ns)
	ns=$(( $(field cpu_ns "$after") - $(field cpu_ns "$before") +
	    rafter - rbefore ))
	tk=$(( $(field cpu_ticks "$after") - $(field cpu_ticks "$before") ))
	hz=$(field clk_tck "$after")
	echo "$name ref=$ref target=$target len=$len cpu_ns=$ns cpu_ticks=$tk hz=$hz $load" >>"$CASE_OUT"
	echo "  $name${ROUND_TAG:-}: $(echo "$load" | cut -c6-)" >&2
}

# fold_rounds name: one line for the case from its rounds in $ROUNDSF, to
# $RAW.  The median round by CPU time per request (for an even number of
# rounds, the lower of the two middle ones) gives cpu_ns, cpu_ticks, ok,
# rps and the latencies, so that cpu_ns / ok is the median; reqs, errors,
# err_* and resumed are summed over the rounds, resume_pct is the lowest
# round's; then rounds=N, rounds_us= (each round's CPU us per request, in
# the order run) and ok_sum= (every round's successful requests).
fold_rounds() {
	awk -v want="$1" '
	function kv(line, key,    n, i, a, p) {
		n = split(line, a, " ")
		for (i = 1; i <= n; i++) {
			p = index(a[i], "=")
			if (p > 0 && substr(a[i], 1, p - 1) == key)
				return substr(a[i], p + 1)
		}
		return ""
	}
	$1 == want {
		k++
		l[k] = $0
		ok = kv($0, "ok") + 0
		us[k] = ok > 0 ? kv($0, "cpu_ns") / 1000 / ok : -1
		reqs += kv($0, "reqs"); errs += kv($0, "errors")
		oksum += ok; res += kv($0, "resumed")
		rp = kv($0, "resume_pct")
		if (rp != "" && (minrp == "" || rp + 0 < minrp + 0))
			minrp = rp
		for (i = 2; i <= NF; i++)
			if ($i ~ /^err_[a-z_]*=/) {
				p = index($i, "=")
				e = substr($i, 1, p - 1)
				if (!(e in esum))
					eorder[++ne] = e
				esum[e] += substr($i, p + 1)
			}
	}
	END {
		if (k == 0)
			exit
		# Rounds by CPU per request, one without a success last.
		for (i = 1; i <= k; i++) {
			idx[i] = i
			v[i] = us[i] < 0 ? 1e18 : us[i]
		}
		for (i = 2; i <= k; i++)
			for (j = i; j > 1 && v[idx[j - 1]] > v[idx[j]]; j--) {
				t = idx[j]; idx[j] = idx[j - 1]; idx[j - 1] = t
			}
		m = idx[int((k + 1) / 2)]
		n = split(l[m], a, " ")
		out = ""
		for (i = 1; i <= n; i++) {
			p = index(a[i], "=")
			key = p > 0 ? substr(a[i], 1, p - 1) : ""
			if (key ~ /^err_/)
				continue
			if (key == "reqs")
				a[i] = "reqs=" reqs
			else if (key == "errors")
				a[i] = "errors=" errs
			else if (key == "resumed")
				a[i] = "resumed=" res
			else if (key == "resume_pct")
				a[i] = "resume_pct=" minrp
			out = out (i > 1 ? " " : "") a[i]
		}
		for (i = 1; i <= ne; i++)
			out = out " " eorder[i] "=" esum[eorder[i]]
		ru = ""
		for (i = 1; i <= k; i++)
			ru = ru (i > 1 ? "," : "") (us[i] < 0 ? "-" : sprintf("%.1f", us[i]))
		print out " rounds=" k " rounds_us=" ru " ok_sum=" oksum
	}' "$ROUNDSF" >>"$RAW"
}

# rounds_case case ref target path bare [loadgen flags]: ROUNDS rounds of
# $DUR seconds, each the bare TLS loop's case $bare (unless "-"), then
# broadside's case, then Molly Brown's (mb_ + the case's name after
# gemini_, when it runs), the same request path and flags for all three.
rounds_case() {
	rc=$1 rref=$2 rtgt=$3 rpath=$4 rbare=$5
	shift 5
	rmb=mb_${rc#gemini_}
	CASE_OUT=$ROUNDSF
	r=1
	while [ "$r" -le "$ROUNDS" ]; do
		ROUND_TAG=" [round $r/$ROUNDS]"
		if [ "$rbare" != - ]; then
			CURPID=$BT
			run_case "$rbare" gemini "$BTLS" "gemini://localhost:$BTLS/" \
			    "20 " - - "" "$@"
		fi
		CURPID=$SRV
		[ "$rc" = gemini_1k ] && [ "$r" = 1 ] && KEY0=$(key_ticks)
		run_case "$rc" gemini "$GEM" "$G$rpath" "20 " "$rref" "$rtgt" "" "$@"
		[ "$rc" = gemini_1k ] && [ "$r" = "$ROUNDS" ] && KEY1=$(key_ticks)
		if [ -n "$MBPID" ]; then
			CURPID=$MBPID
			run_case "$rmb" gemini "$MOLLY" "$M$rpath" "20 " - - "" "$@"
		fi
		r=$((r + 1))
	done
	ROUND_TAG=""
	CASE_OUT=$RAW
	[ "$rbare" != - ] && fold_rounds "$rbare"
	fold_rounds "$rc"
	[ -n "$MBPID" ] && fold_rounds "$rmb"
	return 0
}

# ---- 3. crypto floor (on the servers' CPU) -------------------------------
echo "bench: crypto floor (openssl speed)" >&2
SPEED=$(pin_exec 0 openssl speed -seconds 1 ecdsap256 ecdhx25519 2>/dev/null)
# The rate columns (sign/s, op/s): the seconds columns are rounded to 0.0000s.
SIGN_S=$(echo "$SPEED" | awk '/ecdsa \(nistp256\)/ { printf "%.9f", 1 / $7; exit }')
X_S=$(echo "$SPEED" | awk '/ecdh \(X25519\)/ { printf "%.9f", 1 / $6; exit }')
[ -n "$SIGN_S" ] && [ -n "$X_S" ] || die "cannot parse openssl speed output"
FLOOR=$(awk -v s="$SIGN_S" -v x="$X_S" 'BEGIN { printf "%.1f", s * 1e6 + 2 * x * 1e6 }')
echo "  sign ${SIGN_S}s, x25519 ${X_S}s, floor ${FLOOR} us" >&2

# ---- peers: Molly Brown (Gemini) and Gophernicus (Gopher) ----------------
# Debian packages, installed when missing (as root), each serving the
# content broadside serves, under the same cases and the same loadgen.
# Their figures go into $RES as mb_* and gn_*; report.sh puts broadside's
# ratio to each next to the bare loops.  Molly Brown runs from here to the
# end of the rounds, idle but for its own runs; Gophernicus after the rest.
PEERDIR=$OUT/peers
peers_install() {
	GNBIN=/usr/sbin/gophernicus
	command -v molly-brown >/dev/null 2>&1 && [ -x "$GNBIN" ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "bench: peers skipped: molly-brown or gophernicus is" \
		    "missing and installing them (apt-get) needs root" >&2
		echo "PEERS skipped=not_root" >>"$RES.peers"
		return 1
	fi
	echo "bench: installing molly-brown and gophernicus (apt-get)" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    --no-install-recommends molly-brown gophernicus \
	    >"$OUT/apt.out" 2>&1 ||
	    { echo "bench: peers skipped: apt-get failed ($OUT/apt.out)" >&2
	      echo "PEERS skipped=apt_failed" >>"$RES.peers"; return 1; }
	# The package enables a socket unit on port 70: a bench installs a
	# server to measure it, not to publish the machine over Gopher.
	if [ -d /run/systemd/system ]; then
		systemctl disable --now gophernicus.socket >/dev/null 2>&1
	fi
	return 0
}

# Root runs the peers as nobody (Gophernicus refuses root), in a
# directory of theirs holding Molly Brown's config and certificate; on
# the servers' CPU when pinning.
# Called with & only: exec, so that $! is the server's own pid.
as_peer() {
	[ "$PIN" = 1 ] && set -- taskset -c 0 "$@"
	if [ "$(id -u)" -eq 0 ]; then
		exec setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"
	fi
	exec "$@"
}

start_peer() {	# port command...
	port=$1
	shift
	as_peer "$@" >>"$PEERDIR/peer.out" 2>&1 &
	PEERPID=$!
	PIDS="$PIDS $PEERPID"
	wait_port "$port" || { cat "$PEERDIR/peer.out" >&2; return 1; }
	sleep 0.3
}
stop_peer() {
	kill "$PEERPID" 2>/dev/null
	wait "$PEERPID" 2>/dev/null
}

: >"$RES.peers"
PEERS_OK=""
MBPID=""
M="gemini://localhost:$MOLLY"
if [ "$PEERS" = 1 ] && peers_install; then
	PEERS_OK=1
	rm -rf "$PEERDIR"
	mkdir -p "$PEERDIR" || die "mkdir $PEERDIR"
	# Its own throwaway certificate, of the same kind as broadside's.
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -keyout "$PEERDIR/molly.key" -out "$PEERDIR/molly.crt" \
	    -days 30 -subj /CN=localhost \
	    -addext subjectAltName=DNS:localhost >/dev/null 2>&1 ||
	    die "openssl req (molly) failed"
	# Molly Brown 2021 has no listen address: it binds every address, on
	# this port, while the rounds run.  No access log is possible (an
	# empty path is an error): /dev/null is the closest.
	{
		echo "Port = $MOLLY"
		echo 'Hostname = "localhost"'
		echo "CertPath = \"$PEERDIR/molly.crt\""
		echo "KeyPath = \"$PEERDIR/molly.key\""
		echo "DocBase = \"$C\""
		echo 'AccessLog = "/dev/null"'
		echo "ErrorLog = \"$PEERDIR/molly-error.log\""
	} >"$PEERDIR/molly.conf"
	[ "$(id -u)" -eq 0 ] && chown -R nobody "$PEERDIR"
	chmod -R a+rX "$C"

	echo "bench: Molly Brown ($(dpkg-query -W -f '${Version}' molly-brown 2>/dev/null)), GOMAXPROCS=1" >&2
	# GOMAXPROCS=1: one core's worth of Go, as broadside has one worker.
	if start_peer "$MOLLY" env GOMAXPROCS=1 molly-brown \
	    -c "$PEERDIR/molly.conf"; then
		MBPID=$PEERPID
	fi
fi

# ---- 5. reference loops (first: they set the bar) -------------------------
# bare_tcp now; bare_tls in the rounds of gemini_1k and gemini_1k_resumed.
echo "bench: reference loops" >&2
pin_exec 0 "$OUT/bare_tls" "$BTLS" "$OUT/bench.crt" "$OUT/bench.key" \
    2>"$OUT/bare_tls.err" &
BT=$!
PIDS="$PIDS $BT"
pin_exec 0 "$OUT/bare_tcp" "$BTCP" 2>"$OUT/bare_tcp.err" &
BP=$!
PIDS="$PIDS $BP"
wait_port "$BTLS" || die "bare_tls did not start"
wait_port "$BTCP" || die "bare_tcp did not start"
# bare_tcp: in the rounds of the Gopher cases, below.

# ---- 2. the server -------------------------------------------------------
echo "bench: broadside ($BIN), workers=1" >&2
start_server 1 10
CURPID=$SRV
MEM_IDLE=$(lg -M "$SRV")
G="gemini://localhost:$GEM"

# ---- 4. cases ------------------------------------------------------------
# The cases compared with Molly Brown (and, for the full and resumed
# handshakes, the bare TLS loop): interleaved rounds, the median of each.
TR0=$(date +%s)
echo "bench: $ROUNDS interleaved rounds of $RSECS s: bare_tls (gemini_1k," \
    "_resumed), broadside${MBPID:+, Molly Brown}" >&2
DUR=$RSECS
rounds_case gemini_1k bare_tls 1.0 /page.gmi bare_tls
rounds_case gemini_1k_resumed gemini_1k 0.85 /page.gmi bare_tls_resumed -r
CONC0=$CONC CONC=1
rounds_case gemini_1k_c1 bare_tls 1.0 /page.gmi -
CONC=$CONC0
rounds_case gemini_100k gemini_1k 1.3 /file100k.txt -
rounds_case gemini_dir200 gemini_1k 1.3 /dir/ -
DUR=$SECS
TR1=$(date +%s)
kill "$BT" 2>/dev/null
wait "$BT" 2>/dev/null
if [ -n "$MBPID" ]; then
	PEERPID=$MBPID
	stop_peer
fi

CURPID=$SRV
run_case gemini_archive gemini "$GEM" "$G/statements/" "20 " gemini_1k 1.3 ""
run_case gemini_search gemini "$GEM" "$G/search?bench" "20 " gemini_1k 1.3 ""
MENU_END=$(printf '.\r\nX')
MENU_END=${MENU_END%X}
# The Gopher cases against the bare TCP loop: interleaved rounds too, each
# the loop's run and then broadside's three, the median of each.
echo "bench: $ROUNDS interleaved rounds of $RSECS s: bare_tcp, broadside's Gopher cases" >&2
DUR=$RSECS
CASE_OUT=$ROUNDSF
r=1
while [ "$r" -le "$ROUNDS" ]; do
	ROUND_TAG=" [round $r/$ROUNDS]"
	CURPID=$BP
	run_case bare_tcp gopher "$BTCP" "" "i" - - ""
	CURPID=$SRV
	run_case gopher_menu gopher "$GOP" "" "" bare_tcp 1.3 "$MENU_END"
	run_case gopher_text6k gopher "$GOP" "/statements/2025-01-01-bench.gmi" "" bare_tcp 1.3 ""
	run_case gopher_dir200 gopher "$GOP" "/dir/" "" bare_tcp 1.3 "$MENU_END"
	r=$((r + 1))
done
ROUND_TAG=""
CASE_OUT=$RAW
DUR=$SECS
for gc in bare_tcp gopher_menu gopher_text6k gopher_dir200; do
	fold_rounds "$gc"
done
kill "$BP" 2>/dev/null
wait "$BP" 2>/dev/null
run_case gopher_bin1m gopher "$GOP" "/big.bin" "" - - ""

MEM_LOAD=$(lg -M "$SRV")
echo "$MEM_LOAD" >"$OUT/mem_after_cases.txt"

# A profile of the worker under the gemini_1k load, in a run of its own
# so that perf's cost stays out of the figures above.
WORKER=$(worker_pid)
if [ "$PERF" = 1 ] && [ -n "$WORKER" ] && command -v perf >/dev/null 2>&1; then
	WNAME=$(cat "/proc/$WORKER/comm" 2>/dev/null)
	PERFSRV=$SRV
	echo "bench: perf profile of worker $WORKER ($WNAME, gemini_1k load)" >&2
	pin_exec 1 perf record -q -g -o "$OUT/perf.data" -p "$WORKER" -- \
	    sleep "$SECS" >"$OUT/perf.out" 2>&1 &
	PERFPID=$!
	PIDS="$PIDS $PERFPID"
	lg -g -s localhost -p "$GEM" -u "$G/page.gmi" -c "$CONC" \
	    -d "$SECS" -x "20 " >/dev/null
	wait "$PERFPID" 2>/dev/null
elif [ "$PERF" = 1 ] && [ -z "$WORKER" ]; then
	echo "bench: perf skipped: no worker found under $SRV" >&2
fi

# ---- 6. held connections --------------------------------------------------
echo "bench: $HOLD held TLS connections" >&2
HOLDOUT=$(lg -g -s localhost -p "$GEM" -u "$G/page.gmi" -x "20 " -r \
    -H "$HOLD" -w 40 -n 200 -m "$SRV" 2>&1)
echo "$HOLDOUT" >"$OUT/hold.txt"
AFTERHOLD=$(lg -g -s localhost -p "$GEM" -u "$G/page.gmi" -x "20 " -n 20 -c 4)
MEM_END=$(lg -M "$SRV")

# ---- workers = 2 ---------------------------------------------------------
# Skipped when the run is slow; the rounds count as the single runs of
# their broadside and bare cases did (7) before the rounds.
ELAPSED=$(( $(date +%s) - T0 - (TR1 - TR0) + 7 * SECS ))
W2=""
if [ $ELAPSED -lt 200 ]; then
	stop_server
	echo "bench: broadside workers=2" >&2
	start_server 2 10
	CURPID=$SRV
	run_case gemini_1k_w2 gemini "$GEM" "$G/page.gmi" "20 " gemini_1k - ""
	W2=1
fi
stop_server

# ---- 8. idle connections beyond max_clients ------------------------------
# IDLE connections per protocol that send nothing, from 250 loopback
# addresses (no per-address limit helps), each reopened a second after the
# server closes it; meanwhile a normal client on each protocol.
echo "bench: $IDLE idle connections per protocol, max_clients $IDLE_MAX_CLIENTS" >&2
start_server 1 10 "$IDLE_MAX_CLIENTS"
IDLEF=$OUT/idle.txt
: >"$IDLEF"
pin_exec 1 "$LG" -I "$IDLE" -i "$GEM,$GOP" -w 120 >>"$IDLEF" 2>&1 &
IDLEPID=$!
PIDS="$PIDS $IDLEPID"
n=0
while ! grep -q '^IDLEHELD' "$IDLEF" && [ $n -lt 300 ]; do
	sleep 0.1
	n=$((n + 1))
done
echo "IDLEGEMINI $(lg -g -s localhost -p "$GEM" -u "$G/page.gmi" \
    -x "20 " -d "$SECS" 2>&1)" >>"$IDLEF"
echo "IDLEGOPHER $(lg -t -p "$GOP" -u "" -e "$MENU_END" -d "$SECS" 2>&1)" \
    >>"$IDLEF"
kill "$IDLEPID" 2>/dev/null
wait "$IDLEPID" 2>/dev/null
stop_server
grep -h 'sent no request' "$OUT/error.log" | tail -3 >>"$IDLEF"

# ---- 9. Gophernicus -------------------------------------------------------
# Gophernicus runs once per connection (inetd, systemd sockets): forkserve
# is that inetd, and counts the CPU of every child.  -i, -k: its
# per-address sessions (in shared memory that outlives it) would throttle
# the load to a request a second after 4096 hits; -nm, no shared memory,
# costs it ten times the CPU.  -ns: no syslog, as broadside runs with
# access_log off; -nx: runs no scripts.
if [ -n "$PEERS_OK" ]; then
	echo "bench: Gophernicus ($(dpkg-query -W -f '${Version}' gophernicus 2>/dev/null)), one process per connection (forkserve)" >&2
	if start_peer "$GNCS" "$OUT/forkserve" "$GNCS" "$PEERDIR/gn.cpu" \
	    "$GNBIN" -nv -i 2000000000 -k 2000000000 -ns -nx -h localhost \
	    -p "$GNCS" -r "$C"; then
		CURPID=$PEERPID CPUFILE=$PEERDIR/gn.cpu
		run_case gn_menu gopher "$GNCS" "" "" - - "$MENU_END"
		run_case gn_text6k gopher "$GNCS" "/statements/2025-01-01-bench.gmi" "" - - ""
		run_case gn_dir200 gopher "$GNCS" "/dir/" "" - - "$MENU_END"
		CPUFILE=""
		stop_peer
	fi
fi

if [ -n "${PERFPID:-}" ]; then
	wait "$PERFPID" 2>/dev/null
	{
		echo "# perf record -g -p $WORKER: broadside's worker ($WNAME), child of $PERFSRV"
		perf report -i "$OUT/perf.data" --stdio --no-children 2>/dev/null |
		    grep -v '^$' | head -60
	} >"$OUT/perf.txt"
	perf report -i "$OUT/perf.data" --stdio --no-children -g none \
	    --sort dso,sym 2>/dev/null | grep '%' | head -40 >"$OUT/perf-flat.txt"
fi

# ---- 7. report -----------------------------------------------------------
# $RES in the report's order: the references, broadside, the peers, and
# any case not named here at the end in the order measured.
ORDER="bare_tls bare_tls_resumed bare_tcp gemini_1k gemini_1k_resumed
gemini_1k_c1 gemini_100k gemini_dir200 gemini_archive gemini_search
gopher_menu gopher_text6k gopher_dir200 gopher_bin1m gemini_1k_w2 mb_1k
mb_1k_resumed mb_1k_c1 mb_100k mb_dir200 gn_menu gn_text6k gn_dir200"
awk -v order="$(echo "$ORDER" | tr '\n' ' ')" '
	BEGIN { n = split(order, o, " "); for (i = 1; i <= n; i++) rank[o[i]] = i }
	{ l[NR] = $0; nm[NR] = $1 }
	END {
		for (i = 1; i <= n; i++)
			for (j = 1; j <= NR; j++)
				if (nm[j] == o[i])
					print l[j]
		for (j = 1; j <= NR; j++)
			if (!(nm[j] in rank))
				print l[j]
	}' "$RAW" >"$RES"

if [ -n "$MBPID" ]; then
	RWHO="broadside, Molly Brown"
else
	RWHO="broadside"
fi
ROUNDS_NOTE="gemini_1k, _resumed, _c1, _100k, _dir200 ($RWHO; bare_tls, bare_tls_resumed with the first two): median of $ROUNDS interleaved rounds of $RSECS s; other cases one run of $SECS s"
MEM_LOAD=$MEM_LOAD KEY0=${KEY0:-} KEY1=${KEY1:-} PIN_NOTE=$PIN_NOTE \
    ROUNDS_NOTE=$ROUNDS_NOTE BENCH_PIN=$PIN BENCH_ROUNDS=$ROUNDS \
    BENCH_ROUND_SECS=$RSECS BENCH_SECS=$SECS \
    sh "$REPO/tests/bench/report.sh" "$RES" "$FLOOR" "$SIGN_S" "$X_S" \
    "$MEM_IDLE" "$MEM_END" "$OUT/hold.txt" "$AFTERHOLD" "$IDLEF" ||
    die "report failed"

if [ "${BENCH_ARCHIVE:-1}" = 1 ] && [ -f "$REPO/tests/bench/archive_bench.sh" ]; then
	echo
	sh "$REPO/tests/bench/archive_bench.sh" || echo "bench: archive_bench failed" >&2
fi
if [ -s "$OUT/perf-flat.txt" ]; then
	echo
	echo "perf: broadside worker during gemini_1k (flat, top 40; call graphs in $OUT/perf.txt)"
	cat "$OUT/perf-flat.txt"
fi
echo
echo "bench: done in $(( $(date +%s) - T0 )) s; details in $OUT"
exit 0
