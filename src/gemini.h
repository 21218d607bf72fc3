/* SPDX-License-Identifier: ISC */
/* broadside: the Gemini protocol: request rules, routing, response header. */
#ifndef BROADSIDE_GEMINI_H
#define BROADSIDE_GEMINI_H

#include <stddef.h>

#include "gemini_reply.h"
#include "request.h"

#define GEMINI_URI_MAX		1024	/* bytes, CRLF not counted */

/* `line` is the request without its CRLF (it may contain anything). */
void	 gemini_handle(const struct request_ctx *, const char *line,
	    size_t len, struct response *);

/* Gemini as server.c sees it (protocol.h). */
struct protocol;
extern const struct protocol gemini_protocol;

#endif
