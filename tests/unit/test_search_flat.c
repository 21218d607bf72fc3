/* SPDX-License-Identifier: ISC */
/*
 * Unit tests: the flat search image (search_flat.h): the round trip from
 * an index, phrases, prefixes, several segments with a rank table, ids
 * that are not dense, an index written while it grows, and images that
 * are cut or corrupted.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "search.h"
#include "search_flat.h"

struct img {
	uint8_t	*p;
	size_t	 len, cap;
};

static int
img_sink(void *arg, const void *p, size_t n)
{
	struct img	*m = arg;

	if (m->len + n > m->cap) {
		size_t	 cap = m->cap ? m->cap : 256;

		while (cap < m->len + n)
			cap *= 2;
		if ((m->p = realloc(m->p, cap)) == NULL)
			return -1;
		m->cap = cap;
	}
	memcpy(m->p + m->len, p, n);
	m->len += n;
	return 0;
}

/* The image of ix, in a buffer of exactly its size (for ASan). */
static struct img
image_of(const struct search_index *ix)
{
	struct img	 m = { NULL, 0, 0 };
	uint8_t		*exact;

	assert_int_equal(search_write(ix, img_sink, &m), 0);
	assert_true(m.len >= SEARCH_IMAGE_HEADER);
	exact = malloc(m.len);
	assert_non_null(exact);
	memcpy(exact, m.p, m.len);
	free(m.p);
	m.p = exact;
	m.cap = m.len;
	return m;
}

struct doc {
	uint32_t	 id;
	const char	*title, *body;
};

static void
add(struct search_index *ix, const struct doc *d)
{
	assert_int_equal(search_doc_begin(ix, d->id), 0);
	assert_int_equal(search_doc_add(ix, d->title, strlen(d->title), 1), 0);
	assert_int_equal(search_doc_add(ix, d->body, strlen(d->body), 0), 0);
	assert_int_equal(search_doc_end(ix), 0);
}

static struct search_index *
build(const struct doc *d, size_t n, int finish)
{
	struct search_index	*ix = search_new();
	size_t			 i;

	assert_non_null(ix);
	for (i = 0; i < n; i++)
		add(ix, &d[i]);
	if (finish)
		search_finish(ix);
	return ix;
}

/* The hits of a query over one segment, rank = slot. */
static int
seg_q(const struct search_seg *sg, size_t nseg, const uint32_t *rank,
    size_t nrank, const char *q, struct search_hit *h, size_t *n,
    size_t *total)
{
	return search_seg_query(sg, nseg, rank, nrank, q, strlen(q), h,
	    SEARCH_RESULTS_MAX, n, total);
}

static const struct doc docs[] = {
	{ 0, "Newest note", "the national guard was sent" },
	{ 1, "Guard news", "the guard and the national guard and more "
	    "national news" },
	{ 2, "Old piece", "national guard national guard national guard" },
	{ 3, "Oldest piece", "national guard" },
	{ 4, "Other", "nothing to see here, guard only" },
};
#define NDOCS	(sizeof(docs) / sizeof(docs[0]))

static void
test_round_trip(void **state)
{
	static const char *const qs[] = { "national guard", "guard", "piece",
	    "newest", "the", "zzz", "guard zzz", " ,; " };
	struct search_index	*ix = build(docs, NDOCS, 0);
	struct search_hit	 h1[SEARCH_RESULTS_MAX], h2[SEARCH_RESULTS_MAX];
	struct search_seg	 sg;
	struct img		 m;
	size_t			 i, n1, n2, t1, t2;
	int			 r1, r2;

	(void)state;
	m = image_of(ix);
	search_finish(ix);
	assert_int_equal(search_seg_open(&sg, m.p, m.len), 0);
	assert_int_equal(sg.docs, NDOCS);
	assert_int_equal(sg.nterms, search_term_count(ix));
	for (i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		r1 = search_query(ix, qs[i], strlen(qs[i]), h1,
		    SEARCH_RESULTS_MAX, &n1, &t1);
		r2 = seg_q(&sg, 1, NULL, 0, qs[i], h2, &n2, &t2);
		assert_int_equal(r1, r2);
		assert_int_equal(n1, n2);
		assert_int_equal(t1, t2);
		assert_memory_equal(h1, h2, n1 * sizeof(h1[0]));
	}
	/* The finished index writes the same image. */
	{
		struct img	 m2 = image_of(ix);

		assert_int_equal(m2.len, m.len);
		assert_memory_equal(m2.p, m.p, m.len);
		free(m2.p);
	}
	free(m.p);
	search_free(ix);
}

static const struct doc phr[] = {
	{ 0, "Stop the war", "the national guard was sent" },
	{ 1, "guard national", "national guard, national GUARD" },
	{ 2, "", "guard the national" },
	{ 3, "national", "guard x" },		/* across the fields */
	{ 4, "National Guard news", "nothing" },
	{ 5, "", "a a a b" },
};

static void
test_phrases(void **state)
{
	struct search_index	*ix = build(phr, 6, 1);
	struct search_hit	 h[SEARCH_RESULTS_MAX];
	size_t			 n, total;

	(void)state;
	assert_int_equal(search_query(ix, "\"national guard\"", 16, h,
	    SEARCH_RESULTS_MAX, &n, &total), 1);
	assert_int_equal(total, 3);
	assert_int_equal(h[0].doc, 4);		/* in the title */
	assert_int_equal(h[0].meta, 1);
	assert_int_equal(h[0].tf, 1);
	assert_int_equal(h[1].doc, 1);		/* twice in the body */
	assert_int_equal(h[1].meta, 0);
	assert_int_equal(h[1].tf, 2);
	assert_int_equal(h[2].doc, 0);
	/* Order matters. */
	assert_int_equal(search_query(ix, "\"guard national\"", 16, h,
	    SEARCH_RESULTS_MAX, &n, &total), 1);
	assert_int_equal(total, 1);
	assert_int_equal(h[0].doc, 1);
	assert_int_equal(h[0].meta, 1);
	assert_int_equal(h[0].tf, 2);		/* title + body */
	/* Adjacent only; a phrase plus a word; overlapping occurrences. */
	assert_int_equal(search_query(ix, "\"guard sent\"", 12, h,
	    SEARCH_RESULTS_MAX, &n, &total), 1);
	assert_int_equal(total, 0);
	assert_int_equal(search_query(ix, "\"guard was sent\" war", 20, h,
	    SEARCH_RESULTS_MAX, &n, &total), 2);
	assert_int_equal(total, 1);
	assert_int_equal(h[0].doc, 0);
	assert_int_equal(search_query(ix, "\"a a\"", 5, h, SEARCH_RESULTS_MAX,
	    &n, &total), 1);
	assert_int_equal(total, 1);
	assert_int_equal(h[0].tf, 2);
	/* Unbalanced: to the end; one word in quotes is a word. */
	assert_int_equal(search_query(ix, "nothing \"national guard", 23, h,
	    SEARCH_RESULTS_MAX, &n, &total), 2);
	assert_int_equal(total, 1);
	assert_int_equal(h[0].doc, 4);
	assert_int_equal(search_query(ix, "\"x\"", 3, h, SEARCH_RESULTS_MAX,
	    &n, &total), 1);
	assert_int_equal(total, 1);
	assert_int_equal(h[0].doc, 3);
	/* Curly quotes too. */
	assert_int_equal(search_query(ix, "\xe2\x80\x9cguard national"
	    "\xe2\x80\x9d", 20, h, SEARCH_RESULTS_MAX, &n, &total), 1);
	assert_int_equal(total, 1);
	search_free(ix);
}

/* Two calls for the body: no phrase across them. */
static void
test_phrase_not_across_calls(void **state)
{
	struct search_index	*ix = search_new();
	struct search_hit	 h[4];
	size_t			 n, total;

	(void)state;
	assert_int_equal(search_doc_begin(ix, 0), 0);
	assert_int_equal(search_doc_add(ix, "a national", 10, 0), 0);
	assert_int_equal(search_doc_add(ix, "guard b", 7, 0), 0);
	assert_int_equal(search_doc_end(ix), 0);
	search_finish(ix);
	search_query(ix, "national guard", 14, h, 4, &n, &total);
	assert_int_equal(total, 1);
	search_query(ix, "\"national guard\"", 16, h, 4, &n, &total);
	assert_int_equal(total, 0);
	search_query(ix, "\"guard b\"", 9, h, 4, &n, &total);
	assert_int_equal(total, 1);
	search_free(ix);
}

static const struct doc pre[] = {
	{ 0, "", "migrant workers" },
	{ 1, "Migration", "the migration of migrants" },
	{ 2, "", "mig m mi" },
	{ 3, "", "emigration" },
};

static void
test_prefixes(void **state)
{
	struct search_index	*ix = build(pre, 4, 1);
	struct search_hit	 h[SEARCH_RESULTS_MAX];
	size_t			 n, total;

	(void)state;
	assert_int_equal(search_query(ix, "migra*", 6, h, SEARCH_RESULTS_MAX,
	    &n, &total), 1);
	assert_int_equal(total, 2);
	assert_int_equal(h[0].doc, 1);
	assert_int_equal(h[0].meta, 1);
	assert_int_equal(h[0].tf, 3);		/* migration x2, migrants */
	assert_int_equal(h[1].doc, 0);
	/* One byte before '*': the word itself. */
	assert_int_equal(search_query(ix, "m*", 2, h, SEARCH_RESULTS_MAX, &n,
	    &total), 1);
	assert_int_equal(total, 1);
	assert_int_equal(h[0].doc, 2);
	assert_int_equal(h[0].tf, 1);
	/* Two bytes: a prefix (mig, mi, migrant...). */
	assert_int_equal(search_query(ix, "mi*", 3, h, SEARCH_RESULTS_MAX, &n,
	    &total), 1);
	assert_int_equal(total, 3);
	/* Folded like words; a prefix with a word. */
	assert_int_equal(search_query(ix, "MIGRÁ* workers", 15, h,
	    SEARCH_RESULTS_MAX, &n, &total), 2);
	assert_int_equal(total, 1);
	assert_int_equal(h[0].doc, 0);
	assert_int_equal(search_query(ix, "zz*", 3, h, SEARCH_RESULTS_MAX, &n,
	    &total), 1);
	assert_int_equal(total, 0);
	/* Inside quotes '*' is nothing. */
	assert_int_equal(search_query(ix, "\"migra* workers\"", 16, h,
	    SEARCH_RESULTS_MAX, &n, &total), 1);
	assert_int_equal(total, 0);
	search_free(ix);
}

/* More words start so than a prefix stands for: the first ones. */
static void
test_prefix_cap(void **state)
{
	struct search_index	*ix = search_new();
	struct search_hit	 h[4];
	char			 w[32];
	size_t			 i, n, total;

	(void)state;
	for (i = 0; i < SEARCH_PREFIX_TERMS_MAX + 50; i++) {
		snprintf(w, sizeof(w), "pre%04zu", i);
		assert_int_equal(search_doc_begin(ix, i), 0);
		assert_int_equal(search_doc_add(ix, w, strlen(w), 0), 0);
		assert_int_equal(search_doc_end(ix), 0);
	}
	search_finish(ix);
	search_query(ix, "pre*", 4, h, 4, &n, &total);
	assert_int_equal(total, SEARCH_PREFIX_TERMS_MAX);
	assert_int_equal(h[0].doc, 0);
	search_free(ix);
}

/*
 * A base and a delta: slots 0-4 in the base, 5, 9 and 12 in the delta
 * (ids not dense); slot 2 replaced by 9, slot 4 deleted.  The rank table
 * orders them otherwise than their slots.
 */
static void
test_segments_rank(void **state)
{
	static const struct doc delta[] = {
		{ 5, "", "guard guard" },
		{ 9, "Old piece, changed", "national guard" },
		{ 12, "", "guard" },
	};
	struct search_index	*a = build(docs, NDOCS, 1);
	struct search_index	*b = build(delta, 3, 0);
	struct search_seg	 sg[2];
	struct search_hit	 h[SEARCH_RESULTS_MAX];
	struct img		 ma, mb;
	uint32_t		 rank[13];
	size_t			 i, n, total;

	(void)state;
	ma = image_of(a);
	mb = image_of(b);
	assert_int_equal(search_seg_open(&sg[0], ma.p, ma.len), 0);
	assert_int_equal(search_seg_open(&sg[1], mb.p, mb.len), 0);
	assert_int_equal(sg[1].docs, 13);
	for (i = 0; i < 13; i++)
		rank[i] = SEARCH_RANK_NONE;
	/* Newest first: 12, 0, 9, 1, 3, 5. */
	rank[12] = 0;
	rank[0] = 1;
	rank[9] = 2;
	rank[1] = 3;
	rank[3] = 4;
	rank[5] = 5;
	assert_int_equal(seg_q(sg, 2, rank, 13, "guard", h, &n, &total), 1);
	assert_int_equal(total, 6);
	assert_int_equal(h[0].doc, 1);		/* in the title */
	assert_int_equal(h[1].doc, 5);		/* tf 2 */
	assert_int_equal(h[1].tf, 2);
	/* tf 1: by rank, 12, 0, 9, 3 (slots 2 and 4 are dead). */
	assert_int_equal(h[2].doc, 12);
	assert_int_equal(h[3].doc, 0);
	assert_int_equal(h[4].doc, 9);
	assert_int_equal(h[5].doc, 3);
	for (i = 0; i < n; i++)
		assert_true(h[i].doc != 2 && h[i].doc != 4);
	assert_int_equal(seg_q(sg, 2, rank, 13, "national guard", h, &n,
	    &total), 2);
	assert_int_equal(total, 4);		/* 0, 1, 3, 9 */
	/* Ranks past the table are dead; rank NULL: all alive. */
	assert_int_equal(seg_q(sg, 2, rank, 6, "guard", h, &n, &total), 1);
	assert_int_equal(total, 4);		/* 0, 1, 3, 5 */
	assert_int_equal(seg_q(sg, 2, NULL, 0, "guard", h, &n, &total), 1);
	assert_int_equal(total, 8);
	/* Ties by rank: one tf each, no title. */
	assert_int_equal(seg_q(sg, 2, rank, 13, "\"national guard\"", h, &n,
	    &total), 1);
	assert_int_equal(total, 4);
	assert_int_equal(h[0].doc, 0);
	assert_int_equal(h[1].doc, 9);
	assert_int_equal(h[2].doc, 1);
	assert_int_equal(h[3].doc, 3);
	free(ma.p);
	free(mb.p);
	search_free(a);
	search_free(b);
}

/* The indexer's delta: written, grown, written again, never finished. */
static void
test_append_and_rewrite(void **state)
{
	static const struct doc more[] = {
		{ 40, "", "late national guard" },
		{ 41, "Guard", "later" },
	};
	struct search_index	*ix = build(docs, 3, 0);
	struct search_hit	 h[SEARCH_RESULTS_MAX];
	struct search_seg	 sg;
	struct img		 m1, m2, m3;
	size_t			 n, total;

	(void)state;
	m1 = image_of(ix);
	assert_int_equal(search_seg_open(&sg, m1.p, m1.len), 0);
	assert_int_equal(sg.docs, 3);
	seg_q(&sg, 1, NULL, 0, "guard", h, &n, &total);
	assert_int_equal(total, 3);
	add(ix, &more[0]);
	add(ix, &more[1]);
	/* An open document is not in the image. */
	assert_int_equal(search_doc_begin(ix, 50), 0);
	assert_int_equal(search_doc_add(ix, "guard unique", 12, 0), 0);
	m2 = image_of(ix);
	assert_int_equal(search_doc_end(ix), 0);
	m3 = image_of(ix);
	assert_int_equal(search_seg_open(&sg, m2.p, m2.len), 0);
	assert_int_equal(sg.docs, 42);
	seg_q(&sg, 1, NULL, 0, "guard", h, &n, &total);
	assert_int_equal(total, 5);
	assert_int_equal(h[0].doc, 1);
	assert_int_equal(h[1].doc, 41);
	seg_q(&sg, 1, NULL, 0, "\"national guard\"", h, &n, &total);
	assert_int_equal(total, 4);		/* 0, 1, 2, 40 */
	seg_q(&sg, 1, NULL, 0, "unique", h, &n, &total);
	assert_int_equal(total, 0);
	assert_int_equal(search_seg_open(&sg, m3.p, m3.len), 0);
	seg_q(&sg, 1, NULL, 0, "unique", h, &n, &total);
	assert_int_equal(total, 1);
	assert_int_equal(h[0].doc, 50);
	/* And an in-memory query of the growing index agrees. */
	search_query(ix, "\"national guard\"", 16, h, SEARCH_RESULTS_MAX, &n,
	    &total);
	assert_int_equal(total, 4);
	free(m1.p);
	free(m2.p);
	free(m3.p);
	search_free(ix);
}

/* Queries that touch every kind of list, over an image that opened. */
static void
poke(const uint8_t *p, size_t len)
{
	static const char *const qs[] = { "guard", "national guard",
	    "\"national guard\"", "gu*", "na* \"the guard\"", "piece*",
	    "\"guard national guard\" nothing", "zz*" };
	struct search_seg	 sg;
	struct search_hit	 h[4];
	size_t			 i, n, total;

	if (search_seg_open(&sg, p, len) == -1)
		return;
	for (i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		assert_true(search_seg_query(&sg, 1, NULL, 0, qs[i],
		    strlen(qs[i]), h, 4, &n, &total) >= 0);
		assert_true(n <= 4 && n <= total);
	}
}

static void
test_corrupt_images(void **state)
{
	struct search_index	*ix = build(docs, NDOCS, 1);
	struct search_seg	 sg;
	struct img		 m = image_of(ix);
	uint8_t			*cut;
	size_t			 len, i, k;
	static const uint8_t	 x[] = { 0x01, 0x80, 0xff, 0x7f, 0x40 };

	(void)state;
	assert_int_equal(search_seg_open(&sg, m.p, m.len), 0);
	/* Cut anywhere: refused (the postings run to the end). */
	for (len = 0; len < m.len; len++) {
		cut = malloc(len ? len : 1);
		assert_non_null(cut);
		memcpy(cut, m.p, len);
		assert_int_equal(search_seg_open(&sg, cut, len), -1);
		free(cut);
	}
	/* A byte changed anywhere: refused, or queries stay in bounds. */
	cut = malloc(m.len);
	assert_non_null(cut);
	for (i = 0; i < m.len; i++)
		for (k = 0; k < sizeof(x); k++) {
			memcpy(cut, m.p, m.len);
			cut[i] ^= x[k];
			poke(cut, m.len);
		}
	/* A sorted dictionary is part of the format. */
	memcpy(cut, m.p, m.len);
	{
		uint8_t	 e[SEARCH_IMAGE_DICT_ENTRY];
		uint8_t	*d = cut + SEARCH_IMAGE_HEADER;

		memcpy(e, d, sizeof(e));
		memcpy(d, d + sizeof(e), sizeof(e));
		memcpy(d + sizeof(e), e, sizeof(e));
		assert_int_equal(search_seg_open(&sg, cut, m.len), -1);
	}
	free(cut);
	free(m.p);
	search_free(ix);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_phrases),
		cmocka_unit_test(test_phrase_not_across_calls),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_prefix_cap),
		cmocka_unit_test(test_segments_rank),
		cmocka_unit_test(test_append_and_rewrite),
		cmocka_unit_test(test_corrupt_images),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
