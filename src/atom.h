/* SPDX-License-Identifier: ISC */
/* broadside: the Atom 1.0 feed (RFC 4287) of the latest statements. */
#ifndef BROADSIDE_ATOM_H
#define BROADSIDE_ATOM_H

#include <stddef.h>

#include "archive_build.h"
#include "buf.h"
#include "render_gemtext.h"

#define ATOM_ENTRIES_MAX	BUILD_FEED_ENTRIES

/* XML (and HTML) character data / attribute value: & < > " ' escaped, bytes XML 1.0
 * forbids (controls but tab, LF, CR; invalid UTF-8) dropped. */
void	 atom_escape(struct buf *, const char *);

/* RFC 3339 UTC time "YYYY-MM-DDThh:mm:ssZ". */
void	 atom_time(struct buf *, long long unixtime);

/*
 * The feed: id and alternate link the archive page, self link
 * `base`+archive+"atom.xml"; at most ATOM_ENTRIES_MAX entries (items
 * newest first) with gemini:// id and link, published (the statement's
 * date, midnight UTC), updated (its correction's date, midnight UTC,
 * else the same as published; never a file's time), summary and author
 * when known.  The feed's own updated is its newest entry's.  0 or -1.
 */
int	 atom_feed(const struct rg_site *, const struct rg_item *, size_t n,
	    struct buf *);

/* Midnight UTC of "YYYY-MM-DD" as Unix time (no validation beyond digits). */
long long atom_date_time(const char *date);

#endif
