/* SPDX-License-Identifier: ISC */
/*
 * broadside: the small-response cache of one worker.  Small files and
 * directory listings, with their header already made, keyed by protocol
 * and path and checked against the file's stat at most once a second, so
 * a changed file is served fresh within a second with no stat per request.
 */
#ifndef BROADSIDE_CACHE_H
#define BROADSIDE_CACHE_H

#include <sys/types.h>
#include <sys/stat.h>
#include <stddef.h>

#include "request.h"

#define CACHE_REVALIDATE_MSEC	1000
#define CACHE_GEMINI		0
#define CACHE_GOPHER		1
#define CACHE_TOTAL_FACTOR	32	/* total bytes = factor * max file */

/* Per worker, once.  max_file 0 disables the cache. */
void	 cache_init(size_t max_file);
void	 cache_clear(void);

/*
 * On a hit (still valid) the header goes to r->out and the body is lent
 * to r by reference; returns 1.  0 on a miss.
 */
int	 cache_serve(int rootfd, int proto, const char *path,
	    struct response *r);

/*
 * Keep a response for `path`; `statpath` is the file or directory whose
 * stat `st` decides whether it is still valid (an index.gmi for a folder).
 */
void	 cache_store(int proto, const char *path, const char *statpath,
	    const struct stat *st,
	    int status, const char *head, size_t headlen, const char *body,
	    size_t bodylen);

/* 1 if a body of this size would be kept. */
int	 cache_wants(size_t bodylen);

#endif
