/*
 * broadside: the full-text index.  See search.h.
 *
 * Layout: terms live in one open-addressing hash table of indexes into a
 * term array; each term's string sits in a shared arena and its postings
 * in one byte string of varints: (doc - previous doc) then (tf << 1 |
 * meta).  A posting costs two or three bytes, a term about 40.
 */
#include <stdlib.h>
#include <string.h>

#include "search.h"

#define TERM_TF_MAX	(1u << 20)

struct term {
	uint32_t	 str;		/* offset in the arena */
	uint32_t	 hash;
	uint8_t		 len;
	uint8_t		 cur_meta;
	uint32_t	 cur_doc;	/* doc + 1 being counted, 0: none */
	uint32_t	 cur_tf;
	uint32_t	 last_doc;	/* last doc with a posting */
	uint32_t	 df;
	uint32_t	 plen, pcap;
	uint8_t		*post;
};

/*
 * Words of the document being added are counted in a small table first
 * (it stays in the CPU cache); only each distinct word then goes to the
 * big term table, once per document.
 */
#define LOCAL_SLOTS	4096		/* power of two */
#define LOCAL_FILL_MAX	(LOCAL_SLOTS / 2)

struct local_slot {
	uint32_t	 hash;
	uint32_t	 tf;
	uint8_t		 len;
	uint8_t		 meta;
	uint8_t		 used;
	char		 key[SEARCH_TOKEN_MAX];
};

struct search_index {
	struct local_slot *local;
	uint16_t	*lused;		/* used local slots */
	size_t		 nlused;
	struct term	*terms;
	size_t		 nterms, capterms;
	uint32_t	*table;		/* term index + 1, 0: empty */
	size_t		 tabsz;		/* power of two */
	char		*arena;
	size_t		 arenalen, arenacap;
	uint32_t	*touched;	/* terms seen in the current doc */
	size_t		 ntouched, captouched;
	uint32_t	 doc;
	int		 in_doc;
	int		 meta;		/* field of the current add */
	int		 failed;
	uint8_t		*block;		/* postings after search_finish */
};

/* Latin Extended-A, U+0100..U+017F, to base letters ('O' = "oe"). */
static const char latin_ext_a[129] =
    "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiiiijjkkklllllll"
    "lllnnnnnnnnnooooooOOrrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";
/* U+00C0..U+00FF ('A' = "ae", 'T' = "th", 'S' = "ss", '-' = separator). */
static const char latin_1[65] =
    "aaaaaaAceeeeiiiidnooooo-ouuuuyTSaaaaaaAceeeeiiiidnooooo-ouuuuyTy";

static uint32_t
utf8_decode(const unsigned char *s, size_t len, size_t *n)
{
	uint32_t	 cp;
	size_t		 k, i;

	if (s[0] < 0x80) {
		*n = 1;
		return s[0];
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		k = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		k = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		k = 4;
		cp = s[0] & 0x07;
	} else {
		*n = 1;
		return 0xfffd;
	}
	if (len < k) {
		*n = 1;
		return 0xfffd;
	}
	for (i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*n = 1;
			return 0xfffd;
		}
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((k == 3 && cp < 0x800) || (k == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
		*n = 1;
		return 0xfffd;
	}
	*n = k;
	return cp;
}

static size_t
utf8_encode(uint32_t cp, char *o)
{
	if (cp < 0x800) {
		o[0] = 0xc0 | (cp >> 6);
		o[1] = 0x80 | (cp & 0x3f);
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = 0xe0 | (cp >> 12);
		o[1] = 0x80 | ((cp >> 6) & 0x3f);
		o[2] = 0x80 | (cp & 0x3f);
		return 3;
	}
	o[0] = 0xf0 | (cp >> 18);
	o[1] = 0x80 | ((cp >> 12) & 0x3f);
	o[2] = 0x80 | ((cp >> 6) & 0x3f);
	o[3] = 0x80 | (cp & 0x3f);
	return 4;
}

static int
is_separator(uint32_t cp)
{
	return cp == 0xfffd || (cp >= 0x80 && cp <= 0xbf) || cp == 0xd7 ||
	    cp == 0xf7 || (cp >= 0x2000 && cp <= 0x2bff) ||
	    (cp >= 0x3000 && cp <= 0x303f) || (cp >= 0xfe30 && cp <= 0xfe4f) ||
	    (cp >= 0xff00 && cp <= 0xff0f) || cp == 0xfeff ||
	    (cp >= 0x1f000 && cp <= 0x1faff);
}

/*
 * Fold one non-ASCII code point into o (at most 4 bytes): the length, 0
 * to drop it (combining mark), -1 for a separator.
 */
static int
fold_cp(uint32_t cp, char *o)
{
	char	 c;

	if (cp >= 0xc0 && cp <= 0xff) {
		c = latin_1[cp - 0xc0];
		switch (c) {
		case '-':
			return -1;
		case 'A':
			memcpy(o, "ae", 2);
			return 2;
		case 'T':
			memcpy(o, "th", 2);
			return 2;
		case 'S':
			memcpy(o, "ss", 2);
			return 2;
		}
		o[0] = c;
		return 1;
	}
	if (cp >= 0x100 && cp <= 0x17f) {
		c = latin_ext_a[cp - 0x100];
		if (c == 'O') {
			memcpy(o, "oe", 2);
			return 2;
		}
		o[0] = c;
		return 1;
	}
	if (cp >= 0x218 && cp <= 0x21b) {
		o[0] = cp < 0x21a ? 's' : 't';
		return 1;
	}
	if (cp >= 0x300 && cp <= 0x36f)
		return 0;
	if (is_separator(cp))
		return -1;
	if (cp >= 0x391 && cp <= 0x3a9 && cp != 0x3a2)
		cp += 0x20;			/* Greek capitals */
	else if (cp >= 0x410 && cp <= 0x42f)
		cp += 0x20;			/* Cyrillic capitals */
	else if (cp >= 0x400 && cp <= 0x40f)
		cp += 0x50;
	return (int)utf8_encode(cp, o);
}

/* 1: letter/digit, 0: separator, for ASCII. */
static const unsigned char ascii_word[128] = {
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
	['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
	['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
	['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
	['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
	['y'] = 1, ['z'] = 1,
	['A'] = 2, ['B'] = 2, ['C'] = 2, ['D'] = 2, ['E'] = 2, ['F'] = 2,
	['G'] = 2, ['H'] = 2, ['I'] = 2, ['J'] = 2, ['K'] = 2, ['L'] = 2,
	['M'] = 2, ['N'] = 2, ['O'] = 2, ['P'] = 2, ['Q'] = 2, ['R'] = 2,
	['S'] = 2, ['T'] = 2, ['U'] = 2, ['V'] = 2, ['W'] = 2, ['X'] = 2,
	['Y'] = 2, ['Z'] = 2,
};

void
search_tokenize(const char *text, size_t len, search_token_fn fn, void *arg)
{
	const unsigned char	*s = (const unsigned char *)text;
	char			 tok[SEARCH_TOKEN_MAX + 4], tmp[4];
	size_t			 i = 0, tl = 0, start = 0, n;
	uint32_t		 cp;
	int			 k;

	while (i < len) {
		if (s[i] < 0x80) {
			k = ascii_word[s[i]];
			if (k == 0) {
				if (tl > 0 && fn(arg, tok, tl, start, i))
					return;
				tl = 0;
				i++;
				continue;
			}
			if (tl == 0)
				start = i;
			if (tl < SEARCH_TOKEN_MAX)
				tok[tl++] = k == 2 ? s[i] + 32 : s[i];
			i++;
			continue;
		}
		cp = utf8_decode(s + i, len - i, &n);
		k = fold_cp(cp, tmp);
		if (k < 0) {
			if (tl > 0 && fn(arg, tok, tl, start, i))
				return;
			tl = 0;
		} else if (k > 0) {
			if (tl == 0)
				start = i;
			if (tl + k <= SEARCH_TOKEN_MAX) {
				memcpy(tok + tl, tmp, k);
				tl += k;
			}
		}
		i += n;
	}
	if (tl > 0)
		fn(arg, tok, tl, start, i);
}

struct fold_one {
	char	*out;
	size_t	 outsz, len;
};

static int
fold_one_cb(void *arg, const char *tok, size_t len, size_t s, size_t e)
{
	struct fold_one	*f = arg;

	(void)s;
	(void)e;
	if (f->len == 0 && len < f->outsz) {
		memcpy(f->out, tok, len);
		f->out[len] = '\0';
		f->len = len;
	}
	return 1;
}

size_t
search_fold_word(const char *w, size_t len, char *out, size_t outsz)
{
	struct fold_one	 f = { out, outsz, 0 };

	if (outsz > 0)
		out[0] = '\0';
	search_tokenize(w, len, fold_one_cb, &f);
	return f.len;
}

static uint32_t
hash_bytes(const char *s, size_t len)
{
	uint32_t	 h = 2166136261u;
	size_t		 i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	/* FNV's low bits cluster on similar words: mix (murmur3 fmix32). */
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

struct search_index *
search_new(void)
{
	struct search_index	*ix;

	if ((ix = calloc(1, sizeof(*ix))) == NULL)
		return NULL;
	ix->tabsz = 1024;
	ix->table = calloc(ix->tabsz, sizeof(*ix->table));
	ix->local = calloc(LOCAL_SLOTS, sizeof(*ix->local));
	ix->lused = calloc(LOCAL_FILL_MAX, sizeof(*ix->lused));
	if (ix->table == NULL || ix->local == NULL || ix->lused == NULL) {
		search_free(ix);
		return NULL;
	}
	return ix;
}

static int
grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t	 ncap;
	void	*np;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap : 16;
	while (ncap < need)
		ncap *= 2;
	if ((np = realloc(*p, ncap * elem)) == NULL)
		return -1;
	*p = np;
	*cap = ncap;
	return 0;
}

static int
table_grow(struct search_index *ix)
{
	uint32_t	*nt;
	size_t		 nsz = ix->tabsz * 2, i, j;

	if ((nt = calloc(nsz, sizeof(*nt))) == NULL)
		return -1;
	for (i = 0; i < ix->nterms; i++) {
		j = ix->terms[i].hash & (nsz - 1);
		while (nt[j] != 0)
			j = (j + 1) & (nsz - 1);
		nt[j] = i + 1;
	}
	free(ix->table);
	ix->table = nt;
	ix->tabsz = nsz;
	return 0;
}

/* Short keys: a loop beats a call to memcmp. */
static inline int
key_eq(const char *a, const char *b, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

/* The term index of tok, or -1; inserted when `add`. */
static long
term_find(struct search_index *ix, const char *tok, size_t len,
    uint32_t h, int add)
{
	struct term	*t;
	size_t		 j = h & (ix->tabsz - 1);
	uint32_t	 v;

	while ((v = ix->table[j]) != 0) {
		t = &ix->terms[v - 1];
		if (t->hash == h && t->len == len &&
		    key_eq(ix->arena + t->str, tok, len))
			return v - 1;
		j = (j + 1) & (ix->tabsz - 1);
	}
	if (!add)
		return -1;
	if (grow((void **)&ix->terms, &ix->capterms, ix->nterms + 1,
	    sizeof(*ix->terms)) == -1 ||
	    grow((void **)&ix->arena, &ix->arenacap, ix->arenalen + len,
	    1) == -1 || ix->arenalen + len > UINT32_MAX)
		return -1;
	t = &ix->terms[ix->nterms];
	memset(t, 0, sizeof(*t));
	t->str = ix->arenalen;
	t->len = len;
	t->hash = h;
	memcpy(ix->arena + ix->arenalen, tok, len);
	ix->arenalen += len;
	ix->table[j] = ++ix->nterms;
	if (ix->nterms * 2 > ix->tabsz && table_grow(ix) == -1)
		return -1;
	return ix->nterms - 1;
}

int
search_doc_begin(struct search_index *ix, uint32_t doc)
{
	size_t	 i;

	if (ix->local == NULL)
		return -1;		/* finished: read-only */
	for (i = 0; i < ix->nlused; i++)
		ix->local[ix->lused[i]].used = 0;
	ix->nlused = 0;
	ix->doc = doc;
	ix->in_doc = 1;
	ix->ntouched = 0;
	return ix->failed ? -1 : 0;
}

static int	 global_add(struct search_index *, const char *, size_t,
		    uint32_t, uint32_t, int);

/* Move the local counts to the term table; the local table is emptied. */
static int
local_flush(struct search_index *ix)
{
	struct local_slot	*ls;
	size_t			 i;
	int			 rc = 0;

	for (i = 0; i < ix->nlused; i++) {
		ls = &ix->local[ix->lused[i]];
		if (rc == 0 && global_add(ix, ls->key, ls->len, ls->hash,
		    ls->tf, ls->meta) == -1)
			rc = -1;
		ls->used = 0;
	}
	ix->nlused = 0;
	return rc;
}

static int
add_cb(void *arg, const char *tok, size_t len, size_t s, size_t e)
{
	struct search_index	*ix = arg;
	struct local_slot	*ls;
	uint32_t		 h = hash_bytes(tok, len);
	size_t			 j = h & (LOCAL_SLOTS - 1);

	(void)s;
	(void)e;
	for (;;) {
		ls = &ix->local[j];
		if (!ls->used)
			break;
		if (ls->hash == h && ls->len == len &&
		    key_eq(ls->key, tok, len)) {
			ls->tf++;
			ls->meta |= ix->meta;
			return 0;
		}
		j = (j + 1) & (LOCAL_SLOTS - 1);
	}
	if (ix->nlused >= LOCAL_FILL_MAX) {
		if (local_flush(ix) == -1) {
			ix->failed = 1;
			return 1;
		}
		return add_cb(arg, tok, len, s, e);
	}
	ls->used = 1;
	ls->hash = h;
	ls->len = len;
	ls->tf = 1;
	ls->meta = ix->meta;
	memcpy(ls->key, tok, len);
	ix->lused[ix->nlused++] = j;
	return 0;
}

static int
global_add(struct search_index *ix, const char *tok, size_t len, uint32_t h,
    uint32_t tf, int meta)
{
	struct term		*t;
	long			 k;

	if ((k = term_find(ix, tok, len, h, 1)) == -1) {
		ix->failed = 1;
		return -1;
	}
	t = &ix->terms[k];
	if (t->cur_doc != ix->doc + 1) {
		if (grow((void **)&ix->touched, &ix->captouched,
		    ix->ntouched + 1, sizeof(*ix->touched)) == -1) {
			ix->failed = 1;
			return -1;
		}
		ix->touched[ix->ntouched++] = k;
		t->cur_doc = ix->doc + 1;
		t->cur_tf = 0;
		t->cur_meta = 0;
	}
	t->cur_tf = t->cur_tf + tf < TERM_TF_MAX ? t->cur_tf + tf : TERM_TF_MAX;
	t->cur_meta |= meta;
	return 0;
}

int
search_doc_add(struct search_index *ix, const char *s, size_t len, int meta)
{
	if (ix->failed || !ix->in_doc)
		return -1;
	ix->meta = meta ? 1 : 0;
	search_tokenize(s, len, add_cb, ix);
	return ix->failed ? -1 : 0;
}

static size_t
put_varint(uint8_t *p, uint32_t v)
{
	size_t	 n = 0;

	while (v >= 0x80) {
		p[n++] = (v & 0x7f) | 0x80;
		v >>= 7;
	}
	p[n++] = v;
	return n;
}

static uint32_t
get_varint(const uint8_t **pp, const uint8_t *end)
{
	const uint8_t	*p = *pp;
	uint32_t	 v = 0;
	int		 shift = 0;

	while (p < end && shift < 35) {
		v |= (uint32_t)(*p & 0x7f) << shift;
		if ((*p++ & 0x80) == 0)
			break;
		shift += 7;
	}
	*pp = p;
	return v;
}

static int
post_append(struct term *t, uint32_t doc, uint32_t val)
{
	uint8_t		 tmp[10];
	size_t		 n, cap = t->pcap;
	uint32_t	 delta;

	delta = t->df == 0 ? doc : doc - t->last_doc;
	n = put_varint(tmp, delta);
	n += put_varint(tmp + n, val);
	if (t->plen + n > cap) {
		cap = cap ? cap * 2 : 8;
		while (cap < t->plen + n)
			cap *= 2;
		if ((t->post = realloc(t->post, cap)) == NULL)
			return -1;
		t->pcap = cap;
	}
	memcpy(t->post + t->plen, tmp, n);
	t->plen += n;
	t->last_doc = doc;
	t->df++;
	return 0;
}

int
search_doc_end(struct search_index *ix)
{
	struct term	*t;
	size_t		 i;

	if (ix->failed || !ix->in_doc || local_flush(ix) == -1)
		return -1;
	for (i = 0; i < ix->ntouched; i++) {
		t = &ix->terms[ix->touched[i]];
		if (post_append(t, ix->doc, t->cur_tf << 1 | t->cur_meta) ==
		    -1) {
			ix->failed = 1;
			return -1;
		}
	}
	ix->in_doc = 0;
	return 0;
}

int
search_merge(struct search_index *a, struct search_index *b)
{
	struct term	*tb, *ta;
	const uint8_t	*p, *end;
	uint32_t	 doc, val, i;
	long		 k;
	int		 rc = -1;

	if (a->failed || b->failed)
		goto done;
	for (i = 0; i < b->nterms; i++) {
		tb = &b->terms[i];
		k = term_find(a, b->arena + tb->str, tb->len, tb->hash, 1);
		if (k == -1)
			goto done;
		ta = &a->terms[k];
		p = tb->post;
		end = p + tb->plen;
		/* Re-base the first delta, copy the rest as they are. */
		doc = get_varint(&p, end);
		val = get_varint(&p, end);
		if (post_append(ta, doc, val) == -1)
			goto done;
		if (end > p) {
			size_t	 rest = end - p, cap = ta->pcap;

			if (ta->plen + rest > cap) {
				while (cap < ta->plen + rest)
					cap *= 2;
				if ((ta->post = realloc(ta->post, cap)) == NULL)
					goto done;
				ta->pcap = cap;
			}
			memcpy(ta->post + ta->plen, p, rest);
			ta->plen += rest;
		}
		ta->df += tb->df - 1;
		ta->last_doc = tb->last_doc;
	}
	rc = 0;
done:
	if (rc == -1)
		a->failed = 1;
	search_free(b);
	return rc;
}

void
search_finish(struct search_index *ix)
{
	size_t	 i, total = 0, off = 0;
	uint8_t	*block;

	free(ix->touched);
	ix->touched = NULL;
	ix->captouched = ix->ntouched = 0;
	free(ix->local);
	free(ix->lused);
	ix->local = NULL;
	ix->lused = NULL;
	for (i = 0; i < ix->nterms; i++)
		total += ix->terms[i].plen;
	/* One block for all postings: no per-term slack, no heap holes. */
	if ((block = malloc(total ? total : 1)) == NULL)
		return;
	for (i = 0; i < ix->nterms; i++) {
		memcpy(block + off, ix->terms[i].post, ix->terms[i].plen);
		free(ix->terms[i].post);
		ix->terms[i].post = block + off;
		ix->terms[i].pcap = ix->terms[i].plen;
		off += ix->terms[i].plen;
	}
	ix->block = block;
}

void
search_free(struct search_index *ix)
{
	size_t	 i;

	if (ix == NULL)
		return;
	if (ix->block == NULL)
		for (i = 0; i < ix->nterms; i++)
			free(ix->terms[i].post);
	free(ix->block);
	free(ix->terms);
	free(ix->table);
	free(ix->arena);
	free(ix->touched);
	free(ix->local);
	free(ix->lused);
	free(ix);
}

size_t
search_term_count(const struct search_index *ix)
{
	return ix->nterms;
}

size_t
search_memory(const struct search_index *ix)
{
	size_t	 i, m;

	m = ix->capterms * sizeof(struct term) + ix->tabsz * 4 +
	    ix->arenacap;
	for (i = 0; i < ix->nterms; i++)
		m += ix->terms[i].pcap;
	return m;
}

struct query_terms {
	char	 w[SEARCH_TERMS_MAX][SEARCH_TOKEN_MAX + 1];
	size_t	 wl[SEARCH_TERMS_MAX];
	size_t	 n;
};

static int
query_cb(void *arg, const char *tok, size_t len, size_t s, size_t e)
{
	struct query_terms	*q = arg;
	size_t			 i;

	(void)s;
	(void)e;
	for (i = 0; i < q->n; i++)
		if (q->wl[i] == len && memcmp(q->w[i], tok, len) == 0)
			return 0;
	if (q->n == SEARCH_TERMS_MAX)
		return 1;
	memcpy(q->w[q->n], tok, len);
	q->w[q->n][len] = '\0';
	q->wl[q->n++] = len;
	return 0;
}

/* Better first: meta, tf, then lower doc (newer). */
static int
hit_better(const struct search_hit *a, const struct search_hit *b)
{
	if (a->meta != b->meta)
		return a->meta > b->meta;
	if (a->tf != b->tf)
		return a->tf > b->tf;
	return a->doc < b->doc;
}

static void
top_insert(struct search_hit *top, size_t max, size_t *n,
    const struct search_hit *h)
{
	size_t	 i;

	if (max == 0)
		return;
	if (*n == max && !hit_better(h, &top[max - 1]))
		return;
	i = *n < max ? (*n)++ : max - 1;
	while (i > 0 && hit_better(h, &top[i - 1])) {
		top[i] = top[i - 1];
		i--;
	}
	top[i] = *h;
}

int
search_query(const struct search_index *ix, const char *q, size_t len,
    struct search_hit *hits, size_t max, size_t *nhits, size_t *total)
{
	struct query_terms	 qt;
	const struct term	*t[SEARCH_TERMS_MAX], *tmp;
	struct search_hit	*cand = NULL, h;
	const uint8_t		*p, *end;
	size_t			 i, j, k, ncand = 0, w;
	uint32_t		 doc, val;
	long			 id;

	*nhits = *total = 0;
	memset(&qt, 0, sizeof(qt));
	search_tokenize(q, len, query_cb, &qt);
	if (qt.n == 0)
		return 0;
	for (i = 0; i < qt.n; i++) {
		id = term_find((struct search_index *)ix, qt.w[i], qt.wl[i],
		    hash_bytes(qt.w[i], qt.wl[i]), 0);
		if (id == -1)
			return (int)qt.n;
		t[i] = &ix->terms[id];
	}
	/* Rarest word first: the candidate set only shrinks. */
	for (i = 1; i < qt.n; i++)
		for (j = i; j > 0 && t[j]->df < t[j - 1]->df; j--) {
			tmp = t[j];
			t[j] = t[j - 1];
			t[j - 1] = tmp;
		}
	if ((cand = calloc(t[0]->df, sizeof(*cand))) == NULL)
		return -1;
	p = t[0]->post;
	end = p + t[0]->plen;
	for (doc = 0; p < end && ncand < t[0]->df;) {
		doc = (ncand == 0 ? 0 : doc) + get_varint(&p, end);
		val = get_varint(&p, end);
		cand[ncand].doc = doc;
		cand[ncand].meta = val & 1;
		cand[ncand++].tf = val >> 1;
	}
	for (i = 1; i < qt.n && ncand > 0; i++) {
		p = t[i]->post;
		end = p + t[i]->plen;
		doc = 0;
		for (k = 0, w = 0, j = 0; p < end && k < ncand; j++) {
			doc = (j == 0 ? 0 : doc) + get_varint(&p, end);
			val = get_varint(&p, end);
			while (k < ncand && cand[k].doc < doc)
				k++;
			if (k < ncand && cand[k].doc == doc) {
				cand[w] = cand[k++];
				cand[w].meta += val & 1;
				cand[w++].tf += val >> 1;
			}
		}
		ncand = w;
	}
	for (i = 0; i < ncand; i++) {
		h = cand[i];
		top_insert(hits, max, nhits, &h);
	}
	*total = ncand;
	free(cand);
	return (int)qt.n;
}

struct snip_find {
	struct query_terms	*q;
	size_t			 start, end;
	int			 found;
};

static int
snip_cb(void *arg, const char *tok, size_t len, size_t s, size_t e)
{
	struct snip_find	*f = arg;
	size_t			 i;

	for (i = 0; i < f->q->n; i++)
		if (f->q->wl[i] == len && memcmp(f->q->w[i], tok, len) == 0) {
			f->start = s;
			f->end = e;
			f->found = 1;
			return 1;
		}
	return 0;
}

static size_t
char_start(const char *s, size_t i)
{
	while (i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80)
		i--;
	return i;
}

size_t
search_snippet(const char *text, size_t len, const char *q, size_t qlen,
    char *out, size_t outsz)
{
	struct query_terms	 qt;
	struct snip_find	 f;
	size_t			 from, to, i, o = 0, ls;
	int			 space = 0, bol;

	if (outsz == 0)
		return 0;
	out[0] = '\0';
	memset(&qt, 0, sizeof(qt));
	search_tokenize(q, qlen, query_cb, &qt);
	memset(&f, 0, sizeof(f));
	f.q = &qt;
	if (qt.n == 0)
		return 0;
	search_tokenize(text, len, snip_cb, &f);
	if (!f.found)
		return 0;
	/* Start at the hit's line when it is close, else 60 bytes before. */
	for (ls = f.start; ls > 0 && text[ls - 1] != '\n'; ls--)
		;
	from = f.start - ls <= 60 ? ls : char_start(text, f.start - 60);
	to = from + SEARCH_SNIPPET_MAX < len ? from + SEARCH_SNIPPET_MAX : len;
	if (to < f.end)
		to = f.end < len ? f.end : len;
	if (to < len)
		to = char_start(text, to);
	if (from > 0 && text[from - 1] != '\n' && o + 4 < outsz) {
		memcpy(out, "\xe2\x80\xa6", 3);
		o = 3;
	}
	bol = from == 0 || text[from - 1] == '\n';
	for (i = from; i < to && o + 8 < outsz; i++) {
		unsigned char	 c = text[i];

		if (bol) {
			/* gemtext markers: "#", "##", ">", "* ", "=>" */
			if (c == '#' || c == '>' || c == '*' || c == '=' ||
			    c == '`')
				continue;
			bol = 0;
		}
		if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
			space = o > 0;
			if (c == '\n')
				bol = 1;
			continue;
		}
		if (c < ' ' || c == 0x7f)
			continue;
		if (space) {
			out[o++] = ' ';
			space = 0;
		}
		out[o++] = c;
	}
	if (to < len && o + 4 < outsz) {
		memcpy(out + o, "\xe2\x80\xa6", 3);
		o += 3;
	}
	out[o] = '\0';
	return o;
}
