/* SPDX-License-Identifier: ISC */
/*
 * broadside: the archive router (see archive_route.h).  A table of URL
 * shapes walked once over the path; nothing here knows a protocol, a
 * snapshot or the disk.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "archive_route.h"

#define DATE_PREFIX_LEN	11	/* "YYYY-MM-DD-" */

/* Item types a Gopher selector may start with, as in "0/x" or "1/dir/". */
static const char gopher_types[] = "0123456789+IghisdpPTcM;";

static enum route_kind
set(struct route *r, enum route_kind kind)
{
	r->kind = kind;
	return kind;
}

static int
is_digits(const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* "YYYY-MM-DD-x…": the shape of a statement's name (the date is checked
 * by the index, which knows the calendar). */
static int
dated(const char *name, size_t len)
{
	return len > DATE_PREFIX_LEN && is_digits(name, 4) && name[4] == '-' &&
	    is_digits(name + 5, 2) && name[7] == '-' &&
	    is_digits(name + 8, 2) && name[10] == '-';
}

static int
ends_with(const char *s, size_t len, const char *suffix)
{
	size_t	 n = strlen(suffix);

	return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

/*
 * After a page's own URL: "" (needs the slash), "/" (page 0), or
 * "/page/N/" (page N-1).  Anything else is no such page.
 */
static enum route_kind
paged(struct route *r, enum route_kind kind, const char *rest)
{
	char	*end;
	long	 v;

	r->page = 0;
	if (*rest == '\0')
		return set(r, ROUTE_SLASH);
	if (strcmp(rest, "/") == 0)
		return set(r, kind);
	if (strncmp(rest, "/page/", 6) != 0)
		return set(r, ROUTE_NOT_FOUND);
	rest += 6;
	if (*rest < '1' || *rest > '9')
		return set(r, ROUTE_NOT_FOUND);
	errno = 0;
	v = strtol(rest, &end, 10);
	if (errno != 0 || v < 1 || v > ROUTE_PAGE_MAX)
		return set(r, ROUTE_NOT_FOUND);
	if (*end == '\0')
		return set(r, ROUTE_SLASH);
	if (strcmp(end, "/") != 0)
		return set(r, ROUTE_NOT_FOUND);
	r->page = v - 1;
	return set(r, kind);
}

/* "/T/…" over Gopher: the item type a client put before the selector. */
static void
strip_type(struct route *r, const char *path)
{
	r->path = path;
	if (path[0] != '/' || path[1] == '\0' || path[2] != '/' ||
	    strchr(gopher_types, path[1]) == NULL)
		return;
	r->type = path[1];
	r->path = path + 2;
	if (r->type == '0')
		r->view = VIEW_TEXT;
	else if (r->type == '1')
		r->view = VIEW_MENU;
}

/*
 * A file inside the archive (rel is what follows "/A/"): a statement, a
 * sidecar, an attachment (under a folder named like a statement), or a
 * plain file of the file tree.
 */
static enum route_kind
in_archive(struct route *r, const char *rel)
{
	const char	*name, *slash, *dir;
	size_t		 len;

	r->rel = rel;
	name = strrchr(rel, '/');
	name = name != NULL ? name + 1 : rel;
	len = strlen(name);
	if (dated(name, len)) {
		if (ends_with(name, len, ".gmi") || ends_with(name, len, ".txt"))
			return set(r, ROUTE_STATEMENT);
		if (ends_with(name, len, ".ini"))
			return set(r, ROUTE_HIDDEN);
	}
	/* Any folder on the way named like a statement holds attachments. */
	for (dir = rel; (slash = strchr(dir, '/')) != NULL; dir = slash + 1)
		if (dated(dir, (size_t)(slash - dir)) &&
		    memchr(dir, '.', (size_t)(slash - dir)) == NULL)
			return set(r, ROUTE_ATTACHMENT);
	return set(r, ROUTE_NONE);
}

/* A statement's metadata by its name, wherever it is asked for (a link
 * to the archive folder elsewhere in the tree reaches it too). */
static int
sidecar_named(const char *path)
{
	const char	*name = strrchr(path, '/');
	size_t		 len;

	name = name != NULL ? name + 1 : path;
	len = strlen(name);
	return ends_with(name, len, ".ini") && dated(name, len);
}

/* "tags…" after "/A/". */
static enum route_kind
tags(struct route *r, const char *rest)
{
	const char	*key, *slash;

	if (*rest == '\0')
		return set(r, ROUTE_SLASH);
	if (strcmp(rest, "/") == 0)
		return set(r, ROUTE_TAGS);
	key = rest + 1;
	if ((slash = strchr(key, '/')) == NULL)
		slash = key + strlen(key);
	if (slash == key)
		return set(r, ROUTE_NOT_FOUND);
	r->key = key;
	r->keylen = (size_t)(slash - key);
	return paged(r, ROUTE_TAG, slash);
}

enum route_kind
archive_route(const char *archive, const char *path, int flags,
    struct route *r)
{
	const char	*p, *rest;
	size_t		 alen = strlen(archive);

	memset(r, 0, sizeof(*r));
	r->path = path;
	if (flags & ROUTE_GOPHER)
		strip_type(r, path);
	p = r->path;
	if (*p == '\0' || strcmp(p, "/") == 0)
		return set(r, ROUTE_HOME);
	if (strcmp(p, "/search") == 0)
		return set(r, ROUTE_SEARCH);
	if (sidecar_named(p))
		return set(r, ROUTE_HIDDEN);	/* whatever the folder says */
	if (alen == 0 || p[0] != '/' || strncmp(p + 1, archive, alen) != 0)
		return set(r, ROUTE_NONE);
	rest = p + 1 + alen;
	if (*rest != '\0' && *rest != '/')
		return set(r, ROUTE_NONE);	/* "/statementsX" */
	if (*rest == '\0' || strcmp(rest, "/") == 0 ||
	    strncmp(rest, "/page/", 6) == 0)
		return paged(r, ROUTE_INDEX, rest);
	rest++;
	if (strcmp(rest, "atom.xml") == 0)
		return set(r, ROUTE_FEED);
	if (strncmp(rest, "tags", 4) == 0 && (rest[4] == '\0' ||
	    rest[4] == '/'))
		return tags(r, rest + 4);
	if (is_digits(rest, 4) && (rest[4] == '\0' || rest[4] == '/') &&
	    (rest[4] == '\0' || rest[5] == '\0' ||
	    strncmp(rest + 4, "/page/", 6) == 0)) {
		r->key = rest;
		r->keylen = 4;
		return paged(r, ROUTE_YEAR, rest + 4);
	}
	return in_archive(r, rest);
}

const char *
archive_route_name(enum route_kind k)
{
	static const char *const names[] = {
		[ROUTE_NONE] = "none", [ROUTE_SLASH] = "slash",
		[ROUTE_NOT_FOUND] = "not-found", [ROUTE_HIDDEN] = "hidden",
		[ROUTE_HOME] = "home", [ROUTE_INDEX] = "index",
		[ROUTE_YEAR] = "year", [ROUTE_TAGS] = "tags",
		[ROUTE_TAG] = "tag", [ROUTE_FEED] = "feed",
		[ROUTE_SEARCH] = "search", [ROUTE_STATEMENT] = "statement",
		[ROUTE_ATTACHMENT] = "attachment",
	};

	if ((unsigned)k >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[k];
}

int
archive_route_generated(enum route_kind k)
{
	switch (k) {
	case ROUTE_HOME:
	case ROUTE_INDEX:
	case ROUTE_YEAR:
	case ROUTE_TAGS:
	case ROUTE_TAG:
	case ROUTE_FEED:
	case ROUTE_SEARCH:
	case ROUTE_NOT_FOUND:
		return 1;
	default:
		return 0;
	}
}
