/* SPDX-License-Identifier: ISC */
/* Unit tests for redirects.c: the `.redirects` parser, lookups, loops. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "redirects.h"
#include "redirects_image.h"

static void
parse(const char *text, struct redirects *rd)
{
	assert_int_equal(redirects_parse(text, strlen(text), rd), 0);
}

/* The kept error of `line`, or NULL. */
static const char *
error_at(const struct redirects *rd, int line)
{
	size_t	 i;

	for (i = 0; i < rd->nerrors && i < REDIRECTS_ERRORS_MAX; i++)
		if (rd->errors[i].line == line)
			return rd->errors[i].msg;
	return NULL;
}

static void
test_good(void **state)
{
	struct redirects	 rd;
	const struct redirect	*e;
	const char		*to;
	int			 hops;

	(void)state;
	parse("# moves\n"
	    "\n"
	    "2025-06-09-old.gmi 2025/2025-06-09-new.gmi\n"
	    "  \t2024-01-01-a.gmi\t2024/2024-01-01-a.gmi   # a comment\r\n"
	    "2025-06-09-old/ 2025/2025-06-09-new/\n"
	    "#2025-01-01-x.gmi y.gmi\n"
	    "été/ça.gmi  été/là.gmi", &rd);
	assert_int_equal(rd.nerrors, 0);
	assert_int_equal(rd.n, 4);
	/* Sorted by OLD. */
	assert_string_equal(rd.r[0].from, "2024-01-01-a.gmi");
	assert_int_equal(rd.r[0].line, 4);
	e = redirects_lookup(&rd, "2025-06-09-old.gmi");
	assert_non_null(e);
	assert_string_equal(e->to, "2025/2025-06-09-new.gmi");
	assert_int_equal(e->line, 3);
	assert_non_null(redirects_lookup(&rd, "été/ça.gmi"));
	assert_non_null(redirects_lookup(&rd, "2025-06-09-old/"));
	assert_null(redirects_lookup(&rd, "2025-06-09-old"));
	assert_null(redirects_lookup(&rd, "#2025-01-01-x.gmi"));
	assert_null(redirects_lookup(&rd, "nothing"));
	assert_int_equal(redirects_resolve(&rd, "2024-01-01-a.gmi", &to,
	    &hops), REDIRECTS_FOUND);
	assert_string_equal(to, "2024/2024-01-01-a.gmi");
	assert_int_equal(hops, 1);
	assert_int_equal(redirects_resolve(&rd, "2024/2024-01-01-a.gmi", &to,
	    &hops), REDIRECTS_NONE);
	assert_null(to);
	redirects_free(&rd);
	/* Empty input: an empty table. */
	parse("", &rd);
	assert_int_equal(rd.n, 0);
	assert_int_equal(rd.nerrors, 0);
	assert_null(redirects_lookup(&rd, "x"));
	redirects_free(&rd);
}

static const struct {
	const char	*line;
	const char	*msg;
} bad_lines[] = {
	{ "onlyone", "syntax error (expected OLD NEW)" },
	{ "a b c", "syntax error (expected OLD NEW)" },
	{ "a #b", "syntax error (expected OLD NEW)" },
	{ "/statements/a.gmi b.gmi", "OLD: path starts with '/' (paths are "
	    "relative to the archive folder)" },
	{ "a.gmi /b.gmi", "NEW: path starts with '/' (paths are relative "
	    "to the archive folder)" },
	{ "../a.gmi b.gmi", "OLD: path segment starts with '.' (dotfiles, "
	    "'.' and '..' are never served)" },
	{ "a.gmi x/./b.gmi", "NEW: path segment starts with '.' (dotfiles, "
	    "'.' and '..' are never served)" },
	{ ".redirects b", "OLD: path segment starts with '.' (dotfiles, '.' "
	    "and '..' are never served)" },
	{ "a//b c", "OLD: empty path segment ('//')" },
	{ "a\xff b", "OLD: path is not valid UTF-8" },
	{ "a b\x01", "NEW: control character in path" },
};

static void
test_bad_lines(void **state)
{
	struct redirects	 rd;
	char			 text[256];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(bad_lines) / sizeof(bad_lines[0]); i++) {
		snprintf(text, sizeof(text), "good.gmi new.gmi\n%s\nz y\n",
		    bad_lines[i].line);
		parse(text, &rd);
		if (rd.nerrors != 1 || error_at(&rd, 2) == NULL ||
		    strcmp(error_at(&rd, 2), bad_lines[i].msg) != 0)
			fail_msg("\"%s\": %zu errors, line 2: %s",
			    bad_lines[i].line, rd.nerrors, error_at(&rd, 2) ?
			    error_at(&rd, 2) : "(none)");
		/* The other lines still work. */
		assert_int_equal(rd.n, 2);
		assert_non_null(redirects_lookup(&rd, "good.gmi"));
		assert_non_null(redirects_lookup(&rd, "z"));
		redirects_free(&rd);
	}
}

static void
test_limits(void **state)
{
	struct redirects	 rd;
	char			*text, *p;
	size_t			 i;

	(void)state;
	/* A NUL inside a line. */
	assert_int_equal(redirects_parse("a b\0c\nd e\n", 10, &rd), 0);
	assert_int_equal(rd.nerrors, 1);
	assert_string_equal(error_at(&rd, 1), "NUL byte");
	assert_int_equal(rd.n, 1);
	redirects_free(&rd);
	/* REDIRECTS_LINE_MAX bytes pass, one more does not. */
	text = malloc(3 * REDIRECTS_LINE_MAX);
	assert_non_null(text);
	memset(text, 'a', REDIRECTS_PATH_MAX);
	text[REDIRECTS_PATH_MAX] = ' ';
	memset(text + REDIRECTS_PATH_MAX + 1, 'b', REDIRECTS_PATH_MAX);
	text[2 * REDIRECTS_PATH_MAX + 1] = '\n';
	assert_int_equal(redirects_parse(text, 2 * REDIRECTS_PATH_MAX + 2,
	    &rd), 0);
	assert_int_equal(rd.nerrors, 0);
	assert_int_equal(rd.n, 1);
	redirects_free(&rd);
	text[REDIRECTS_PATH_MAX] = 'a';		/* OLD one byte too long */
	text[REDIRECTS_PATH_MAX + 1] = ' ';
	assert_int_equal(redirects_parse(text, 2 * REDIRECTS_PATH_MAX + 2,
	    &rd), 0);
	assert_string_equal(error_at(&rd, 1), "OLD: path too long");
	redirects_free(&rd);
	memset(text, 'a', REDIRECTS_LINE_MAX + 1);
	assert_int_equal(redirects_parse(text, REDIRECTS_LINE_MAX + 1, &rd),
	    0);
	assert_string_equal(error_at(&rd, 1), "line too long");
	redirects_free(&rd);
	/* Every error counted, REDIRECTS_ERRORS_MAX kept. */
	for (i = 0, p = text; i < 100; i++)
		p += sprintf(p, "bad\n");
	assert_int_equal(redirects_parse(text, (size_t)(p - text), &rd), 0);
	assert_int_equal(rd.nerrors, 100);
	assert_int_equal(rd.errors[REDIRECTS_ERRORS_MAX - 1].line,
	    REDIRECTS_ERRORS_MAX);
	redirects_free(&rd);
	free(text);
}

static void
test_duplicates(void **state)
{
	struct redirects	 rd;

	(void)state;
	parse("a b\nc d\na e\na f\n", &rd);
	assert_int_equal(rd.n, 2);
	assert_string_equal(redirects_lookup(&rd, "a")->to, "b");
	assert_int_equal(rd.nerrors, 2);
	assert_string_equal(error_at(&rd, 3), "OLD already redirected at "
	    "line 1");
	assert_string_equal(error_at(&rd, 4), "OLD already redirected at "
	    "line 1");
	redirects_free(&rd);
}

static void
test_loops(void **state)
{
	struct redirects	 rd;
	const char		*to;
	int			 hops;

	(void)state;
	parse("self self\n"
	    "a b\n"
	    "b c\n"
	    "c a\n"
	    "into a\n"
	    "x1 x2\nx2 x3\nx3 x4\nx4 x5\nx5 x6\nx6 x7\nx7 x8\nx8 x9\n"
	    "y1 y2\ny2 y3\ny3 y4\ny4 y5\ny5 y6\ny6 y7\ny7 y8\ny8 y9\ny9 y10\n"
	    "ok1 ok2\nok2 ok3\n", &rd);
	assert_string_equal(error_at(&rd, 1), "redirect loop: self comes "
	    "back to itself after 1 redirect");
	assert_string_equal(error_at(&rd, 2), "redirect loop: a comes back "
	    "to itself after 3 redirects");
	assert_non_null(error_at(&rd, 3));
	assert_non_null(error_at(&rd, 4));
	assert_string_equal(error_at(&rd, 5), "more than 8 redirects in a "
	    "row from into (or a loop further on)");
	assert_int_equal(redirects_resolve(&rd, "a", &to, &hops),
	    REDIRECTS_BAD);
	assert_int_equal(redirects_resolve(&rd, "into", &to, &hops),
	    REDIRECTS_BAD);
	/* Eight redirects in a row are followed; nine are not. */
	assert_null(error_at(&rd, 6));
	assert_int_equal(redirects_resolve(&rd, "x1", &to, &hops),
	    REDIRECTS_FOUND);
	assert_string_equal(to, "x9");
	assert_int_equal(hops, 8);
	assert_non_null(error_at(&rd, 14));		/* y1 */
	assert_null(error_at(&rd, 15));			/* y2: 8 */
	assert_int_equal(redirects_resolve(&rd, "y1", &to, &hops),
	    REDIRECTS_BAD);
	assert_int_equal(redirects_resolve(&rd, "y2", &to, &hops),
	    REDIRECTS_FOUND);
	assert_int_equal(redirects_resolve(&rd, "ok1", &to, &hops),
	    REDIRECTS_FOUND);
	assert_string_equal(to, "ok3");
	assert_int_equal(hops, 2);
	assert_int_equal(rd.nerrors, 6);	/* self, a, b, c, into, y1 */
	redirects_free(&rd);
}

static void
test_path_ok(void **state)
{
	(void)state;
	assert_true(redirects_path_ok("a", 1));
	assert_true(redirects_path_ok("2025/x.gmi", 10));
	assert_true(redirects_path_ok("dir/", 4));
	assert_true(redirects_path_ok("a.b/c..d", 8));
	assert_false(redirects_path_ok("", 0));
	assert_false(redirects_path_ok("/", 1));
	assert_false(redirects_path_ok("a/.b", 4));
	assert_false(redirects_path_ok("a b", 3));
	assert_false(redirects_path_ok("a\0b", 3));
}

static int
img_sink(void *arg, const void *p, size_t n)
{
	return buf_append(arg, p, n);
}

/*
 * The moves image: every old path leads where it was written to, the
 * first name of a statement is the entry marked so, and an image cut
 * anywhere or with its header changed is refused or read in bounds.
 */
static void
test_image(void **state)
{
	struct rdimg_entry	 e[] = {
		{ "2024/z-old.gmi", "2024/new.gmi", 0 },
		{ "2024/a-first.gmi", "2024/new.gmi", 1 },
		{ "2023/other.gmi", "2023/there.gmi", 1 },
	};
	struct rdimg		 r;
	struct buf		 b;
	char			*copy;
	size_t			 cut;

	(void)state;
	buf_init(&b, 1 << 20);
	assert_int_equal(rdimg_write(e, 3, img_sink, &b), 0);
	assert_int_equal(rdimg_open(&r, b.data, b.len), 0);
	assert_int_equal(r.n, 3);
	assert_string_equal(rdimg_lookup(&r, "2024/z-old.gmi"),
	    "2024/new.gmi");
	assert_string_equal(rdimg_lookup(&r, "2024/a-first.gmi"),
	    "2024/new.gmi");
	assert_null(rdimg_lookup(&r, "2024/new.gmi"));
	assert_null(rdimg_lookup(&r, ""));
	assert_string_equal(rdimg_origin(&r, "2024/new.gmi"),
	    "2024/a-first.gmi");
	assert_string_equal(rdimg_origin(&r, "2023/there.gmi"),
	    "2023/other.gmi");
	assert_null(rdimg_origin(&r, "2024/z-old.gmi"));
	for (cut = 0; cut < b.len; cut++) {
		assert_non_null(copy = malloc(cut + 1));
		memcpy(copy, b.data, cut);
		assert_int_equal(rdimg_open(&r, copy, cut), -1);
		free(copy);
	}
	assert_non_null(copy = malloc(b.len));
	memcpy(copy, b.data, b.len);
	copy[8] ^= 0x40;		/* n */
	assert_int_equal(rdimg_open(&r, copy, b.len), -1);
	memcpy(copy, b.data, b.len);
	copy[16] = (char)0xff;		/* an offset past the pool */
	copy[19] = 0x7f;
	assert_int_equal(rdimg_open(&r, copy, b.len), -1);
	free(copy);
	/* None at all: an empty image, found empty. */
	buf_free(&b);
	buf_init(&b, 1 << 20);
	assert_int_equal(rdimg_write(e, 0, img_sink, &b), 0);
	assert_int_equal(rdimg_open(&r, b.data, b.len), 0);
	assert_null(rdimg_lookup(&r, "2024/z-old.gmi"));
	assert_null(rdimg_origin(&r, "2024/new.gmi"));
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_loops),
		cmocka_unit_test(test_path_ok),
		cmocka_unit_test(test_image),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
