/* SPDX-License-Identifier: ISC */
/*
 * broadside: the Gemini protocol.  Request rules of the 2024 network
 * specification, routing (archive first, then the content root), and the
 * response header.  No sockets and no TLS here.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "archive.h"
#include "archive_route.h"
#include "cache.h"
#include "config.h"
#include "gemini.h"
#include "gemini_archive.h"
#include "gemini_reply.h"
#include "log.h"
#include "mime.h"
#include "protocol.h"
#include "render_gemtext.h"
#include "site.h"
#include "uri.h"

#define GEMINI_DEFAULT_PORT	1965
#define UTF8_SNIFF_BYTES	4096

static void	 serve_file(const struct request_ctx *, const char *,
		    const char *, const char *, struct site_entry *,
		    struct response *);
static void	 serve_dir(const struct request_ctx *, const char *,
		    const char *, struct site_entry *, struct response *);
static void	 serve_listing(const struct request_ctx *, const char *,
		    const char *, struct site_entry *, long, struct response *);
static int	 serve_page(const struct request_ctx *, const char *,
		    struct response *);
static void	 serve(const struct request_ctx *, const struct uri *,
		    struct response *);

/* Is `host` one of ours: the configured name or the address dialled? */
static int
host_is_ours(const struct request_ctx *ctx, const char *host)
{
	char		 local[INET6_ADDRSTRLEN];
	const char	*name = ctx->conf->hostname;
	size_t		 hlen = strlen(host);

	if (hlen > 0 && host[hlen - 1] == '.')
		hlen--;		/* "example.org." is "example.org" */
	if (strlen(name) == hlen && strncasecmp(host, name, hlen) == 0)
		return 1;
	if (ctx->local == NULL)
		return 0;
	if (ctx->local->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)
		    (const void *)ctx->local)->sin_addr, local, sizeof(local));
	else if (ctx->local->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)
		    (const void *)ctx->local)->sin6_addr, local, sizeof(local));
	else
		return 0;
	return strcasecmp(host, local) == 0;
}

/*
 * An explicit port must be the one the client reached.  A missing port
 * means 1965, and so does an explicit ":1965": we accept both whatever we
 * listen on, since the client did reach us (a port redirect in front is
 * common).
 */
static int
port_is_ours(const struct request_ctx *ctx, int port)
{
	return port == -1 || port == GEMINI_DEFAULT_PORT ||
	    port == ctx->local_port;
}

/*
 * A request for another host is refused with 53; say so in the error log,
 * once a minute per host at most (a remote reader of a server left with
 * hostname = localhost sees only the 53).
 */
#define FOREIGN_HOSTS		16
#define FOREIGN_LOG_SEC		60

static void
log_foreign_host(const struct request_ctx *ctx, const char *host)
{
	static struct {
		char	 host[URI_HOST_MAX + 1];
		time_t	 when;
	} seen[FOREIGN_HOSTS];
	static size_t	 next;
	time_t		 now = time(NULL);
	size_t		 i;

	for (i = 0; i < FOREIGN_HOSTS; i++)
		if (seen[i].host[0] != '\0' && strcmp(seen[i].host, host) == 0) {
			if (now - seen[i].when < FOREIGN_LOG_SEC)
				return;
			break;
		}
	if (i == FOREIGN_HOSTS)
		i = next++ % FOREIGN_HOSTS;
	snprintf(seen[i].host, sizeof(seen[i].host), "%s", host);
	seen[i].when = now;
	log_warnx("request for host %s, not ours (hostname = %s)", host,
	    ctx->conf->hostname);
}

void
gemini_handle(const struct request_ctx *ctx, const char *line, size_t len,
    struct response *r)
{
	struct uri		 u;
	const char		*errstr;

	if (len == 0) {
		gemini_reply(r, 59, "Empty request");
		return;
	}
	if (uri_parse(line, len, &u, &errstr) == -1) {
		gemini_reply(r, 59, errstr);
		return;
	}
	if (u.has_userinfo || u.has_fragment) {
		gemini_reply(r, 59, u.has_userinfo ? "Userinfo not allowed" :
		    "Fragment not allowed");
		return;
	}
	if (strcmp(u.scheme, "gemini") != 0) {
		gemini_reply(r, 53, "Proxy request refused");
		return;
	}
	if (u.host[0] == '\0') {
		gemini_reply(r, 59, "Missing host");
		return;
	}
	if (!host_is_ours(ctx, u.host)) {
		log_foreign_host(ctx, u.host);
		gemini_reply(r, 53, "Proxy request refused");
		return;
	}
	if (!port_is_ours(ctx, u.port)) {
		gemini_reply(r, 53, "Proxy request refused");
		return;
	}
	serve(ctx, &u, r);
}

/* A cache key: what the response depends on, the request's path and,
 * for a statement, its language from the archive (a sidecar may change
 * it while the file stays the same). */
static int
gemini_key(char *key, size_t len, const char *path, const char *lang)
{
	return cache_key(key, len, "gemini", lang, path);
}

/* A statement that moved (.redirects): 31 to where it is now. */
static int
serve_moved(const struct request_ctx *ctx, const char *path,
    struct response *r)
{
	char	 moved[URI_MAX], enc[URI_MAX * 3];

	if (!archive_moved_path(ctx->archive, path, moved, sizeof(moved)) ||
	    uri_encode_path(moved, enc, sizeof(enc)) == -1)
		return 0;
	gemini_reply(r, 31, enc);
	return 1;
}

/* parse → route → render (the archive, else the file tree) */
static void
serve(const struct request_ctx *ctx, const struct uri *u,
    struct response *r)
{
	struct route		 rt;
	struct site_entry	 e;
	const char		*folder, *lang;
	char			 key[URI_MAX + 64];

	if (serve_page(ctx, u->path_decoded, r))
		return;
	folder = ctx->archive != NULL ? archive_folder(ctx->archive) : "";
	archive_route(folder, u->path_decoded, 0, &rt);
	if (gemini_archive_serve(ctx, &rt, u->path, u->has_query ? u->query :
	    NULL, r))
		return;
	lang = gemini_archive_lang(ctx, &rt);
	if (gemini_key(key, sizeof(key), u->path_decoded, lang) == -1)
		key[0] = '\0';		/* no caching */
	if (cache_serve(ctx->cache, ctx->rootfd, key, r))
		return;
	switch (site_open(ctx->rootfd, u->path_decoded, &e)) {
	case SITE_FILE:
		serve_file(ctx, key, u->path_decoded, lang, &e, r);
		return;
	case SITE_DIR:
		serve_dir(ctx, key, u->path_decoded, &e, r);
		return;
	case SITE_NEED_SLASH:
		snprintf(key, sizeof(key), "%s/", u->path);
		gemini_reply(r, 31, key);
		return;
	case SITE_ERROR:
		log_warnx("%s: cannot open", u->path_decoded);
		/* FALLTHROUGH */
	case SITE_NOT_FOUND:
		if (serve_moved(ctx, u->path_decoded, r))
			return;
		gemini_reply(r, 51, "Not found");
		return;
	}
}

static const char *
base_name(const char *path)
{
	const char	*slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* text/gemini gets the statement's language, else the configured one. */
static void
append_params(const struct request_ctx *ctx, const char *lang, int fd,
    const char *mime, char *meta, size_t len)
{
	char		 head[UTF8_SNIFF_BYTES];
	ssize_t		 n;
	size_t		 off = strlen(meta);

	if (strncmp(mime, "text/", 5) != 0)
		return;
	n = pread(fd, head, sizeof(head), 0);
	if (n >= 0 && mime_is_utf8(head, (size_t)n, 1))
		off += (size_t)snprintf(meta + off, len - off,
		    "; charset=utf-8");
	if (strcmp(mime, "text/gemini") != 0 || off >= len)
		return;
	if (lang == NULL)
		lang = ctx->conf->lang;
	if (lang != NULL && lang[0] != '\0')
		snprintf(meta + off, len - off, strchr(lang, ',') ?
		    "; lang=\"%s\"" : "; lang=%s", lang);
}

/*
 * A small file is read whole and kept, header made, in the cache under the
 * request's `key`; a large one is streamed from its descriptor.
 */
static void
serve_file(const struct request_ctx *ctx, const char *key, const char *path,
    const char *lang, struct site_entry *e, struct response *r)
{
	char		 mbuf[MIME_MAX], meta[GEMINI_META_MAX + 1];
	const char	*mime;
	size_t		 head;
	ssize_t		 n;

	mime = mime_type(e->fd, base_name(path), mbuf, sizeof(mbuf));
	snprintf(meta, sizeof(meta), "%s", mime);
	append_params(ctx, lang, e->fd, mime, meta, sizeof(meta));
	gemini_reply(r, 20, meta);
	head = r->out.len;
	if (e->st.st_size >= 0 && cache_wants(ctx->cache,
	    (size_t)e->st.st_size) &&
	    buf_append(&r->out, NULL, 0) == 0 && buf_reserve_more(&r->out,
	    (size_t)e->st.st_size) == 0) {
		n = pread(e->fd, r->out.data + head, (size_t)e->st.st_size, 0);
		if (n == e->st.st_size) {
			r->out.len += (size_t)n;
			r->out.data[r->out.len] = '\0';
			cache_store(ctx->cache, key, path, &e->st, 20,
			    r->out.data, head, r->out.data + head, (size_t)n);
			close(e->fd);
			e->fd = -1;
			return;
		}
	}
	r->fd = e->fd;
	r->file_size = e->st.st_size;
	e->fd = -1;
}

static void
serve_dir(const struct request_ctx *ctx, const char *key, const char *path,
    struct site_entry *dir, struct response *r)
{
	struct site_entry	 idx;
	char			 idxpath[URI_MAX + 16];

	if (site_open_in(dir->fd, "index.gmi", &idx) == 0) {
		close(dir->fd);
		snprintf(idxpath, sizeof(idxpath), "%sindex.gmi", path);
		serve_file(ctx, key, idxpath, NULL, &idx, r);
		return;
	}
	serve_listing(ctx, key, path, dir, 1, r);
}

/*
 * "DIR/.page/N/": page N of the listing of a folder of the file tree
 * (site.h).  1 when answered (a page, or an error); 0 when `path` names
 * no page.
 */
static int
serve_page(const struct request_ctx *ctx, const char *path,
    struct response *r)
{
	struct site_entry	 e;
	struct route		 rt;
	char			 dir[URI_MAX + 1], key[URI_MAX + 64];
	const char		*folder;
	long			 page;

	if ((page = site_dir_page(path, dir, sizeof(dir))) == 0)
		return 0;
	folder = ctx->archive != NULL ? archive_folder(ctx->archive) : "";
	/* Only folders of the file tree: the archive pages itself. */
	if (page == -1 || (archive_route(folder, dir, 0, &rt) != ROUTE_NONE &&
	    rt.kind != ROUTE_HOME)) {
		gemini_reply(r, 51, "Not found");
		return 1;
	}
	if (gemini_key(key, sizeof(key), path, NULL) == -1)
		key[0] = '\0';
	if (cache_serve(ctx->cache, ctx->rootfd, key, r))
		return 1;
	if (site_open(ctx->rootfd, dir, &e) != SITE_DIR) {
		if (e.fd != -1)
			close(e.fd);
		gemini_reply(r, 51, "Not found");
		return 1;
	}
	serve_listing(ctx, key, dir, &e, page, r);
	return 1;
}

/* The relative link from page `from` of a listing to page `to`. */
static void
page_link(char *out, size_t len, long from, long to)
{
	if (from <= 1)
		snprintf(out, len, ".page/%ld/", to);
	else if (to <= 1)
		snprintf(out, len, "../../");
	else
		snprintf(out, len, "../%ld/", to);
}

/* Page `page` (from 1) of a folder's entries, SITE_PAGE_ITEMS a page. */
static void
serve_listing(const struct request_ctx *ctx, const char *key,
    const char *path, struct site_entry *dir, long page, struct response *r)
{
	struct site_dirent	*ents = NULL;
	size_t			 n, i, head, pages, to;
	char			 enc[3 * SITE_NAME_MAX + 1], link[32];
	char			 meta[GEMINI_META_MAX + 1];
	const char		*up = page > 1 ? "../../" : "";

	if (!ctx->conf->autoindex || site_list_dir(dir->fd, &ents, &n) == -1) {
		close(dir->fd);
		gemini_reply(r, 51, "Not found");
		return;
	}
	close(dir->fd);
	dir->fd = -1;
	pages = n == 0 ? 1 : (n + SITE_PAGE_ITEMS - 1) / SITE_PAGE_ITEMS;
	if ((size_t)page > pages) {
		free(ents);
		gemini_reply(r, 51, "No such page");
		return;
	}
	gemini_reply(r, 20, gemini_mime(meta, sizeof(meta), ctx->conf->lang));
	head = r->out.len;
	/* Names are the publisher's bytes: labels are made text (rg_text). */
	buf_puts(&r->out, "# Index of ");
	rg_text(&r->out, path);
	buf_puts(&r->out, "\n\n");
	if (pages > 1)
		buf_printf(&r->out, "Page %ld of %zu (%zu entries)\n\n", page,
		    pages, n);
	if (strcmp(path, "/") != 0)
		buf_printf(&r->out, "=> %s../ Parent directory\n", up);
	if (page > 1) {
		page_link(link, sizeof(link), page, page - 1);
		buf_printf(&r->out, "=> %s Previous page\n", link);
	}
	i = (size_t)(page - 1) * SITE_PAGE_ITEMS;
	to = i + SITE_PAGE_ITEMS < n ? i + SITE_PAGE_ITEMS : n;
	for (; i < to; i++) {
		if (uri_encode_path(ents[i].name, enc, sizeof(enc)) == -1)
			continue;
		buf_printf(&r->out, "=> %s%s%s ", up, enc,
		    ents[i].is_dir ? "/" : "");
		rg_text(&r->out, ents[i].name);
		buf_puts(&r->out, ents[i].is_dir ? "/\n" : "\n");
	}
	if ((size_t)page < pages) {
		page_link(link, sizeof(link), page, page + 1);
		buf_printf(&r->out, "=> %s Next page\n", link);
	}
	free(ents);
	/* Adding or removing an entry changes the directory's mtime. */
	if (!r->out.failed)
		cache_store(ctx->cache, key, path, &dir->st, 20, r->out.data,
		    head, r->out.data + head, r->out.len - head);
}

/* -- what the connection code knows of Gemini ------------------------------ */

static void
gemini_refuse(const struct request_ctx *ctx, enum refusal why,
    struct response *r)
{
	char	 secs[16];

	switch (why) {
	case REFUSE_TOO_LONG:
		gemini_reply(r, 59, "Request too long");
		break;
	case REFUSE_MALFORMED:
		gemini_reply(r, 59, "Request must end with CRLF");
		break;
	case REFUSE_RATE:
		snprintf(secs, sizeof(secs), "%d", ctx->retry_after);
		gemini_reply(r, 44, secs);
		break;
	case REFUSE_TEMPORARY:
		gemini_reply(r, 40, "Temporary failure");
		break;
	}
}

_Static_assert(GEMINI_URI_MAX <= PROTOCOL_LINE_MAX,
    "the connection buffer cannot hold a Gemini request");

const struct protocol gemini_protocol = {
	.name = "gemini",
	.line_max = GEMINI_URI_MAX,
	.crlf_required = 1,
	.tls = 1,
	.eof_ends_line = 0,
	.local_addr = 1,	/* a request may name the address dialled */
	.handle = gemini_handle,
	.refuse = gemini_refuse,
};
