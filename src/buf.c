/* SPDX-License-Identifier: ISC */
/* broadside: growable byte buffer with a hard size bound. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

#define BUF_MIN_CAP	256

void
buf_init(struct buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

static int
buf_reserve(struct buf *b, size_t extra)
{
	size_t	 need, ncap;
	char	*p;

	if (b->failed)
		return -1;
	if (extra > b->max || b->len > b->max - extra) {
		b->failed = 1;
		return -1;
	}
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : BUF_MIN_CAP;
	while (ncap < need)
		ncap *= 2;
	if (ncap > b->max + 1)
		ncap = b->max + 1;
	if ((p = realloc(b->data, ncap)) == NULL) {
		b->failed = 1;
		return -1;
	}
	b->data = p;
	b->cap = ncap;
	return 0;
}

int
buf_reserve_more(struct buf *b, size_t n)
{
	return buf_reserve(b, n);
}

int
buf_append(struct buf *b, const void *p, size_t n)
{
	if (buf_reserve(b, n) == -1)
		return -1;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int
buf_putc(struct buf *b, int c)
{
	char	 ch = (char)c;

	return buf_append(b, &ch, 1);
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	if (b->failed)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_reserve(b, (size_t)n) == -1) {
		b->failed = 1;
		return -1;
	}
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	b->failed = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

void
buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b, b->max);
}

char *
buf_steal(struct buf *b, size_t *len)
{
	char	*p = b->data;

	if (len != NULL)
		*len = b->len;
	buf_init(b, b->max);
	return p;
}
