/* SPDX-License-Identifier: ISC */
/* Unit tests: generated gemtext pages (gemfeed archive, lists, search). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "archive_build.h"
#include "render_gemtext.h"

static const struct rg_site site = {
	"gemini://example.org", "Statements", "/statements/",
	"gopher://example.org:70/", "en",
};

static const struct rg_item items[] = {
	{ "2025-06-09", "Stop the attacks", "/statements/2025-06-09-a.gmi",
	    NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0 },
	{ "2025-01-02", "New year\nwith newline", "/statements/2025-01-02-b.gmi",
	    NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0 },
	{ "2023-05-05", "Older", "/statements/2023/2023-05-05-c.gmi", NULL,
	    NULL, NULL, NULL, NULL, NULL, NULL, 0 },
};

/* Every generated page but the home page ends with a link home. */
static int
ends_home(const struct buf *b)
{
	static const char	 home[] = "\n=> / Home\n";

	return b->data != NULL && b->len >= sizeof(home) - 1 &&
	    memcmp(b->data + b->len - (sizeof(home) - 1), home,
	    sizeof(home) - 1) == 0;
}

static void
test_archive_gemfeed(void **state)
{
	struct buf	 b;

	(void)state;
	buf_init(&b, 1 << 20);
	assert_int_equal(rg_archive(&site, items, 3, RG_PAGE_MAX, &b), 0);
	assert_non_null(b.data);
	/* The feed title first, then year groups, entries newest first. */
	assert_memory_equal(b.data, "# All statements\n\n## 2025\n\n"
	    "=> gemini://example.org/statements/2025-06-09-a.gmi 2025-06-09 "
	    "Stop the attacks\n"
	    "=> gemini://example.org/statements/2025-01-02-b.gmi 2025-01-02 "
	    "New year with newline\n\n## 2023\n\n"
	    "=> gemini://example.org/statements/2023/2023-05-05-c.gmi "
	    "2023-05-05 Older\n", strlen("# All statements\n\n## 2025\n\n"
	    "=> gemini://example.org/statements/2025-06-09-a.gmi 2025-06-09 "
	    "Stop the attacks\n"
	    "=> gemini://example.org/statements/2025-01-02-b.gmi 2025-01-02 "
	    "New year with newline\n\n## 2023\n\n"
	    "=> gemini://example.org/statements/2023/2023-05-05-c.gmi "
	    "2023-05-05 Older\n"));
	assert_non_null(strstr(b.data, "=> /statements/atom.xml "));
	assert_true(ends_home(&b));
	buf_free(&b);
}

static void
test_archive_paginates(void **state)
{
	struct rg_item	*many;
	struct buf	 b;
	char		(*paths)[64], (*dates)[11];
	size_t		 n = 6000, i;

	(void)state;
	many = calloc(n, sizeof(*many));
	paths = calloc(n, sizeof(*paths));
	dates = calloc(n, sizeof(*dates));
	assert_non_null(many);
	for (i = 0; i < n; i++) {
		snprintf(dates[i], sizeof(dates[i]), "%04zu-01-01",
		    2025 - i / 1000);
		snprintf(paths[i], sizeof(paths[i]), "/statements/%s-s%zu.gmi",
		    dates[i], i);
		many[i].date = dates[i];
		many[i].path = paths[i];
		many[i].title = "A title of a fair length for a statement";
	}
	buf_init(&b, 1 << 24);
	assert_int_equal(rg_archive(&site, many, n, RG_PAGE_MAX, &b), 0);
	assert_true(b.len <= RG_PAGE_MAX);
	assert_non_null(strstr(b.data, "## 2025\n"));
	assert_non_null(strstr(b.data, "=> /statements/2020/ 2020: 1000 "
	    "statements"));
	assert_non_null(strstr(b.data, "=> /statements/2025/ More of 2025"));
	buf_reset(&b);
	/* A list page takes what fits and links onwards. */
	i = rg_list(&site, "2025", NULL, many, 1000, RG_PAGE_MAX, NULL,
	    "/statements/2025/page/2/", &b);
	assert_true(i > 100 && i < 1000);
	assert_true(b.len <= RG_PAGE_MAX);
	assert_non_null(strstr(b.data, "=> /statements/2025/page/2/ "));
	assert_true(ends_home(&b));
	buf_free(&b);
	free(many);
	free(paths);
	free(dates);
}

static void
test_home_and_search(void **state)
{
	struct buf	 b;
	const char	*snips[] = { "…a snippet…", "" };

	(void)state;
	buf_init(&b, 1 << 20);
	assert_int_equal(rg_home(&site, items, 3, &b), 0);
	assert_memory_equal(b.data, "# Statements\n", 13);
	assert_non_null(strstr(b.data, "=> /search "));
	assert_non_null(strstr(b.data, "=> gopher://example.org:70/ "));
	assert_non_null(strstr(b.data, "2023-05-05 Older"));
	assert_null(strstr(b.data, "=> / Home"));	/* it is home */
	buf_reset(&b);
	assert_int_equal(rg_search(&site, "q\nx", items, snips, 2, 2, &b), 0);
	assert_memory_equal(b.data, "# Search: q x\n", 14);
	assert_non_null(strstr(b.data, "2 statements match."));
	assert_non_null(strstr(b.data, "\n> …a snippet…\n"));
	assert_true(ends_home(&b));
	buf_reset(&b);
	assert_int_equal(rg_search(&site, "zz", items, snips, 0, 0, &b), 0);
	assert_non_null(strstr(b.data, "No statement matches"));
	assert_true(ends_home(&b));
	buf_reset(&b);
	assert_int_equal(rg_search_notice("The query holds no word.", &b), 0);
	assert_string_equal(b.data, "# Search\n\nThe query holds no word.\n\n"
	    "=> /search Search again\n=> / Home\n");
	buf_free(&b);
}

static void
test_tags(void **state)
{
	const char	*names[] = { "ice", "migrants",
	    "\xd0\xb1\xd0\xb5\xd0\xb6" };
	size_t		 counts[] = { 1, 12, 2 };
	struct buf	 b;

	(void)state;
	buf_init(&b, 1 << 20);
	assert_int_equal(rg_tags(&site, names, names, counts, 3, &b), 0);
	assert_non_null(strstr(b.data, "=> /statements/tags/ice/ ice (1)\n"));
	assert_non_null(strstr(b.data,
	    "=> /statements/tags/migrants/ migrants (12)\n"));
	/* A tag in another script: encoded in the URL, as is in the label. */
	assert_non_null(strstr(b.data,
	    "=> /statements/tags/%D0%B1%D0%B5%D0%B6/ "
	    "\xd0\xb1\xd0\xb5\xd0\xb6 (2)\n"));
	assert_true(ends_home(&b));
	buf_free(&b);
}

/*
 * Text from statements and file names reaches a reader's terminal: a run
 * of controls (C0, DEL, C1) is one space, invalid UTF-8 is U+FFFD, valid
 * text is kept, and nothing can start a line.
 */
static void
test_text_clean(void **state)
{
	static const struct rg_item	 bad[] = {
		{ "2025-03-03", "T\x1b[31m\xc2\x9b" "2J\n=> x fake\xff\xc3\xa9",
		    "/statements/2025-03-03-x.gmi", NULL, NULL, NULL, NULL,
		    NULL, NULL, NULL, 0 },
	};
	const char	*names[] = { "x" };
	const char	*labels[] = { "X\n=> evil\xc2\x85" };
	size_t		 counts[] = { 1 };
	const char	*snips[] = { "s\x1b]0;t\x07\xc2\x80\xc2\x9f." };
	struct buf	 b;

	(void)state;
	buf_init(&b, 1 << 16);
	rg_text(&b, "a\x1b\x07\x7f\xc2\x9b" "b\xff\xc3\xa9\xc2\xa0\t\r\nc");
	assert_string_equal(b.data,
	    "a b\xef\xbf\xbd\xc3\xa9\xc2\xa0 c");
	buf_reset(&b);
	rg_entry(&b, &site, &bad[0]);
	assert_string_equal(b.data, "=> gemini://example.org/statements/"
	    "2025-03-03-x.gmi 2025-03-03 T [31m 2J => x fake"
	    "\xef\xbf\xbd\xc3\xa9\n");
	buf_reset(&b);
	assert_int_equal(rg_tags(&site, names, labels, counts, 1, &b), 0);
	assert_non_null(strstr(b.data,
	    "=> /statements/tags/x/ X => evil (1)\n"));
	buf_reset(&b);
	assert_int_equal(rg_search(&site, "q\x1b\n```", bad, snips, 1, 1, &b),
	    0);
	assert_non_null(strstr(b.data, "# Search: q ```\n"));
	assert_non_null(strstr(b.data, "\n> s ]0;t .\n"));
	assert_null(strchr(b.data, '\x1b'));
	assert_null(strstr(b.data, "\n=> x"));
	buf_free(&b);
}

/* A corrected statement keeps its date; its line says so, its note
 * follows on a text line that nothing in it can turn into a link. */
static void
test_corrected_entry(void **state)
{
	static const struct rg_item	 it[] = {
		{ "2025-06-09", "Stop", "/statements/2025-06-09-a.gmi", NULL,
		    NULL, "2025-06-12", "Name\n=> fixed", NULL,
		    NULL, NULL, 0 },
		{ "2025-06-09", "Stop", "/statements/2025-06-09-a.gmi", NULL,
		    NULL, "2025-06-12", NULL, NULL, NULL, NULL, 0 },
		{ "2025-06-09", "Stop", "/statements/2025-06-09-a.gmi", NULL,
		    NULL, "", "ignored without a date", NULL, NULL, NULL,
		    0 },
	};
	struct buf	 b;

	(void)state;
	buf_init(&b, 1 << 16);
	rg_entry(&b, &site, &it[0]);
	assert_string_equal(b.data, "=> gemini://example.org/statements/"
	    "2025-06-09-a.gmi 2025-06-09 Stop (corrected 2025-06-12)\n"
	    "Correction: Name => fixed\n");
	buf_reset(&b);
	rg_entry(&b, &site, &it[1]);
	assert_string_equal(b.data, "=> gemini://example.org/statements/"
	    "2025-06-09-a.gmi 2025-06-09 Stop (corrected 2025-06-12)\n");
	buf_reset(&b);
	rg_entry(&b, &site, &it[2]);
	assert_string_equal(b.data, "=> gemini://example.org/statements/"
	    "2025-06-09-a.gmi 2025-06-09 Stop\n");
	buf_free(&b);
}

/* Year and tag pages are titled by what they list, not by the site. */
static void
test_groups(void **state)
{
	struct buf	 b;

	(void)state;
	buf_init(&b, 1 << 20);
	assert_int_equal(rg_group(&site, RG_YEAR, "2025", 1, items, 2,
	    RG_PAGE_MAX, NULL, NULL, &b), 2);
	assert_memory_equal(b.data, "# 2025\n\nStatements of 2025.\n\n=> ",
	    strlen("# 2025\n\nStatements of 2025.\n\n=> "));
	assert_true(ends_home(&b));
	buf_reset(&b);
	assert_int_equal(rg_group(&site, RG_TAG, "migrants", 1, items, 3,
	    RG_PAGE_MAX, NULL, NULL, &b), 3);
	assert_memory_equal(b.data, "# Tag: migrants\n\nStatements tagged "
	    "migrants.\n\n", strlen("# Tag: migrants\n\nStatements tagged "
	    "migrants.\n\n"));
	assert_null(strstr(b.data, "Statements:"));
	assert_true(ends_home(&b));
	buf_reset(&b);
	/* Later pages say which they are, without the intro. */
	assert_int_equal(rg_group(&site, RG_TAG, "migrants", 2, items + 2, 1,
	    RG_PAGE_MAX, "/statements/tags/migrants/", NULL, &b), 1);
	assert_memory_equal(b.data, "# Tag: migrants, page 2\n\n=> ",
	    strlen("# Tag: migrants, page 2\n\n=> "));
	assert_non_null(strstr(b.data,
	    "=> /statements/tags/migrants/ Newer statements\n"));
	assert_true(ends_home(&b));
	buf_free(&b);
}


/* A statement's words as written, the footer after them. */
static void
test_statement_footer(void **state)
{
	static const char	 text[] = "# Title\n\nWords as\r\nwritten.\n";
	static const char	 foot[] = "\n---\nDate: 2025-06-09\n"
	    "Corrected 2025-06-12: A figure was wrong\n"
	    "Other languages:\n"
	    "=> /statements/2025-06-09-a.es.gmi espa\xc3\xb1ol\n"
	    "=> /statements/2025-06-09-a.pt-BR.gmi portugu\xc3\xaas (pt-BR)\n"
	    "=> /statements/2025-06-09-a.xx.gmi xx\n"
	    "Attachments:\n"
	    "=> /statements/2025-06-09-a/a%20photo.jpg a photo.jpg "
	    "(image/jpeg, 1.5 KiB)\n"
	    "=> /statements/2025-06-09-a/report.pdf report.pdf "
	    "(application/pdf, 3.0 MiB)\n"
	    "=> /statements/2025-06-09-a/x x (t/x, 1 byte)\n"
	    "\n=> /statements/ All statements\n=> / Home\n";
	static const struct stmt_version ver[] = {
		{ "2025-06-09-a.es.gmi", "/statements/2025-06-09-a.es.gmi",
		    "es", "T\xc3\xadtulo" },
		{ "2025-06-09-a.pt-BR.gmi",
		    "/statements/2025-06-09-a.pt-BR.gmi", "pt-BR", "" },
		{ "2025-06-09-a.xx.gmi", "/statements/2025-06-09-a.xx.gmi",
		    "xx", NULL },
	};
	struct rg_footer	 f;
	struct buf		 b;

	(void)state;
	memset(&f, 0, sizeof(f));
	f.date = "2025-06-09";
	f.corrected = "2025-06-12";
	f.correction = "A figure\nwas wrong";
	f.attachments = "a photo.jpg\x1fimage/jpeg\x1f" "1536\x1e"
	    "report.pdf\x1f" "application/pdf\x1f" "3145728\x1e"
	    "x\x1ft/x\x1f" "1\x1e" "..\x1ft/x\x1f" "1\x1e" "a/b\x1ft/x\x1f" "1";
	f.attach_url = "/statements/2025-06-09-a/";
	f.ver = ver;
	f.nver = 3;
	buf_init(&b, 1 << 20);
	assert_int_equal(rg_statement(&site, text, strlen(text), &f, &b), 0);
	assert_int_equal(b.len, strlen(text) + strlen(foot));
	assert_memory_equal(b.data, text, strlen(text));
	assert_string_equal(b.data + strlen(text), foot);
	/* No newline at the end, a block left open: closed before. */
	buf_reset(&b);
	f.corrected = "";
	f.attachments = NULL;
	f.nver = 0;
	assert_int_equal(rg_statement(&site, "x\n```\ncode", 10, &f, &b), 0);
	assert_string_equal(b.data, "x\n```\ncode\n```\n\n---\nDate: "
	    "2025-06-09\n\n=> /statements/ All statements\n=> / Home\n");
	/* No footer: the bytes alone. */
	buf_reset(&b);
	assert_int_equal(rg_statement(&site, "abc", 3, NULL, &b), 0);
	assert_string_equal(b.data, "abc");
	buf_free(&b);
}

/* A statement's other versions follow its entry, by their languages' own
 * names and titles, without a date: no gemfeed entries of their own. */
static void
test_entry_versions(void **state)
{
	static const struct stmt_version ver[] = {
		{ "a.ru.gmi", "/statements/a.ru.gmi", "ru",
		    "\xd0\x97\xd0\xb0\n=> x" },
		{ "a.ja.gmi", "/statements/a.ja.gmi", "ja", "" },
	};
	struct rg_item	 it;
	struct buf	 b;

	(void)state;
	memset(&it, 0, sizeof(it));
	it.date = "2025-06-09";
	it.title = "Stop";
	it.path = "/statements/a.gmi";
	it.ver = ver;
	it.nver = 2;
	buf_init(&b, 1 << 16);
	/* Not in the site's language (en): said after the title. */
	it.lang = "fr";
	rg_entry(&b, &site, &it);
	assert_non_null(strstr(b.data, "2025-06-09 Stop (fran\xc3\xa7" "ais)\n"));
	buf_reset(&b);
	it.lang = "EN-gb";
	rg_entry(&b, &site, &it);
	assert_string_equal(b.data,
	    "=> gemini://example.org/statements/a.gmi 2025-06-09 Stop\n"
	    "=> gemini://example.org/statements/a.ru.gmi "
	    "\xd1\x80\xd1\x83\xd1\x81\xd1\x81\xd0\xba\xd0\xb8\xd0\xb9: "
	    "\xd0\x97\xd0\xb0 => x\n"
	    "=> gemini://example.org/statements/a.ja.gmi "
	    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\n");
	buf_free(&b);
}

static void
test_size(void **state)
{
	char	 s[32];

	(void)state;
	rg_size(s, sizeof(s), 0);
	assert_string_equal(s, "0 bytes");
	rg_size(s, sizeof(s), 1023);
	assert_string_equal(s, "1023 bytes");
	rg_size(s, sizeof(s), 1024);
	assert_string_equal(s, "1.0 KiB");
	rg_size(s, sizeof(s), 5ull << 30);
	assert_string_equal(s, "5.0 GiB");
	rg_size(s, sizeof(s), ~0ull);
	assert_string_equal(s, "16777216.0 TiB");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_archive_gemfeed),
		cmocka_unit_test(test_archive_paginates),
		cmocka_unit_test(test_home_and_search),
		cmocka_unit_test(test_tags),
		cmocka_unit_test(test_text_clean),
		cmocka_unit_test(test_corrected_entry),
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_statement_footer),
		cmocka_unit_test(test_entry_versions),
		cmocka_unit_test(test_size),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
