/* SPDX-License-Identifier: ISC */
/* broadside: tests for charset.c (UTF-8 to ASCII / Latin-1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "charset.h"

struct conv_case {
	const char		*in;
	enum config_charset	 cs;
	const char		*out;
};

static const struct conv_case conv_cases[] = {
	{ "plain ascii", CHARSET_ASCII, "plain ascii" },
	{ "\xe2\x80\x98q\xe2\x80\x99 \xe2\x80\x9c" "dq\xe2\x80\x9d",
	    CHARSET_ASCII, "'q' \"dq\"" },
	{ "\xe2\x80\x9a\xe2\x80\x9b\xe2\x80\x9e", CHARSET_ASCII, "''\"" },
	{ "a\xe2\x80\x93" "b\xe2\x80\x94" "c", CHARSET_ASCII, "a-b--c" },
	{ "wait\xe2\x80\xa6", CHARSET_ASCII, "wait..." },
	{ "a\xc2\xa0" "b", CHARSET_ASCII, "a b" },
	{ "\xe2\x80\xa2 item", CHARSET_ASCII, "* item" },
	{ "\xc3\xa9t\xc3\xa9", CHARSET_ASCII, "ete" },
	{ "Stra\xc3\x9f" "e", CHARSET_ASCII, "Strasse" },
	{ "\xc3\xa6\xc3\xb8\xc3\xb1\xc3\xa7\xc3\x86", CHARSET_ASCII, "aeoncAE" },
	{ "\xc4\x8d\xc5\x99\xc5\x82\xc5\x93\xc5\xbe", CHARSET_ASCII, "crloez" },
	{ "\xc4\xb2\xc5\x92\xc5\xbf", CHARSET_ASCII, "IJOEs" },
	{ "\xe2\x82\xac" "5", CHARSET_ASCII, "EUR5" },
	{ "\xe4\xb8\xad\xe6\x96\x87", CHARSET_ASCII, "??" },
	{ "\xf0\x9f\x98\x80!", CHARSET_ASCII, "?!" },
	{ "bad\xff\xfe", CHARSET_ASCII, "bad??" },
	{ "cut\xe2\x80", CHARSET_ASCII, "cut??" },
	{ "\xc0\xaf", CHARSET_ASCII, "??" },		/* overlong '/' */
	{ "\xed\xa0\x80", CHARSET_ASCII, "???" },	/* surrogate */
	/* Latin-1: one byte up to U+00FF, punctuation transliterated. */
	{ "\xc3\xa9\xc2\xa0\xc3\x9f", CHARSET_LATIN1, "\xe9\xa0\xdf" },
	{ "\xe2\x80\x9cq\xe2\x80\x9d\xe2\x80\xa6", CHARSET_LATIN1, "\"q\"..." },
	{ "\xc5\x93\xe4\xb8\xad", CHARSET_LATIN1, "oe?" },
	{ "x\xff", CHARSET_LATIN1, "x?" },
	/* UTF-8: valid text as is, invalid bytes replaced. */
	{ "\xc3\xa9\xe2\x80\xa6", CHARSET_UTF8, "\xc3\xa9\xe2\x80\xa6" },
	{ "a\x80" "b", CHARSET_UTF8, "a?b" },
	/* Controls never reach a terminal: C0 but TAB LF CR, DEL, C1. */
	{ "\x1b[31mr\x07\x7f\tx\r\n", CHARSET_UTF8, " [31mr  \tx\r\n" },
	{ "a\xc2\x9b" "b\xc2\x80\xc2\x9f\xc2\xa0", CHARSET_UTF8,
	    "a b  \xc2\xa0" },
	{ "a\xc2\x9b" "b\xc2\x85\xc2\xa0", CHARSET_LATIN1, "a b \xa0" },
	{ "a\xc2\x9b" "b\x1b", CHARSET_ASCII, "a b " },
};

static void
test_convert_table(void **state)
{
	struct buf	 b;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(conv_cases) / sizeof(conv_cases[0]); i++) {
		buf_init(&b, 1024);
		charset_convert(&b, conv_cases[i].in, strlen(conv_cases[i].in),
		    conv_cases[i].cs);
		assert_false(b.failed);
		if (strlen(conv_cases[i].out) == 0)
			assert_int_equal(b.len, 0);
		else {
			assert_non_null(b.data);
			assert_string_equal(b.data, conv_cases[i].out);
		}
		buf_free(&b);
	}
}

/* Every code point of Latin-1 Supplement and Extended-A maps to ASCII. */
static void
test_ascii_is_ascii(void **state)
{
	struct buf	 b;
	uint32_t	 cp;
	size_t		 i;

	(void)state;
	buf_init(&b, 1 << 16);
	for (cp = 0xA0; cp <= 0x17F; cp++)
		charset_put_cp(&b, cp, CHARSET_ASCII);
	for (cp = 0x2000; cp <= 0x206F; cp++)
		charset_put_cp(&b, cp, CHARSET_ASCII);
	assert_false(b.failed);
	for (i = 0; i < b.len; i++)
		assert_true((unsigned char)b.data[i] < 0x80);
	buf_free(&b);
}

/* No C1 byte (an 8-bit CSI) from any code point in Latin-1 output. */
static void
test_latin1_no_c1(void **state)
{
	struct buf	 b;
	uint32_t	 cp;
	size_t		 i;

	(void)state;
	buf_init(&b, 1 << 20);
	for (cp = 0; cp < 0x3000; cp++)
		charset_put_cp(&b, cp, CHARSET_LATIN1);
	assert_false(b.failed);
	for (i = 0; i < b.len; i++) {
		unsigned char	 c = (unsigned char)b.data[i];

		assert_false(c >= 0x80 && c <= 0x9f);
		assert_false(c == 0x1b || c == 0x7f);
	}
	assert_true(charset_is_control(0x1b) && charset_is_control(0x9b) &&
	    charset_is_control(0x7f) && !charset_is_control('\t') &&
	    !charset_is_control(0xa0));
	buf_free(&b);
}

/* Widths count characters (bytes for the 8-bit charsets). */
static void
test_width(void **state)
{
	(void)state;
	assert_int_equal(charset_width("\xc3\xa9t\xc3\xa9", 5, CHARSET_UTF8),
	    3);
	assert_int_equal(charset_width("abc", 3, CHARSET_ASCII), 3);
	/* An invalid byte counts as one character. */
	assert_int_equal(charset_width("a\xff" "b", 3, CHARSET_UTF8), 3);
	assert_int_equal(charset_char_len("\xe2\x80\xa6", 3, CHARSET_UTF8),
	    3);
	assert_int_equal(charset_char_len("\xe2\x80", 2, CHARSET_UTF8), 1);
}

/* What a Gopher client typed, read as UTF-8 whatever it sent. */
static const struct {
	enum config_charset	 cs;
	const char		*in;
	const char		*out;
} input_cases[] = {
	{ CHARSET_UTF8, "plain words", "plain words" },
	{ CHARSET_UTF8, "inmigraci\xc3\xb3n", "inmigraci\xc3\xb3n" },
	{ CHARSET_UTF8, "inmigraci\xf3n", "inmigraci\xc3\xb3n" },
	{ CHARSET_LATIN1, "inmigraci\xf3n", "inmigraci\xc3\xb3n" },
	{ CHARSET_LATIN1, "inmigraci\xc3\xb3n", "inmigraci\xc3\xb3n" },
	{ CHARSET_LATIN1, "plain words", "plain words" },
	{ CHARSET_ASCII, "inmigraci\xf3n", "inmigraci\xc3\xb3n" },
	{ CHARSET_ASCII, "\xe2\x80\x9cquoted\xe2\x80\x9d",
	    "\xe2\x80\x9cquoted\xe2\x80\x9d" },
	/* Every byte of Latin-1, when the text is not UTF-8. */
	{ CHARSET_LATIN1, "\xa0\xbf\xc0\xdf\xff", "\xc2\xa0\xc2\xbf"
	    "\xc3\x80\xc3\x9f\xc3\xbf" },
	/* Mixed: one bad sequence and the whole text is Latin-1. */
	{ CHARSET_UTF8, "caf\xc3\xa9 na\xefve", "caf\xc3\x83\xc2\xa9 "
	    "na\xc3\xafve" },
	{ CHARSET_UTF8, "", "" },
};

static void
test_input_to_utf8(void **state)
{
	char	 out[64];
	size_t	 i, n;

	(void)state;
	for (i = 0; i < sizeof(input_cases) / sizeof(input_cases[0]); i++) {
		n = 12345;
		assert_int_equal(charset_input_to_utf8(input_cases[i].cs,
		    input_cases[i].in, strlen(input_cases[i].in), out,
		    sizeof(out), &n), 0);
		assert_string_equal(out, input_cases[i].out);
		assert_int_equal(n, strlen(input_cases[i].out));
	}
	/* Bounds: the output and its NUL, Latin-1 doubling 8-bit bytes. */
	assert_int_equal(charset_input_to_utf8(CHARSET_LATIN1, "ab", 2, out, 3,
	    NULL), 0);
	assert_int_equal(charset_input_to_utf8(CHARSET_LATIN1, "ab", 2, out, 2,
	    NULL), -1);
	assert_int_equal(charset_input_to_utf8(CHARSET_LATIN1, "a\xe9", 2,
	    out, 4, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(charset_input_to_utf8(CHARSET_LATIN1, "a\xe9", 2,
	    out, 3, &n), -1);
	assert_int_equal(charset_input_to_utf8(CHARSET_UTF8, "", 0, out, 0,
	    &n), -1);
}

/* Feeding a text in every possible split gives the one-shot result. */
static void
test_stream_splits(void **state)
{
	static const char *texts[] = {
		"\xe2\x80\x9cQuote\xe2\x80\x9d \xc3\xa9t\xc3\xa9 \xe2\x80\xa6"
		    "\xf0\x9f\x98\x80 end",
		"bad\xff\xe2\x80" "x\xc3",
		"\xe2\x80\x94\xe2\x80\x94\xe2\x80\x94",
		"\x1b]0;t\x07 \xc2\x9b" "2J\xc2",
	};
	enum config_charset	 css[] = { CHARSET_ASCII, CHARSET_LATIN1,
	    CHARSET_UTF8 };
	struct charset_stream	 st;
	struct buf		 one, many;
	size_t			 t, c, cut, cut2, len;

	(void)state;
	for (t = 0; t < sizeof(texts) / sizeof(texts[0]); t++)
	for (c = 0; c < 3; c++) {
		len = strlen(texts[t]);
		buf_init(&one, 4096);
		charset_convert(&one, texts[t], len, css[c]);
		for (cut = 0; cut <= len; cut++)
		for (cut2 = cut; cut2 <= len; cut2++) {
			buf_init(&many, 4096);
			charset_stream_init(&st, css[c]);
			charset_stream_feed(&st, texts[t], cut, &many, 0);
			charset_stream_feed(&st, texts[t] + cut, cut2 - cut,
			    &many, 0);
			charset_stream_feed(&st, texts[t] + cut2, len - cut2,
			    &many, 1);
			assert_int_equal(many.len, one.len);
			assert_memory_equal(many.data, one.data, one.len);
			buf_free(&many);
		}
		buf_free(&one);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_convert_table),
		cmocka_unit_test(test_ascii_is_ascii),
		cmocka_unit_test(test_latin1_no_c1),
		cmocka_unit_test(test_width),
		cmocka_unit_test(test_input_to_utf8),
		cmocka_unit_test(test_stream_splits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
