/* SPDX-License-Identifier: ISC */
/*
 * broadside bench: a small load generator for Gemini (TLS 1.3, SNI,
 * optional session resumption) and Gopher (plain TCP).
 *
 * One thread, non-blocking sockets, poll(2).  Each of `-c` slots runs one
 * request at a time: connect, [handshake], send the request line, read to
 * the end, check what came back, close, start again, until `-d` seconds
 * or `-n` requests.  Every response is checked (first bytes, total length,
 * last bytes, clean TLS close) and every failure is counted.
 *
 * Modes:
 *   loadgen [opts]          load; prints one "LOAD key=value ..." line
 *   loadgen -H N [opts]     hold N idle TLS connections, probe latency with
 *                           `-n` sequential requests, then wait for the
 *                           server to close the held ones
 *   loadgen -I N -i P,Q     hold N plain TCP connections to each of ports
 *                           P, Q ... that send nothing, from many loopback
 *                           addresses, reopening each one the server
 *                           closes a second later, for `-w` seconds (or
 *                           until killed)
 *   loadgen -M PID          print CPU and memory of PID's process tree
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define REQ_MAX			1100
#define HEAD_KEEP		64
#define TAIL_KEEP		8
#define READ_CHUNK		65536
#define REQ_TIMEOUT_USEC	(15 * 1000000ULL)
#define HOLD_INFLIGHT		64
#define MAX_PROCS		256

enum slot_state {
	S_IDLE,
	S_CONNECT,
	S_HANDSHAKE,
	S_SEND,
	S_RECV,
	S_HELD,			/* hold mode: handshake done, no request */
	S_DONE
};

enum err_kind {
	E_CONNECT,
	E_TLS,
	E_IO,
	E_PREFIX,
	E_LENGTH,
	E_TAIL,
	E_UNCLEAN,		/* TLS: EOF without close_notify */
	E_TIMEOUT,
	E_COUNT
};

static const char *err_names[E_COUNT] = {
	"connect", "tls", "io", "prefix", "length", "tail", "unclean",
	"timeout"
};

struct slot {
	int		 fd;
	SSL		*ssl;
	SSL_SESSION	*sess;		/* resumption: latest ticket */
	enum slot_state	 state;
	short		 want;
	uint64_t	 t0;
	size_t		 sent;
	uint64_t	 got;
	unsigned char	 head[HEAD_KEEP];
	unsigned char	 tail[TAIL_KEEP];
	int		 reused;
	int		 saving;
};

struct opts {
	int		 tls;
	const char	*addr;
	int		 port;
	const char	*sni;
	char		 req[REQ_MAX + 3];
	size_t		 reqlen;
	int		 conc;
	double		 secs;
	long		 maxreq;
	int		 resume;
	const char	*prefix;
	long long	 length;
	const char	*tailstr;
	const char	*save;
	long		 hold;
	double		 holdwait;
	long		 idle;		/* -I: per port */
	const char	*idleports;
	pid_t		 mpid;
};

static struct opts	 o;
static SSL_CTX		*ctx;
static struct sockaddr_in sin_srv;
static unsigned char	 scratch[READ_CHUNK];
static int		 use_resume;	/* offer the slot's ticket */
static SSL_SESSION	*shared_sess;	/* hold mode: one ticket for all */

static uint64_t		*lat;
static size_t		 nlat, caplat;
static long		 nstarted, nok, nerr, nresumed, ntls;
static long		 errs[E_COUNT];

static void	 usage(void) __attribute__((noreturn));
static uint64_t	 now_usec(void);
static int	 new_session_cb(SSL *, SSL_SESSION *);
static void	 ctx_init(void);
static int	 slot_start(struct slot *);
static void	 slot_close(struct slot *);
static void	 slot_fail(struct slot *, enum err_kind);
static void	 ssl_wait(struct slot *, int);
static void	 slot_finish(struct slot *, int);
static void	 slot_step(struct slot *);
static void	 slot_recv(struct slot *);
static void	 record(uint64_t);
static int	 cmp_u64(const void *, const void *);
static uint64_t	 pct(double);
static void	 raise_nofile(rlim_t);
static int	 proc_stats(pid_t, FILE *);
static long	 num(const char *, long, long);

static void
usage(void)
{
	fprintf(stderr,
	    "usage: loadgen -g|-t -a addr -p port [-s sni] -u request\n"
	    "           [-c conc] [-d secs] [-n reqs] [-r] [-x prefix]\n"
	    "           [-b total_len] [-e tail] [-o savefile]\n"
	    "       loadgen -g -H nconns -w waitsecs [-m pid] ... (hold)\n"
	    "       loadgen -I nconns -i port[,port...] -w secs (idle)\n"
	    "       loadgen -M pid\n");
	exit(2);
}

static uint64_t
now_usec(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

/* TLS 1.3 tickets arrive after the handshake: keep the newest per slot. */
static int
new_session_cb(SSL *ssl, SSL_SESSION *sess)
{
	struct slot	*s = SSL_get_app_data(ssl);

	if (s == NULL)
		return 0;
	if (s->sess != NULL)
		SSL_SESSION_free(s->sess);
	s->sess = sess;
	return 1;	/* we keep the reference */
}

static void
ctx_init(void)
{
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		fprintf(stderr, "loadgen: SSL_CTX_new failed\n");
		exit(1);
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	if (o.resume) {
		SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT |
		    SSL_SESS_CACHE_NO_INTERNAL_STORE);
		SSL_CTX_sess_set_new_cb(ctx, new_session_cb);
	} else
		SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
}

static void
record(uint64_t us)
{
	uint64_t	*n;

	if (nlat == caplat) {
		caplat = caplat ? caplat * 2 : 65536;
		if ((n = realloc(lat, caplat * sizeof(*lat))) == NULL) {
			fprintf(stderr, "loadgen: out of memory\n");
			exit(1);
		}
		lat = n;
	}
	lat[nlat++] = us;
}

static int
slot_start(struct slot *s)
{
	int	 one = 1, fl;

	memset(s->head, 0, sizeof(s->head));
	if (s->fd != -1 || s->ssl != NULL)
		slot_close(s);
	memset(s->tail, 0, sizeof(s->tail));
	s->sent = 0;
	s->got = 0;
	s->reused = 0;
	s->t0 = now_usec();
	nstarted++;
	if ((s->fd = socket(AF_INET, SOCK_STREAM, 0)) == -1) {
		slot_fail(s, E_CONNECT);
		return -1;
	}
	if ((fl = fcntl(s->fd, F_GETFL)) == -1 ||
	    fcntl(s->fd, F_SETFL, fl | O_NONBLOCK) == -1) {
		slot_fail(s, E_CONNECT);
		return -1;
	}
	setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(s->fd, (struct sockaddr *)&sin_srv, sizeof(sin_srv)) ==
	    -1 && errno != EINPROGRESS) {
		slot_fail(s, E_CONNECT);
		return -1;
	}
	s->state = S_CONNECT;
	s->want = POLLOUT;
	return 0;
}

static void
slot_close(struct slot *s)
{
	if (s->ssl != NULL) {
		/*
		 * The server closed first; mark the session shut down so
		 * OpenSSL keeps its ticket resumable, without another write.
		 */
		SSL_set_shutdown(s->ssl, SSL_SENT_SHUTDOWN |
		    SSL_RECEIVED_SHUTDOWN);
		SSL_free(s->ssl);
		s->ssl = NULL;
	}
	if (s->fd != -1)
		close(s->fd);
	s->fd = -1;
	s->state = S_IDLE;
	s->want = 0;
}

/* After an SSL call returned r <= 0: wait for the socket, or fail. */
static void
ssl_wait(struct slot *s, int r)
{
	int	 e = SSL_get_error(s->ssl, r);

	if (e == SSL_ERROR_WANT_READ)
		s->want = POLLIN;
	else if (e == SSL_ERROR_WANT_WRITE)
		s->want = POLLOUT;
	else
		slot_fail(s, E_TLS);
}

static void
slot_fail(struct slot *s, enum err_kind k)
{
	errs[k]++;
	nerr++;
	if (getenv("LOADGEN_DEBUG") != NULL) {
		fprintf(stderr, "loadgen: error %s errno=%d got=%llu\n",
		    err_names[k], errno, (unsigned long long)s->got);
		ERR_print_errors_fp(stderr);
	}
	ERR_clear_error();
	slot_close(s);
}

/* The response ended (clean says how): check it and count it. */
static void
slot_finish(struct slot *s, int clean)
{
	size_t	 plen, tlen, off;

	if (!clean) {
		slot_fail(s, E_UNCLEAN);
		return;
	}
	if (o.prefix != NULL) {
		plen = strlen(o.prefix);
		if (plen > HEAD_KEEP || s->got < plen ||
		    memcmp(s->head, o.prefix, plen) != 0) {
			slot_fail(s, E_PREFIX);
			return;
		}
	}
	if (o.length >= 0 && s->got != (uint64_t)o.length) {
		slot_fail(s, E_LENGTH);
		return;
	}
	if (o.tailstr != NULL) {
		tlen = strlen(o.tailstr);
		off = TAIL_KEEP - tlen;
		if (tlen > TAIL_KEEP || s->got < tlen ||
		    memcmp(s->tail + off, o.tailstr, tlen) != 0) {
			slot_fail(s, E_TAIL);
			return;
		}
	}
	record(now_usec() - s->t0);
	nok++;
	if (s->ssl != NULL) {
		ntls++;
		if (s->reused)
			nresumed++;
	}
	slot_close(s);
}

static void
keep_bytes(struct slot *s, const unsigned char *p, size_t n)
{
	size_t	 k;

	if (s->got < HEAD_KEEP) {
		k = HEAD_KEEP - s->got;
		memcpy(s->head + s->got, p, n < k ? n : k);
	}
	if (n >= TAIL_KEEP)
		memcpy(s->tail, p + n - TAIL_KEEP, TAIL_KEEP);
	else {
		memmove(s->tail, s->tail + n, TAIL_KEEP - n);
		memcpy(s->tail + TAIL_KEEP - n, p, n);
	}
	s->got += n;
}

static void
save_bytes(struct slot *s, const unsigned char *p, size_t n)
{
	FILE	*f;

	if (!s->saving)
		return;
	if ((f = fopen(o.save, "ab")) != NULL) {
		fwrite(p, 1, n, f);
		fclose(f);
	}
}

static void
slot_recv(struct slot *s)
{
	ssize_t	 n;
	int	 r, e;
	unsigned long	 ec;

	for (;;) {
		if (s->ssl != NULL) {
			ERR_clear_error();
			r = SSL_read(s->ssl, scratch, sizeof(scratch));
			if (r > 0) {
				keep_bytes(s, scratch, (size_t)r);
				save_bytes(s, scratch, (size_t)r);
				continue;
			}
			e = SSL_get_error(s->ssl, r);
			if (e == SSL_ERROR_WANT_READ) {
				s->want = POLLIN;
				return;
			}
			if (e == SSL_ERROR_WANT_WRITE) {
				s->want = POLLOUT;
				return;
			}
			if (e == SSL_ERROR_ZERO_RETURN) {
				slot_finish(s, 1);
				return;
			}
			ec = ERR_peek_error();
			if ((e == SSL_ERROR_SSL && ERR_GET_REASON(ec) ==
			    SSL_R_UNEXPECTED_EOF_WHILE_READING) ||
			    (e == SSL_ERROR_SYSCALL && ec == 0 && r == 0))
				slot_finish(s, 0);
			else
				slot_fail(s, E_TLS);
			return;
		}
		n = read(s->fd, scratch, sizeof(scratch));
		if (n > 0) {
			keep_bytes(s, scratch, (size_t)n);
			save_bytes(s, scratch, (size_t)n);
			continue;
		}
		if (n == 0) {
			slot_finish(s, 1);
			return;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
			s->want = POLLIN;
			return;
		}
		slot_fail(s, E_IO);
		return;
	}
}

static void
slot_step(struct slot *s)
{
	int	 r, soerr;
	ssize_t	 n;
	socklen_t sl = sizeof(soerr);

	switch (s->state) {
	case S_CONNECT:
		if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) ==
		    -1 || soerr != 0) {
			errno = soerr;
			slot_fail(s, E_CONNECT);
			return;
		}
		if (!o.tls) {
			s->state = S_SEND;
			slot_step(s);
			return;
		}
		if ((s->ssl = SSL_new(ctx)) == NULL ||
		    !SSL_set_fd(s->ssl, s->fd)) {
			slot_fail(s, E_TLS);
			return;
		}
		SSL_set_app_data(s->ssl, s);
		if (o.sni != NULL)
			SSL_set_tlsext_host_name(s->ssl, o.sni);
		if (use_resume && s->sess != NULL)
			SSL_set_session(s->ssl, s->sess);
		else if (use_resume && shared_sess != NULL)
			SSL_set_session(s->ssl, shared_sess);
		SSL_set_connect_state(s->ssl);
		s->state = S_HANDSHAKE;
		/* FALLTHROUGH */
	case S_HANDSHAKE:
		ERR_clear_error();
		r = SSL_do_handshake(s->ssl);
		if (r != 1) {
			ssl_wait(s, r);
			return;
		}
		s->reused = SSL_session_reused(s->ssl);
		if (o.hold > 0 && s->saving == -1) {
			if (s->reused)
				nresumed++;
			s->state = S_HELD;
			s->want = 0;
			return;
		}
		s->state = S_SEND;
		/* FALLTHROUGH */
	case S_SEND:
		while (s->sent < o.reqlen) {
			if (s->ssl != NULL) {
				ERR_clear_error();
				r = SSL_write(s->ssl, o.req + s->sent,
				    (int)(o.reqlen - s->sent));
				if (r <= 0) {
					ssl_wait(s, r);
					return;
				}
				s->sent += (size_t)r;
			} else {
				n = write(s->fd, o.req + s->sent,
				    o.reqlen - s->sent);
				if (n == -1) {
					if (errno == EAGAIN || errno == EINTR) {
						s->want = POLLOUT;
						return;
					}
					slot_fail(s, E_IO);
					return;
				}
				s->sent += (size_t)n;
			}
		}
		s->state = S_RECV;
		/* FALLTHROUGH */
	case S_RECV:
		slot_recv(s);
		return;
	default:
		return;
	}
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t	 x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t
pct(double p)
{
	size_t	 i;

	if (nlat == 0)
		return 0;
	i = (size_t)(p * (double)(nlat - 1) + 0.5);
	return lat[i < nlat ? i : nlat - 1];
}

static void
raise_nofile(rlim_t want)
{
	struct rlimit	 rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want) {
		struct rlimit	 r2 = { want, want };

		if (setrlimit(RLIMIT_NOFILE, &r2) == 0)
			return;
	}
	rl.rlim_cur = rl.rlim_max;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_cur > want)
		rl.rlim_cur = want;
	setrlimit(RLIMIT_NOFILE, &rl);
}

/*
 * Run slots until each has nothing left to do.  `more` says whether an
 * idle slot may start a new request.
 */
static int	 load_more(uint64_t);

static void
run_slots(struct slot *sl, size_t n, uint64_t deadline, int sequential)
{
	struct pollfd	*pf;
	size_t		*map, i, np;
	int		 active, r;
	uint64_t	 t;

	if ((pf = calloc(n, sizeof(*pf))) == NULL ||
	    (map = calloc(n, sizeof(*map))) == NULL) {
		fprintf(stderr, "loadgen: out of memory\n");
		exit(1);
	}
	for (;;) {
		active = 0;
		np = 0;
		t = now_usec();
		for (i = 0; i < n; i++) {
			struct slot *s = &sl[i];

			if (s->state == S_IDLE && load_more(deadline) &&
			    (!sequential || active == 0))
				slot_start(s);
			if (s->state == S_IDLE || s->state == S_HELD ||
			    s->state == S_DONE)
				continue;
			if (t > s->t0 && t - s->t0 > REQ_TIMEOUT_USEC) {
				slot_fail(s, E_TIMEOUT);
				continue;
			}
			active++;
			pf[np].fd = s->fd;
			pf[np].events = s->want;
			pf[np].revents = 0;
			map[np++] = i;
		}
		if (active == 0)
			break;
		r = poll(pf, np, 100);
		if (r == -1 && errno != EINTR) {
			perror("loadgen: poll");
			exit(1);
		}
		for (i = 0; r > 0 && i < np; i++)
			if (pf[i].revents != 0)
				slot_step(&sl[map[i]]);
	}
	free(pf);
	free(map);
}

static int
load_more(uint64_t deadline)
{
	if (o.maxreq >= 0 && nstarted >= o.maxreq)
		return 0;
	if (deadline != 0 && now_usec() >= deadline)
		return 0;
	return 1;
}

static void
print_load(const char *tag, uint64_t t0, uint64_t t1)
{
	double	 secs = (double)(t1 - t0) / 1e6;
	int	 k;

	qsort(lat, nlat, sizeof(*lat), cmp_u64);
	printf("%s reqs=%ld ok=%ld errors=%ld secs=%.3f rps=%.1f "
	    "p50_us=%llu p99_us=%llu max_us=%llu", tag, nstarted, nok, nerr,
	    secs, secs > 0 ? (double)nok / secs : 0.0,
	    (unsigned long long)pct(0.50), (unsigned long long)pct(0.99),
	    (unsigned long long)(nlat ? lat[nlat - 1] : 0));
	if (o.tls)
		printf(" resumed=%ld resume_pct=%.1f", nresumed,
		    ntls ? 100.0 * (double)nresumed / (double)ntls : 0.0);
	for (k = 0; k < E_COUNT; k++)
		if (errs[k] != 0)
			printf(" err_%s=%ld", err_names[k], errs[k]);
	printf("\n");
	fflush(stdout);
}

static void
reset_counts(void)
{
	nlat = 0;
	nstarted = nok = nerr = nresumed = ntls = 0;
	memset(errs, 0, sizeof(errs));
}

/* Load mode: -c slots for -d seconds or -n requests. */
static void
run_load(void)
{
	struct slot	*sl;
	uint64_t	 t0, t1;
	int		 i;

	if ((sl = calloc((size_t)o.conc, sizeof(*sl))) == NULL)
		exit(1);
	for (i = 0; i < o.conc; i++) {
		sl[i].fd = -1;
		sl[i].state = S_IDLE;
	}
	if (o.save != NULL) {
		unlink(o.save);
		sl[0].saving = 1;
	}
	t0 = now_usec();
	run_slots(sl, (size_t)o.conc,
	    o.secs > 0 ? t0 + (uint64_t)(o.secs * 1e6) : 0, 0);
	t1 = now_usec();
	print_load("LOAD", t0, t1);
}

/* Drain held connections: the server should close every one of them. */
static void
hold_drain(struct slot *held, size_t n)
{
	struct pollfd	*pf;
	size_t		 i, open = n;
	long		 clean = 0, eof = 0, bad = 0, left;
	uint64_t	 t0 = now_usec(), end = t0 + (uint64_t)(o.holdwait * 1e6);
	int		 r, e;

	if ((pf = calloc(n, sizeof(*pf))) == NULL)
		exit(1);
	for (i = 0; i < n; i++) {
		pf[i].fd = held[i].state == S_HELD ? held[i].fd : -1;
		pf[i].events = POLLIN;
		if (pf[i].fd == -1)
			open--;
	}
	while (open > 0 && now_usec() < end) {
		r = poll(pf, n, 200);
		if (r == -1 && errno != EINTR)
			break;
		for (i = 0; r > 0 && i < n; i++) {
			struct slot *s = &held[i];

			if (pf[i].fd == -1 || pf[i].revents == 0)
				continue;
			ERR_clear_error();
			r = SSL_read(s->ssl, scratch, sizeof(scratch));
			if (r > 0)
				continue;	/* data on an idle conn? */
			e = SSL_get_error(s->ssl, r);
			if (e == SSL_ERROR_WANT_READ ||
			    e == SSL_ERROR_WANT_WRITE)
				continue;
			if (e == SSL_ERROR_ZERO_RETURN)
				clean++;
			else if ((e == SSL_ERROR_SSL &&
			    ERR_GET_REASON(ERR_peek_error()) ==
			    SSL_R_UNEXPECTED_EOF_WHILE_READING) ||
			    (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 &&
			    r == 0))
				eof++;
			else
				bad++;
			ERR_clear_error();
			slot_close(s);
			pf[i].fd = -1;
			open--;
		}
	}
	left = (long)open;
	printf("DRAIN closed_notify=%ld closed_eof=%ld closed_error=%ld "
	    "still_open=%ld secs=%.3f\n", clean, eof, bad, left,
	    (double)(now_usec() - t0) / 1e6);
	fflush(stdout);
	for (i = 0; i < n; i++)
		if (held[i].state != S_IDLE)
			slot_close(&held[i]);
	free(pf);
}

/* Hold mode: N idle handshaken connections, a probe, then the drain. */
static void
run_hold(void)
{
	struct slot	*held, probe;
	size_t		 i, base;
	long		 nheld = 0, probe_reqs = o.maxreq;
	uint64_t	 t0, t1;

	if ((held = calloc((size_t)o.hold, sizeof(*held))) == NULL)
		exit(1);
	for (i = 0; i < (size_t)o.hold; i++) {
		held[i].fd = -1;
		held[i].state = S_DONE;
		held[i].saving = -1;	/* stop after the handshake */
	}
	/*
	 * With -r a first request fetches a ticket and every held connection
	 * resumes with it: an OpenSSL 3.0 client pays ~1 ms per full
	 * handshake, too slow to open 10,000 within the server's timeout.
	 */
	if (o.resume) {
		memset(&probe, 0, sizeof(probe));
		probe.fd = -1;
		probe.state = S_IDLE;
		o.maxreq = 1;
		run_slots(&probe, 1, 0, 1);
		shared_sess = probe.sess;
		probe.sess = NULL;
		use_resume = 1;
		/*
		 * A TLS 1.3 client that resumes removes the ticket from its
		 * cache, which marks it not resumable: with the cache off the
		 * one ticket serves every held connection.
		 */
		SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
		reset_counts();
	}
	t0 = now_usec();
	/* Open them HOLD_INFLIGHT at a time. */
	for (base = 0; base < (size_t)o.hold; base += HOLD_INFLIGHT) {
		size_t	 m = (size_t)o.hold - base;

		if (m > HOLD_INFLIGHT)
			m = HOLD_INFLIGHT;
		for (i = base; i < base + m; i++)
			slot_start(&held[i]);
		run_slots(held + base, m, 1, 0);	/* deadline passed */
	}
	t1 = now_usec();
	for (i = 0; i < (size_t)o.hold; i++)
		if (held[i].state == S_HELD)
			nheld++;
	printf("HELD want=%ld held=%ld errors=%ld resumed=%ld secs=%.3f\n",
	    o.hold, nheld, nerr, nresumed, (double)(t1 - t0) / 1e6);
	fflush(stdout);
	if (o.mpid > 0) {
		printf("MEMHELD ");
		proc_stats(o.mpid, stdout);
	}
	/* The probe: sequential fresh requests beside the held ones. */
	reset_counts();
	use_resume = 0;
	o.maxreq = probe_reqs;
	memset(&probe, 0, sizeof(probe));
	probe.fd = -1;
	probe.state = S_IDLE;
	t0 = now_usec();
	run_slots(&probe, 1, 0, 1);
	t1 = now_usec();
	print_load("PROBE", t0, t1);
	if (o.mpid > 0) {
		printf("MEMPROBE ");
		proc_stats(o.mpid, stdout);
	}
	hold_drain(held, (size_t)o.hold);
	free(held);
}

/* -------- idle mode: connections that never send a byte -------- */

#define IDLE_PORTS	4
#define IDLE_ADDRS	250	/* sources 127.0.0.2 to 127.0.0.251 */
#define IDLE_REOPEN_USEC 1000000	/* a closed one comes back after */

struct idle_conn {
	int		 fd;
	int		 port;
	int		 connected;
	uint64_t	 closed;	/* when, to reopen it a second later */
};

static volatile sig_atomic_t	 idle_stop;

static void
idle_sig(int sig)
{
	(void)sig;
	idle_stop = 1;
}

/* A non-blocking connect from loopback address number `k`. */
static void
idle_open(struct idle_conn *c, size_t k)
{
	struct sockaddr_in	 src, dst = sin_srv;

	c->connected = 0;
	if ((c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1)
		return;
	memset(&src, 0, sizeof(src));
	src.sin_family = AF_INET;
	src.sin_addr.s_addr = htonl(0x7f000002u + (uint32_t)(k % IDLE_ADDRS));
	dst.sin_port = htons((uint16_t)c->port);
	if (bind(c->fd, (struct sockaddr *)&src, sizeof(src)) == -1 ||
	    (connect(c->fd, (struct sockaddr *)&dst, sizeof(dst)) == -1 &&
	    errno != EINPROGRESS)) {
		close(c->fd);
		c->fd = -1;
	}
}

/* Hold -I connections per port; print IDLEHELD once all are connected
 * (or after 10 s), IDLEEND when stopped. */
static void
run_idle(void)
{
	struct idle_conn *ic;
	struct pollfd	*pf;
	int		 ports[IDLE_PORTS], np = 0, r, e;
	socklen_t	 el;
	size_t		 n, i, held = 0;
	long		 closed = 0, failed = 0;
	uint64_t	 t0 = now_usec(), end, told = 0;
	char		*list, *tok, *save = NULL;

	if ((list = strdup(o.idleports)) == NULL)
		exit(1);
	for (tok = strtok_r(list, ",", &save); tok != NULL && np < IDLE_PORTS;
	    tok = strtok_r(NULL, ",", &save))
		ports[np++] = (int)num(tok, 1, 65535);
	free(list);
	n = (size_t)o.idle * (size_t)np;
	if (np == 0 || (ic = calloc(n, sizeof(*ic))) == NULL ||
	    (pf = calloc(n, sizeof(*pf))) == NULL)
		exit(1);
	signal(SIGTERM, idle_sig);
	signal(SIGINT, idle_sig);
	for (i = 0; i < n; i++) {
		ic[i].port = ports[i % (size_t)np];
		idle_open(&ic[i], i);
	}
	end = t0 + (uint64_t)(o.holdwait * 1e6);
	while (!idle_stop && now_usec() < end) {
		for (i = 0; i < n; i++) {
			if (ic[i].fd == -1 && now_usec() - ic[i].closed >=
			    IDLE_REOPEN_USEC)
				idle_open(&ic[i], i);
			pf[i].fd = ic[i].fd;
			pf[i].events = ic[i].connected ? POLLIN : POLLOUT;
			pf[i].revents = 0;
		}
		if ((r = poll(pf, n, 100)) == -1 && errno != EINTR)
			break;
		for (i = 0; r > 0 && i < n; i++) {
			if (pf[i].fd == -1 || pf[i].revents == 0)
				continue;
			if (!ic[i].connected) {
				el = sizeof(e);
				if (getsockopt(ic[i].fd, SOL_SOCKET, SO_ERROR,
				    &e, &el) == 0 && e == 0) {
					ic[i].connected = 1;
					held++;
					continue;
				}
				failed++;
			} else {
				closed++;	/* by the server */
				held--;
			}
			close(ic[i].fd);
			ic[i].fd = -1;
			ic[i].closed = now_usec();
		}
		if (told == 0 && (held == n || now_usec() - t0 > 10000000)) {
			told = now_usec();
			printf("IDLEHELD want=%zu held=%zu secs=%.3f\n", n,
			    held, (double)(told - t0) / 1e6);
			fflush(stdout);
		}
	}
	printf("IDLEEND want=%zu held=%zu closed_by_server=%ld "
	    "connect_failed=%ld secs=%.3f\n", n, held, closed, failed,
	    (double)(now_usec() - t0) / 1e6);
	fflush(stdout);
}

/* -------- process tree statistics from /proc -------- */

static int
read_file(const char *path, char *buf, size_t len)
{
	int	 fd;
	ssize_t	 n;
	size_t	 off = 0;

	if ((fd = open(path, O_RDONLY)) == -1)
		return -1;
	while (off + 1 < len &&
	    (n = read(fd, buf + off, len - 1 - off)) > 0)
		off += (size_t)n;
	close(fd);
	buf[off] = '\0';
	return (int)off;
}

static size_t
proc_tree(pid_t root, pid_t *out, size_t max)
{
	size_t	 n = 0, i;
	char	 path[512], buf[4096], *p, *end;
	DIR	*d;
	struct dirent *de;
	long	 v;

	out[n++] = root;
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/proc/%d/task", (int)out[i]);
		if ((d = opendir(path)) == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			if ((size_t)snprintf(path, sizeof(path),
			    "/proc/%d/task/%s/children", (int)out[i],
			    de->d_name) >= sizeof(path) ||
			    read_file(path, buf, sizeof(buf)) <= 0)
				continue;
			for (p = buf; *p != '\0'; p = end) {
				v = strtol(p, &end, 10);
				if (end == p)
					break;
				if (v > 0 && n < max)
					out[n++] = (pid_t)v;
			}
		}
		closedir(d);
	}
	return n;
}

/*
 * Time on CPU in ns, summed over the live threads (schedstat): the tick
 * counts of /proc/PID/stat read 0 for a loop that answered 24,000
 * requests on this kind of VM, so they are printed but not used.
 */
static unsigned long long
task_ns(pid_t pid)
{
	char		 path[512], buf[256];
	DIR		*d;
	struct dirent	*de;
	unsigned long long sum = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	if ((d = opendir(path)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "/proc/%d/task/%s/"
		    "schedstat", (int)pid, de->d_name) >= sizeof(path) ||
		    read_file(path, buf, sizeof(buf)) <= 0)
			continue;
		sum += strtoull(buf, NULL, 10);
	}
	closedir(d);
	return sum;
}

static long
kv_kb(const char *text, const char *key)
{
	const char	*p = strstr(text, key);

	if (p == NULL)
		return -1;
	return strtol(p + strlen(key), NULL, 10);
}

static int
proc_stats(pid_t root, FILE *fp)
{
	pid_t	 pids[MAX_PROCS];
	size_t	 n, i;
	char	 path[128], buf[8192], *p;
	unsigned long long ticks = 0, ut, st, ns = 0;
	long	 rss, pd, trss = 0, tpd = 0, maxpd = 0;
	int	 k;

	n = proc_tree(root, pids, MAX_PROCS);
	fprintf(fp, "PROC root=%d nprocs=%zu", (int)root, n);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pids[i]);
		if (read_file(path, buf, sizeof(buf)) <= 0 ||
		    (p = strrchr(buf, ')')) == NULL)
			continue;
		/* fields after ")" start at field 3; utime is 14 */
		for (k = 3; k < 14 && p != NULL; k++)
			p = strchr(p + 1, ' ');
		if (p == NULL || sscanf(p, " %llu %llu", &ut, &st) != 2)
			continue;
		ticks += ut + st;
		ns += task_ns(pids[i]);
		snprintf(path, sizeof(path), "/proc/%d/status", (int)pids[i]);
		rss = read_file(path, buf, sizeof(buf)) > 0 ?
		    kv_kb(buf, "VmRSS:") : -1;
		snprintf(path, sizeof(path), "/proc/%d/smaps_rollup",
		    (int)pids[i]);
		pd = read_file(path, buf, sizeof(buf)) > 0 ?
		    kv_kb(buf, "Private_Dirty:") : -1;
		if (rss > 0)
			trss += rss;
		if (pd > 0) {
			tpd += pd;
			if (pd > maxpd)
				maxpd = pd;
		}
		fprintf(fp, " p%zu=%d/%ld/%ld", i, (int)pids[i], rss, pd);
	}
	fprintf(fp, " cpu_ns=%llu cpu_ticks=%llu clk_tck=%ld rss_kb=%ld "
	    "pd_kb=%ld max_pd_kb=%ld\n", ns, ticks, sysconf(_SC_CLK_TCK), trss,
	    tpd, maxpd);
	fflush(fp);
	return 0;
}

/* -------- main -------- */

static long
num(const char *s, long lo, long hi)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		usage();
	return v;
}

int
main(int argc, char *argv[])
{
	int	 ch;
	const char *req = NULL;

	memset(&o, 0, sizeof(o));
	o.addr = "127.0.0.1";
	o.conc = 1;
	o.maxreq = -1;
	o.length = -1;
	o.holdwait = 30;
	while ((ch = getopt(argc, argv,
	    "gta:p:s:u:c:d:n:rx:b:e:o:H:w:m:M:I:i:"))
	    != -1) {
		switch (ch) {
		case 'g': o.tls = 1; break;
		case 't': o.tls = 0; break;
		case 'a': o.addr = optarg; break;
		case 'p': o.port = (int)num(optarg, 1, 65535); break;
		case 's': o.sni = optarg; break;
		case 'u': req = optarg; break;
		case 'c': o.conc = (int)num(optarg, 1, 100000); break;
		case 'd': o.secs = strtod(optarg, NULL); break;
		case 'n': o.maxreq = num(optarg, 0, LONG_MAX); break;
		case 'r': o.resume = 1; break;
		case 'x': o.prefix = optarg; break;
		case 'b': o.length = num(optarg, 0, LONG_MAX); break;
		case 'e': o.tailstr = optarg; break;
		case 'o': o.save = optarg; break;
		case 'H': o.hold = num(optarg, 1, 1000000); break;
		case 'w': o.holdwait = strtod(optarg, NULL); break;
		case 'm': o.mpid = (pid_t)num(optarg, 1, INT_MAX); break;
		case 'I': o.idle = num(optarg, 1, 100000); break;
		case 'i': o.idleports = optarg; break;
		case 'M':
			return proc_stats((pid_t)num(optarg, 1, INT_MAX),
			    stdout) == 0 ? 0 : 1;
		default: usage();
		}
	}
	if (o.idle > 0 && o.idleports != NULL) {
		if (inet_pton(AF_INET, o.addr, &sin_srv.sin_addr) != 1)
			usage();
		sin_srv.sin_family = AF_INET;
		raise_nofile((rlim_t)o.idle * IDLE_PORTS + 256);
		run_idle();
		return 0;
	}
	if (o.port == 0 || req == NULL || strlen(req) > REQ_MAX)
		usage();
	o.reqlen = (size_t)snprintf(o.req, sizeof(o.req), "%s\r\n", req);
	if (o.secs <= 0 && o.maxreq < 0)
		o.maxreq = 1;
	memset(&sin_srv, 0, sizeof(sin_srv));
	sin_srv.sin_family = AF_INET;
	sin_srv.sin_port = htons((uint16_t)o.port);
	if (inet_pton(AF_INET, o.addr, &sin_srv.sin_addr) != 1)
		usage();
	signal(SIGPIPE, SIG_IGN);
	raise_nofile(o.hold > 0 ? (rlim_t)o.hold + 256 : 4096);
	if (o.tls)
		ctx_init();
	use_resume = o.resume;
	if (o.hold > 0) {
		if (!o.tls)
			usage();
		run_hold();
	} else
		run_load();
	return 0;
}
