/* SPDX-License-Identifier: ISC */
/* broadside: growable byte buffer with a hard size bound. */
#ifndef BROADSIDE_BUF_H
#define BROADSIDE_BUF_H

#include <stddef.h>

/*
 * A buffer grows on demand up to `max` bytes.  The first append that would
 * pass the bound, or that fails to allocate, sets `failed`; every later
 * append is then a no-op returning -1, so a renderer can append freely and
 * check once at the end.  `data` is always NUL-terminated when non-NULL.
 */
struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
	size_t	 max;
	int	 failed;
};

void	 buf_init(struct buf *, size_t max);
int	 buf_append(struct buf *, const void *, size_t);
int	 buf_puts(struct buf *, const char *);
int	 buf_putc(struct buf *, int);
int	 buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* Make room for `n` more bytes without adding them.  0 or -1. */
int	 buf_reserve_more(struct buf *, size_t n);
void	 buf_reset(struct buf *);	/* len = 0, failed = 0, keeps memory */
void	 buf_free(struct buf *);
char	*buf_steal(struct buf *, size_t *len);	/* caller frees; buf is reset */

#endif
