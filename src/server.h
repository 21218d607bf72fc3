/* SPDX-License-Identifier: ISC */
/*
 * broadside: listeners, the event loop's connection state machine,
 * deadlines and limits.  One `struct server` per worker process.
 */
#ifndef BROADSIDE_SERVER_H
#define BROADSIDE_SERVER_H

#include <stddef.h>

#include <openssl/ssl.h>

struct archive;
struct cache;
struct config;
struct config_listen;
struct config_prefix;
struct limits_table;
struct event_base;
struct protocol;
struct server;

#define SERVER_LISTEN_MAX	(2 * 8)
#define SERVER_LINGER_SEC	2	/* half-closed wait for the client */
/*
 * Every client speaks first (a selector, a ClientHello, a PROXY header):
 * the kernel hands a connection over once its first bytes are in, so
 * the first read finds them instead of costing a wait on the loop.  One
 * that stays silent is handed over after about this long anyway, and its
 * request deadline is shortened by as much.
 */
#define SERVER_DEFER_SEC	1

struct server_listener {
	int			 fd;
	const struct protocol	*proto;		/* what is spoken here */
	int			 port;
	int			 proxy_protocol;
	const struct config_prefix *proxy_from;	/* who may send it */
	size_t			 nproxy_from;
	char			 text[80];	/* listen address, as written */
};

/* Parent, before fork: bind and listen.  fd or -1 (logged). */
int	 server_bind(const struct config_listen *, int backlog);

/* The archive (may be NULL) and the caches (may be NULL: small
 * responses, rendered pages) are handed to every request; the server
 * does not own them, nor the limits table (shared by the workers; NULL:
 * a table of this server's own). */
struct server	*server_new(struct event_base *, const struct config *,
		    SSL_CTX *, int rootfd, const struct server_listener *,
		    size_t nlisteners, struct archive *, struct cache *,
		    struct cache *, struct limits_table *);
/* Stop accepting; `done` is called once no connection is left. */
void		 server_drain(struct server *, void (*done)(void *), void *);
void		 server_free(struct server *);

#endif
