/* SPDX-License-Identifier: ISC */
/* Unit tests: the search tokenizer, folding, index, ranking, snippets. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "search.h"
#include "search_flat.h"
#include "utf8.h"

struct toks {
	char	 s[512];
	size_t	 n;
};

static int
collect(void *arg, const char *tok, size_t len, size_t start, size_t end)
{
	struct toks	*t = arg;

	(void)start;
	(void)end;
	snprintf(t->s + strlen(t->s), sizeof(t->s) - strlen(t->s), "%s%.*s",
	    t->n++ ? "|" : "", (int)len, tok);
	return 0;
}

static void
test_tokenize_fold(void **state)
{
	static const struct {
		const char	*in, *out;
	} t[] = {
		{ "Hello, World!", "hello|world" },
		{ "Café CRÈME brûlée", "cafe|creme|brulee" },
		{ "Straße Œuvre Æsir", "strasse|oeuvre|aesir" },
		{ "Łódź Škoda Ørsted ñandú", "lodz|skoda|orsted|nandu" },
		{ "naïve façade", "naive|facade" },
		{ "e\xcc\x81t\xc3\xa9", "ete" },	/* combining acute */
		{ "U.S.’s 2,000 soldiers", "u|s|s|2|000|soldiers" },
		{ "“quoted” — dash…end", "quoted|dash|end" },
		{ "ΑΘΗΝΑ Москва", "αθηνα|москва" },
		{ "a\xff" "b", "a|b" },		/* invalid byte separates */
		{ "", "" },
		{ "   ,,, ", "" },
		{ "x_y-z", "x|y|z" },
	};
	struct toks	 tk;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&tk, 0, sizeof(tk));
		search_tokenize(t[i].in, strlen(t[i].in), collect, &tk);
		assert_string_equal(tk.s, t[i].out);
	}
}

static void
test_long_token_and_fold_word(void **state)
{
	char		 in[200], out[64];
	struct toks	 tk;

	(void)state;
	memset(in, 'A', sizeof(in) - 1);
	in[sizeof(in) - 1] = '\0';
	memset(&tk, 0, sizeof(tk));
	search_tokenize(in, strlen(in), collect, &tk);
	assert_int_equal(tk.n, 1);
	assert_int_equal(strlen(tk.s), SEARCH_TOKEN_MAX);
	assert_int_equal(search_fold_word("Éloïse", strlen("Éloïse"), out,
	    sizeof(out)), 6);
	assert_string_equal(out, "eloise");
	assert_int_equal(search_fold_word("!!", 2, out, sizeof(out)), 0);
	/* Greek: tonos and dialytika go, as Latin accents do; ς is σ. */
	search_fold_word("\u0395\u039b\u039b\u0386\u0394\u0391", 12, out,
	    sizeof(out));
	assert_string_equal(out, "\u03b5\u03bb\u03bb\u03b1\u03b4\u03b1");
	search_fold_word("\u0395\u03bb\u03bb\u03ac\u03b4\u03b1", 12, out,
	    sizeof(out));
	assert_string_equal(out, "\u03b5\u03bb\u03bb\u03b1\u03b4\u03b1");
	search_fold_word("\u03bb\u03cc\u03b3\u03bf\u03c2", 10, out,
	    sizeof(out));
	assert_string_equal(out, "\u03bb\u03bf\u03b3\u03bf\u03c3");
}

static struct search_index *
build(const char *const *titles, const char *const *bodies, size_t n)
{
	struct search_index	*ix = search_new();
	size_t			 i;

	assert_non_null(ix);
	for (i = 0; i < n; i++) {
		assert_int_equal(search_doc_begin(ix, i), 0);
		assert_int_equal(search_doc_add(ix, titles[i],
		    strlen(titles[i]), 1), 0);
		assert_int_equal(search_doc_add(ix, bodies[i],
		    strlen(bodies[i]), 0), 0);
		assert_int_equal(search_doc_end(ix), 0);
	}
	search_finish(ix);
	return ix;
}

/* Doc ids are newest first: 0 is the newest. */
static const char *const titles[] = {
	"Newest note", "Guard news", "Old piece", "Oldest piece", "Other",
};
static const char *const bodies[] = {
	"the national guard was sent",
	"the guard and the national guard and more national news",
	"national guard national guard national guard",
	"national guard",
	"nothing to see here, guard only",
};

static void
test_query_and_rank(void **state)
{
	struct search_index	*ix = build(titles, bodies, 5);
	struct search_hit	 h[10];
	size_t			 n, total;

	(void)state;
	assert_int_equal(search_query(ix, "National GUARD", 14, h, 10, &n,
	    &total), 2);
	assert_int_equal(total, 4);
	assert_int_equal(n, 4);
	/* Title hit first, then by frequency, then newest. */
	assert_int_equal(h[0].doc, 1);
	assert_int_equal(h[1].doc, 2);
	assert_int_equal(h[2].doc, 0);
	assert_int_equal(h[3].doc, 3);
	assert_int_equal(h[0].meta, 1);
	/* A word found nowhere: nothing (AND). */
	assert_int_equal(search_query(ix, "guard zzzz", 10, h, 10, &n, &total),
	    2);
	assert_int_equal(total, 0);
	assert_int_equal(n, 0);
	/* No word at all. */
	assert_int_equal(search_query(ix, " ,; ", 4, h, 10, &n, &total), 0);
	/* Capped results, total still counted. */
	assert_int_equal(search_query(ix, "guard", 5, h, 2, &n, &total), 1);
	assert_int_equal(n, 2);
	assert_int_equal(total, 5);
	assert_int_equal(h[0].doc, 1);
	search_free(ix);
}

static void
test_merge_equals_single(void **state)
{
	struct search_index	*a, *b, *one;
	struct search_hit	 h1[10], h2[10];
	size_t			 n1, n2, t1, t2, i;
	const char		*qs[] = { "national guard", "guard", "piece",
	    "newest", "the" };

	(void)state;
	one = build(titles, bodies, 5);
	a = search_new();
	b = search_new();
	for (i = 0; i < 5; i++) {
		struct search_index *ix = i < 2 ? a : b;

		search_doc_begin(ix, i);
		search_doc_add(ix, titles[i], strlen(titles[i]), 1);
		search_doc_add(ix, bodies[i], strlen(bodies[i]), 0);
		search_doc_end(ix);
	}
	assert_int_equal(search_merge(a, b), 0);
	search_finish(a);
	assert_int_equal(search_term_count(a), search_term_count(one));
	for (i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		search_query(one, qs[i], strlen(qs[i]), h1, 10, &n1, &t1);
		search_query(a, qs[i], strlen(qs[i]), h2, 10, &n2, &t2);
		assert_int_equal(n1, n2);
		assert_int_equal(t1, t2);
		assert_memory_equal(h1, h2, n1 * sizeof(h1[0]));
	}
	search_free(a);
	search_free(one);
}

static void
test_many_docs(void **state)
{
	struct search_index	*ix = search_new();
	struct search_hit	 h[SEARCH_RESULTS_MAX];
	char			 body[64];
	size_t			 n, total, i;

	(void)state;
	for (i = 0; i < 20000; i++) {
		snprintf(body, sizeof(body), "common w%zu %s", i % 100,
		    i % 1000 == 7 ? "rare" : "");
		search_doc_begin(ix, i);
		search_doc_add(ix, body, strlen(body), 0);
		search_doc_end(ix);
	}
	search_finish(ix);
	search_query(ix, "common", 6, h, SEARCH_RESULTS_MAX, &n, &total);
	assert_int_equal(total, 20000);
	assert_int_equal(n, SEARCH_RESULTS_MAX);
	assert_int_equal(h[0].doc, 0);		/* all tie: newest first */
	assert_int_equal(h[49].doc, 49);
	search_query(ix, "rare common w7", 14, h, SEARCH_RESULTS_MAX, &n,
	    &total);
	assert_int_equal(total, 20);
	assert_int_equal(h[0].doc, 7);
	assert_int_equal(h[19].doc, 19007);
	search_free(ix);
}

static void
test_snippet(void **state)
{
	char		 out[512];
	const char	*text = "# Title line\n\nSome words before. During "
	    "these arrests, David Huerta, president of the union, was "
	    "detained.\n=> /link a link\n";
	char		 longtext[2000];
	size_t		 n;

	(void)state;
	n = search_snippet(text, strlen(text), "huerta", 6, out, sizeof(out));
	assert_true(n > 0);
	assert_non_null(strstr(out, "David Huerta"));
	assert_null(strstr(out, "\n"));
	assert_int_equal(search_snippet(text, strlen(text), "zzzz", 4, out,
	    sizeof(out)), 0);
	assert_string_equal(out, "");
	/* Long text: window around the hit, ellipses, UTF-8 kept whole. */
	for (n = 0; n + 2 < 1000; n += 2)
		memcpy(longtext + n, "\xc3\xa9", 2);
	snprintf(longtext + n, sizeof(longtext) - n, " target ");
	n = strlen(longtext);
	for (; n + 2 < sizeof(longtext) - 1; n += 2)
		memcpy(longtext + n, "\xc3\xa9", 2);
	longtext[n] = '\0';
	n = search_snippet(longtext, strlen(longtext), "TARGET", 6, out,
	    sizeof(out));
	assert_true(n > 0 && n <= SEARCH_SNIPPET_MAX + 16);
	assert_non_null(strstr(out, "target"));
	assert_memory_equal(out, "\xe2\x80\xa6", 3);
	assert_memory_equal(out + n - 3, "\xe2\x80\xa6", 3);
	for (size_t i = 3; i + 3 < n; i++)
		if ((unsigned char)out[i] == 0xc3)
			assert_int_equal((unsigned char)out[i + 1], 0xa9);
}

/*
 * The index against a brute-force scan: a random corpus over a small
 * vocabulary (accents, words longer than the slot key and than
 * SEARCH_TOKEN_MAX), built whole and in three merged parts; every query's
 * total and ranked hits must equal what counting the tokens directly
 * gives.
 */
#define BF_DOCS		400
#define BF_WORDS	24

static const char *const bf_vocab[] = {
	"strike", "Union", "wages", "café", "CAFE", "Łódź", "the", "a",
	"housing", "rent", "solidarity", "Москва", "internationalization",
	"internationalizationXYZ", "abcdefghijklmnop", "abcdefghijklmnopq",
	"supercalifragilisticexpialidociousextra", "x1", "2025", "naïve",
	"tenants", "march", "police", "ΑΘΗΝΑ",
};

struct bf_doc {
	char	 title[128];
	char	 body[1024];
};

struct bf_count {
	const char	*w;
	size_t		 wl, tf;
	int		 meta;
};

static int
bf_cb(void *arg, const char *tok, size_t len, size_t s, size_t e)
{
	struct bf_count	*c = arg;

	(void)s;
	(void)e;
	if (len == c->wl && memcmp(tok, c->w, len) == 0)
		c->tf++;
	return 0;
}

static uint32_t bf_seed = 12345;

static uint32_t
bf_rand(void)
{
	bf_seed = bf_seed * 1103515245u + 12345u;
	return bf_seed >> 8;
}

static void
bf_text(char *out, size_t outsz, size_t nwords)
{
	size_t	 i;

	out[0] = '\0';
	for (i = 0; i < nwords; i++) {
		/* skewed: low indexes more often */
		size_t	 k = bf_rand() % BF_WORDS;

		if (bf_rand() % 2)
			k = k * k / BF_WORDS;
		snprintf(out + strlen(out), outsz - strlen(out), "%s%s",
		    i ? (bf_rand() % 5 ? " " : ", ") : "", bf_vocab[k]);
	}
}

static void
test_index_equals_brute_force(void **state)
{
	static struct bf_doc	 docs[BF_DOCS];
	struct search_index	*one, *part[3];
	struct search_hit	 h1[SEARCH_RESULTS_MAX], h2[SEARCH_RESULTS_MAX];
	struct search_hit	 want[BF_DOCS], tmp;
	struct bf_count		 c;
	char			 q[256], fw[BF_WORDS][64];
	size_t			 i, j, k, d, n1, n2, t1, t2, nq, nwant;
	size_t			 fl[BF_WORDS];
	int			 ok;

	(void)state;
	for (i = 0; i < BF_WORDS; i++)
		fl[i] = search_fold_word(bf_vocab[i], strlen(bf_vocab[i]),
		    fw[i], sizeof(fw[i]));
	for (d = 0; d < BF_DOCS; d++) {
		bf_text(docs[d].title, sizeof(docs[d].title), 1 + bf_rand() % 4);
		bf_text(docs[d].body, sizeof(docs[d].body), bf_rand() % 60);
	}
	one = search_new();
	for (i = 0; i < 3; i++)
		part[i] = search_new();
	assert_non_null(one);
	for (d = 0; d < BF_DOCS; d++) {
		struct search_index	*ix[2] = { one, part[d * 3 / BF_DOCS] };

		for (i = 0; i < 2; i++) {
			assert_int_equal(search_doc_begin(ix[i], d), 0);
			assert_int_equal(search_doc_add(ix[i], docs[d].title,
			    strlen(docs[d].title), 1), 0);
			assert_int_equal(search_doc_add(ix[i], docs[d].body,
			    strlen(docs[d].body), 0), 0);
			assert_int_equal(search_doc_end(ix[i]), 0);
		}
	}
	/* Ids must grow: a document below the last one is refused. */
	assert_int_equal(search_doc_begin(one, 3), -1);
	assert_int_equal(search_merge(part[0], part[1]), 0);
	assert_int_equal(search_merge(part[0], part[2]), 0);
	search_finish(one);
	search_finish(part[0]);
	assert_int_equal(search_term_count(one), search_term_count(part[0]));
	for (nq = 0; nq < 300; nq++) {
		size_t	 qi[3], nw = 1 + nq % 3;

		q[0] = '\0';
		for (i = 0; i < nw; i++) {
			qi[i] = bf_rand() % BF_WORDS;
			snprintf(q + strlen(q), sizeof(q) - strlen(q), "%s%s",
			    i ? " " : "", bf_vocab[qi[i]]);
		}
		/* Brute force over distinct folded words of the query. */
		nwant = 0;
		for (d = 0; d < BF_DOCS; d++) {
			memset(&tmp, 0, sizeof(tmp));
			tmp.doc = d;
			ok = 1;
			for (i = 0; i < nw && ok; i++) {
				for (j = 0; j < i; j++)
					if (fl[qi[j]] == fl[qi[i]] &&
					    memcmp(fw[qi[j]], fw[qi[i]],
					    fl[qi[i]]) == 0)
						break;
				if (j < i)
					continue;	/* same word twice */
				c.w = fw[qi[i]];
				c.wl = fl[qi[i]];
				c.tf = 0;
				search_tokenize(docs[d].title,
				    strlen(docs[d].title), bf_cb, &c);
				c.meta = c.tf > 0;
				search_tokenize(docs[d].body,
				    strlen(docs[d].body), bf_cb, &c);
				if (c.tf == 0)
					ok = 0;
				tmp.meta += c.meta;
				tmp.tf += c.tf;
			}
			if (ok)
				want[nwant++] = tmp;
		}
		/* Rank: meta, tf, then lower doc. */
		for (i = 1; i < nwant; i++)
			for (k = i; k > 0 && (want[k].meta > want[k - 1].meta ||
			    (want[k].meta == want[k - 1].meta &&
			    (want[k].tf > want[k - 1].tf ||
			    (want[k].tf == want[k - 1].tf &&
			    want[k].doc < want[k - 1].doc)))); k--) {
				tmp = want[k];
				want[k] = want[k - 1];
				want[k - 1] = tmp;
			}
		search_query(one, q, strlen(q), h1, SEARCH_RESULTS_MAX, &n1,
		    &t1);
		search_query(part[0], q, strlen(q), h2, SEARCH_RESULTS_MAX,
		    &n2, &t2);
		assert_int_equal(t1, nwant);
		assert_int_equal(t2, nwant);
		assert_int_equal(n1, nwant < SEARCH_RESULTS_MAX ? nwant :
		    SEARCH_RESULTS_MAX);
		assert_int_equal(n2, n1);
		for (i = 0; i < n1; i++) {
			assert_int_equal(h1[i].doc, want[i].doc);
			assert_int_equal(h1[i].tf, want[i].tf);
			assert_int_equal(h1[i].meta, want[i].meta);
			assert_memory_equal(&h1[i], &h2[i], sizeof(h1[i]));
		}
	}
	search_free(one);
	search_free(part[0]);
}

/*
 * The indexer's own word scanner (eight ASCII bytes at a time where it
 * can) against search_tokenize over random bytes: ASCII letters and
 * separators at every alignment, runs of letters across the
 * SEARCH_TOKEN_MAX cut, accents (two bytes, or a combining mark) inside
 * words and at the cut, invalid bytes.  Every distinct token of a
 * document must be a term with its exact count, and no other term may
 * exist.
 */
#define RB_DOCS		300
#define RB_TOKS		8192

struct rb_toks {
	char	 w[RB_TOKS][SEARCH_TOKEN_MAX + 1];
	size_t	 wl[RB_TOKS], tf[RB_TOKS], n;
};

static int
rb_cb(void *arg, const char *tok, size_t len, size_t s, size_t e)
{
	struct rb_toks	*t = arg;
	size_t		 i;

	(void)s;
	(void)e;
	for (i = 0; i < t->n; i++)
		if (t->wl[i] == len && memcmp(t->w[i], tok, len) == 0) {
			t->tf[i]++;
			return 0;
		}
	assert_true(t->n < RB_TOKS);
	memcpy(t->w[t->n], tok, len);
	t->wl[t->n] = len;
	t->tf[t->n++] = 1;
	return 0;
}

static void
test_index_random_bytes(void **state)
{
	static const char *const piece[] = {
		"a", "Z", "q", "7", "x", "M", " ", ".", ",\n", "-", "_",
		"\xc3\xa9", "\xc3\x89", "e\xcc\x81", "\xc3\x9f", "\xff",
		"\xe2\x80\x94", "\xce\x91", "@", "[", "`", "{", "/", ":",
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJ",
	};
	static char		 text[RB_DOCS][400];
	static struct rb_toks	 tk, all;
	struct search_index	*ix;
	struct search_hit	 h[SEARCH_RESULTS_MAX];
	size_t			 d, i, k, n, total, len;

	(void)state;
	ix = search_new();
	assert_non_null(ix);
	memset(&all, 0, sizeof(all));
	for (d = 0; d < RB_DOCS; d++) {
		len = 0;
		k = bf_rand() % 120;
		for (i = 0; i < k; i++) {
			const char	*p;

			p = piece[bf_rand() % (sizeof(piece) /
			    sizeof(piece[0]))];

			if (len + strlen(p) >= sizeof(text[d]))
				break;
			memcpy(text[d] + len, p, strlen(p));
			len += strlen(p);
		}
		text[d][len] = '\0';
		assert_int_equal(search_doc_begin(ix, d), 0);
		assert_int_equal(search_doc_add(ix, text[d], len, 0), 0);
		assert_int_equal(search_doc_end(ix), 0);
	}
	search_finish(ix);
	for (d = 0; d < RB_DOCS; d++) {
		memset(&tk, 0, sizeof(tk));
		search_tokenize(text[d], strlen(text[d]), rb_cb, &tk);
		for (i = 0; i < tk.n; i++) {
			rb_cb(&all, tk.w[i], tk.wl[i], 0, 0);
			assert_int_equal(search_query(ix, tk.w[i], tk.wl[i], h,
			    SEARCH_RESULTS_MAX, &n, &total), 1);
			for (k = 0; k < n && h[k].doc != d; k++)
				;
			if (k == n)		/* ranked out: ask alone */
				continue;
			assert_int_equal(h[k].tf, tk.tf[i]);
			assert_int_equal(h[k].meta, 0);
		}
	}
	assert_int_equal(search_term_count(ix), all.n);
	search_free(ix);
}

/* Snippets read the query as queries do: phrases, prefixes. */
static void
test_snippet_syntax(void **state)
{
	char		 out[512];
	const char	*text = "guard here. Then national news, and later, "
	    "much later, after many more words than a snippet's lead, "
	    "the national guard came; migrations followed.";

	(void)state;
	/* The phrase, not its first word alone. */
	assert_true(search_snippet(text, strlen(text), "\"national guard\"",
	    16, out, sizeof(out)) > 0);
	assert_non_null(strstr(out, "the national guard"));
	assert_null(strstr(out, "guard here"));
	assert_int_equal(search_snippet(text, strlen(text), "\"guard national"
	    "\"", 16, out, sizeof(out)), 0);
	/* A prefix. */
	assert_true(search_snippet(text, strlen(text), "migra*", 6, out,
	    sizeof(out)) > 0);
	assert_non_null(strstr(out, "migrations"));
	assert_int_equal(search_snippet(text, strlen(text), "m*", 2, out,
	    sizeof(out)), 0);
	/* A word still finds its first occurrence. */
	assert_true(search_snippet(text, strlen(text), "zzz guard", 9, out,
	    sizeof(out)) > 0);
	assert_memory_equal(out, "guard here", 10);
}

/* A snippet never cuts a character (found by fuzz_search). */
static void
test_snippet_whole_characters(void **state)
{
	char	 text[1024], q[128], out[320], small[9];
	size_t	 i, o = 0, n;

	(void)state;
	o = (size_t)snprintf(text, sizeof(text), "x a");
	for (i = 0; i < 300; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "\xc3\xa9");
	n = (size_t)snprintf(q, sizeof(q), "a");
	for (i = 0; i < 40; i++)
		n += (size_t)snprintf(q + n, sizeof(q) - n, "\xc3\xa9");
	search_snippet(text, o, q, n, out, sizeof(out));
	assert_true(utf8_valid(out, strlen(out)));
	search_snippet("\xd0\xb8\x04", 3, "\xd0\xb8", 2, small,
	    sizeof(small));
	assert_true(utf8_valid(small, strlen(small)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tokenize_fold),
		cmocka_unit_test(test_long_token_and_fold_word),
		cmocka_unit_test(test_query_and_rank),
		cmocka_unit_test(test_merge_equals_single),
		cmocka_unit_test(test_many_docs),
		cmocka_unit_test(test_snippet),
		cmocka_unit_test(test_snippet_whole_characters),
		cmocka_unit_test(test_snippet_syntax),
		cmocka_unit_test(test_index_equals_brute_force),
		cmocka_unit_test(test_index_random_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
