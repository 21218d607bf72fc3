/* SPDX-License-Identifier: ISC */
/*
 * broadside: the search index as a flat, position-independent image.
 * The indexer writes an index (search.h) as an image; every worker maps
 * the image file read-only and queries it in place, so one copy in the
 * page cache serves them all.  An archive's index is one or more
 * segments (a large base and a small delta of the statements changed
 * since), queried together; a document id is the statement's slot, the
 * same in every segment, and a rank table (slot -> place in the archive,
 * newest first) says which slots are alive and breaks ties.
 *
 * Queries: words (all must occur), "quoted phrases" (the words together
 * and in that order, within one field), and prefixes (migra*: any word
 * that starts so), mixed freely.
 */
#ifndef BROADSIDE_SEARCH_FLAT_H
#define BROADSIDE_SEARCH_FLAT_H

#include <stddef.h>
#include <stdint.h>

#include "search.h"

#define SEARCH_RANK_NONE	UINT32_MAX	/* a dead slot */

/* Receives the image in order; 0, or -1 to stop (search_write fails). */
typedef int (*search_sink_fn)(void *arg, const void *p, size_t n);

/*
 * Write the image of an index, finished or not (an unfinished one stays
 * open to more documents: the indexer's delta grows between writes).
 * 0, or -1 (memory, or the sink failed).
 */
int	 search_write(const struct search_index *, search_sink_fn, void *arg);

/* An image in memory (8-byte aligned), checked by search_seg_open. */
struct search_seg {
	const uint8_t	*mem;
	size_t		 len;
	uint32_t	 docs;		/* highest document id + 1 */
	uint32_t	 nterms;
	const uint8_t	*dict;		/* the parts of mem, checked */
	const uint8_t	*post;
	size_t		 dict_len, post_len;
};

/*
 * 0 when mem holds a well-formed image (every offset and length in
 * bounds), else -1.  A query over a segment that opened never reads out
 * of its bounds, whatever its bytes.
 */
int	 search_seg_open(struct search_seg *, const void *mem, size_t len);

/*
 * The query over segments together: a slot counts when rank[slot] is
 * below SEARCH_RANK_NONE (slot < nrank).  Best first: query words found
 * in title/tags, then occurrences, then the lowest rank.  Returns the
 * number of query terms used (0: none, nothing done), -1 on a memory
 * failure; fills at most max hits (doc = the slot) and *total.
 */
int	 search_seg_query(const struct search_seg *, size_t nseg,
	    const uint32_t *rank, size_t nrank, const char *q, size_t len,
	    struct search_hit *, size_t max, size_t *nhits, size_t *total);

#endif
