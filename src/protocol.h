/* SPDX-License-Identifier: ISC */
/*
 * broadside: what the connection code knows of a protocol.  Each protocol
 * describes itself in one constant `struct protocol` (gemini_protocol in
 * gemini.c, gopher_protocol in gopher.c); server.c holds a pointer per
 * listener and calls through it, and names no protocol itself.
 */
#ifndef BROADSIDE_PROTOCOL_H
#define BROADSIDE_PROTOCOL_H

#include <stddef.h>

#include "request.h"

/*
 * The longest request line any protocol may ask for, line end not counted:
 * the connection's inline request buffer is sized by it.
 */
#define PROTOCOL_LINE_MAX	1024

/* Why a request is answered without being handled. */
enum refusal {
	REFUSE_TOO_LONG,	/* no line end within line_max */
	REFUSE_MALFORMED,	/* a bare LF where CRLF is required */
	REFUSE_RATE,		/* over the rate: see ctx->retry_after */
	REFUSE_TEMPORARY,	/* the response could not be made */
};

struct protocol {
	const char	*name;		/* "gemini": for the access log */
	size_t		 line_max;	/* request line, line end not counted */
	int		 crlf_required;	/* a bare LF is refused */
	int		 tls;		/* a TLS handshake comes first */
	int		 eof_ends_line;	/* a half-close ends the request */
	int		 local_addr;	/* the handler reads ctx->local */

	/* `line` is the request without its line end, NUL-terminated. */
	void		(*handle)(const struct request_ctx *, const char *line,
			    size_t len, struct response *);
	/* Fill an empty `r` with the protocol's answer to `why`. */
	void		(*refuse)(const struct request_ctx *, enum refusal why,
			    struct response *r);
};

#endif
