/* SPDX-License-Identifier: ISC */
/* Unit tests: the Atom writer (XML escaping, RFC 3339 times, entries). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "atom.h"

static void
test_escape(void **state)
{
	struct buf	 b;

	(void)state;
	buf_init(&b, 1024);
	atom_escape(&b, "a<b>&\"c'\x01\x7f" "d\xff" "é\t");
	assert_string_equal(b.data, "a&lt;b&gt;&amp;&quot;c&apos;" "dé\t");
	buf_free(&b);
}

/*
 * What XML 1.0 forbids (U+FFFE, U+FFFF, surrogates, C0 but TAB LF CR,
 * invalid UTF-8) and C1 controls are dropped; their neighbours and the
 * characters around the forbidden ones (U+FFFD, U+10000) are kept.
 */
static void
test_escape_forbidden(void **state)
{
	struct buf	 b;

	(void)state;
	buf_init(&b, 1024);
	atom_escape(&b, "a\xef\xbf\xbf" "b\xef\xbf\xbe" "c\xed\xa0\x80"
	    "d\xc2\x9b" "e\xc2\x80\xc2\xa0" "f\xef\xbf\xbd\xf0\x90\x80\x80"
	    "\x1b[1m\r\n");
	assert_string_equal(b.data, "abcde\xc2\xa0" "f\xef\xbf\xbd"
	    "\xf0\x90\x80\x80[1m\r\n");
	buf_free(&b);
}

static void
test_times(void **state)
{
	struct buf	 b;

	(void)state;
	assert_true(atom_date_time("1970-01-01") == 0);
	assert_true(atom_date_time("2025-06-09") == 1749427200LL);
	assert_true(atom_date_time("2000-03-01") == 951868800LL);
	buf_init(&b, 64);
	atom_time(&b, 1749427200LL + 3661);
	assert_string_equal(b.data, "2025-06-09T01:01:01Z");
	buf_free(&b);
}

static void
test_feed(void **state)
{
	static const struct rg_site site = { "gemini://h.example:1966",
	    "News & <Views>", "/statements/", NULL, "pt-BR,en" };
	struct rg_item	 it[60];
	struct buf	 b;
	size_t		 i, n = 0;
	const char	*p;

	(void)state;
	memset(it, 0, sizeof(it));
	for (i = 0; i < 60; i++) {
		it[i].date = "2025-06-09";
		it[i].title = i == 0 ? "Stop & go <now>" : "t";
		it[i].path = "/statements/2025-06-09-x.gmi";
		it[i].summary = i == 0 ? "Sum \"mary\"" : NULL;
		it[i].author = i == 0 ? "IAC" : NULL;
		it[i].corrected = i == 0 ? "2025-06-10" : i == 1 ?
		    "2025-06-01" : NULL;
		it[i].lang = i == 2 ? "ru\"><x" : i == 3 ? "es" : NULL;
	}
	buf_init(&b, 1 << 20);
	assert_int_equal(atom_feed(&site, it, 60, &b), 0);
	/* xml:lang: the site's first language, each entry's own; only a
	 * tag's characters, whatever the item says. */
	assert_non_null(strstr(b.data,
	    "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"pt-BR\">"));
	assert_non_null(strstr(b.data, "<entry xml:lang=\"rux\">"));
	assert_non_null(strstr(b.data, "<entry xml:lang=\"es\">"));
	assert_non_null(strstr(b.data, "<title>News &amp; &lt;Views&gt;"
	    "</title>"));
	assert_non_null(strstr(b.data, "<title>Stop &amp; go &lt;now&gt;"
	    "</title>"));
	assert_non_null(strstr(b.data, "<id>gemini://h.example:1966"
	    "/statements/2025-06-09-x.gmi</id>"));
	assert_non_null(strstr(b.data, "<published>2025-06-09T00:00:00Z"
	    "</published>"));
	/* updated: the correction's date (never before the date) */
	assert_non_null(strstr(b.data, "<updated>2025-06-10T00:00:00Z"
	    "</updated>\n    <author>"));
	/* a correction dated before the statement: its own date */
	p = strstr(strstr(b.data, "<entry>") + 1, "<entry>");
	assert_non_null(strstr(p, "<updated>2025-06-09T00:00:00Z"));
	/* the feed's: its newest entry's */
	assert_non_null(strstr(b.data, "<updated>2025-06-10T00:00:00Z"
	    "</updated>\n  <author>"));
	assert_non_null(strstr(b.data, "<summary>Sum &quot;mary&quot;"
	    "</summary>"));
	for (p = b.data; (p = strstr(p, "<entry")) != NULL; p++)
		n++;
	assert_int_equal(n, ATOM_ENTRIES_MAX);
	assert_non_null(strstr(b.data, "</feed>\n"));
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_escape_forbidden),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_feed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
