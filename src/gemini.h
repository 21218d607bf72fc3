/* SPDX-License-Identifier: ISC */
/* broadside: the Gemini protocol: request rules, routing, response header. */
#ifndef BROADSIDE_GEMINI_H
#define BROADSIDE_GEMINI_H

#include <stddef.h>

#include "request.h"

#define GEMINI_URI_MAX		1024	/* bytes, CRLF not counted */
#define GEMINI_META_MAX		1024

/* `line` is the request without its CRLF (it may contain anything). */
void	 gemini_handle(const struct request_ctx *, const char *line,
	    size_t len, struct response *);

/*
 * Start a reply: "<code> <meta>\r\n" into the empty r->out (meta cut to the
 * limit), and record where the header ends in r->head_len.
 */
void	 gemini_reply(struct response *, int code, const char *meta);

/* Gemini as server.c sees it (protocol.h). */
struct protocol;
extern const struct protocol gemini_protocol;

#endif
