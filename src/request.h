/* SPDX-License-Identifier: ISC */
/*
 * broadside: what a protocol handler is given about a request, and the
 * response it hands back to the connection.  Handlers never touch sockets
 * or TLS: they read `ctx`, fill a `struct response`, and server.c writes it.
 */
#ifndef BROADSIDE_REQUEST_H
#define BROADSIDE_REQUEST_H

#include <sys/types.h>
#include <sys/socket.h>
#include <stddef.h>

#include "buf.h"

struct archive;
struct cache;
struct config;

#define RESPONSE_MEM_MAX	(4u * 1024 * 1024)	/* generated page bound */

struct request_ctx {
	const struct config	*conf;
	int			 rootfd;	/* content root, O_DIRECTORY */
	const struct sockaddr	*peer;
	const struct sockaddr	*local;		/* ours (protocol local_addr),
						 * or NULL */
	const char		*sni;		/* TLS SNI or NULL */
	int			 local_port;	/* port the client connected to */
	int			 retry_after;	/* seconds, when rate limited */
	struct archive		*archive;	/* NULL: no archive, files only */
	struct cache		*cache;		/* small responses; may be NULL */
	struct cache		*rendered;	/* pages rendered from large
						 * files (Gopher menus and
						 * text); may be NULL */
};

/*
 * A body filter transforms streamed file bytes (gopher text: CRLF, dot
 * doubling, charset).  It appends to `out`; `eof` = 1 on the last call.
 */
typedef int (*response_filter_fn)(void *state, const char *in, size_t len,
    struct buf *out, int eof);

/*
 * The bytes to send, in order: `out` (header and any small body), then
 * `body` (borrowed, kept alive by `body_ref` until response_free), then the
 * file `fd` from offset 0 to `file_size` (passed through `filter` if set).
 */
struct response {
	int			 status;	/* for the access log */
	struct buf		 out;
	size_t			 head_len;	/* bytes of `out` that are the
						 * header: the log counts the
						 * rest as body */
	const char		*body;
	size_t			 body_len;
	void			*body_ref;
	void			(*body_release)(void *);
	int			 fd;		/* -1: none */
	off_t			 file_size;
	response_filter_fn	 filter;
	void			*filter_state;	/* freed with free(3) */
};

void	 response_init(struct response *);
void	 response_free(struct response *);

#endif
