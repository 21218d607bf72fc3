/* SPDX-License-Identifier: ISC */
/* broadside: the Gopher protocol: selectors, routing, errors. */
#ifndef BROADSIDE_GOPHER_H
#define BROADSIDE_GOPHER_H

#include <stddef.h>

#include "request.h"

/*
 * The request line: selector, and after a TAB any search words or Gopher+
 * field, line end not counted.  RFC 1436 asks selectors to stay within 255
 * bytes; longer ones exist (URL: links, deep paths), so allow 1024.  A
 * longer line is refused with a type 3 error.
 */
#define GOPHER_SELECTOR_MAX	1024

struct gopher_request {
	char	 selector[GOPHER_SELECTOR_MAX + 1];	/* type prefix removed */
	char	 search[GOPHER_SELECTOR_MAX + 1];	/* words after a TAB */
	int	 has_search;
	int	 gopher_plus;	/* a TAB and '+', '!' or '$' was sent */
};

/* Pure: the request line without its line end.  0 or -1 with errstr. */
int	 gopher_parse(const char *line, size_t len, struct gopher_request *,
	    const char **errstr);

void	 gopher_handle(const struct request_ctx *, const char *line,
	    size_t len, struct response *);

/* A type 3 error menu into r->out. */
void	 gopher_error(const struct request_ctx *, struct response *,
	    const char *reason);

/* Gopher as server.c sees it (protocol.h). */
struct protocol;
extern const struct protocol gopher_protocol;

#endif
