/* SPDX-License-Identifier: ISC */
/*
 * broadside: UTF-8 (RFC 3629), the one decoder, encoder and validator of
 * the server.  Pure functions, no state.
 */
#ifndef BROADSIDE_UTF8_H
#define BROADSIDE_UTF8_H

#include <stddef.h>
#include <stdint.h>

#define UTF8_SEQ_MAX	4	/* bytes of the longest sequence */

/*
 * Decode the sequence at s, with len bytes available.  Returns its length
 * (1 to 4) and sets *cp; -1 when s does not start a well-formed sequence
 * (a stray continuation byte, C0, C1, F5..FF, an overlong form, a
 * surrogate, a code point above U+10FFFF: skip one byte and go on); 0 when
 * len is 0 or the bytes so far are a valid start of a sequence that len
 * cuts short (a streaming caller waits for more).  *cp is set only when
 * the result is positive.
 */
int	 utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);

/*
 * Encode code point cp (at most U+10FFFF, not a surrogate: the caller's
 * promise) into out, which has room for UTF8_SEQ_MAX bytes.  Returns the
 * number of bytes written.
 */
size_t	 utf8_encode(uint32_t cp, unsigned char *out);

/* 1 if the len bytes of s are well-formed UTF-8 (a cut end is not). */
int	 utf8_valid(const char *s, size_t len);

/*
 * The largest length <= max that does not split a character of s: len
 * when len <= max, else max backed up to the start of the well-formed
 * sequence that spans it, if one does.  Invalid bytes are cut anywhere.
 */
size_t	 utf8_cut(const char *s, size_t len, size_t max);

#endif
