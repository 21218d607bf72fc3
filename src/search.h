/* SPDX-License-Identifier: ISC */
/*
 * broadside: the full-text index over statements.  A compact in-memory
 * inverted index (one varint-packed posting list per term, term strings in
 * one arena), a tokenizer that folds case and Latin diacritics, AND
 * queries ranked by title/tag hits, then term frequency, then recency, and
 * snippets around the first hit.  Built off the event loop; read-only once
 * finished, so any number of readers may query it.
 */
#ifndef BROADSIDE_SEARCH_H
#define BROADSIDE_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#define SEARCH_QUERY_MAX	256	/* bytes, percent-decoded */
#define SEARCH_TERMS_MAX	16	/* words per query */
#define SEARCH_TOKEN_MAX	32	/* bytes of a folded token; longer cut */
#define SEARCH_RESULTS_MAX	50
#define SEARCH_SNIPPET_MAX	160	/* bytes of text around the first hit */

/*
 * Called for each token: folded text (not NUL-terminated), and the byte
 * range [start, end) of the word in the input.  Return 0 to go on, 1 to
 * stop.
 */
typedef int (*search_token_fn)(void *arg, const char *tok, size_t len,
    size_t start, size_t end);

/*
 * Split UTF-8 text into words and fold them: ASCII, Latin-1, Latin
 * Extended-A, Greek and Cyrillic letters lower-cased, Latin diacritics
 * removed (é -> e, ß -> ss, œ -> oe), combining marks dropped.  Words are
 * runs of letters and digits; punctuation, symbols and blanks separate
 * them; invalid UTF-8 bytes separate too.
 */
void	 search_tokenize(const char *, size_t, search_token_fn, void *);

/*
 * One code point folded as search_tokenize() folds it, into out (room for
 * 4 bytes): the number of bytes written, 0 when it is dropped (a combining
 * mark), -1 when it separates words (a blank, punctuation, a symbol, a
 * control character, U+FFFD).
 */
int	 search_fold_cp(uint32_t cp, char *out);

/* Fold one word into out (NUL-terminated); the folded length. */
size_t	 search_fold_word(const char *, size_t, char *, size_t);

struct search_index;

/*
 * Building: documents are added in increasing id order (ids are the
 * caller's slots, with gaps allowed).  Several builders over consecutive
 * id ranges can run in parallel threads and be merged in order.  Each
 * search_doc_add is a field of its own: word positions are kept, and no
 * phrase runs from one call into the next.  Words past the 2^24th of a
 * document are not indexed.
 */
struct search_index *search_new(void);
int	 search_doc_begin(struct search_index *, uint32_t doc);
/* `meta` = 1 for title and tags (ranked first), 0 for the body. */
int	 search_doc_add(struct search_index *, const char *, size_t, int meta);
int	 search_doc_end(struct search_index *);
/* Append `b`'s documents (all ids above a's) to `a`, then free `b`. */
int	 search_merge(struct search_index *a, struct search_index *b);
/*
 * Release build-time slack (an open document is dropped); after this the
 * index is read-only.  Its first search_query makes its image in memory
 * (search_flat.h) and frees the builder; search_write needs none.
 */
void	 search_finish(struct search_index *);
void	 search_free(struct search_index *);

size_t	 search_term_count(const struct search_index *);
size_t	 search_memory(const struct search_index *);	/* bytes held */

struct search_hit {
	uint32_t	 doc;
	uint32_t	 meta;		/* query words found in title/tags */
	uint32_t	 tf;		/* total occurrences of the words */
};

#define SEARCH_IMAGE_MAGIC	"BSSRCH1"	/* with its NUL: 8 bytes */
#define SEARCH_IMAGE_VERSION	1
#define SEARCH_IMAGE_HEADER	64
#define SEARCH_IMAGE_DICT_ENTRY	32

/* Receives the image in order; 0, or -1 to stop (search_write fails). */
typedef int (*search_sink_fn)(void *arg, const void *p, size_t n);

/*
 * Write the image of an index, finished or not (an unfinished one stays
 * open to more documents: the indexer's delta grows between writes).
 * 0, or -1 (memory, or the sink failed).
 */
int	 search_write(const struct search_index *, search_sink_fn, void *arg);

/*
 * The image of an index (search_flat.h reads it): a finished index's own,
 * made at the first call and kept (then its builder goes); an unfinished
 * one's, written for this call into *owned (the caller frees it).  0 or
 * -1 (memory).
 */
int	 search_image(const struct search_index *, const uint8_t **img,
	    size_t *len, uint8_t **owned);

#endif
