/* SPDX-License-Identifier: ISC */
/*
 * broadside: queries over flat search images.  See search_flat.h.
 *
 * Nothing here trusts the image beyond what search_seg_open checked (the
 * header and the dictionary): postings are decoded against the end of
 * their term's bytes, doc gaps must be positive and docs below the
 * segment's count, positions must grow, and a posting that breaks a rule
 * ends its list.  Every loop consumes bytes of a bounded list, so a
 * hostile image can make a query wrong, never endless or out of bounds.
 *
 * Evaluation walks postings in doc order and intersects them leapfrog
 * fashion (each term skips to the doc the others agree on), rarest term
 * first; the only allocation is the cursors, bounded by the query
 * (SEARCH_TERMS_MAX terms of at most SEARCH_PREFIX_TERMS_MAX lists).
 */
#include <stdlib.h>
#include <string.h>

#include "search.h"
#include "le.h"
#include "search_flat.h"
#include "utf8.h"

#define DOC_END		UINT32_MAX

/* [off, off + len) inside a buffer of size total, without overflow. */
static int
in_bounds(uint64_t off, uint64_t len, uint64_t total)
{
	return off <= total && len <= total - off;
}

/* -- the dictionary ------------------------------------------------------ */

struct dent {
	uint64_t	 post_off, post_len;
	const uint8_t	*s;
	uint32_t	 len, df;
};

static void
dict_get(const struct search_seg *sg, size_t i, struct dent *d)
{
	const uint8_t	*e = sg->dict + i * SEARCH_IMAGE_DICT_ENTRY;

	d->post_off = le_get64(e);
	d->post_len = le_get64(e + 8);
	d->s = sg->str + le_get32(e + 16);
	d->len = le_get32(e + 20);
	d->df = le_get32(e + 24);
}

static int
key_cmp(const uint8_t *a, size_t al, const char *b, size_t bl)
{
	int	 c = memcmp(a, b, al < bl ? al : bl);

	if (c != 0)
		return c;
	return al < bl ? -1 : al > bl;
}

/* The first entry not below key. */
static size_t
dict_lower(const struct search_seg *sg, const char *key, size_t len)
{
	struct dent	 d;
	size_t		 lo = 0, hi = sg->nterms, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		dict_get(sg, mid, &d);
		if (key_cmp(d.s, d.len, key, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int
dict_find(const struct search_seg *sg, const char *key, size_t len,
    struct dent *d)
{
	size_t	 i = dict_lower(sg, key, len);

	if (i == sg->nterms)
		return -1;
	dict_get(sg, i, d);
	return key_cmp(d->s, d->len, key, len) == 0 ? 0 : -1;
}

static int
dict_check(struct search_seg *sg)
{
	struct dent	 d, prev;
	const uint8_t	*e;
	size_t		 i;

	memset(&prev, 0, sizeof(prev));

	for (i = 0; i < sg->nterms; i++) {
		e = sg->dict + i * SEARCH_IMAGE_DICT_ENTRY;
		if (le_get32(e + 28) != 0 ||
		    !in_bounds(le_get32(e + 16), le_get32(e + 20), sg->str_len))
			return -1;
		dict_get(sg, i, &d);
		if (d.len == 0 || d.len > SEARCH_TOKEN_MAX || d.df == 0 ||
		    d.df > sg->docs ||
		    !in_bounds(d.post_off, d.post_len, sg->post_len))
			return -1;
		if (i > 0 && key_cmp(prev.s, prev.len, (const char *)d.s,
		    d.len) >= 0)
			return -1;
		prev = d;
	}
	return 0;
}

int
search_seg_open(struct search_seg *sg, const void *mem, size_t len)
{
	const uint8_t	*m = mem;
	uint64_t	 dict_off, str_off, str_len, post_off, post_len;

	memset(sg, 0, sizeof(*sg));
	if (len < SEARCH_IMAGE_HEADER || memcmp(m, SEARCH_IMAGE_MAGIC, 8) != 0 ||
	    le_get32(m + 8) != SEARCH_IMAGE_VERSION || le_get32(m + 20) != 0)
		return -1;
	sg->docs = le_get32(m + 12);
	sg->nterms = le_get32(m + 16);
	dict_off = le_get64(m + 24);
	str_off = le_get64(m + 32);
	str_len = le_get64(m + 40);
	post_off = le_get64(m + 48);
	post_len = le_get64(m + 56);
	if ((dict_off | str_off | post_off) & 7 ||
	    dict_off < SEARCH_IMAGE_HEADER ||
	    !in_bounds(dict_off, (uint64_t)sg->nterms *
	    SEARCH_IMAGE_DICT_ENTRY, len) ||
	    !in_bounds(str_off, str_len, len) ||
	    !in_bounds(post_off, post_len, len))
		return -1;
	sg->mem = m;
	sg->len = len;
	sg->dict = m + dict_off;
	sg->dict_len = (size_t)sg->nterms * SEARCH_IMAGE_DICT_ENTRY;
	sg->str = m + str_off;
	sg->str_len = str_len;
	sg->post = m + post_off;
	sg->post_len = post_len;
	if (dict_check(sg) == -1) {
		memset(sg, 0, sizeof(*sg));
		return -1;
	}
	return 0;
}

/* -- postings ------------------------------------------------------------- */

/* -1 when the bytes end inside the varint or it exceeds 32 bits. */
static int
rd_varint(const uint8_t **pp, const uint8_t *end, uint32_t *v)
{
	const uint8_t	*p = *pp;
	uint64_t	 x = 0;
	int		 shift;

	for (shift = 0; shift < 35 && p < end; shift += 7) {
		x |= (uint64_t)(*p & 0x7f) << shift;
		if ((*p++ & 0x80) == 0) {
			if (x > UINT32_MAX)
				return -1;
			*pp = p;
			*v = (uint32_t)x;
			return 0;
		}
	}
	return -1;
}

/* A term's postings, at one posting (doc DOC_END: none left). */
struct cursor {
	const uint8_t	*p, *end;
	uint32_t	 left;		/* postings not yet read */
	uint32_t	 docs;		/* the segment's bound */
	uint32_t	 doc, val;
	const uint8_t	*pos;		/* the posting's positions */
	uint32_t	 plen;
	int		 started;
};

static void
cur_next(struct cursor *c)
{
	uint32_t	 gap, val, plen;

	if (c->left == 0 || rd_varint(&c->p, c->end, &gap) == -1 ||
	    rd_varint(&c->p, c->end, &val) == -1 ||
	    rd_varint(&c->p, c->end, &plen) == -1 ||
	    plen > (size_t)(c->end - c->p) || (c->started && gap == 0) ||
	    (c->started && gap > c->docs - c->doc) ||
	    (c->started ? c->doc + gap : gap) >= c->docs) {
		c->doc = DOC_END;
		c->left = 0;
		return;
	}
	c->doc = c->started ? c->doc + gap : gap;
	c->started = 1;
	c->val = val;
	c->pos = c->p;
	c->plen = plen;
	c->p += plen;
	c->left--;
}

static void
cur_init(struct cursor *c, const struct search_seg *sg, const struct dent *d)
{
	memset(c, 0, sizeof(*c));
	c->p = sg->post + d->post_off;
	c->end = c->p + d->post_len;
	c->left = d->df;
	c->docs = sg->docs;
	cur_next(c);
}

static void
cur_seek(struct cursor *c, uint32_t target)
{
	while (c->doc < target)
		cur_next(c);
}

/* A posting's positions, growing; 0 when they end (or break a rule). */
struct posit {
	const uint8_t	*p, *end;
	uint32_t	 v;
};

/* The hot loop of phrases: most gaps are one byte. */
static inline int
pos_next(struct posit *pi)
{
	uint32_t	 d;

	if (pi->p < pi->end && *pi->p < 0x80)
		d = *pi->p++;
	else if (rd_varint(&pi->p, pi->end, &d) == -1)
		return 0;
	if (d == 0 || d > UINT32_MAX - pi->v)
		return 0;
	pi->v += d;
	return 1;
}

static int
pos_first(struct posit *pi, const struct cursor *c)
{
	pi->p = c->pos;
	pi->end = c->pos + c->plen;
	return rd_varint(&pi->p, pi->end, &pi->v) == 0;
}

/*
 * How often the phrase occurs in the doc all its cursors are at (only
 * whether it does when `first`): word i at the place of word 0 plus i,
 * in the same field (pos << 1 | meta: plus 2i).  *meta: an occurrence is
 * in title or tags.  Linear in the positions' bytes: each step reads one.
 */
/*
 * Two words, the common case, with the lists in locals (registers): word
 * 0 leaps to just before word 1's place instead of stepping.
 */
static uint32_t
phrase_count2(const struct cursor *c, int first, uint32_t *meta)
{
	struct posit	 a, b;
	uint32_t	 count = 0;

	*meta = 0;
	if (!pos_first(&a, &c[0]) || !pos_first(&b, &c[1]))
		return 0;
	for (;;) {
		if (a.v > UINT32_MAX - 2)
			return count;
		while (b.v < a.v + 2)
			if (!pos_next(&b))
				return count;
		if (b.v == a.v + 2) {
			count++;
			*meta |= a.v & 1;
			if (first)
				return count;
		}
		do {
			if (!pos_next(&a))
				return count;
		} while (a.v < b.v - 2);
	}
}

/* The first word of the adjacent pair with the fewest places (tf). */
static size_t
rarest_pair(const struct cursor *c, size_t n)
{
	uint64_t	 best = UINT64_MAX, cost;
	size_t		 i, k = 0;

	for (i = 0; i + 1 < n; i++) {
		cost = (uint64_t)(c[i].val >> 1) + (c[i + 1].val >> 1);
		if (cost < best) {
			best = cost;
			k = i;
		}
	}
	return k;
}

static uint32_t
phrase_count(struct cursor *c, size_t n, int first, uint32_t *meta)
{
	struct posit	 pi[SEARCH_PHRASE_MAX];
	uint32_t	 count = 0, base, want;
	size_t		 i, k;

	if (n == 2)
		return phrase_count2(c, first, meta);
	/*
	 * Longer phrases of common words rarely occur where all their
	 * words do: first the pair with the fewest places in this document,
	 * read alone (half the bytes or less), and the whole phrase only
	 * when that pair is there.
	 */
	k = rarest_pair(c, n);
	if (phrase_count2(c + k, 1, meta) == 0)
		return 0;
	*meta = 0;
	for (i = 0; i < n; i++)
		if (!pos_first(&pi[i], &c[i]))
			return 0;
	for (;;) {
		base = pi[0].v;
		for (i = 1; i < n; i++) {
			if (base > UINT32_MAX - 2 * i)
				return count;
			want = base + 2 * (uint32_t)i;
			while (pi[i].v < want)
				if (!pos_next(&pi[i]))
					return count;
			if (pi[i].v != want)
				break;
		}
		if (i == n) {
			count++;
			*meta |= base & 1;
			if (first)
				return count;
		}
		if (!pos_next(&pi[0]))
			return count;
	}
}

/* -- query terms ----------------------------------------------------------- */

/* A query term over one segment: its cursors and its current match. */
struct tstate {
	const struct search_qterm *q;
	struct cursor	*c;
	size_t		 nc;
	uint16_t	*heap;		/* prefix: cursors by doc */
	size_t		 nheap;
	uint64_t	 cost;		/* postings to walk, about */
	uint32_t	 doc, tf, meta;	/* doc DOC_END: no more */
	int		 started;
	int		 bound;		/* a phrase's tf, meta: bounds */
};

static int
heap_less(const struct tstate *ts, size_t a, size_t b)
{
	return ts->c[ts->heap[a]].doc < ts->c[ts->heap[b]].doc;
}

static void
heap_down(struct tstate *ts, size_t i)
{
	size_t		 k;
	uint16_t	 tmp;

	for (;;) {
		k = 2 * i + 1;
		if (k >= ts->nheap)
			return;
		if (k + 1 < ts->nheap && heap_less(ts, k + 1, k))
			k++;
		if (!heap_less(ts, k, i))
			return;
		tmp = ts->heap[i];
		ts->heap[i] = ts->heap[k];
		ts->heap[k] = tmp;
		i = k;
	}
}

/* The top cursor moved: re-place it, or drop it when it is done. */
static void
heap_fix_top(struct tstate *ts)
{
	if (ts->c[ts->heap[0]].doc == DOC_END)
		ts->heap[0] = ts->heap[--ts->nheap];
	if (ts->nheap > 0)
		heap_down(ts, 0);
}

/* Sum over the heap's cursors at doc (a walk of the heap's top part). */
static void
heap_sum(struct tstate *ts, uint32_t doc)
{
	uint16_t	 stack[SEARCH_PREFIX_TERMS_MAX];
	size_t		 n = 0, i;
	struct cursor	*c;

	ts->tf = ts->meta = 0;
	stack[n++] = 0;
	while (n > 0) {
		i = stack[--n];
		c = &ts->c[ts->heap[i]];
		if (c->doc != doc)
			continue;
		ts->tf += c->val >> 1;
		ts->meta |= c->val & 1;
		if (2 * i + 1 < ts->nheap)
			stack[n++] = (uint16_t)(2 * i + 1);
		if (2 * i + 2 < ts->nheap)
			stack[n++] = (uint16_t)(2 * i + 2);
	}
}

static void
prefix_next(struct tstate *ts, uint32_t target)
{
	while (ts->nheap > 0 && ts->c[ts->heap[0]].doc < target) {
		cur_seek(&ts->c[ts->heap[0]], target);
		heap_fix_top(ts);
	}
	if (ts->nheap == 0) {
		ts->doc = DOC_END;
		return;
	}
	ts->doc = ts->c[ts->heap[0]].doc;
	heap_sum(ts, ts->doc);
}

static void
phrase_next(struct tstate *ts, uint32_t target)
{
	uint32_t	 d = target, tf, meta;
	size_t		 i;

	for (;;) {
		for (i = 0; i < ts->nc; i++) {
			cur_seek(&ts->c[i], d);
			if (ts->c[i].doc == DOC_END) {
				ts->doc = DOC_END;
				return;
			}
			if (ts->c[i].doc > d) {
				d = ts->c[i].doc;
				i = (size_t)-1;	/* all again */
			}
		}
		/*
		 * It occurs: counted only if the doc may rank (phrase_exact);
		 * till then, no more than its rarest word, in title or tags
		 * only if all its words are.
		 */
		if (phrase_count(ts->c, ts->nc, 1, &meta) > 0) {
			ts->doc = d;
			ts->bound = 1;
			ts->tf = UINT32_MAX;
			ts->meta = 1;
			for (i = 0; i < ts->nc; i++) {
				tf = ts->c[i].val >> 1;
				ts->tf = tf < ts->tf ? tf : ts->tf;
				ts->meta &= ts->c[i].val & 1;
			}
			ts->meta |= meta;
			return;
		}
		if (d == DOC_END - 1) {
			ts->doc = DOC_END;
			return;
		}
		d++;
	}
}

static void
phrase_exact(struct tstate *ts)
{
	if (ts->bound) {
		ts->tf = phrase_count(ts->c, ts->nc, 0, &ts->meta);
		ts->bound = 0;
	}
}

/* The first doc at or after target where the term occurs (ts->doc). */
static uint32_t
term_next(struct tstate *ts, uint32_t target)
{
	if (ts->started && ts->doc >= target)
		return ts->doc;
	ts->started = 1;
	switch (ts->q->kind) {
	case SEARCH_QWORD:
		cur_seek(&ts->c[0], target);
		ts->doc = ts->c[0].doc;
		ts->tf = ts->c[0].val >> 1;
		ts->meta = ts->c[0].val & 1;
		break;
	case SEARCH_QPHRASE:
		phrase_next(ts, target);
		break;
	case SEARCH_QPREFIX:
		prefix_next(ts, target);
		break;
	}
	return ts->doc;
}

/*
 * Cursors for a term over a segment, taken from *pool; 0 when the term
 * does not occur there (then the AND is empty).
 */
static int
term_setup(const struct search_seg *sg, const struct search_qterm *q,
    struct tstate *ts, struct cursor *pool, uint16_t *heap)
{
	struct dent	 d;
	size_t		 i;

	memset(ts, 0, sizeof(*ts));
	ts->q = q;
	ts->c = pool;
	if (q->kind == SEARCH_QPREFIX) {
		ts->heap = heap;
		i = dict_lower(sg, q->w[0], q->wl[0]);
		for (; i < sg->nterms && ts->nc < SEARCH_PREFIX_TERMS_MAX;
		    i++) {
			dict_get(sg, i, &d);
			if (d.len < q->wl[0] ||
			    memcmp(d.s, q->w[0], q->wl[0]) != 0)
				break;
			cur_init(&ts->c[ts->nc], sg, &d);
			ts->heap[ts->nc] = (uint16_t)ts->nc;
			ts->cost += d.df;
			ts->nc++;
		}
		ts->nheap = ts->nc;
		for (i = ts->nheap / 2; i-- > 0;)
			heap_down(ts, i);
		return ts->nc > 0;
	}
	for (i = 0; i < q->n; i++) {
		if (dict_find(sg, q->w[i], q->wl[i], &d) == -1)
			return 0;
		cur_init(&ts->c[i], sg, &d);
		if (i == 0 || d.df < ts->cost)
			ts->cost = d.df;
	}
	ts->nc = q->n;
	return 1;
}

/* -- ranking ---------------------------------------------------------------- */

struct ranker {
	const uint32_t	*rank;
	size_t		 nrank;
	struct search_hit *top;
	size_t		 max, n, total;
};

static uint32_t
rank_of(const struct ranker *r, uint32_t doc)
{
	if (r->rank == NULL)
		return doc;
	return doc < r->nrank ? r->rank[doc] : SEARCH_RANK_NONE;
}

/* Better first: meta, tf, then the lower rank (newer). */
static int
hit_better(const struct ranker *r, const struct search_hit *a,
    const struct search_hit *b)
{
	if (a->meta != b->meta)
		return a->meta > b->meta;
	if (a->tf != b->tf)
		return a->tf > b->tf;
	return rank_of(r, a->doc) < rank_of(r, b->doc);
}

static void
top_insert(struct ranker *r, const struct search_hit *h)
{
	size_t	 i;

	r->total++;
	if (r->max == 0)
		return;
	if (r->n == r->max && !hit_better(r, h, &r->top[r->max - 1]))
		return;
	i = r->n < r->max ? r->n++ : r->max - 1;
	while (i > 0 && hit_better(r, h, &r->top[i - 1])) {
		r->top[i] = r->top[i - 1];
		i--;
	}
	r->top[i] = *h;
}

/* -- evaluation ------------------------------------------------------------ */

static void
hit_sum(const struct tstate *ts, size_t n, uint32_t d, struct search_hit *h)
{
	size_t	 i;

	h->doc = d;
	h->meta = h->tf = 0;
	for (i = 0; i < n; i++) {
		h->meta += ts[i].meta ? 1 : 0;
		h->tf += ts[i].tf;
	}
}

static void
seg_run(struct tstate *ts, size_t n, struct ranker *r)
{
	struct search_hit	 h;
	uint32_t		 d = 0, e = 0;
	size_t			 i;

	for (;;) {
		if ((d = term_next(&ts[0], d)) == DOC_END)
			return;
		for (i = 1; i < n; i++) {
			if ((e = term_next(&ts[i], d)) == DOC_END)
				return;
			if (e > d)
				break;
		}
		if (i < n) {
			d = e;			/* all again from there */
			continue;
		}
		if (rank_of(r, d) != SEARCH_RANK_NONE) {
			hit_sum(ts, n, d, &h);
			/* Phrases counted only when the bound could rank. */
			if (r->n == r->max && (r->max == 0 ||
			    !hit_better(r, &h, &r->top[r->max - 1])))
				r->total++;
			else {
				for (i = 0; i < n; i++)
					phrase_exact(&ts[i]);
				hit_sum(ts, n, d, &h);
				top_insert(r, &h);
			}
		}
		if (d == DOC_END - 1)
			return;
		d++;
	}
}

static void
seg_query(const struct search_seg *sg, const struct search_qparse *qp,
    struct tstate *ts, struct cursor *pool, uint16_t *heap,
    struct ranker *r)
{
	struct tstate	 tmp;
	size_t		 i, j, used = 0;

	for (i = 0; i < qp->n; i++) {
		if (!term_setup(sg, &qp->t[i], &ts[i], pool + used,
		    heap + used))
			return;
		used += qp->t[i].kind == SEARCH_QPREFIX ?
		    SEARCH_PREFIX_TERMS_MAX : qp->t[i].n;
	}
	/* Rarest first: the others are asked only where it occurs. */
	for (i = 1; i < qp->n; i++)
		for (j = i; j > 0 && ts[j].cost < ts[j - 1].cost; j--) {
			tmp = ts[j];
			ts[j] = ts[j - 1];
			ts[j - 1] = tmp;
		}
	seg_run(ts, qp->n, r);
}

int
search_seg_query(const struct search_seg *sg, size_t nseg,
    const uint32_t *rank, size_t nrank, const char *q, size_t len,
    struct search_hit *hits, size_t max, size_t *nhits, size_t *total)
{
	struct search_qparse	 qp;
	struct tstate		 ts[SEARCH_TERMS_MAX];
	struct ranker		 r;
	struct cursor		*pool;
	uint16_t		*heap;
	size_t			 i, need = 0;

	*nhits = *total = 0;
	if (search_query_parse(q, len, &qp) == 0)
		return 0;
	for (i = 0; i < qp.n; i++)
		need += qp.t[i].kind == SEARCH_QPREFIX ?
		    SEARCH_PREFIX_TERMS_MAX : qp.t[i].n;
	if ((pool = calloc(need, sizeof(*pool))) == NULL ||
	    (heap = calloc(need, sizeof(*heap))) == NULL) {
		free(pool);
		return -1;
	}
	memset(&r, 0, sizeof(r));
	r.rank = rank;
	r.nrank = nrank;
	r.top = hits;
	r.max = hits != NULL ? max : 0;
	for (i = 0; i < nseg; i++)
		seg_query(&sg[i], &qp, ts, pool, heap, &r);
	free(pool);
	free(heap);
	*nhits = r.n;
	*total = r.total;
	return (int)qp.n;
}

/* -- the query syntax ------------------------------------------------------ */

#define QTOKENS_MAX	(SEARCH_QUERY_MAX / 2 + 1)

struct qtok {
	char	 w[SEARCH_TOKEN_MAX + 1];
	size_t	 len, start, end;
};

struct qtoks {
	struct qtok	 t[QTOKENS_MAX];
	size_t		 n;
};

static int
qtok_cb(void *arg, const char *tok, size_t len, size_t s, size_t e)
{
	struct qtoks	*q = arg;

	if (q->n == QTOKENS_MAX)
		return 1;
	memcpy(q->t[q->n].w, tok, len);
	q->t[q->n].w[len] = '\0';
	q->t[q->n].len = len;
	q->t[q->n].start = s;
	q->t[q->n++].end = e;
	return 0;
}

/* The length of a quote mark at q[i] (", “ or ”), else 0. */
static size_t
quote_at(const char *q, size_t len, size_t i)
{
	if (q[i] == '"')
		return 1;
	if (len - i >= 3 && (unsigned char)q[i] == 0xe2 &&
	    (unsigned char)q[i + 1] == 0x80 &&
	    ((unsigned char)q[i + 2] == 0x9c || (unsigned char)q[i + 2] == 0x9d))
		return 3;
	return 0;
}

static int
qterm_eq(const struct search_qterm *a, const struct search_qterm *b)
{
	size_t	 i;

	if (a->kind != b->kind || a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++)
		if (a->wl[i] != b->wl[i] || memcmp(a->w[i], b->w[i],
		    a->wl[i]) != 0)
			return 0;
	return 1;
}

/* Adds t unless it is there already or the query is full. */
static void
qterm_add(struct search_qparse *p, const struct search_qterm *t)
{
	size_t	 i;

	if (t->n == 0 || p->n == SEARCH_TERMS_MAX)
		return;
	p->t[p->n] = *t;
	if (t->kind == SEARCH_QPHRASE && t->n == 1)
		p->t[p->n].kind = SEARCH_QWORD;		/* "word" */
	for (i = 0; i < p->n; i++)
		if (qterm_eq(&p->t[i], &p->t[p->n]))
			return;
	p->n++;
}

static void
qterm_word(struct search_qterm *t, const struct qtok *k, int kind)
{
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	t->n = 1;
	memcpy(t->w[0], k->w, k->len + 1);
	t->wl[0] = k->len;
}

size_t
search_query_parse(const char *q, size_t len, struct search_qparse *p)
{
	struct qtoks		 tk;
	struct search_qterm	 ph, t;
	size_t			 i, j, k, prev = 0;
	int			 inq = 0;

	memset(p, 0, sizeof(*p));
	if (len > SEARCH_QUERY_MAX)
		len = SEARCH_QUERY_MAX;
	tk.n = 0;
	search_tokenize(q, len, qtok_cb, &tk);
	memset(&ph, 0, sizeof(ph));
	ph.kind = SEARCH_QPHRASE;
	for (i = 0; i <= tk.n; i++) {
		/* Quote marks between the last word and this one. */
		k = i < tk.n ? tk.t[i].start : len;
		for (j = prev; j < k; j++) {
			size_t	 ql = quote_at(q, len, j);

			if (ql == 0)
				continue;
			if (inq) {
				qterm_add(p, &ph);
				ph.n = 0;
			}
			inq = !inq;
			j += ql - 1;
		}
		if (i == tk.n)
			break;
		prev = tk.t[i].end;
		if (inq) {
			if (ph.n < SEARCH_PHRASE_MAX) {
				memcpy(ph.w[ph.n], tk.t[i].w, tk.t[i].len + 1);
				ph.wl[ph.n++] = tk.t[i].len;
			}
			continue;
		}
		qterm_word(&t, &tk.t[i], tk.t[i].end < len &&
		    q[tk.t[i].end] == '*' && tk.t[i].len >= 2 ?
		    SEARCH_QPREFIX : SEARCH_QWORD);
		qterm_add(p, &t);
	}
	if (inq)
		qterm_add(p, &ph);		/* unbalanced: to the end */
	return p->n;
}

/* -- in memory, for tests and the bench ---------------------------------- */

/*
 * In memory, through the image: the finished index's own, or one written
 * for this query (an index still being built; costly, for tests).
 */
int
search_query(const struct search_index *ix, const char *q, size_t len,
    struct search_hit *hits, size_t max, size_t *nhits, size_t *total)
{
	struct search_seg	 sg;
	const uint8_t		*img;
	uint8_t			*owned;
	size_t			 ilen;
	int			 rc = -1;

	*nhits = *total = 0;
	if (search_image(ix, &img, &ilen, &owned) == -1)
		return -1;
	if (search_seg_open(&sg, img, ilen) == 0)
		rc = search_seg_query(&sg, 1, NULL, 0, q, len, hits, max,
		    nhits, total);
	free(owned);
	return rc;
}

/* -- snippets ------------------------------------------------------------- */

/* The last words of the text, for phrases: a ring of SEARCH_PHRASE_MAX. */
struct snip_word {
	char	 w[SEARCH_TOKEN_MAX];
	size_t	 len, start;
};

struct snip_find {
	const struct search_qparse	*q;
	struct snip_word		 ring[SEARCH_PHRASE_MAX];
	size_t				 nw;	/* words seen */
	size_t				 start, end;
	int				 found;
};

static int
snip_term(const struct snip_find *f, const struct search_qterm *t,
    const char *tok, size_t len, size_t *start)
{
	const struct snip_word	*sw;
	size_t			 i;

	switch (t->kind) {
	case SEARCH_QWORD:
		return t->wl[0] == len && memcmp(t->w[0], tok, len) == 0;
	case SEARCH_QPREFIX:
		return len >= t->wl[0] && memcmp(t->w[0], tok, t->wl[0]) == 0;
	case SEARCH_QPHRASE:
		if (f->nw < t->n)
			return 0;
		/* ring[(nw - 1) % MAX] is this word; the phrase ends here. */
		for (i = 0; i < t->n; i++) {
			sw = &f->ring[(f->nw - t->n + i) % SEARCH_PHRASE_MAX];
			if (sw->len != t->wl[i] ||
			    memcmp(sw->w, t->w[i], sw->len) != 0)
				return 0;
		}
		*start = f->ring[(f->nw - t->n) % SEARCH_PHRASE_MAX].start;
		return 1;
	}
	return 0;
}

static int
snip_cb(void *arg, const char *tok, size_t len, size_t s, size_t e)
{
	struct snip_find	*f = arg;
	struct snip_word	*sw = &f->ring[f->nw % SEARCH_PHRASE_MAX];
	size_t			 i, start;

	memcpy(sw->w, tok, len);
	sw->len = len;
	sw->start = s;
	f->nw++;
	for (i = 0; i < f->q->n; i++) {
		start = s;
		if (snip_term(f, &f->q->t[i], tok, len, &start)) {
			f->start = start;
			f->end = e;
			f->found = 1;
			return 1;
		}
	}
	return 0;
}

size_t
search_snippet(const char *text, size_t len, const char *q, size_t qlen,
    char *out, size_t outsz)
{
	struct search_qparse	 qp;
	struct snip_find	 f;
	size_t			 from, to, i, o = 0, ls;
	int			 space = 0, bol;

	if (outsz == 0)
		return 0;
	out[0] = '\0';
	if (search_query_parse(q, qlen, &qp) == 0)
		return 0;
	memset(&f, 0, sizeof(f));
	f.q = &qp;
	search_tokenize(text, len, snip_cb, &f);
	if (!f.found)
		return 0;
	/* Start at the hit's line when it is close, else 60 bytes before. */
	for (ls = f.start; ls > 0 && text[ls - 1] != '\n'; ls--)
		;
	from = f.start - ls <= 60 ? ls : utf8_cut(text, len, f.start - 60);
	to = from + SEARCH_SNIPPET_MAX < len ? from + SEARCH_SNIPPET_MAX : len;
	if (to < f.end)
		to = f.end < len ? f.end : len;
	if (to < len)
		to = utf8_cut(text, len, to);
	if (from > 0 && text[from - 1] != '\n' && o + 4 < outsz) {
		memcpy(out, "\xe2\x80\xa6", 3);
		o = 3;
	}
	bol = from == 0 || text[from - 1] == '\n';
	for (i = from; i < to && o + 8 < outsz; i++) {
		unsigned char	 c = text[i];
		uint32_t	 cp;
		int		 n;

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
		/* Whole characters only: invalid bytes are dropped, and a
		 * character that does not fit ends the snippet. */
		n = c < 0x80 ? 1 : utf8_decode((const unsigned char *)text + i,
		    to - i, &cp);
		if (n <= 0)
			continue;
		if (o + (space ? 1 : 0) + (size_t)n + 4 > outsz) {
			to = i;		/* cut here: the ellipsis follows */
			break;
		}
		if (space) {
			out[o++] = ' ';
			space = 0;
		}
		memcpy(out + o, text + i, (size_t)n);
		o += (size_t)n;
		i += (size_t)n - 1;
	}
	if (i < to)
		to = i;			/* the buffer ended the copy */
	if (to < len && o + 4 <= outsz) {
		memcpy(out + o, "\xe2\x80\xa6", 3);
		o += 3;
	}
	out[o] = '\0';
	return o;
}
