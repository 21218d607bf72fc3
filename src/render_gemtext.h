/* SPDX-License-Identifier: ISC */
/*
 * broadside: generated gemtext pages of the archive: home, archive
 * (gemfeed), year, tag, tag list and search results.  Pure functions over
 * arrays of items, writing into a bounded buffer.
 */
#ifndef BROADSIDE_RENDER_GEMTEXT_H
#define BROADSIDE_RENDER_GEMTEXT_H

#include <stddef.h>

#include "buf.h"

struct stmt_version;

#define RG_PAGE_MAX	(60u * 1024)	/* no generated list page is larger (64 KiB
				   less a margin) */
#define RG_HOME_LATEST	10

struct rg_item {
	const char	*date;		/* "YYYY-MM-DD" */
	const char	*title;
	const char	*path;		/* URL path, encoded: "/statements/x.gmi" */
	const char	*summary;	/* may be NULL */
	const char	*author;	/* may be NULL */
	const char	*corrected;	/* "YYYY-MM-DD" of a correction, or
					   NULL (or "") */
	const char	*correction;	/* its note, may be NULL */
	const char	*id_path;	/* the feed id's path when not path:
					   the first name of a statement
					   that moved (.redirects), or NULL */
	const char	*lang;		/* its language (Atom's xml:lang), or
					   NULL: the site's */
	const struct stmt_version *ver;	/* its other versions,
					   listed under it */
	size_t		 nver;
};

struct rg_site {
	const char	*base;		/* "gemini://host" or "gemini://host:port" */
	const char	*title;		/* [server] title */
	const char	*archive;	/* URL path of the archive, "/statements/" */
	const char	*gopher;	/* "gopher://host:port/" or NULL */
	const char	*lang;		/* [server] lang, or NULL */
};

/* "=> URL LABEL\n": the label made one line. */
void	 rg_link(struct buf *, const char *base, const char *path,
	    const char *label);
/*
 * "=> URL YYYY-MM-DD Title\n", a gemfeed entry; a corrected statement's
 * title ends with " (corrected YYYY-MM-DD)" and its note follows, on a
 * text line "Correction: …".  The date stays the statement's: it keeps
 * its place in every list.  Its other versions follow, a link each with
 * no date (no gemfeed entry): "=> URL español: Título".
 */
void	 rg_entry(struct buf *, const struct rg_site *, const struct rg_item *);
/*
 * Text made one gemtext text line (no leading line-type marker): a run of
 * control characters (C0, DEL, C1) is one space, an invalid UTF-8 byte is
 * U+FFFD, so that nothing reaches a reader's terminal but text.
 */
void	 rg_text(struct buf *, const char *);

/* The home page: title, the latest RG_HOME_LATEST, links. */
int	 rg_home(const struct rg_site *, const struct rg_item *, size_t n,
	    struct buf *);

/*
 * Every page but the home page ends with a link home ("=> / Home"); page
 * titles are what the page is ("All statements", "2025", "Tag: x"), the
 * site's title being the home page's.
 */

/*
 * The archive page, a gemfeed: "# All statements", then "## YYYY" groups
 * newest first, as long as the page stays under `budget` bytes; the years
 * that do not fit are listed as links to their year pages
 * ("/statements/YYYY/").  Items must be sorted newest first.
 */
int	 rg_archive(const struct rg_site *, const struct rg_item *, size_t n,
	    size_t budget, struct buf *);

/*
 * A list page ("# heading" then entries) holding as many items as fit in
 * `budget` bytes (at least one); `prev`/`next` are URL paths of the
 * neighbour pages or NULL.  Returns the number of items written.
 */
size_t	 rg_list(const struct rg_site *, const char *heading,
	    const char *intro, const struct rg_item *, size_t n, size_t budget,
	    const char *prev, const char *next, struct buf *);

enum rg_group_kind {
	RG_YEAR,
	RG_TAG,
};

/*
 * Page `page` (from 1) of a year or a tag: rg_list() headed "# 2025" or
 * "# Tag: x" (", page 2" after the first), the first page with an intro
 * line ("Statements of 2025.", "Statements tagged x.").
 */
size_t	 rg_group(const struct rg_site *, enum rg_group_kind,
	    const char *key, size_t page, const struct rg_item *, size_t n,
	    size_t budget, const char *prev, const char *next, struct buf *);

/* The tag list: "=> /statements/tags/NAME/ LABEL (N)" (a name folded,
 * its label as the publisher wrote it). */
int	 rg_tags(const struct rg_site *, const char *const *names,
	    const char *const *labels, const size_t *counts, size_t n,
	    struct buf *);

/* Search results: snippets[i] may be "" (none). */
int	 rg_search(const struct rg_site *, const char *query,
	    const struct rg_item *, const char *const *snippets, size_t n,
	    size_t total, struct buf *);

/* A search page with a message instead of results ("# Search", text). */
int	 rg_search_notice(const char *text, struct buf *);

/* What the footer of a statement tells, below its words. */
struct rg_footer {
	const char	*date;		/* "YYYY-MM-DD" */
	const char	*corrected;	/* "YYYY-MM-DD", or NULL or "" */
	const char	*correction;	/* its note, may be NULL */
	const char	*attachments;	/* the list (archive_build.h:
					   attach_next), or NULL */
	const char	*attach_url;	/* URL path of their folder, encoded,
					   with its final '/' */
	const struct stmt_version *ver;	/* the other versions */
	size_t		 nver;
};

/*
 * A statement over Gemini: its text as written, byte for byte, then
 * (when `f` is not NULL) the footer, apart from it:
 *
 *	(a newline, when the text does not end with one)
 *	(a "```" line, when the text leaves a preformatted block open)
 *	(a blank line)
 *	---
 *	Date: 2025-06-09
 *	Corrected 2025-06-12: the note
 *	Other languages:
 *	=> /statements/2025-06-09-slug.es.gmi español
 *	Attachments:
 *	=> /statements/2025-06-09-slug/report.pdf report.pdf (application/pdf, 1.2 MiB)
 *	(a blank line)
 *	=> /statements/ All statements
 *	=> / Home
 *
 * "---" is a text line (gemtext has no rule): every client shows it as
 * written.  No heading, so the footer stays out of a client's outline.
 * 0, or -1 when the buffer failed.
 */
int	 rg_statement(const struct rg_site *, const char *text, size_t len,
	    const struct rg_footer *f, struct buf *);

/* A size as a reader reads it: "512 bytes", "12.3 KiB", "4.0 MiB". */
void	 rg_size(char *out, size_t outsz, unsigned long long bytes);

#endif
