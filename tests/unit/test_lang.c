/* SPDX-License-Identifier: ISC */
/* Unit tests: translations' language tags and their own names (lang.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>

#include <cmocka.h>

#include "lang.h"

static int
suffix(const char *slug, size_t *base)
{
	return lang_suffix(slug, strlen(slug), base);
}

static void
test_suffix(void **state)
{
	static const char *const no[] = {
		"plain", "state.of.union", "v1.2", "report.", ".es", "x.e",
		"x.spanish", "x.es-", "x.es--x", "x.es-abcdefghi", "x.1s",
		"x.e1", "x.es_ES", "a.b.",
		"x.es-aaaaaaaa-bbbbbbbb-cccccccc-dddddd",	/* 36 bytes */
	};
	size_t	 base, i;

	(void)state;
	assert_int_equal(suffix("budget.es", &base), 1);
	assert_int_equal(base, 6);
	assert_int_equal(suffix("budget.pt-BR", &base), 1);
	assert_int_equal(base, 6);
	assert_int_equal(suffix("a.b.zh-Hant-TW", &base), 1);
	assert_int_equal(base, 3);
	assert_int_equal(suffix("x.fil", &base), 1);
	assert_int_equal(suffix("x.es-419", &base), 1);
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_int_equal(suffix(no[i], &base), 0);
	/* Only the bytes given are read. */
	assert_int_equal(lang_suffix("budget.es.gmi", 9, &base), 1);
	assert_int_equal(base, 6);
}

/* How many two- and three-letter codes have a name. */
static int
codes_found(void)
{
	char	 c[4];
	int	 n = 0, a, b, d;

	for (a = 'a'; a <= 'z'; a++)
		for (b = 'a'; b <= 'z'; b++) {
			c[0] = (char)a;
			c[1] = (char)b;
			n += lang_endonym(c, 2) != NULL;
			for (d = 'a'; d <= 'z'; d++) {
				c[2] = (char)d;
				n += lang_endonym(c, 3) != NULL;
			}
		}
	return n;
}

static void
test_endonym(void **state)
{
	(void)state;
	assert_string_equal(lang_endonym("es", 2), "espa\xc3\xb1ol");
	assert_string_equal(lang_endonym("FR", 2), "fran\xc3\xa7" "ais");
	assert_string_equal(lang_endonym("ja-JP", 2), "\xe6\x97\xa5\xe6\x9c"
	    "\xac\xe8\xaa\x9e");
	assert_string_equal(lang_endonym("fil", 3), "Filipino");
	assert_null(lang_endonym("xx", 2));
	assert_null(lang_endonym("e", 1));
	assert_null(lang_endonym("engl", 4));
	/* Every code of the table (126) is found: it is sorted for
	 * bsearch. */
	assert_int_equal(codes_found(), 126);
}

static void
test_same(void **state)
{
	(void)state;
	assert_true(lang_same("pt-BR", "pt"));
	assert_true(lang_same("EN", "en-GB"));
	assert_false(lang_same("en", "es"));
	assert_false(lang_same("e", "es"));
	assert_false(lang_same("fil", "fi"));
	assert_false(lang_same(NULL, "en"));
	assert_false(lang_same("", ""));
}

static void
test_label(void **state)
{
	char	 out[LANG_LABEL_MAX + 1], small[8];

	(void)state;
	lang_label("ru", out, sizeof(out));
	assert_string_equal(out, "\xd1\x80\xd1\x83\xd1\x81\xd1\x81\xd0\xba"
	    "\xd0\xb8\xd0\xb9");
	lang_label("pt-BR", out, sizeof(out));
	assert_string_equal(out, "portugu\xc3\xaas (pt-BR)");
	lang_label("tlh", out, sizeof(out));
	assert_string_equal(out, "tlh");	/* unknown: the tag */
	lang_label(NULL, out, sizeof(out));
	assert_string_equal(out, "");
	/* Cut on a character boundary: "русский" is 14 bytes. */
	lang_label("ru", small, sizeof(small));
	assert_string_equal(small, "\xd1\x80\xd1\x83\xd1\x81");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_suffix),
		cmocka_unit_test(test_endonym),
		cmocka_unit_test(test_same),
		cmocka_unit_test(test_label),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
