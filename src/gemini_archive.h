/* SPDX-License-Identifier: ISC */
/*
 * broadside: the archive over Gemini: the generated pages (home, archive,
 * years, tags, feed, search) of the current snapshot for a route, rendered
 * once per snapshot and lent to responses by reference.
 */
#ifndef BROADSIDE_GEMINI_ARCHIVE_H
#define BROADSIDE_GEMINI_ARCHIVE_H

#include "request.h"

struct route;

/*
 * Answer `route` into r: 1 when answered (a page, a 10 prompt, a 31, a
 * 51 …), 0 when the file tree serves it.  `path` is the request's path
 * as sent (still percent-encoded, for redirects); `query` raw, or NULL
 * when the URI had no '?'.
 */
int	 gemini_archive_serve(const struct request_ctx *, const struct route *,
	    const char *path, const char *query, struct response *);

/* The Atom feed of a snapshot (rendered once), or NULL. */
struct blob;
struct snapshot;
const struct blob *gemini_archive_feed(const struct request_ctx *,
		    struct snapshot *);

/* The `lang` of the statement a route names, or NULL. */
const char	*gemini_archive_lang(const struct request_ctx *,
		    const struct route *);

#endif
