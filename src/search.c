/* SPDX-License-Identifier: ISC */
/*
 * broadside: the full-text index.  See search.h.
 *
 * Building: a document's words are folded and hashed in one pass over its
 * bytes and looked up in the term table (open addressing; the slot keeps
 * the hash, the term keeps a stamp of the document it was last seen in),
 * so each word costs one probe and the distinct words of the document are
 * counted in a flat list.  At the end of the document each distinct word
 * appends one posting to its term's list.
 *
 * Layout: a term's postings are a chain of blocks carved from big slabs
 * (no per-term malloc, no doubling, no copy at the end); a block holds
 * the postings of the image (search_flat.h), byte for byte: (doc -
 * previous doc), (tf << 1 | meta), the length of the positions, the
 * positions.  Blocks grow from 16 to 16384 bytes, so a rare term wastes a
 * few bytes and a common one less than a block; a posting may run across
 * blocks.  Term strings sit in one arena, zero-padded to 8 bytes so they
 * compare a word at a time.  Merging two builders links their chains;
 * only the first delta of the second chain is rewritten, in place, with
 * the same width (the first block holds the whole first header).
 *
 * Positions: each word of a document is logged (its batch entry, its
 * place); at the end of the document a counting sort over the document's
 * own entries groups the places by term, and they are delta-coded into
 * a byte buffer next to the batch.  So the hot loop only appends 8 bytes
 * per word, and the grouping touches memory the size of one document.
 *
 * Queries run over the image (search_flat.c, the code the workers run
 * over the mapped file): a finished index makes its own on its first
 * query and then drops the builder.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "le.h"
#include "search.h"
#include "utf8.h"

#define SLAB_SIZE	(1024 * 1024)
#define BLOCK_FIRST	16		/* bytes of a term's first block */
#define BLOCK_MAX	16384
#define HEADER_MAX	15		/* three 5-byte varints */
/* Places of words in one document; words past it are not indexed (so a
 * document's tf sums, and their positions' bytes, stay far below 2^32). */
#define POS_MAX		(1u << 24)
#define PBYTES_MAX	(32u * 1024 * 1024)	/* batch positions, bytes */

struct search_index;
static int	 image_alloc(const struct search_index *, uint8_t **, size_t *);

#define TOKBUF_WORDS	((SEARCH_TOKEN_MAX + 8) / 8 + 1)

struct pblock {
	struct pblock	*next;
	uint32_t	 len, cap;
	uint8_t		 data[];
};

struct slab {
	struct slab	*next;
	size_t		 len, cap;
	uint64_t	 data[];	/* 8-byte aligned blocks */
};

struct term {
	uint32_t	 str;		/* offset in the arena, 8-aligned */
	uint32_t	 len;
	uint32_t	 df;
	uint32_t	 last_doc;	/* last doc with a posting */
	uint64_t	 bytes;		/* of the chain */
	struct pblock	*head, *tail;
};

/*
 * The hot part of a term, where a word's one probe lands: the first
 * SLOT_KEY bytes of its key (zero-padded: a shorter word has a zero at its
 * length, which no key byte is) and the stamp of the document being
 * counted.
 */
#define SLOT_KEY	16
struct slot {
	uint32_t	 hash;
	uint32_t	 id;		/* term index + 1, 0: empty */
	uint32_t	 cur_doc;	/* doc + 1 being counted, 0: none */
	uint32_t	 cur_pos;	/* its entry in the batch */
	char		 key[SLOT_KEY];
};

/*
 * Postings wait in a batch (in doc order) and go to their chains a term
 * at a time, after a counting sort by term: one visit per term and batch
 * instead of one per posting.
 */
#define BATCH_MAX	(512 * 1024)
struct bentry {
	uint32_t	 id;
	uint32_t	 doc;
	uint32_t	 val;		/* tf << 1 | meta */
	uint32_t	 poff, plen;	/* its positions in pbytes */
};

/* A word of the current document: its batch entry and pos << 1 | meta. */
struct occ {
	uint32_t	 ent;
	uint32_t	 pv;
};

struct search_index {
	struct term	*terms;
	size_t		 nterms, capterms;
	struct slot	*table;
	size_t		 tabsz;		/* power of two */
	char		*arena;
	size_t		 arenalen, arenacap;
	struct slab	*slabs;
	struct bentry	*batch;
	size_t		 nbatch, capbatch;
	struct bentry	*sorted;	/* batch_flush's buffers */
	size_t		 capsorted;
	uint32_t	*pos;
	size_t		 cappos;
	struct occ	*occ;		/* the current document's words */
	size_t		 nocc, capocc;
	uint32_t	*scat;		/* doc_end's grouping buffers */
	size_t		 capscat;
	uint32_t	*eoff;
	size_t		 capeoff;
	uint8_t		*pbytes;	/* the batch's positions */
	size_t		 npbytes, cappbytes;
	size_t		 dstart;	/* the document's first batch entry */
	uint32_t	 wpos;		/* next place in the document */
	/* A finished index's image, made by its first query (the indexer
	 * only writes images out: it never needs one of its own); then the
	 * builder's memory goes.  The lock guards making it. */
	pthread_mutex_t	 lock;
	uint8_t		*image;
	size_t		 imagelen;
	uint32_t	 doc;
	uint32_t	 next_doc;	/* lowest id doc_begin accepts */
	int		 in_doc;
	int		 meta;		/* field of the current add */
	int		 failed;
	int		 finished;
};


/* Latin Extended-A, U+0100..U+017F, to base letters ('O' = "oe"). */
static const char latin_ext_a[129] =
    "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiiiijjkkklllllll"
    "lllnnnnnnnnnooooooOOrrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";
/* U+00C0..U+00FF ('A' = "ae", 'T' = "th", 'S' = "ss", '-' = separator). */
static const char latin_1[65] =
    "aaaaaaAceeeeiiiidnooooo-ouuuuyTSaaaaaaAceeeeiiiidnooooo-ouuuuyTy";

/*
 * The code point at s and its length in *n: U+FFFD (a separator) for an
 * invalid byte or a sequence cut by the end of the text.
 */
static inline uint32_t
next_cp(const unsigned char *s, size_t len, size_t *n)
{
	uint32_t	 cp;
	int		 r;

	if ((r = utf8_decode(s, len, &cp)) <= 0) {
		*n = 1;
		return 0xfffd;
	}
	*n = (size_t)r;
	return cp;
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
/*
 * Greek letters with tonos or dialytika are their bare letters, as Latin
 * accents are removed; a final sigma is a sigma.  U+0386..U+03CE.
 */
static uint32_t
greek_fold(uint32_t cp)
{
	static const uint16_t bare[] = {
		/* 0386 */ 0x3b1, 0x387, 0x3b5, 0x3b7, 0x3b9, 0x38b, 0x3bf,
		/* 038d */ 0x38d, 0x3c5, 0x3c9,
		/* 0390 */ 0x3b9,
	};

	if (cp <= 0x390)
		return bare[cp - 0x386];
	switch (cp) {
	case 0x3ac:
		return 0x3b1;
	case 0x3ad:
		return 0x3b5;
	case 0x3ae:
		return 0x3b7;
	case 0x3aa: case 0x3af: case 0x3ca:
		return 0x3b9;
	case 0x3cc:
		return 0x3bf;
	case 0x3ab: case 0x3b0: case 0x3cb: case 0x3cd:
		return 0x3c5;
	case 0x3ce:
		return 0x3c9;
	case 0x3c2:
		return 0x3c3;
	}
	return cp;
}

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
	if (cp >= 0x386 && cp <= 0x3ce)
		cp = greek_fold(cp);
	if (cp >= 0x391 && cp <= 0x3a9 && cp != 0x3a2)
		cp += 0x20;			/* Greek capitals */
	else if (cp >= 0x410 && cp <= 0x42f)
		cp += 0x20;			/* Cyrillic capitals */
	else if (cp >= 0x400 && cp <= 0x40f)
		cp += 0x50;
	return (int)utf8_encode(cp, (unsigned char *)o);
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

int
search_fold_cp(uint32_t cp, char *out)
{
	int	 k;

	if (cp >= 0x80)
		return fold_cp(cp, out);
	if ((k = ascii_word[cp]) == 0)
		return -1;
	out[0] = (char)(k == 2 ? cp + 32 : cp);
	return 1;
}

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
		cp = next_cp(s + i, len - i, &n);
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

/* ASCII letters and digits folded; 0 for a separator. */
static const unsigned char ascii_fold[128] = {
	['0'] = '0', ['1'] = '1', ['2'] = '2', ['3'] = '3', ['4'] = '4',
	['5'] = '5', ['6'] = '6', ['7'] = '7', ['8'] = '8', ['9'] = '9',
	['a'] = 'a', ['b'] = 'b', ['c'] = 'c', ['d'] = 'd', ['e'] = 'e',
	['f'] = 'f', ['g'] = 'g', ['h'] = 'h', ['i'] = 'i', ['j'] = 'j',
	['k'] = 'k', ['l'] = 'l', ['m'] = 'm', ['n'] = 'n', ['o'] = 'o',
	['p'] = 'p', ['q'] = 'q', ['r'] = 'r', ['s'] = 's', ['t'] = 't',
	['u'] = 'u', ['v'] = 'v', ['w'] = 'w', ['x'] = 'x', ['y'] = 'y',
	['z'] = 'z',
	['A'] = 'a', ['B'] = 'b', ['C'] = 'c', ['D'] = 'd', ['E'] = 'e',
	['F'] = 'f', ['G'] = 'g', ['H'] = 'h', ['I'] = 'i', ['J'] = 'j',
	['K'] = 'k', ['L'] = 'l', ['M'] = 'm', ['N'] = 'n', ['O'] = 'o',
	['P'] = 'p', ['Q'] = 'q', ['R'] = 'r', ['S'] = 's', ['T'] = 't',
	['U'] = 'u', ['V'] = 'v', ['W'] = 'w', ['X'] = 'x', ['Y'] = 'y',
	['Z'] = 'z',
};

static inline uint64_t
load64(const void *p)
{
	uint64_t	 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * A word-at-a-time multiply-xorshift hash of a zero-padded key: a few
 * multiplications for a word of any length up to SEARCH_TOKEN_MAX.
 */
static uint32_t
hash_key(const char *k, size_t len)
{
	uint64_t	 h = 0x9e3779b97f4a7c15ull ^ len;
	size_t		 i;

	for (i = 0; i < len; i += 8) {
		h ^= load64(k + i);
		h *= 0xbf58476d1ce4e5b9ull;
		h ^= h >> 31;
	}
	h *= 0x94d049bb133111ebull;
	h ^= h >> 29;
	return (uint32_t)h;
}

/* Both keys zero-padded to a multiple of 8 bytes past len. */
static inline int
key_eq(const char *a, const char *b, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i += 8)
		if (load64(a + i) != load64(b + i))
			return 0;
	return 1;
}

/* Arena room for a key: a zero byte after it, 8-aligned, >= SLOT_KEY. */
static size_t
pad8(size_t n)
{
	n = (n + 8) & ~(size_t)7;
	return n < SLOT_KEY ? SLOT_KEY : n;
}

struct search_index *
search_new(void)
{
	struct search_index	*ix;

	if ((ix = calloc(1, sizeof(*ix))) == NULL)
		return NULL;
	ix->tabsz = 1024;
	if ((ix->table = calloc(ix->tabsz, sizeof(*ix->table))) == NULL) {
		free(ix);
		return NULL;
	}
	if (pthread_mutex_init(&ix->lock, NULL) != 0) {
		free(ix->table);
		free(ix);
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
	struct slot	*nt;
	size_t		 nsz = ix->tabsz * 2, i, j;

	if ((nt = calloc(nsz, sizeof(*nt))) == NULL)
		return -1;
	for (i = 0; i < ix->tabsz; i++) {
		if (ix->table[i].id == 0)
			continue;
		j = ix->table[i].hash & (nsz - 1);
		while (nt[j].id != 0)
			j = (j + 1) & (nsz - 1);
		nt[j] = ix->table[i];
	}
	free(ix->table);
	ix->table = nt;
	ix->tabsz = nsz;
	return 0;
}

static inline int
slot_match(const struct search_index *ix, const struct slot *sl,
    const char *key, size_t len)
{
	const struct term	*t;

	if (load64(sl->key) != load64(key) ||
	    load64(sl->key + 8) != load64(key + 8))
		return 0;
	if (len < SLOT_KEY)
		return 1;
	t = &ix->terms[sl->id - 1];
	return t->len == len && key_eq(ix->arena + t->str, key, len);
}

/*
 * The slot of a zero-padded key (padded to at least SLOT_KEY bytes), or
 * NULL; inserted when `add` (then NULL means out of memory).
 */
static struct slot *
slot_find(struct search_index *ix, const char *key, size_t len, uint32_t h,
    int add)
{
	struct slot	*sl;
	struct term	*t;
	size_t		 j, plen;

	for (;;) {
		j = h & (ix->tabsz - 1);
		for (;;) {
			sl = &ix->table[j];
			if (sl->id == 0)
				break;
			if (sl->hash == h && slot_match(ix, sl, key, len))
				return sl;
			j = (j + 1) & (ix->tabsz - 1);
		}
		if (!add)
			return NULL;
		if ((ix->nterms + 1) * 4 <= ix->tabsz * 3)
			break;
		if (table_grow(ix) == -1)
			return NULL;
	}
	plen = pad8(len);
	if (grow((void **)&ix->terms, &ix->capterms, ix->nterms + 1,
	    sizeof(*ix->terms)) == -1 ||
	    grow((void **)&ix->arena, &ix->arenacap, ix->arenalen + plen,
	    1) == -1 || ix->arenalen + plen > UINT32_MAX)
		return NULL;
	t = &ix->terms[ix->nterms];
	memset(t, 0, sizeof(*t));
	t->str = ix->arenalen;
	t->len = len;
	memset(ix->arena + ix->arenalen, 0, plen);
	memcpy(ix->arena + ix->arenalen, key, len);
	ix->arenalen += plen;
	memset(sl, 0, sizeof(*sl));
	sl->hash = h;
	sl->id = ++ix->nterms;
	memcpy(sl->key, key, len < SLOT_KEY ? len : SLOT_KEY);
	return sl;
}

static long
term_find(struct search_index *ix, const char *key, size_t len, uint32_t h,
    int add)
{
	struct slot	*sl = slot_find(ix, key, len, h, add);

	return sl != NULL ? (long)sl->id - 1 : -1;
}

int
search_doc_begin(struct search_index *ix, uint32_t doc)
{
	if (ix->finished || ix->failed || ix->in_doc ||
	    doc < ix->next_doc || doc == UINT32_MAX)
		return -1;
	ix->doc = doc;
	ix->in_doc = 1;
	ix->wpos = 0;
	ix->nocc = 0;
	ix->dstart = ix->nbatch;
	return 0;
}

/* One word of the current document: counted once per document. */
static inline int
index_word(struct search_index *ix, const char *key, size_t len, uint32_t h)
{
	struct slot	*sl;
	struct bentry	*e;
	struct occ	*o;

	if (ix->wpos >= POS_MAX)
		return 0;
	if (ix->nocc == ix->capocc && grow((void **)&ix->occ, &ix->capocc,
	    ix->nocc + 1, sizeof(*ix->occ)) == -1)
		return -1;
	if ((sl = slot_find(ix, key, len, h, 1)) == NULL)
		return -1;
	o = &ix->occ[ix->nocc++];
	o->pv = ix->wpos++ << 1 | ix->meta;
	if (sl->cur_doc == ix->doc + 1) {
		e = &ix->batch[sl->cur_pos];
		e->val = (e->val + 2) | ix->meta;
		o->ent = sl->cur_pos;
		return 0;
	}
	if (ix->nbatch == ix->capbatch && grow((void **)&ix->batch,
	    &ix->capbatch, ix->nbatch + 1, sizeof(*ix->batch)) == -1)
		return -1;
	sl->cur_doc = ix->doc + 1;
	sl->cur_pos = ix->nbatch;
	o->ent = ix->nbatch;
	e = &ix->batch[ix->nbatch++];
	e->id = sl->id - 1;
	e->doc = ix->doc;
	e->val = 2 | ix->meta;
	e->poff = e->plen = 0;
	return 0;
}

/*
 * Words wait in a small ring after their slot is prefetched, so that the
 * table's cache misses overlap instead of following one another.
 */
#define RING	8			/* power of two */
#define PREFETCH_AHEAD	16		/* batch entries, in batch_flush */
#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH(p)	__builtin_prefetch(p)
#else
#define PREFETCH(p)	((void)(p))
#endif

struct ring_word {
	uint64_t	 kw[TOKBUF_WORDS];	/* zero-padded key */
	uint32_t	 hash;
	uint32_t	 len;
};

static int
ring_pop(struct search_index *ix, struct ring_word *w)
{
	size_t	 j;
	int	 rc;

	rc = index_word(ix, (const char *)w->kw, w->len, w->hash);
	for (j = 0; j < TOKBUF_WORDS; j++)	/* a fixed size: no call */
		w->kw[j] = 0;
	return rc;
}

/*
 * Eight ASCII bytes at a time (little-endian machines with a count of
 * trailing zeros): a byte per lane, no carry crosses lanes since every
 * byte is below 0x80.
 */
#if (defined(__GNUC__) || defined(__clang__)) && \
    defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ASCII8
#define HI8		0x8080808080808080ull
#define REP8(b)		(0x0101010101010101ull * (uint8_t)(b))
/* High bit of each lane whose byte is in [lo, hi]. */
#define RANGE8(x, lo, hi) \
	(((x) + REP8(0x80 - (lo))) & ~((x) + REP8(0x7f - (hi))) & HI8)

/*
 * x: eight ASCII bytes.  Folds letters in *f and returns how many bytes
 * from the first are letters or digits (8: all of them).
 */
static inline int
ascii8(uint64_t x, uint64_t *f)
{
	uint64_t	 alpha, word;

	alpha = RANGE8(x | REP8(0x20), 'a', 'z');
	word = alpha | RANGE8(x, '0', '9');
	*f = x | (alpha >> 2);	/* 0x80 -> 0x20 in the same lane */
	if (word == HI8)
		return 8;
	return __builtin_ctzll(~word & HI8) >> 3;
}
#endif

/*
 * search_tokenize's rules, with the word folded into a zero-padded buffer
 * and handed to index_word directly (the unit tests check that both give
 * the same words).
 */
static int
index_text(struct search_index *ix, const char *text, size_t len)
{
	const unsigned char	*s = (const unsigned char *)text;
	struct ring_word	 ring[RING], *w;
	char			*tok, tmp[4];
	size_t			 i = 0, tl = 0, n, head = 0, tail = 0;
#ifdef ASCII8
	size_t			 m;
	uint64_t		 x;
#endif
	uint32_t		 cp;
	int			 k, rc = 0;
	unsigned char		 c;

	memset(ring, 0, sizeof(ring));
	w = &ring[0];
	tok = (char *)w->kw;
	for (;;) {
#ifdef ASCII8
		if (len - i >= 8 && (x = load64(s + i), (x & HI8) == 0)) {
			k = ascii8(x, &x);
			if (k > 0) {
				m = SEARCH_TOKEN_MAX - tl;
				if ((size_t)k < m)
					m = k;
				if (m > 0) {
					if (m < 8)
						x &= (1ull << (8 * m)) - 1;
					memcpy(tok + tl, &x, 8);
					tl += m;
				}
				i += k;
				if (k == 8)
					continue;
			}
			i++;		/* s[i] is an ASCII separator */
		} else
#endif
		if (i == len)
			c = 0;
		else if (s[i] < 0x80) {
			if ((c = ascii_fold[s[i++]]) != 0) {
				if (tl < SEARCH_TOKEN_MAX)
					tok[tl++] = c;
				continue;
			}
		} else {
			cp = next_cp(s + i, len - i, &n);
			i += n;
			k = fold_cp(cp, tmp);
			if (k >= 0) {
				if (k > 0 && tl + k <= SEARCH_TOKEN_MAX) {
					memcpy(tok + tl, tmp, k);
					tl += k;
				}
				continue;
			}
		}
		if (tl > 0) {
			w->len = tl;
			w->hash = hash_key(tok, tl);
			PREFETCH(&ix->table[w->hash & (ix->tabsz - 1)]);
			head++;
			if (head - tail == RING &&
			    (rc = ring_pop(ix, &ring[tail++ % RING])) == -1)
				break;
			w = &ring[head % RING];
			tok = (char *)w->kw;
			tl = 0;
		}
		if (i == len)
			break;
	}
	while (rc == 0 && tail < head)
		rc = ring_pop(ix, &ring[tail++ % RING]);
	return rc;
}

int
search_doc_add(struct search_index *ix, const char *s, size_t len, int meta)
{
	if (ix->failed || !ix->in_doc)
		return -1;
	ix->meta = meta ? 1 : 0;
	/* A place left empty: no phrase runs from one call into the next. */
	if (ix->wpos > 0 && ix->wpos < POS_MAX)
		ix->wpos++;
	if (index_text(ix, s, len) == -1)
		ix->failed = 1;
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

/* v in exactly w bytes (continuation bits on zero groups); v < 2^(7w). */
static void
put_varint_width(uint8_t *p, uint32_t v, size_t w)
{
	size_t	 i;

	for (i = 0; i + 1 < w; i++) {
		p[i] = (v & 0x7f) | 0x80;
		v >>= 7;
	}
	p[i] = v & 0x7f;
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

static struct pblock *
block_new(struct search_index *ix, size_t cap)
{
	struct slab	*sb = ix->slabs;
	struct pblock	*b;
	size_t		 need = (sizeof(*b) + cap + 7) & ~(size_t)7;

	if (sb == NULL || sb->cap - sb->len < need) {
		if ((sb = malloc(sizeof(*sb) + SLAB_SIZE)) == NULL)
			return NULL;
		sb->cap = SLAB_SIZE;
		sb->len = 0;
		sb->next = ix->slabs;
		ix->slabs = sb;
	}
	b = (struct pblock *)((char *)sb->data + sb->len);
	sb->len += need;
	b->next = NULL;
	b->len = 0;
	b->cap = cap;
	return b;
}

/* Bytes at the end of a term's chain, across blocks as needed. */
static int
chain_put(struct search_index *ix, struct term *t, const uint8_t *p,
    size_t n)
{
	struct pblock	*b = t->tail, *nb;
	size_t		 k;

	while (n > 0) {
		if (b == NULL || b->len == b->cap) {
			nb = block_new(ix, b == NULL ? BLOCK_FIRST :
			    b->cap * 2 > BLOCK_MAX ? BLOCK_MAX : b->cap * 2);
			if (nb == NULL)
				return -1;
			if (b == NULL)
				t->head = nb;
			else
				b->next = nb;
			t->tail = b = nb;
		}
		k = b->cap - b->len < n ? b->cap - b->len : n;
		memcpy(b->data + b->len, p, k);
		b->len += k;
		p += k;
		n -= k;
		t->bytes += k;
	}
	return 0;
}

/* A posting's header: the doc gap, tf << 1 | meta, the positions' bytes. */
static size_t
post_header(uint8_t *h, uint32_t gap, uint32_t val, uint32_t plen)
{
	size_t	 n;

	n = put_varint(h, gap);
	n += put_varint(h + n, val);
	n += put_varint(h + n, plen);
	return n;
}

static int
post_append(struct search_index *ix, struct term *t, const struct bentry *e)
{
	uint8_t		 h[HEADER_MAX];
	size_t		 n;

	n = post_header(h, t->df == 0 ? e->doc : e->doc - t->last_doc,
	    e->val, e->plen);
	if (chain_put(ix, t, h, n) == -1 ||
	    chain_put(ix, t, ix->pbytes + e->poff, e->plen) == -1)
		return -1;
	t->last_doc = e->doc;
	t->df++;
	return 0;
}

/*
 * The batch to the chains: a stable counting sort by term, then appends.
 * The sort's buffers are kept from one flush to the next (fresh pages
 * cost more than the sort).
 */
static int
batch_flush(struct search_index *ix)
{
	struct bentry	*sorted;
	uint32_t	*pos;
	size_t		 i, n = ix->nterms;
	uint32_t	 sum = 0, c;
	int		 rc = 0;

	if (ix->nbatch == 0)
		return 0;
	if (grow((void **)&ix->sorted, &ix->capsorted, ix->nbatch,
	    sizeof(*ix->sorted)) == -1 || grow((void **)&ix->pos,
	    &ix->cappos, n + 1, sizeof(*ix->pos)) == -1)
		return -1;
	sorted = ix->sorted;
	pos = ix->pos;
	memset(pos, 0, (n + 1) * sizeof(*pos));
	for (i = 0; i < ix->nbatch; i++)
		pos[ix->batch[i].id]++;
	for (i = 0; i < n; i++) {
		c = pos[i];
		pos[i] = sum;
		sum += c;
	}
	for (i = 0; i < ix->nbatch; i++)
		sorted[pos[ix->batch[i].id]++] = ix->batch[i];
	/* The positions are scattered over pbytes: ask for them ahead. */
	for (i = 0; i < ix->nbatch && rc == 0; i++) {
		if (i + PREFETCH_AHEAD < ix->nbatch)
			PREFETCH(ix->pbytes + sorted[i + PREFETCH_AHEAD].poff);
		rc = post_append(ix, &ix->terms[sorted[i].id], &sorted[i]);
	}
	ix->nbatch = 0;
	ix->npbytes = 0;
	return rc;
}

/*
 * The document's places, grouped by term (a counting sort over its own
 * entries, whose tf are the counts) and delta-coded into pbytes.
 */
static int
doc_positions(struct search_index *ix)
{
	struct bentry	*e;
	size_t		 ne = ix->nbatch - ix->dstart, i, j, from;
	uint32_t	 sum = 0, prev, *eoff, *scat;
	uint8_t		*p;

	if (ne == 0)
		return 0;
	if (grow((void **)&ix->eoff, &ix->capeoff, ne, sizeof(*ix->eoff)) ==
	    -1 || grow((void **)&ix->scat, &ix->capscat, ix->nocc,
	    sizeof(*ix->scat)) == -1 || grow((void **)&ix->pbytes,
	    &ix->cappbytes, ix->npbytes + ix->nocc * 5, 1) == -1)
		return -1;
	eoff = ix->eoff;
	scat = ix->scat;
	for (i = 0; i < ne; i++) {
		eoff[i] = sum;
		sum += ix->batch[ix->dstart + i].val >> 1;
	}
	for (i = 0; i < ix->nocc; i++)
		scat[eoff[ix->occ[i].ent - ix->dstart]++] = ix->occ[i].pv;
	p = ix->pbytes + ix->npbytes;
	for (i = 0, from = 0; i < ne; i++) {
		e = &ix->batch[ix->dstart + i];
		e->poff = (uint32_t)(p - ix->pbytes);
		for (j = from, prev = 0; j < eoff[i]; j++) {
			p += put_varint(p, scat[j] - prev);
			prev = scat[j];
		}
		e->plen = (uint32_t)(p - ix->pbytes) - e->poff;
		from = eoff[i];
	}
	ix->npbytes = p - ix->pbytes;
	ix->nocc = 0;
	return 0;
}

int
search_doc_end(struct search_index *ix)
{
	if (ix->failed || !ix->in_doc)
		return -1;
	ix->in_doc = 0;
	ix->next_doc = ix->doc + 1;
	if (doc_positions(ix) == -1) {
		ix->failed = 1;
		return -1;
	}
	if ((ix->nbatch >= BATCH_MAX || ix->npbytes >= PBYTES_MAX) &&
	    batch_flush(ix) == -1) {
		ix->failed = 1;
		return -1;
	}
	return 0;
}

/* Link b's chain for one term after a's, re-basing b's first delta. */
static int
chain_link(struct term *ta, const struct term *tb)
{
	const uint8_t	*p, *end;
	uint32_t	 first;
	size_t		 w;

	if (tb->df == 0)
		return 0;
	if (ta->df == 0) {
		ta->head = tb->head;
		ta->tail = tb->tail;
		ta->df = tb->df;
		ta->last_doc = tb->last_doc;
		ta->bytes = tb->bytes;
		return 0;
	}
	p = tb->head->data;
	end = p + tb->head->len;
	first = get_varint(&p, end);
	if (first <= ta->last_doc)
		return -1;		/* ids must grow */
	w = p - tb->head->data;
	/* The new delta is smaller: it fits in the same width. */
	put_varint_width(tb->head->data, first - ta->last_doc, w);
	ta->tail->next = tb->head;
	ta->tail = tb->tail;
	ta->df += tb->df;
	ta->bytes += tb->bytes;
	ta->last_doc = tb->last_doc;
	return 0;
}

int
search_merge(struct search_index *a, struct search_index *b)
{
	struct term	*tb;
	struct slab	*sb;
	size_t		 i;
	long		 k;
	int		 rc = -1;

	if (a->failed || b->failed || a->in_doc || b->in_doc ||
	    a->finished || b->finished || batch_flush(a) == -1 || batch_flush(b) == -1)
		goto done;
	for (i = 0; i < b->nterms; i++) {
		tb = &b->terms[i];
		k = term_find(a, b->arena + tb->str, tb->len,
		    hash_key(b->arena + tb->str, tb->len), 1);
		if (k == -1 || chain_link(&a->terms[k], tb) == -1)
			goto done;
	}
	/* b's blocks now belong to a: move the slabs behind a's current. */
	while ((sb = b->slabs) != NULL) {
		b->slabs = sb->next;
		if (a->slabs == NULL) {
			sb->next = NULL;
			a->slabs = sb;
		} else {
			sb->next = a->slabs->next;
			a->slabs->next = sb;
		}
	}
	if (b->next_doc > a->next_doc)
		a->next_doc = b->next_doc;
	rc = 0;
done:
	if (rc == -1)
		a->failed = 1;
	search_free(b);
	return rc;
}

/* The buffers of batches of postings still to be flushed. */
static void
batch_buffers_free(struct search_index *ix)
{
	free(ix->batch);
	free(ix->sorted);
	free(ix->pos);
	free(ix->occ);
	free(ix->scat);
	free(ix->eoff);
	free(ix->pbytes);
	ix->batch = ix->sorted = NULL;
	ix->pos = ix->scat = ix->eoff = NULL;
	ix->occ = NULL;
	ix->pbytes = NULL;
	ix->capbatch = ix->capsorted = ix->cappos = ix->capocc = 0;
	ix->capscat = ix->capeoff = ix->cappbytes = 0;
	ix->nbatch = ix->nocc = ix->npbytes = 0;
}

/* The builder's memory, all but the image. */
static void
builder_free(struct search_index *ix)
{
	struct slab	*sb, *next;

	for (sb = ix->slabs; sb != NULL; sb = next) {
		next = sb->next;
		free(sb);
	}
	ix->slabs = NULL;
	free(ix->terms);
	free(ix->table);
	free(ix->arena);
	ix->terms = NULL;
	ix->table = NULL;
	ix->arena = NULL;
	ix->capterms = ix->tabsz = ix->arenacap = ix->arenalen = 0;
	batch_buffers_free(ix);
}

/* Release build-time slack (an open document is dropped). */
void
search_finish(struct search_index *ix)
{
	struct term	*nt;

	if (ix->finished)
		return;
	if (ix->in_doc) {
		ix->nbatch = ix->dstart;
		ix->in_doc = 0;
	}
	if (!ix->failed && batch_flush(ix) == -1)
		ix->failed = 1;
	ix->finished = 1;
	batch_buffers_free(ix);
	if (ix->nterms > 0 && ix->nterms < ix->capterms &&
	    (nt = realloc(ix->terms, ix->nterms * sizeof(*nt))) != NULL) {
		ix->terms = nt;
		ix->capterms = ix->nterms;
	}
}

void
search_free(struct search_index *ix)
{
	if (ix == NULL)
		return;
	builder_free(ix);
	free(ix->image);
	pthread_mutex_destroy(&ix->lock);
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
	struct search_index	*w = (struct search_index *)ix;
	const struct slab	*sb;
	size_t			 m;

	pthread_mutex_lock(&w->lock);		/* see search_image */

	m = sizeof(*ix) + ix->imagelen + ix->capterms * sizeof(struct term) +
	    ix->tabsz * sizeof(struct slot) + ix->arenacap + (ix->capbatch +
	    ix->capsorted) * sizeof(struct bentry) + ix->cappos *
	    sizeof(*ix->pos) + ix->capocc * sizeof(*ix->occ) +
	    (ix->capscat + ix->capeoff) * sizeof(uint32_t) + ix->cappbytes;
	for (sb = ix->slabs; sb != NULL; sb = sb->next)
		m += sizeof(*sb) + sb->cap;
	pthread_mutex_unlock(&w->lock);
	return m;
}

/* -- the image ----------------------------------------------------------- */

/* The sink behind a buffer: the batch's small headers go out in bulk. */
#define WBUF_SIZE	(64 * 1024)
struct wbuf {
	search_sink_fn	 fn;
	void		*arg;
	size_t		 n;
	int		 failed;
	uint8_t		*buf;
};

static void
wb_flush(struct wbuf *w)
{
	if (!w->failed && w->n > 0 && w->fn(w->arg, w->buf, w->n) == -1)
		w->failed = 1;
	w->n = 0;
}

static void
wb_put(struct wbuf *w, const void *p, size_t n)
{
	if (w->failed || n == 0)
		return;
	if (w->n + n > WBUF_SIZE) {
		wb_flush(w);
		if (n >= WBUF_SIZE / 2) {
			if (!w->failed && w->fn(w->arg, p, n) == -1)
				w->failed = 1;
			return;
		}
	}
	memcpy(w->buf + w->n, p, n);
	w->n += n;
}

/* A term of the image: in dictionary order, with its batch postings. */
struct wterm {
	const char	*s;
	uint32_t	 len, id;
	uint32_t	 df;
	uint32_t	 bfrom, bto;	/* in plan.bsorted */
	uint64_t	 bytes;		/* its postings */
};

struct plan {
	struct wterm	*t;
	size_t		 n;
	struct bentry	*bsorted;	/* finished batch entries, by term */
	uint64_t	 str_len, post_len, total;
};

static int
wterm_cmp(const void *a, const void *b)
{
	const struct wterm	*x = a, *y = b;
	int			 c;

	c = memcmp(x->s, y->s, x->len < y->len ? x->len : y->len);
	if (c != 0)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

/*
 * The batch entries of whole documents (an open document is left out),
 * grouped by term without touching the index: a counting sort into
 * buffers of the plan's own.
 */
static int
plan_batch(const struct search_index *ix, struct plan *pl, uint32_t *cnt)
{
	size_t		 nb = ix->in_doc ? ix->dstart : ix->nbatch, i;
	uint32_t	 sum = 0, c;

	if (nb > 0 && (pl->bsorted = malloc(nb * sizeof(*pl->bsorted))) ==
	    NULL)
		return -1;
	for (i = 0; i < nb; i++)
		cnt[ix->batch[i].id]++;
	for (i = 0; i < ix->nterms; i++) {
		c = cnt[i];
		cnt[i] = sum;
		sum += c;
	}
	for (i = 0; i < nb; i++)
		pl->bsorted[cnt[ix->batch[i].id]++] = ix->batch[i];
	return 0;
}

/* The bytes of a term's batch postings, after its chain. */
static uint64_t
plan_term_bytes(const struct search_index *ix, const struct plan *pl,
    const struct term *t, const struct wterm *w)
{
	uint8_t		 h[HEADER_MAX];
	uint64_t	 n = t->bytes;
	uint32_t	 last = t->last_doc, i;
	int		 first = t->df == 0;

	for (i = w->bfrom; i < w->bto; i++) {
		const struct bentry	*e = &pl->bsorted[i];

		n += post_header(h, first ? e->doc : e->doc - last, e->val,
		    e->plen) + e->plen;
		last = e->doc;
		first = 0;
	}
	(void)ix;
	return n;
}

static int
plan_build(const struct search_index *ix, struct plan *pl)
{
	const struct term	*t;
	struct wterm		*w;
	uint32_t		*cnt;
	size_t			 i;
	uint32_t		 from = 0;

	memset(pl, 0, sizeof(*pl));
	if ((cnt = calloc(ix->nterms + 1, sizeof(*cnt))) == NULL ||
	    (pl->t = calloc(ix->nterms + 1, sizeof(*pl->t))) == NULL ||
	    plan_batch(ix, pl, cnt) == -1) {
		free(cnt);
		return -1;
	}
	/* cnt[i] is now the end of term i's entries in bsorted. */
	for (i = 0; i < ix->nterms; from = cnt[i], i++) {
		t = &ix->terms[i];
		if (t->df + (cnt[i] - from) == 0)
			continue;	/* only in the open document */
		w = &pl->t[pl->n++];
		w->s = ix->arena + t->str;
		w->len = t->len;
		w->id = (uint32_t)i;
		w->df = t->df + (cnt[i] - from);
		w->bfrom = from;
		w->bto = cnt[i];
		w->bytes = plan_term_bytes(ix, pl, t, w);
		pl->str_len += w->len;
		pl->post_len += w->bytes;
	}
	free(cnt);
	qsort(pl->t, pl->n, sizeof(*pl->t), wterm_cmp);
	pl->total = SEARCH_IMAGE_HEADER + pl->n * SEARCH_IMAGE_DICT_ENTRY +
	    ((pl->str_len + 7) & ~(uint64_t)7) + pl->post_len;
	return 0;
}

static void
plan_free(struct plan *pl)
{
	free(pl->t);
	free(pl->bsorted);
}

static void
emit_head(const struct search_index *ix, const struct plan *pl,
    struct wbuf *wb)
{
	uint8_t		 h[SEARCH_IMAGE_HEADER], d[SEARCH_IMAGE_DICT_ENTRY];
	uint64_t	 str_off, post_off = 0;
	uint32_t	 soff = 0;
	size_t		 i;

	memset(h, 0, sizeof(h));
	memcpy(h, SEARCH_IMAGE_MAGIC, 8);
	le_put32(h + 8, SEARCH_IMAGE_VERSION);
	le_put32(h + 12, ix->next_doc);
	le_put32(h + 16, (uint32_t)pl->n);
	str_off = SEARCH_IMAGE_HEADER + pl->n * SEARCH_IMAGE_DICT_ENTRY;
	le_put64(h + 24, SEARCH_IMAGE_HEADER);
	le_put64(h + 32, str_off);
	le_put64(h + 40, pl->str_len);
	le_put64(h + 48, str_off + ((pl->str_len + 7) & ~(uint64_t)7));
	le_put64(h + 56, pl->post_len);
	wb_put(wb, h, sizeof(h));
	memset(d, 0, sizeof(d));
	for (i = 0; i < pl->n; i++) {
		le_put64(d, post_off);
		le_put64(d + 8, pl->t[i].bytes);
		le_put32(d + 16, soff);
		le_put32(d + 20, pl->t[i].len);
		le_put32(d + 24, pl->t[i].df);
		wb_put(wb, d, sizeof(d));
		post_off += pl->t[i].bytes;
		soff += pl->t[i].len;
	}
	for (i = 0; i < pl->n; i++)
		wb_put(wb, pl->t[i].s, pl->t[i].len);
	memset(d, 0, sizeof(d));
	wb_put(wb, d, ((pl->str_len + 7) & ~(uint64_t)7) - pl->str_len);
}

static void
emit_postings(const struct search_index *ix, const struct plan *pl,
    const struct wterm *w, struct wbuf *wb)
{
	const struct term	*t = &ix->terms[w->id];
	const struct pblock	*b;
	uint8_t			 h[HEADER_MAX];
	uint32_t		 last = t->last_doc, i;
	int			 first = t->df == 0;

	for (b = t->df > 0 ? t->head : NULL; b != NULL; b = b->next)
		wb_put(wb, b->data, b->len);
	for (i = w->bfrom; i < w->bto; i++) {
		const struct bentry	*e = &pl->bsorted[i];

		wb_put(wb, h, post_header(h, first ? e->doc : e->doc - last,
		    e->val, e->plen));
		wb_put(wb, ix->pbytes + e->poff, e->plen);
		last = e->doc;
		first = 0;
	}
}

static int
plan_emit(const struct search_index *ix, const struct plan *pl,
    search_sink_fn fn, void *arg)
{
	struct wbuf	 wb;
	size_t		 i;

	memset(&wb, 0, sizeof(wb));
	wb.fn = fn;
	wb.arg = arg;
	if ((wb.buf = malloc(WBUF_SIZE)) == NULL)
		return -1;
	emit_head(ix, pl, &wb);
	for (i = 0; i < pl->n && !wb.failed; i++)
		emit_postings(ix, pl, &pl->t[i], &wb);
	wb_flush(&wb);
	free(wb.buf);
	return wb.failed ? -1 : 0;
}

struct memsink {
	uint8_t		*p;
	size_t		 len, cap;
};

static int
mem_sink(void *arg, const void *p, size_t n)
{
	struct memsink	*m = arg;

	if (m->cap - m->len < n)
		return -1;
	memcpy(m->p + m->len, p, n);
	m->len += n;
	return 0;
}

/* The image in one allocation of its exact size. */
static int
image_alloc(const struct search_index *ix, uint8_t **out, size_t *outlen)
{
	struct plan	 pl;
	struct memsink	 m;
	int		 rc = -1;

	*out = NULL;
	if (plan_build(ix, &pl) == -1)
		return -1;
	memset(&m, 0, sizeof(m));
	if (pl.total <= SIZE_MAX && (m.p = malloc(pl.total)) != NULL) {
		m.cap = pl.total;
		if (plan_emit(ix, &pl, mem_sink, &m) == 0 && m.len == m.cap) {
			*out = m.p;
			*outlen = m.len;
			rc = 0;
		} else
			free(m.p);
	}
	plan_free(&pl);
	return rc;
}

int
search_write(const struct search_index *ix, search_sink_fn fn, void *arg)
{
	struct search_index	*w = (struct search_index *)ix;
	struct plan		 pl;
	int			 rc = -1;

	/* A finished index may be making its image: hold it still. */
	if (ix->finished)
		pthread_mutex_lock(&w->lock);
	if (ix->image != NULL)
		rc = fn(arg, ix->image, ix->imagelen) == -1 ? -1 : 0;
	else if (!ix->failed && plan_build(ix, &pl) == 0) {
		rc = plan_emit(ix, &pl, fn, arg);
		plan_free(&pl);
	}
	if (ix->finished)
		pthread_mutex_unlock(&w->lock);
	return rc;
}

/* See search.h. */
int
search_image(const struct search_index *cix, const uint8_t **img,
    size_t *len, uint8_t **owned)
{
	struct search_index	*ix = (struct search_index *)cix;

	*owned = NULL;
	*img = NULL;
	if (!ix->finished) {
		if (ix->failed || image_alloc(ix, owned, len) == -1)
			return -1;
		*img = *owned;
		return 0;
	}
	/* Made once, under the lock: the one change a finished index sees
	 * (so the cast).  Then the builder goes. */
	pthread_mutex_lock(&ix->lock);
	if (ix->image == NULL && !ix->failed) {
		if (image_alloc(ix, &ix->image, &ix->imagelen) == 0)
			builder_free(ix);
		else
			ix->image = NULL;
	}
	*img = ix->image;
	*len = ix->imagelen;
	pthread_mutex_unlock(&ix->lock);
	return *img != NULL ? 0 : -1;
}
