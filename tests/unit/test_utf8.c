/* SPDX-License-Identifier: ISC */
/* Unit tests for utf8.c: decoding, encoding, validation, cutting. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "utf8.h"

static const struct {
	const char	*s;
	size_t		 len;
	int		 want;		/* utf8_decode's result */
	uint32_t	 cp;		/* when want > 0 */
} decode_cases[] = {
	/* Each length, its first and last code point. */
	{ "A", 1, 1, 'A' },
	{ "\x00", 1, 1, 0 },
	{ "\x7f", 1, 1, 0x7f },
	{ "\xc2\x80", 2, 2, 0x80 },
	{ "\xc3\xa9", 2, 2, 0xe9 },
	{ "\xdf\xbf", 2, 2, 0x7ff },
	{ "\xe0\xa0\x80", 3, 3, 0x800 },
	{ "\xe2\x80\xa6", 3, 3, 0x2026 },
	{ "\xed\x9f\xbf", 3, 3, 0xd7ff },	/* below the surrogates */
	{ "\xee\x80\x80", 3, 3, 0xe000 },	/* above them */
	{ "\xef\xbf\xbf", 3, 3, 0xffff },
	{ "\xf0\x90\x80\x80", 4, 4, 0x10000 },
	{ "\xf0\x9f\x98\x80", 4, 4, 0x1f600 },
	{ "\xf4\x8f\xbf\xbf", 4, 4, 0x10ffff },
	/* Only the sequence is read, not what follows. */
	{ "\xc3\xa9xyz", 5, 2, 0xe9 },
	/* Overlong forms. */
	{ "\xc0\x80", 2, -1, 0 },
	{ "\xc0\xaf", 2, -1, 0 },
	{ "\xc1\xbf", 2, -1, 0 },
	{ "\xe0\x80\xaf", 3, -1, 0 },
	{ "\xe0\x9f\xbf", 3, -1, 0 },
	{ "\xf0\x80\x80\xaf", 4, -1, 0 },
	{ "\xf0\x8f\xbf\xbf", 4, -1, 0 },
	/* Surrogates. */
	{ "\xed\xa0\x80", 3, -1, 0 },
	{ "\xed\xbf\xbf", 3, -1, 0 },
	/* Beyond U+10FFFF. */
	{ "\xf4\x90\x80\x80", 4, -1, 0 },
	{ "\xf5\x80\x80\x80", 4, -1, 0 },
	{ "\xf7\xbf\xbf\xbf", 4, -1, 0 },
	{ "\xff", 1, -1, 0 },
	{ "\xfe", 1, -1, 0 },
	/* Bad or missing continuation bytes. */
	{ "\x80", 1, -1, 0 },
	{ "\xbf", 1, -1, 0 },
	{ "\xc3\x28", 2, -1, 0 },
	{ "\xe2\x28\xa1", 3, -1, 0 },
	{ "\xe2\x82\x28", 3, -1, 0 },
	{ "\xf0\x9f\x98\x28", 4, -1, 0 },
	{ "\xc3\xc3", 2, -1, 0 },
	/* Truncated: a valid start, cut by len. */
	{ "", 0, 0, 0 },
	{ "\xc3", 1, 0, 0 },
	{ "\xe2", 1, 0, 0 },
	{ "\xe2\x80", 2, 0, 0 },
	{ "\xf0\x9f", 2, 0, 0 },
	{ "\xf0\x9f\x98", 3, 0, 0 },
	/* A truncated overlong, surrogate or too-large start is invalid. */
	{ "\xe0\x80", 2, -1, 0 },
	{ "\xed\xa0", 2, -1, 0 },
	{ "\xf0\x80", 2, -1, 0 },
	{ "\xf4\x90", 2, -1, 0 },
};

static void
test_decode(void **state)
{
	uint32_t	 cp;
	size_t		 i;
	int		 n;

	(void)state;
	for (i = 0; i < sizeof(decode_cases) / sizeof(decode_cases[0]); i++) {
		cp = 0xdeadbeef;
		n = utf8_decode((const unsigned char *)decode_cases[i].s,
		    decode_cases[i].len, &cp);
		if (n != decode_cases[i].want) {
			print_error("case %zu: got %d, want %d\n", i, n,
			    decode_cases[i].want);
			fail();
		}
		if (n > 0)
			assert_int_equal(cp, decode_cases[i].cp);
		else
			assert_int_equal(cp, 0xdeadbeef);
	}
}

/* Every scalar value goes through encode and back. */
static void
test_encode_round_trip(void **state)
{
	unsigned char	 o[UTF8_SEQ_MAX];
	uint32_t	 cp, back;
	size_t		 n;

	(void)state;
	for (cp = 0; cp <= 0x10ffff; cp++) {
		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;
		n = utf8_encode(cp, o);
		assert_int_equal(n, cp < 0x80 ? 1 : cp < 0x800 ? 2 :
		    cp < 0x10000 ? 3 : 4);
		assert_int_equal(utf8_decode(o, n, &back), (int)n);
		assert_int_equal(back, cp);
		/* Every proper prefix waits for more. */
		for (; n > 1; n--)
			assert_int_equal(utf8_decode(o, n - 1, &back), 0);
	}
}

static void
test_valid(void **state)
{
	static const struct {
		const char	*s;
		int		 want;
	} cases[] = {
		{ "", 1 },
		{ "plain ascii", 1 },
		{ "Inmigraci\xc3\xb3n \xe2\x80\x94 \xf0\x9f\x98\x80", 1 },
		{ "latin1 inmigraci\xf3n", 0 },
		{ "cut at the end \xe2\x80", 0 },
		{ "\xed\xa0\x80 surrogate", 0 },
		{ "overlong \xc0\xaf", 0 },
		{ "\xf4\x90\x80\x80", 0 },
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(utf8_valid(cases[i].s, strlen(cases[i].s)),
		    cases[i].want);
	/* A NUL byte is a character like any other here. */
	assert_int_equal(utf8_valid("a\0b", 3), 1);
}

static void
test_cut(void **state)
{
	/* "a" U+00E9 U+2026 U+1F600 "b": bytes 0, 1-2, 3-5, 6-9, 10. */
	static const char	 s[] =
	    "a\xc3\xa9\xe2\x80\xa6\xf0\x9f\x98\x80" "b";
	static const struct {
		size_t	 max;
		size_t	 want;
	} cases[] = {
		{ 0, 0 }, { 1, 1 }, { 2, 1 }, { 3, 3 }, { 4, 3 }, { 5, 3 },
		{ 6, 6 }, { 7, 6 }, { 8, 6 }, { 9, 6 }, { 10, 10 }, { 11, 11 },
		{ 12, 11 }, { 1000, 11 },
	};
	size_t	 i, len = sizeof(s) - 1;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (utf8_cut(s, len, cases[i].max) != cases[i].want) {
			print_error("max %zu: got %zu, want %zu\n",
			    cases[i].max, utf8_cut(s, len, cases[i].max),
			    cases[i].want);
			fail();
		}
	}
	/* Invalid bytes: cut where asked, never backed over. */
	assert_int_equal(utf8_cut("ab\x80\x80\x80\x80", 6, 4), 4);
	assert_int_equal(utf8_cut("\xff\x80\x80", 3, 2), 2);
	/* A sequence cut short by len is not a character to keep whole. */
	assert_int_equal(utf8_cut("a\xe2\x80", 3, 2), 2);
	/* A valid sequence before stray continuation bytes is kept. */
	assert_int_equal(utf8_cut("\xc3\xa9\x80\x80", 4, 3), 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_encode_round_trip),
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
