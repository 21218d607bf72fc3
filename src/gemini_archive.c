/* SPDX-License-Identifier: ISC */
/*
 * broadside: the archive over Gemini (see gemini_archive.h).  A view of
 * each snapshot holds its rendered pages (blobs); it is made on the first
 * request that needs it and freed with the snapshot.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive.h"
#include "archive_build.h"
#include "archive_route.h"
#include "atom.h"
#include "blob.h"
#include "cache.h"
#include "config.h"
#include "gemini_archive.h"
#include "gemini_reply.h"
#include "mime.h"
#include "render_gemtext.h"
#include "search.h"
#include "uri.h"

#define VIEW_SLOT	0		/* this renderer's snapshot_view slot */
#define GEMINI_PORT	1965
#define STMT_MAX	(1024 * 1024)	/* larger: served as written */
#define STMT_CACHE_MAX	(4 * 1024 * 1024)	/* rendered, in all */
#define STMT_CACHE_ENTRY (512 * 1024)	/* larger ones: not kept */
#define SNIFF_BYTES	4096		/* read for the charset, as the
					   file tree does */

/* The pages of one year or tag, split so that none passes RG_PAGE_MAX. */

struct gemini_view {
	char			 base[URI_HOST_MAX + 32];
	char			 archive[256];
	char			 gopher[URI_HOST_MAX + 32];
	struct rg_site		 site;
	struct blob		*home, *index, *feed, *tags;
	struct blob_pages	*years, *tagged;
	size_t			 nyears, ntags;
	const struct archive	*arch;		/* its moves: feed ids */
	struct cache		*stmts;		/* with their footers */
};

static void
view_free(void *arg)
{
	struct gemini_view	*v = arg;

	if (v == NULL)
		return;
	blob_release(v->home);
	blob_release(v->index);
	blob_release(v->feed);
	blob_release(v->tags);
	blob_pages_free(v->years, v->nyears);
	blob_pages_free(v->tagged, v->ntags);
	cache_free(v->stmts);
	free(v);
}

static int
listen_port(const struct config *conf)
{
	const struct sockaddr_storage	*ss;

	if (conf->gemini.nlisten == 0)
		return GEMINI_PORT;
	ss = &conf->gemini.listen[0].addr;
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return GEMINI_PORT;
}

static void
site_init(struct gemini_view *v, const struct config *conf,
    const char *folder)
{
	const char	*host = conf->hostname ? conf->hostname : "localhost";
	int		 port = listen_port(conf);

	if (port == GEMINI_PORT)
		snprintf(v->base, sizeof(v->base), "gemini://%s", host);
	else
		snprintf(v->base, sizeof(v->base), "gemini://%s:%d", host,
		    port);
	snprintf(v->archive, sizeof(v->archive), "/%s/", folder);
	if (conf->gopher.nlisten > 0 && conf->gopher_port > 0)
		snprintf(v->gopher, sizeof(v->gopher), "gopher://%s:%d/",
		    host, conf->gopher_port);
	v->site.base = v->base;
	v->site.title = conf->title ? conf->title : "Statements";
	v->site.archive = v->archive;
	v->site.gopher = v->gopher[0] ? v->gopher : NULL;
	v->site.lang = conf->lang;
}

static struct gemini_view *
view_of(const struct request_ctx *ctx, struct snapshot *s)
{
	struct gemini_view	*v;

	if ((v = snapshot_view(s, VIEW_SLOT)) != NULL)
		return v;
	if ((v = calloc(1, sizeof(*v))) == NULL)
		return NULL;
	v->nyears = s->nyears;
	v->ntags = s->ntags;
	v->years = calloc(s->nyears + 1, sizeof(*v->years));
	v->tagged = calloc(s->ntags + 1, sizeof(*v->tagged));
	v->stmts = cache_new(STMT_CACHE_ENTRY, STMT_CACHE_MAX);
	if (v->years == NULL || v->tagged == NULL || v->stmts == NULL) {
		view_free(v);
		return NULL;
	}
	site_init(v, ctx->conf, archive_folder(ctx->archive));
	v->arch = ctx->archive;
	snapshot_set_view(s, VIEW_SLOT, v, view_free);
	return v;
}

/* The item of position pos: its strings point into the snapshot; its
 * versions go to ver[0..max). */
static void
item_of(const struct gemini_view *v, const struct snapshot *s, size_t pos,
    struct rg_item *it, struct stmt_version *ver, size_t max)
{
	struct stmt		 tmp;
	const struct stmt	*st = snapshot_stmt(s, pos, &tmp);

	memset(it, 0, sizeof(*it));
	it->date = snapshot_date(s, pos);
	it->title = st != NULL ? st->title : "";
	it->path = st != NULL ? st->url : "";
	if (st == NULL)
		return;
	it->summary = st->summary;
	it->author = st->author;
	it->corrected = snapshot_updated(s, pos);
	it->correction = st->correction;
	it->lang = stmt_lang(st);
	if (max > 0) {
		it->ver = ver;
		it->nver = archive_versions(s, st, v->site.lang, ver,
		    max < STMT_VERSIONS_MAX ? max : STMT_VERSIONS_MAX);
	}
}

/* How many versions the statements at idx[0..n) show beside them. */
static size_t
versions_count(const struct snapshot *s, const uint32_t *idx, size_t n)
{
	struct stmt	 tmp;
	size_t		 i, total = 0;

	for (i = 0; i < n; i++)
		if (snapshot_stmt(s, idx != NULL ? idx[i] : i, &tmp) != NULL &&
		    tmp.vn > 1)
			total += tmp.vn - 1 < STMT_VERSIONS_MAX ? tmp.vn - 1 :
			    STMT_VERSIONS_MAX;
	return total;
}

/*
 * rg_items for the statements at positions idx[0..n), or 0..n when idx
 * is NULL, with their other versions when `versions` (one allocation:
 * free the items).
 */
static struct rg_item *
items_of(const struct gemini_view *v, const struct snapshot *s,
    const uint32_t *idx, size_t n, int versions)
{
	struct rg_item		*it;
	struct stmt_version	*ver, *end;
	size_t			 i, nv = versions ? versions_count(s, idx, n) : 0;

	if ((it = calloc(1, (n ? n : 1) * sizeof(*it) + (nv + 1) *
	    sizeof(*ver))) == NULL)
		return NULL;
	ver = (struct stmt_version *)(void *)(it + (n ? n : 1));
	end = ver + nv;
	for (i = 0; i < n; i++) {
		item_of(v, s, idx != NULL ? idx[i] : i, &it[i], ver,
		    (size_t)(end - ver));
		ver += it[i].nver;
	}
	return it;
}

#define FEED_ID_MAX	(3 * PATH_MAX)

/*
 * The feed's ids of statements that moved (.redirects) are their first
 * names' URLs, so that a rename is no new entry to subscribers.  ids
 * (n x FEED_ID_MAX bytes) holds the paths.
 */
static void
feed_ids(const struct gemini_view *v, const struct snapshot *s,
    struct rg_item *it, size_t n, char *ids)
{
	struct stmt	 tmp;
	const char	*first;
	char		 path[PATH_MAX];
	size_t		 i;

	for (i = 0; i < n; i++) {
		if (snapshot_stmt(s, i, &tmp) == NULL ||
		    (first = archive_first_name(v->arch, tmp.rel)) == NULL ||
		    snprintf(path, sizeof(path), "%s%s", v->archive, first) >=
		    (int)sizeof(path) || uri_encode_path(path,
		    ids + i * FEED_ID_MAX, FEED_ID_MAX) == -1)
			continue;
		it[i].id_path = ids + i * FEED_ID_MAX;
	}
}

typedef int (*page_render_fn)(const struct rg_site *, const struct rg_item *,
    size_t, struct buf *);

/*
 * A page made from the newest `n` statements, once per snapshot: the
 * listed ones with their other versions under them, or for the feed
 * every version an entry of its own.
 */
static struct blob *
page_latest(const struct gemini_view *v, const struct snapshot *s,
    struct blob **slot, size_t n, page_render_fn render)
{
	struct rg_item	*it;
	struct buf	 b;
	char		*ids = NULL;
	int		 feed = render == atom_feed;

	if (*slot != NULL)
		return *slot;
	if (n > (feed ? s->n : s->nlisted))
		n = feed ? s->n : s->nlisted;
	if ((it = items_of(v, s, feed ? NULL : s->listed, n, !feed)) == NULL)
		return NULL;
	if (feed && (ids = calloc(n ? n : 1,
	    FEED_ID_MAX)) != NULL)
		feed_ids(v, s, it, n, ids);
	buf_init(&b, RESPONSE_MEM_MAX);
	render(&v->site, it, n, &b);
	free(it);
	free(ids);
	return *slot = blob_from_buf(&b);
}

static int
render_index(const struct rg_site *site, const struct rg_item *it,
    size_t n, struct buf *b)
{
	return rg_archive(site, it, n, RG_PAGE_MAX, b);
}

static struct blob *
page_tags(struct gemini_view *v, const struct snapshot *s)
{
	const char	**names, **labels;
	size_t		*counts, i;
	struct buf	 b;

	if (v->tags != NULL)
		return v->tags;
	names = calloc(s->ntags + 1, sizeof(*names));
	labels = calloc(s->ntags + 1, sizeof(*labels));
	counts = calloc(s->ntags + 1, sizeof(*counts));
	if (names == NULL || labels == NULL || counts == NULL) {
		free(names);
		free(labels);
		free(counts);
		return NULL;
	}
	for (i = 0; i < s->ntags; i++) {
		names[i] = s->tags[i].key;
		labels[i] = s->tags[i].label;
		counts[i] = s->tags[i].n;
	}
	buf_init(&b, RESPONSE_MEM_MAX);
	rg_tags(&v->site, names, labels, counts, s->ntags, &b);
	free(names);
	free(labels);
	free(counts);
	return v->tags = blob_from_buf(&b);
}

/* Page k of a group's list: page 1 at its URL, page k at URL "page/k/". */
static void
neighbour(char *out, size_t len, const struct snapshot_group *g, size_t k)
{
	if (k == 0)
		out[0] = '\0';
	else if (k == 1)
		snprintf(out, len, "%s", g->url);
	else
		snprintf(out, len, "%spage/%zu/", g->url, k);
}

static int
group_render(const struct gemini_view *v, const struct snapshot *s,
    const struct snapshot_group *g, int is_tag, struct blob_pages *gp)
{
	struct rg_item	*it;
	struct buf	 b;
	char		 prev[PATH_MAX], next[PATH_MAX];
	size_t		 done = 0, used, cap = g->n + 1;

	gp->done = 1;
	if ((it = items_of(v, s, g->idx, g->n, 1)) == NULL ||
	    (gp->page = calloc(cap, sizeof(*gp->page))) == NULL) {
		free(it);
		return -1;
	}
	do {
		neighbour(prev, sizeof(prev), g, gp->n);
		snprintf(next, sizeof(next), "%spage/%zu/", g->url, gp->n + 2);
		buf_init(&b, RESPONSE_MEM_MAX);
		used = rg_group(&v->site, is_tag ? RG_TAG : RG_YEAR, g->label,
		    gp->n + 1, it + done, g->n - done, RG_PAGE_MAX,
		    prev[0] ? prev : NULL, next, &b);
		if ((gp->page[gp->n] = blob_from_buf(&b)) == NULL)
			break;
		done += used;
		gp->n++;
	} while (done < g->n && used > 0 && gp->n < cap);
	free(it);
	return 0;
}

static void
reply_blob(struct response *r, struct blob *b, const char *mime)
{
	if (b == NULL) {
		gemini_reply(r, 42, "Cannot render the page");
		return;
	}
	gemini_reply(r, 20, mime);
	blob_lend(b, r);
}

static void
reply_group(const struct request_ctx *ctx, struct gemini_view *v,
    struct snapshot *s, const struct route *rt, struct response *r)
{
	int				 is_tag = rt->kind == ROUTE_TAG;
	const struct snapshot_group	*g;
	struct blob_pages		*gp;
	char				 mime[128];

	if ((g = snapshot_group(s, is_tag, rt->key, rt->keylen)) == NULL) {
		gemini_reply(r, 51, is_tag ? "No statement has this tag" :
		    "No statement of this year");
		return;
	}
	gp = is_tag ? &v->tagged[g - s->tags] : &v->years[g - s->years];
	if (!gp->done)
		group_render(v, s, g, is_tag, gp);
	if ((size_t)rt->page >= gp->n) {
		gemini_reply(r, 51, "No such page");
		return;
	}
	reply_blob(r, gp->page[rt->page], gemini_mime(mime, sizeof(mime),
	    ctx->conf->lang));
}

static void
search_results(const struct request_ctx *ctx, const struct gemini_view *v,
    const struct snapshot *s, const char *q, size_t qlen, struct response *r)
{
	struct archive_results	*res;
	struct rg_item		 items[SEARCH_RESULTS_MAX];
	const char		*snips[SEARCH_RESULTS_MAX];
	size_t			 i;

	if ((res = calloc(1, sizeof(*res))) == NULL ||
	    archive_search(ctx->archive, s, q, qlen, res) == -1) {
		free(res);
		rg_search_notice("The search failed.", &r->out);
		return;
	}
	if (res->words == 0) {
		rg_search_notice("The query holds no word to look for. Type "
		    "one or more words; statements holding all of them are "
		    "listed.", &r->out);
		free(res);
		return;
	}
	for (i = 0; i < res->n; i++) {
		item_of(v, s, res->pos[i], &items[i], NULL, 0);
		snips[i] = res->snip[i];
	}
	rg_search(&v->site, q, items, snips, res->n, res->total, &r->out);
	free(res);
}

static void
search(const struct request_ctx *ctx, const struct gemini_view *v,
    const struct snapshot *s, const char *query, struct response *r)
{
	char	 q[URI_MAX + 1], mime[128];
	size_t	 qlen;

	if (query == NULL) {
		gemini_reply(r, 10, "Search statements");
		return;
	}
	/* '+' is a blank, as HTML forms and a few clients send it. */
	if (uri_pct_decode(query, strlen(query), q, sizeof(q), &qlen,
	    URI_PCT_PLUS_SPACE) == -1) {
		gemini_reply(r, 59, "Bad percent-encoding in the query");
		return;
	}
	gemini_reply(r, 20, gemini_mime(mime, sizeof(mime), ctx->conf->lang));
	if (qlen > SEARCH_QUERY_MAX) {
		snprintf(q, sizeof(q), "The query is too long: %zu bytes, at "
		    "most %d are read. Use fewer words.", qlen,
		    SEARCH_QUERY_MAX);
		rg_search_notice(q, &r->out);
		return;
	}
	search_results(ctx, v, s, q, qlen, r);
}

/* -- statements ------------------------------------------------------------ */

/* The header the file tree gives a statement: its charset when its head
 * is UTF-8, its language. */
static const char *
stmt_mime(const struct request_ctx *ctx, const struct stmt *st,
    const char *text, size_t n, char *buf, size_t len)
{
	const char	*lang = stmt_lang(st) != NULL ? stmt_lang(st) :
			    ctx->conf->lang;

	if (mime_is_utf8(text, n < SNIFF_BYTES ? n : SNIFF_BYTES, 1))
		return gemini_mime(buf, len, lang);
	if (lang == NULL || *lang == '\0')
		snprintf(buf, len, "text/gemini");
	else
		snprintf(buf, len, strchr(lang, ',') != NULL ?
		    "text/gemini; lang=\"%s\"" : "text/gemini; lang=%s", lang);
	return buf;
}

/* The URL path of a statement's attachment folder: its own without the
 * extension, and a slash. */
static void
attach_url(const struct stmt *st, char *out, size_t len)
{
	size_t	 n = strlen(st->url);

	if (n < 4 || n - 4 + 2 > len) {
		out[0] = '\0';
		return;
	}
	memcpy(out, st->url, n - 4);
	memcpy(out + n - 4, "/", 2);
}

/* The statement's text and footer into r, and a blob of the body to
 * keep (or NULL); -1 when it cannot be read. */
static int
stmt_render(const struct request_ctx *ctx, const struct gemini_view *v,
    const struct stmt *st, struct stat *sb, struct response *r,
    struct blob **bl)
{
	struct rg_footer	 f;
	struct stmt_version	 ver[STMT_VERSIONS_MAX];
	struct buf		 b;
	char			 mime[128], url[PATH_MAX];
	char			*text;
	ssize_t			 n = -1;
	int			 fd;

	*bl = NULL;
	if ((fd = build_open_regular(ctx->rootfd, st->diskpath, sb)) == -1)
		return -1;
	if (sb->st_size > STMT_MAX ||
	    (text = malloc((size_t)sb->st_size + 1)) == NULL) {
		close(fd);
		return -1;
	}
	if ((n = pread(fd, text, (size_t)sb->st_size, 0)) < 0) {
		free(text);
		close(fd);
		return -1;
	}
	close(fd);
	memset(&f, 0, sizeof(f));
	f.date = st->date;
	f.corrected = st->updated;
	f.correction = st->correction;
	f.attachments = st->attachments;
	attach_url(st, url, sizeof(url));
	f.attach_url = url;
	f.ver = ver;
	f.nver = archive_versions(archive_snapshot(ctx->archive), st,
	    ctx->conf->lang, ver, STMT_VERSIONS_MAX);
	buf_init(&b, RESPONSE_MEM_MAX);
	rg_statement(&v->site, text, (size_t)n, &f, &b);
	gemini_reply(r, 20, stmt_mime(ctx, st, text, (size_t)n, mime,
	    sizeof(mime)));
	free(text);
	if (b.failed) {
		buf_free(&b);
		return -1;
	}
	*bl = blob_from_buf(&b);
	return 0;
}

/*
 * A statement over Gemini: its words as written and the footer, made
 * once per file version (the cache checks the file's stat, as every
 * cached file is) and snapshot (a new one drops the view's cache: its
 * sidecar or attachments changed).  0: the file tree serves it as
 * written (a .txt, the footer turned off, one not indexed, too large).
 */
static int
reply_statement(const struct request_ctx *ctx, struct gemini_view *v,
    const struct snapshot *s, const struct route *rt, struct response *r)
{
	struct stmt		 tmp;
	const struct stmt	*st;
	struct stat		 sb;
	struct blob		*bl;
	char			 key[PATH_MAX + 8];

	if (!ctx->conf->statement_footer ||
	    (st = snapshot_find(s, rt->rel, &tmp)) == NULL || st->is_txt)
		return 0;
	if (cache_key(key, sizeof(key), "g", st->rel, NULL) == -1)
		key[0] = '\0';		/* no caching */
	if (cache_serve(v->stmts, ctx->rootfd, key, r))
		return 1;
	if (stmt_render(ctx, v, st, &sb, r, &bl) == -1) {
		buf_reset(&r->out);
		return 0;		/* the file tree says why */
	}
	if (bl == NULL) {
		buf_reset(&r->out);
		gemini_reply(r, 42, "Cannot render the page");
		return 1;
	}
	cache_store_blob(v->stmts, key, st->diskpath, &sb, 20, r->out.data,
	    r->out.len, bl);
	blob_lend(bl, r);
	blob_release(bl);
	return 1;
}

/*
 * A statement that is not published, or an attachment of one: a draft
 * or a scheduled statement does not exist (51, as for any other path),
 * a withdrawn one is gone (52 with its reason).  One the index has not
 * read yet but with a sidecar is not served until it has.  1 when
 * answered.
 */
static int
unpublished(const struct request_ctx *ctx, const struct snapshot *s,
    const struct route *rt, struct response *r)
{
	struct snapshot_hidden	 h;
	char			 meta[GEMINI_META_MAX + 1];

	if (ctx->archive == NULL || rt->rel == NULL)
		return 0;
	switch (archive_visibility(ctx->archive, s, rt->rel,
	    rt->kind == ROUTE_ATTACHMENT, &h)) {
	case ARCHIVE_SHOWN:
		return 0;
	case ARCHIVE_UNDECIDED:
		if (s == NULL && archive_pending(ctx->archive))
			gemini_reply(r, 41, ARCHIVE_PENDING_MSG);
		else
			gemini_reply(r, 51, "Not found");
		return 1;
	}
	if (h.kind != STMT_WITHDRAWN) {
		gemini_reply(r, 51, "Not found");
		return 1;
	}
	if (h.reason != NULL && *h.reason != '\0')
		snprintf(meta, sizeof(meta), "%s", h.reason);
	else
		snprintf(meta, sizeof(meta), "Withdrawn on %s", h.date);
	gemini_reply(r, 52, meta);
	return 1;
}

static void
redirect_slash(const char *path, struct response *r)
{
	char	 target[URI_MAX + 2];

	snprintf(target, sizeof(target), "%s/", path);
	gemini_reply(r, 31, target);
}

int
gemini_archive_serve(const struct request_ctx *ctx, const struct route *rt,
    const char *path, const char *query, struct response *r)
{
	struct snapshot		*s = archive_snapshot(ctx->archive);
	struct gemini_view	*v;
	char			 mime[128];
	const char		*gem;

	if (rt->kind == ROUTE_HIDDEN) {
		gemini_reply(r, 51, "Not found");	/* metadata, always */
		return 1;
	}
	if ((rt->kind == ROUTE_STATEMENT || rt->kind == ROUTE_ATTACHMENT) &&
	    unpublished(ctx, s, rt, r))
		return 1;
	if (rt->kind == ROUTE_HOME &&
	    faccessat(ctx->rootfd, "index.gmi", F_OK, 0) == 0)
		return 0;
	if (s == NULL && archive_pending(ctx->archive) &&
	    archive_route_generated(rt->kind)) {
		gemini_reply(r, 41, ARCHIVE_PENDING_MSG);
		return 1;
	}
	if (s == NULL || rt->kind == ROUTE_NONE ||
	    rt->kind == ROUTE_ATTACHMENT)
		return 0;
	if ((v = view_of(ctx, s)) == NULL) {
		gemini_reply(r, 42, "Cannot render the page");
		return 1;
	}
	gem = gemini_mime(mime, sizeof(mime), ctx->conf->lang);
	switch (rt->kind) {
	case ROUTE_SLASH:
		redirect_slash(path, r);
		break;
	case ROUTE_HOME:
		reply_blob(r, page_latest(v, s, &v->home, RG_HOME_LATEST,
		    rg_home), gem);
		break;
	case ROUTE_INDEX:
		if (rt->page > 0)
			gemini_reply(r, 51, "No such page");
		else
			reply_blob(r, page_latest(v, s, &v->index, s->n,
			    render_index), gem);
		break;
	case ROUTE_FEED:
		reply_blob(r, page_latest(v, s, &v->feed, ATOM_ENTRIES_MAX,
		    atom_feed), "application/atom+xml");
		break;
	case ROUTE_TAGS:
		reply_blob(r, page_tags(v, s), gem);
		break;
	case ROUTE_YEAR:
	case ROUTE_TAG:
		reply_group(ctx, v, s, rt, r);
		break;
	case ROUTE_SEARCH:
		search(ctx, v, s, query, r);
		break;
	case ROUTE_STATEMENT:
		return reply_statement(ctx, v, s, rt, r);
	default:		/* not found */
		gemini_reply(r, 51, "Not found");
		break;
	}
	return 1;
}

const char *
gemini_archive_lang(const struct request_ctx *ctx, const struct route *rt)
{
	struct stmt		 tmp;
	const struct stmt	*st;

	if (rt->kind != ROUTE_STATEMENT)
		return NULL;
	st = snapshot_find(archive_snapshot(ctx->archive), rt->rel, &tmp);
	return st != NULL ? stmt_lang(st) : NULL;
}

const struct blob *
gemini_archive_feed(const struct request_ctx *ctx, struct snapshot *s)
{
	struct gemini_view	*v = view_of(ctx, s);

	if (v == NULL)
		return NULL;
	return page_latest(v, s, &v->feed, ATOM_ENTRIES_MAX, atom_feed);
}
