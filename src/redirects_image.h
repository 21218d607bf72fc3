/* SPDX-License-Identifier: ISC */
/*
 * broadside: the archive's moves as a flat image (the indexer parses
 * `.redirects` with redirects.c, checks every target against the
 * catalogue, and writes what is to be followed; workers map the image
 * and look paths up in place).  Each entry maps an old path to the final
 * statement of its chain; the entry that starts a chain (its path no
 * other entry leads to) is marked the statement's first name, which
 * keeps its Atom id.  Checked once at open; no lookup reads out of it,
 * whatever its bytes.
 */
#ifndef BROADSIDE_REDIRECTS_IMAGE_H
#define BROADSIDE_REDIRECTS_IMAGE_H

#include <stddef.h>
#include <stdint.h>

typedef int (*rdimg_sink_fn)(void *arg, const void *p, size_t n);

struct rdimg_entry {
	const char	*from;		/* relative to the archive folder */
	const char	*to;		/* a published statement */
	int		 origin;	/* the statement's first name */
};

/* Sorts e by from, then writes the image.  0, or -1 (memory, sink). */
int	 rdimg_write(struct rdimg_entry *e, size_t n, rdimg_sink_fn, void *);

struct rdimg {
	const uint8_t	*ents;		/* n x (from, to, origin) u32 */
	const uint8_t	*byto;		/* n x u32: entries sorted by to */
	const char	*pool;		/* ends with a NUL */
	uint32_t	 n, pool_len;
};

/* 0 when mem holds a well-formed image (8-byte aligned), else -1. */
int	 rdimg_open(struct rdimg *, const void *mem, size_t len);
/* The statement an old path leads to, or NULL. */
const char *rdimg_lookup(const struct rdimg *, const char *from);
/* A moved statement's first name, or NULL when it never moved. */
const char *rdimg_origin(const struct rdimg *, const char *to);

#endif
