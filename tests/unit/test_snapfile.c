/* SPDX-License-Identifier: ISC */
/*
 * Unit tests: the catalog's meta image.  A built catalog comes back from
 * its image field for field (statements in archive order, groups, paths,
 * the rank table); a truncated or corrupted image either fails to open
 * or reads within its bounds through every accessor (ASan watches: each
 * image is allocated to the byte).
 */
#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "archive.h"
#include "archive_build.h"
#include "buf.h"
#include "snapfile.h"

#define NSTMT		40	/* in 2023, besides the others */

struct fixture {
	char		 dir[64];
	int		 rootfd;
	struct catalog	*cat;
	struct buf	 meta;	/* the catalog's image */
};

static void
write_file(const char *path, const char *text)
{
	FILE	*f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
put(struct fixture *fx, const char *rel, const char *text)
{
	char	 p[512];

	snprintf(p, sizeof(p), "%s/statements/%s", fx->dir, rel);
	write_file(p, text);
}

/*
 * Statements of three years, some plain text, with sidecars that give
 * an author (one empty: "" is not NULL), a language, a summary, tags
 * whose labels differ from their folded form, or nothing.
 */
static void
fixture_files(struct fixture *fx)
{
	static const char *const sub[] = { "statements", "statements/2023",
	    "statements/2024", "statements/2025", "statements/2025/deep",
	    "statements/2024/2024-05-05-c", "statements/2025/deep/2025-06-06-d" };
	char	 p[512], ini[256];
	size_t	 i;

	for (i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", fx->dir, sub[i]);
		assert_int_equal(mkdir(p, 0755), 0);
	}
	for (i = 0; i < NSTMT; i++) {
		snprintf(p, sizeof(p), "2023/2023-02-%02zu-s%zu.%s",
		    1 + i % 28, i, i % 5 == 4 ? "txt" : "gmi");
		put(fx, p, i % 2 ? "# Title\n\nSome words.\n" :
		    "# Other\n\nFirst paragraph here.\n\nMore.\n");
		if (i % 4 == 3)
			continue;
		snprintf(p, sizeof(p), "2023/2023-02-%02zu-s%zu.ini",
		    1 + i % 28, i);
		snprintf(ini, sizeof(ini), "title = Side %zu\n%s%s%s", i,
		    i % 4 == 0 ? "author = Ann Author\nlang = fr\n" :
		    i % 4 == 1 ? "author =\n" : "summary = Told in short.\n",
		    i % 3 == 0 ? "tags = Peace, Ukraine\n" : "tags = peace\n",
		    i % 7 == 0 ? "summary = A sidecar summary.\n" : "");
		put(fx, p, ini);
	}
	put(fx, "2024/2024-05-05-c.gmi", "# C body\n\nC text.\n");
	put(fx, "2025/2025-01-02-e.gmi", "# E\n");
	put(fx, "2025/deep/2025-06-06-d.txt", "D body\n");
	put(fx, "2025/deep/2025-06-06-d.ini", "title = D side\n"
	    "tags = Deep, Ελλάδα\nlang = el\n"
	    "updated = 2025-07-01\ncorrection = A date was wrong\n");
	put(fx, "2024/2024-05-05-c.ini", "updated = 2024-06-01\n");
	/* Attachments: two for c, one for d. */
	put(fx, "2024/2024-05-05-c/report.pdf", "%PDF-1.4\n");
	put(fx, "2024/2024-05-05-c/a photo.jpg", "jpeg");
	put(fx, "2025/deep/2025-06-06-d/sound.ogg", "OggS");
	/* Two translations of c; a third, a draft, is no version. */
	put(fx, "2024/2024-05-05-c.es.gmi", "# C es\n\nTexto.\n");
	put(fx, "2024/2024-05-05-c.ja.gmi", "# C ja\n");
	put(fx, "2024/2024-05-05-c.fr.gmi", "# C fr\n");
	put(fx, "2024/2024-05-05-c.fr.ini", "draft = yes\n");
	/* Not published: a draft, a scheduled one, a withdrawn one. */
	put(fx, "2024/2024-03-03-draft.gmi", "# Draft\n\nsecretword\n");
	put(fx, "2024/2024-03-03-draft.ini", "draft = yes\ntags = peace\n");
	put(fx, "2024/2024-03-04-later.gmi", "# Later\n\nsecretword\n");
	put(fx, "2024/2024-03-04-later.ini",
	    "publish = 2099-01-02T03:04:05+01:00\n");
	put(fx, "2025/2025-02-02-gone.gmi", "# Gone\n\nsecretword\n");
	put(fx, "2025/2025-02-02-gone.ini",
	    "withdrawn = 2025-03-01\nreason = Superseded by another\n");
}

static int
buf_sink(void *arg, const void *p, size_t n)
{
	return buf_append(arg, p, n);
}

/* Identity fields and slots as an indexer would set them: distinct,
 * sparse slots, so that the rank table has holes. */
static void
fixture_identity(struct catalog *c)
{
	size_t	 i;

	for (i = 0; i < c->nst; i++) {
		c->st[i].ino = 1000 + i;
		c->st[i].mtime_ns = 999999000 + (int64_t)i;
		c->st[i].ini_size = i % 3 ? -1 : (int64_t)(10 * i);
		c->st[i].ini_mtime = i % 3 ? 0 : 1700000000 + (int64_t)i;
		c->st[i].ini_ino = i % 3 ? 0 : 5000 + i;
		c->st[i].slot = (uint32_t)(3 * (c->nst - i) + 1);
	}
	c->nslots = 0;		/* max(slot) + 1 then */
}

static int
setup(void **state)
{
	struct fixture		*fx = calloc(1, sizeof(*fx));
	struct build_conf	 bc;

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/broadside-snap-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	fixture_files(fx);
	fx->rootfd = open(fx->dir, O_RDONLY | O_DIRECTORY);
	assert_true(fx->rootfd != -1);
	memset(&bc, 0, sizeof(bc));
	bc.rootfd = fx->rootfd;
	bc.archive = "statements";
	bc.watchfd = -1;
	bc.threads = 2;
	bc.quiet = 1;
	bc.force = 1;
	assert_non_null(fx->cat = catalog_build(&bc));
	assert_int_equal(fx->cat->n, NSTMT + 5);
	assert_int_equal(fx->cat->nlisted, NSTMT + 3);
	assert_int_equal(fx->cat->nhidden, 4);
	assert_int_equal(fx->cat->next_publish, 4071002645LL);
	fixture_identity(fx->cat);
	buf_init(&fx->meta, SIZE_MAX / 2);
	assert_int_equal(snapfile_write(fx->cat, buf_sink, &fx->meta), 0);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*fx = *state;
	char		 cmd[128];

	catalog_free(fx->cat);
	buf_free(&fx->meta);
	close(fx->rootfd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	assert_int_equal(system(cmd), 0);
	free(fx);
	return 0;
}

/* A snapshot over a copy of img allocated to the byte (nseg 0). */
static struct snapshot *
open_copy(const void *img, size_t len, void **copy)
{
	struct snapshot_src	 src;
	const char		*errstr = NULL;
	struct snapshot		*s;

	*copy = malloc(len ? len : 1);
	assert_non_null(*copy);
	if (len > 0)
		memcpy(*copy, img, len);
	memset(&src, 0, sizeof(src));
	src.meta = *copy;
	src.meta_len = len;
	src.release = free;
	src.arg = *copy;
	if ((s = snapshot_open(&src, &errstr)) == NULL)
		assert_non_null(errstr);
	return s;
}

static void
close_or_free(struct snapshot *s, void *copy)
{
	if (s != NULL)
		snapshot_close(s);	/* frees copy */
	else
		free(copy);
}

static void
str_equal(const char *a, const char *b)
{
	if (a == NULL || b == NULL) {
		assert_ptr_equal(a, b);
		return;
	}
	assert_string_equal(a, b);
}

static void
stmt_equal(const struct stmt *got, const struct stmt *want)
{
	str_equal(got->rel, want->rel);
	str_equal(got->diskpath, want->diskpath);
	str_equal(got->url, want->url);
	str_equal(got->title, want->title);
	str_equal(got->summary, want->summary);
	str_equal(got->author, want->author);
	str_equal(got->lang, want->lang);
	str_equal(got->tags, want->tags);
	str_equal(got->tag_labels, want->tag_labels);
	str_equal(got->correction, want->correction);
	str_equal(got->attachments, want->attachments);
	str_equal(got->tr_lang, want->tr_lang);
	assert_int_equal(got->translation, want->translation);
	assert_int_equal(got->vn, want->vn);
	assert_int_equal(got->att_sig, want->att_sig);
	assert_string_equal(got->updated, want->updated);
	assert_string_equal(got->date, want->date);
	assert_int_equal(got->is_txt, want->is_txt);
	assert_int_equal(got->summary_read, want->summary_read);
	assert_true(got->valid);
	assert_int_equal(got->mtime, want->mtime);
	assert_int_equal(got->size, want->size);
	assert_int_equal(got->ino, want->ino);
	assert_int_equal(got->mtime_ns, want->mtime_ns);
	assert_int_equal(got->ini_size, want->ini_size);
	assert_int_equal(got->ini_mtime, want->ini_mtime);
	assert_int_equal(got->ini_ino, want->ini_ino);
	assert_int_equal(got->slot, want->slot);
}

/* The three statements not published: entries, not records. */
static void
hidden_check(const struct snapshot *s)
{
	struct snapshot_hidden	 h;
	struct stmt		 tmp;

	assert_int_equal(s->nhidden, 4);
	assert_non_null(snapshot_hidden(s, "2024/2024-03-03-draft.gmi", &h));
	assert_int_equal(h.kind, STMT_DRAFT);
	assert_string_equal(h.date, "");
	assert_null(h.reason);
	assert_non_null(snapshot_hidden(s, "2024/2024-03-04-later.gmi", &h));
	assert_int_equal(h.kind, STMT_SCHEDULED);
	assert_int_equal(h.when, 4071002645LL);	/* 2099-01-02T02:04:05Z */
	assert_non_null(snapshot_hidden(s, "2025/2025-02-02-gone.gmi", &h));
	assert_int_equal(h.kind, STMT_WITHDRAWN);
	assert_string_equal(h.date, "2025-03-01");
	assert_string_equal(h.reason, "Superseded by another");
	assert_null(snapshot_find(s, "2025/2025-02-02-gone.gmi", &tmp));
	assert_null(snapshot_hidden(s, "2025/2025-02-02-gone.ini", &h));
	assert_null(snapshot_hidden(s, "", &h));
	assert_non_null(snapshot_hidden_at(s, 3, &h));
	assert_string_equal(h.rel, "2025/2025-02-02-gone.gmi");
	assert_null(snapshot_hidden_at(s, 4, &h));
}

/* The position of a catalog's statement (st index k). */
static size_t
pos_of(const struct catalog *c, size_t k)
{
	size_t	 i;

	for (i = 0; i < c->n; i++)
		if (c->order[i] == k)
			return i;
	fail_msg("statement %zu has no position", k);
	return 0;
}

static void
groups_equal(const struct catalog *c, const struct group *want,
    const struct snapshot_group *got, size_t n)
{
	size_t	 i, k;

	for (i = 0; i < n; i++) {
		assert_string_equal(got[i].key, want[i].key);
		assert_string_equal(got[i].label, want[i].label);
		assert_string_equal(got[i].url, want[i].url);
		assert_int_equal(got[i].n, want[i].n);
		for (k = 0; k < want[i].n; k++)
			assert_int_equal(got[i].idx[k],
			    pos_of(c, want[i].idx[k]));
	}
}

/* c and its two published translations: one run, the original first;
 * lists and years show c alone. */
static void
versions_check(const struct catalog *c, const struct snapshot *s)
{
	static const char *const want[] = { "2024/2024-05-05-c.gmi",
	    "2024/2024-05-05-c.es.gmi", "2024/2024-05-05-c.ja.gmi" };
	const struct snapshot_group	*y;
	const uint32_t			*v;
	struct stmt			 tmp, o;
	size_t				 i, n, k;

	assert_int_equal(s->nlisted, c->nlisted);
	for (i = 0; i < s->nlisted; i++) {
		assert_int_equal(s->listed[i], pos_of(c, c->listed[i]));
		assert_non_null(snapshot_stmt(s, s->listed[i], &tmp));
		assert_false(tmp.translation);
	}
	for (k = 0; k < 3; k++) {
		assert_non_null(snapshot_find(s, want[k], &tmp));
		assert_int_equal(tmp.translation, k > 0);
		if (k == 0)
			assert_null(tmp.tr_lang);
		else
			assert_string_equal(tmp.tr_lang, k == 1 ? "es" : "ja");
		assert_non_null(v = snapshot_versions(s, &tmp, &n));
		assert_int_equal(n, 3);
		for (i = 0; i < n; i++) {
			assert_non_null(snapshot_stmt(s, v[i], &o));
			assert_string_equal(o.rel, want[i]);
		}
	}
	assert_null(snapshot_find(s, "2024/2024-05-05-c.fr.gmi", &tmp));
	assert_non_null(snapshot_find(s, "2025/2025-01-02-e.gmi", &tmp));
	assert_null(snapshot_versions(s, &tmp, &n));
	assert_int_equal(n, 0);
	assert_non_null(y = snapshot_group(s, 0, "2024", 4));
	for (i = 0; i < y->n; i++) {
		assert_non_null(snapshot_stmt(s, y->idx[i], &tmp));
		assert_false(tmp.translation);
	}
}

static void
test_roundtrip(void **state)
{
	struct fixture		*fx = *state;
	const struct catalog	*c = fx->cat;
	struct snapshot		*s;
	struct stmt		 tmp;
	const struct stmt	*st;
	void			*copy;
	size_t			 i, null_author = 0, empty_author = 0, labels = 0;
	size_t			 corrected = 0, attached = 0;
	uint32_t		 top = 0;
	struct snapshot_hidden	 h;

	s = open_copy(fx->meta.data, fx->meta.len, &copy);
	assert_non_null(s);
	assert_int_equal(s->n, c->n);
	assert_int_equal(snapshot_sig(s), c->sig);
	assert_int_equal(s->errors, c->errors);
	for (i = 0; i < c->n; i++) {
		st = &c->st[c->order[i]];
		assert_ptr_equal(snapshot_stmt(s, i, &tmp), &tmp);
		stmt_equal(&tmp, st);
		assert_string_equal(snapshot_date(s, i), st->date);
		null_author += st->author == NULL;
		empty_author += st->author != NULL && *st->author == '\0';
		labels += st->tag_labels != NULL;
		corrected += st->updated[0] != '\0';
		attached += st->attachments != NULL;
		assert_string_equal(snapshot_updated(s, i), st->updated);
		assert_null(snapshot_hidden(s, st->rel, &h));
		if (st->slot + 1 > top)
			top = st->slot + 1;
		/* by path: the same statement */
		assert_non_null(snapshot_find(s, st->rel, &tmp));
		stmt_equal(&tmp, st);
		/* the rank table places its slot */
		assert_int_equal(s->rank[st->slot], i);
	}
	assert_true(null_author > 0 && empty_author > 0 && labels > 0);
	assert_true(corrected == 2);
	assert_int_equal(attached, 2);
	assert_non_null(st = snapshot_find(s, "2024/2024-05-05-c.gmi", &tmp));
	assert_string_equal(st->attachments, "a photo.jpg\x1fimage/jpeg\x1f"
	    "4\x1ereport.pdf\x1f" "application/pdf\x1f" "9");
	assert_true(st->att_sig != 0);
	assert_null(snapshot_stmt(s, c->n, &tmp));
	assert_string_equal(snapshot_date(s, c->n), "");
	assert_null(snapshot_find(s, "2023/nothing.gmi", &tmp));
	assert_null(snapshot_find(s, "", &tmp));
	assert_null(snapshot_find(s, "zzz", &tmp));
	hidden_check(s);
	/* the slots of no statement are dead */
	assert_int_equal(s->nslots, top);
	for (i = 0; i < top; i++)
		if (s->rank[i] != SEARCH_RANK_NONE)
			assert_int_equal(c->st[c->order[s->rank[i]]].slot, i);
	assert_int_equal(s->nyears, c->nyears);
	assert_int_equal(s->ntags, c->ntags);
	groups_equal(c, c->years, s->years, c->nyears);
	groups_equal(c, c->tags, s->tags, c->ntags);
	assert_ptr_equal(snapshot_group(s, 0, "2024", 4), &s->years[1]);
	assert_non_null(snapshot_group(s, 1, "peace", 5));
	assert_null(snapshot_group(s, 1, "2024", 4));
	versions_check(c, s);
	snapshot_close(s);
}

/* The in-memory path archive_new takes: the same statements, with the
 * slots a full build numbers in st[] order. */
static void
test_from_catalog(void **state)
{
	struct fixture		*fx = *state;
	struct catalog		*c = fx->cat;
	struct snapshot		*s;
	struct stmt		 tmp;
	struct search_hit	 hits[4];
	size_t			 i, nhits, total;

	for (i = 0; i < c->nst; i++)	/* as built, not fixture_identity's */
		c->st[i].slot = (uint32_t)i;
	c->nslots = (uint32_t)c->nst;
	assert_non_null(s = snapshot_from_catalog(c));
	assert_int_equal(s->nseg, 1);
	assert_int_equal(s->nslots, c->nst);
	for (i = 0; i < c->n; i++) {
		assert_non_null(snapshot_stmt(s, i, &tmp));
		stmt_equal(&tmp, &c->st[c->order[i]]);
		assert_int_equal(tmp.slot, c->order[i]);
		assert_int_equal(s->rank[c->order[i]], i);
	}
	/* A hit's slot is placed by the rank table on its statement. */
	assert_int_equal(search_seg_query(s->seg, s->nseg, s->rank,
	    s->nslots, "ελλάδα", strlen("ελλάδα"), hits, 4, &nhits, &total),
	    1);
	assert_int_equal(nhits, 1);
	assert_non_null(snapshot_stmt(s, s->rank[hits[0].doc], &tmp));
	assert_string_equal(tmp.rel, "2025/deep/2025-06-06-d.txt");
	/* The words of statements not published are not indexed. */
	assert_int_equal(search_seg_query(s->seg, s->nseg, s->rank,
	    s->nslots, "secretword", 10, hits, 4, &nhits, &total), 1);
	assert_int_equal(total, 0);
	hidden_check(s);
	snapshot_close(s);
}

static void
test_empty(void **state)
{
	struct catalog	 c;
	struct buf	 b;
	struct snapshot	*s;
	struct stmt	 tmp;
	void		*copy;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.sig = 42;
	buf_init(&b, SIZE_MAX / 2);
	assert_int_equal(snapfile_write(&c, buf_sink, &b), 0);
	s = open_copy(b.data, b.len, &copy);
	assert_non_null(s);
	assert_int_equal(s->n, 0);
	assert_int_equal(s->nyears + s->ntags + s->nslots, 0);
	assert_int_equal(snapshot_sig(s), 42);
	assert_null(snapshot_stmt(s, 0, &tmp));
	assert_null(snapshot_find(s, "x", &tmp));
	assert_null(snapshot_group(s, 0, "2025", 4));
	snapshot_close(s);
	buf_free(&b);
}

/* Every accessor over everything the snapshot says it holds. */
static void
walk(const struct snapshot *s)
{
	const struct snapshot_group	*g;
	struct snapshot_hidden		 h;
	struct stmt			 tmp, tmp2;
	size_t				 i, k, sum = 0;

	for (i = 0; i < s->n; i++) {
		assert_non_null(snapshot_stmt(s, i, &tmp));
		sum += strlen(tmp.rel) + strlen(tmp.diskpath) +
		    strlen(tmp.url) + strlen(tmp.title) +
		    strlen(tmp.summary) + strlen(tmp.tags) +
		    strlen(snapshot_date(s, i));
		sum += tmp.author ? strlen(tmp.author) : 0;
		sum += tmp.lang ? strlen(tmp.lang) : 0;
		sum += tmp.tag_labels ? strlen(tmp.tag_labels) : 0;
		sum += tmp.correction ? strlen(tmp.correction) : 0;
		sum += strlen(tmp.updated);
		(void)snapshot_find(s, tmp.rel, &tmp2);
	}
	for (i = 0; i < s->nyears + s->ntags; i++) {
		g = &s->years[i];
		sum += strlen(g->key) + strlen(g->label) + strlen(g->url);
		for (k = 0; k < g->n; k++)
			assert_non_null(snapshot_stmt(s, g->idx[k], &tmp));
		assert_non_null(snapshot_group(s, i >= s->nyears, g->key,
		    strlen(g->key)));
	}
	for (i = 0; i < s->nslots; i++)
		assert_true(s->rank[i] == SEARCH_RANK_NONE ||
		    s->rank[i] < s->n);
	for (i = 0; i < s->nhidden; i++) {
		assert_non_null(snapshot_hidden_at(s, i, &h));
		sum += strlen(h.rel) + strlen(h.date) + (h.reason ?
		    strlen(h.reason) : 0) + (size_t)h.kind;
		(void)snapshot_hidden(s, h.rel, &h);
	}
	assert_null(snapshot_hidden_at(s, s->nhidden, &h));
	for (i = 0; i < s->n; i++)
		sum += strlen(snapshot_updated(s, i));
	(void)snapshot_hidden(s, "2024/2024-03-03-draft.gmi", &h);
	(void)snapshot_find(s, "2024/2024-05-05-c.gmi", &tmp);
	(void)sum;
}

/* 1 when the image opened (and was walked), 0 when refused. */
static int
try_image(const void *img, size_t len)
{
	struct snapshot	*s;
	void		*copy;

	if ((s = open_copy(img, len, &copy)) != NULL)
		walk(s);
	close_or_free(s, copy);
	return s != NULL;
}

static void
put_le64(uint8_t *p, uint64_t v)
{
	int	 i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Cut at every length: as it is (the length in the header then lies),
 * and with the header's length made to match. */
static void
test_truncated(void **state)
{
	struct fixture	*fx = *state;
	uint8_t		*img;
	size_t		 len;

	assert_non_null(img = malloc(fx->meta.len));
	for (len = 0; len < fx->meta.len; len++) {
		memcpy(img, fx->meta.data, fx->meta.len);
		try_image(img, len);
		if (len >= 56) {
			put_le64(img + 48, len);
			try_image(img, len);
		}
	}
	free(img);
}

/* xorshift: the same corruptions on every run. */
static uint32_t
next_rand(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

static void
test_corrupted(void **state)
{
	static const uint8_t	 vals[] = { 0x00, 0x01, 0x07, 0x08, 0x7f, 0x80,
	    0xfe, 0xff };
	struct fixture		*fx = *state;
	uint8_t			*img;
	size_t			 len = fx->meta.len, i, v, k, flips;
	size_t			 opened = 0;
	uint32_t		 x = 2463534242u;

	assert_non_null(img = malloc(len));
	/* Each byte of the header and the first records, to each value. */
	for (i = 0; i < len && i < 512; i++)
		for (v = 0; v < sizeof(vals); v++) {
			memcpy(img, fx->meta.data, len);
			img[i] = vals[v];
			try_image(img, len);
		}
	/* Random bytes anywhere, a few at a time. */
	for (k = 0; k < 20000; k++) {
		memcpy(img, fx->meta.data, len);
		for (flips = 1 + next_rand(&x) % 4; flips > 0; flips--)
			img[next_rand(&x) % len] = (uint8_t)next_rand(&x);
		opened += try_image(img, len);
	}
	/* Most bytes are strings and numbers: those images open. */
	assert_true(opened > 1000 && opened < 20000);
	free(img);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_from_catalog, setup,
		    teardown),
		cmocka_unit_test(test_empty),
		cmocka_unit_test_setup_teardown(test_truncated, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_corrupted, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
