/* SPDX-License-Identifier: ISC */
/* broadside: Gopher menus of the file tree (see gopher_menu.h). */
#include <sys/types.h>
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive_scan.h"
#include "config.h"
#include "gopher_menu.h"
#include "mime.h"
#include "site.h"

#define TITLE_READ_MAX	2048	/* bytes read to find a page's heading */
#define SELECTOR_MAX	(1024 + SITE_NAME_MAX + 2)

void
gopher_style_of(const struct config *conf, struct gopher_style *st)
{
	memset(st, 0, sizeof(*st));
	st->host = conf->hostname && *conf->hostname ? conf->hostname :
	    "localhost";
	st->port = conf->gopher_port > 0 ? conf->gopher_port : 70;
	st->wrap = conf->wrap > 0 ? conf->wrap : 70;
	st->charset = conf->charset;
}

static int
is_gemtext(const char *name)
{
	const char	*mime = mime_from_name(name);

	return mime != NULL && strcmp(mime, "text/gemini") == 0;
}

/*
 * By the name only: libmagic would read every file of the folder on the
 * event loop.  A file whose extension is unknown (or that has none) is
 * listed as binary ('9'); asked for, it is still served by its content.
 */
static char
entry_type(const struct site_dirent *d)
{
	if (d->is_dir)
		return '1';
	if (is_gemtext(d->name))
		return gopher_gmi_is_text(d->name) ? '0' : '1';
	return gopher_type_for_mime(mime_from_name(d->name));
}

/* A gemtext page's first heading, or "" (read no more than its top). */
static void
page_title(int dirfd, const char *name, struct scan_text *tx)
{
	struct site_entry	 e;
	char			 buf[TITLE_READ_MAX];
	ssize_t			 n;

	tx->title[0] = '\0';
	if (site_open_in(dirfd, name, &e) == -1)
		return;
	if ((n = pread(e.fd, buf, sizeof(buf), 0)) > 0)
		scan_extract_title(buf, (size_t)n, 0, tx);
	close(e.fd);
}

static int
skipped(const char *name, const char *const *skip)
{
	for (; skip != NULL && *skip != NULL; skip++)
		if (strcmp(name, *skip) == 0)
			return 1;
	return 0;
}

/*
 * The folder's entries that can be listed, in order: not in `skip`, no
 * TAB or line break (a selector cannot carry them), and a selector that
 * fits.  NULL with *n 0 on an empty folder; -1 when it cannot be read.
 */
static int
listable(int dirfd, const char *path, const char *const *skip,
    struct site_dirent **out, size_t *n)
{
	struct site_dirent	*ents;
	size_t			 i, k = 0, total, plen = strlen(path);

	if (site_list_dir(dirfd, &ents, &total) == -1)
		return -1;
	for (i = 0; i < total; i++) {
		if (skipped(ents[i].name, skip) ||
		    strpbrk(ents[i].name, "\t\r\n") != NULL ||
		    plen + strlen(ents[i].name) + 2 > SELECTOR_MAX)
			continue;
		if (k != i)
			ents[k] = ents[i];
		k++;
	}
	*out = ents;
	*n = k;
	return 0;
}

/* Items for ents[from..to): .gmi pages by their title (GOPHER_TITLES_MAX
 * read at most), the rest by name. */
static void
items(int dirfd, const char *path, const struct site_dirent *ents,
    size_t from, size_t to, const struct gopher_style *gs, struct buf *b)
{
	struct scan_text	 tx;
	char			 sel[SELECTOR_MAX];
	const char		*display;
	size_t			 i, titles = 0;

	for (i = from; i < to; i++) {
		snprintf(sel, sizeof(sel), "%s%s%s", path, ents[i].name,
		    ents[i].is_dir ? "/" : "");
		display = ents[i].name;
		if (!ents[i].is_dir && is_gemtext(ents[i].name) &&
		    titles++ < GOPHER_TITLES_MAX) {
			page_title(dirfd, ents[i].name, &tx);
			if (tx.title[0] != '\0')
				display = tx.title;
		}
		gopher_item(b, entry_type(&ents[i]), display, sel, gs);
	}
}

/* The selector of page `page` of the listing of `path`. */
static void
page_selector(char *sel, size_t len, const char *path, long page)
{
	if (page <= 1)
		snprintf(sel, len, "%s", path);
	else
		snprintf(sel, len, "%s.page/%ld/", path, page);
}

int
gopher_dir_items(int dirfd, const char *path, const char *const *skip,
    const struct gopher_style *gs, struct buf *b)
{
	struct site_dirent	*ents;
	char			 sel[SELECTOR_MAX], line[80];
	size_t			 n;

	if (listable(dirfd, path, skip, &ents, &n) == -1)
		return -1;
	items(dirfd, path, ents, 0, n < SITE_PAGE_ITEMS ? n :
	    SITE_PAGE_ITEMS, gs, b);
	if (n > SITE_PAGE_ITEMS) {
		/* The full listing, paged, lists every entry. */
		snprintf(sel, sizeof(sel), "%s.page/1/", path);
		snprintf(line, sizeof(line), "All %zu files and folders", n);
		gopher_item(b, '1', line, sel, gs);
	}
	free(ents);
	return 0;
}

int
gopher_dir_page(int dirfd, const char *path, long page,
    const struct gopher_style *gs, struct buf *b)
{
	struct site_dirent	*ents;
	char			 sel[SELECTOR_MAX], line[80];
	size_t			 n, from, to, pages;

	if (listable(dirfd, path, NULL, &ents, &n) == -1)
		return -1;
	pages = n == 0 ? 1 : (n + SITE_PAGE_ITEMS - 1) / SITE_PAGE_ITEMS;
	if (page < 1 || (size_t)page > pages) {
		free(ents);
		return -2;
	}
	from = (size_t)(page - 1) * SITE_PAGE_ITEMS;
	to = from + SITE_PAGE_ITEMS < n ? from + SITE_PAGE_ITEMS : n;
	if (pages > 1) {
		snprintf(line, sizeof(line), "Page %ld of %zu (%zu entries)",
		    page, pages, n);
		gopher_info(b, line, gs);
	}
	if (page > 1) {
		page_selector(sel, sizeof(sel), path, page - 1);
		gopher_item(b, '1', "Previous page", sel, gs);
	}
	items(dirfd, path, ents, from, to, gs, b);
	if ((size_t)page < pages) {
		page_selector(sel, sizeof(sel), path, page + 1);
		gopher_item(b, '1', "Next page", sel, gs);
	}
	free(ents);
	return 0;
}
