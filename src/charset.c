/* SPDX-License-Identifier: ISC */
/*
 * broadside: UTF-8 to US-ASCII / ISO-8859-1 conversion for Gopher.
 *
 * Old terminals and retro clients read ASCII or Latin-1; statements are
 * written in UTF-8 with typographic punctuation.  Letters of Latin-1
 * Supplement and Latin Extended-A lose their accents, punctuation takes its
 * ASCII form, and anything else becomes '?'.  ISO-8859-1 output keeps every
 * code point up to U+00FF and transliterates the rest the same way (Latin
 * Extended-A letters too: "where it can").
 */
#include <string.h>

#include "charset.h"

/* U+00A0 .. U+00FF in ASCII. */
static const char *const latin1_ascii[96] = {
	" ", "!", "c", "GBP", "?", "JPY", "|", "S",		/* A0 */
	"\"", "(c)", "a", "<<", "-", "", "(R)", "-",		/* A8 */
	"o", "+/-", "2", "3", "'", "u", "P", ".",		/* B0 */
	",", "1", "o", ">>", " 1/4", " 1/2", " 3/4", "?",	/* B8 */
	"A", "A", "A", "A", "A", "A", "AE", "C",		/* C0 */
	"E", "E", "E", "E", "I", "I", "I", "I",			/* C8 */
	"D", "N", "O", "O", "O", "O", "O", "x",			/* D0 */
	"O", "U", "U", "U", "U", "Y", "TH", "ss",		/* D8 */
	"a", "a", "a", "a", "a", "a", "ae", "c",		/* E0 */
	"e", "e", "e", "e", "i", "i", "i", "i",			/* E8 */
	"d", "n", "o", "o", "o", "o", "o", "/",			/* F0 */
	"o", "u", "u", "u", "u", "y", "th", "y",		/* F8 */
};

/*
 * U+0100 .. U+017F: the base letter of each; '*' marks the ligatures
 * handled in ext_a_ascii().
 */
static const char ext_a_base[129] =
	"AaAaAaCcCcCcCcDd"	/* 0100 */
	"DdEeEeEeEeEeGgGg"	/* 0110 */
	"GgGgHhHhIiIiIiIi"	/* 0120 */
	"Ii**JjKkkLlLlLlL"	/* 0130 */
	"lLlNnNnNn*NnOoOo"	/* 0140 */
	"Oo**RrRrRrSsSsSs"	/* 0150 */
	"SsTtTtTtUuUuUuUu"	/* 0160 */
	"UuUuWwYyYZzZzZzs";	/* 0170 */

struct translit {
	uint32_t	 cp;
	const char	*ascii;
};

/* Punctuation and spaces outside Latin-1, sorted by code point. */
static const struct translit punct[] = {
	{ 0x02BC, "'" }, { 0x02C6, "^" }, { 0x02DC, "~" },
	{ 0x2000, " " }, { 0x2001, " " }, { 0x2002, " " }, { 0x2003, " " },
	{ 0x2004, " " }, { 0x2005, " " }, { 0x2006, " " }, { 0x2007, " " },
	{ 0x2008, " " }, { 0x2009, " " }, { 0x200A, " " }, { 0x200B, "" },
	{ 0x200C, "" }, { 0x200D, "" },
	{ 0x2010, "-" }, { 0x2011, "-" }, { 0x2012, "-" }, { 0x2013, "-" },
	{ 0x2014, "--" }, { 0x2015, "--" },
	{ 0x2018, "'" }, { 0x2019, "'" }, { 0x201A, "'" }, { 0x201B, "'" },
	{ 0x201C, "\"" }, { 0x201D, "\"" }, { 0x201E, "\"" }, { 0x201F, "\"" },
	{ 0x2020, "+" }, { 0x2022, "*" }, { 0x2023, "*" }, { 0x2024, "." },
	{ 0x2025, ".." }, { 0x2026, "..." }, { 0x202F, " " },
	{ 0x2032, "'" }, { 0x2033, "\"" }, { 0x2039, "<" }, { 0x203A, ">" },
	{ 0x2043, "-" }, { 0x2044, "/" }, { 0x205F, " " }, { 0x2060, "" },
	{ 0x20AC, "EUR" }, { 0x2122, "(TM)" }, { 0x2190, "<-" },
	{ 0x2192, "->" }, { 0x2212, "-" }, { 0x2260, "!=" }, { 0x2264, "<=" },
	{ 0x2265, ">=" }, { 0x25E6, "o" }, { 0xFEFF, "" },
};

size_t
charset_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	uint32_t	 c, min;
	size_t		 n, i;

	c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
		c &= 0x1F;
		min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		c &= 0x0F;
		min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		c &= 0x07;
		min = 0x10000;
	} else {
		*cp = CHARSET_INVALID;
		return 1;
	}
	for (i = 1; i < n; i++) {
		if (i >= len)
			return 0;	/* valid so far, cut short */
		if ((s[i] & 0xC0) != 0x80) {
			*cp = CHARSET_INVALID;
			return 1;
		}
		c = (c << 6) | (s[i] & 0x3F);
		/* Reject overlong, surrogate and too-large forms early so
		 * that a cut prefix is never reported as valid. */
		if (i == 1 && n == 3 && ((s[0] == 0xE0 && s[1] < 0xA0) ||
		    (s[0] == 0xED && s[1] >= 0xA0))) {
			*cp = CHARSET_INVALID;
			return 1;
		}
		if (i == 1 && n == 4 && ((s[0] == 0xF0 && s[1] < 0x90) ||
		    (s[0] == 0xF4 && s[1] >= 0x90))) {
			*cp = CHARSET_INVALID;
			return 1;
		}
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
		*cp = CHARSET_INVALID;
		return 1;
	}
	*cp = c;
	return n;
}

size_t
charset_char_len(const char *s, size_t len, enum config_charset cs)
{
	uint32_t	 cp;
	size_t		 n;

	if (len == 0)
		return 0;
	if (cs != CHARSET_UTF8)
		return 1;
	n = charset_utf8_decode((const unsigned char *)s, len, &cp);
	return n == 0 ? 1 : n;
}

size_t
charset_width(const char *s, size_t len, enum config_charset cs)
{
	size_t	 i = 0, w = 0;

	while (i < len) {
		i += charset_char_len(s + i, len - i, cs);
		w++;
	}
	return w;
}

static const char *
punct_lookup(uint32_t cp)
{
	size_t	 lo = 0, hi = sizeof(punct) / sizeof(punct[0]), mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (punct[mid].cp == cp)
			return punct[mid].ascii;
		if (punct[mid].cp < cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static const char *
ext_a_ascii(uint32_t cp, char *one)
{
	switch (cp) {
	case 0x0132:
		return "IJ";
	case 0x0133:
		return "ij";
	case 0x0149:
		return "'n";
	case 0x0152:
		return "OE";
	case 0x0153:
		return "oe";
	default:
		one[0] = ext_a_base[cp - 0x100];
		one[1] = '\0';
		return one;
	}
}

/* The ASCII form of a non-ASCII code point, or NULL. */
static const char *
translit(uint32_t cp, char *one)
{
	if (cp >= 0xA0 && cp <= 0xFF)
		return latin1_ascii[cp - 0xA0];
	if (cp >= 0x100 && cp <= 0x17F)
		return ext_a_ascii(cp, one);
	return punct_lookup(cp);
}

void
charset_put_cp(struct buf *b, uint32_t cp, enum config_charset cs)
{
	unsigned char	 u[4];
	const char	*t;
	char		 one[2];

	if (cp == CHARSET_INVALID) {
		buf_putc(b, '?');
		return;
	}
	if (cp < 0x80) {
		buf_putc(b, (int)cp);
		return;
	}
	switch (cs) {
	case CHARSET_UTF8:
		if (cp < 0x800) {
			u[0] = 0xC0 | (cp >> 6);
			u[1] = 0x80 | (cp & 0x3F);
			buf_append(b, u, 2);
		} else if (cp < 0x10000) {
			u[0] = 0xE0 | (cp >> 12);
			u[1] = 0x80 | ((cp >> 6) & 0x3F);
			u[2] = 0x80 | (cp & 0x3F);
			buf_append(b, u, 3);
		} else {
			u[0] = 0xF0 | (cp >> 18);
			u[1] = 0x80 | ((cp >> 12) & 0x3F);
			u[2] = 0x80 | ((cp >> 6) & 0x3F);
			u[3] = 0x80 | (cp & 0x3F);
			buf_append(b, u, 4);
		}
		return;
	case CHARSET_LATIN1:
		if (cp <= 0xFF) {
			buf_putc(b, (int)cp);
			return;
		}
		/* FALLTHROUGH */
	case CHARSET_ASCII:
	default:
		if ((t = translit(cp, one)) != NULL)
			buf_puts(b, t);
		else
			buf_putc(b, '?');
		return;
	}
}

void
charset_convert(struct buf *b, const char *s, size_t len,
    enum config_charset cs)
{
	const unsigned char	*u = (const unsigned char *)s;
	uint32_t		 cp;
	size_t			 i = 0, n, j;

	while (i < len) {
		/* Copy ASCII runs in one go. */
		for (j = i; j < len && u[j] < 0x80; j++)
			;
		if (j > i) {
			buf_append(b, s + i, j - i);
			i = j;
			continue;
		}
		n = charset_utf8_decode(u + i, len - i, &cp);
		if (n == 0) {		/* cut at the end: invalid here */
			cp = CHARSET_INVALID;
			n = 1;
		}
		charset_put_cp(b, cp, cs);
		i += n;
	}
}

void
charset_stream_init(struct charset_stream *st, enum config_charset cs)
{
	memset(st, 0, sizeof(*st));
	st->cs = cs;
}

void
charset_stream_feed(struct charset_stream *st, const char *in, size_t len,
    struct buf *out, int eof)
{
	const unsigned char	*u = (const unsigned char *)in;
	uint32_t		 cp;
	size_t			 i = 0, n;

	/* Complete a sequence carried over from the last chunk. */
	while (st->ncarry > 0 && i < len) {
		st->carry[st->ncarry++] = u[i++];
		n = charset_utf8_decode(st->carry, st->ncarry, &cp);
		if (n == 0)
			continue;
		charset_put_cp(out, cp, st->cs);
		/* An invalid lead consumed one byte: rescan the rest. */
		if (n < st->ncarry) {
			size_t	 rest = st->ncarry - n;
			unsigned char tmp[4];

			memcpy(tmp, st->carry + n, rest);
			st->ncarry = 0;
			charset_stream_feed(st, (const char *)tmp, rest, out,
			    0);
		} else
			st->ncarry = 0;
	}
	while (i < len) {
		if (u[i] < 0x80) {
			buf_putc(out, u[i++]);
			continue;
		}
		n = charset_utf8_decode(u + i, len - i, &cp);
		if (n == 0) {
			memcpy(st->carry, u + i, len - i);
			st->ncarry = len - i;
			break;
		}
		charset_put_cp(out, cp, st->cs);
		i += n;
	}
	if (eof && st->ncarry > 0) {
		/* A cut sequence: one '?' for its lead, then the rest. */
		unsigned char	 tmp[4];
		size_t		 rest = st->ncarry - 1;

		buf_putc(out, '?');
		memcpy(tmp, st->carry + 1, rest);
		st->ncarry = 0;
		charset_stream_feed(st, (const char *)tmp, rest, out, 1);
	}
}
