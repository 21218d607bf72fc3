/* SPDX-License-Identifier: ISC */
/*
 * broadside: the Gopher protocol (RFC 1436): the selector line, routing to
 * the archive or the content root, automatic menus, caps.txt, URL: pages
 * and errors.  Output formatting lives in render_gopher.c.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "archive.h"
#include "archive_route.h"
#include "atom.h"
#include "blob.h"
#include "cache.h"
#include "config.h"
#include "gopher.h"
#include "gopher_archive.h"
#include "gopher_menu.h"
#include "log.h"
#include "mime.h"
#include "protocol.h"
#include "render_gopher.h"
#include "site.h"
#include "uri.h"
#include "version.h"

#ifndef BROADSIDE_VERSION
#define BROADSIDE_VERSION	"0.1"
#endif

#define GOPHER_PAGE_MAX		(4u * 1024 * 1024)	/* .gmi rendered whole */
#define GOPHER_PATH_MAX		(GOPHER_SELECTOR_MAX + SITE_NAME_MAX + 2)
#define RENDERED_MIN		(16 * 1024)	/* smaller: made each time */

/* Item types a selector may start with, as in "0/path" or "1/dir/". */
static const char type_prefixes[] = "0123456789+IghisdpPTcM;";

static void	 serve(const struct request_ctx *, const char *,
		    const struct gopher_request *, struct response *);
static int	 normalise(const char *, char *, size_t);
static int	 serve_moved(const struct request_ctx *, const struct route *,
		    const struct gopher_request *, struct response *);
static int	 serve_path(const struct request_ctx *, const char *, char,
		    struct response *);
static void	 serve_file(const struct request_ctx *, const char *,
		    struct site_entry *, char, struct response *);
static void	 serve_dir(const struct request_ctx *, const char *, int,
		    struct response *);
static void	 serve_gmi(const struct request_ctx *, const char *,
		    struct site_entry *, int, struct response *);
static void	 keep_rendered(const struct request_ctx *, const char *,
		    const char *, const struct stat *, struct response *);
static int	 auto_menu_cached(const struct request_ctx *, const char *,
		    struct response *);
static void	 auto_menu(const struct request_ctx *, const char *, int,
		    long, struct response *);
static int	 serve_page(const struct request_ctx *, const char *,
		    struct response *);
static void	 stream_text(const struct request_ctx *, struct site_entry *,
		    struct response *);
static void	 url_page(const char *, struct response *);
static void	 caps_txt(const struct request_ctx *, struct response *);

/*
 * request  = selector [ TAB search ] [ TAB gopher-plus ] CRLF
 * gopher-plus = ( "+" / "!" / "$" ) *VCHAR
 * The caller has removed the line end.  A selector "T/rest" where T is an
 * item type has the prefix removed here; the handler still tries the
 * selector as sent first.
 */
int
gopher_parse(const char *line, size_t len, struct gopher_request *req,
    const char **errstr)
{
	const char	*tab, *f2, *f3;
	size_t		 slen, n;

	memset(req, 0, sizeof(*req));
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len > GOPHER_SELECTOR_MAX) {
		*errstr = "Selector too long";
		return -1;
	}
	if (memchr(line, '\0', len) != NULL) {
		*errstr = "NUL in selector";
		return -1;
	}
	if (memchr(line, '\r', len) != NULL || memchr(line, '\n', len) != NULL) {
		*errstr = "Line break in selector";
		return -1;
	}
	tab = memchr(line, '\t', len);
	slen = tab ? (size_t)(tab - line) : len;
	if (slen >= 2 && line[1] == '/' && line[0] != '\0' &&
	    strchr(type_prefixes, line[0]) != NULL) {
		memcpy(req->selector, line + 2, slen - 2);
		req->selector[slen - 2] = '\0';
	} else {
		memcpy(req->selector, line, slen);
		req->selector[slen] = '\0';
	}
	if (tab == NULL)
		return 0;
	f2 = tab + 1;
	n = len - (size_t)(f2 - line);
	f3 = memchr(f2, '\t', n);
	if (f3 != NULL) {
		if (f3 + 1 < line + len && strchr("+!$", f3[1]) != NULL)
			req->gopher_plus = 1;
		n = (size_t)(f3 - f2);
	}
	/* A lone "+", "!" or "$", or "+view" without spaces, is Gopher+. */
	if (n > 0 && strchr("+!$", f2[0]) != NULL &&
	    (n == 1 || (f2[0] == '+' && memchr(f2, ' ', n) == NULL))) {
		req->gopher_plus = 1;
		return 0;
	}
	memcpy(req->search, f2, n);
	req->search[n] = '\0';
	req->has_search = 1;
	return 0;
}

void
gopher_error(const struct request_ctx *ctx, struct response *r,
    const char *reason)
{
	struct gopher_style	 st;

	gopher_style_of(ctx->conf, &st);
	buf_reset(&r->out);
	r->status = 3;
	gopher_error_menu(&r->out, reason, &st);
}

/*
 * Selector to content path: %XX decoded where it is a valid escape (a
 * stray '%' is kept), NUL refused, '/' prepended, dot-segments removed.
 * site_open() refuses the rest ('.'-components, escaping symlinks).
 */
static int
normalise(const char *sel, char *out, size_t outsz)
{
	size_t	 o = 0;

	if (outsz < 2)
		return -1;
	if (sel[0] != '/')
		out[o++] = '/';
	if (uri_pct_decode(sel, strlen(sel), out + o, outsz - o, NULL,
	    URI_PCT_LENIENT) == -1)
		return -1;
	uri_remove_dot_segments(out);
	uri_collapse_slashes(out);
	if (out[0] != '/') {
		if (strlen(out) + 2 > outsz)
			return -1;
		memmove(out + 1, out, strlen(out) + 1);
		out[0] = '/';
	}
	return 0;
}

void
gopher_handle(const struct request_ctx *ctx, const char *line, size_t len,
    struct response *r)
{
	struct gopher_request	 req;
	const char		*errstr, *tab;
	char			 raw[GOPHER_SELECTOR_MAX + 1];
	size_t			 rlen;

	if (gopher_parse(line, len, &req, &errstr) == -1) {
		gopher_error(ctx, r, errstr);
		return;
	}
	tab = memchr(line, '\t', len);
	rlen = tab ? (size_t)(tab - line) : len;
	if (rlen > 0 && line[rlen - 1] == '\r')
		rlen--;
	memcpy(raw, line, rlen);
	raw[rlen] = '\0';
	if (strncmp(raw, "URL:", 4) == 0) {
		url_page(raw + 4, r);
		return;
	}
	serve(ctx, raw, &req, r);
}

/* parse → route → render (the archive, else the file tree) */
static void
serve(const struct request_ctx *ctx, const char *raw,
    const struct gopher_request *req, struct response *r)
{
	struct route	 rt;
	char		 path[GOPHER_SELECTOR_MAX + 2];
	const char	*folder;
	int		 rv;

	if (normalise(raw, path, sizeof(path)) == -1) {
		gopher_error(ctx, r, "Bad selector");
		return;
	}
	folder = ctx->archive != NULL ? archive_folder(ctx->archive) : "";
	archive_route(folder, path, ROUTE_GOPHER, &rt);
	if (serve_page(ctx, rt.path, r))
		return;
	if (gopher_archive_serve(ctx, &rt, req->search, req->has_search, r))
		return;
	/* "T/path": the selector as sent wins if it exists. */
	if (rt.type != '\0' && serve_path(ctx, path, '\0', r) == 0)
		return;
	if ((rv = serve_path(ctx, rt.path, rt.type, r)) == 0)
		return;
	if (rv == -1 && serve_moved(ctx, &rt, req, r))
		return;
	if (strcmp(rt.path, "/caps.txt") == 0) {
		caps_txt(ctx, r);
		return;
	}
	gopher_error(ctx, r, rv == -2 ? "Not available" : "Not found");
}

/*
 * "DIR/.page/N/": page N of the file tree's listing of DIR (site.h).  1
 * when answered (a page, or an error for a bad one); 0 when `path` names
 * no page.
 */
static int
serve_page(const struct request_ctx *ctx, const char *path,
    struct response *r)
{
	struct site_entry	 e;
	struct route		 rt;
	char			 dir[GOPHER_PATH_MAX];
	const char		*folder;
	long			 page;

	if ((page = site_dir_page(path, dir, sizeof(dir))) == 0)
		return 0;
	folder = ctx->archive != NULL ? archive_folder(ctx->archive) : "";
	/* Only folders of the file tree; the archive pages itself. */
	if (page == -1 || !ctx->conf->autoindex ||
	    (archive_route(folder, dir, 0, &rt) != ROUTE_NONE &&
	    rt.kind != ROUTE_HOME)) {
		gopher_error(ctx, r, "Not found");
		return 1;
	}
	if (site_open(ctx->rootfd, dir, &e) != SITE_DIR) {
		if (e.fd != -1)
			close(e.fd);
		gopher_error(ctx, r, "Not found");
		return 1;
	}
	auto_menu(ctx, dir, e.fd, page, r);
	close(e.fd);
	return 1;
}

/* 0 answered, -1 not found, -2 unreadable. */
/*
 * A statement that moved (.redirects): Gopher has no redirects, so the
 * statement is served where it is now, in the rendering asked for.
 */
static int
serve_moved(const struct request_ctx *ctx, const struct route *rt,
    const struct gopher_request *req, struct response *r)
{
	struct route	 moved_rt;
	char		 moved[GOPHER_SELECTOR_MAX + 2], sel[sizeof(moved) + 3];

	if (!archive_moved_path(ctx->archive, rt->path, moved, sizeof(moved)))
		return 0;
	if (rt->type != '\0')
		snprintf(sel, sizeof(sel), "/%c%s", rt->type, moved);
	else
		snprintf(sel, sizeof(sel), "%s", moved);
	archive_route(archive_folder(ctx->archive), sel, ROUTE_GOPHER,
	    &moved_rt);
	if (gopher_archive_serve(ctx, &moved_rt, req->search,
	    req->has_search, r))
		return 1;
	return serve_path(ctx, moved_rt.path, moved_rt.type, r) == 0;
}

static int
serve_path(const struct request_ctx *ctx, const char *path, char type,
    struct response *r)
{
	struct site_entry	 e;
	char			 dir[GOPHER_PATH_MAX];

	if (auto_menu_cached(ctx, path, r))
		return 0;
	switch (site_open(ctx->rootfd, path, &e)) {
	case SITE_FILE:
		serve_file(ctx, path, &e, type, r);
		return 0;
	case SITE_DIR:
		serve_dir(ctx, path, e.fd, r);
		close(e.fd);
		return 0;
	case SITE_NEED_SLASH:
		/* No redirects in Gopher: serve the directory as it is. */
		if (snprintf(dir, sizeof(dir), "%s/", path) >=
		    (int)sizeof(dir))
			return -1;
		if (site_open(ctx->rootfd, dir, &e) != SITE_DIR) {
			if (e.fd != -1)
				close(e.fd);
			return -1;
		}
		serve_dir(ctx, dir, e.fd, r);
		close(e.fd);
		return 0;
	case SITE_ERROR:
		log_warnx("gopher: %s: unreadable", path);
		return -2;
	default:
		return -1;
	}
}

static int
has_suffix(const char *s, const char *suffix)
{
	size_t	 n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Takes ownership of e->fd. */
static void
serve_file(const struct request_ctx *ctx, const char *path,
    struct site_entry *e, char type, struct response *r)
{
	const char	*name, *mime;
	char		 mbuf[MIME_MAX];

	name = strrchr(path, '/');
	name = name ? name + 1 : path;
	if (has_suffix(name, ".gmi") || has_suffix(name, ".gemini") ||
	    has_suffix(name, ".gem")) {
		/* Pages are menus, statements text; a type prefix decides. */
		serve_gmi(ctx, path, e, type == '1' || (type != '0' &&
		    !gopher_gmi_is_text(name)), r);
		return;
	}
	mime = mime_type(e->fd, name, mbuf, sizeof(mbuf));
	if (strncmp(mime, "text/", 5) == 0 && strcmp(mime, "text/html") != 0)
		stream_text(ctx, e, r);
	else {
		/* Binary items: byte for byte, nothing added. */
		r->status = 0;
		r->fd = e->fd;
		r->file_size = e->st.st_size;
		e->fd = -1;
	}
}

static void
stream_text(const struct request_ctx *ctx, struct site_entry *e,
    struct response *r)
{
	if ((r->filter_state = gopher_text_filter_new(ctx->conf->charset)) ==
	    NULL) {
		close(e->fd);
		e->fd = -1;
		gopher_error(ctx, r, "Temporary failure");
		return;
	}
	r->filter = gopher_text_filter;
	r->status = 0;
	r->fd = e->fd;
	r->file_size = e->st.st_size;
	e->fd = -1;
}

/* Read a whole small file; NULL when too big or unreadable. */
static char *
read_small(int fd, off_t size, size_t *len)
{
	char	*p;
	size_t	 got = 0;
	ssize_t	 n;

	if (size < 0 || (unsigned long long)size > GOPHER_PAGE_MAX)
		return NULL;
	if ((p = malloc((size_t)size + 1)) == NULL)
		return NULL;
	while (got < (size_t)size) {
		n = pread(fd, p + got, (size_t)size - got, (off_t)got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	p[got] = '\0';
	*len = got;
	return p;
}

/*
 * A gemtext page: as a menu when asked as one (index pages, "1/" prefix),
 * else as text to read.  Too big to render: streamed as plain text.
 * Takes ownership of e->fd.
 */
static void
serve_gmi(const struct request_ctx *ctx, const char *path,
    struct site_entry *e, int as_menu, struct response *r)
{
	struct gopher_style	 st;
	char			*text, key[GOPHER_PATH_MAX + 16];
	size_t			 len = 0;
	int			 rv;

	/* The rendering depends on the file and the configuration only
	 * (a worker's is fixed): made once per version of the file. */
	if (cache_key(key, sizeof(key), "gopher", as_menu ? "1" : "0",
	    path) == -1)
		key[0] = '\0';		/* no caching */
	if (cache_serve(ctx->rendered, ctx->rootfd, key, r)) {
		close(e->fd);
		e->fd = -1;
		return;
	}
	if ((text = read_small(e->fd, e->st.st_size, &len)) == NULL) {
		stream_text(ctx, e, r);
		return;
	}
	close(e->fd);
	e->fd = -1;
	gopher_style_of(ctx->conf, &st);
	if (as_menu)
		rv = gopher_render_menu(text, len, path, &st, &r->out);
	else
		rv = gopher_render_text(text, len, NULL, NULL, &st, &r->out);
	free(text);
	if (rv == -1) {
		gopher_error(ctx, r, "Page too large");
		return;
	}
	r->status = 0;
	keep_rendered(ctx, key, path, &e->st, r);
}

/*
 * Keep a rendered page and lend it to this response by reference, so
 * that readers of a large page share one copy of it.  A page too small
 * to matter stays in r->out.
 */
static void
keep_rendered(const struct request_ctx *ctx, const char *key,
    const char *path, const struct stat *st, struct response *r)
{
	struct blob	*b;

	if (r->out.len < RENDERED_MIN || !cache_wants(ctx->rendered,
	    r->out.len))
		return;
	if ((b = blob_from_buf(&r->out)) == NULL) {	/* r->out is freed */
		gopher_error(ctx, r, "Temporary failure");
		return;
	}
	cache_store_blob(ctx->rendered, key, path, st, 0, "", 0, b);
	blob_lend(b, r);
	blob_release(b);
}

/* `path` ends with '/'. */
static void
serve_dir(const struct request_ctx *ctx, const char *path, int dirfd,
    struct response *r)
{
	struct site_entry	 e;
	char			 index[GOPHER_PATH_MAX];

	if (site_open_in(dirfd, "index.gmi", &e) == 0) {
		if (snprintf(index, sizeof(index), "%sindex.gmi", path) >=
		    (int)sizeof(index)) {
			close(e.fd);
			gopher_error(ctx, r, "Not found");
			return;
		}
		serve_gmi(ctx, index, &e, 1, r);
		return;
	}
	if (!ctx->conf->autoindex) {
		gopher_error(ctx, r, "Not found");
		return;
	}
	auto_menu(ctx, path, dirfd, 1, r);
}

static void	 auto_menu_make(const struct request_ctx *, const char *, int,
		    long, struct response *);

/*
 * A directory without index.gmi: its parent, then a page of entries.
 * Made once per version of the directory (adding, removing or renaming
 * an entry changes its mtime) and served from the response cache.
 */
static void
auto_menu_key(const char *path, long page, char *key, size_t size)
{
	char	 pg[24];

	snprintf(pg, sizeof(pg), "%ld", page);
	if (cache_key(key, size, "gopher-dir", path, pg) == -1)
		key[0] = '\0';
}

/*
 * The first page of a listing made before, served without opening the
 * folder and looking for its index.gmi again: an index.gmi added, as any
 * entry, changes the folder's mtime, which the cache looks at.
 */
static int
auto_menu_cached(const struct request_ctx *ctx, const char *path,
    struct response *r)
{
	char	 key[GOPHER_PATH_MAX + 64];
	size_t	 len = strlen(path);

	if (!ctx->conf->autoindex || len == 0 || path[len - 1] != '/')
		return 0;
	auto_menu_key(path, 1, key, sizeof(key));
	return cache_serve(ctx->cache, ctx->rootfd, key, r);
}

static void
auto_menu(const struct request_ctx *ctx, const char *path, int dirfd,
    long page, struct response *r)
{
	struct stat	 st;
	char		 key[GOPHER_PATH_MAX + 64];

	auto_menu_key(path, page, key, sizeof(key));
	if (cache_serve(ctx->cache, ctx->rootfd, key, r))
		return;
	auto_menu_make(ctx, path, dirfd, page, r);
	if (key[0] != '\0' && r->status == 0 && !r->out.failed &&
	    fstat(dirfd, &st) == 0)
		cache_store(ctx->cache, key, path, &st, 0, "", 0, r->out.data,
		    r->out.len);
}

static void
auto_menu_make(const struct request_ctx *ctx, const char *path, int dirfd,
    long page, struct response *r)
{
	struct gopher_style	 st;
	char			 line[GOPHER_PATH_MAX], parent[GOPHER_PATH_MAX];
	char			*slash;
	int			 rv;

	gopher_style_of(ctx->conf, &st);
	snprintf(line, sizeof(line), "Index of %s", path);
	gopher_info(&r->out, line, &st);
	gopher_info(&r->out, "", &st);
	if (strcmp(path, "/") != 0) {
		snprintf(parent, sizeof(parent), "%s", path);
		parent[strlen(parent) - 1] = '\0';
		if ((slash = strrchr(parent, '/')) != NULL)
			slash[1] = '\0';
		gopher_item(&r->out, '1', "..", parent, &st);
	}
	if ((rv = gopher_dir_page(dirfd, path, page, &st, &r->out)) == -1) {
		log_warn("gopher: %s: list", path);
		gopher_error(ctx, r, "Not available");
		return;
	}
	if (rv == -2) {
		gopher_error(ctx, r, "No such page");
		return;
	}
	gopher_menu_end(&r->out);
	r->status = 0;
}

/*
 * "URL:<url>": a small HTML page linking to the URL.  Only well-known
 * schemes get an automatic refresh; a javascript: or data: URL is shown
 * but never followed by itself.
 */
static void
url_page(const char *url, struct response *r)
{
	static const char *const auto_schemes[] = {
		"http://", "https://", "gemini://", "gopher://", "ftp://",
	};
	size_t	 i;
	int	 refresh = 0;

	for (i = 0; i < sizeof(auto_schemes) / sizeof(auto_schemes[0]); i++)
		if (strncasecmp(url, auto_schemes[i],
		    strlen(auto_schemes[i])) == 0)
			refresh = 1;
	buf_puts(&r->out, "<!DOCTYPE html>\n<html>\n<head>\n"
	    "<meta charset=\"utf-8\">\n<title>Link</title>\n");
	if (refresh) {
		buf_puts(&r->out, "<meta http-equiv=\"refresh\" "
		    "content=\"5;url=");
		atom_escape(&r->out, url);
		buf_puts(&r->out, "\">\n");
	}
	buf_puts(&r->out, "</head>\n<body>\n<p>This link leads out of "
	    "Gopherspace: <a href=\"");
	atom_escape(&r->out, url);
	buf_puts(&r->out, "\">");
	atom_escape(&r->out, url);
	buf_puts(&r->out, "</a></p>\n</body>\n</html>\n");
	r->status = 0;
}

/* caps.txt (CAPS version 1), as a text item, when the root has none. */
static void
caps_txt(const struct request_ctx *ctx, struct response *r)
{
	static const char *const enc[] = {
		[CHARSET_UTF8] = "UTF-8",
		[CHARSET_ASCII] = "US-ASCII",
		[CHARSET_LATIN1] = "ISO-8859-1",
	};
	enum config_charset	 cs = ctx->conf->charset;
	const char		*title = ctx->conf->title;

	if ((unsigned)cs > CHARSET_LATIN1)
		cs = CHARSET_UTF8;
	buf_printf(&r->out,
	    "CAPS\r\n"
	    "\r\n"
	    "CapsVersion=1\r\n"
	    "ExpireCapsAfter=3600\r\n"
	    "\r\n"
	    "PathDelimiter=/\r\n"
	    "PathIdentity=.\r\n"
	    "PathParent=..\r\n"
	    "PathParentDouble=FALSE\r\n"
	    "PathEscapeCharacter=\\\r\n"
	    "PathKeepPreDelimeter=FALSE\r\n"
	    "\r\n"
	    "ServerSoftware=broadside\r\n"
	    "ServerSoftwareVersion=%s\r\n"
	    "ServerDescription=",
	    BROADSIDE_VERSION);
	gopher_put_text(&r->out, title ? title : "broadside",
	    strlen(title ? title : "broadside"), cs);
	buf_printf(&r->out, "\r\nDefaultEncoding=%s\r\n.\r\n", enc[cs]);
	r->status = 0;
}

/* -- what the connection code knows of Gopher ------------------------------ */

/* Every refusal is a type 3 line naming this server, from ctx->conf. */
static void
gopher_refuse(const struct request_ctx *ctx, enum refusal why,
    struct response *r)
{
	const char	*reason = "Bad request";

	switch (why) {
	case REFUSE_TOO_LONG:
		reason = "Selector too long";
		break;
	case REFUSE_MALFORMED:
		break;
	case REFUSE_RATE:
		reason = "Too many requests: slow down";
		break;
	case REFUSE_TEMPORARY:
		reason = "Temporary failure";
		break;
	}
	gopher_error(ctx, r, reason);
}

_Static_assert(GOPHER_SELECTOR_MAX <= PROTOCOL_LINE_MAX,
    "the connection buffer cannot hold a Gopher request");

const struct protocol gopher_protocol = {
	.name = "gopher",
	.line_max = GOPHER_SELECTOR_MAX,
	.crlf_required = 0,	/* many clients send a bare LF */
	.tls = 0,
	.eof_ends_line = 1,	/* some old clients half-close instead */
	.local_addr = 0,
	.handle = gopher_handle,
	.refuse = gopher_refuse,
};
