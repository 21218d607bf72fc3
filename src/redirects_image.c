/* SPDX-License-Identifier: ISC */
/*
 * broadside: the archive's moves as a flat image (see redirects_image.h).
 *
 *	header	"BSREDIR1", u32 n, u32 pool_len
 *	ents	n x { u32 from, u32 to, u32 origin }, sorted by from
 *	byto	n x u32 entry numbers, sorted by to (then from)
 *	pool	the strings, each NUL-ended; its last byte a NUL
 *
 * Little-endian, offsets into the pool.
 */
#include <stdlib.h>
#include <string.h>

#include "le.h"
#include "redirects_image.h"

#define RDIMG_MAGIC	"BSREDIR1"
#define RDIMG_HEAD	16
#define RDIMG_ENT	12

static int
from_cmp(const void *a, const void *b)
{
	const struct rdimg_entry	*x = a, *y = b;

	return strcmp(x->from, y->from);
}

/* qsort has no context: the entries to order byto by, while writing. */
static const struct rdimg_entry	*sorting;

static int
to_cmp(const void *a, const void *b)
{
	const struct rdimg_entry	*x = &sorting[*(const uint32_t *)a];
	const struct rdimg_entry	*y = &sorting[*(const uint32_t *)b];
	int				 c;

	if ((c = strcmp(x->to, y->to)) != 0)
		return c;
	return strcmp(x->from, y->from);
}

int
rdimg_write(struct rdimg_entry *e, size_t n, rdimg_sink_fn sink, void *arg)
{
	uint8_t		 head[RDIMG_HEAD], ent[RDIMG_ENT], w[4];
	uint32_t	*order = NULL;
	size_t		 i, pool = 0, off;
	int		 rc = -1;

	if (n > UINT32_MAX / RDIMG_ENT)
		return -1;
	if (n > 0)
		qsort(e, n, sizeof(*e), from_cmp);
	for (i = 0; i < n; i++)
		pool += strlen(e[i].from) + strlen(e[i].to) + 2;
	if (pool + 1 > UINT32_MAX ||
	    (order = calloc(n + 1, sizeof(*order))) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		order[i] = (uint32_t)i;
	sorting = e;
	if (n > 0)
		qsort(order, n, sizeof(*order), to_cmp);
	memcpy(head, RDIMG_MAGIC, 8);
	le_put32(head + 8, (uint32_t)n);
	le_put32(head + 12, (uint32_t)pool + 1);
	if (sink(arg, head, sizeof(head)) == -1)
		goto done;
	for (i = 0, off = 0; i < n; i++) {
		le_put32(ent, (uint32_t)off);
		off += strlen(e[i].from) + 1;
		le_put32(ent + 4, (uint32_t)off);
		off += strlen(e[i].to) + 1;
		le_put32(ent + 8, e[i].origin != 0);
		if (sink(arg, ent, sizeof(ent)) == -1)
			goto done;
	}
	for (i = 0; i < n; i++) {
		le_put32(w, order[i]);
		if (sink(arg, w, sizeof(w)) == -1)
			goto done;
	}
	for (i = 0; i < n; i++)
		if (sink(arg, e[i].from, strlen(e[i].from) + 1) == -1 ||
		    sink(arg, e[i].to, strlen(e[i].to) + 1) == -1)
			goto done;
	rc = sink(arg, "", 1);
done:
	free(order);
	return rc;
}

int
rdimg_open(struct rdimg *r, const void *mem, size_t len)
{
	const uint8_t	*m = mem;
	uint64_t	 need;
	uint32_t	 i;

	memset(r, 0, sizeof(*r));
	if (len < RDIMG_HEAD || memcmp(m, RDIMG_MAGIC, 8) != 0)
		return -1;
	r->n = le_get32(m + 8);
	r->pool_len = le_get32(m + 12);
	need = RDIMG_HEAD + (uint64_t)r->n * (RDIMG_ENT + 4) + r->pool_len;
	if (need != len || r->pool_len == 0)
		return -1;
	r->ents = m + RDIMG_HEAD;
	r->byto = r->ents + (size_t)r->n * RDIMG_ENT;
	r->pool = (const char *)(r->byto + (size_t)r->n * 4);
	if (r->pool[r->pool_len - 1] != '\0')
		return -1;
	for (i = 0; i < r->n; i++)
		if (le_get32(r->ents + i * RDIMG_ENT) >= r->pool_len ||
		    le_get32(r->ents + i * RDIMG_ENT + 4) >= r->pool_len ||
		    le_get32(r->byto + i * 4) >= r->n)
			return -1;
	return 0;
}

/* The string at an entry's field (0 from, 4 to), inside the pool. */
static const char *
field(const struct rdimg *r, uint32_t i, int which)
{
	return r->pool + le_get32(r->ents + (size_t)i * RDIMG_ENT + which);
}

const char *
rdimg_lookup(const struct rdimg *r, const char *from)
{
	uint32_t	 lo = 0, hi = r->n, mid;
	int		 c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((c = strcmp(from, field(r, mid, 0))) == 0)
			return field(r, mid, 4);
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const char *
rdimg_origin(const struct rdimg *r, const char *to)
{
	uint32_t	 lo = 0, hi = r->n, mid, k;
	int		 c;

	/* The first entry leading to `to`, then the one marked its first
	 * name among them. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(field(r, le_get32(r->byto + mid * 4), 4), to);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < r->n; lo++) {
		k = le_get32(r->byto + lo * 4);
		if (strcmp(field(r, k, 4), to) != 0)
			break;
		if (le_get32(r->ents + (size_t)k * RDIMG_ENT + 8) != 0)
			return field(r, k, 0);
	}
	return NULL;
}
