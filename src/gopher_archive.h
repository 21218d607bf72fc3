/* SPDX-License-Identifier: ISC */
/*
 * broadside: the archive over Gopher: the root menu, the archive, year and
 * tag menus, the feed as text, search (type 7), and statements as text or
 * as a menu, for a route, rendered once per snapshot where they can be.
 */
#ifndef BROADSIDE_GOPHER_ARCHIVE_H
#define BROADSIDE_GOPHER_ARCHIVE_H

#include "request.h"

struct route;

/*
 * Answer `route` into r: 1 when answered, 0 when the file tree serves it.
 * `search` holds the words after a TAB (has_search 0: none sent), as the
 * client sent them (any charset).
 */
int	 gopher_archive_serve(const struct request_ctx *, const struct route *,
	    const char *search, int has_search, struct response *);

#endif
