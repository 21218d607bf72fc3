/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2024 The broadside authors.
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
 * WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
 * MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
 * ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
 * WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
 * ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
 * OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
 */

/* broadside: UTF-8 decoding, encoding and validation.  See utf8.h. */

#include "utf8.h"

/*
 * RFC 3629 section 4:
 *	UTF8-2 = %xC2-DF UTF8-tail
 *	UTF8-3 = %xE0 %xA0-BF UTF8-tail / %xE1-EC 2( UTF8-tail ) /
 *		 %xED %x80-9F UTF8-tail / %xEE-EF 2( UTF8-tail )
 *	UTF8-4 = %xF0 %x90-BF 2( UTF8-tail ) / %xF1-F3 3( UTF8-tail ) /
 *		 %xF4 %x80-8F 2( UTF8-tail )
 *	UTF8-tail = %x80-BF
 * Only the second byte has a narrower range: checking it against [lo, hi]
 * refuses overlong forms, surrogates and code points above U+10FFFF before
 * the sequence is complete, so a cut prefix is never taken for valid.
 */
int
utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	unsigned char	 lo = 0x80, hi = 0xbf;
	uint32_t	 c;
	size_t		 n, i;

	if (len == 0)
		return 0;
	c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c < 0xc2)
		return -1;
	if (c < 0xe0) {
		n = 2;
		c &= 0x1f;
	} else if (c < 0xf0) {
		n = 3;
		c &= 0x0f;
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
	} else if (c < 0xf5) {
		n = 4;
		c &= 0x07;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
	} else
		return -1;
	for (i = 1; i < n; i++) {
		if (i >= len)
			return 0;
		if (s[i] < lo || s[i] > hi)
			return -1;
		lo = 0x80;
		hi = 0xbf;
		c = (c << 6) | (s[i] & 0x3f);
	}
	*cp = c;
	return (int)n;
}

size_t
utf8_encode(uint32_t cp, unsigned char *o)
{
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = 0xc0 | (cp >> 6);
		o[1] = 0x80 | (cp & 0x3f);
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = 0xe0 | (cp >> 12);
		o[1] = 0x80 | ((cp >> 6) & 0x3f);
		o[2] = 0x80 | (cp & 0x3f);
		return 3;
	}
	o[0] = 0xf0 | (cp >> 18);
	o[1] = 0x80 | ((cp >> 12) & 0x3f);
	o[2] = 0x80 | ((cp >> 6) & 0x3f);
	o[3] = 0x80 | (cp & 0x3f);
	return 4;
}

int
utf8_valid(const char *s, size_t len)
{
	const unsigned char	*u = (const unsigned char *)s;
	uint32_t		 cp;
	size_t			 i = 0;
	int			 n;

	while (i < len) {
		if (u[i] < 0x80) {	/* most text is ASCII */
			i++;
			continue;
		}
		if ((n = utf8_decode(u + i, len - i, &cp)) <= 0)
			return 0;
		i += (size_t)n;
	}
	return 1;
}

size_t
utf8_cut(const char *s, size_t len, size_t max)
{
	const unsigned char	*u = (const unsigned char *)s;
	uint32_t		 cp;
	size_t			 i;
	int			 n;

	if (len <= max)
		return len;
	if ((u[max] & 0xc0) != 0x80)
		return max;	/* s[max] starts a character, or is invalid */
	/* The lead byte of the sequence holding s[max] is at most 3 back. */
	for (i = max; i > 0 && max - i < UTF8_SEQ_MAX - 1;) {
		i--;
		if ((u[i] & 0xc0) != 0x80) {
			n = utf8_decode(u + i, len - i, &cp);
			return n > 0 && i + (size_t)n > max ? i : max;
		}
	}
	return max;
}
