/*
 * libFuzzer target: flat search images (search_flat.h) from a hostile
 * source.
 *
 * Input, by its first byte:
 *	'I'	the rest is an image, as it is (copied into a buffer of its
 *		exact size, 8-byte aligned, so ASan sees any read past it)
 *	other	the rest is "edits|text": the text, split at newlines, is
 *		indexed as documents (each line a title then a body, ids
 *		with gaps), the image written, and then changed by the
 *		edits: each pair of bytes (offset step, xor value)
 *
 * Whenever search_seg_open takes the image, queries of every kind run
 * over it (words, phrases, prefixes, several terms, the image twice as
 * two segments, with and without a rank table): they must return, stay
 * in bounds, and give at most as many hits as they count.  An image made
 * by search_write and left alone must open.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "search.h"
#include "search_flat.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(c)	do {						\
	if (!(c)) {							\
		fprintf(stderr, "fuzz_search_image.c:%d: %s\n", __LINE__, \
		    #c);						\
		abort();						\
	}								\
} while (0)

static const char *const queries[] = {
	"guard", "national guard", "\"national guard\"", "gu*", "a*",
	"\"the national guard was\"", "na* gu* \"a b\"", "\"a a\"",
	"x y z w", "\xce\xb1\xce\xb8*", "\"", "aa* \"b c\" d",
};

static void
run_queries(const struct search_seg *sg)
{
	struct search_hit	 h[8];
	struct search_seg	 two[2];
	uint32_t		 rank[64];
	size_t			 i, n, total;
	int			 rc;

	for (i = 0; i < 64; i++)
		rank[i] = i % 3 == 2 ? SEARCH_RANK_NONE : (uint32_t)(63 - i);
	two[0] = two[1] = *sg;
	for (i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		rc = search_seg_query(sg, 1, NULL, 0, queries[i],
		    strlen(queries[i]), h, 8, &n, &total);
		CHECK(rc >= -1 && n <= 8 && n <= total);
		rc = search_seg_query(two, 2, rank, 64, queries[i],
		    strlen(queries[i]), h, 3, &n, &total);
		CHECK(rc >= -1 && n <= 3 && n <= total);
		for (size_t k = 0; k < n; k++)
			CHECK(h[k].doc < 64 && rank[h[k].doc] !=
			    SEARCH_RANK_NONE);
	}
}

struct img {
	uint8_t	*p;
	size_t	 len, cap;
};

static int
img_sink(void *arg, const void *p, size_t n)
{
	struct img	*m = arg;
	uint8_t		*np;

	if (m->len + n > m->cap) {
		size_t	 cap = m->cap ? m->cap : 1024;

		while (cap < m->len + n)
			cap *= 2;
		if ((np = realloc(m->p, cap)) == NULL)
			return -1;
		m->p = np;
		m->cap = cap;
	}
	memcpy(m->p + m->len, p, n);
	m->len += n;
	return 0;
}

/* The text's lines as documents; the image of their index. */
static int
build_image(const char *text, size_t len, struct img *m)
{
	struct search_index	*ix;
	const char		*nl, *end = text + len, *p = text;
	uint32_t		 id = 0;
	int			 rc = -1;

	if ((ix = search_new()) == NULL)
		return -1;
	while (p < end) {
		const char	*mid;

		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		mid = p + (nl - p) / 3;		/* a third title */
		if (search_doc_begin(ix, id) == -1 ||
		    search_doc_add(ix, p, (size_t)(mid - p), 1) == -1 ||
		    search_doc_add(ix, mid, (size_t)(nl - mid), 0) == -1 ||
		    search_doc_end(ix) == -1)
			goto done;
		id += 1 + (uint32_t)(nl - p) % 3;	/* not dense */
		p = nl + 1;
	}
	rc = search_write(ix, img_sink, m);
done:
	search_free(ix);
	return rc;
}

static void
try_image(const uint8_t *p, size_t len, int must_open)
{
	struct search_seg	 sg;
	uint64_t		*al;

	/* Exactly len bytes (rounded up to whole words: the tail poisoned
	 * by ASan all the same, since malloc is asked for len). */
	if ((al = malloc(len ? len : 1)) == NULL)
		return;
	memcpy(al, p, len);
	if (search_seg_open(&sg, al, len) == 0) {
		CHECK(sg.dict_len == (size_t)sg.nterms *
		    SEARCH_IMAGE_DICT_ENTRY);
		run_queries(&sg);
	} else
		CHECK(!must_open);
	free(al);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct img	 m = { NULL, 0, 0 };
	const uint8_t	*bar;
	size_t		 i, off = 0, nedit;

	if (len == 0)
		return 0;
	if (data[0] == 'I') {
		try_image(data + 1, len - 1, 0);
		return 0;
	}
	data++;
	len--;
	bar = memchr(data, '|', len);
	nedit = bar != NULL ? (size_t)(bar - data) : 0;
	if (build_image((const char *)(bar != NULL ? bar + 1 : data),
	    bar != NULL ? len - nedit - 1 : len, &m) == -1) {
		free(m.p);
		return 0;
	}
	try_image(m.p, m.len, 1);
	for (i = 0; i + 1 < nedit && m.len > 0; i += 2) {
		off = (off + data[i]) % m.len;
		m.p[off] ^= data[i + 1] ? data[i + 1] : 0x80;
	}
	if (nedit >= 2)
		try_image(m.p, m.len, 0);
	free(m.p);
	return 0;
}
