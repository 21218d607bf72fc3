/*
 * libFuzzer target: search queries and snippets.
 *
 * Input: the first line is the query, the rest the text (no newline: the
 * whole input is both).  The query runs over a small index built once
 * (two builders merged; Latin, Greek, Cyrillic, CJK, long words) and over
 * an index of the text itself; every answer is checked against a brute
 * force over search_tokenize's words for the terms search_query_parse
 * finds (words, "phrases", prefix*): which documents match, their meta
 * and tf counts, the order of the hits, the totals.  Then search_snippet
 * cuts the text, into a buffer of the server's size and one of a size the
 * input picks, each allocated to the byte so ASan sees any overflow: the
 * snippet is NUL-terminated, its length is returned, it holds no control
 * byte, tab or line end and no two spaces in a row, it is valid UTF-8
 * whenever the text is (so no character is cut in half), and it is empty
 * exactly when no term of the query occurs in the text.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "search.h"
#include "search_flat.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* A broken invariant names itself, then the run stops with a stack. */
#define CHECK(c)	do {						\
	if (!(c)) {							\
		fprintf(stderr, "fuzz_search.c:%d: %s\n", __LINE__, #c);	\
		abort();						\
	}								\
} while (0)

/* -- a tiny UTF-8 validator (RFC 3629: no overlong, no surrogate) ------- */

static int
utf8_valid(const unsigned char *s, size_t len)
{
	size_t		 i = 0, k, j;
	uint32_t	 cp;

	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xdf) {
			k = 2;
			cp = s[i] & 0x1f;
		} else if (s[i] >= 0xe0 && s[i] <= 0xef) {
			k = 3;
			cp = s[i] & 0x0f;
		} else if (s[i] >= 0xf0 && s[i] <= 0xf4) {
			k = 4;
			cp = s[i] & 0x07;
		} else
			return 0;
		if (len - i < k)
			return 0;
		for (j = 1; j < k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		if ((k == 3 && cp < 0x800) || (k == 4 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return 0;
		i += k;
	}
	return 1;
}

/* -- the brute force ---------------------------------------------------- */

/* A field's words. */
#define FWORDS_MAX	4096
struct fwords {
	char	 w[FWORDS_MAX][SEARCH_TOKEN_MAX];
	size_t	 wl[FWORDS_MAX];
	size_t	 n;
};

static int
fwords_cb(void *arg, const char *tok, size_t len, size_t s, size_t e)
{
	struct fwords	*f = arg;

	CHECK(len > 0 && len <= SEARCH_TOKEN_MAX && s < e);
	if (f->n == FWORDS_MAX)
		return 1;
	memcpy(f->w[f->n], tok, len);
	f->wl[f->n++] = len;
	return 0;
}

struct field {
	const char	*s;
	size_t		 len;
	int		 meta;
};

#define FIELDS_MAX	3
struct doc {
	struct field	 f[FIELDS_MAX];
	size_t		 nf;
};

#define DOCS_MAX	16

static int
word_cmp(const char *a, size_t al, const char *b, size_t bl)
{
	int	 c = memcmp(a, b, al < bl ? al : bl);

	return c != 0 ? c : al < bl ? -1 : al > bl;
}

/*
 * The words a prefix stands for over documents d: the first
 * SEARCH_PREFIX_TERMS_MAX distinct ones that start with it, in
 * dictionary order.
 */
struct expansion {
	char	 w[SEARCH_PREFIX_TERMS_MAX + 1][SEARCH_TOKEN_MAX];
	size_t	 wl[SEARCH_PREFIX_TERMS_MAX + 1];
	size_t	 n;
};

static struct fwords	 fw;		/* scratch */

static void
expand(const struct doc *d, size_t nd, const struct search_qterm *t,
    struct expansion *x)
{
	size_t	 i, j, k, m;

	x->n = 0;
	for (i = 0; i < nd; i++)
		for (j = 0; j < d[i].nf; j++) {
			fw.n = 0;
			search_tokenize(d[i].f[j].s, d[i].f[j].len, fwords_cb,
			    &fw);
			for (k = 0; k < fw.n; k++) {
				int	 c = 1;

				if (fw.wl[k] < t->wl[0] ||
				    memcmp(fw.w[k], t->w[0], t->wl[0]) != 0)
					continue;
				/* Insert in order, drop past the cap. */
				for (m = 0; m < x->n && (c = word_cmp(x->w[m],
				    x->wl[m], fw.w[k], fw.wl[k])) < 0; m++)
					;
				if (m < x->n && c == 0)
					continue;
				if (m == SEARCH_PREFIX_TERMS_MAX)
					continue;
				memmove(&x->w[m + 1], &x->w[m], (x->n - m) *
				    sizeof(x->w[0]));
				memmove(&x->wl[m + 1], &x->wl[m], (x->n - m) *
				    sizeof(x->wl[0]));
				memcpy(x->w[m], fw.w[k], fw.wl[k]);
				x->wl[m] = fw.wl[k];
				if (x->n < SEARCH_PREFIX_TERMS_MAX)
					x->n++;
			}
		}
}

static int
in_expansion(const struct expansion *x, const char *w, size_t l)
{
	size_t	 i;

	for (i = 0; i < x->n; i++)
		if (word_cmp(x->w[i], x->wl[i], w, l) == 0)
			return 1;
	return 0;
}

/* Occurrences of a term in a field's words (x: a prefix's words). */
static uint32_t
count_term(const struct fwords *f, const struct search_qterm *t,
    const struct expansion *x)
{
	uint32_t	 c = 0;
	size_t		 i, j;

	for (i = 0; i < f->n; i++) {
		switch (t->kind) {
		case SEARCH_QWORD:
			c += word_cmp(f->w[i], f->wl[i], t->w[0], t->wl[0]) ==
			    0;
			break;
		case SEARCH_QPREFIX:
			c += x != NULL ? in_expansion(x, f->w[i], f->wl[i]) :
			    f->wl[i] >= t->wl[0] && memcmp(f->w[i], t->w[0],
			    t->wl[0]) == 0;
			break;
		case SEARCH_QPHRASE:
			for (j = 0; j < t->n && i + j < f->n; j++)
				if (word_cmp(f->w[i + j], f->wl[i + j],
				    t->w[j], t->wl[j]) != 0)
					break;
			c += j == t->n;
			break;
		}
	}
	return c;
}

/* The hit a document should give, or 0 when it does not match. */
static int
expect(const struct doc *d, uint32_t id, const struct search_qparse *q,
    struct expansion *const *x, struct search_hit *h)
{
	uint32_t	 tf[SEARCH_TERMS_MAX], c;
	int		 meta[SEARCH_TERMS_MAX];
	size_t		 i, j;

	memset(tf, 0, sizeof(tf));
	memset(meta, 0, sizeof(meta));
	for (j = 0; j < d->nf; j++) {
		fw.n = 0;
		search_tokenize(d->f[j].s, d->f[j].len, fwords_cb, &fw);
		for (i = 0; i < q->n; i++) {
			c = count_term(&fw, &q->t[i], x[i]);
			tf[i] += c;
			if (c > 0)
				meta[i] |= d->f[j].meta;
		}
	}
	h->doc = id;
	h->meta = h->tf = 0;
	for (i = 0; i < q->n; i++) {
		if (tf[i] == 0)
			return 0;
		h->meta += meta[i];
		h->tf += tf[i];
	}
	return q->n > 0;
}

static int
better(const struct search_hit *a, const struct search_hit *b)
{
	if (a->meta != b->meta)
		return a->meta > b->meta;
	if (a->tf != b->tf)
		return a->tf > b->tf;
	return a->doc < b->doc;
}

/* search_query over ix (documents d[0..n)) agrees with the brute force. */
static void
check_query(const struct search_index *ix, const struct doc *d, size_t n,
    const char *q, size_t qlen)
{
	struct search_hit	 hits[SEARCH_RESULTS_MAX], few[3];
	struct search_hit	 want[DOCS_MAX], tmp;
	static struct search_qparse	 w;
	static struct expansion	 xs[SEARCH_TERMS_MAX];
	struct expansion	*x[SEARCH_TERMS_MAX];
	size_t			 nhits, total, nfew, tfew, nwant = 0, i, j;
	int			 rc;

	search_query_parse(q, qlen, &w);
	for (i = 0; i < w.n; i++) {
		x[i] = NULL;
		if (w.t[i].kind == SEARCH_QPREFIX) {
			expand(d, n, &w.t[i], &xs[i]);
			x[i] = &xs[i];
		}
	}
	for (i = 0; i < n; i++)
		if (expect(&d[i], (uint32_t)i, &w, x, &want[nwant]))
			nwant++;
	for (i = 1; i < nwant; i++)	/* best first */
		for (j = i; j > 0 && better(&want[j], &want[j - 1]); j--) {
			tmp = want[j];
			want[j] = want[j - 1];
			want[j - 1] = tmp;
		}

	memset(hits, 0xa5, sizeof(hits));
	rc = search_query(ix, q, qlen, hits, SEARCH_RESULTS_MAX, &nhits,
	    &total);
	if (rc == -1)
		return;				/* out of memory */
	CHECK(rc >= 0 && (size_t)rc == w.n && rc <= SEARCH_TERMS_MAX);
	CHECK(nhits <= SEARCH_RESULTS_MAX && nhits <= total && total <= n);
	if (rc == 0)
		CHECK(nhits == 0 && total == 0);
	CHECK(total == nwant && nhits == (nwant < SEARCH_RESULTS_MAX ?
	    nwant : SEARCH_RESULTS_MAX));
	for (i = 0; i < nhits; i++) {
		CHECK(hits[i].doc == want[i].doc);
		CHECK(hits[i].meta == want[i].meta && hits[i].meta <= w.n);
		CHECK(hits[i].tf == want[i].tf && hits[i].tf >= w.n);
	}
	/* Fewer slots: the same best ones, the same total. */
	rc = search_query(ix, q, qlen, few, 3, &nfew, &tfew);
	if (rc == -1)
		return;
	CHECK(tfew == total && nfew == (total < 3 ? total : 3));
	for (i = 0; i < nfew; i++)
		CHECK(memcmp(&few[i], &hits[i], sizeof(few[i])) == 0);
	/* No slot at all: nothing written, still counted. */
	rc = search_query(ix, q, qlen, NULL, 0, &nfew, &tfew);
	CHECK(rc == -1 || (nfew == 0 && tfew == total));
}

/* -- the index built once ----------------------------------------------- */

static const char *const fixed[][3] = {	/* title, tags, body */
	{ "Stop the attacks on migrants \xe2\x80\x93 resistance is not a "
	  "crime!", "migrants, los-angeles, ice, solidarity",
	  "Dolores Huerta spoke. The National Guard was sent in; "
	  "workers and migrants marched. \xc2\xa1No pasar\xc3\xa1n!" },
	{ "Caf\xc3\xa9 cr\xc3\xa8me \xc3\xa0 Z\xc3\xbcrich", "labor",
	  "STRA\xc3\x9f" "E na\xc3\xafve \xc5\x92uvre fa\xc3\xa7" "ade "
	  "\xc5\x81\xc3\xb3" "d\xc5\xba Gda\xc5\x84sk gr\xc3\xa8ve "
	  "Curia\xc3\xa7" "ao \xc3\x98rsted \xc3\x86ther" },
	{ "\xce\x95\xce\xbb\xce\xbb\xce\xac\xce\xb4\xce\xb1 \xce\xba\xce\xb1"
	  "\xce\xb9 \xce\x91\xce\xb8\xce\xae\xce\xbd\xce\xb1", "europe",
	  "\xce\x9f \xce\xbb\xce\xb1\xcf\x8c\xcf\x82 \xce\x91\xce\x98\xce\x89"
	  "\xce\x9d\xce\x91 \xce\xb5\xce\xbb\xce\xbb\xce\xac\xce\xb4\xce\xb1"
	  " \xcf\x83\xcf\x82" },
	{ "\xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0 \xd0\xb8 "
	  "\xd0\x91\xd0\xb5\xd0\xbb\xd0\xb0\xd1\x80\xd1\x83\xd1\x81\xd1\x8c",
	  "", "\xd0\x9c\xd0\x9e\xd0\xa1\xd0\x9a\xd0\x92\xd0\x90, "
	  "\xd0\x81\xd0\xbb\xd0\xba\xd0\xb0 \xd1\x91\xd0\xbb\xd0\xba\xd0\xb0"
	  " \xd0\x84\xd0\xb2\xd1\x80\xd0\xbe\xd0\xbf\xd0\xb0" },
	{ "\xe6\x9d\xb1\xe4\xba\xac workers", "asia",
	  "\xe6\x9d\xb1\xe4\xba\xac\xe3\x81\xae\xe5\x8a\xb4\xe5\x83\x8d "
	  "strike Strike STRIKE \xe2\x9c\x8a solidarity \xf0\x9f\x98\x80x" },
	{ "A very long word", "",
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa "
	  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	  "\xc3\xa9\xc3\xa9 stra\xc3\x9f\xc3\x9f\xc3\x9f\xc3\x9f\xc3\x9f"
	  "\xc3\x9f\xc3\x9f\xc3\x9f\xc3\x9f\xc3\x9f\xc3\x9f\xc3\x9f\xc3\x9f"
	  "\xc3\x9f\xc3\x9f\xc3\x9fx" },
	{ "Numbers 2025 1995", "", "2025-06-09 12345678901234567890 x1y2 "
	  "0 00 007" },
	{ "Combining marks", "women",
	  "cafe\xcc\x81 nai\xcc\x88ve \xef\xac\x81" "ne \xef\xbb\xbf" "bom "
	  "tab\there line\r\nend" },
};
#define NFIXED	(sizeof(fixed) / sizeof(fixed[0]))

static struct search_index	*fixed_ix;
static struct doc		 fixed_docs[NFIXED];

static int
add_docs(struct search_index *ix, const struct doc *d, size_t from,
    size_t to)
{
	size_t	 i, j;

	for (i = from; i < to; i++) {
		if (search_doc_begin(ix, (uint32_t)i) == -1)
			return -1;
		for (j = 0; j < d[i].nf; j++)
			if (search_doc_add(ix, d[i].f[j].s, d[i].f[j].len,
			    d[i].f[j].meta) == -1)
				return -1;
		if (search_doc_end(ix) == -1)
			return -1;
	}
	return 0;
}

static void
build_fixed(void)
{
	struct search_index	*b;
	size_t			 i, j;

	for (i = 0; i < NFIXED; i++) {
		for (j = 0; j < 3; j++) {
			fixed_docs[i].f[j].s = fixed[i][j];
			fixed_docs[i].f[j].len = strlen(fixed[i][j]);
			fixed_docs[i].f[j].meta = j < 2;
		}
		fixed_docs[i].nf = 3;
	}
	/* Two builders over consecutive ranges, merged, as the archive does. */
	fixed_ix = search_new();
	b = search_new();
	CHECK(fixed_ix != NULL && b != NULL);
	CHECK(add_docs(fixed_ix, fixed_docs, 0, NFIXED / 2) == 0);
	CHECK(add_docs(b, fixed_docs, NFIXED / 2, NFIXED) == 0);
	CHECK(search_merge(fixed_ix, b) == 0);
	search_finish(fixed_ix);
	CHECK(search_term_count(fixed_ix) > 0);
}

/* -- snippets ------------------------------------------------------------- */

static void
check_snippet(const char *text, size_t len, const char *q, size_t qlen,
    size_t outsz, int text_valid, int has_word, int must_show)
{
	char	*out;
	size_t	 n, i;

	if ((out = malloc(outsz)) == NULL)
		return;
	memset(out, 'Z', outsz);
	n = search_snippet(text, len, q, qlen, out, outsz);
	CHECK(n < outsz && out[n] == '\0' && strlen(out) == n);
	if (!has_word)
		CHECK(n == 0);
	else if (must_show)
		CHECK(n > 0);
	for (i = 0; i < n; i++) {
		unsigned char	 c = out[i];

		CHECK(c >= ' ' && c != 0x7f);
		CHECK(!(c == ' ' && i > 0 && out[i - 1] == ' '));
	}
	if (text_valid)
		CHECK(utf8_valid((const unsigned char *)out, n));
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const char		*s = (const char *)data, *q, *text, *nl;
	struct search_index	*ix;
	struct doc		 own[2];
	static struct search_qparse	 w;
	size_t			 qlen, tlen, i;
	int			 valid, any = 0;

	if (fixed_ix == NULL)
		build_fixed();
	if ((nl = memchr(s, '\n', len)) != NULL) {
		q = s;
		qlen = nl - s;
		text = nl + 1;
		tlen = len - qlen - 1;
	} else {
		q = text = s;
		qlen = tlen = len;
	}

	check_query(fixed_ix, fixed_docs, NFIXED, q, qlen);

	/* The text as a document, and the query as a title: what the index
	 * keeps of arbitrary bytes is what the tokenizer finds in them. */
	memset(own, 0, sizeof(own));
	own[0].f[0] = (struct field){ text, tlen, 0 };
	own[0].nf = 1;
	own[1].f[0] = (struct field){ q, qlen, 1 };
	own[1].f[1] = (struct field){ text, tlen > 64 ? 64 : tlen, 0 };
	own[1].nf = 2;
	if ((ix = search_new()) != NULL) {
		if (add_docs(ix, own, 0, 2) == 0) {
			search_finish(ix);
			check_query(ix, own, 2, q, qlen);
		}
		search_free(ix);
	}

	/* Does a term of the query occur in the text (a prefix: any word
	 * that starts so, snippets know no cap)? */
	search_query_parse(q, qlen, &w);
	fw.n = 0;
	search_tokenize(text, tlen, fwords_cb, &fw);
	for (i = 0; i < w.n; i++)
		any |= count_term(&fw, &w.t[i], NULL) > 0;
	/* The server's buffer (archive.c: SEARCH_SNIPPET_MAX * 2): room for
	 * the hit whatever comes before it on its line. */
	valid = utf8_valid((const unsigned char *)text, tlen);
	check_snippet(text, tlen, q, qlen, SEARCH_SNIPPET_MAX * 2, valid,
	    any, 1);
	check_snippet(text, tlen, q, qlen, 1 + (len ? data[len - 1] : 0) * 2,
	    valid, any, 0);
	return 0;
}
