/* SPDX-License-Identifier: ISC */
/*
 * broadside: the archive of dated statements.  Scans the archive folder
 * into an immutable snapshot (statements, years, tags, the search index),
 * rebuilt in a background thread when the content changes and swapped on
 * the event loop; generated pages are rendered once per snapshot and
 * handed to responses by reference (the snapshot is reference counted, so
 * a swap never frees a page being sent).
 *
 * Files are always opened relative to the root descriptor (the worker may
 * be chrooted), with the archive folder's name from the configuration.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#ifdef __linux__
#include <sys/inotify.h>
#endif

#include "archive.h"
#include "archive_build.h"
#include "atom.h"
#include "config.h"
#include "gemini.h"
#include "log.h"
#include "mime.h"
#include "render_gemtext.h"
#include "render_gopher.h"
#include "search.h"
#include "site.h"
#include "uri.h"

#define DEBOUNCE_QUIET_MSEC	200	/* rebuild after this much quiet */
#define DEBOUNCE_MAX_MSEC	1000	/* ... or this long after the first */
#define STAT_SCAN_SEC		2	/* stat scan period without inotify */
#define SNIPPET_READ_MAX	(64 * 1024)
#define GOPHER_PAGE_ITEMS	300
#define GOPHER_LATEST		10
#define GOPHER_STMT_MAX		(1024 * 1024)
#define GCACHE_BYTES_MAX	(4 * 1024 * 1024)	/* rendered statements */
#define GCACHE_ENTRY_MAX	(512 * 1024)	/* larger ones: not kept */
#define GCACHE_BUCKETS		256

static struct {
	struct event_base	*base;
	const struct config	*conf;
	int			 rootfd;
	struct snapshot		*cur;
	struct build_conf	 bc;
	int			 pipe[2];
	struct event		*ev_pipe;
	struct event		*ev_timer;
	struct event		*ev_watch;
	pthread_t		 thread;
	int			 building;
	int			 pending;
	int			 pending_force;
	struct snapshot		*result;
	struct timespec		 burst_start;
	int			 in_burst;
	int			 watchfd;
	int			 turnsfd;	/* see turn_take */
	atomic_int		 stopping;	/* a waiting build gives up */
	char			 base_url[URI_HOST_MAX + 32];
	char			 archive_url[256];
	char			 gopher_url[URI_HOST_MAX + 32];
} A = { .pipe = { -1, -1 }, .watchfd = -1, .turnsfd = -1, .rootfd = -1 };

static void	 snap_release(void *);
static void	 start_build(int force);
static void	 heap_trim(void);
static void	 timer_cb(evutil_socket_t, short, void *);
static long	 msec_since(const struct timespec *);

/* -- snapshot pages ------------------------------------------------------ */

static void
snap_hold(struct response *r, struct snapshot *s, const struct page *p)
{
	s->refs++;
	r->body = p->data;
	r->body_len = p->len;
	r->body_ref = s;
	r->body_release = snap_release;
}

static void
snap_release(void *arg)
{
	struct snapshot	*s = arg;

	if (--s->refs == 0)
		snapshot_free(s);
}

static void
site_of(struct rg_site *site)
{
	site->base = A.base_url;
	site->title = A.conf->title ? A.conf->title : "Statements";
	site->archive = A.archive_url;
	site->gopher = A.gopher_url[0] ? A.gopher_url : NULL;
}

static void
item_of(const struct snapshot *s, size_t idx, struct rg_item *it)
{
	const struct stmt	*st = &s->st[idx];

	it->date = st->date;
	it->title = st->title;
	it->path = st->url;
	it->summary = st->summary;
	it->author = st->author;
	it->updated = (long long)st->mtime;
}

/* rg_items for the statements at order[from..from+n). */
static struct rg_item *
items_of(const struct snapshot *s, const size_t *order, size_t n)
{
	struct rg_item	*it;
	size_t		 i;

	if ((it = calloc(n ? n : 1, sizeof(*it))) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		item_of(s, order[i], &it[i]);
	return it;
}

static int
page_set(struct page *p, struct buf *b)
{
	if (b->failed) {
		buf_free(b);
		return -1;
	}
	p->data = buf_steal(b, &p->len);
	p->ready = 1;
	return 0;
}

typedef int (*page_render_fn)(const struct rg_site *, const struct rg_item *,
    size_t, struct buf *);

/* A page made from the newest `n` statements, once per snapshot. */
static const struct page *
page_latest(struct snapshot *s, struct page *p, size_t n,
    page_render_fn render)
{
	struct rg_site	 site;
	struct rg_item	*it;
	struct buf	 b;

	if (p->ready)
		return p;
	if (n > s->n)
		n = s->n;
	site_of(&site);
	if ((it = items_of(s, s->order, n)) == NULL)
		return NULL;
	buf_init(&b, RESPONSE_MEM_MAX);
	render(&site, it, n, &b);
	free(it);
	return page_set(p, &b) == 0 ? p : NULL;
}

static int
render_archive(const struct rg_site *site, const struct rg_item *it,
    size_t n, struct buf *b)
{
	return rg_archive(site, it, n, RG_PAGE_MAX, b);
}

static const struct page *
page_home(struct snapshot *s)
{
	return page_latest(s, &s->home, RG_HOME_LATEST, rg_home);
}

static const struct page *
page_archive(struct snapshot *s)
{
	return page_latest(s, &s->archive, s->n, render_archive);
}

static const struct page *
page_atom(struct snapshot *s)
{
	return page_latest(s, &s->atom, ATOM_ENTRIES_MAX, atom_feed);
}

static const struct page *
page_tags(struct snapshot *s)
{
	struct rg_site	 site;
	const char	**names;
	size_t		*counts, i;
	struct buf	 b;

	if (s->tagsidx.ready)
		return &s->tagsidx;
	site_of(&site);
	names = calloc(s->ntags + 1, sizeof(*names));
	counts = calloc(s->ntags + 1, sizeof(*counts));
	if (names == NULL || counts == NULL) {
		free(names);
		free(counts);
		return NULL;
	}
	for (i = 0; i < s->ntags; i++) {
		names[i] = s->tags[i].key;
		counts[i] = s->tags[i].n;
	}
	buf_init(&b, RESPONSE_MEM_MAX);
	rg_tags(&site, names, counts, s->ntags, &b);
	free(names);
	free(counts);
	return page_set(&s->tagsidx, &b) == 0 ? &s->tagsidx : NULL;
}

/*
 * All the gemini pages of a group (a year or a tag), split so that none
 * passes RG_PAGE_MAX: page 1 at PREFIX, page k at PREFIX "page/k/".
 */
static int
group_render(struct snapshot *s, struct group *g, int is_tag)
{
	struct rg_site	 site;
	struct rg_item	*it;
	struct buf	 b;
	char		 head[128], prev[PATH_MAX], next[PATH_MAX];
	char		 intro[160];
	size_t		 done = 0, k = 0, used, cap;

	if (g->pages != NULL)
		return 0;
	site_of(&site);
	if ((it = items_of(s, g->idx, g->n)) == NULL)
		return -1;
	cap = g->n + 1;
	if ((g->pages = calloc(cap, sizeof(*g->pages))) == NULL) {
		free(it);
		return -1;
	}
	if (is_tag) {
		snprintf(head, sizeof(head), "%s: %s", site.title, g->key);
		snprintf(intro, sizeof(intro), "Statements tagged %s.",
		    g->key);
	} else {
		snprintf(head, sizeof(head), "%s: %s", site.title, g->key);
		snprintf(intro, sizeof(intro), "Statements of %s.", g->key);
	}
	do {
		if (k == 0)
			prev[0] = '\0';
		else if (k == 1)
			snprintf(prev, sizeof(prev), "%s", g->url);
		else
			snprintf(prev, sizeof(prev), "%spage/%zu/", g->url, k);
		snprintf(next, sizeof(next), "%spage/%zu/", g->url, k + 2);
		buf_init(&b, RESPONSE_MEM_MAX);
		used = rg_list(&site, head, k == 0 ? intro : NULL, it + done,
		    g->n - done, RG_PAGE_MAX, prev[0] ? prev : NULL, next, &b);
		if (page_set(&g->pages[k], &b) == -1)
			break;
		done += used;
		k++;
	} while (done < g->n && used > 0 && k < cap);
	g->npages = k;
	free(it);
	return 0;
}

/*
 * "", "/", "page/N/" after a group's URL: the page number (0-based), or
 * -1 for no such page.
 */
static long
page_number(const char *rest)
{
	char		*end;
	long		 v;

	if (*rest == '\0')
		return -2;		/* needs the slash */
	if (strcmp(rest, "/") == 0)
		return 0;
	if (strncmp(rest, "/page/", 6) != 0)
		return -1;
	rest += 6;
	if (*rest < '1' || *rest > '9')
		return -1;
	errno = 0;
	v = strtol(rest, &end, 10);
	if (errno != 0 || strcmp(end, "/") != 0 || v < 1 || v > 1000000)
		return -1;
	return v - 1;
}

static struct group *
group_find(struct group *gs, size_t n, const char *key, size_t klen)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strlen(gs[i].key) == klen &&
		    memcmp(gs[i].key, key, klen) == 0)
			return &gs[i];
	return NULL;
}

/* -- Gemini ---------------------------------------------------------------- */

static void
reply_page(struct response *r, struct snapshot *s, const struct page *p,
    const char *mime)
{
	if (p == NULL) {
		gemini_reply(r, 42, "Cannot render the page");
		return;
	}
	gemini_reply(r, 20, mime);
	snap_hold(r, s, p);
}

static const char *
gemtext_mime(char *buf, size_t len)
{
	const char	*lang = A.conf->lang;

	if (lang != NULL && *lang != '\0')
		snprintf(buf, len, "text/gemini; charset=utf-8; lang=%s", lang);
	else
		snprintf(buf, len, "text/gemini; charset=utf-8");
	return buf;
}

/* uri_decode with '+' as a blank (as HTML forms and a few clients send). */
static int
query_decode(const char *q, char *out, size_t outsz, size_t *outlen)
{
	char	 tmp[URI_MAX + 1];
	size_t	 i, len = strlen(q);

	if (len > URI_MAX)
		return -1;
	for (i = 0; i < len; i++)
		tmp[i] = q[i] == '+' ? ' ' : q[i];
	tmp[len] = '\0';
	return uri_decode(tmp, len, out, outsz, outlen);
}

/*
 * A statement's file, opened on the event loop (never blocking), or -1;
 * sb, when not NULL, gets its fstat.
 */
static int
statement_open(const struct stmt *st, struct stat *sb)
{
	return build_open_regular(A.rootfd, st->diskpath, sb);
}

static void
snippet_for(const struct stmt *st, const char *q, size_t qlen, char *out,
    size_t outsz)
{
	struct scan_text	 tx;
	const char		*summary = st->summary;
	char			*buf;
	ssize_t			 n = -1;
	size_t			 l;
	int			 fd;

	out[0] = '\0';
	if ((buf = malloc(SNIPPET_READ_MAX)) == NULL)
		return;
	fd = statement_open(st, NULL);
	if (fd != -1) {
		n = pread(fd, buf, SNIPPET_READ_MAX, 0);
		if (n > 0)
			search_snippet(buf, (size_t)n, q, qlen, out, outsz);
		close(fd);
	}
	/* No word in the text (a title or tag hit): its summary instead. */
	if (out[0] == '\0' && (summary == NULL || *summary == '\0') && n > 0) {
		scan_extract(buf, (size_t)n, st->is_txt, &tx);
		summary = tx.summary;
	}
	if (out[0] == '\0' && summary != NULL) {
		l = strlen(summary);
		if (l > SEARCH_SNIPPET_MAX)
			l = SEARCH_SNIPPET_MAX;
		while (l > 0 && ((unsigned char)summary[l] & 0xc0) == 0x80)
			l--;
		snprintf(out, outsz, "%.*s%s", (int)l, summary,
		    l < strlen(summary) ? "\xe2\x80\xa6" : "");
	}
	free(buf);
}

struct results {
	struct search_hit	 hits[SEARCH_RESULTS_MAX];
	char			 snip[SEARCH_RESULTS_MAX][SEARCH_SNIPPET_MAX * 2];
	size_t			 n, total;
	int			 words;
};


/*
 * "/tags/TAG[/...]" or "/YYYY[/...]" after the archive prefix: the group,
 * and in *after what follows its name (a page number or "").  NULL when no
 * such tag or year; *is_tag says which kind was asked for.
 */
static struct group *
group_at(const struct snapshot *s, const char *rest, const char **after,
    int *is_tag)
{
	const char	*slash;

	*is_tag = strncmp(rest, "/tags/", 6) == 0;
	if (*is_tag) {
		rest += 6;
		if ((slash = strchr(rest, '/')) == NULL)
			slash = rest + strlen(rest);
		*after = slash;
		return group_find(s->tags, s->ntags, rest, slash - rest);
	}
	rest++;
	if (strlen(rest) < 4 || (rest[4] != '\0' && rest[4] != '/'))
		return NULL;
	*after = rest + 4;
	return group_find(s->years, s->nyears, rest, 4);
}

static int
run_search(struct snapshot *s, const char *q, size_t qlen,
    struct results *res)
{
	size_t	 i;

	res->words = search_query(s->search, q, qlen, res->hits,
	    SEARCH_RESULTS_MAX, &res->n, &res->total);
	if (res->words < 0)
		return -1;
	for (i = 0; i < res->n; i++)
		snippet_for(&s->st[res->hits[i].doc], q, qlen, res->snip[i],
		    sizeof(res->snip[i]));
	return 0;
}

static void
gemini_search(struct snapshot *s, const char *query, struct response *r)
{
	struct results	*res;
	struct rg_site	 site;
	struct rg_item	 items[SEARCH_RESULTS_MAX];
	const char	*snips[SEARCH_RESULTS_MAX];
	char		 q[URI_MAX + 1], mime[128];
	size_t		 qlen, i;

	if (query == NULL) {
		gemini_reply(r, 10, "Search statements");
		return;
	}
	site_of(&site);
	if (query_decode(query, q, sizeof(q), &qlen) == -1) {
		gemini_reply(r, 59, "Bad percent-encoding in the query");
		return;
	}
	gemini_reply(r, 20, gemtext_mime(mime, sizeof(mime)));
	if (qlen > SEARCH_QUERY_MAX) {
		buf_printf(&r->out, "# Search\n\nThe query is too long: %zu "
		    "bytes, at most %d are read. Use fewer words.\n\n"
		    "=> /search Search again\n", qlen, SEARCH_QUERY_MAX);
		return;
	}
	if ((res = calloc(1, sizeof(*res))) == NULL ||
	    run_search(s, q, qlen, res) == -1) {
		free(res);
		buf_puts(&r->out, "# Search\n\nThe search failed.\n");
		return;
	}
	if (res->words == 0) {
		buf_puts(&r->out, "# Search\n\nThe query holds no word to "
		    "look for. Type one or more words; statements holding "
		    "all of them are listed.\n\n=> /search Search again\n");
		free(res);
		return;
	}
	for (i = 0; i < res->n; i++) {
		item_of(s, res->hits[i].doc, &items[i]);
		snips[i] = res->snip[i];
	}
	rg_search(&site, q, items, snips, res->n, res->total, &r->out);
	free(res);
}

int
archive_gemini(const struct request_ctx *ctx, const char *path,
    const char *query, struct response *r)
{
	struct snapshot	*s = A.cur;
	struct group	*g;
	const char	*rest, *slash;
	char		 mime[128], target[PATH_MAX];
	size_t		 alen;
	long		 pg;
	int		 is_tag;

	if (s == NULL || path == NULL)
		return 0;
	if (strcmp(path, "/") == 0 || path[0] == '\0') {
		if (faccessat(ctx->rootfd, "index.gmi", F_OK, 0) == 0)
			return 0;
		reply_page(r, s, page_home(s), gemtext_mime(mime,
		    sizeof(mime)));
		return 1;
	}
	if (strcmp(path, "/search") == 0) {
		gemini_search(s, query, r);
		return 1;
	}
	alen = strlen(A.bc.archive);
	if (path[0] != '/' || strncmp(path + 1, A.bc.archive, alen) != 0)
		return 0;
	rest = path + 1 + alen;
	if (*rest == '\0') {
		gemini_reply(r, 31, A.archive_url);
		return 1;
	}
	if (*rest != '/')
		return 0;
	if (strcmp(rest, "/") == 0) {
		reply_page(r, s, page_archive(s), gemtext_mime(mime,
		    sizeof(mime)));
		return 1;
	}
	if (strcmp(rest, "/atom.xml") == 0) {
		reply_page(r, s, page_atom(s), "application/atom+xml");
		return 1;
	}
	if (strcmp(rest, "/tags") == 0 || strcmp(rest, "/tags/") == 0) {
		if (rest[5] == '\0') {
			snprintf(target, sizeof(target), "%stags/",
			    A.archive_url);
			gemini_reply(r, 31, target);
		} else
			reply_page(r, s, page_tags(s), gemtext_mime(mime,
			    sizeof(mime)));
		return 1;
	}
	if ((g = group_at(s, rest, &slash, &is_tag)) == NULL) {
		if (!is_tag)
			return 0;	/* a folder of that name, maybe */
		gemini_reply(r, 51, "No statement has this tag");
		return 1;
	}
	if ((pg = page_number(slash)) == -2) {
		snprintf(target, sizeof(target), "%s/", path);
		gemini_reply(r, 31, target);
		return 1;
	}
	if (pg == -1 || group_render(s, g, is_tag) == -1 ||
	    (size_t)pg >= g->npages) {
		gemini_reply(r, 51, "No such page");
		return 1;
	}
	reply_page(r, s, &g->pages[pg], gemtext_mime(mime, sizeof(mime)));
	return 1;
}

/* The statement at a request path ("/statements/x.gmi"), or NULL. */
static const struct stmt *
stmt_at(const struct snapshot *s, const char *path)
{
	size_t	 alen, lo = 0, hi, mid;
	int	 c;

	if (s == NULL || path == NULL || A.bc.archive == NULL)
		return NULL;
	alen = strlen(A.bc.archive);
	if (*path == '/')
		path++;
	if (strncmp(path, A.bc.archive, alen) != 0 || path[alen] != '/')
		return NULL;
	path += alen + 1;
	hi = s->n;
	while (lo < hi) {
		mid = (lo + hi) / 2;
		c = strcmp(path, s->st[s->by_rel[mid]].rel);
		if (c == 0)
			return &s->st[s->by_rel[mid]];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const char *
archive_lang_for(const char *path)
{
	const struct stmt	*st = stmt_at(A.cur, path);

	return st != NULL ? st->lang : NULL;
}

/* -- Gopher ---------------------------------------------------------------- */

/*
 * Rendered gopher text, reference counted on its own: a response holds
 * one reference, the cache another, so an eviction (or a root menu made
 * stale by a change in the root folder) never frees bytes being sent.
 */
struct blob {
	int		 refs;
	size_t		 doc;
	char		*data;
	size_t		 len;
	struct blob	*prev, *next;	/* LRU, most recent first */
	struct blob	*hnext;		/* bucket chain */
};

/*
 * A snapshot's gopher cache (touched by the event loop only): the root
 * menu, valid while the root folder's mtime is unchanged, and the
 * statements rendered last, at most GCACHE_BYTES_MAX of them.
 */
struct gcache {
	struct blob	*root;
	struct timespec	 root_mtim;
	struct blob	*head, *tail;
	struct blob	*bucket[GCACHE_BUCKETS];
	size_t		 bytes;
};

static void
blob_release(void *arg)
{
	struct blob	*b = arg;

	if (--b->refs == 0) {
		free(b->data);
		free(b);
	}
}

static void
blob_hold(struct response *r, struct blob *b)
{
	b->refs++;
	r->body = b->data;
	r->body_len = b->len;
	r->body_ref = b;
	r->body_release = blob_release;
}

/* A blob taking over a rendered buffer, with the cache's reference. */
static struct blob *
blob_new(struct buf *b, size_t doc)
{
	struct blob	*bl;

	if (b->failed || (bl = calloc(1, sizeof(*bl))) == NULL) {
		buf_free(b);
		return NULL;
	}
	bl->refs = 1;
	bl->doc = doc;
	bl->data = buf_steal(b, &bl->len);
	return bl;
}

static void
gcache_free(void *arg)
{
	struct gcache	*gc = arg;
	struct blob	*b, *next;

	if (gc == NULL)
		return;
	for (b = gc->head; b != NULL; b = next) {
		next = b->next;
		blob_release(b);
	}
	if (gc->root != NULL)
		blob_release(gc->root);
	free(gc);
}

static struct gcache *
gcache_of(struct snapshot *s)
{
	if (s->gcache == NULL && (s->gcache = calloc(1,
	    sizeof(struct gcache))) != NULL)
		s->gcache_free = gcache_free;
	return s->gcache;
}

static void
lru_unlink(struct gcache *gc, struct blob *b)
{
	if (b->prev != NULL)
		b->prev->next = b->next;
	else
		gc->head = b->next;
	if (b->next != NULL)
		b->next->prev = b->prev;
	else
		gc->tail = b->prev;
	b->prev = b->next = NULL;
}

static void
lru_front(struct gcache *gc, struct blob *b)
{
	b->next = gc->head;
	b->prev = NULL;
	if (gc->head != NULL)
		gc->head->prev = b;
	gc->head = b;
	if (gc->tail == NULL)
		gc->tail = b;
}

static struct blob *
gcache_get(struct gcache *gc, size_t doc)
{
	struct blob	*b;

	for (b = gc->bucket[doc % GCACHE_BUCKETS]; b != NULL; b = b->hnext)
		if (b->doc == doc) {
			lru_unlink(gc, b);
			lru_front(gc, b);
			return b;
		}
	return NULL;
}

static void
gcache_evict(struct gcache *gc, struct blob *b)
{
	struct blob	**pp;

	for (pp = &gc->bucket[b->doc % GCACHE_BUCKETS]; *pp != NULL;
	    pp = &(*pp)->hnext)
		if (*pp == b) {
			*pp = b->hnext;
			break;
		}
	lru_unlink(gc, b);
	gc->bytes -= b->len;
	blob_release(b);
}

static void
gcache_put(struct gcache *gc, struct blob *b)
{
	while (gc->tail != NULL && gc->bytes + b->len > GCACHE_BYTES_MAX)
		gcache_evict(gc, gc->tail);
	b->hnext = gc->bucket[b->doc % GCACHE_BUCKETS];
	gc->bucket[b->doc % GCACHE_BUCKETS] = b;
	lru_front(gc, b);
	gc->bytes += b->len;
}


static void
gstyle(struct gopher_style *gs)
{
	gs->host = A.conf->hostname ? A.conf->hostname : "localhost";
	gs->port = A.conf->gopher_port;
	gs->wrap = A.conf->wrap > 0 ? A.conf->wrap : 70;
	gs->charset = A.conf->charset;
}

static void
gopher_stmt_item(struct buf *b, const struct stmt *st,
    const struct gopher_style *gs)
{
	char	 disp[SCAN_TITLE_MAX + 16];
	char	 sel[PATH_MAX];

	snprintf(disp, sizeof(disp), "%s %s", st->date, st->title);
	snprintf(sel, sizeof(sel), "/%s/%s", A.bc.archive, st->rel);
	gopher_item(b, '0', disp, sel, gs);
}

static void
gopher_nav(struct buf *b, const struct gopher_style *gs)
{
	char	 sel[PATH_MAX];

	gopher_info(b, "", gs);
	snprintf(sel, sizeof(sel), "/%s/", A.bc.archive);
	gopher_item(b, '1', "All statements, by year", sel, gs);
	snprintf(sel, sizeof(sel), "/%s/tags/", A.bc.archive);
	gopher_item(b, '1', "Tags", sel, gs);
	gopher_item(b, '7', "Search statements", "/search", gs);
}

static void
gopher_root(struct snapshot *s, const struct request_ctx *ctx, struct buf *b,
    const struct gopher_style *gs)
{
	struct site_dirent	*ents = NULL;
	size_t			 n = 0, i;
	char			 sel[PATH_MAX];
	const char		*mime;
	char			 type;

	gopher_info(b, A.conf->title ? A.conf->title : "Statements", gs);
	gopher_info(b, "", gs);
	gopher_info(b, s->n ? "Latest statements" : "No statements yet", gs);
	for (i = 0; i < s->n && i < GOPHER_LATEST; i++)
		gopher_stmt_item(b, &s->st[s->order[i]], gs);
	gopher_nav(b, gs);
	if (site_list_dir(ctx->rootfd, &ents, &n) == 0 && n > 0) {
		gopher_info(b, "", gs);
		for (i = 0; i < n; i++) {
			if (strcmp(ents[i].name, A.bc.archive) == 0 ||
			    strcmp(ents[i].name, "index.gmi") == 0)
				continue;
			if (ents[i].is_dir) {
				type = '1';
				snprintf(sel, sizeof(sel), "/%s/",
				    ents[i].name);
			} else {
				if ((mime = mime_from_name(ents[i].name)) ==
				    NULL)
					mime = "application/octet-stream";
				type = strcmp(mime, "text/gemini") == 0 ? '1' :
				    gopher_type_for_mime(mime);
				snprintf(sel, sizeof(sel), "/%s", ents[i].name);
			}
			gopher_item(b, type, ents[i].name, sel, gs);
		}
	}
	free(ents);
	gopher_menu_end(b);
}

static void
gopher_archive(struct snapshot *s, struct buf *b,
    const struct gopher_style *gs)
{
	char	 sel[PATH_MAX], line[128];
	size_t	 y, i, shown = 0;

	gopher_info(b, A.conf->title ? A.conf->title : "Statements", gs);
	for (y = 0; y < s->nyears; y++) {
		struct group	*g = &s->years[y];

		gopher_info(b, "", gs);
		if (shown + g->n <= GOPHER_PAGE_ITEMS || shown == 0) {
			gopher_info(b, g->key, gs);
			for (i = 0; i < g->n && i < GOPHER_PAGE_ITEMS; i++)
				gopher_stmt_item(b, &s->st[g->idx[i]], gs);
			shown += i;
			if (i == g->n)
				continue;
		}
		snprintf(sel, sizeof(sel), "/%s/%s/", A.bc.archive, g->key);
		snprintf(line, sizeof(line), "%s: %zu statements", g->key,
		    g->n);
		gopher_item(b, '1', line, sel, gs);
	}
	gopher_nav(b, gs);
	gopher_menu_end(b);
}

static void
gopher_group(struct group *g, const char *what, long pg, struct buf *b,
    struct snapshot *s, const struct gopher_style *gs)
{
	char	 sel[PATH_MAX], line[160];
	size_t	 from = (size_t)pg * GOPHER_PAGE_ITEMS, i;

	snprintf(line, sizeof(line), "%s %s", what, g->key);
	gopher_info(b, line, gs);
	gopher_info(b, "", gs);
	for (i = from; i < g->n && i < from + GOPHER_PAGE_ITEMS; i++)
		gopher_stmt_item(b, &s->st[g->idx[i]], gs);
	if (pg > 0) {
		if (pg == 1)
			snprintf(sel, sizeof(sel), "%s", g->url);
		else
			snprintf(sel, sizeof(sel), "%spage/%ld/", g->url, pg);
		gopher_item(b, '1', "Newer statements", sel, gs);
	}
	if (i < g->n) {
		snprintf(sel, sizeof(sel), "%spage/%ld/", g->url, pg + 2);
		gopher_item(b, '1', "Older statements", sel, gs);
	}
	gopher_nav(b, gs);
	gopher_menu_end(b);
}

static void
gopher_tags(struct snapshot *s, struct buf *b, const struct gopher_style *gs)
{
	char	 sel[PATH_MAX], line[128];
	size_t	 i;

	gopher_info(b, "Tags", gs);
	gopher_info(b, "", gs);
	for (i = 0; i < s->ntags; i++) {
		snprintf(sel, sizeof(sel), "/%s/tags/%s/", A.bc.archive,
		    s->tags[i].key);
		snprintf(line, sizeof(line), "%s (%zu)", s->tags[i].key,
		    s->tags[i].n);
		gopher_item(b, '1', line, sel, gs);
	}
	gopher_nav(b, gs);
	gopher_menu_end(b);
}

static void
gopher_search(struct snapshot *s, const char *q, int has_search,
    struct buf *b, const struct gopher_style *gs)
{
	struct results	*res;
	char		 line[SEARCH_QUERY_MAX + 64];
	size_t		 qlen = has_search ? strlen(q) : 0, i;

	if (!has_search || qlen == 0) {
		gopher_info(b, "Type words to search the statements.", gs);
		gopher_item(b, '7', "Search statements", "/search", gs);
		gopher_menu_end(b);
		return;
	}
	if (qlen > SEARCH_QUERY_MAX) {
		snprintf(line, sizeof(line), "The query is too long (%zu "
		    "bytes, at most %d).", qlen, SEARCH_QUERY_MAX);
		gopher_info(b, line, gs);
		gopher_item(b, '7', "Search again", "/search", gs);
		gopher_menu_end(b);
		return;
	}
	if ((res = calloc(1, sizeof(*res))) == NULL ||
	    run_search(s, q, qlen, res) == -1) {
		free(res);
		gopher_error_menu(b, "The search failed", gs);
		return;
	}
	snprintf(line, sizeof(line), "Search: %s", q);
	gopher_info(b, line, gs);
	if (res->words == 0)
		gopher_info(b, "The query holds no word to look for.", gs);
	else if (res->total == 0)
		gopher_info(b, "No statement matches all of these words.",
		    gs);
	else {
		snprintf(line, sizeof(line), "%zu statement%s match%s.",
		    res->total, res->total == 1 ? "" : "s",
		    res->total == 1 ? "es" : "");
		gopher_info(b, line, gs);
	}
	for (i = 0; i < res->n; i++) {
		gopher_info(b, "", gs);
		gopher_stmt_item(b, &s->st[res->hits[i].doc], gs);
		if (res->snip[i][0] != '\0')
			gopher_info(b, res->snip[i], gs);
	}
	gopher_info(b, "", gs);
	gopher_item(b, '7', "Search again", "/search", gs);
	gopher_menu_end(b);
	free(res);
}

static int
gopher_statement(const struct stmt *st, struct buf *b,
    const struct gopher_style *gs)
{
	struct stat	 sb;
	char		*text;
	void		*filter;
	ssize_t		 n;
	int		 fd, rc = -1;

	if ((fd = statement_open(st, &sb)) == -1)
		return -1;
	if (sb.st_size > GOPHER_STMT_MAX) {
		close(fd);
		return -1;
	}
	if ((text = malloc((size_t)sb.st_size + 1)) != NULL &&
	    (n = pread(fd, text, (size_t)sb.st_size, 0)) >= 0) {
		if (st->is_txt) {
			/* Plain text is the publisher's layout: as written,
			 * only CRLF, doubled dots and the charset. */
			if ((filter = gopher_text_filter_new(gs->charset)) !=
			    NULL)
				rc = gopher_text_filter(filter, text, (size_t)n,
				    b, 1);
			free(filter);
		} else
			rc = gopher_render_text(text, (size_t)n, st->title,
			    st->date, gs, b);
	}
	free(text);
	close(fd);
	return rc;
}

/*
 * The root menu, kept while the root folder is unchanged; a folder
 * changed in the last second is rendered afresh (its mtime may not have
 * ticked yet for a change still to come).
 */
static void
gopher_root_reply(struct snapshot *s, const struct request_ctx *ctx,
    const struct gopher_style *gs, struct response *r)
{
	struct gcache	*gc = gcache_of(s);
	struct stat	 sb;
	struct buf	 b;
	struct blob	*bl;

	if (gc == NULL || fstat(ctx->rootfd, &sb) == -1 ||
	    time(NULL) - sb.st_mtim.tv_sec < 1) {
		gopher_root(s, ctx, &r->out, gs);
		return;
	}
	if (gc->root != NULL && gc->root_mtim.tv_sec == sb.st_mtim.tv_sec &&
	    gc->root_mtim.tv_nsec == sb.st_mtim.tv_nsec) {
		blob_hold(r, gc->root);
		return;
	}
	buf_init(&b, RESPONSE_MEM_MAX);
	gopher_root(s, ctx, &b, gs);
	if ((bl = blob_new(&b, 0)) == NULL) {
		gopher_root(s, ctx, &r->out, gs);
		return;
	}
	if (gc->root != NULL)
		blob_release(gc->root);
	gc->root = bl;
	gc->root_mtim = sb.st_mtim;
	blob_hold(r, bl);
}

/* A menu rendered once per snapshot into `p`, or on the spot. */
static void
gopher_page_reply(struct snapshot *s, struct page *p,
    void (*fn)(struct snapshot *, struct buf *, const struct gopher_style *),
    const struct gopher_style *gs, struct response *r)
{
	struct buf	 b;

	if (!p->ready) {
		buf_init(&b, RESPONSE_MEM_MAX);
		fn(s, &b, gs);
		if (page_set(p, &b) == -1) {
			fn(s, &r->out, gs);
			return;
		}
	}
	snap_hold(r, s, p);
}

/* The Atom feed as gopher text (type 0): CRLF, dots doubled, "." end. */
static void
gopher_atom(struct snapshot *s, struct buf *b, const struct gopher_style *gs)
{
	const struct page	*p = page_atom(s);
	void			*f;

	if (p == NULL || (f = gopher_text_filter_new(gs->charset)) == NULL) {
		gopher_error_menu(b, "Cannot render the feed", gs);
		return;
	}
	gopher_text_filter(f, p->data, p->len, b, 1);
	free(f);
}

static void
gopher_group_reply(struct snapshot *s, struct group *g, const char *what,
    long pg, const struct gopher_style *gs, struct response *r)
{
	struct buf	 b;
	struct page	*p;
	size_t		 n = (g->n + GOPHER_PAGE_ITEMS - 1) / GOPHER_PAGE_ITEMS;

	if (g->gpages == NULL && (g->gpages = calloc(n ? n : 1,
	    sizeof(*g->gpages))) != NULL)
		g->ngpages = n ? n : 1;
	if (g->gpages == NULL || (size_t)pg >= g->ngpages) {
		gopher_group(g, what, pg, &r->out, s, gs);
		return;
	}
	p = &g->gpages[pg];
	if (!p->ready) {
		buf_init(&b, RESPONSE_MEM_MAX);
		gopher_group(g, what, pg, &b, s, gs);
		if (page_set(p, &b) == -1) {
			gopher_group(g, what, pg, &r->out, s, gs);
			return;
		}
	}
	snap_hold(r, s, p);
}

/* A statement as text, from the snapshot's LRU when rendered lately. */
static void
gopher_stmt_reply(struct snapshot *s, const struct stmt *st,
    const struct gopher_style *gs, struct response *r)
{
	struct gcache	*gc = gcache_of(s);
	size_t		 doc = st - s->st;
	struct blob	*bl;
	struct buf	 b;

	if (gc != NULL && (bl = gcache_get(gc, doc)) != NULL) {
		blob_hold(r, bl);
		return;
	}
	buf_init(&b, RESPONSE_MEM_MAX);
	if (gopher_statement(st, &b, gs) == -1 || b.failed) {
		buf_free(&b);
		gopher_error_menu(&r->out, "Cannot read the statement", gs);
		return;
	}
	if (gc == NULL || b.len > GCACHE_ENTRY_MAX ||
	    (bl = blob_new(&b, doc)) == NULL) {
		buf_append(&r->out, b.data, b.len);
		buf_free(&b);
		return;
	}
	gcache_put(gc, bl);
	blob_hold(r, bl);
}

int
archive_gopher(const struct request_ctx *ctx, const char *sel,
    const char *search, int has_search, struct response *r)
{
	struct snapshot		*s = A.cur;
	struct gopher_style	 gs;
	const struct stmt	*st;
	struct group		*g;
	const char		*rest, *slash;
	size_t			 alen;
	long			 pg;
	int			 is_tag;

	if (s == NULL || sel == NULL)
		return 0;
	gstyle(&gs);
	if (*sel == '/')
		sel++;
	if (*sel == '\0') {
		gopher_root_reply(s, ctx, &gs, r);
		return 1;
	}
	if (strcmp(sel, "search") == 0) {
		gopher_search(s, search ? search : "", has_search, &r->out,
		    &gs);
		return 1;
	}
	alen = strlen(A.bc.archive);
	if (strncmp(sel, A.bc.archive, alen) != 0 ||
	    (sel[alen] != '\0' && sel[alen] != '/'))
		return 0;
	rest = sel + alen;
	if (*rest == '\0' || strcmp(rest, "/") == 0) {
		gopher_page_reply(s, &s->garchive, gopher_archive, &gs, r);
		return 1;
	}
	if ((st = stmt_at(s, sel)) != NULL) {
		gopher_stmt_reply(s, st, &gs, r);
		return 1;
	}
	if (strcmp(rest, "/atom.xml") == 0) {
		gopher_page_reply(s, &s->gatom, gopher_atom, &gs, r);
		return 1;
	}
	if (strcmp(rest, "/tags") == 0 || strcmp(rest, "/tags/") == 0) {
		gopher_page_reply(s, &s->gtags, gopher_tags, &gs, r);
		return 1;
	}
	if ((g = group_at(s, rest, &slash, &is_tag)) == NULL)
		return 0;
	pg = page_number(slash);
	if (pg == -2)
		pg = 0;
	if (pg < 0 || (size_t)pg * GOPHER_PAGE_ITEMS >= g->n + (g->n == 0))
		return 0;
	gopher_group_reply(s, g, is_tag ? "Statements tagged" :
	    "Statements of", pg, &gs, r);
	return 1;
}

/* -- rebuilds -------------------------------------------------------------- */

/* Give the build's freed temporary memory back to the system. */
static void
heap_trim(void)
{
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}

void
archive_set_turns(int fd)
{
	A.turnsfd = fd;
}

/*
 * Sibling workers take turns to build, under a write lock on a file the
 * parent opened for all of them.  Their builds compete for the same
 * cores: one at a time, the first worker serves the new index sooner
 * (a worker still building accepts no connection, the others take them)
 * and the machine holds one build's temporary memory at a time.  The lock
 * goes with its process if a worker dies.  Returns 1 when taken, 0 when
 * there are no turns or the lock cannot be had (build anyway), -1 when
 * the archive is stopping.
 */
#define TURN_LOG_MSEC	250	/* a shorter wait is not worth a line */

static int
turn_take(void)
{
	struct flock	 fl;
	struct timespec	 nap = { 0, 20 * 1000 * 1000 }, t0;
	long		 waited;

	if (A.turnsfd == -1)
		return 0;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (fcntl(A.turnsfd, F_SETLK, &fl) == -1) {
		if (errno != EACCES && errno != EAGAIN && errno != EINTR) {
			log_warn("archive: build turns");
			return 0;
		}
		if (atomic_load(&A.stopping))
			return -1;
		nanosleep(&nap, NULL);
	}
	if ((waited = msec_since(&t0)) >= TURN_LOG_MSEC)
		log_info("archive: waited %ld ms for another worker's build",
		    waited);
	return 1;
}

static void
turn_give(int taken)
{
	struct flock	 fl;

	if (taken != 1)
		return;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_UNLCK;
	fl.l_whence = SEEK_SET;
	(void)fcntl(A.turnsfd, F_SETLK, &fl);
}

/* A snapshot built in this process's turn; NULL when stopping. */
static struct snapshot *
build_in_turn(void)
{
	struct snapshot	*s;
	int		 turn;

	if ((turn = turn_take()) == -1)
		return NULL;
	s = snapshot_build(&A.bc);
	turn_give(turn);
	return s;
}

static void *
build_thread(void *arg)
{
	struct snapshot	*s;
	char		 c = 1;
	ssize_t		 n;

	(void)arg;
	s = build_in_turn();
	heap_trim();
	A.result = s;
	do {
		n = write(A.pipe[1], &c, 1);
	} while (n == -1 && errno == EINTR);
	return NULL;
}

static void
swap_in(struct snapshot *s)
{
	struct snapshot	*old = A.cur;

	if (s == NULL)
		return;
	s->refs = 1;
	A.cur = s;
	if (old != NULL) {
		snap_release(old);
		heap_trim();
	}
	log_info("archive: %zu statements, %zu tags, %zu search terms "
	    "(%.0f ms)", s->n, s->ntags, search_term_count(s->search),
	    s->build_ms);
}

static void
pipe_cb(evutil_socket_t fd, short ev, void *arg)
{
	char	 c[16];

	(void)ev;
	(void)arg;
	while (read(fd, c, sizeof(c)) > 0)
		;
	if (!A.building)
		return;
	pthread_join(A.thread, NULL);
	A.building = 0;
	if (A.result != NULL && A.result->unchanged) {
		snapshot_free(A.result);
		A.result = NULL;
	}
	swap_in(A.result);
	A.result = NULL;
	if (A.pending) {
		A.pending = 0;
		start_build(A.pending_force);
		A.pending_force = 0;
	}
}

static void
start_build(int force)
{
	if (A.building) {
		A.pending = 1;
		A.pending_force |= force;
		return;
	}
	A.bc.force = force;
	A.bc.prev_sig = A.cur != NULL ? A.cur->sig : 0;
	A.bc.have_prev = A.cur != NULL;
	A.result = NULL;
	if (pthread_create(&A.thread, NULL, build_thread, NULL) != 0) {
		log_warnx("archive: cannot start a rebuild thread");
		return;
	}
	A.building = 1;
}

static long
msec_since(const struct timespec *t)
{
	struct timespec	 now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000 +
	    (now.tv_nsec - t->tv_nsec) / 1000000;
}

/* A change was seen: rebuild after a quiet spell, at most 1 s later. */
static void
changed(void)
{
	struct timeval	 tv;
	long		 wait = DEBOUNCE_QUIET_MSEC, left;

	if (!A.in_burst) {
		A.in_burst = 1;
		clock_gettime(CLOCK_MONOTONIC, &A.burst_start);
	} else {
		left = DEBOUNCE_MAX_MSEC - msec_since(&A.burst_start);
		if (left < wait)
			wait = left > 0 ? left : 0;
	}
	tv.tv_sec = wait / 1000;
	tv.tv_usec = (wait % 1000) * 1000;
	evtimer_add(A.ev_timer, &tv);
}

static void
timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct timeval	 tv = { STAT_SCAN_SEC, 0 };

	(void)fd;
	(void)ev;
	(void)arg;
	if (A.watchfd == -1) {
		/* No inotify: a stat scan; unchanged results are dropped. */
		start_build(0);
		evtimer_add(A.ev_timer, &tv);
		return;
	}
	A.in_burst = 0;
	start_build(1);
}

#ifdef __linux__
static void
watch_cb(evutil_socket_t fd, short ev, void *arg)
{
	char	 buf[16384] __attribute__((aligned(8)));
	ssize_t	 n;
	int	 any = 0;

	(void)ev;
	(void)arg;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		any = 1;
	if (any)
		changed();
}
#endif

static void
urls_init(const struct config *conf)
{
	const char	*host = conf->hostname ? conf->hostname : "localhost";
	int		 port = 1965;
	const struct sockaddr_storage *ss;

	if (conf->gemini.nlisten > 0) {
		ss = &conf->gemini.listen[0].addr;
		if (ss->ss_family == AF_INET)
			port = ntohs(((const struct sockaddr_in *)ss)->sin_port);
		else if (ss->ss_family == AF_INET6)
			port = ntohs(((const struct sockaddr_in6 *)ss)->
			    sin6_port);
	}
	if (port == 1965)
		snprintf(A.base_url, sizeof(A.base_url), "gemini://%s", host);
	else
		snprintf(A.base_url, sizeof(A.base_url), "gemini://%s:%d",
		    host, port);
	snprintf(A.archive_url, sizeof(A.archive_url), "/%s/", A.bc.archive);
	if (conf->gopher.nlisten > 0 && conf->gopher_port > 0)
		snprintf(A.gopher_url, sizeof(A.gopher_url),
		    "gopher://%s:%d/", host, conf->gopher_port);
	else
		A.gopher_url[0] = '\0';
}

int
archive_start(struct event_base *base, const struct config *conf, int rootfd)
{
	struct snapshot	*s;
	struct timeval	 tv = { STAT_SCAN_SEC, 0 };

	A.base = base;
	A.conf = conf;
	A.rootfd = rootfd;
	memset(&A.bc, 0, sizeof(A.bc));
	A.bc.rootfd = rootfd;
	A.bc.archive = conf->archive && *conf->archive ? conf->archive :
	    "statements";
	while (*A.bc.archive == '/')
		A.bc.archive++;
	if (strlen(A.bc.archive) > 200 || strchr(A.bc.archive, '/') != NULL) {
		log_warnx("archive: the folder name must be one name of at "
		    "most 200 bytes");
		return -1;
	}
	A.bc.root = conf->root;
	A.bc.base_url = A.base_url;
	urls_init(conf);
	A.watchfd = -1;
#ifdef __linux__
	A.watchfd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (A.watchfd == -1)
		log_warn("archive: inotify");
#endif
	A.bc.watchfd = A.watchfd;
	A.bc.force = 1;
	atomic_store(&A.stopping, 0);
	if ((s = build_in_turn()) == NULL) {
		log_warnx("archive: cannot build the index");
		return -1;
	}
	swap_in(s);
	heap_trim();
	if (base == NULL)
		return 0;		/* tests: no watching */
	if (pipe(A.pipe) == -1) {
		log_warn("archive: pipe");
		return -1;
	}
	fcntl(A.pipe[0], F_SETFL, O_NONBLOCK);
	fcntl(A.pipe[0], F_SETFD, FD_CLOEXEC);
	fcntl(A.pipe[1], F_SETFD, FD_CLOEXEC);
	A.ev_pipe = event_new(base, A.pipe[0], EV_READ | EV_PERSIST, pipe_cb,
	    NULL);
	A.ev_timer = evtimer_new(base, timer_cb, NULL);
	if (A.ev_pipe == NULL || A.ev_timer == NULL ||
	    event_add(A.ev_pipe, NULL) == -1)
		return -1;
#ifdef __linux__
	if (A.watchfd != -1) {
		A.ev_watch = event_new(base, A.watchfd, EV_READ | EV_PERSIST,
		    watch_cb, NULL);
		if (A.ev_watch == NULL || event_add(A.ev_watch, NULL) == -1)
			return -1;
	}
#endif
	if (A.watchfd == -1)
		evtimer_add(A.ev_timer, &tv);
	return 0;
}

void
archive_stop(void)
{
	atomic_store(&A.stopping, 1);
	if (A.building) {
		pthread_join(A.thread, NULL);
		A.building = 0;
		snapshot_free(A.result);
		A.result = NULL;
	}
	if (A.ev_pipe != NULL)
		event_free(A.ev_pipe);
	if (A.ev_timer != NULL)
		event_free(A.ev_timer);
	if (A.ev_watch != NULL)
		event_free(A.ev_watch);
	A.ev_pipe = A.ev_timer = A.ev_watch = NULL;
	if (A.pipe[0] != -1)
		close(A.pipe[0]);
	if (A.pipe[1] != -1)
		close(A.pipe[1]);
	A.pipe[0] = A.pipe[1] = -1;
	if (A.watchfd != -1)
		close(A.watchfd);
	A.watchfd = -1;
	if (A.cur != NULL)
		snap_release(A.cur);
	A.cur = NULL;
	A.base = NULL;
}
