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
#define SEARCH_PHRASE_MAX	8	/* words of a phrase; more are dropped */
#define SEARCH_PREFIX_TERMS_MAX	256	/* words a prefix stands for */

/*
 * The image, all integers little-endian, every section 8-byte aligned:
 *
 *	header	 64 bytes: magic "BSSRCH1\0", u32 version (1), u32 docs,
 *		 u32 nterms, u32 0, u64 dict_off, u64 str_off, u64 str_len,
 *		 u64 post_off, u64 post_len
 *	dict	 nterms entries of 32 bytes, sorted by term bytes (memcmp,
 *		 then length): u64 post_off, u64 post_len (in the postings
 *		 section), u32 str_off, u32 str_len (in the strings, 1 to
 *		 SEARCH_TOKEN_MAX), u32 df (documents), u32 0
 *	strings	 the folded terms, back to back
 *	postings per term, contiguous, in doc order, df postings of
 *		 varint doc (the first absolute, then the gap, >= 1),
 *		 varint tf << 1 | meta, varint plen, then plen bytes: tf
 *		 varints of pos << 1 | meta (the first absolute, then the
 *		 gap), pos = the word's place in the document, each
 *		 search_doc_add call starting one place after the last word
 *		 of the one before (so no phrase spans two)
 *
 * search_seg_open checks the header and the dictionary (bounds, order);
 * postings are checked as they are read: a malformed one ends its list.
 */
/* An image in memory (8-byte aligned), checked by search_seg_open. */
struct search_seg {
	const uint8_t	*mem;
	size_t		 len;
	uint32_t	 docs;		/* highest document id + 1 */
	uint32_t	 nterms;
	const uint8_t	*dict;		/* the parts of mem, checked */
	const uint8_t	*post;
	size_t		 dict_len, post_len;
	const uint8_t	*str;
	size_t		 str_len;
};

/*
 * 0 when mem holds a well-formed image (every offset and length in
 * bounds), else -1.  A query over a segment that opened never reads out
 * of its bounds, whatever its bytes.
 */
int	 search_seg_open(struct search_seg *, const void *mem, size_t len);

/*
 * The query over segments together: a slot counts when rank[slot] is
 * below SEARCH_RANK_NONE (slot < nrank); rank NULL: every slot counts,
 * ranked by its number.  Best first: query terms found in title/tags,
 * then occurrences, then the lowest rank.  Returns the number of query
 * terms used (0: none, nothing done), -1 on a memory failure; fills at
 * most max hits (doc = the slot) and *total.
 *
 * A prefix stands for the first SEARCH_PREFIX_TERMS_MAX words of the
 * segment's dictionary that start with it (dictionary order: the
 * shortest completions first), its tf the sum of theirs.  A phrase's tf
 * is how often the whole phrase occurs; it is a title/tag hit when one
 * occurrence is in title or tags.
 */
int	 search_seg_query(const struct search_seg *, size_t nseg,
	    const uint32_t *rank, size_t nrank, const char *q, size_t len,
	    struct search_hit *, size_t max, size_t *nhits, size_t *total);

/*
 * The query syntax, shared by search_seg_query and search_snippet: the
 * first SEARCH_QUERY_MAX bytes, split into words as search_tokenize
 * splits text.  Words between double quotes (" or the curly pair) are a
 * phrase (an unbalanced quote runs to the end; a phrase of one word is a
 * word); a word outside quotes followed by '*' is a prefix when it folds
 * to 2 bytes or more (else a word).  The same term twice counts once; at
 * most SEARCH_TERMS_MAX terms, later ones dropped.
 */
enum search_qkind {
	SEARCH_QWORD,
	SEARCH_QPHRASE,
	SEARCH_QPREFIX,
};

struct search_qterm {
	enum search_qkind kind;
	size_t		 n;		/* words: 1, or a phrase's */
	char		 w[SEARCH_PHRASE_MAX][SEARCH_TOKEN_MAX + 1];
	size_t		 wl[SEARCH_PHRASE_MAX];
};

struct search_qparse {
	struct search_qterm t[SEARCH_TERMS_MAX];
	size_t		 n;
};

/* Fills p; the number of terms. */
size_t	 search_query_parse(const char *q, size_t len,
	    struct search_qparse *p);

/*
 * AND query: every term must occur (words, "phrases", prefix*: see
 * search_query_parse in search_flat.h).  Best first: meta hits, then tf,
 * then the lowest doc id (the caller numbers documents newest first).
 * Returns the number of terms used (0: the query holds none, nothing
 * done), -1 on a memory failure; fills at most `max` hits and sets *total
 * to all matching documents.  Runs search_seg_query over the index's
 * image (an unfinished index writes one for each query: for tests).
 */
int	 search_query(const struct search_index *, const char *q, size_t len,
	    struct search_hit *, size_t max, size_t *nhits, size_t *total);

/*
 * A snippet of `text` around the first occurrence of a query term (a
 * phrase: its words in a row; a prefix: a word that starts so):
 * about SEARCH_SNIPPET_MAX bytes, blanks collapsed, gemtext line markers
 * dropped, cut on UTF-8 boundaries, "…" where cut.  0 when no term is
 * found (out is "").
 */
size_t	 search_snippet(const char *text, size_t len, const char *q,
	    size_t qlen, char *out, size_t outsz);

#endif
