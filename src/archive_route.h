/* SPDX-License-Identifier: ISC */
/*
 * broadside: the archive router.  A decoded, normalised request path
 * (Gemini) or selector (Gopher) in, a route out: which generated page,
 * which statement in which rendering, or "not an archive route" (then the
 * file tree serves it).  Pure: no I/O, no protocol, no allocation; both
 * protocols call it, so one URL shape means one thing on both.
 */
#ifndef BROADSIDE_ARCHIVE_ROUTE_H
#define BROADSIDE_ARCHIVE_ROUTE_H

#include <stddef.h>

enum route_kind {
	ROUTE_NONE = 0,		/* not an archive route: the file tree */
	ROUTE_SLASH,		/* a page asked for without its trailing '/' */
	ROUTE_NOT_FOUND,	/* archive-shaped but no such page */
	ROUTE_HIDDEN,		/* metadata (a sidecar): never served */
	ROUTE_HOME,
	ROUTE_INDEX,		/* the archive, page N */
	ROUTE_YEAR,		/* key = "YYYY", page N */
	ROUTE_TAGS,		/* the tag list */
	ROUTE_TAG,		/* key = the tag as in the URL, page N */
	ROUTE_FEED,		/* atom.xml */
	ROUTE_SEARCH,
	ROUTE_STATEMENT,	/* rel = the file under the archive */
	ROUTE_ATTACHMENT,	/* rel = "…/DATE-slug/NAME" under the archive */
};

/* How a statement is asked for: as the protocol's default, or over
 * Gopher with a "0/" (text) or "1/" (menu) item-type prefix. */
enum route_view {
	VIEW_DEFAULT = 0,
	VIEW_TEXT,
	VIEW_MENU,
};

#define ROUTE_GOPHER	0x01	/* the path may start with "/T/" (an item
				   type, RFC 1436 clients' habit) */
#define ROUTE_PAGE_MAX	100000	/* page numbers above are not pages */

struct route {
	enum route_kind	 kind;
	enum route_view	 view;
	char		 type;		/* Gopher item-type prefix, or '\0' */
	const char	*path;		/* the path without a type prefix */
	const char	*key;		/* year or tag (into path), not NUL-ended */
	size_t		 keylen;
	const char	*rel;		/* statement or attachment, NUL-ended */
	long		 page;		/* 0-based */
};

/*
 * Route `path` ("/…", percent-decoded, no dot-segments) for an archive in
 * folder `archive` ("statements") under the root.  Always fills `r`;
 * returns r->kind.
 *
 *   "" "/"                          home (the file tree's index.gmi wins,
 *                                   the caller checks)
 *   "/search"                       search
 *   "/A" "/A/tags" "/A/Y" …         slash (the same without the '/')
 *   "/A/" "/A/page/N/"              index
 *   "/A/atom.xml"                   feed
 *   "/A/tags/"                      tag list
 *   "/A/tags/T/" "…/page/N/"        tag
 *   "/A/YYYY/" "/A/YYYY/page/N/"    year
 *   "/A/…/DATE-slug.gmi|.txt"       statement (at any depth)
 *   "…/DATE-slug.ini" anywhere      hidden
 *   "/A/…/DATE-slug/NAME"           attachment
 *   anything else                   none
 */
enum route_kind	 archive_route(const char *archive, const char *path,
		    int flags, struct route *r);

const char	*archive_route_name(enum route_kind);
/* A page made from the index (not a file of the tree): with no index
 * yet, it is answered with a temporary failure. */
int		 archive_route_generated(enum route_kind);

#endif
