/* SPDX-License-Identifier: ISC */
/*
 * broadside: UTF-8 to US-ASCII / ISO-8859-1 conversion for Gopher, with
 * transliteration of typographic punctuation and accented Latin letters.
 */
#ifndef BROADSIDE_CHARSET_H
#define BROADSIDE_CHARSET_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "config.h"

#define CHARSET_INVALID	0xFFFFFFFFu	/* utf8_decode: not a valid sequence */

/*
 * Decode one UTF-8 sequence at `s` (`len` > 0 bytes available).  Returns
 * the number of bytes it spans and sets *cp; an invalid byte spans 1 and
 * gives CHARSET_INVALID; a valid prefix cut short by `len` returns 0.
 * Overlong forms, surrogates and code points above U+10FFFF are invalid.
 */
size_t	 charset_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);

/* Byte length of the character starting at s (1 for invalid bytes). */
size_t	 charset_char_len(const char *s, size_t len, enum config_charset);

/* Number of characters in s (UTF-8: code points; others: bytes). */
size_t	 charset_width(const char *s, size_t len, enum config_charset);

/* Append code point `cp` in the charset (transliterated, or '?'). */
void	 charset_put_cp(struct buf *, uint32_t cp, enum config_charset);

/*
 * Append UTF-8 text converted to the charset.  Invalid UTF-8 bytes become
 * '?', for every charset (so UTF-8 output is always valid UTF-8).
 */
void	 charset_convert(struct buf *, const char *s, size_t len,
	    enum config_charset);

/* Streaming conversion: a sequence split between chunks is carried over. */
struct charset_stream {
	enum config_charset	 cs;
	unsigned char		 carry[4];
	size_t			 ncarry;
};

void	 charset_stream_init(struct charset_stream *, enum config_charset);
/* `eof` = 1 flushes a sequence left incomplete as '?'. */
void	 charset_stream_feed(struct charset_stream *, const char *in,
	    size_t len, struct buf *out, int eof);

#endif
