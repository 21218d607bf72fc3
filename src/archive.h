/* SPDX-License-Identifier: ISC */
/*
 * broadside: the archive of dated statements: the in-memory index, rebuilt
 * beside the old one and swapped when content changes, and the generated
 * pages of both protocols.
 */
#ifndef BROADSIDE_ARCHIVE_H
#define BROADSIDE_ARCHIVE_H

#include "request.h"

struct config;
struct event_base;

/* Build the first index and start watching (inotify / stat scan). */
/* (SIGHUP needs nothing here: the parent starts new workers, and each
 * builds a fresh index.) */
int	 archive_start(struct event_base *, const struct config *, int rootfd);
void	 archive_stop(void);

/*
 * A file open for reading and writing that sibling workers share: their
 * builds take turns under a lock on it (see archive.c).  -1: no turns.
 * Call before archive_start.
 */
void	 archive_set_turns(int fd);

/*
 * Generated routes.  Return 1 when the request was answered into `r`
 * (a page, a 10 prompt, a redirect, a 51 ...), 0 when the path is not an
 * archive route and should be served from the content root.
 * `path` is decoded and normalised; `query` is still percent-encoded
 * (NULL when the URI had no '?').
 */
int	 archive_gemini(const struct request_ctx *, const char *path,
	    const char *query, struct response *r);
int	 archive_gopher(const struct request_ctx *, const char *selector,
	    const char *search, int has_search, struct response *r);

/* The `lang` of the statement at `path` (decoded), or NULL. */
const char	*archive_lang_for(const char *path);

#endif
