/* SPDX-License-Identifier: ISC */
/*
 * broadside: the catalog's meta image, written and read in place (see
 * snapfile.h).
 *
 * The image, every integer little-endian:
 *
 *	header		HDR_SIZE bytes: magic, version, sig, errors, the
 *			counts, the image's length, and (offset, length)
 *			of each section below, every offset 8-aligned
 *	records		n x REC_SIZE, position order (newest first)
 *	by_rel		n x u32 positions, sorted by rel
 *	groups		(nyears + ntags) x GROUP_SIZE, years first
 *	members		u32 positions, each group's a run, newest first
 *	rank		nslots x u32: slot -> position, or RANK_NONE
 *	hidden		nhidden x HID_SIZE, by rel: the statements that
 *			are not published (drafts, scheduled, withdrawn),
 *			what their URLs answer, not their records
 *	listed		nlisted x u32 positions, newest first: the
 *			statements lists show (not the translations)
 *	versions	u32 positions: the runs of a statement's versions,
 *			the original first; a record's (first, count)
 *	pool		NUL-terminated strings; offset 0 is ""; a
 *			record's attachments are one string, a list
 *			attach_next reads (archive_build.h)
 *
 * A string is a u32 offset into the pool, STR_NONE for NULL.
 */
#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "archive_build.h"
#include "buf.h"
#include "le.h"
#include "snapfile.h"

#define MAGIC		"BRDSNAP\0"
#define STR_NONE	UINT32_MAX
#define RANK_NONE	SEARCH_RANK_NONE
#define WR_BUF_SIZE	(16 * 1024)

/* Header fields. */
#define H_MAGIC		0
#define H_VERSION	8
#define H_HDRLEN	12
#define H_SIG		16
#define H_ERRORS	24
#define H_N		32
#define H_NYEARS	36
#define H_NTAGS		40
#define H_NSLOTS	44
#define H_LEN		48
#define H_NHIDDEN	56
#define H_NLISTED	60
#define H_SECT		64	/* NSEC x (u64 offset, u64 length) */
#define HDR_SIZE	(H_SECT + NSEC * 16)

enum { SEC_RECS, SEC_BYREL, SEC_GROUPS, SEC_MEMBERS, SEC_RANK, SEC_HIDDEN,
	SEC_LISTED, SEC_VERSIONS, SEC_POOL, NSEC };

/* Record fields: the strings first, in the order of rec_strings. */
#define R_STR		0	/* NSTR x u32 */
#define R_FLAGS		48
#define R_DATE		52	/* 10 bytes and NULs */
#define R_SLOT		64
#define R_UPDATED	68	/* 10 bytes and NULs, or all NULs */
#define R_MTIME		80
#define R_SIZE		88
#define R_INO		96
#define R_INI_SIZE	104
#define R_INI_MTIME	112
#define R_INI_INO	120
#define R_MTIME_NS	128
#define R_ATT_SIG	136	/* the attachment folder's hash, or 0 */
#define R_VFIRST	144	/* its versions in the versions section */
#define R_VN		148	/* 0: none */
#define REC_SIZE	152
#define NSTR		12
#define F_TXT		1
#define F_SUMMARY_READ	2
#define F_TRANSLATION	4

/* Hidden entry fields. */
#define X_REL		0
#define X_KIND		4
#define X_REASON	8	/* a string, or STR_NONE */
#define X_DATE		12	/* withdrawn: 10 bytes and NULs */
#define X_WHEN		24	/* scheduled: the moment, Unix time */
#define HID_SIZE	32

/* Group fields. */
#define G_KEY		0
#define G_LABEL		4
#define G_URL		8
#define G_FIRST		12	/* in members */
#define G_N		16
#define GROUP_SIZE	24

/* The strings of a record: those of them that may be NULL. */
enum { S_REL, S_DISKPATH, S_URL, S_TITLE, S_SUMMARY, S_AUTHOR, S_LANG,
	S_TAGS, S_TAG_LABELS, S_CORRECTION, S_ATTACHMENTS, S_TR_LANG };
#define MAY_BE_NULL	((1 << S_AUTHOR) | (1 << S_LANG) | \
			 (1 << S_TAG_LABELS) | (1 << S_CORRECTION) | \
			 (1 << S_ATTACHMENTS) | (1 << S_TR_LANG))

/* -- writing ------------------------------------------------------------- */

/* The sink fed in chunks rather than a call per field. */
struct wr {
	search_sink_fn	 sink;
	void		*arg;
	uint64_t	 off;		/* bytes of the image so far */
	size_t		 len;
	int		 failed;
	uint8_t		 buf[WR_BUF_SIZE];
};

/* The layout computed before the first byte goes out. */
struct layout {
	const struct catalog	*cat;
	uint32_t		*posof;		/* st index -> position */
	uint32_t		*rank;
	uint64_t		 nslots;
	uint64_t		 nmembers;
	uint64_t		 pool_len;
	uint64_t		 off[NSEC], len[NSEC];
};

static void
wr_flush(struct wr *w)
{
	if (!w->failed && w->len > 0 && w->sink(w->arg, w->buf, w->len) == -1)
		w->failed = 1;
	w->len = 0;
}

static void
wr_put(struct wr *w, const void *p, size_t n)
{
	const uint8_t	*b = p;
	size_t		 k;

	w->off += n;
	while (n > 0 && !w->failed) {
		if (w->len == sizeof(w->buf))
			wr_flush(w);
		k = sizeof(w->buf) - w->len;
		if (k > n)
			k = n;
		memcpy(w->buf + w->len, b, k);
		w->len += k;
		b += k;
		n -= k;
	}
}

static void
wr_u32(struct wr *w, uint32_t v)
{
	uint8_t	 b[4];

	le_put32(b, v);
	wr_put(w, b, sizeof(b));
}

static void
wr_align(struct wr *w)
{
	static const uint8_t	 zero[8];

	wr_put(w, zero, (8 - w->off % 8) % 8);
}

static void
rec_strings(const struct stmt *st, const char *out[NSTR])
{
	out[S_REL] = st->rel;
	out[S_DISKPATH] = st->diskpath;
	out[S_URL] = st->url;
	out[S_TITLE] = st->title;
	out[S_SUMMARY] = st->summary;
	out[S_AUTHOR] = st->author;
	out[S_LANG] = st->lang;
	out[S_TAGS] = st->tags;
	out[S_TAG_LABELS] = st->tag_labels;
	out[S_CORRECTION] = st->correction;
	out[S_ATTACHMENTS] = st->attachments;
	out[S_TR_LANG] = st->tr_lang;
}

/*
 * A string's place in the pool, given the pool's length so far (*at,
 * advanced): NULL is STR_NONE, "" the shared NUL at 0.  The writer
 * calls it over the strings in the same order three times: to size the
 * pool, to write the records, to write the pool.
 */
static uint32_t
pool_place(const char *s, uint64_t *at)
{
	uint64_t	 off = *at;

	if (s == NULL)
		return STR_NONE;
	if (*s == '\0')
		return 0;
	*at += strlen(s) + 1;
	return off < STR_NONE ? (uint32_t)off : STR_NONE;
}

static void
group_strings(const struct group *g, const char *out[3])
{
	out[0] = g->key;
	out[1] = g->label;
	out[2] = g->url != NULL ? g->url : "";
}

/* A hidden entry's strings: its rel, and a withdrawal's reason. */
static void
hidden_strings(const struct stmt *st, const char *out[2])
{
	out[0] = st->rel != NULL ? st->rel : "";
	out[1] = st->kind == STMT_WITHDRAWN ? st->reason : NULL;
}

static const struct stmt *
stmt_at(const struct catalog *c, size_t pos)
{
	return &c->st[c->order[pos]];
}

/* The statements lists show: all of them in a catalog without versions
 * (one read back from records). */
static size_t
nlisted(const struct catalog *c)
{
	return c->listed != NULL ? c->nlisted : c->n;
}

static uint64_t
pool_size(const struct catalog *c)
{
	const char	*s[NSTR];
	uint64_t	 at = 1;
	size_t		 i, k;

	for (i = 0; i < c->n; i++) {
		rec_strings(stmt_at(c, i), s);
		for (k = 0; k < NSTR; k++)
			(void)pool_place(s[k], &at);
	}
	for (i = 0; i < c->nyears + c->ntags; i++) {
		group_strings(i < c->nyears ? &c->years[i] :
		    &c->tags[i - c->nyears], s);
		for (k = 0; k < 3; k++)
			(void)pool_place(s[k], &at);
	}
	for (i = 0; i < c->nhidden; i++) {
		hidden_strings(&c->st[c->hidden[i]], s);
		for (k = 0; k < 2; k++)
			(void)pool_place(s[k], &at);
	}
	return at;
}

/* Positions of the statements and the rank table: what the image
 * holds in place of the catalog's doc ids. */
static int
layout_positions(struct layout *l)
{
	const struct catalog	*c = l->cat;
	uint64_t		 top = c->nslots;
	size_t			 i;

	if ((l->posof = calloc(c->nst + 1, sizeof(*l->posof))) == NULL)
		return -1;
	for (i = 0; i < c->n; i++) {
		if (c->order[i] >= c->nst)
			return -1;
		l->posof[c->order[i]] = (uint32_t)i;
		if ((uint64_t)stmt_at(c, i)->slot + 1 > top)
			top = (uint64_t)stmt_at(c, i)->slot + 1;
	}
	if (top >= UINT32_MAX)
		return -1;
	l->nslots = top;
	if ((l->rank = malloc((top + 1) * sizeof(*l->rank))) == NULL)
		return -1;
	for (i = 0; i < top; i++)
		l->rank[i] = RANK_NONE;
	for (i = 0; i < c->n; i++)
		l->rank[stmt_at(c, i)->slot] = (uint32_t)i;
	return 0;
}

static int
layout_of(struct layout *l, const struct catalog *c)
{
	uint64_t	 at = HDR_SIZE;
	size_t		 i;
	int		 k;

	memset(l, 0, sizeof(*l));
	l->cat = c;
	if (c->n >= UINT32_MAX || c->nyears + c->ntags >= UINT32_MAX ||
	    c->nhidden >= UINT32_MAX || c->nvers >= UINT32_MAX ||
	    layout_positions(l) == -1)
		return -1;
	for (i = 0; i < c->nyears; i++)
		l->nmembers += c->years[i].n;
	for (i = 0; i < c->ntags; i++)
		l->nmembers += c->tags[i].n;
	if (l->nmembers >= UINT32_MAX ||
	    (l->pool_len = pool_size(c)) >= STR_NONE)
		return -1;
	l->len[SEC_RECS] = (uint64_t)c->n * REC_SIZE;
	l->len[SEC_BYREL] = (uint64_t)c->n * 4;
	l->len[SEC_GROUPS] = (uint64_t)(c->nyears + c->ntags) * GROUP_SIZE;
	l->len[SEC_MEMBERS] = l->nmembers * 4;
	l->len[SEC_RANK] = l->nslots * 4;
	l->len[SEC_HIDDEN] = (uint64_t)c->nhidden * HID_SIZE;
	l->len[SEC_LISTED] = (uint64_t)nlisted(c) * 4;
	l->len[SEC_VERSIONS] = (uint64_t)c->nvers * 4;
	l->len[SEC_POOL] = l->pool_len;
	for (k = 0; k < NSEC; k++) {
		l->off[k] = at;
		at = (at + l->len[k] + 7) & ~(uint64_t)7;
	}
	return 0;
}

static void
write_header(struct wr *w, const struct layout *l)
{
	const struct catalog	*c = l->cat;
	uint8_t			 h[HDR_SIZE];
	int			 k;

	memset(h, 0, sizeof(h));
	memcpy(h + H_MAGIC, MAGIC, 8);
	le_put32(h + H_VERSION, SNAPFILE_VERSION);
	le_put32(h + H_HDRLEN, HDR_SIZE);
	le_put64(h + H_SIG, c->sig);
	le_put64(h + H_ERRORS, c->errors);
	le_put32(h + H_N, (uint32_t)c->n);
	le_put32(h + H_NYEARS, (uint32_t)c->nyears);
	le_put32(h + H_NTAGS, (uint32_t)c->ntags);
	le_put32(h + H_NSLOTS, (uint32_t)l->nslots);
	le_put32(h + H_NHIDDEN, (uint32_t)c->nhidden);
	le_put32(h + H_NLISTED, (uint32_t)nlisted(c));
	le_put64(h + H_LEN, l->off[NSEC - 1] + ((l->len[NSEC - 1] + 7) &
	    ~(uint64_t)7));
	for (k = 0; k < NSEC; k++) {
		le_put64(h + H_SECT + 16 * k, l->off[k]);
		le_put64(h + H_SECT + 16 * k + 8, l->len[k]);
	}
	wr_put(w, h, sizeof(h));
}

static void
write_record(struct wr *w, const struct stmt *st, uint64_t *at)
{
	uint8_t		 r[REC_SIZE];
	const char	*s[NSTR];
	int		 k;

	memset(r, 0, sizeof(r));
	rec_strings(st, s);
	for (k = 0; k < NSTR; k++) {
		/* Only those that say "none" with NULL may be NULL. */
		if (s[k] == NULL && !(MAY_BE_NULL & (1 << k)))
			s[k] = "";
		le_put32(r + R_STR + 4 * k, pool_place(s[k], at));
	}
	le_put32(r + R_FLAGS, (st->is_txt ? F_TXT : 0) |
	    (st->summary_read ? F_SUMMARY_READ : 0) |
	    (st->translation ? F_TRANSLATION : 0));
	memcpy(r + R_DATE, st->date, strnlen(st->date, 10));
	memcpy(r + R_UPDATED, st->updated, strnlen(st->updated, 10));
	le_put32(r + R_SLOT, st->slot);
	le_put64(r + R_MTIME, (uint64_t)(int64_t)st->mtime);
	le_put64(r + R_SIZE, (uint64_t)(int64_t)st->size);
	le_put64(r + R_INO, st->ino);
	le_put64(r + R_INI_SIZE, (uint64_t)st->ini_size);
	le_put64(r + R_INI_MTIME, (uint64_t)st->ini_mtime);
	le_put64(r + R_MTIME_NS, (uint64_t)st->mtime_ns);
	le_put64(r + R_INI_INO, st->ini_ino);
	le_put64(r + R_ATT_SIG, st->att_sig);
	le_put32(r + R_VFIRST, st->vfirst);
	le_put32(r + R_VN, st->vn);
	wr_put(w, r, sizeof(r));
}

static const struct group *
group_at(const struct catalog *c, size_t i)
{
	return i < c->nyears ? &c->years[i] : &c->tags[i - c->nyears];
}

/* The groups' records; *at continues the pool after the records'. */
static void
write_groups(struct wr *w, const struct catalog *c, uint64_t *at)
{
	uint8_t		 r[GROUP_SIZE];
	const char	*s[3];
	uint64_t	 first = 0;
	size_t		 i;

	for (i = 0; i < c->nyears + c->ntags; i++) {
		memset(r, 0, sizeof(r));
		group_strings(group_at(c, i), s);
		le_put32(r + G_KEY, pool_place(s[0], at));
		le_put32(r + G_LABEL, pool_place(s[1], at));
		le_put32(r + G_URL, pool_place(s[2], at));
		le_put32(r + G_FIRST, (uint32_t)first);
		le_put32(r + G_N, (uint32_t)group_at(c, i)->n);
		first += group_at(c, i)->n;
		wr_put(w, r, sizeof(r));
	}
}

/* The hidden entries, by rel; *at continues the pool after the groups'. */
static void
write_hidden(struct wr *w, const struct catalog *c, uint64_t *at)
{
	uint8_t			 r[HID_SIZE];
	const struct stmt	*st;
	const char		*s[2];
	size_t			 i;

	for (i = 0; i < c->nhidden; i++) {
		st = &c->st[c->hidden[i]];
		memset(r, 0, sizeof(r));
		hidden_strings(st, s);
		le_put32(r + X_REL, pool_place(s[0], at));
		le_put32(r + X_KIND, (uint32_t)st->kind);
		le_put32(r + X_REASON, pool_place(s[1], at));
		if (st->kind == STMT_WITHDRAWN)
			memcpy(r + X_DATE, st->withdrawn,
			    strnlen(st->withdrawn, 10));
		if (st->kind == STMT_SCHEDULED)
			le_put64(r + X_WHEN, (uint64_t)st->publish);
		wr_put(w, r, sizeof(r));
	}
}

/* The position of a doc id (0 for one out of range: never written). */
static uint32_t
pos_of(const struct layout *l, size_t id)
{
	return id < l->cat->nst ? l->posof[id] : 0;
}

static void
write_members(struct wr *w, const struct layout *l)
{
	const struct catalog	*c = l->cat;
	const struct group	*g;
	size_t			 i, k;

	for (i = 0; i < c->nyears + c->ntags; i++) {
		g = group_at(c, i);
		for (k = 0; k < g->n; k++)
			wr_u32(w, pos_of(l, g->idx[k]));
	}
}

static void
pool_put(struct wr *w, const char *s)
{
	if (s != NULL && *s != '\0')
		wr_put(w, s, strlen(s) + 1);
}

/* The strings in the order pool_size placed them. */
static void
write_pool(struct wr *w, const struct catalog *c)
{
	const char	*s[NSTR];
	size_t		 i, k;

	wr_put(w, "", 1);
	for (i = 0; i < c->n; i++) {
		rec_strings(stmt_at(c, i), s);
		for (k = 0; k < NSTR; k++)
			pool_put(w, s[k]);
	}
	for (i = 0; i < c->nyears + c->ntags; i++) {
		group_strings(group_at(c, i), s);
		for (k = 0; k < 3; k++)
			pool_put(w, s[k]);
	}
	for (i = 0; i < c->nhidden; i++) {
		hidden_strings(&c->st[c->hidden[i]], s);
		for (k = 0; k < 2; k++)
			pool_put(w, s[k]);
	}
}

static void
write_sections(struct wr *w, const struct layout *l)
{
	const struct catalog	*c = l->cat;
	uint64_t		 at = 1;
	size_t			 i;

	for (i = 0; i < c->n; i++)
		write_record(w, stmt_at(c, i), &at);
	wr_align(w);
	for (i = 0; i < c->n; i++)
		wr_u32(w, pos_of(l, c->by_rel[i]));
	wr_align(w);
	write_groups(w, c, &at);
	wr_align(w);
	write_members(w, l);
	wr_align(w);
	for (i = 0; i < l->nslots; i++)
		wr_u32(w, l->rank[i]);
	wr_align(w);
	write_hidden(w, c, &at);
	wr_align(w);
	for (i = 0; i < nlisted(c); i++)
		wr_u32(w, pos_of(l, c->listed != NULL ? c->listed[i] :
		    c->order[i]));
	wr_align(w);
	for (i = 0; i < c->nvers; i++)
		wr_u32(w, pos_of(l, c->vers[i]));
	wr_align(w);
	write_pool(w, c);
	wr_align(w);
}

int
snapfile_write(const struct catalog *c, search_sink_fn sink, void *arg)
{
	struct layout	 l;
	struct wr	*w;
	int		 rc = -1;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return -1;
	w->sink = sink;
	w->arg = arg;
	if (layout_of(&l, c) == -1)
		goto done;
	write_header(w, &l);
	write_sections(w, &l);
	wr_flush(w);
	rc = w->failed ? -1 : 0;
done:
	free(l.posof);
	free(l.rank);
	free(w);
	return rc;
}

/* -- reading ------------------------------------------------------------- */

static int
host_is_le(void)
{
	const uint16_t	 one = 1;

	return *(const uint8_t *)&one == 1;
}

/* Section k of the image, checked: 8-aligned, inside, of length want
 * (or any when want is UINT64_MAX). */
static const uint8_t *
section(const uint8_t *m, size_t mlen, int k, uint64_t want, uint64_t *len)
{
	uint64_t	 off = le_get64(m + H_SECT + 16 * k);

	*len = le_get64(m + H_SECT + 16 * k + 8);
	if (off % 8 != 0 || off < HDR_SIZE || off > mlen ||
	    *len > mlen - off || (want != UINT64_MAX && *len != want))
		return NULL;
	return m + off;
}

static const char *
str_at(const struct snapshot *s, uint32_t off, const char *none)
{
	return off < s->pool_len ? s->pool + off : none;
}

/* Every string of every record inside the pool or none, and every date
 * NUL-terminated in place. */
static int
check_records(const struct snapshot *s)
{
	const uint8_t	*r;
	size_t		 i;
	int		 k;
	uint32_t	 off;

	for (i = 0; i < s->n; i++) {
		r = s->recs + i * REC_SIZE;
		if (r[R_DATE + 10] != '\0' || r[R_DATE + 11] != '\0' ||
		    r[R_UPDATED + 10] != '\0' || r[R_UPDATED + 11] != '\0')
			return -1;
		for (k = 0; k < NSTR; k++) {
			off = le_get32(r + R_STR + 4 * k);
			if (off != STR_NONE && off >= s->pool_len)
				return -1;
		}
		if (le_get32(r + R_VFIRST) > s->nvers ||
		    le_get32(r + R_VN) > s->nvers - le_get32(r + R_VFIRST))
			return -1;
	}
	return 0;
}

/* Every hidden entry's kind known, its strings inside the pool (its
 * reason or none), its date NUL-terminated in place. */
static int
check_hidden(const struct snapshot *s)
{
	const uint8_t	*x;
	size_t		 i;
	uint32_t	 kind, reason;

	for (i = 0; i < s->nhidden; i++) {
		x = s->hid + i * HID_SIZE;
		kind = le_get32(x + X_KIND);
		reason = le_get32(x + X_REASON);
		if (kind == STMT_PUBLIC || kind >= STMT_KINDS ||
		    le_get32(x + X_REL) >= s->pool_len ||
		    (reason != STR_NONE && reason >= s->pool_len) ||
		    x[X_DATE + 10] != '\0' || x[X_DATE + 11] != '\0')
			return -1;
	}
	return 0;
}

/* n u32 at p, each a position below `below` (or RANK_NONE, allowed). */
static int
check_u32s(const uint8_t *p, uint64_t n, uint32_t below, int none_ok)
{
	uint64_t	 i;
	uint32_t	 v;

	for (i = 0; i < n; i++) {
		v = le_get32(p + 4 * i);
		if (v >= below && !(none_ok && v == RANK_NONE))
			return -1;
	}
	return 0;
}

/*
 * The u32 arrays in host order: in place on a little-endian host (the
 * map is 8-aligned, so are the sections), else one private copy of
 * them all, as a big-endian host cannot read them in place.
 */
enum { U_BYREL, U_MEMBERS, U_RANK, U_LISTED, U_VERSIONS, NU32 };

static int
u32_arrays(struct snapshot *s, const uint8_t *p[NU32],
    const uint64_t n[NU32], const uint32_t *out[NU32])
{
	uint64_t	 i, at = 0, total = 0;
	int		 k;

	if (host_is_le()) {
		for (k = 0; k < NU32; k++)
			out[k] = (const uint32_t *)(const void *)p[k];
		return 0;
	}
	for (k = 0; k < NU32; k++)
		total += n[k];
	if (total > SIZE_MAX / 4 || (s->own = malloc((total + 1) * 4)) ==
	    NULL)
		return -1;
	for (k = 0; k < NU32; k++) {
		out[k] = s->own + at;
		for (i = 0; i < n[k]; i++)
			s->own[at++] = le_get32(p[k] + 4 * i);
	}
	return 0;
}

/* The groups decoded into a small private array. */
static int
groups_decode(struct snapshot *s, const uint8_t *g, const uint32_t *members,
    uint64_t nmembers)
{
	size_t		 i, ng = s->nyears + s->ntags;
	uint64_t	 first, n;
	const uint8_t	*r;

	if ((s->years = calloc(ng + 1, sizeof(*s->years))) == NULL)
		return -1;
	s->tags = s->years + s->nyears;
	for (i = 0; i < ng; i++) {
		r = g + i * GROUP_SIZE;
		first = le_get32(r + G_FIRST);
		n = le_get32(r + G_N);
		if (first > nmembers || n > nmembers - first)
			return -1;
		s->years[i].key = str_at(s, le_get32(r + G_KEY), "");
		s->years[i].label = str_at(s, le_get32(r + G_LABEL), "");
		s->years[i].url = str_at(s, le_get32(r + G_URL), "");
		s->years[i].idx = members + first;
		s->years[i].n = (size_t)n;
	}
	return 0;
}

static int
meta_header(struct snapshot *s, const uint8_t *m, size_t mlen)
{
	if (m == NULL || ((uintptr_t)m & 7) != 0 || mlen < HDR_SIZE ||
	    memcmp(m + H_MAGIC, MAGIC, 8) != 0 ||
	    le_get32(m + H_VERSION) != SNAPFILE_VERSION ||
	    le_get32(m + H_HDRLEN) != HDR_SIZE || le_get64(m + H_LEN) != mlen)
		return -1;
	s->sig = le_get64(m + H_SIG);
	s->errors = (size_t)le_get64(m + H_ERRORS);
	s->n = le_get32(m + H_N);
	s->nyears = le_get32(m + H_NYEARS);
	s->ntags = le_get32(m + H_NTAGS);
	s->nslots = le_get32(m + H_NSLOTS);
	s->nhidden = le_get32(m + H_NHIDDEN);
	s->nlisted = le_get32(m + H_NLISTED);
	return 0;
}

static int
meta_parse(struct snapshot *s, const uint8_t *m, size_t mlen)
{
	const uint8_t	*p[NU32], *g, *pool;
	const uint32_t	*u[NU32];
	uint64_t	 n[NU32], len;
	int		 k;

	if (meta_header(s, m, mlen) == -1 ||
	    (s->recs = section(m, mlen, SEC_RECS, (uint64_t)s->n * REC_SIZE,
	    &len)) == NULL ||
	    (p[U_BYREL] = section(m, mlen, SEC_BYREL, (uint64_t)s->n * 4,
	    &n[U_BYREL])) == NULL ||
	    (g = section(m, mlen, SEC_GROUPS, (uint64_t)(s->nyears +
	    s->ntags) * GROUP_SIZE, &len)) == NULL ||
	    (p[U_MEMBERS] = section(m, mlen, SEC_MEMBERS, UINT64_MAX,
	    &n[U_MEMBERS])) == NULL || n[U_MEMBERS] % 4 != 0 ||
	    (p[U_RANK] = section(m, mlen, SEC_RANK, (uint64_t)s->nslots * 4,
	    &n[U_RANK])) == NULL ||
	    (s->hid = section(m, mlen, SEC_HIDDEN, (uint64_t)s->nhidden *
	    HID_SIZE, &len)) == NULL ||
	    (p[U_LISTED] = section(m, mlen, SEC_LISTED, (uint64_t)s->nlisted *
	    4, &n[U_LISTED])) == NULL ||
	    (p[U_VERSIONS] = section(m, mlen, SEC_VERSIONS, UINT64_MAX,
	    &n[U_VERSIONS])) == NULL || n[U_VERSIONS] % 4 != 0 ||
	    (pool = section(m, mlen, SEC_POOL, UINT64_MAX, &len)) == NULL ||
	    len == 0 || pool[len - 1] != '\0')
		return -1;
	s->pool = (const char *)pool;
	s->pool_len = (size_t)len;
	for (k = 0; k < NU32; k++)
		n[k] /= 4;
	s->nvers = (size_t)n[U_VERSIONS];
	/* Checked once here, so that no accessor reads out of bounds. */
	if (check_records(s) == -1 || check_hidden(s) == -1 ||
	    check_u32s(p[U_BYREL], n[U_BYREL], (uint32_t)s->n, 0) == -1 ||
	    check_u32s(p[U_MEMBERS], n[U_MEMBERS], (uint32_t)s->n, 0) == -1 ||
	    check_u32s(p[U_RANK], n[U_RANK], (uint32_t)s->n, 1) == -1 ||
	    check_u32s(p[U_LISTED], n[U_LISTED], (uint32_t)s->n, 0) == -1 ||
	    check_u32s(p[U_VERSIONS], n[U_VERSIONS], (uint32_t)s->n, 0) ==
	    -1 || u32_arrays(s, p, n, u) == -1 ||
	    groups_decode(s, g, u[U_MEMBERS], n[U_MEMBERS]) == -1)
		return -1;
	s->by_rel = u[U_BYREL];
	s->rank = u[U_RANK];
	s->listed = u[U_LISTED];
	s->vers = u[U_VERSIONS];
	return 0;
}

static void
snapshot_free(struct snapshot *s)
{
	free(s->years);
	free(s->own);
	free(s);
}

struct snapshot *
snapshot_open(const struct snapshot_src *src, const char **errstr)
{
	struct snapshot	*s;
	size_t		 i;

	if (src->nseg > SNAPSHOT_SEGS_MAX) {
		*errstr = "too many search segments";
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		*errstr = "out of memory";
		return NULL;
	}
	if (meta_parse(s, src->meta, src->meta_len) == -1) {
		*errstr = "malformed catalog image";
		snapshot_free(s);
		return NULL;
	}
	for (i = 0; i < src->nseg; i++)
		if (search_seg_open(&s->seg[i], src->seg[i],
		    src->seg_len[i]) == -1) {
			*errstr = "malformed search image";
			snapshot_free(s);
			return NULL;
		}
	s->nseg = src->nseg;
	s->src = *src;
	return s;
}

void
snapshot_close(struct snapshot *s)
{
	int	 i;

	if (s == NULL)
		return;
	for (i = 0; i < SNAPSHOT_VIEWS; i++)
		if (s->view_free[i] != NULL)
			s->view_free[i](s->view[i]);
	if (s->src.release != NULL)
		s->src.release(s->src.arg);
	snapshot_free(s);
}

const struct stmt *
snapshot_stmt(const struct snapshot *s, size_t pos, struct stmt *tmp)
{
	const uint8_t	*r;
	const char	*v[NSTR];
	uint32_t	 flags;
	int		 k;

	if (s == NULL || pos >= s->n)
		return NULL;
	r = s->recs + pos * REC_SIZE;
	for (k = 0; k < NSTR; k++)
		v[k] = str_at(s, le_get32(r + R_STR + 4 * k),
		    (MAY_BE_NULL & (1 << k)) ? NULL : "");
	memset(tmp, 0, sizeof(*tmp));
	tmp->rel = v[S_REL];
	tmp->diskpath = v[S_DISKPATH];
	tmp->url = v[S_URL];
	tmp->title = v[S_TITLE];
	tmp->summary = v[S_SUMMARY];
	tmp->author = v[S_AUTHOR];
	tmp->lang = v[S_LANG];
	tmp->tags = v[S_TAGS];
	tmp->tag_labels = v[S_TAG_LABELS];
	tmp->correction = v[S_CORRECTION];
	tmp->attachments = v[S_ATTACHMENTS];
	tmp->tr_lang = v[S_TR_LANG];
	memcpy(tmp->date, r + R_DATE, 10);
	tmp->date[10] = '\0';
	memcpy(tmp->updated, r + R_UPDATED, 10);
	tmp->updated[10] = '\0';
	flags = le_get32(r + R_FLAGS);
	tmp->is_txt = (flags & F_TXT) != 0;
	tmp->summary_read = (flags & F_SUMMARY_READ) != 0;
	tmp->translation = (flags & F_TRANSLATION) != 0;
	tmp->vfirst = le_get32(r + R_VFIRST);
	tmp->vn = le_get32(r + R_VN);
	tmp->valid = 1;
	tmp->mtime = (time_t)(int64_t)le_get64(r + R_MTIME);
	tmp->size = (off_t)(int64_t)le_get64(r + R_SIZE);
	tmp->ino = le_get64(r + R_INO);
	tmp->ini_size = (int64_t)le_get64(r + R_INI_SIZE);
	tmp->ini_mtime = (int64_t)le_get64(r + R_INI_MTIME);
	tmp->mtime_ns = (int64_t)le_get64(r + R_MTIME_NS);
	tmp->ini_ino = le_get64(r + R_INI_INO);
	tmp->att_sig = le_get64(r + R_ATT_SIG);
	tmp->slot = le_get32(r + R_SLOT);
	return tmp;
}

const char *
snapshot_date(const struct snapshot *s, size_t pos)
{
	if (s == NULL || pos >= s->n)
		return "";
	return (const char *)s->recs + pos * REC_SIZE + R_DATE;
}

const char *
snapshot_updated(const struct snapshot *s, size_t pos)
{
	if (s == NULL || pos >= s->n)
		return "";
	return (const char *)s->recs + pos * REC_SIZE + R_UPDATED;
}

/* The rel of position pos alone: what the binary search compares. */
static const char *
rel_at(const struct snapshot *s, size_t pos)
{
	return str_at(s, le_get32(s->recs + pos * REC_SIZE + R_STR + 4 * S_REL),
	    "");
}

/* The rel of the i-th statement by rel, and of the i-th hidden entry. */
static const char *
by_rel_at(const struct snapshot *s, size_t i)
{
	return rel_at(s, s->by_rel[i]);
}

static const char *
hidden_rel_at(const struct snapshot *s, size_t i)
{
	return str_at(s, le_get32(s->hid + i * HID_SIZE + X_REL), "");
}

/* In a list of n sorted by rel (rel_of gives the i-th's): where rel is,
 * or -1. */
static ssize_t
rel_search(const struct snapshot *s, size_t n,
    const char *(*rel_of)(const struct snapshot *, size_t), const char *rel)
{
	size_t	 lo = 0, hi = n, mid;
	int	 c;

	if (s == NULL || rel == NULL)
		return -1;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((c = strcmp(rel, rel_of(s, mid))) == 0)
			return (ssize_t)mid;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

const struct stmt *
snapshot_find(const struct snapshot *s, const char *rel, struct stmt *tmp)
{
	ssize_t	 i = rel_search(s, s != NULL ? s->n : 0, by_rel_at, rel);

	return i == -1 ? NULL : snapshot_stmt(s, s->by_rel[i], tmp);
}

const struct snapshot_hidden *
snapshot_hidden_at(const struct snapshot *s, size_t i,
    struct snapshot_hidden *tmp)
{
	const uint8_t	*x;

	if (s == NULL || i >= s->nhidden)
		return NULL;
	x = s->hid + i * HID_SIZE;
	memset(tmp, 0, sizeof(*tmp));
	tmp->rel = hidden_rel_at(s, i);
	tmp->kind = (int)le_get32(x + X_KIND);
	tmp->reason = str_at(s, le_get32(x + X_REASON), NULL);
	tmp->date = (const char *)x + X_DATE;
	tmp->when = (long long)(int64_t)le_get64(x + X_WHEN);
	return tmp;
}

const struct snapshot_hidden *
snapshot_hidden(const struct snapshot *s, const char *rel,
    struct snapshot_hidden *tmp)
{
	ssize_t	 i = rel_search(s, s != NULL ? s->nhidden : 0, hidden_rel_at,
		    rel);

	return i == -1 ? NULL : snapshot_hidden_at(s, (size_t)i, tmp);
}

const uint32_t *
snapshot_versions(const struct snapshot *s, const struct stmt *st, size_t *n)
{
	*n = 0;
	if (s == NULL || st == NULL || st->vn < 2 || st->vfirst > s->nvers ||
	    st->vn > s->nvers - st->vfirst)
		return NULL;
	*n = st->vn;
	return s->vers + st->vfirst;
}

uint64_t
snapshot_sig(const struct snapshot *s)
{
	return s->sig;
}

/* -- a catalog in memory --------------------------------------------------- */

struct images {
	struct buf	 meta, seg;
};

static int
buf_sink(void *arg, const void *p, size_t n)
{
	return buf_append(arg, p, n);
}

static void
images_free(void *arg)
{
	struct images	*im = arg;

	if (im == NULL)
		return;
	buf_free(&im->meta);
	buf_free(&im->seg);
	free(im);
}

struct snapshot *
snapshot_from_catalog(struct catalog *c)
{
	struct snapshot_src	 src;
	struct snapshot		*s;
	struct images		*im;
	const char		*errstr;

	if (c->nst >= UINT32_MAX || (im = calloc(1, sizeof(*im))) == NULL)
		return NULL;
	buf_init(&im->meta, SIZE_MAX / 2);
	buf_init(&im->seg, SIZE_MAX / 2);
	if (snapfile_write(c, buf_sink, &im->meta) == -1 ||
	    (c->search != NULL && search_write(c->search, buf_sink,
	    &im->seg) == -1)) {
		images_free(im);
		return NULL;
	}
	memset(&src, 0, sizeof(src));
	src.meta = im->meta.data;
	src.meta_len = im->meta.len;
	src.seg[0] = im->seg.data;
	src.seg_len[0] = im->seg.len;
	src.nseg = c->search != NULL;
	src.release = images_free;
	src.arg = im;
	if ((s = snapshot_open(&src, &errstr)) == NULL)
		images_free(im);
	return s;
}
