/* SPDX-License-Identifier: ISC */
/*
 * broadside: MIME types.  The extension table answers for almost every file
 * a capsule holds; libmagic is consulted only for the rest, on the
 * descriptor already open.  The magic database is loaded once in the parent
 * before the workers fork, so they share it.
 */
#include <sys/types.h>

#include <magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "mime.h"
#include "utf8.h"

struct mime_ext {
	const char	*ext;
	const char	*type;
};

/* Sorted by extension for bsearch. */
static const struct mime_ext mime_table[] = {
	{ "atom",	"application/atom+xml" },
	{ "avif",	"image/avif" },
	{ "bmp",	"image/bmp" },
	{ "css",	"text/css" },
	{ "csv",	"text/csv" },
	{ "epub",	"application/epub+zip" },
	{ "flac",	"audio/flac" },
	{ "gem",	"text/gemini" },
	{ "gemini",	"text/gemini" },
	{ "gif",	"image/gif" },
	{ "gmi",	"text/gemini" },
	{ "gz",		"application/gzip" },
	{ "htm",	"text/html" },
	{ "html",	"text/html" },
	{ "ico",	"image/vnd.microsoft.icon" },
	{ "jpeg",	"image/jpeg" },
	{ "jpg",	"image/jpeg" },
	{ "js",		"text/javascript" },
	{ "json",	"application/json" },
	{ "m4a",	"audio/mp4" },
	{ "md",		"text/markdown" },
	{ "mp3",	"audio/mpeg" },
	{ "mp4",	"video/mp4" },
	{ "oga",	"audio/ogg" },
	{ "ogg",	"audio/ogg" },
	{ "opus",	"audio/ogg" },
	{ "pdf",	"application/pdf" },
	{ "png",	"image/png" },
	{ "rss",	"application/rss+xml" },
	{ "svg",	"image/svg+xml" },
	{ "tar",	"application/x-tar" },
	{ "txt",	"text/plain" },
	{ "wav",	"audio/wav" },
	{ "webm",	"video/webm" },
	{ "webp",	"image/webp" },
	{ "xml",	"application/xml" },
	{ "zip",	"application/zip" },
};

static magic_t	 mime_magic;

int
mime_init(void)
{
	char	 probe[] = "#!/bin/sh\n";
	int	 fds[2];

	if (mime_magic != NULL)
		return 0;
	if ((mime_magic = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS |
	    MAGIC_ERROR)) == NULL)
		return -1;
	if (magic_load(mime_magic, NULL) == -1) {
		magic_close(mime_magic);
		mime_magic = NULL;
		return -1;
	}
	/*
	 * libmagic builds its tables on the first lookup: do one now, before
	 * the workers fork, so that memory is shared rather than copied.
	 */
	if (pipe(fds) == 0) {
		if (write(fds[1], probe, sizeof(probe) - 1) > 0) {
			close(fds[1]);
			fds[1] = -1;
			(void)magic_descriptor(mime_magic, fds[0]);
		}
		close(fds[0]);
		if (fds[1] != -1)
			close(fds[1]);
	}
	return 0;
}

void
mime_close(void)
{
	if (mime_magic != NULL)
		magic_close(mime_magic);
	mime_magic = NULL;
}

static int
ext_cmp(const void *key, const void *elem)
{
	const struct mime_ext	*e = elem;

	return strcasecmp(key, e->ext);
}

const char *
mime_from_name(const char *name)
{
	const struct mime_ext	*e;
	const char		*dot, *slash;

	slash = strrchr(name, '/');
	name = slash ? slash + 1 : name;
	/* Feeds by their conventional names; other XML stays generic. */
	if (strcasecmp(name, "atom.xml") == 0 || strcasecmp(name, "feed.xml") == 0)
		return "application/atom+xml";
	dot = strrchr(name, '.');
	if (dot == NULL || dot[1] == '\0' || strlen(dot + 1) > 8)
		return NULL;
	e = bsearch(dot + 1, mime_table, sizeof(mime_table) /
	    sizeof(mime_table[0]), sizeof(mime_table[0]), ext_cmp);
	return e ? e->type : NULL;
}

const char *
mime_type(int fd, const char *name, char *buf, size_t len)
{
	const char	*t;

	if ((t = mime_from_name(name)) != NULL)
		return t;
	if (mime_magic != NULL && fd != -1) {
		t = magic_descriptor(mime_magic, fd);
		lseek(fd, 0, SEEK_SET);
		if (t != NULL && strchr(t, '/') != NULL &&
		    strlen(t) < len && strlen(t) < MIME_MAX) {
			snprintf(buf, len, "%s", t);
			return buf;
		}
	}
	return "application/octet-stream";
}

int
mime_is_utf8(const char *s, size_t len, int allow_cut)
{
	const unsigned char	*p = (const unsigned char *)s;
	uint32_t		 cp;
	size_t			 i = 0;
	int			 n;

	while (i < len) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((n = utf8_decode(p + i, len - i, &cp)) < 0)
			return 0;
		if (n == 0)	/* a valid start cut by the end of the head */
			return allow_cut;
		i += (size_t)n;
	}
	return 1;
}
