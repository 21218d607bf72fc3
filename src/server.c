/* SPDX-License-Identifier: ISC */
/*
 * broadside: the connection state machine on a libevent loop.
 *
 *   accept -> [PROXY header] -> [TLS handshake] -> READ request line
 *          -> handler fills a response -> WRITE -> [close_notify]
 *          -> LINGER (half-close, drain) -> close, log
 *
 * Every connection has one I/O event and one deadline timer.  Until the
 * request is read the deadline is absolute (`timeout` seconds from accept,
 * which the kernel defers until the first bytes: SERVER_DEFER_SEC);
 * while writing it restarts on every bit of progress, so a reader that
 * stops reading is dropped too.  When max_clients are open, a new
 * connection closes the one that has waited longest for its request,
 * one that has sent nothing at all before one whose handshake or request
 * is under way (srv->silent and srv->underway keep them in arrival
 * order).  Bytes go out through a 16 KiB staging buffer, one TLS record
 * per write; plain-TCP files go by sendfile.
 *
 * No protocol is named here: each listener's `struct protocol` (protocol.h)
 * says whether TLS comes first, how long a request line may be and how it
 * ends; it handles the line, and words every refusal.
 */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE	/* accept4(2): glibc hides it otherwise */
#endif
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <sys/ioctl.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef __linux__
#include <sys/sendfile.h>
#endif
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <event2/event.h>

#include "config.h"
#include "ratelimit.h"
#include "log.h"
#include "protocol.h"
#include "proxy.h"
#include "request.h"
#include "server.h"
#include "tls.h"
#include "tls_sign.h"

#ifndef MSG_MORE
#define MSG_MORE	0	/* no such hint (the BSDs): each send goes out */
#endif

#define CONN_REQ_MAX		(PROTOCOL_LINE_MAX + 2)	/* line + CRLF */
#define CONN_STAGE_SIZE		16384	/* one TLS record of payload */
#define CONN_WRITE_BURST	(256 * 1024)	/* then yield to others */
#define ACCEPT_BURST		64
#define ACCEPT_RETRY_MSEC	100
#define FILTER_OUT_MAX		(4 * CONN_STAGE_SIZE)
#define TRIM_AFTER_CONNS	256	/* give memory back after a burst */
#define UNTRUSTED_LOG_SEC	10	/* one line per worker per 10 s */
#define EVICT_LOG_SEC		10	/* one eviction report at most per */

enum conn_state {
	CONN_PROXY,		/* reading a PROXY protocol header */
	CONN_HANDSHAKE,
	CONN_READ,
	CONN_WRITE,
	CONN_SHUTDOWN,		/* sending close_notify */
	CONN_LINGER,		/* half-closed, draining the client */
};

struct conn {
	TAILQ_ENTRY(conn)	 entry;
	TAILQ_ENTRY(conn)	 rentry;	/* in *rlist */
	struct connlist		*rlist;		/* no complete request yet */
	int			 fresh;		/* first step, deferred */
	struct server		*srv;
	const struct server_listener *l;
	int			 fd;
	SSL			*ssl;
	enum conn_state		 state;
	struct event		*ev;
	short			 waiting;	/* EV_READ, EV_WRITE or 0 */
	struct event		*timer;
	struct sockaddr_storage	 peer;
	struct sockaddr_storage	 local;
	struct timespec		 start;
	char			 req[CONN_REQ_MAX + 1];
	size_t			 req_len;
	size_t			 line_len;	/* request as logged */
	int			 handled;	/* a response was made */
	struct response		 resp;
	size_t			 out_off;
	size_t			 body_off;
	off_t			 file_off;
	int			 filter_done;
	struct buf		 filtered;
	size_t			 filtered_off;
	char			*stage;
	size_t			 stage_len;
	size_t			 stage_off;
	unsigned long long	 sent;
};

TAILQ_HEAD(connlist, conn);

struct server {
	struct event_base	*base;
	const struct config	*conf;
	SSL_CTX			*ssl_ctx;
	int			 rootfd;
	struct lstate {
		struct server		*srv;
		struct server_listener	 l;
		struct event		*ev;
		int			 deferred;	/* TCP_DEFER_ACCEPT */
		/* Bound to one address: every connection's local one. */
		int			 has_local;
		struct sockaddr_storage	 local;
	}			 listeners[SERVER_LISTEN_MAX];
	size_t			 nlisteners;
	int			 accepting;	/* listener events added */
	int			 draining;
	struct event		*retry;		/* after EMFILE */
	struct event		*key_ev;	/* signatures come back */
	struct event		*key_timer;	/* and must come in time */
	struct connlist		 conns;
	/*
	 * Connections that have not sent a complete request, in arrival
	 * order: when the slots run out the longest waiting is closed to make
	 * room, so idle connections cannot lock readers out.  The ones that
	 * have sent nothing go first: a burst of them must not close a
	 * reader in the middle of its handshake.  A connection is moved
	 * from silent to underway only when it comes to the head of silent
	 * (server_evict), so underway stays in arrival order too.
	 */
	struct connlist		 silent;
	struct connlist		 underway;
	size_t			 nconns;
	size_t			 evicted;	/* not yet reported */
	time_t			 evict_logged;
	size_t			 closed_since_trim;
	void			(*drained)(void *);
	void			*drained_arg;
	struct limits		*limits;
	time_t			 untrusted_logged;	/* monotonic seconds */
	unsigned long		 untrusted_quiet;	/* not logged since */
	struct archive		*archive;
	struct cache		*cache;
	struct cache		*rendered;
};

static void	 conn_io(evutil_socket_t, short, void *);
static void	 conn_timeout(evutil_socket_t, short, void *);
static void	 conn_close(struct conn *);
static void	 conn_step(struct conn *);
static void	 conn_linger(struct conn *);
static void	 listeners_enable(struct server *, int);
static void	 conn_done_reading(struct conn *);
static int	 conn_silent(const struct conn *);
static int	 server_signer_new(struct server *);

/* -- listening --------------------------------------------------------- */

/* See SERVER_DEFER_SEC; where it fails, the deadline is simply whole. */
static void
listener_defer(int fd)
{
#ifdef TCP_DEFER_ACCEPT
	int	 secs = SERVER_DEFER_SEC;

	setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &secs, sizeof(secs));
#else
	(void)fd;
#endif
}

int
server_bind(const struct config_listen *la, int backlog)
{
	int	 fd, on = 1;

	fd = socket(la->addr.ss_family, SOCK_STREAM, 0);
	if (fd == -1) {
		log_warn("socket %s", la->text);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	/* Accepted sockets inherit it: small responses go out at once. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	if (la->addr.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	listener_defer(fd);
	if (fcntl(fd, F_SETFL, O_NONBLOCK) == -1 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) == -1 ||
	    bind(fd, (const struct sockaddr *)&la->addr, la->addrlen) == -1 ||
	    listen(fd, backlog) == -1) {
		log_warn("listen %s", la->text);
		close(fd);
		return -1;
	}
	return fd;
}

/* Whether the kernel holds connections back until their first bytes. */
static int
listener_deferred(int fd)
{
#ifdef TCP_DEFER_ACCEPT
	int		 secs = 0;
	socklen_t	 len = sizeof(secs);

	return getsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &secs,
	    &len) == 0 && secs > 0;
#else
	(void)fd;
	return 0;
#endif
}

static void
listeners_enable(struct server *srv, int on)
{
	size_t	 i;

	if (srv->draining)
		on = 0;
	if (on == srv->accepting)
		return;
	for (i = 0; i < srv->nlisteners; i++) {
		if (on)
			event_add(srv->listeners[i].ev, NULL);
		else
			event_del(srv->listeners[i].ev);
	}
	srv->accepting = on;
}

static void
accept_retry(evutil_socket_t fd, short ev, void *arg)
{
	struct server	*srv = arg;

	(void)fd;
	(void)ev;
	if (srv->nconns < (size_t)srv->conf->max_clients)
		listeners_enable(srv, 1);
}

static int
accept_fd(int lfd, struct sockaddr_storage *ss, socklen_t *len)
{
	int	 fd;

#ifdef SOCK_NONBLOCK
	fd = accept4(lfd, (struct sockaddr *)ss, len,
	    SOCK_NONBLOCK | SOCK_CLOEXEC);
#else
	if ((fd = accept(lfd, (struct sockaddr *)ss, len)) != -1 &&
	    (fcntl(fd, F_SETFL, O_NONBLOCK) == -1 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)) {
		close(fd);
		fd = -1;
	}
#endif
	return fd;
}

/* The request buffer this protocol may fill: its line and a CRLF. */
static size_t
conn_req_room(const struct conn *c)
{
	return c->l->proto->line_max + 2;
}

static void
conn_arm_deadline(struct conn *c, int seconds)
{
	struct timeval	 tv = { seconds, 0 };

	event_add(c->timer, &tv);
}

/*
 * The address a listener is bound to, when it is one address and not a
 * wildcard: then no connection needs a getsockname(2) of its own.
 */
static int
listener_local(int fd, struct sockaddr_storage *ss)
{
	socklen_t	 len = sizeof(*ss);

	if (getsockname(fd, (struct sockaddr *)ss, &len) == -1)
		return 0;
	switch (ss->ss_family) {
	case AF_INET:
		return ((struct sockaddr_in *)ss)->sin_addr.s_addr !=
		    htonl(INADDR_ANY);
	case AF_INET6:
		return !IN6_IS_ADDR_UNSPECIFIED(
		    &((struct sockaddr_in6 *)ss)->sin6_addr);
	default:
		return 0;
	}
}

static struct conn *
conn_new(struct server *srv, const struct lstate *ls, int fd,
    const struct sockaddr_storage *peer)
{
	const struct server_listener *l = &ls->l;
	struct conn	*c;
	socklen_t	 len = sizeof(c->local);

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->srv = srv;
	c->l = l;
	c->fd = fd;
	c->peer = *peer;
	clock_gettime(CLOCK_MONOTONIC, &c->start);
	response_init(&c->resp);
	buf_init(&c->filtered, FILTER_OUT_MAX);
	if (l->proto->local_addr && ls->has_local)
		c->local = ls->local;
	else if (l->proto->local_addr &&
	    getsockname(fd, (struct sockaddr *)&c->local, &len) == -1)
		memset(&c->local, 0, sizeof(c->local));
	c->ev = event_new(srv->base, fd, EV_READ | EV_PERSIST, conn_io, c);
	c->timer = evtimer_new(srv->base, conn_timeout, c);
	if (c->ev == NULL || c->timer == NULL)
		goto fail;
	if (l->proto->tls &&
	    (c->ssl = tls_conn_new(srv->ssl_ctx, fd, c)) == NULL)
		goto fail;
	if (l->proxy_protocol)
		c->state = CONN_PROXY;
	else
		c->state = l->proto->tls ? CONN_HANDSHAKE : CONN_READ;
	TAILQ_INSERT_TAIL(&srv->conns, c, entry);
	TAILQ_INSERT_TAIL(&srv->silent, c, rentry);
	c->rlist = &srv->silent;
	c->fresh = ls->deferred;
	srv->nconns++;
	conn_arm_deadline(c, srv->conf->timeout);
	return c;
fail:
	if (c->ev)
		event_free(c->ev);
	if (c->timer)
		event_free(c->timer);
	buf_free(&c->filtered);
	free(c);
	return NULL;
}

/*
 * A PROXY header names the client, so only a proxy we know may send one:
 * anybody else could claim any address, dodge every limit and write
 * what they like into the access log.
 */
static int
proxy_trusted(const struct server_listener *l,
    const struct sockaddr_storage *ss)
{
	unsigned char	 key[16];

	if (config_addr_key((const struct sockaddr *)ss, key) == -1)
		return 0;
	return config_prefix_match(l->proxy_from, l->nproxy_from, key);
}

/* Logged at most once per UNTRUSTED_LOG_SEC: a flood must not fill logs. */
static void
proxy_untrusted(struct server *srv, const struct server_listener *l,
    const struct sockaddr_storage *ss)
{
	struct timespec	 now;
	char		 addr[64];

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (srv->untrusted_logged != 0 &&
	    now.tv_sec - srv->untrusted_logged < UNTRUSTED_LOG_SEC) {
		srv->untrusted_quiet++;
		return;
	}
	log_format_addr((const struct sockaddr *)ss, addr, sizeof(addr));
	if (srv->untrusted_quiet > 0)
		log_warnx("%s: connection from %s refused: not in proxy_from "
		    "(and %lu more since the last such line)", l->text, addr,
		    srv->untrusted_quiet);
	else
		log_warnx("%s: connection from %s refused: not in proxy_from",
		    l->text, addr);
	srv->untrusted_logged = now.tv_sec > 0 ? now.tv_sec : 1;
	srv->untrusted_quiet = 0;
}

/*
 * Every slot is taken: close the connection that has waited longest
 * without sending a request, to make room for a new one; one that has
 * sent nothing before one that has begun.  One that is writing its
 * response is never closed.
 */
static void
server_evict(struct server *srv)
{
	struct conn	*c;

	while ((c = TAILQ_FIRST(&srv->silent)) != NULL && !conn_silent(c)) {
		TAILQ_REMOVE(&srv->silent, c, rentry);
		TAILQ_INSERT_TAIL(&srv->underway, c, rentry);
		c->rlist = &srv->underway;
	}
	if (c == NULL && (c = TAILQ_FIRST(&srv->underway)) == NULL)
		return;
	conn_close(c);
	srv->evicted++;
}

/* One line per burst of evictions, and one per EVICT_LOG_SEC at most:
 * the ones closed in between are counted in the next. */
static void
server_evict_report(struct server *srv)
{
	time_t	 now;

	if (srv->evicted == 0 || (now = time(NULL)) - srv->evict_logged <
	    EVICT_LOG_SEC)
		return;
	log_warnx("max_clients (%d) reached: closed %zu connection%s that "
	    "sent no request", srv->conf->max_clients, srv->evicted,
	    srv->evicted == 1 ? "" : "s");
	srv->evicted = 0;
	srv->evict_logged = now;
}

static void
server_accept(evutil_socket_t lfd, short ev, void *arg)
{
	struct lstate		*ls = arg;
	struct server		*srv = ls->srv;
	struct sockaddr_storage	 ss;
	struct conn		*c;
	socklen_t		 len;
	int			 fd, i;
	struct timeval		 tv = { 0, ACCEPT_RETRY_MSEC * 1000 };

	(void)ev;
	for (i = 0; i < ACCEPT_BURST; i++) {
		if (srv->nconns >= (size_t)srv->conf->max_clients &&
		    TAILQ_EMPTY(&srv->silent) && TAILQ_EMPTY(&srv->underway)) {
			listeners_enable(srv, 0);	/* all are writing */
			break;
		}
		len = sizeof(ss);
		if ((fd = accept_fd(lfd, &ss, &len)) == -1) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				log_warn("accept");
				listeners_enable(srv, 0);
				evtimer_add(srv->retry, &tv);
			}
			break;	/* EAGAIN, ECONNABORTED, EINTR ... */
		}
		if (ls->l.proxy_protocol && !proxy_trusted(&ls->l, &ss)) {
			proxy_untrusted(srv, &ls->l, &ss);
			close(fd);
			continue;
		}
		if (!limits_connect(srv->limits, (struct sockaddr *)&ss)) {
			close(fd);	/* over max_clients_per_ip */
			continue;
		}
		/* Only now: a wakeup with nothing to accept evicts no one. */
		if (srv->nconns >= (size_t)srv->conf->max_clients)
			server_evict(srv);
		c = conn_new(srv, ls, fd, &ss);
		if (c == NULL) {
			log_warnx("out of memory for a connection");
			limits_disconnect(srv->limits, (struct sockaddr *)&ss);
			close(fd);
			continue;
		}
		conn_step(c);
	}
	server_evict_report(srv);
}

/* -- signatures from the key process (tls_sign.h) ----------------------- */

#define SIGN_CHECK_MSEC		500	/* how often overdue ones are looked for */

/* A handshake's signature is in (or failed): go on with it. */
static void
conn_signed(void *owner)
{
	conn_step(owner);
}

static void
server_signer_io(evutil_socket_t fd, short ev, void *arg)
{
	struct server	*srv = arg;

	(void)fd;
	(void)ev;
	if (tls_sign_replies(conn_signed) == -1)
		event_del(srv->key_ev);	/* broken: handshakes now fail */
}

/* A handshake waits for its signature: overdue ones will be failed. */
static void
server_signer_wait(struct server *srv)
{
	struct timeval	 tv = { 0, SIGN_CHECK_MSEC * 1000 };

	if (srv->key_timer != NULL && !evtimer_pending(srv->key_timer, NULL))
		evtimer_add(srv->key_timer, &tv);
}

static void
server_signer_check(evutil_socket_t fd, short ev, void *arg)
{
	struct server	*srv = arg;

	(void)fd;
	(void)ev;
	if (tls_sign_expire(conn_signed) > 0)
		server_signer_wait(srv);
}

static int
server_signer_new(struct server *srv)
{
	int	 fd = tls_sign_fd();

	if (srv->ssl_ctx == NULL || fd == -1)
		return 0;
	if ((srv->key_ev = event_new(srv->base, fd, EV_READ | EV_PERSIST,
	    server_signer_io, srv)) == NULL ||
	    (srv->key_timer = evtimer_new(srv->base, server_signer_check,
	    srv)) == NULL || event_add(srv->key_ev, NULL) == -1)
		return -1;
	return 0;
}

/*
 * libevent makes the slot of a descriptor number (its evmap entry, a few
 * dozen bytes) the first time an event is added on it, and keeps it until
 * the event base goes.  Made as connections come, the slots of a burst
 * end up one in each connection's stretch of the heap, and once the burst
 * is over each holds its page: a burst of 10,000 connections kept 35 MiB
 * that malloc_trim could not give back.  So the slots of every number a
 * connection may take are made now, side by side: a duplicate of a
 * listener on each free number, added and removed at once.
 */
#define FD_SLOTS_SPARE	64	/* listeners, channels, the key process's */
#define FD_SLOTS_MAX	65536

static void
noop_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
}

static void
server_make_fd_slots(struct event_base *base, int src, int max_clients)
{
	struct rlimit	 rl;
	struct event	*ev;
	long		 top, fd;
	int		 n;

	top = (long)max_clients + FD_SLOTS_SPARE;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    (rlim_t)top > rl.rlim_cur)
		top = (long)rl.rlim_cur;
	if (top > FD_SLOTS_MAX)
		top = FD_SLOTS_MAX;
	if ((ev = event_new(base, -1, 0, noop_cb, NULL)) == NULL)
		return;
	for (fd = 0; fd < top; fd++) {
		if (fcntl((int)fd, F_GETFD) != -1)
			continue;	/* in use: its slot is made by its user */
		/* The lowest free number from fd on: fd itself. */
		if ((n = fcntl(src, F_DUPFD_CLOEXEC, (int)fd)) == -1)
			break;
		if (event_assign(ev, base, n, EV_READ, noop_cb, NULL) == 0 &&
		    event_add(ev, NULL) == 0)
			event_del(ev);
		close(n);
	}
	event_free(ev);
}

struct server *
server_new(struct event_base *base, const struct config *conf, SSL_CTX *ctx,
    int rootfd, const struct server_listener *ls, size_t n,
    struct archive *archive, struct cache *cache, struct cache *rendered,
    struct limits_table *table)
{
	struct server	*srv;
	size_t		 i;

	if (n > SERVER_LISTEN_MAX || (srv = calloc(1, sizeof(*srv))) == NULL)
		return NULL;
	srv->base = base;
	srv->conf = conf;
	srv->ssl_ctx = ctx;
	srv->rootfd = rootfd;
	srv->archive = archive;
	srv->cache = cache;
	srv->rendered = rendered;
	TAILQ_INIT(&srv->conns);
	TAILQ_INIT(&srv->silent);
	TAILQ_INIT(&srv->underway);
	if ((srv->retry = evtimer_new(base, accept_retry, srv)) == NULL ||
	    (srv->limits = limits_new(conf, table)) == NULL ||
	    server_signer_new(srv) == -1)
		goto fail;
	for (i = 0; i < n; i++) {
		if (ls[i].proto->line_max > PROTOCOL_LINE_MAX) {
			log_warnx("%s: request lines over %d bytes",
			    ls[i].proto->name, PROTOCOL_LINE_MAX);
			goto fail;	/* they would not fit in conn.req */
		}
		srv->listeners[i].srv = srv;
		srv->listeners[i].l = ls[i];
		srv->listeners[i].ev = event_new(base, ls[i].fd,
		    EV_READ | EV_PERSIST, server_accept, &srv->listeners[i]);
		if (srv->listeners[i].ev == NULL)
			goto fail;
		srv->listeners[i].deferred = listener_deferred(ls[i].fd);
		srv->listeners[i].has_local = listener_local(ls[i].fd,
		    &srv->listeners[i].local);
		srv->nlisteners++;
	}
	if (n > 0)
		server_make_fd_slots(base, ls[0].fd, conf->max_clients);
	listeners_enable(srv, 1);
	return srv;
fail:
	server_free(srv);
	return NULL;
}

void
server_drain(struct server *srv, void (*done)(void *), void *arg)
{
	size_t	 i;

	listeners_enable(srv, 0);
	srv->draining = 1;
	for (i = 0; i < srv->nlisteners; i++) {
		close(srv->listeners[i].l.fd);
		srv->listeners[i].l.fd = -1;
	}
	srv->drained = done;
	srv->drained_arg = arg;
	if (srv->nconns == 0 && done != NULL)
		done(arg);
}

void
server_free(struct server *srv)
{
	size_t	 i;

	if (srv == NULL)
		return;
	srv->drained = NULL;
	while (!TAILQ_EMPTY(&srv->conns))
		conn_close(TAILQ_FIRST(&srv->conns));
	for (i = 0; i < srv->nlisteners; i++)
		event_free(srv->listeners[i].ev);
	if (srv->retry)
		event_free(srv->retry);
	if (srv->key_ev)
		event_free(srv->key_ev);
	if (srv->key_timer)
		event_free(srv->key_timer);
	limits_free(srv->limits);
	free(srv);
}

/* -- one connection ----------------------------------------------------- */

/*
 * Whether the client has sent nothing yet (a PROXY header from a trusted
 * proxy does not count: its client may still be silent behind it).
 */
static int
conn_silent(const struct conn *c)
{
	switch (c->state) {
	case CONN_PROXY:
		return 1;
	case CONN_HANDSHAKE:
		return tls_received(c->ssl) == 0;
	case CONN_READ:
		return c->req_len == 0 &&
		    (c->ssl == NULL || tls_received(c->ssl) == 0);
	default:
		return 0;
	}
}

/*
 * The first wait of a connection the kernel held back (SERVER_DEFER_SEC).
 * Handed over with nothing to read, it was silent all that time: its
 * request deadline, counted from the connect, is that much nearer.
 */
static void
conn_first_wait(struct conn *c, short what)
{
	int	 left = c->srv->conf->timeout - SERVER_DEFER_SEC;

	c->fresh = 0;
	if (what == EV_READ && conn_silent(c))
		conn_arm_deadline(c, left > 0 ? left : 0);
}

/*
 * Wait for the socket to become readable or writable.  The event is
 * persistent and changed only when the direction changes: most waits then
 * cost no epoll_ctl at all.
 */
static void
conn_wait(struct conn *c, short what)
{
	if (c->fresh)
		conn_first_wait(c, what);
	if (c->waiting == what)
		return;
	event_del(c->ev);
	event_assign(c->ev, c->srv->base, c->fd, what | EV_PERSIST, conn_io,
	    c);
	event_add(c->ev, NULL);
	c->waiting = what;
}

/* Stop waiting on the socket (the callback then runs only by timer). */
static void
conn_unwait(struct conn *c)
{
	if (c->waiting != 0)
		event_del(c->ev);
	c->waiting = 0;
}

static void
conn_log(struct conn *c)
{
	struct log_access_entry	 e;
	struct timespec		 now;

	if (!c->handled)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	memset(&e, 0, sizeof(e));
	e.proto = c->l->proto->name;
	e.peer = (struct sockaddr *)&c->peer;
	e.request = c->req;
	e.request_len = c->line_len;
	e.status = c->resp.status;
	e.body_bytes = c->sent > c->resp.head_len ?
	    c->sent - c->resp.head_len : 0;
	e.ms = (double)(now.tv_sec - c->start.tv_sec) * 1e3 +
	    (double)(now.tv_nsec - c->start.tv_nsec) / 1e6;
	log_access(&e);
	c->handled = 0;
}

static void
conn_close(struct conn *c)
{
	struct server	*srv = c->srv;

	event_free(c->ev);
	event_free(c->timer);
	/*
	 * First: the end of the response may wait for this FIN (MSG_MORE),
	 * and a byte the client sent after conn_finish looked would turn
	 * it into a reset that drops it.
	 */
	close(c->fd);
	conn_log(c);
	tls_conn_free(c->ssl, c->state >= CONN_SHUTDOWN);
	response_free(&c->resp);
	buf_free(&c->filtered);
	free(c->stage);
	limits_disconnect(srv->limits, (struct sockaddr *)&c->peer);
	conn_done_reading(c);
	TAILQ_REMOVE(&srv->conns, c, entry);
	free(c);
	srv->nconns--;
#ifdef __GLIBC__
	/* A burst is over: return its memory instead of keeping the peak. */
	if (++srv->closed_since_trim >= TRIM_AFTER_CONNS && srv->nconns == 0) {
		malloc_trim(0);
		srv->closed_since_trim = 0;
	}
#endif
	if (!srv->draining && srv->nconns < (size_t)srv->conf->max_clients &&
	    !evtimer_pending(srv->retry, NULL))
		listeners_enable(srv, 1);
	if (srv->draining && srv->nconns == 0 && srv->drained != NULL)
		srv->drained(srv->drained_arg);
}

static void
conn_timeout(evutil_socket_t fd, short ev, void *arg)
{
	struct conn	*c = arg;

	(void)fd;
	(void)ev;
	if (c->state < CONN_WRITE)
		log_debug("client timed out before sending a request");
	/* Say goodbye properly when the handshake was done: best effort. */
	if (c->ssl != NULL && c->state == CONN_READ)
		(void)tls_close(c->ssl);
	conn_close(c);
}

static void
conn_io(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	conn_step(arg);
}

/* Raw or TLS I/O with the TLS_WANT_* convention. */
static ssize_t
conn_recv(struct conn *c, void *buf, size_t len)
{
	ssize_t	 n;

	if (c->ssl != NULL)
		return tls_read(c->ssl, buf, len);
	if ((n = read(c->fd, buf, len)) == -1)
		return errno == EAGAIN || errno == EINTR ? TLS_WANT_POLLIN : -1;
	return n;
}

/*
 * `last`: nothing follows these bytes but close() or shutdown(), which
 * push them: with MSG_MORE they wait for the FIN and leave in its segment
 * instead of one of their own.
 */
static ssize_t
conn_send(struct conn *c, const void *buf, size_t len, int last)
{
	ssize_t	 n;

	if (c->ssl != NULL)
		return tls_write(c->ssl, buf, len);
	if ((n = send(c->fd, buf, len, MSG_NOSIGNAL |
	    (last ? MSG_MORE : 0))) == -1)
		return errno == EAGAIN || errno == EINTR ? TLS_WANT_POLLOUT : -1;
	return n;
}

/* What the protocol is told about this connection's request. */
static void
conn_ctx(const struct conn *c, struct request_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->conf = c->srv->conf;
	ctx->rootfd = c->srv->rootfd;
	ctx->peer = (const struct sockaddr *)&c->peer;
	ctx->local = c->l->proto->local_addr ?
	    (const struct sockaddr *)&c->local : NULL;
	ctx->local_port = c->l->port;
	ctx->sni = c->ssl != NULL ? tls_sni(c->ssl) : NULL;
	ctx->archive = c->srv->archive;
	ctx->cache = c->srv->cache;
	ctx->rendered = c->srv->rendered;
}

static void
conn_handle(struct conn *c, const char *line, size_t len)
{
	struct request_ctx	 ctx;

	conn_ctx(c, &ctx);
	c->handled = 1;
	c->line_len = len;
	if (!limits_request(c->srv->limits, ctx.peer, &ctx.retry_after))
		c->l->proto->refuse(&ctx, REFUSE_RATE, &c->resp);
	else
		c->l->proto->handle(&ctx, line, len, &c->resp);
}

/* Answer a request line we refuse before parsing (too long, bad end). */
static void
conn_refuse(struct conn *c, enum refusal why)
{
	struct request_ctx	 ctx;

	conn_ctx(c, &ctx);
	c->handled = 1;
	c->line_len = c->req_len;
	c->l->proto->refuse(&ctx, why, &c->resp);
}

/*
 * Look for the end of the request line in the bytes read so far.
 * 1: answered (a response is ready); 0: need more bytes.
 */
static int
conn_scan_request(struct conn *c, size_t from, int eof)
{
	const struct protocol	*p = c->l->proto;
	char			*lf;
	size_t			 len;

	lf = memchr(c->req + from, '\n', c->req_len - from);
	if (lf != NULL) {
		len = (size_t)(lf - c->req);
		if (len > 0 && c->req[len - 1] == '\r')
			len--;
		else if (p->crlf_required) {
			conn_refuse(c, REFUSE_MALFORMED);
			return 1;
		}
		if (len > p->line_max) {
			conn_refuse(c, REFUSE_TOO_LONG);
			return 1;
		}
		c->req[len] = '\0';
		conn_handle(c, c->req, len);
		return 1;
	}
	if (c->req_len >= conn_req_room(c)) {
		/* No line end within the limit: answer now, read no more. */
		conn_refuse(c, REFUSE_TOO_LONG);
		return 1;
	}
	if (eof && p->eof_ends_line && c->req_len > 0) {
		/* Some old clients half-close instead of sending CRLF. */
		c->req[c->req_len] = '\0';
		conn_handle(c, c->req, c->req_len);
		return 1;
	}
	return 0;
}

/* Small bodies and files join the header: one write, one TLS record. */
static void
conn_coalesce(struct conn *c)
{
	struct response	*r = &c->resp;
	size_t		 room;
	ssize_t		 n;

	if (r->out.failed)
		return;
	room = CONN_STAGE_SIZE > r->out.len ? CONN_STAGE_SIZE - r->out.len : 0;
	/* Over plain TCP the body joins the header in conn_send_direct. */
	if (r->body != NULL && r->body_len <= room && c->ssl != NULL) {
		buf_append(&r->out, r->body, r->body_len);
		r->body = NULL;
		r->body_len = 0;
		if (r->body_release != NULL)
			r->body_release(r->body_ref);
		r->body_release = NULL;
		return;
	}
	if (r->fd != -1 && r->filter == NULL && r->body == NULL &&
	    r->file_size >= 0 && (size_t)r->file_size <= room &&
	    buf_append(&r->out, NULL, 0) == 0) {
		char	 tmp[CONN_STAGE_SIZE];

		n = pread(r->fd, tmp, (size_t)r->file_size, 0);
		if (n >= 0 && buf_append(&r->out, tmp, (size_t)n) == 0) {
			close(r->fd);
			r->fd = -1;
		}
	}
}

/* A request was read (or refused): no longer a candidate for eviction. */
static void
conn_done_reading(struct conn *c)
{
	if (c->rlist != NULL) {
		TAILQ_REMOVE(c->rlist, c, rentry);
		c->rlist = NULL;
	}
}

static void
conn_start_write(struct conn *c)
{
	struct request_ctx	 ctx;

	conn_done_reading(c);
	if (c->resp.out.failed) {
		/* A renderer ran out of room: never send half a page. */
		log_warnx("response too large or out of memory");
		response_free(&c->resp);	/* and its file, body, filter */
		conn_ctx(c, &ctx);
		c->l->proto->refuse(&ctx, REFUSE_TEMPORARY, &c->resp);
	}
	conn_coalesce(c);
	c->state = CONN_WRITE;
	conn_arm_deadline(c, c->srv->conf->timeout);
}

/* Run the body filter over the next file chunk.  0, or -1 on error. */
static int
conn_fill_filtered(struct conn *c)
{
	struct response	*r = &c->resp;
	char		 tmp[CONN_STAGE_SIZE];
	ssize_t		 n = 0;
	size_t		 want;
	int		 eof;

	buf_reset(&c->filtered);
	c->filtered_off = 0;
	want = sizeof(tmp);
	if ((off_t)want > r->file_size - c->file_off)
		want = (size_t)(r->file_size - c->file_off);
	if (want > 0 && (n = pread(r->fd, tmp, want, c->file_off)) == -1) {
		log_warn("read");
		return -1;
	}
	c->file_off += n;
	/* A file that shrank under us ends here. */
	eof = c->file_off >= r->file_size || n == 0;
	if (r->filter(r->filter_state, tmp, (size_t)n, &c->filtered, eof) == -1)
		return -1;
	if (eof)
		c->filter_done = 1;
	return 0;
}

static size_t
take(char *dst, size_t room, const char *src, size_t avail, size_t *off)
{
	size_t	 n = avail - *off < room ? avail - *off : room;

	memcpy(dst, src + *off, n);
	*off += n;
	return n;
}

/*
 * Refill the staging buffer from, in order: the header/small body, the
 * borrowed body, the file (filtered or not).  Sets stage_len (0 = done).
 */
static int
conn_fill(struct conn *c)
{
	struct response	*r = &c->resp;
	size_t		 room;
	ssize_t		 n;

	c->stage_len = c->stage_off = 0;
	if (c->stage == NULL && (c->stage = malloc(CONN_STAGE_SIZE)) == NULL)
		return -1;
	while ((room = CONN_STAGE_SIZE - c->stage_len) > 0) {
		char	*dst = c->stage + c->stage_len;

		if (c->out_off < r->out.len)
			c->stage_len += take(dst, room, r->out.data,
			    r->out.len, &c->out_off);
		else if (r->body != NULL && c->body_off < r->body_len)
			c->stage_len += take(dst, room, r->body, r->body_len,
			    &c->body_off);
		else if (r->fd != -1 && r->filter != NULL) {
			if (c->filtered_off < c->filtered.len)
				c->stage_len += take(dst, room,
				    c->filtered.data, c->filtered.len,
				    &c->filtered_off);
			else if (c->filter_done)
				break;
			else if (conn_fill_filtered(c) == -1)
				return -1;
		} else if (r->fd != -1 && c->file_off < r->file_size) {
			if ((off_t)room > r->file_size - c->file_off)
				room = (size_t)(r->file_size - c->file_off);
			if ((n = pread(r->fd, dst, room, c->file_off)) == -1) {
				log_warn("read");
				return -1;
			}
			if (n == 0) {	/* truncated while we sent it */
				c->file_off = r->file_size;
				break;
			}
			c->file_off += n;
			c->stage_len += (size_t)n;
		} else
			break;
	}
	return 0;
}

#ifdef __linux__
/* Plain TCP, unfiltered file, nothing else pending: let the kernel copy. */
static int
conn_sendfile(struct conn *c, size_t *sent)
{
	struct response	*r = &c->resp;
	ssize_t		 n;
	off_t		 off = c->file_off;
	size_t		 want;

	*sent = 0;
	want = (size_t)(r->file_size - c->file_off);
	if (want > CONN_WRITE_BURST)
		want = CONN_WRITE_BURST;
	if ((n = sendfile(c->fd, r->fd, &off, want)) == -1)
		return errno == EAGAIN || errno == EINTR ? TLS_WANT_POLLOUT : -1;
	if (n == 0)	/* file shrank */
		off = r->file_size;
	c->file_off = off;
	*sent = (size_t)n;
	return 0;
}
#endif

static int
conn_can_sendfile(const struct conn *c)
{
#ifdef __linux__
	const struct response *r = &c->resp;

	return c->ssl == NULL && r->fd != -1 && r->filter == NULL &&
	    c->out_off >= r->out.len &&
	    (r->body == NULL || c->body_off >= r->body_len) &&
	    c->stage_off >= c->stage_len && c->file_off < r->file_size;
#else
	(void)c;
	return 0;
#endif
}

/*
 * Plain TCP with the header or a borrowed body still to send, and nothing
 * staged: they leave from where they lie, in one sendmsg, instead of being
 * copied into the header buffer and then the staging buffer (a 10 KiB
 * listing twice per Gopher reply, and the staging buffer's allocation).
 */
static int
conn_can_send_direct(const struct conn *c)
{
	const struct response *r = &c->resp;

	return c->ssl == NULL && c->stage_off >= c->stage_len &&
	    (c->out_off < r->out.len ||
	    (r->body != NULL && c->body_off < r->body_len));
}

static ssize_t
conn_send_direct(struct conn *c)
{
	struct response	*r = &c->resp;
	struct iovec	 iov[2];
	struct msghdr	 msg;
	size_t		 done, head;
	ssize_t		 n;

	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = iov;
	if (c->out_off < r->out.len) {
		iov[msg.msg_iovlen].iov_base = r->out.data + c->out_off;
		iov[msg.msg_iovlen++].iov_len = r->out.len - c->out_off;
	}
	if (r->body != NULL && c->body_off < r->body_len) {
		/* sendmsg only reads it: the cast drops const for iovec. */
		iov[msg.msg_iovlen].iov_base =
		    (void *)(uintptr_t)(r->body + c->body_off);
		iov[msg.msg_iovlen++].iov_len = r->body_len - c->body_off;
	}
	/* MSG_MORE when no file follows: see conn_send. */
	if ((n = sendmsg(c->fd, &msg, MSG_NOSIGNAL |
	    (r->fd == -1 ? MSG_MORE : 0))) == -1)
		return errno == EAGAIN || errno == EINTR ? TLS_WANT_POLLOUT : -1;
	done = (size_t)n;
	head = r->out.len - c->out_off;
	if (head > done)
		head = done;
	c->out_off += head;
	c->body_off += done - head;
	return n;
}

/* Whether the staging buffer holds the end of the response. */
static int
conn_staged_all(const struct conn *c)
{
	const struct response *r = &c->resp;

	if (c->out_off < r->out.len ||
	    (r->body != NULL && c->body_off < r->body_len))
		return 0;
	if (r->fd == -1)
		return 1;
	if (r->filter != NULL)
		return c->filter_done && c->filtered_off >= c->filtered.len;
	return c->file_off >= r->file_size;
}

/* Write what we can.  1: all sent; 0: waiting; -1: drop the client. */
static int
conn_write(struct conn *c)
{
	size_t	 burst = 0, n;
	ssize_t	 w;

	while (burst < CONN_WRITE_BURST) {
#ifdef __linux__
		if (conn_can_sendfile(c)) {
			int rv = conn_sendfile(c, &n);

			if (rv != 0) {
				if (rv == TLS_WANT_POLLOUT)
					conn_wait(c, EV_WRITE);
				return rv == TLS_WANT_POLLOUT ? 0 : -1;
			}
			c->sent += n;
			burst += n;
			conn_arm_deadline(c, c->srv->conf->timeout);
			continue;
		}
#endif
		if (conn_can_send_direct(c))
			w = conn_send_direct(c);
		else {
			if (c->stage_off >= c->stage_len) {
				if (conn_fill(c) == -1)
					return -1;
				if (c->stage_len == 0)
					return 1;
			}
			w = conn_send(c, c->stage + c->stage_off,
			    c->stage_len - c->stage_off, conn_staged_all(c));
			if (w > 0)
				c->stage_off += (size_t)w;
		}
		if (w == TLS_WANT_POLLIN || w == TLS_WANT_POLLOUT) {
			conn_wait(c, w == TLS_WANT_POLLIN ? EV_READ : EV_WRITE);
			return 0;
		}
		if (w <= 0)
			return -1;
		c->sent += (size_t)w;
		burst += (size_t)w;
		conn_arm_deadline(c, c->srv->conf->timeout);
	}
	conn_wait(c, EV_WRITE);	/* yield: others get a turn */
	return 0;
}

/*
 * After the response.  With nothing unread from the client, close now: the
 * FIN follows our last byte.  With bytes unread, close() would send a reset
 * that can destroy the response in the client's buffers, so half-close and
 * read until the client is done.
 */
static void
conn_finish(struct conn *c)
{
	int	 unread = 0;

	if (ioctl(c->fd, FIONREAD, &unread) == 0 && unread == 0 &&
	    (c->ssl == NULL || SSL_pending(c->ssl) == 0)) {
		conn_close(c);
		return;
	}
	conn_linger(c);
}

/* Half-closed: read until the client closes, bounded in time. */
static void
conn_linger(struct conn *c)
{
	char	 sink[512];
	ssize_t	 n;

	if (c->state != CONN_LINGER) {
		c->state = CONN_LINGER;
		conn_log(c);
		shutdown(c->fd, SHUT_WR);
		conn_arm_deadline(c, SERVER_LINGER_SEC);
	}
	for (;;) {
		n = read(c->fd, sink, sizeof(sink));
		if (n > 0)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
			conn_wait(c, EV_READ);
			return;
		}
		conn_close(c);	/* EOF or error */
		return;
	}
}

static void
conn_read(struct conn *c)
{
	size_t	 before;
	ssize_t	 n;

	for (;;) {
		before = c->req_len;
		n = conn_recv(c, c->req + c->req_len,
		    conn_req_room(c) - c->req_len);
		if (n == TLS_WANT_POLLIN || n == TLS_WANT_POLLOUT) {
			conn_wait(c, n == TLS_WANT_POLLIN ? EV_READ : EV_WRITE);
			return;
		}
		if (n < 0 || (n == 0 && (!c->l->proto->eof_ends_line ||
		    c->req_len == 0))) {
			conn_close(c);	/* gone before a request */
			return;
		}
		c->req_len += (size_t)n;
		if (conn_scan_request(c, before, n == 0)) {
			conn_start_write(c);
			conn_step(c);
			return;
		}
	}
}

/* A PROXY header first; the limits then count the real client. */
static void
conn_proxy(struct conn *c)
{
	struct sockaddr_storage	 before = c->peer;
	struct timeval		 tv = { 0, 10000 };
	int			 partial;

	switch (proxy_read(c->fd, &c->peer, &partial)) {
	case PROXY_WANT:
		if (partial) {	/* bytes wait unread: poll would spin */
			c->fresh = 0;	/* not silent */
			conn_unwait(c);
			event_assign(c->ev, c->srv->base, -1, 0, conn_io, c);
			event_add(c->ev, &tv);
		} else
			conn_wait(c, EV_READ);
		return;
	case PROXY_ERROR:
		log_warnx("connection without a valid PROXY header refused");
		conn_close(c);
		return;
	case PROXY_OK:
		break;
	}
	c->fresh = 0;	/* the header came: the client is not silent */
	limits_disconnect(c->srv->limits, (struct sockaddr *)&before);
	if (!limits_connect(c->srv->limits, (struct sockaddr *)&c->peer)) {
		c->peer = before;	/* so conn_close releases nothing twice */
		limits_connect(c->srv->limits, (struct sockaddr *)&before);
		conn_close(c);
		return;
	}
	c->state = c->l->proto->tls ? CONN_HANDSHAKE : CONN_READ;
	conn_step(c);
}

/* Drive the state machine as far as the socket lets us. */
static void
conn_step(struct conn *c)
{
	int	 rv;

	switch (c->state) {
	case CONN_PROXY:
		conn_proxy(c);
		return;
	case CONN_HANDSHAKE:
		rv = tls_accept(c->ssl, c->srv->nconns > 1);
		if (rv == TLS_WANT_POLLIN || rv == TLS_WANT_POLLOUT) {
			conn_wait(c, rv == TLS_WANT_POLLIN ? EV_READ : EV_WRITE);
			return;
		}
		if (rv == TLS_WANT_KEY) {
			/* Nothing to do on the socket until it is signed. */
			conn_unwait(c);
			server_signer_wait(c->srv);
			return;
		}
		if (rv == -1) {
			log_debug("TLS handshake failed");
			conn_close(c);
			return;
		}
		c->state = CONN_READ;
		/* FALLTHROUGH */
	case CONN_READ:
		conn_read(c);
		return;
	case CONN_WRITE:
		rv = conn_write(c);
		if (rv == -1) {
			conn_close(c);
			return;
		}
		if (rv == 0)
			return;
		if (c->ssl == NULL) {
			conn_finish(c);
			return;
		}
		c->state = CONN_SHUTDOWN;
		/* FALLTHROUGH */
	case CONN_SHUTDOWN:
		rv = tls_close(c->ssl);
		if (rv == TLS_WANT_POLLIN || rv == TLS_WANT_POLLOUT) {
			conn_wait(c, rv == TLS_WANT_POLLIN ? EV_READ : EV_WRITE);
			return;
		}
		conn_finish(c);
		return;
	case CONN_LINGER:
		conn_linger(c);
		return;
	}
}
