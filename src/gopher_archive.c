/* SPDX-License-Identifier: ISC */
/*
 * broadside: the archive over Gopher (see gopher_archive.h).  A view of
 * each snapshot holds its menus (blobs), the root menu while the root
 * folder is unchanged, and a cache of the statements rendered lately.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "archive.h"
#include "archive_build.h"
#include "archive_route.h"
#include "blob.h"
#include "cache.h"
#include "charset.h"
#include "config.h"
#include "gemini_archive.h"
#include "gopher_archive.h"
#include "gopher_menu.h"
#include "lang.h"
#include "render_gopher.h"
#include "search.h"

#define VIEW_SLOT		1	/* this renderer's snapshot_view slot */
#define PAGE_ITEMS		300	/* statements per menu page */
#define LATEST			10	/* on the root menu */
#define STMT_MAX		(1024 * 1024)	/* bytes of a statement read */
#define STMT_CACHE_MAX		(4 * 1024 * 1024)	/* rendered, in all */
#define STMT_CACHE_ENTRY	(512 * 1024)	/* larger ones: not kept */


struct gopher_view {
	struct gopher_style	 gs;
	const char		*folder;
	const char		*lang;		/* [server] lang */
	struct blob		*index, *tags, *feed;
	struct blob		*root;
	struct timespec		 root_mtim;
	struct timespec		 root_checked;	/* monotonic */
	struct blob_pages	*years, *tagged;
	size_t			 nyears, ntags;
	struct cache		*stmts;
};

typedef void (*menu_fn)(const struct gopher_view *, struct snapshot *,
    const struct route *, struct buf *);

static void
view_free(void *arg)
{
	struct gopher_view	*v = arg;

	if (v == NULL)
		return;
	blob_release(v->index);
	blob_release(v->tags);
	blob_release(v->feed);
	blob_release(v->root);
	blob_pages_free(v->years, v->nyears);
	blob_pages_free(v->tagged, v->ntags);
	cache_free(v->stmts);
	free(v);
}

static size_t
pages_of(size_t n)
{
	return n == 0 ? 1 : (n + PAGE_ITEMS - 1) / PAGE_ITEMS;
}

static struct blob_pages *
groups_new(const struct snapshot_group *g, size_t n)
{
	struct blob_pages	*m;
	size_t			 i;

	if ((m = calloc(n + 1, sizeof(*m))) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		m[i].n = pages_of(g[i].n);
		if ((m[i].page = calloc(m[i].n, sizeof(*m[i].page))) == NULL) {
			blob_pages_free(m, i);
			return NULL;
		}
	}
	return m;
}

static struct gopher_view *
view_of(const struct request_ctx *ctx, struct snapshot *s)
{
	struct gopher_view	*v;

	if ((v = snapshot_view(s, VIEW_SLOT)) != NULL)
		return v;
	if ((v = calloc(1, sizeof(*v))) == NULL)
		return NULL;
	gopher_style_of(ctx->conf, &v->gs);
	v->folder = archive_folder(ctx->archive);
	v->lang = ctx->conf->lang;
	v->nyears = s->nyears;
	v->ntags = s->ntags;
	v->years = groups_new(s->years, s->nyears);
	v->tagged = groups_new(s->tags, s->ntags);
	v->stmts = cache_new(STMT_CACHE_ENTRY, STMT_CACHE_MAX);
	if (v->years == NULL || v->tagged == NULL || v->stmts == NULL) {
		view_free(v);
		return NULL;
	}
	snapshot_set_view(s, VIEW_SLOT, v, view_free);
	return v;
}

/* -- menus ----------------------------------------------------------------- */

/* "  español: Título" under a statement of a list, for each version. */
static void
version_items(const struct gopher_view *v, const struct snapshot *s,
    const struct stmt *st, struct buf *b)
{
	struct stmt_version	 ver[STMT_VERSIONS_MAX];
	char			 sel[PATH_MAX];
	size_t			 n;

	n = archive_versions(s, st, v->lang, ver, STMT_VERSIONS_MAX);
	snprintf(sel, sizeof(sel), "/%s/", v->folder);
	(void)gopher_version_items(ver, n, sel, "  ", NULL, &v->gs, b);
}

/* A statement of a list; with its other versions under it unless s is
 * NULL. */
static void
stmt_item(const struct gopher_view *v, const struct snapshot *s,
    const struct stmt *st, struct buf *b)
{
	char	 disp[SCAN_TITLE_MAX + LANG_LABEL_MAX + 48];
	char	 note[SCAN_NOTE_MAX + 32];
	char	 sel[PATH_MAX];
	char	 label[LANG_LABEL_MAX + 1], lang[LANG_LABEL_MAX + 4];

	if (st == NULL)
		return;
	lang[0] = '\0';
	if (stmt_lang(st) != NULL && !lang_same(stmt_lang(st), v->lang)) {
		lang_label(stmt_lang(st), label, sizeof(label));
		snprintf(lang, sizeof(lang), " (%s)", label);
	}
	if (st->updated[0] != '\0')
		snprintf(disp, sizeof(disp), "%s %s%s (corrected %s)", st->date,
		    st->title, lang, st->updated);
	else
		snprintf(disp, sizeof(disp), "%s %s%s", st->date, st->title,
		    lang);
	snprintf(sel, sizeof(sel), "/%s/%s", v->folder, st->rel);
	gopher_item(b, '0', disp, sel, &v->gs);
	/* The note, and the date once more: a long display is cut. */
	if (st->updated[0] != '\0' && st->correction != NULL &&
	    *st->correction != '\0') {
		snprintf(note, sizeof(note), "Corrected %s: %s", st->updated,
		    st->correction);
		gopher_info(b, note, &v->gs);
	}
	if (s != NULL)
		version_items(v, s, st, b);
}

static void
nav(const struct gopher_view *v, struct buf *b)
{
	char	 sel[PATH_MAX];

	gopher_info(b, "", &v->gs);
	snprintf(sel, sizeof(sel), "/%s/", v->folder);
	gopher_item(b, '1', "All statements, by year", sel, &v->gs);
	snprintf(sel, sizeof(sel), "/%s/tags/", v->folder);
	gopher_item(b, '1', "Tags", sel, &v->gs);
	gopher_item(b, '7', "Search statements", "/search", &v->gs);
	gopher_item(b, '1', "Home", "/", &v->gs);
}

static void
root_menu(const struct request_ctx *ctx, const struct gopher_view *v,
    const struct snapshot *s, struct buf *b)
{
	const char	*skip[] = { v->folder, "index.gmi", NULL };
	struct stmt	 tmp;
	char		 sel[PATH_MAX];
	size_t		 i;

	gopher_info(b, ctx->conf->title ? ctx->conf->title : "Statements",
	    &v->gs);
	gopher_info(b, "", &v->gs);
	gopher_info(b, s->nlisted ? "Latest statements" : "No statements yet",
	    &v->gs);
	for (i = 0; i < s->nlisted && i < LATEST; i++)
		stmt_item(v, s, snapshot_stmt(s, s->listed[i], &tmp), b);
	gopher_info(b, "", &v->gs);
	snprintf(sel, sizeof(sel), "/%s/", v->folder);
	gopher_item(b, '1', "All statements, by year", sel, &v->gs);
	snprintf(sel, sizeof(sel), "/%s/tags/", v->folder);
	gopher_item(b, '1', "Tags", sel, &v->gs);
	gopher_item(b, '7', "Search statements", "/search", &v->gs);
	gopher_info(b, "", &v->gs);
	gopher_dir_items(ctx->rootfd, "/", skip, &v->gs, b);
	gopher_menu_end(b);
}

static void
index_menu(const struct gopher_view *v, struct snapshot *s,
    const struct route *rt, struct buf *b)
{
	struct stmt	 tmp;
	char		 sel[PATH_MAX], line[128];
	size_t		 y, i, shown = 0;

	(void)rt;
	gopher_info(b, "All statements, by year", &v->gs);
	for (y = 0; y < s->nyears; y++) {
		const struct snapshot_group	*g = &s->years[y];

		gopher_info(b, "", &v->gs);
		if (shown + g->n <= PAGE_ITEMS || shown == 0) {
			gopher_info(b, g->key, &v->gs);
			for (i = 0; i < g->n && i < PAGE_ITEMS; i++)
				stmt_item(v, s, snapshot_stmt(s, g->idx[i],
				    &tmp), b);
			shown += i;
			if (i == g->n)
				continue;
		}
		snprintf(sel, sizeof(sel), "/%s/%s/", v->folder, g->key);
		snprintf(line, sizeof(line), "%s: %zu statements", g->key,
		    g->n);
		gopher_item(b, '1', line, sel, &v->gs);
	}
	nav(v, b);
	gopher_menu_end(b);
}

static void
tags_menu(const struct gopher_view *v, struct snapshot *s,
    const struct route *rt, struct buf *b)
{
	char	 sel[PATH_MAX], line[128];
	size_t	 i;

	(void)rt;
	gopher_info(b, "Tags", &v->gs);
	gopher_info(b, "", &v->gs);
	for (i = 0; i < s->ntags; i++) {
		snprintf(sel, sizeof(sel), "/%s/tags/%s/", v->folder,
		    s->tags[i].key);
		snprintf(line, sizeof(line), "%s (%zu)", s->tags[i].label,
		    s->tags[i].n);
		gopher_item(b, '1', line, sel, &v->gs);
	}
	nav(v, b);
	gopher_menu_end(b);
}

static void
group_menu(const struct gopher_view *v, struct snapshot *s,
    const struct route *rt, struct buf *b)
{
	int				 is_tag = rt->kind == ROUTE_TAG;
	const struct snapshot_group	*g = snapshot_group(s, is_tag,
					    rt->key, rt->keylen);
	struct stmt			 tmp;
	char				 sel[PATH_MAX], line[160];
	size_t				 from, i;

	from = (size_t)rt->page * PAGE_ITEMS;
	/* The same titles as the Gemini pages ("2025", "Tag: x"). */
	snprintf(line, sizeof(line), "%s%s", is_tag ? "Tag: " : "", g->label);
	if (rt->page > 0)
		snprintf(line + strlen(line), sizeof(line) - strlen(line),
		    ", page %ld", rt->page + 1);
	gopher_info(b, line, &v->gs);
	if (rt->page == 0) {
		snprintf(line, sizeof(line), "%s %s.", is_tag ?
		    "Statements tagged" : "Statements of", g->label);
		gopher_info(b, line, &v->gs);
	}
	gopher_info(b, "", &v->gs);
	for (i = from; i < g->n && i < from + PAGE_ITEMS; i++)
		stmt_item(v, s, snapshot_stmt(s, g->idx[i], &tmp), b);
	if (rt->page > 0) {
		if (rt->page == 1)
			snprintf(sel, sizeof(sel), "%s", g->url);
		else
			snprintf(sel, sizeof(sel), "%spage/%ld/", g->url,
			    rt->page);
		gopher_item(b, '1', "Newer statements", sel, &v->gs);
	}
	if (i < g->n) {
		snprintf(sel, sizeof(sel), "%spage/%ld/", g->url,
		    rt->page + 2);
		gopher_item(b, '1', "Older statements", sel, &v->gs);
	}
	nav(v, b);
	gopher_menu_end(b);
}

/* A menu rendered once per snapshot into *slot, or on the spot. */
static void
reply_menu(const struct gopher_view *v, struct snapshot *s,
    const struct route *rt, struct blob **slot, menu_fn fn,
    struct response *r)
{
	struct buf	 b;

	if (*slot == NULL) {
		buf_init(&b, RESPONSE_MEM_MAX);
		fn(v, s, rt, &b);
		*slot = blob_from_buf(&b);
	}
	if (*slot == NULL) {
		fn(v, s, rt, &r->out);
		return;
	}
	blob_lend(*slot, r);
}

static void
reply_group(struct gopher_view *v, struct snapshot *s,
    const struct route *rt, struct response *r)
{
	int				 is_tag = rt->kind == ROUTE_TAG;
	const struct snapshot_group	*g = snapshot_group(s, is_tag,
					    rt->key, rt->keylen);
	struct blob_pages		*m;

	if (g == NULL) {
		gopher_error_menu(&r->out, is_tag ? "No statement has this tag"
		    : "No statement of this year", &v->gs);
		r->status = 3;
		return;
	}
	m = is_tag ? &v->tagged[g - s->tags] : &v->years[g - s->years];
	if ((size_t)rt->page >= m->n) {
		gopher_error_menu(&r->out, "No such page", &v->gs);
		r->status = 3;
		return;
	}
	reply_menu(v, s, rt, &m->page[rt->page], group_menu, r);
}

static long
msec_between(const struct timespec *a, const struct timespec *b)
{
	return (long)(b->tv_sec - a->tv_sec) * 1000 +
	    (b->tv_nsec - a->tv_nsec) / 1000000;
}

/*
 * The root menu, kept while the root folder is unchanged; a folder
 * changed in the last second is rendered afresh (its mtime may not have
 * ticked yet for a change still to come).  The folder is looked at once
 * a second at most, as the response cache looks at the listings of the
 * others.
 */
static void
reply_root(const struct request_ctx *ctx, struct gopher_view *v,
    const struct snapshot *s, struct response *r)
{
	struct stat	 sb;
	struct timespec	 now;
	struct buf	 b;
	struct blob	*bl;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (v->root != NULL &&
	    msec_between(&v->root_checked, &now) < CACHE_REVALIDATE_MSEC) {
		blob_lend(v->root, r);
		return;
	}
	if (fstat(ctx->rootfd, &sb) == -1 ||
	    time(NULL) - sb.st_mtim.tv_sec < 1) {
		root_menu(ctx, v, s, &r->out);
		return;
	}
	if (v->root != NULL && v->root_mtim.tv_sec == sb.st_mtim.tv_sec &&
	    v->root_mtim.tv_nsec == sb.st_mtim.tv_nsec) {
		v->root_checked = now;
		blob_lend(v->root, r);
		return;
	}
	buf_init(&b, RESPONSE_MEM_MAX);
	root_menu(ctx, v, s, &b);
	if ((bl = blob_from_buf(&b)) == NULL) {
		root_menu(ctx, v, s, &r->out);
		return;
	}
	blob_release(v->root);
	v->root = bl;
	v->root_mtim = sb.st_mtim;
	v->root_checked = now;
	blob_lend(bl, r);
}

/* The Atom feed (the Gemini renderer's) as gopher text: CRLF, dots
 * doubled, "." end. */
static void
reply_feed(const struct request_ctx *ctx, struct gopher_view *v,
    struct snapshot *s, struct response *r)
{
	const struct blob	*feed;
	struct buf		 b;
	void			*f;

	if (v->feed == NULL && (feed = gemini_archive_feed(ctx, s)) != NULL &&
	    (f = gopher_text_filter_new(v->gs.charset)) != NULL) {
		buf_init(&b, RESPONSE_MEM_MAX);
		gopher_text_filter(f, feed->data, feed->len, &b, 1);
		free(f);
		v->feed = blob_from_buf(&b);
	}
	if (v->feed == NULL) {
		gopher_error_menu(&r->out, "Cannot render the feed", &v->gs);
		r->status = 3;
		return;
	}
	blob_lend(v->feed, r);
}

static int	 not_found(const struct request_ctx *, const char *,
		    struct response *);

/* -- search ---------------------------------------------------------------- */

static void
search_prompt(const struct gopher_view *v, const char *what, struct buf *b)
{
	gopher_info(b, what, &v->gs);
	gopher_item(b, '7', "Search statements", "/search", &v->gs);
	gopher_menu_end(b);
}

static void
search_list(const struct gopher_view *v, const struct snapshot *s,
    const char *q, const struct archive_results *res, struct buf *b)
{
	struct stmt	 tmp;
	char		 line[2 * SEARCH_QUERY_MAX + 64];
	size_t		 i;

	snprintf(line, sizeof(line), "Search: %s", q);
	gopher_info(b, line, &v->gs);
	if (res->words == 0)
		gopher_info(b, "The query holds no word to look for.", &v->gs);
	else if (res->total == 0)
		gopher_info(b, "No statement matches all of these words.",
		    &v->gs);
	else {
		snprintf(line, sizeof(line), "%zu statement%s match%s.",
		    res->total, res->total == 1 ? "" : "s",
		    res->total == 1 ? "es" : "");
		gopher_info(b, line, &v->gs);
	}
	for (i = 0; i < res->n; i++) {
		gopher_info(b, "", &v->gs);
		stmt_item(v, NULL, snapshot_stmt(s, res->pos[i], &tmp), b);
		if (res->snip[i][0] != '\0')
			gopher_info(b, res->snip[i], &v->gs);
	}
	gopher_info(b, "", &v->gs);
	gopher_item(b, '7', "Search again", "/search", &v->gs);
	nav(v, b);
	gopher_menu_end(b);
}

static void
search(const struct request_ctx *ctx, const struct gopher_view *v,
    const struct snapshot *s, const char *q, int has_search,
    struct response *r)
{
	struct archive_results	*res;
	char			 line[128], u8[2 * SEARCH_QUERY_MAX + 1];
	size_t			 qlen = has_search ? strlen(q) : 0;

	if (qlen == 0) {
		search_prompt(v, "Type words to search the statements.",
		    &r->out);
		return;
	}
	if (qlen > SEARCH_QUERY_MAX) {
		snprintf(line, sizeof(line), "The query is too long (%zu "
		    "bytes, at most %d).", qlen, SEARCH_QUERY_MAX);
		search_prompt(v, line, &r->out);
		return;
	}
	/* Words typed in a Latin-1 terminal are found too. */
	if (charset_input_to_utf8(v->gs.charset, q, qlen, u8, sizeof(u8),
	    &qlen) == -1) {
		not_found(ctx, "The query cannot be read", r);
		return;
	}
	q = u8;
	if ((res = calloc(1, sizeof(*res))) == NULL ||
	    archive_search(ctx->archive, s, q, qlen, res) == -1) {
		free(res);
		gopher_error_menu(&r->out, "The search failed", &v->gs);
		r->status = 3;
		return;
	}
	search_list(v, s, q, res, &r->out);
	free(res);
}

/* -- statements ------------------------------------------------------------ */

/* A plain-text statement as a menu: its lines as info lines, as written,
 * then its attachments. */
static int
txt_menu(const char *text, size_t len, const struct gopher_stmt *m,
    const struct gopher_style *gs, struct buf *b)
{
	const char	*p = text, *end = text + len, *nl;
	char		 line[1024];
	size_t		 n;

	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		n = (size_t)(nl - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, p, n);
		line[n] = '\0';
		gopher_info(b, line, gs);
		p = nl + 1;
	}
	gopher_stmt_items(m, gs, b);
	gopher_menu_end(b);
	return b->failed ? -1 : 0;
}

/* The room of what a gopher_stmt points to. */
struct stmt_room {
	char			 attach_sel[PATH_MAX];
	char			 archive_sel[PATH_MAX];
	struct stmt_version	 ver[STMT_VERSIONS_MAX];
};

/* What the renderings tell besides the words. */
static void
stmt_meta(const struct gopher_view *v, const struct snapshot *s,
    const struct stmt *st, struct gopher_stmt *m, struct stmt_room *room)
{
	char	*sel = room->attach_sel;
	size_t	 n = strlen(st->rel), len = sizeof(room->attach_sel);

	memset(m, 0, sizeof(*m));
	m->title = st->title;
	m->date = st->date;
	m->corrected = st->updated;
	m->correction = st->correction;
	m->attachments = st->attachments;
	/* "/statements/2025/2025-06-09-slug/": the name without ".gmi" */
	if (n < 4 || snprintf(sel, len, "/%s/%.*s/", v->folder, (int)(n - 4),
	    st->rel) >= (int)len)
		m->attachments = NULL;
	m->attach_sel = sel;
	snprintf(room->archive_sel, sizeof(room->archive_sel), "/%s/",
	    v->folder);
	m->archive_sel = room->archive_sel;
	m->ver = room->ver;
	m->nver = archive_versions(s, st, v->lang, room->ver,
	    STMT_VERSIONS_MAX);
}

/* Render a statement's text as the view asks: text or menu. */
static int
stmt_render(const struct gopher_view *v, const struct snapshot *s,
    const struct stmt *st, const char *text, size_t n, int as_menu,
    const char *sel, struct buf *b)
{
	struct gopher_stmt	 m;
	struct stmt_room	*room;
	void			*filter;
	int			 rc = -1;

	if ((room = malloc(sizeof(*room))) == NULL)
		return -1;
	stmt_meta(v, s, st, &m, room);
	if (as_menu)
		rc = st->is_txt ? txt_menu(text, n, &m, &v->gs, b) :
		    gopher_render_statement_menu(text, n, sel, &m, &v->gs, b);
	else if (!st->is_txt)
		rc = gopher_render_statement(text, n, &m, &v->gs, b);
	else if ((filter = gopher_text_filter_new(v->gs.charset)) != NULL) {
		/* Plain text is the publisher's layout: as written, only
		 * CRLF, doubled dots and the charset. */
		rc = gopher_text_filter(filter, text, n, b, 1);
		free(filter);
	}
	free(room);
	return rc;
}

static int
stmt_read(const struct request_ctx *ctx, const struct gopher_view *v,
    const struct stmt *st, int as_menu, struct stat *sb, struct buf *b)
{
	char	 sel[PATH_MAX];
	char	*text;
	ssize_t	 n;
	int	 fd, rc = -1;

	if ((fd = build_open_regular(ctx->rootfd, st->diskpath, sb)) == -1)
		return -1;
	if (sb->st_size > STMT_MAX) {
		close(fd);
		return -1;
	}
	snprintf(sel, sizeof(sel), "/%s/%s", v->folder, st->rel);
	if ((text = malloc((size_t)sb->st_size + 1)) != NULL &&
	    (n = pread(fd, text, (size_t)sb->st_size, 0)) >= 0)
		rc = stmt_render(v, archive_snapshot(ctx->archive), st, text,
		    (size_t)n, as_menu, sel, b);
	free(text);
	close(fd);
	return rc;
}

/* A statement as text or menu, from the view's cache when rendered
 * lately (checked against the file's stat, as every cached file is). */
static void
reply_stmt(const struct request_ctx *ctx, struct gopher_view *v,
    const struct stmt *st, int as_menu, struct response *r)
{
	struct stat	 sb;
	struct blob	*bl;
	struct buf	 b;
	char		 key[PATH_MAX + 8];

	if (cache_key(key, sizeof(key), as_menu ? "1" : "0", st->rel, NULL) ==
	    -1)
		key[0] = '\0';		/* no caching */
	if (cache_serve(v->stmts, ctx->rootfd, key, r))
		return;
	buf_init(&b, RESPONSE_MEM_MAX);
	if (stmt_read(ctx, v, st, as_menu, &sb, &b) == -1 || b.failed) {
		buf_free(&b);
		gopher_error_menu(&r->out, "Cannot read the statement",
		    &v->gs);
		r->status = 3;
		return;
	}
	if ((bl = blob_from_buf(&b)) == NULL) {
		gopher_error_menu(&r->out, "Temporary failure", &v->gs);
		r->status = 3;
		return;
	}
	cache_store_blob(v->stmts, key, st->diskpath, &sb, 0, "", 0, bl);
	blob_lend(bl, r);
	blob_release(bl);
}

/* -- statements not published --------------------------------------------- */

/*
 * A withdrawn statement's URL: a short text (or, asked for as a menu, a
 * menu) saying when it was withdrawn and why; its words are not served.
 */
static void
reply_withdrawn(const struct request_ctx *ctx, const struct route *rt,
    const struct snapshot_hidden *h, struct response *r)
{
	struct gopher_style	 gs;
	struct buf		 g;
	char			 sel[PATH_MAX];

	gopher_style_of(ctx->conf, &gs);
	buf_init(&g, 4096);
	buf_printf(&g, "# Withdrawn\n\nThis statement was withdrawn on "
	    "%s.\n", h->date);
	if (h->reason != NULL && *h->reason != '\0')
		buf_printf(&g, "\nReason: %s\n", h->reason);
	buf_printf(&g, "\n=> /%s/ All statements\n=> / Home\n",
	    archive_folder(ctx->archive));
	snprintf(sel, sizeof(sel), "%s", rt->path);
	if (g.failed || (rt->view == VIEW_MENU ? gopher_render_menu(g.data,
	    g.len, sel, &gs, &r->out) : gopher_render_text(g.data, g.len,
	    NULL, NULL, &gs, &r->out)) == -1) {
		buf_reset(&r->out);	/* no half page before the error */
		not_found(ctx, "Temporary failure", r);
	}
	buf_free(&g);
}

/*
 * A statement that is not published, or an attachment of one: a draft
 * or a scheduled statement does not exist (the type 3 error any unknown
 * selector gets); a withdrawn one says so.  One the index has not read
 * yet but with a sidecar is not served until it has.  1 when answered.
 */
static int
unpublished(const struct request_ctx *ctx, const struct snapshot *s,
    const struct route *rt, struct response *r)
{
	struct snapshot_hidden	 h;

	if (ctx->archive == NULL || rt->rel == NULL)
		return 0;
	switch (archive_visibility(ctx->archive, s, rt->rel,
	    rt->kind == ROUTE_ATTACHMENT, &h)) {
	case ARCHIVE_SHOWN:
		return 0;
	case ARCHIVE_UNDECIDED:
		return not_found(ctx, s == NULL &&
		    archive_pending(ctx->archive) ? ARCHIVE_PENDING_MSG :
		    "Not found", r);
	}
	if (h.kind != STMT_WITHDRAWN)
		return not_found(ctx, "Not found", r);
	reply_withdrawn(ctx, rt, &h, r);
	return 1;
}

/* -- routes ---------------------------------------------------------------- */

static int
not_found(const struct request_ctx *ctx, const char *why,
    struct response *r)
{
	struct gopher_style	 gs;

	gopher_style_of(ctx->conf, &gs);
	gopher_error_menu(&r->out, why, &gs);
	r->status = 3;
	return 1;
}

/* Gopher has no redirects: a page asked for without its slash is
 * served as with it. */
static void
with_slash(const struct request_ctx *ctx, const struct route *rt,
    struct route *out)
{
	char	 path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/", rt->path);
	archive_route(archive_folder(ctx->archive), path, 0, out);
	out->key = out->key != NULL ? rt->path + (out->key - path) : NULL;
	out->rel = NULL;
	out->path = rt->path;
}

static void
reply(const struct request_ctx *ctx, struct gopher_view *v,
    struct snapshot *s, const struct route *rt, const char *search_words,
    int has_search, struct response *r)
{
	switch (rt->kind) {
	case ROUTE_HOME:
		reply_root(ctx, v, s, r);
		break;
	case ROUTE_SEARCH:
		search(ctx, v, s, search_words, has_search, r);
		break;
	case ROUTE_INDEX:
		if (rt->page > 0)
			not_found(ctx, "No such page", r);
		else
			reply_menu(v, s, rt, &v->index, index_menu, r);
		break;
	case ROUTE_TAGS:
		reply_menu(v, s, rt, &v->tags, tags_menu, r);
		break;
	case ROUTE_FEED:
		reply_feed(ctx, v, s, r);
		break;
	case ROUTE_YEAR:
	case ROUTE_TAG:
		reply_group(v, s, rt, r);
		break;
	default:
		not_found(ctx, "Not found", r);
		break;
	}
}

int
gopher_archive_serve(const struct request_ctx *ctx, const struct route *rt,
    const char *search_words, int has_search, struct response *r)
{
	struct snapshot		*s = archive_snapshot(ctx->archive);
	struct stmt		 tmp;
	const struct stmt	*st = NULL;
	struct gopher_view	*v;
	struct route		 slashed;

	if (rt->kind == ROUTE_HIDDEN)
		return not_found(ctx, "Not found", r);	/* metadata, always */
	if ((rt->kind == ROUTE_STATEMENT || rt->kind == ROUTE_ATTACHMENT) &&
	    unpublished(ctx, s, rt, r))
		return 1;
	if (s == NULL && archive_pending(ctx->archive) &&
	    archive_route_generated(rt->kind) && (rt->kind != ROUTE_HOME ||
	    faccessat(ctx->rootfd, "index.gmi", F_OK, 0) != 0))
		return not_found(ctx, ARCHIVE_PENDING_MSG, r);
	if (s == NULL || rt->kind == ROUTE_NONE ||
	    rt->kind == ROUTE_ATTACHMENT)
		return 0;
	if (rt->kind == ROUTE_STATEMENT &&
	    (st = snapshot_find(s, rt->rel, &tmp)) == NULL)
		return 0;	/* not indexed: the file tree has it */
	if ((v = view_of(ctx, s)) == NULL)
		return not_found(ctx, "Temporary failure", r);
	if (st != NULL) {
		reply_stmt(ctx, v, st, rt->view == VIEW_MENU, r);
		return 1;
	}
	if (rt->kind == ROUTE_SLASH) {
		with_slash(ctx, rt, &slashed);
		if (slashed.kind == ROUTE_SLASH)
			return not_found(ctx, "Not found", r);
		rt = &slashed;
	}
	reply(ctx, v, s, rt, search_words, has_search, r);
	return 1;
}
