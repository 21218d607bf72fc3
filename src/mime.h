/* SPDX-License-Identifier: ISC */
/* broadside: MIME types, extension table first, libmagic after. */
#ifndef BROADSIDE_MIME_H
#define BROADSIDE_MIME_H

#include <stddef.h>

#define MIME_MAX	128

/* Load libmagic once, before forking workers and dropping privileges. */
int		 mime_init(void);
void		 mime_close(void);

/* The type for a file name from the extension table, or NULL. */
const char	*mime_from_name(const char *name);

/*
 * The type of an open file: extension table, then libmagic on the
 * descriptor, then application/octet-stream.  Never NULL.  `buf` holds the
 * result when it did not come from the static table.
 */
const char	*mime_type(int fd, const char *name, char *buf, size_t len);

/* 1 if `len` bytes are valid UTF-8 (a sequence cut at the end is allowed). */
int		 mime_is_utf8(const char *, size_t len, int allow_cut);

#endif
