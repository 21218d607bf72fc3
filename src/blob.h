/* SPDX-License-Identifier: ISC */
/*
 * broadside: a reference-counted byte blob, the one way a response borrows
 * bytes it does not own (a generated page, a cached file, a rendered
 * statement).  The owner keeps one reference, each response being sent
 * another, so an eviction or a new archive snapshot never frees bytes on
 * their way out.  Touched by one thread (the worker's event loop).
 */
#ifndef BROADSIDE_BLOB_H
#define BROADSIDE_BLOB_H

#include <stddef.h>

#include "buf.h"

struct response;

struct blob {
	int	 refs;
	size_t	 len;
	char	*data;		/* NUL-terminated */
};

/* Takes over b's bytes (b is reset); one reference.  NULL when b failed
 * or on no memory (b is freed either way). */
struct blob	*blob_from_buf(struct buf *b);
/* A copy of len bytes; one reference.  NULL on no memory. */
struct blob	*blob_copy(const void *, size_t len);
void		 blob_ref(struct blob *);
void		 blob_release(void *blob);
/* The response sends the blob's bytes after its header, holding one
 * reference until it is freed. */
void		 blob_lend(struct blob *, struct response *);

/* The pages of one listing (a year, a tag), made once and kept. */
struct blob_pages {
	struct blob	**page;
	size_t		 n;
	int		 done;		/* rendered (n may still be 0) */
};

/* Releases every page of rows[0..count) and frees the array. */
void		 blob_pages_free(struct blob_pages *rows, size_t count);

#endif
