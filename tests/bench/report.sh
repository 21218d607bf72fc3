#!/bin/sh
# broadside bench: print the table and the BENCH lines from run.sh's files.
# usage: report.sh results floor_us sign_s x25519_s mem_idle mem_end
#            hold.txt afterhold_line [idle.txt]
# Environment from run.sh: PIN_NOTE, ROUNDS_NOTE (the header), BENCH_PIN,
# BENCH_ROUNDS, BENCH_ROUND_SECS, BENCH_SECS (the settings line), MEM_LOAD,
# KEY0, KEY1.  A case measured in rounds has the median round's cpu_ns and
# ok (so cpu_ns / ok is the median), errors summed over the rounds, and
# rounds=, rounds_us= (each round's CPU us per request) and ok_sum=.
set -u
RES=$1 FLOOR=$2 SIGN_S=$3 X_S=$4 MEM_IDLE=$5 MEM_END=$6 HOLDF=$7 AFTER=$8
IDLEF=${9:-/dev/null}
HOLD=${BENCH_HOLD:-10000}

awk -v floor="$FLOOR" -v sign_s="$SIGN_S" -v x_s="$X_S" \
    -v mem_idle="$MEM_IDLE" -v mem_end="$MEM_END" -v after="$AFTER" \
    -v holdwant="$HOLD" -v holdf="$HOLDF" -v idlef="$IDLEF" \
    -v key0="${KEY0:-}" -v key1="${KEY1:-}" -v hz="$(getconf CLK_TCK)" \
    -v peerskip="$(sed -n 's/^PEERS skipped=//p' "$RES.peers" 2>/dev/null)" '
function kv(line, key,    n, i, a, p) {
	n = split(line, a, " ")
	for (i = 1; i <= n; i++) {
		p = index(a[i], "=")
		if (p > 0 && substr(a[i], 1, p - 1) == key)
			return substr(a[i], p + 1)
	}
	return ""
}
# broadside against the peers, case by case: its ratio to each, and to
# the bare loop of the protocol.
function peerrow(label, b, p, bare, tgt, tgtref,    r, rb, res, e) {
	if (!(b in cpu) || !(p in cpu) || cpu[p] <= 0)
		return
	r = cpu[b] / cpu[p]
	rb = (bare in cpu) && cpu[bare] > 0 ? sprintf("%.2f", cpu[b] / cpu[bare]) : "-"
	e = kv(line[b], "errors") + 0
	res = "INFO"
	rbu = kv(line[b], "rounds_us"); rpu = kv(line[p], "rounds_us")
	if (tgt != "-")
		res = ((tgtref == "peer" ? r : rb) + 0 <= tgt + 0) ? "PASS" : "MISS"
	if (e > 0 || kv(line[b], "ok") + 0 == 0)
		res = "MISS"
	printf "%-30s %9.1f %9.1f %6d %7.2f %9s %6s %-14s %s\n", label, \
	    cpu[b], cpu[p], kv(line[p], "errors") + 0, r, \
	    (bare in cpu) ? sprintf("%.1f", cpu[bare]) : "-", rb, \
	    tgt == "-" ? "-" : "<= " tgt " x " tgtref, res
	if (rbu != "" || rpu != "")
		printf "  %-28s broadside %s; peer %s\n", "rounds (us/req):", \
		    rbu != "" ? rbu : "-", rpu != "" ? rpu : "-"
	pl[++npl] = sprintf("BENCH case=peer_%s broadside_cpu_us=%.1f " \
	    "peer=%s peer_cpu_us=%.1f peer_errors=%d ratio=%.2f bare=%s " \
	    "bare_ratio=%s target=%s target_ref=%s%s%s result=%s", b, cpu[b], \
	    p, cpu[p], kv(line[p], "errors") + 0, r, bare, rb, tgt, tgtref, \
	    rbu != "" ? " broadside_rounds_us=" rbu : "", \
	    rpu != "" ? " peer_rounds_us=" rpu : "", res)
}
function peers() {
	if (peerskip != "")
		printf "\npeers: skipped (%s)\n", peerskip
	if (!("mb_1k" in cpu) && !("gn_menu" in cpu))
		return
	printf "\npeers (server CPU us per request, same content, same " \
	    "loadgen; Molly Brown with GOMAXPROCS=1, Gophernicus one process " \
	    "per connection; Gemini cases: the median of %s interleaved " \
	    "rounds of each):\n", ENVIRON["BENCH_ROUNDS"] != "" ? \
	    ENVIRON["BENCH_ROUNDS"] : "the"
	printf "%-30s %9s %9s %6s %7s %9s %6s %-14s %s\n", "case", \
	    "broadside", "peer", "p.err", "ratio", "bare", "ratio", "target", \
	    "result"
	peerrow("gemini 1 KiB full, c=1", "gemini_1k_c1", "mb_1k_c1", \
	    "bare_tls", 0.85, "peer")
	peerrow("gemini 1 KiB full, c=32", "gemini_1k", "mb_1k", "bare_tls", \
	    0.85, "peer")
	peerrow("gemini 1 KiB resumed", "gemini_1k_resumed", "mb_1k_resumed", \
	    "bare_tls_resumed", 0.85, "peer")
	peerrow("gemini 100 KiB", "gemini_100k", "mb_100k", "bare_tls", 0.85, \
	    "peer")
	peerrow("gemini listing of 200", "gemini_dir200", "mb_dir200", \
	    "bare_tls", "-", "-")
	peerrow("gopher root", "gopher_menu", "gn_menu", "bare_tcp", 1.3, \
	    "bare")
	peerrow("gopher 6 KiB text", "gopher_text6k", "gn_text6k", \
	    "bare_tcp", 1.3, "bare")
	peerrow("gopher listing of 200", "gopher_dir200", "gn_dir200", \
	    "bare_tcp", 1.3, "bare")
	printf "  (Molly Brown: Gemini peer; Gophernicus: Gopher peer; " \
	    "\"bare\": the bare TLS or TCP loop of the same run)\n"
}
{
	name = $1
	order[++ncase] = name
	line[name] = $0
	ok = kv($0, "ok") + 0
	cpu[name] = ok > 0 ? kv($0, "cpu_ns") / 1000 / ok : 0
	tk[name] = ok > 0 ? kv($0, "cpu_ticks") * 1e6 / kv($0, "hz") / ok : 0
}
END {
	pinnote = ENVIRON["PIN_NOTE"]; rnote = ENVIRON["ROUNDS_NOTE"]
	printf "\npinning: %s\n", pinnote != "" ? pinnote : "unknown"
	if (rnote != "")
		printf "rounds: %s\n", rnote
	printf "\ncrypto floor: ECDSA P-256 sign %.1f us, X25519 %.1f us, " \
	    "floor (1 sign + 2 X25519) %.1f us per full handshake\n\n", \
	    sign_s * 1e6, x_s * 1e6, floor
	printf "%-18s %8s %7s %7s %7s %6s %9s %-17s %6s %6s %s\n", "case", \
	    "req/s", "p50ms", "p99ms", "maxms", "errors", "cpu_us/r", \
	    "reference", "ratio", "target", "result"
	for (i = 1; i <= ncase; i++) {
		n = order[i]; l = line[n]
		ref = kv(l, "ref"); tgt = kv(l, "target")
		err = kv(l, "errors") + 0
		ratio = "-"; refcpu = "-"
		if (ref != "-" && (ref in cpu) && cpu[ref] > 0) {
			refcpu = sprintf("%.1f", cpu[ref])
			ratio = sprintf("%.2f", cpu[n] / cpu[ref])
		}
		res = "INFO"
		if (tgt != "-" && ratio != "-")
			res = (ratio + 0 <= tgt + 0) ? "PASS" : "MISS"
		if (err > 0 || kv(l, "ok") + 0 == 0)
			res = "MISS"
		note = ""
		rp = kv(l, "resume_pct")
		if (n ~ /resumed/ && rp + 0 < 90) {
			res = "MISS"; note = " resumption " rp "% < 90%"
		}
		if (n ~ /resumed/)
			note = note " resumed " rp "%"
		if (kv(l, "errors") + 0 > 0)
			for (k = 1; k <= split(l, a, " "); k++)
				if (a[k] ~ /^err_/)
					note = note " " a[k]
		ru = kv(l, "rounds_us")
		if (ru != "")
			note = note " rounds " ru
		refname = ref == "-" ? "-" : ref "(" refcpu ")"
		printf "%-18s %8.1f %7.2f %7.2f %7.2f %6d %9.1f %-17s %6s %6s %s%s\n", \
		    n, kv(l, "rps"), kv(l, "p50_us") / 1000, \
		    kv(l, "p99_us") / 1000, kv(l, "max_us") / 1000, err, \
		    cpu[n], refname, ratio, tgt, res, note
		bl[i] = sprintf("BENCH case=%s reqs=%s ok=%s errors=%d rps=%s " \
		    "p50_us=%s p99_us=%s max_us=%s cpu_us=%.1f " \
		    "cpu_us_ticks=%.1f ref=%s ref_cpu_us=%s ratio=%s " \
		    "target=%s%s%s result=%s", n, kv(l, "reqs"), kv(l, "ok"), \
		    err, kv(l, "rps"), kv(l, "p50_us"), kv(l, "p99_us"), \
		    kv(l, "max_us"), cpu[n], tk[n], ref, refcpu, ratio, tgt, \
		    rp != "" ? " resume_pct=" rp : "", \
		    ru != "" ? " rounds=" kv(l, "rounds") " rounds_us=" ru \
		    " ok_sum=" kv(l, "ok_sum") : "", res)
	}
	peers()
	if ("bare_tls" in cpu)
		printf "\nbare TLS loop: %.1f us/req = %.2f x crypto floor; " \
		    "gemini_1k: %.2f x crypto floor\n", cpu["bare_tls"], \
		    cpu["bare_tls"] / floor, cpu["gemini_1k"] / floor

	# memory
	printf "\nmemory (server process tree, from /proc):\n"
	mi = kv(mem_idle, "max_pd_kb") + 0; me = kv(mem_end, "max_pd_kb") + 0
	ri = kv(mem_idle, "rss_kb") + 0; re = kv(mem_end, "rss_kb") + 0
	printf "  idle:        %s processes, RSS %d KiB, private dirty %d KiB " \
	    "(largest process %d KiB, target <= 2048)\n", \
	    kv(mem_idle, "nprocs"), ri, kv(mem_idle, "pd_kb"), mi
	printf "  after bench: %s processes, RSS %d KiB, private dirty %d KiB " \
	    "(largest process %d KiB, target <= 4096)\n", \
	    kv(mem_end, "nprocs"), re, kv(mem_end, "pd_kb"), me
	ml = ENVIRON["MEM_LOAD"]
	if (ml != "")
		printf "  after the load cases, before the held connections: RSS " \
		    "%d KiB, private dirty %d KiB (largest process %d KiB)\n", \
		    kv(ml, "rss_kb"), kv(ml, "pd_kb"), kv(ml, "max_pd_kb")
	mres_i = mi <= 2048 ? "PASS" : "MISS"
	mres_e = me <= 4096 ? "PASS" : "MISS"
	printf "  per process (pid/RSS KiB/private dirty KiB): idle"
	for (k = 0; kv(mem_idle, "p" k) != ""; k++)
		printf " %s", kv(mem_idle, "p" k)
	printf "; end"
	for (k = 0; kv(mem_end, "p" k) != ""; k++)
		printf " %s", kv(mem_end, "p" k)
	printf "\n"

	# held connections
	while ((getline hl < holdf) > 0) {
		split(hl, w, " ")
		hold[w[1]] = hl
	}
	h = hold["HELD"]; mh = hold["MEMHELD"]; pr = hold["PROBE"]
	dr = hold["DRAIN"]
	held = kv(h, "held") + 0; hrss = kv(mh, "rss_kb") + 0
	pp99 = kv(pr, "p99_us") + 0; perr = kv(pr, "errors") + 0
	pok = kv(pr, "ok") + 0
	cerr = kv(dr, "closed_error") + 0; sopen = kv(dr, "still_open") + 0
	aok = kv(after, "ok") + 0; aerr = kv(after, "errors") + 0
	hsecs = kv(h, "secs") + 0
	hres = (held == holdwant && hsecs < 10 && kv(h, "errors") + 0 == 0 && \
	    hrss <= 262144 && pp99 <= 50000 && pok > 0 && perr == 0 && \
	    cerr == 0 && sopen == 0 && aok > 0 && aerr == 0) ? "PASS" : "MISS"
	printf "\nheld connections: %d of %d held (%s resumed, %s s to open, " \
	    "%s errors); server RSS %d KiB (target <= 262144), private " \
	    "dirty %s KiB\n", held, holdwant, kv(h, "resumed"), \
	    kv(h, "secs"), kv(h, "errors"), hrss, kv(mh, "pd_kb")
	printf "  fresh client meanwhile: %d requests, p50 %.2f ms, p99 %.2f " \
	    "ms (target <= 50), max %.2f ms, %d errors\n", pok, \
	    kv(pr, "p50_us") / 1000, pp99 / 1000, kv(pr, "max_us") / 1000, \
	    perr
	printf "  after the timeout: %s closed with close_notify, %s with " \
	    "a bare EOF, %d with an error, %d still open after %s s; then " \
	    "%d/%d requests ok\n", kv(dr, "closed_notify"), \
	    kv(dr, "closed_eof"), cerr, sopen, kv(dr, "secs"), aok, \
	    aok + aerr
	if (hsecs >= 10)
		printf "  opening took %.1f s, longer than the server timeout " \
		    "(10 s): the first ones were closed before the last " \
		    "opened, so RSS and latency were not measured with all " \
		    "held\n", hsecs
	printf "  result: %s\n", hres

	# idle connections beyond max_clients
	while ((getline il < idlef) > 0) {
		split(il, w, " ")
		idle[w[1]] = il
	}
	ih = idle["IDLEHELD"]; ie = idle["IDLEEND"]
	ig = idle["IDLEGEMINI"]; io = idle["IDLEGOPHER"]
	if (ih != "") {
		gp99 = kv(ig, "p99_us") + 0; op99 = kv(io, "p99_us") + 0
		gerr = kv(ig, "errors") + 0; oerr = kv(io, "errors") + 0
		gok = kv(ig, "ok") + 0; ook = kv(io, "ok") + 0
		ires = (gp99 <= 50000 && op99 <= 50000 && gerr == 0 && \
		    oerr == 0 && gok > 0 && ook > 0) ? "PASS" : "MISS"
		printf "\nidle connections: %s wanted (both protocols), %s " \
		    "connected in %s s, %s closed by the server and reopened\n", \
		    kv(ih, "want"), kv(ih, "held"), kv(ih, "secs"), \
		    kv(ie, "closed_by_server")
		printf "  normal gemini client meanwhile: %d ok, p50 %.2f ms, " \
		    "p99 %.2f ms (target <= 50), %d errors (target 0)\n", gok, \
		    kv(ig, "p50_us") / 1000, gp99 / 1000, gerr
		printf "  normal gopher client meanwhile: %d ok, p50 %.2f ms, " \
		    "p99 %.2f ms (target <= 50), %d errors (target 0)\n", ook, \
		    kv(io, "p50_us") / 1000, op99 / 1000, oerr
		printf "  result: %s\n", ires
	}

	# The key process: its part of a full handshake (it signs; the worker
	# waits for the answer).  Target: gemini_1k at most 1.1 x its ratio to
	# the bare TLS loop before the key process (0.86, the figure in the README).
	# KEY0, KEY1 span every round of gemini_1k: all its requests.
	gok = kv(line["gemini_1k"], "ok_sum") != "" ? \
	    kv(line["gemini_1k"], "ok_sum") + 0 : kv(line["gemini_1k"], "ok") + 0
	if (key0 != "" && key1 != "" && gok > 0 && cpu["bare_tls"] > 0) {
		kus = (key1 - key0) * 1e6 / hz / gok
		kr = cpu["gemini_1k"] / cpu["bare_tls"]
		kres = kr <= 0.86 * 1.1 ? "PASS" : "MISS"
		printf "\nkey process: %.1f us CPU per full handshake, %.0f%% " \
		    "of gemini_1k (%.1f us); gemini_1k/bare_tls %.2f, target " \
		    "<= %.2f %s\n", kus, 100 * kus / cpu["gemini_1k"], \
		    cpu["gemini_1k"], kr, 0.86 * 1.1, kres
		kline = sprintf("BENCH case=key_process cpu_us=%.1f " \
		    "share_pct=%.0f gemini_1k_ratio=%.2f target_ratio=%.2f " \
		    "result=%s", kus, 100 * kus / cpu["gemini_1k"], kr, \
		    0.86 * 1.1, kres)
	}

	printf "\n"
	for (i = 1; i <= ncase; i++)
		print bl[i]
	printf "BENCH case=settings pin=%s rounds=%s round_secs=%s secs=%s " \
	    "result=INFO\n", ENVIRON["BENCH_PIN"], ENVIRON["BENCH_ROUNDS"], \
	    ENVIRON["BENCH_ROUND_SECS"], ENVIRON["BENCH_SECS"]
	printf "BENCH case=crypto_floor sign_us=%.1f x25519_us=%.1f " \
	    "floor_us=%.1f result=INFO\n", sign_s * 1e6, x_s * 1e6, floor
	printf "BENCH case=mem_idle nprocs=%s rss_kb=%d pd_kb=%s " \
	    "max_pd_kb=%d target_kb=2048 result=%s\n", kv(mem_idle, "nprocs"), \
	    ri, kv(mem_idle, "pd_kb"), mi, mres_i
	printf "BENCH case=mem_end nprocs=%s rss_kb=%d pd_kb=%s " \
	    "max_pd_kb=%d target_kb=4096 result=%s\n", kv(mem_end, "nprocs"), \
	    re, kv(mem_end, "pd_kb"), me, mres_e
	printf "BENCH case=held_%d held=%d rss_kb=%d probe_p99_us=%d " \
	    "open_secs=%.1f probe_errors=%d closed_error=%d still_open=%d " \
	    "after_ok=%d " \
	    "target_rss_kb=262144 target_p99_us=50000 result=%s\n", holdwant, \
	    held, hrss, pp99, hsecs, perr, cerr, sopen, aok, hres
	if (ih != "")
		printf "BENCH case=idle_%s gemini_p99_us=%d gemini_errors=%d " \
		    "gopher_p99_us=%d gopher_errors=%d target_p99_us=50000 " \
		    "target_errors=0 result=%s\n", kv(ih, "want"), gp99, gerr, \
		    op99, oerr, ires
	if (kline != "")
		print kline
	for (i = 1; i <= npl; i++)
		print pl[i]
}' "$RES"
