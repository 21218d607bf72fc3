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
#include "utf8.h"

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
charset_char_len(const char *s, size_t len, enum config_charset cs)
{
	uint32_t	 cp;
	int		 n;

	if (len == 0)
		return 0;
	if (cs != CHARSET_UTF8)
		return 1;
	n = utf8_decode((const unsigned char *)s, len, &cp);
	return n > 0 ? (size_t)n : 1;
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

int
charset_is_control(uint32_t cp)
{
	return (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') ||
	    (cp >= 0x7f && cp <= 0x9f);
}

void
charset_put_cp(struct buf *b, uint32_t cp, enum config_charset cs)
{
	unsigned char	 u[UTF8_SEQ_MAX];
	const char	*t;
	char		 one[2];

	if (charset_is_control(cp)) {
		buf_putc(b, ' ');
		return;
	}
	if (cp < 0x80) {
		buf_putc(b, (int)cp);
		return;
	}
	switch (cs) {
	case CHARSET_UTF8:
		buf_append(b, u, utf8_encode(cp, u));
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
	size_t			 i = 0, j;
	int			 n;

	while (i < len) {
		/* Copy runs of printable ASCII in one go. */
		for (j = i; j < len && u[j] < 0x80 &&
		    !charset_is_control(u[j]); j++)
			;
		if (j > i) {
			buf_append(b, s + i, j - i);
			i = j;
			continue;
		}
		if (u[i] < 0x80) {	/* a control */
			charset_put_cp(b, u[i++], cs);
			continue;
		}
		/* Invalid, or cut at the end (as bad here): one '?'. */
		if ((n = utf8_decode(u + i, len - i, &cp)) <= 0) {
			buf_putc(b, '?');
			i++;
			continue;
		}
		charset_put_cp(b, cp, cs);
		i += (size_t)n;
	}
}

/*
 * The rule is the same for every charset: text that is valid UTF-8 is
 * taken for UTF-8 (a modern client, whatever the menus are sent in), any
 * other text for Latin-1 (an old terminal; pure ASCII reads the same
 * either way).  A Latin-1 text that happens to be valid UTF-8 ("\xc3\xa9")
 * is misread, but real words rarely are.
 */
int
charset_input_to_utf8(enum config_charset cs, const char *in, size_t len,
    char *out, size_t outsz, size_t *outlen)
{
	const unsigned char	*u = (const unsigned char *)in;
	size_t			 i, o = 0;

	(void)cs;
	if (outsz == 0)
		return -1;
	if (utf8_valid(in, len)) {
		if (len >= outsz)
			return -1;
		memcpy(out, in, len);
		o = len;
	} else {
		for (i = 0; i < len; i++) {
			if (outsz - o <= (u[i] < 0x80 ? 1u : 2u))
				return -1;
			o += utf8_encode(u[i], (unsigned char *)out + o);
		}
	}
	out[o] = '\0';
	if (outlen != NULL)
		*outlen = o;
	return 0;
}

void
charset_stream_init(struct charset_stream *st, enum config_charset cs)
{
	memset(st, 0, sizeof(*st));
	st->cs = cs;
}

/*
 * Give `put` what utf8_decode() gave (n != 0): the code point, or '?' for
 * an invalid byte.  The number of bytes consumed.
 */
static size_t
give(int n, uint32_t cp, charset_cp_fn put, void *arg)
{
	if (n < 0) {
		put(arg, '?');
		return 1;
	}
	put(arg, cp);
	return (size_t)n;
}

void
charset_stream_decode(struct charset_stream *st, const char *in, size_t len,
    int eof, charset_cp_fn put, void *arg)
{
	const unsigned char	*u = (const unsigned char *)in;
	unsigned char		 tmp[UTF8_SEQ_MAX];
	uint32_t		 cp;
	size_t			 i = 0, used, rest;
	int			 n;

	/* Complete a sequence carried over from the last chunk. */
	while (st->ncarry > 0 && i < len) {
		st->carry[st->ncarry++] = u[i++];
		n = utf8_decode(st->carry, st->ncarry, &cp);
		if (n == 0)
			continue;
		used = give(n, cp, put, arg);
		/* An invalid lead consumed one byte: rescan the rest. */
		rest = st->ncarry - used;
		memcpy(tmp, st->carry + used, rest);
		st->ncarry = 0;
		if (rest > 0)
			charset_stream_decode(st, (const char *)tmp, rest, 0,
			    put, arg);
	}
	while (i < len) {
		if (u[i] < 0x80) {
			put(arg, u[i++]);
			continue;
		}
		n = utf8_decode(u + i, len - i, &cp);
		if (n == 0) {
			memcpy(st->carry, u + i, len - i);
			st->ncarry = len - i;
			break;
		}
		i += give(n, cp, put, arg);
	}
	if (eof && st->ncarry > 0) {
		/* A cut sequence: one '?' for its lead, then the rest. */
		rest = st->ncarry - 1;
		put(arg, '?');
		memcpy(tmp, st->carry + 1, rest);
		st->ncarry = 0;
		charset_stream_decode(st, (const char *)tmp, rest, 1, put,
		    arg);
	}
}

struct feed_arg {
	struct buf		*out;
	enum config_charset	 cs;
};

static void
feed_put(void *arg, uint32_t cp)
{
	struct feed_arg	*a = arg;

	charset_put_cp(a->out, cp, a->cs);
}

void
charset_stream_feed(struct charset_stream *st, const char *in, size_t len,
    struct buf *out, int eof)
{
	struct feed_arg	 a = { out, st->cs };

	charset_stream_decode(st, in, len, eof, feed_put, &a);
}
