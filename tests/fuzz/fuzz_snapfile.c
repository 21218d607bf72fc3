/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target: the catalog's meta image (snapfile.h).
 *
 * Input: the bytes of a meta image, copied to an 8-aligned buffer of
 * their size (ASan sees a read past it).  snapshot_open either refuses
 * them or gives a snapshot every accessor of which stays inside: every
 * statement decodes, its strings end inside the image, the positions of
 * the groups and of the rank table name statements, a path looked up
 * comes back with that path, every hidden entry has a known kind and its
 * strings inside, every attachment list reads to its end, every version
 * and listed position names a statement.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive_build.h"
#include "snapfile.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(c)	do {						\
	if (!(c)) {							\
		fprintf(stderr, "fuzz_snapfile.c:%d: %s\n", __LINE__, #c); \
		abort();						\
	}								\
} while (0)

static const uint8_t	*img_lo, *img_hi;

/* A string of the image: it starts and ends (its NUL) inside. */
static void
check_str(const char *s, int may_be_null)
{
	if (s == NULL) {
		CHECK(may_be_null);
		return;
	}
	if (*s == '\0' && (s < (const char *)img_lo ||
	    s >= (const char *)img_hi))
		return;		/* a constant "" */
	CHECK((const uint8_t *)s >= img_lo &&
	    (const uint8_t *)s + strlen(s) < img_hi);
}

static void
check_stmt(const struct snapshot *s, size_t pos)
{
	struct stmt		 tmp, again;
	const struct stmt	*st, *found;
	struct attachment	 a;
	const char		*p;
	const uint32_t		*v;
	size_t			 i, n;

	CHECK((st = snapshot_stmt(s, pos, &tmp)) == &tmp);
	check_str(st->rel, 0);
	check_str(st->diskpath, 0);
	check_str(st->url, 0);
	check_str(st->title, 0);
	check_str(st->summary, 0);
	check_str(st->tags, 0);
	check_str(st->author, 1);
	check_str(st->lang, 1);
	check_str(st->tag_labels, 1);
	check_str(st->correction, 1);
	check_str(st->attachments, 1);
	check_str(st->tr_lang, 1);
	v = snapshot_versions(s, st, &n);
	CHECK(v != NULL || n == 0);
	for (i = 0; i < n; i++)
		CHECK(v[i] < s->n);
	for (p = st->attachments; p != NULL && attach_next(&p, &a);)
		CHECK(strlen(a.name) < sizeof(a.name) &&
		    strlen(a.mime) < sizeof(a.mime));
	CHECK(strlen(st->date) <= 10);
	CHECK(strlen(st->updated) <= 10);
	check_str(snapshot_date(s, pos), 0);
	check_str(snapshot_updated(s, pos), 0);
	if ((found = snapshot_find(s, st->rel, &again)) != NULL)
		CHECK(strcmp(found->rel, st->rel) == 0);
}

static void
check_hidden(const struct snapshot *s, size_t i)
{
	struct snapshot_hidden		 tmp, again;
	const struct snapshot_hidden	*h, *found;

	CHECK((h = snapshot_hidden_at(s, i, &tmp)) == &tmp);
	CHECK(h->kind > STMT_PUBLIC && h->kind < STMT_KINDS);
	check_str(h->rel, 0);
	check_str(h->date, 0);
	check_str(h->reason, 1);
	CHECK(strlen(h->date) <= 10);
	if ((found = snapshot_hidden(s, h->rel, &again)) != NULL)
		CHECK(strcmp(found->rel, h->rel) == 0);
}

static void
walk(const struct snapshot *s)
{
	const struct snapshot_group	*g;
	struct snapshot_hidden		 h;
	struct stmt			 tmp;
	size_t				 i, k;

	for (i = 0; i < s->n; i++)
		check_stmt(s, i);
	CHECK(snapshot_stmt(s, s->n, &tmp) == NULL);
	for (i = 0; i < s->nyears + s->ntags; i++) {
		g = &s->years[i];
		check_str(g->key, 0);
		check_str(g->label, 0);
		check_str(g->url, 0);
		for (k = 0; k < g->n; k++)
			CHECK(g->idx[k] < s->n);
		CHECK(snapshot_group(s, i >= s->nyears, g->key,
		    strlen(g->key)) != NULL);
	}
	for (i = 0; i < s->nslots; i++)
		CHECK(s->rank[i] == SEARCH_RANK_NONE || s->rank[i] < s->n);
	for (i = 0; i < s->nlisted; i++)
		CHECK(s->listed[i] < s->n);
	for (i = 0; i < s->nhidden; i++)
		check_hidden(s, i);
	CHECK(snapshot_hidden_at(s, s->nhidden, &h) == NULL);
	(void)snapshot_hidden(s, "", &h);
	(void)snapshot_find(s, "", &tmp);
	(void)snapshot_find(s, "2025/2025-01-01-x.gmi", &tmp);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct snapshot_src	 src;
	struct snapshot		*s;
	const char		*errstr = NULL;
	uint8_t			*copy;

	if ((copy = malloc(len ? len : 1)) == NULL)
		return 0;
	if (len > 0)
		memcpy(copy, data, len);
	img_lo = copy;
	img_hi = copy + len;
	memset(&src, 0, sizeof(src));
	src.meta = copy;
	src.meta_len = len;
	src.release = free;
	src.arg = copy;
	if ((s = snapshot_open(&src, &errstr)) == NULL) {
		CHECK(errstr != NULL);
		free(copy);
		return 0;
	}
	walk(s);
	snapshot_close(s);
	return 0;
}
