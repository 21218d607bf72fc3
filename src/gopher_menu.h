/* SPDX-License-Identifier: ISC */
/*
 * broadside: Gopher menus of the file tree.  The Gopher style from the
 * configuration, and the one directory menu every folder gets (the root's
 * generated menu lists its files the same way).
 */
#ifndef BROADSIDE_GOPHER_MENU_H
#define BROADSIDE_GOPHER_MENU_H

#include "render_gopher.h"
#include "request.h"

struct config;

#define GOPHER_TITLES_MAX	64	/* .gmi titles read per listing */

/* Host, port, wrap and charset as configured (sane defaults). */
void	 gopher_style_of(const struct config *, struct gopher_style *);

/*
 * An item per entry of the open directory `dirfd` whose selector is
 * `path` (ending with '/'): folders as 1, gemtext pages by their title as
 * 1 (a dated statement as 0), other files by the MIME type of their
 * extension, 9 when it is unknown (no file is read for it).  Names in
 * `skip` (NULL-terminated, may be NULL) are left out.  At most
 * SITE_PAGE_ITEMS, then an item leading to the paged listing.  0, or -1
 * when the folder cannot be listed.
 */
int	 gopher_dir_items(int dirfd, const char *path,
	    const char *const *skip, const struct gopher_style *,
	    struct buf *);

/*
 * Page `page` (from 1) of the listing of `path`: SITE_PAGE_ITEMS entries
 * as above, with previous and next items ("DIR/.page/N/", site.h).  0;
 * -1 when the folder cannot be listed; -2 when there is no such page.
 */
int	 gopher_dir_page(int dirfd, const char *path, long page,
	    const struct gopher_style *, struct buf *);

#endif
