/* SPDX-License-Identifier: ISC */
/*
 * broadside check: read the content as the server would and report every
 * mistake as "file:line: message", so that a git hook can stop a commit
 * before it is published.  The archive is walked as catalog_build walks
 * it (dotfiles skipped, BUILD_DEPTH_MAX folders deep, symbolic links not
 * followed); each statement, its sidecar and the archive's .redirects
 * are read and checked; the gemtext links to this capsule, in statements
 * and in the other pages of the root, are resolved as the server would
 * answer them.  Findings are sorted by file and line, then the scheduled
 * statements and a summary follow.  Exit 1 on any error.
 *
 * Nothing here is on the serving path: it runs as the publisher, in the
 * foreground, and reads the files once.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <netinet/in.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "archive_build.h"
#include "archive_route.h"
#include "archive_scan.h"
#include "cmd.h"
#include "isodate.h"
#include "lang.h"
#include "redirects.h"
#include "site.h"
#include "uri.h"
#include "utf8.h"

#define CHECK_READ_MAX		(16 * 1024 * 1024)	/* bytes of a file */
#define CHECK_PAGES_MAX		100000	/* pages of the root link-checked */
#define CHECK_SLASH_HOPS	2	/* "/x" -> "/x/" redirects followed */
#define GEMINI_PORT		1965

struct cstmt {
	char		*rel;		/* under the archive: "2025/x.gmi" */
	char		*slug;
	char		 date[11];	/* from the name */
	char		 year[5];	/* the one it is listed under */
	int		 is_txt;
	int		 ini_title;	/* the sidecar gives a title */
	char		*tags;		/* ",a,b," folded; NULL: none */
	int		 draft;
	int		 has_publish;
	int64_t		 publish;
};

struct finding {
	char		*path;		/* under the root */
	int		 line;		/* 0: the whole file */
	size_t		 seq;		/* order found, for equal lines */
	char		*msg;
};

struct check {
	const struct config	*conf;
	int			 rootfd, archfd;
	struct cstmt		*st;
	size_t			 nst, capst;
	char			**ini;		/* dated sidecars, under the
						   archive */
	size_t			 nini, capini;
	char			**pages;	/* other gemtext, under root */
	size_t			 npages, cappages;
	struct redirects	 rd;
	unsigned char		 years[10000];	/* listed: not drafts */
	char			**tags;		/* folded, sorted, unique */
	size_t			 ntags, captags;
	struct finding		*f;
	size_t			 nf, capf;
	int			 nomem;
	char			*buf;		/* CHECK_READ_MAX + 1 bytes */
};

static void	 walk(struct check *, int, const char *, int, int);

static void	 report(struct check *, const char *, int, const char *, ...)
		    __attribute__((format(printf, 4, 5)));

/* -- findings ------------------------------------------------------------ */

/* A finding about `path` (under the root) at `line` (0: none). */
static void
report(struct check *ck, const char *path, int line, const char *fmt, ...)
{
	struct finding	*nf;
	va_list		 ap;
	char		 msg[1024];
	size_t		 ncap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ck->nf == ck->capf) {
		ncap = ck->capf ? ck->capf * 2 : 64;
		if ((nf = reallocarray(ck->f, ncap, sizeof(*nf))) == NULL) {
			ck->nomem = 1;
			return;
		}
		ck->f = nf;
		ck->capf = ncap;
	}
	nf = &ck->f[ck->nf];
	nf->line = line;
	nf->seq = ck->nf;
	nf->path = strdup(path);
	nf->msg = strdup(msg);
	if (nf->path == NULL || nf->msg == NULL) {
		free(nf->path);
		free(nf->msg);
		ck->nomem = 1;
		return;
	}
	ck->nf++;
}

static int
finding_cmp(const void *a, const void *b)
{
	const struct finding	*x = a, *y = b;
	int			 c;

	if ((c = strcmp(x->path, y->path)) != 0)
		return c;
	if (x->line != y->line)
		return (x->line > y->line) - (x->line < y->line);
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/*
 * A file name or a link, as it is, can hold any byte but NUL and '/':
 * controls (an escape sequence to the terminal) are printed as '?'.
 */
static void
put_safe(const char *s)
{
	for (; *s != '\0'; s++)
		putchar((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
}

static void
print_findings(struct check *ck)
{
	char	 abs[PATH_MAX * 2];
	size_t	 i;

	if (ck->nf > 0)
		qsort(ck->f, ck->nf, sizeof(*ck->f), finding_cmp);
	for (i = 0; i < ck->nf; i++) {
		snprintf(abs, sizeof(abs), "%s/%s", ck->conf->root,
		    ck->f[i].path);
		put_safe(cmd_show_path(abs));
		if (ck->f[i].line > 0)
			printf(":%d", ck->f[i].line);
		printf(": ");
		put_safe(ck->f[i].msg);
		putchar('\n');
	}
}

/* "statements/" rel, into buf (PATH_MAX). */
static const char *
in_archive(const struct check *ck, const char *rel, char *buf)
{
	if (snprintf(buf, PATH_MAX, "%s/%s", ck->conf->archive, rel) >=
	    PATH_MAX)
		buf[0] = '\0';		/* cannot be: the walk's paths fit */
	return buf;
}

/* -- the walk ------------------------------------------------------------- */

static int
push_str(char ***v, size_t *n, size_t *cap, const char *s)
{
	char	**nv;
	size_t	 ncap;

	if (*n == *cap) {
		ncap = *cap ? *cap * 2 : 64;
		if ((nv = reallocarray(*v, ncap, sizeof(**v))) == NULL)
			return -1;
		*v = nv;
		*cap = ncap;
	}
	if (((*v)[*n] = strdup(s)) == NULL)
		return -1;
	(*n)++;
	return 0;
}

static int
add_stmt(struct check *ck, const char *rel, const struct scan_name *nm)
{
	struct cstmt	*ns;
	size_t		 ncap;

	if (ck->nst == ck->capst) {
		ncap = ck->capst ? ck->capst * 2 : 256;
		if ((ns = reallocarray(ck->st, ncap, sizeof(*ns))) == NULL)
			return -1;
		ck->st = ns;
		ck->capst = ncap;
	}
	ns = &ck->st[ck->nst];
	memset(ns, 0, sizeof(*ns));
	if ((ns->rel = strdup(rel)) == NULL)
		return -1;
	if ((ns->slug = strdup(nm->slug)) == NULL) {
		free(ns->rel);
		return -1;
	}
	memcpy(ns->date, nm->date.text, sizeof(ns->date));
	memcpy(ns->year, nm->date.text, 4);
	ns->is_txt = nm->is_txt;
	ck->nst++;
	return 0;
}

/* A dated name that is no statement: a sidecar, perhaps. */
static int
is_dated_ini(const char *name)
{
	size_t	 len = strlen(name);

	return len > 15 && strcmp(name + len - 4, ".ini") == 0 &&
	    name[4] == '-' && name[7] == '-' && name[10] == '-';
}

/* A file of the archive, as catalog_build takes it. */
static void
archive_file(struct check *ck, const char *sub, const char *name)
{
	struct scan_name	 nm;
	const char		*err;
	char			 p[PATH_MAX];

	if (scan_parse_name(name, &nm, &err) == 0) {
		if (add_stmt(ck, sub, &nm) == -1)
			ck->nomem = 1;
		return;
	}
	if (err != NULL)
		report(ck, in_archive(ck, sub, p), 0, "bad name: %s (not "
		    "published)", err);
	else if (is_dated_ini(name) &&
	    push_str(&ck->ini, &ck->nini, &ck->capini, sub) == -1)
		ck->nomem = 1;
}

/* A file of the root outside the archive: its links are checked. */
static void
root_file(struct check *ck, const char *sub, const char *name)
{
	size_t	 len = strlen(name);

	if (len < 4 || strcmp(name + len - 4, ".gmi") != 0 ||
	    ck->npages >= CHECK_PAGES_MAX)
		return;
	if (push_str(&ck->pages, &ck->npages, &ck->cappages, sub) == -1)
		ck->nomem = 1;
}

static void
walk_entry(struct check *ck, int dirfd, const char *rel, const char *name,
    int depth, int archive)
{
	struct stat	 sb;
	char		 sub[PATH_MAX], p[PATH_MAX];
	int		 fd;

	if (snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "",
	    name) >= (int)sizeof(sub) ||
	    fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) == -1)
		return;
	if (S_ISREG(sb.st_mode)) {
		if (archive)
			archive_file(ck, sub, name);
		else
			root_file(ck, sub, name);
		return;
	}
	if (!S_ISDIR(sb.st_mode))
		return;
	/* The archive has its own walk. */
	if (!archive && strcmp(sub, ck->conf->archive) == 0)
		return;
	if (depth >= BUILD_DEPTH_MAX) {
		if (archive)
			report(ck, in_archive(ck, sub, p), 0, "folders nested "
			    "deeper than %d: skipped (not published)",
			    BUILD_DEPTH_MAX);
		return;
	}
	if ((fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return;
	walk(ck, fd, sub, depth + 1, archive);
	close(fd);
}

/* Walk a folder: the archive's (archive = 1) or the root's. */
static void
walk(struct check *ck, int dirfd, const char *rel, int depth, int archive)
{
	struct dirent	*de;
	DIR		*d;
	int		 fd;

	if ((fd = dup(dirfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')	/* never served */
			walk_entry(ck, dirfd, rel, de->d_name, depth, archive);
	closedir(d);
}

/* -- reading -------------------------------------------------------------- */

/*
 * Up to CHECK_READ_MAX bytes of a regular file under the root, into
 * ck->buf (NUL-terminated).  Its length, or -1 (reported unless it is
 * simply missing and `quiet_missing`).
 */
static ssize_t
read_file(struct check *ck, const char *path, int quiet_missing)
{
	ssize_t	 n, got = 0;
	int	 fd;

	if ((fd = build_open_regular(ck->rootfd, path, NULL)) == -1) {
		if (errno != ENOENT || !quiet_missing)
			report(ck, path, 0, "cannot read: %s", errno ==
			    BUILD_NOT_REGULAR ? "not a regular file" :
			    strerror(errno));
		return -1;
	}
	while (got <= CHECK_READ_MAX) {
		n = read(fd, ck->buf + got, CHECK_READ_MAX + 1 - (size_t)got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += n;
	}
	close(fd);
	if (got > CHECK_READ_MAX) {
		report(ck, path, 0, "larger than %d MiB: only the start is "
		    "checked", CHECK_READ_MAX / (1024 * 1024));
		got = CHECK_READ_MAX;
	}
	ck->buf[got] = '\0';
	return got;
}

/* The line of byte offset `off` in buf. */
static int
line_of(const char *buf, size_t off)
{
	size_t	 i;
	int	 line = 1;

	for (i = 0; i < off; i++)
		line += buf[i] == '\n';
	return line;
}

static void
check_utf8(struct check *ck, const char *path, const char *buf, size_t len)
{
	const unsigned char	*u = (const unsigned char *)buf;
	uint32_t		 cp;
	size_t			 i = 0;
	int			 r;

	while (i < len) {
		if (u[i] < 0x80) {
			i++;
			continue;
		}
		if ((r = utf8_decode(u + i, len - i, &cp)) <= 0) {
			report(ck, path, line_of(buf, i), "not valid UTF-8 "
			    "(byte 0x%02x): the statement is served as "
			    "text/gemini; charset=utf-8", u[i]);
			return;
		}
		i += (size_t)r;
	}
}

/* -- sidecars ------------------------------------------------------------- */

/* The sidecar's tags as ",a,b," (NULL: none). */
static char *
tags_of(const struct scan_sidecar *sc)
{
	char	 buf[SCAN_TAGS_MAX * (SCAN_TAG_MAX + 1) + 2];
	size_t	 i, o = 1;

	if (sc->ntags == 0)
		return NULL;
	buf[0] = ',';
	for (i = 0; i < sc->ntags; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s,",
		    sc->tags[i]);
	return strdup(buf);
}

/*
 * A statement's sidecar, as the server reads it: every error with its
 * line, and what the rest of the check needs (title, date, tags, draft,
 * publish).  The one place that knows the sidecar's keys.
 */
static void
check_sidecar(struct check *ck, const char *path, struct cstmt *s,
    const char *buf, size_t len)
{
	static struct scan_sidecar	 sc;
	size_t				 i;

	scan_parse_sidecar(buf, len, &sc);
	/* updated and withdrawn against the date the name gives. */
	if (!(sc.has & SIDECAR_DATE))
		scan_sidecar_dates(&sc, s->date);
	for (i = 0; i < sc.nerrors && i < SCAN_ERRORS_MAX; i++)
		report(ck, path, sc.errors[i].line, "%s", sc.errors[i].msg);
	if (sc.nerrors > SCAN_ERRORS_MAX)
		report(ck, path, 0, "%zu more errors", sc.nerrors -
		    SCAN_ERRORS_MAX);
	s->ini_title = (sc.has & SIDECAR_TITLE) != 0;
	/* A bad draft, publish or withdrawn value holds it back too. */
	s->draft = (sc.has & SIDECAR_DRAFT) != 0 || sc.hold;
	if (sc.has & SIDECAR_PUBLISH) {
		s->has_publish = 1;
		s->publish = sc.publish;
	}
	if (sc.has & SIDECAR_DATE)
		memcpy(s->year, sc.date.text, 4);
	if ((sc.has & SIDECAR_TAGS) && (s->tags = tags_of(&sc)) == NULL &&
	    sc.ntags > 0)
		ck->nomem = 1;
}

/* The sidecar of statement s, if it has one. */
static void
statement_sidecar(struct check *ck, struct cstmt *s)
{
	char	 rel[PATH_MAX], path[PATH_MAX];
	size_t	 n = strlen(s->rel);
	ssize_t	 len;

	snprintf(rel, sizeof(rel), "%.*s.ini", (int)(n - 4), s->rel);
	if ((len = read_file(ck, in_archive(ck, rel, path), 1)) >= 0)
		check_sidecar(ck, path, s, ck->buf, (size_t)len);
}

/* -- links ---------------------------------------------------------------- */

static int
rel_cmp(const void *a, const void *b)
{
	return strcmp(((const struct cstmt *)a)->rel,
	    ((const struct cstmt *)b)->rel);
}

static const struct cstmt *
find_stmt(const struct check *ck, const char *rel)
{
	struct cstmt	 key;

	key.rel = (char *)(uintptr_t)rel;
	return ck->nst == 0 ? NULL : bsearch(&key, ck->st, ck->nst,
	    sizeof(*ck->st), rel_cmp);
}

static int
have_year(const struct check *ck, const char *y, size_t len)
{
	int	 v = 0;
	size_t	 i;

	for (i = 0; i < len; i++)
		v = v * 10 + (y[i] - '0');	/* the router saw 4 digits */
	return len == 4 && ck->years[v];
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
have_tag(const struct check *ck, const char *t, size_t len)
{
	char	 key[SCAN_TAG_MAX + 1], *kp = key;

	if (len > SCAN_TAG_MAX || ck->ntags == 0)
		return 0;
	memcpy(key, t, len);
	key[len] = '\0';
	return bsearch(&kp, ck->tags, ck->ntags, sizeof(*ck->tags),
	    str_cmp) != NULL;
}

/*
 * The year and tag pages there will be, once the sidecars are read:
 * what a link to /statements/YYYY/ or /statements/tags/T/ needs.
 */
static void
collect_groups(struct check *ck)
{
	const char	*t, *e;
	char		 tag[SCAN_TAG_MAX + 1];
	size_t		 i, o;

	for (i = 0; i < ck->nst; i++) {
		if (ck->st[i].draft)
			continue;
		ck->years[atoi(ck->st[i].year) % 10000] = 1;
		for (t = ck->st[i].tags; t != NULL && *t != '\0'; t = e) {
			t++;			/* the ',' before each */
			if ((e = strchr(t, ',')) == NULL ||
			    (size_t)(e - t) > SCAN_TAG_MAX || e == t)
				break;
			memcpy(tag, t, (size_t)(e - t));
			tag[e - t] = '\0';
			if (push_str(&ck->tags, &ck->ntags, &ck->captags,
			    tag) == -1)
				ck->nomem = 1;
		}
	}
	if (ck->ntags == 0)
		return;
	qsort(ck->tags, ck->ntags, sizeof(*ck->tags), str_cmp);
	for (i = 1, o = 1; i < ck->ntags; i++) {
		if (strcmp(ck->tags[o - 1], ck->tags[i]) == 0)
			free(ck->tags[i]);
		else
			ck->tags[o++] = ck->tags[i];
	}
	ck->ntags = o;
}

/* A folder of the file tree: a listing, or its index.gmi. */
static const char *
folder_ok(const struct check *ck, struct site_entry *e)
{
	struct site_entry	 idx;

	if (ck->conf->autoindex)
		return NULL;
	if (site_open_in(e->fd, "index.gmi", &idx) == 0) {
		close(idx.fd);
		return NULL;
	}
	return "a folder without index.gmi, and autoindex is off";
}

/* The file tree's answer to path. */
static const char *
tree_target(const struct check *ck, const char *path)
{
	struct site_entry	 e;
	const char		*why = NULL;

	switch (site_open(ck->rootfd, path, &e)) {
	case SITE_FILE:
	case SITE_NEED_SLASH:		/* a redirect to the folder */
		break;
	case SITE_DIR:
		why = folder_ok(ck, &e);
		break;
	case SITE_ERROR:
		why = "cannot be read";
		break;
	default:
		why = site_path_ok(path) ? "no such file" : "a dotfile "
		    "(never served)";
		break;
	}
	if (e.fd != -1)
		close(e.fd);
	return why;
}

static const char *target(const struct check *, const char *, int);

/*
 * A moved statement: 1 when .redirects sends rel elsewhere (*why: NULL
 * when that leads somewhere, else why not), 0 when it does not.
 */
static int
redirected(const struct check *ck, const char *rel, int hops,
    const char **why)
{
	char		 next[URI_MAX + 1];
	const char	*to;

	switch (redirects_resolve(&ck->rd, rel, &to, NULL)) {
	case REDIRECTS_NONE:
		return 0;
	case REDIRECTS_BAD:
		*why = "redirected in a loop (.redirects)";
		return 1;
	default:
		if (snprintf(next, sizeof(next), "/%s/%s", ck->conf->archive,
		    to) >= (int)sizeof(next))
			*why = "redirected to too long a path";
		else
			*why = target(ck, next, hops);
		return 1;
	}
}

/*
 * What the server answers for a decoded, normalised path: NULL when it
 * serves something (a file, a page, a redirect that leads to one), else
 * why not.
 */
static const char *
target(const struct check *ck, const char *path, int hops)
{
	struct route	 rt;
	char		 slash[URI_MAX + 2];
	const char	*why;
	size_t		 alen = strlen(ck->conf->archive);

	if (strncmp(path + 1, ck->conf->archive, alen) == 0 &&
	    path[1 + alen] == '/' && path[2 + alen] != '\0' &&
	    redirected(ck, path + 2 + alen, hops, &why))
		return why;
	switch (archive_route(ck->conf->archive, path, 0, &rt)) {
	case ROUTE_HOME:
	case ROUTE_SEARCH:
	case ROUTE_FEED:
	case ROUTE_TAGS:
		return NULL;
	case ROUTE_INDEX:
		return rt.page == 0 ? NULL : "no such page of the archive";
	case ROUTE_YEAR:
		return have_year(ck, rt.key, rt.keylen) ? NULL :
		    "no statement that year";
	case ROUTE_TAG:
		return have_tag(ck, rt.key, rt.keylen) ? NULL :
		    "no statement has this tag";
	case ROUTE_SLASH:		/* answered with a redirect to "/" */
		if (hops >= CHECK_SLASH_HOPS)
			return "too many redirects";
		snprintf(slash, sizeof(slash), "%s/", path);
		return target(ck, slash, hops + 1);
	case ROUTE_NOT_FOUND:
		return "no such archive page";
	case ROUTE_HIDDEN:
		return "a sidecar (never served)";
	case ROUTE_STATEMENT:
		if (find_stmt(ck, rt.rel) == NULL)
			return tree_target(ck, path) == NULL ? "not a "
			    "statement (a bad name?)" : "no such statement";
		return NULL;
	default:			/* the file tree, attachments */
		return tree_target(ck, path);
	}
}

/* gemini://HOSTNAME[:port]: this capsule (the default port or ours). */
static int
is_ours(const struct check *ck, const struct uri *u)
{
	size_t	 i;

	if (strcmp(u->scheme, "gemini") != 0 ||
	    strcasecmp(u->host, ck->conf->hostname) != 0)
		return 0;
	if (u->port == -1 || u->port == GEMINI_PORT)
		return 1;
	for (i = 0; i < ck->conf->gemini.nlisten; i++)
		if (config_listen_port(&ck->conf->gemini.listen[i]) == u->port)
			return 1;
	return 0;
}

/* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" */
static int
has_scheme(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0 || !((s[0] | 0x20) >= 'a' && (s[0] | 0x20) <= 'z'))
		return 0;
	for (i = 1; i < len; i++) {
		if (s[i] == ':')
			return 1;
		if (!((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z') &&
		    !(s[i] >= '0' && s[i] <= '9') && s[i] != '+' &&
		    s[i] != '-' && s[i] != '.')
			return 0;
	}
	return 0;
}

/*
 * One link of the page at URL path `self`: NULL when it is fine or not
 * ours, else why it is broken.
 */
static const char *
link_broken(const struct check *ck, const char *self, const char *ref,
    size_t len)
{
	static struct uri	 u;
	char			 abs[URI_MAX * 2 + 16];
	const char		*err, *dir_end;
	int			 n;

	if (len > URI_MAX)
		return "link too long";
	if (len == 0 || ref[0] == '#')
		return NULL;		/* this page */
	dir_end = strrchr(self, '/');
	if (has_scheme(ref, len))
		n = snprintf(abs, sizeof(abs), "%.*s", (int)len, ref);
	else if (len >= 2 && ref[0] == '/' && ref[1] == '/')
		n = snprintf(abs, sizeof(abs), "gemini:%.*s", (int)len, ref);
	else if (ref[0] == '/')
		n = snprintf(abs, sizeof(abs), "gemini://%s%.*s",
		    ck->conf->hostname, (int)len, ref);
	else if (ref[0] == '?')		/* this page, with a query */
		n = snprintf(abs, sizeof(abs), "gemini://%s%s%.*s",
		    ck->conf->hostname, self, (int)len, ref);
	else
		n = snprintf(abs, sizeof(abs), "gemini://%s%.*s%.*s",
		    ck->conf->hostname, (int)(dir_end - self + 1), self,
		    (int)len, ref);
	if (n < 0 || (size_t)n >= sizeof(abs))
		return "link too long";
	if (uri_parse(abs, (size_t)n, &u, &err) == -1)
		return has_scheme(ref, len) && strncasecmp(ref, "gemini:", 7)
		    != 0 ? NULL : err;
	if (!is_ours(ck, &u))
		return NULL;
	return target(ck, u.path_decoded, 0);
}

/* The gemtext links of a page (under the root: `path`; URL: `self`). */
static void
check_links(struct check *ck, const char *path, const char *self,
    const char *buf, size_t len)
{
	const char	*p = buf, *end = buf + len, *nl, *l, *r, *why;
	size_t		 ll, rl;
	int		 line = 0, pre = 0;

	for (; p < end; p = nl ? nl + 1 : end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		l = p;
		ll = (size_t)((nl ? nl : end) - p);
		line++;
		if (ll >= 3 && memcmp(l, "```", 3) == 0)
			pre = !pre;
		if (pre || ll < 2 || l[0] != '=' || l[1] != '>')
			continue;
		for (r = l + 2; r < l + ll && (*r == ' ' || *r == '\t'); r++)
			;
		for (rl = 0; r + rl < l + ll && r[rl] != ' ' && r[rl] != '\t'
		    && r[rl] != '\r'; rl++)
			;
		if (rl == 0) {
			report(ck, path, line, "link without a URL");
			continue;
		}
		if ((why = link_broken(ck, self, r, rl)) != NULL)
			report(ck, path, line, "broken link %.*s: %s",
			    (int)(rl > 200 ? 200 : rl), r, why);
	}
}

/* -- the archive as a whole ----------------------------------------------- */

static int
slug_cmp(const void *a, const void *b)
{
	const struct cstmt	*x = *(const struct cstmt *const *)a;
	const struct cstmt	*y = *(const struct cstmt *const *)b;
	int			 c;

	if ((c = strcmp(x->date, y->date)) != 0 ||
	    (c = strcmp(x->slug, y->slug)) != 0)
		return c;
	return strcmp(x->rel, y->rel);
}

/* One date and slug, one statement: x.gmi and x.txt, or two folders. */
static void
check_duplicates(struct check *ck, struct cstmt **by)
{
	char	 p[PATH_MAX];
	size_t	 i;

	for (i = 1; i < ck->nst; i++)
		if (strcmp(by[i - 1]->date, by[i]->date) == 0 &&
		    strcmp(by[i - 1]->slug, by[i]->slug) == 0)
			report(ck, in_archive(ck, by[i]->rel, p), 0,
			    "duplicate slug: the same date and slug as %s",
			    by[i - 1]->rel);
}

/*
 * date-slug.es.gmi needs date-slug.gmi (or .txt) in its folder, as the
 * server links them (lang.h: lang_suffix says which names are
 * translations').
 */
static void
check_translations(struct check *ck, struct cstmt **by)
{
	char		 orig[PATH_MAX], p[PATH_MAX];
	const char	*name;
	size_t		 i, base, dir;

	for (i = 0; i < ck->nst; i++) {
		if (!lang_suffix(by[i]->slug, strlen(by[i]->slug), &base))
			continue;
		name = strrchr(by[i]->rel, '/');
		dir = name != NULL ? (size_t)(name + 1 - by[i]->rel) : 0;
		snprintf(orig, sizeof(orig), "%.*s%s-%.*s.gmi", (int)dir,
		    by[i]->rel, by[i]->date, (int)base, by[i]->slug);
		if (find_stmt(ck, orig) != NULL)
			continue;
		memcpy(orig + strlen(orig) - 4, ".txt", 4);
		if (find_stmt(ck, orig) == NULL)
			report(ck, in_archive(ck, by[i]->rel, p), 0,
			    "translation without its original (%s-%.*s.gmi)",
			    by[i]->date, (int)base, by[i]->slug);
	}
}

/* A sidecar whose statement is gone (renamed?) is read by nothing. */
static void
check_orphans(struct check *ck)
{
	char	 rel[PATH_MAX], p[PATH_MAX];
	size_t	 i, n;

	for (i = 0; i < ck->nini; i++) {
		n = strlen(ck->ini[i]) - 4;
		snprintf(rel, sizeof(rel), "%.*s.gmi", (int)n, ck->ini[i]);
		if (find_stmt(ck, rel) != NULL)
			continue;
		snprintf(rel, sizeof(rel), "%.*s.txt", (int)n, ck->ini[i]);
		if (find_stmt(ck, rel) != NULL)
			continue;
		report(ck, in_archive(ck, ck->ini[i], p), 0, "sidecar without "
		    "a statement (%.*s.gmi or .txt)", (int)n, ck->ini[i]);
	}
}

/* The archive's .redirects: its errors, and where each one ends. */
static void
check_redirects(struct check *ck)
{
	char		 path[PATH_MAX], next[URI_MAX + 1];
	const char	*why;
	ssize_t		 len;
	size_t		 i;

	in_archive(ck, REDIRECTS_FILE, path);
	if ((len = read_file(ck, path, 1)) < 0)
		return;
	if (redirects_parse(ck->buf, (size_t)len, &ck->rd) == -1) {
		ck->nomem = 1;
		return;
	}
	for (i = 0; i < ck->rd.nerrors && i < REDIRECTS_ERRORS_MAX; i++)
		report(ck, path, ck->rd.errors[i].line, "%s",
		    ck->rd.errors[i].msg);
	if (ck->rd.nerrors > REDIRECTS_ERRORS_MAX)
		report(ck, path, 0, "%zu more errors", ck->rd.nerrors -
		    REDIRECTS_ERRORS_MAX);
	/* Only the last of a chain: the others lead to it. */
	for (i = 0; i < ck->rd.n; i++) {
		if (ck->rd.r[i].bad ||
		    redirects_lookup(&ck->rd, ck->rd.r[i].to) != NULL)
			continue;
		if (snprintf(next, sizeof(next), "/%s/%s", ck->conf->archive,
		    ck->rd.r[i].to) >= (int)sizeof(next))
			why = "too long a path";
		else
			why = target(ck, next, 0);
		if (why != NULL)
			report(ck, path, ck->rd.r[i].line, "NEW %s: %s",
			    ck->rd.r[i].to, why);
	}
}

/* The text of statement s: UTF-8, a title, links. */
static void
check_text(struct check *ck, const struct cstmt *s)
{
	struct scan_text	 tx;
	char			 path[PATH_MAX], self[PATH_MAX + 2];
	ssize_t			 len;

	if ((len = read_file(ck, in_archive(ck, s->rel, path), 0)) < 0)
		return;
	check_utf8(ck, path, ck->buf, (size_t)len);
	scan_extract_title(ck->buf, (size_t)len < BUILD_READ_MAX ?
	    (size_t)len : BUILD_READ_MAX, s->is_txt, &tx);
	if (tx.title[0] == '\0' && !s->ini_title)
		report(ck, path, 0, "no title: %s", s->is_txt ? "the text is "
		    "empty (its first line is the title)" : "no \"# \" "
		    "heading (and no title in a sidecar)");
	if (s->is_txt)
		return;
	snprintf(self, sizeof(self), "/%s", path);
	check_links(ck, path, self, ck->buf, (size_t)len);
}

static void
check_page(struct check *ck, const char *rel)
{
	char	 self[PATH_MAX + 2];
	ssize_t	 len;

	if ((len = read_file(ck, rel, 0)) < 0)
		return;
	snprintf(self, sizeof(self), "/%s", rel);
	check_links(ck, rel, self, ck->buf, (size_t)len);
}

/* -- output --------------------------------------------------------------- */

static int
publish_cmp(const void *a, const void *b)
{
	const struct cstmt	*x = *(const struct cstmt *const *)a;
	const struct cstmt	*y = *(const struct cstmt *const *)b;

	if (x->publish != y->publish)
		return (x->publish > y->publish) - (x->publish < y->publish);
	return strcmp(x->rel, y->rel);
}

/* The statements waiting for their moment, soonest first; the drafts. */
static void
print_schedule(struct check *ck, struct cstmt **by)
{
	char	 when[ISODATE_TEXT_MAX + 1], rel[PATH_MAX], abs[PATH_MAX * 2];
	size_t	 i, n = 0;
	time_t	 now = time(NULL);

	for (i = 0; i < ck->nst; i++)
		if (ck->st[i].has_publish && ck->st[i].publish > now)
			by[n++] = &ck->st[i];
	if (n > 0)
		qsort(by, n, sizeof(*by), publish_cmp);
	for (i = 0; i < n; i++) {
		isodate_format(by[i]->publish, when, sizeof(when));
		snprintf(abs, sizeof(abs), "%s/%s", ck->conf->root,
		    in_archive(ck, by[i]->rel, rel));
		printf("scheduled: %s at %s%s\n", cmd_show_path(abs), when,
		    by[i]->draft ? ", but a draft" : "");
	}
	for (i = 0; i < ck->nst; i++) {
		if (!ck->st[i].draft)
			continue;
		snprintf(abs, sizeof(abs), "%s/%s", ck->conf->root,
		    in_archive(ck, ck->st[i].rel, rel));
		printf("draft: %s\n", cmd_show_path(abs));
	}
}

/* -- the command ---------------------------------------------------------- */

static void
check_usage(FILE *fp)
{
	fprintf(fp, "usage: broadside check [-c file]\n");
}

static int
check_help(void)
{
	check_usage(stdout);
	printf("  -c file  configuration (default %s)\n"
	    "Reads the content as the server would and prints each problem "
	    "as\nfile:line: message, the scheduled statements and drafts, "
	    "and a summary.\nExits 1 when there is any problem, else 0.\n",
	    CMD_CONFIG_DEFAULT);
	return 0;
}

/* Everything, in the order the checks need: sidecars before links. */
static int
check_all(struct check *ck)
{
	struct cstmt	**by;
	size_t		 i;

	walk(ck, ck->archfd, "", 0, 1);
	walk(ck, ck->rootfd, "", 0, 0);
	if (ck->nst > 0)
		qsort(ck->st, ck->nst, sizeof(*ck->st), rel_cmp);
	if ((by = calloc(ck->nst + 1, sizeof(*by))) == NULL)
		return -1;
	for (i = 0; i < ck->nst; i++) {
		by[i] = &ck->st[i];
		statement_sidecar(ck, &ck->st[i]);
	}
	collect_groups(ck);
	if (ck->nst > 0)
		qsort(by, ck->nst, sizeof(*by), slug_cmp);
	check_duplicates(ck, by);
	check_translations(ck, by);
	check_orphans(ck);
	check_redirects(ck);
	for (i = 0; i < ck->nst; i++)
		check_text(ck, &ck->st[i]);
	for (i = 0; i < ck->npages; i++)
		check_page(ck, ck->pages[i]);
	print_findings(ck);
	print_schedule(ck, by);
	free(by);
	return ck->nomem ? -1 : 0;
}

static void
check_free(struct check *ck)
{
	size_t	 i;

	for (i = 0; i < ck->nst; i++) {
		free(ck->st[i].rel);
		free(ck->st[i].slug);
		free(ck->st[i].tags);
	}
	free(ck->st);
	for (i = 0; i < ck->nini; i++)
		free(ck->ini[i]);
	free(ck->ini);
	for (i = 0; i < ck->npages; i++)
		free(ck->pages[i]);
	free(ck->pages);
	for (i = 0; i < ck->ntags; i++)
		free(ck->tags[i]);
	free(ck->tags);
	for (i = 0; i < ck->nf; i++) {
		free(ck->f[i].path);
		free(ck->f[i].msg);
	}
	free(ck->f);
	redirects_free(&ck->rd);
	free(ck->buf);
	if (ck->archfd != -1)
		close(ck->archfd);
	if (ck->rootfd != -1)
		close(ck->rootfd);
}

int
cmd_check(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct config	 conf;
	struct check	 ck;
	const char	*path = CMD_CONFIG_DEFAULT;
	int		 ch, rc;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "+c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'h':
			return check_help();
		default:
			check_usage(stderr);
			return CMD_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		check_usage(stderr);
		return CMD_EXIT_USAGE;
	}
	if (cmd_config(path, &conf) == -1)
		return CMD_EXIT_FAIL;
	memset(&ck, 0, sizeof(ck));
	ck.conf = &conf;
	if (cmd_open_archive(&conf, &ck.rootfd, &ck.archfd) == -1) {
		config_free(&conf);
		return CMD_EXIT_FAIL;
	}
	if ((ck.buf = malloc(CHECK_READ_MAX + 1)) == NULL ||
	    check_all(&ck) == -1) {
		fprintf(stderr, "broadside check: out of memory\n");
		rc = CMD_EXIT_FAIL;
	} else {
		printf("%zu statement%s, %zu error%s\n", ck.nst, ck.nst == 1 ?
		    "" : "s", ck.nf, ck.nf == 1 ? "" : "s");
		rc = ck.nf > 0 ? CMD_EXIT_FAIL : 0;
	}
	check_free(&ck);
	config_free(&conf);
	return rc;
}
