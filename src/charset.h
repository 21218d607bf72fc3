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
#include "utf8.h"

/* Byte length of the character starting at s (1 for invalid bytes). */
size_t	 charset_char_len(const char *s, size_t len, enum config_charset);

/* Number of characters in s (UTF-8: code points; others: bytes). */
size_t	 charset_width(const char *s, size_t len, enum config_charset);

/*
 * 1 for the control characters no Gopher output carries: C0 but TAB, LF
 * and CR; DEL; C1 (U+0080..U+009F: 8-bit CSI, OSC... to a terminal).
 */
int	 charset_is_control(uint32_t cp);

/*
 * Append code point `cp` (a Unicode scalar value) in the charset
 * (transliterated, or '?'); a control (charset_is_control) becomes ' '.
 */
void	 charset_put_cp(struct buf *, uint32_t cp, enum config_charset);

/*
 * Append UTF-8 text converted to the charset.  Invalid UTF-8 bytes become
 * '?', for every charset (so UTF-8 output is always valid UTF-8), and
 * controls ' ' (charset_put_cp): the output is text for a terminal.
 */
void	 charset_convert(struct buf *, const char *s, size_t len,
	    enum config_charset);

/*
 * Text a Gopher client typed (a search query), as UTF-8.  utf-8: kept
 * when it is valid UTF-8, else read as Latin-1 (clients in Latin-1
 * terminals are common).  latin1, ascii: kept when it is valid UTF-8
 * holding non-ASCII bytes (a modern client), else each byte >= 0x80 read
 * as Latin-1.  Written to out NUL-terminated, *outlen (may be NULL) set
 * to its length; 2 * len + 1 bytes always suffice.  0, or -1 when it does
 * not fit in outsz.  Pure.
 */
int	 charset_input_to_utf8(enum config_charset, const char *in,
	    size_t len, char *out, size_t outsz, size_t *outlen);

/* Streaming conversion: a sequence split between chunks is carried over. */
struct charset_stream {
	enum config_charset	 cs;
	unsigned char		 carry[UTF8_SEQ_MAX];
	size_t			 ncarry;
};

typedef void	(*charset_cp_fn)(void *arg, uint32_t cp);

void	 charset_stream_init(struct charset_stream *, enum config_charset);
/*
 * Decode a chunk: `put` is given each code point in order, '?' for an
 * invalid byte.  `eof` = 1 flushes a sequence left incomplete as '?'.
 */
void	 charset_stream_decode(struct charset_stream *, const char *in,
	    size_t len, int eof, charset_cp_fn put, void *arg);
/* The same, each code point appended with charset_put_cp(). */
void	 charset_stream_feed(struct charset_stream *, const char *in,
	    size_t len, struct buf *out, int eof);

#endif
