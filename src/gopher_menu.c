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

static char
entry_type(int dirfd, const struct site_dirent *d)
{
	struct site_entry	 e;
	const char		*mime;
	char			 mbuf[MIME_MAX];
	char			 t;

	if (d->is_dir)
		return '1';
	if (is_gemtext(d->name))
		return gopher_gmi_is_text(d->name) ? '0' : '1';
	if ((mime = mime_from_name(d->name)) != NULL)
		return gopher_type_for_mime(mime);
	if (site_open_in(dirfd, d->name, &e) == -1)
		return '9';
	mime = mime_type(e.fd, d->name, mbuf, sizeof(mbuf));
	t = gopher_type_for_mime(mime);
	close(e.fd);
	return t;
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

int
gopher_dir_items(int dirfd, const char *path, const char *const *skip,
    const struct gopher_style *gs, struct buf *b)
{
	struct site_dirent	*ents;
	struct scan_text	 tx;
	char			 sel[SELECTOR_MAX];
	const char		*display;
	size_t			 n, i, titles = 0;

	if (site_list_dir(dirfd, &ents, &n) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		/* A selector is raw bytes; only a line break or a TAB in
		 * a name cannot be carried. */
		if (skipped(ents[i].name, skip) ||
		    strpbrk(ents[i].name, "\t\r\n") != NULL)
			continue;
		if (snprintf(sel, sizeof(sel), "%s%s%s", path, ents[i].name,
		    ents[i].is_dir ? "/" : "") >= (int)sizeof(sel))
			continue;
		display = ents[i].name;
		if (!ents[i].is_dir && is_gemtext(ents[i].name) &&
		    titles++ < GOPHER_TITLES_MAX) {
			page_title(dirfd, ents[i].name, &tx);
			if (tx.title[0] != '\0')
				display = tx.title;
		}
		gopher_item(b, entry_type(dirfd, &ents[i]), display, sel, gs);
	}
	free(ents);
	return 0;
}
