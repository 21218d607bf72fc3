/* SPDX-License-Identifier: ISC */
/*
 * broadside: a small-response cache.  Responses (a header already made and
 * a body blob) keyed by a string, kept in least-recently-used order within
 * a byte budget, and checked against the stat of the file they came from
 * at most once a second, so a changed file is served fresh within a second
 * with no stat per request.  One worker keeps one for small files and
 * listings; the Gopher renderer keeps one per archive snapshot for
 * rendered statements.  Touched by the worker's event loop only.
 */
#ifndef BROADSIDE_CACHE_H
#define BROADSIDE_CACHE_H

#include <sys/types.h>
#include <sys/stat.h>
#include <stddef.h>

#include "request.h"

#define CACHE_REVALIDATE_MSEC	1000
#define CACHE_TOTAL_FACTOR	32	/* total bytes = factor * max file */

struct blob;
struct cache;

/* Entries of at most max_entry body bytes, max_total in all.  max_entry 0:
 * a cache that keeps nothing.  NULL on no memory. */
struct cache	*cache_new(size_t max_entry, size_t max_total);
void		 cache_free(struct cache *);

/*
 * On a hit (still valid) the header goes to r->out and the body is lent
 * to r by reference; returns 1.  0 on a miss.  `key` names the response
 * (the protocol and the request, and whatever else it depends on).
 */
int	 cache_serve(struct cache *, int rootfd, const char *key,
	    struct response *r);

/*
 * Keep a response under `key`; `statpath` is the file or directory (under
 * the root) whose stat `st` decides whether it is still valid.  The body
 * is copied (cache_store) or referenced (cache_store_blob).
 */
void	 cache_store(struct cache *, const char *key, const char *statpath,
	    const struct stat *st, int status, const char *head,
	    size_t headlen, const char *body, size_t bodylen);
void	 cache_store_blob(struct cache *, const char *key,
	    const char *statpath, const struct stat *st, int status,
	    const char *head, size_t headlen, struct blob *body);

/*
 * A key made of parts joined by a unit separator (0x1f), NUL-terminated;
 * NULL parts are empty.  0, or -1 when it does not fit (no key then).
 * Made by copies: it is on every request's path.
 */
int	 cache_key(char *out, size_t outsz, const char *a, const char *b,
	    const char *c);

/* 1 if a body of this size would be kept. */
int	 cache_wants(const struct cache *, size_t bodylen);

#endif
