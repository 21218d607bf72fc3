/* SPDX-License-Identifier: ISC */
/* Unit tests: the archive router, every route, for both protocols. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "archive_route.h"

struct rcase {
	const char	*path;
	int		 flags;
	enum route_kind	 kind;
	const char	*key;		/* NULL: not checked */
	long		 page;
	const char	*rel;		/* NULL: not checked */
	enum route_view	 view;
};

#define G	0
#define P	ROUTE_GOPHER

/* Paths both protocols route the same way. */
static const struct rcase both[] = {
	{ "", 0, ROUTE_HOME, NULL, 0, NULL, 0 },
	{ "/", 0, ROUTE_HOME, NULL, 0, NULL, 0 },
	{ "/search", 0, ROUTE_SEARCH, NULL, 0, NULL, 0 },
	{ "/search/", 0, ROUTE_NONE, NULL, 0, NULL, 0 },
	{ "/statements", 0, ROUTE_SLASH, NULL, 0, NULL, 0 },
	{ "/statements/", 0, ROUTE_INDEX, NULL, 0, NULL, 0 },
	{ "/statements/page/2/", 0, ROUTE_INDEX, NULL, 1, NULL, 0 },
	{ "/statements/page/2", 0, ROUTE_SLASH, NULL, 0, NULL, 0 },
	{ "/statements/page/0/", 0, ROUTE_NOT_FOUND, NULL, 0, NULL, 0 },
	{ "/statements/page/x/", 0, ROUTE_NOT_FOUND, NULL, 0, NULL, 0 },
	{ "/statements/page/99999999999999999999/", 0, ROUTE_NOT_FOUND,
	    NULL, 0, NULL, 0 },
	{ "/statementsX/", 0, ROUTE_NONE, NULL, 0, NULL, 0 },
	{ "/other/2024/", 0, ROUTE_NONE, NULL, 0, NULL, 0 },
	{ "/statements/atom.xml", 0, ROUTE_FEED, NULL, 0, NULL, 0 },
	{ "/statements/tags", 0, ROUTE_SLASH, NULL, 0, NULL, 0 },
	{ "/statements/tags/", 0, ROUTE_TAGS, NULL, 0, NULL, 0 },
	{ "/statements/tags/police/", 0, ROUTE_TAG, "police", 0, NULL, 0 },
	{ "/statements/tags/police", 0, ROUTE_SLASH, NULL, 0, NULL, 0 },
	{ "/statements/tags/police/page/3/", 0, ROUTE_TAG, "police", 2,
	    NULL, 0 },
	{ "/statements/tags/police/x", 0, ROUTE_NOT_FOUND, NULL, 0, NULL,
	    0 },
	{ "/statements/tags//", 0, ROUTE_NOT_FOUND, NULL, 0, NULL, 0 },
	{ "/statements/tags/inmigraci\xc3\xb3n/", 0, ROUTE_TAG,
	    "inmigraci\xc3\xb3n", 0, NULL, 0 },
	{ "/statements/tagsx", 0, ROUTE_NONE, NULL, 0, NULL, 0 },
	{ "/statements/2024", 0, ROUTE_SLASH, NULL, 0, NULL, 0 },
	{ "/statements/2024/", 0, ROUTE_YEAR, "2024", 0, NULL, 0 },
	{ "/statements/2024/page/2/", 0, ROUTE_YEAR, "2024", 1, NULL, 0 },
	{ "/statements/2024/page/2", 0, ROUTE_SLASH, NULL, 0, NULL, 0 },
	/* Statements at the top, in year folders, deeper, .txt. */
	{ "/statements/2025-06-09-stop.gmi", 0, ROUTE_STATEMENT, NULL, 0,
	    "2025-06-09-stop.gmi", 0 },
	{ "/statements/2024/2024-03-01-x.gmi", 0, ROUTE_STATEMENT, NULL, 0,
	    "2024/2024-03-01-x.gmi", 0 },
	{ "/statements/2023/03/2023-03-07-deep.gmi", 0, ROUTE_STATEMENT,
	    NULL, 0, "2023/03/2023-03-07-deep.gmi", 0 },
	{ "/statements/2024/2024-03-02-plain.txt", 0, ROUTE_STATEMENT, NULL,
	    0, "2024/2024-03-02-plain.txt", 0 },
	{ "/statements/2025-06-09-stop.es.gmi", 0, ROUTE_STATEMENT, NULL, 0,
	    "2025-06-09-stop.es.gmi", 0 },
	/* Names that travel percent-encoded arrive decoded here. */
	{ "/statements/2024/2024-05-01-caf\xc3\xa9 au lait.gmi", 0,
	    ROUTE_STATEMENT, NULL, 0, "2024/2024-05-01-caf\xc3\xa9 au lait.gmi",
	    0 },
	{ "/statements/2025-06-09-stop.ini", 0, ROUTE_HIDDEN, NULL, 0, NULL,
	    0 },
	{ "/statements/2024/2024-03-01-x.ini", 0, ROUTE_HIDDEN, NULL, 0,
	    NULL, 0 },
	{ "/statements/2025-06-09-stop/signed.pdf", 0, ROUTE_ATTACHMENT,
	    NULL, 0, "2025-06-09-stop/signed.pdf", 0 },
	{ "/statements/2024/2024-03-01-x/photo.jpg", 0, ROUTE_ATTACHMENT,
	    NULL, 0, "2024/2024-03-01-x/photo.jpg", 0 },
	{ "/statements/2023/03/", 0, ROUTE_NONE, NULL, 0, NULL, 0 },
	{ "/statements/2024/notes.txt", 0, ROUTE_NONE, NULL, 0, NULL, 0 },
	{ "/statements/readme.gmi", 0, ROUTE_NONE, NULL, 0, NULL, 0 },
	{ "/statements/202x-01-01-bad.gmi", 0, ROUTE_NONE, NULL, 0, NULL, 0 },
	{ "/about.gmi", 0, ROUTE_NONE, NULL, 0, NULL, 0 },
	/* A sidecar is hidden by its name, whatever the path says. */
	{ "/link-to-archive/2024-03-01-x.ini", 0, ROUTE_HIDDEN, NULL, 0,
	    NULL, 0 },
	{ "/2024-03-01-x.ini", 0, ROUTE_HIDDEN, NULL, 0, NULL, 0 },
	{ "/2024-01-01-outside.gmi", 0, ROUTE_NONE, NULL, 0, NULL, 0 },
};

/* Gopher item-type prefixes, and what Gemini makes of the same paths. */
static const struct rcase typed[] = {
	{ "/0/statements/2024/2024-03-01-x.gmi", P, ROUTE_STATEMENT, NULL, 0,
	    "2024/2024-03-01-x.gmi", VIEW_TEXT },
	{ "/1/statements/2024/2024-03-01-x.gmi", P, ROUTE_STATEMENT, NULL, 0,
	    "2024/2024-03-01-x.gmi", VIEW_MENU },
	{ "/statements/2024/2024-03-01-x.gmi", P, ROUTE_STATEMENT, NULL, 0,
	    "2024/2024-03-01-x.gmi", VIEW_DEFAULT },
	{ "/1/statements/", P, ROUTE_INDEX, NULL, 0, NULL, VIEW_MENU },
	{ "/1/statements/2024/", P, ROUTE_YEAR, "2024", 0, NULL, VIEW_MENU },
	{ "/1/", P, ROUTE_HOME, NULL, 0, NULL, VIEW_MENU },
	{ "/7/search", P, ROUTE_SEARCH, NULL, 0, NULL, 0 },
	{ "/9/statements/2025-06-09-stop/signed.pdf", P, ROUTE_ATTACHMENT,
	    NULL, 0, "2025-06-09-stop/signed.pdf", 0 },
	{ "/0/about.gmi", P, ROUTE_NONE, NULL, 0, NULL, VIEW_TEXT },
	{ "/x/statements/", P, ROUTE_NONE, NULL, 0, NULL, 0 },
	/* Gemini has no type prefixes. */
	{ "/1/statements/", G, ROUTE_NONE, NULL, 0, NULL, 0 },
	{ "/0/statements/2024/2024-03-01-x.gmi", G, ROUTE_NONE, NULL, 0,
	    NULL, 0 },
};

static void
check(const struct rcase *c, int flags)
{
	struct route	 r;
	char		 what[512];

	snprintf(what, sizeof(what), "%s (%s)", c->path,
	    flags & ROUTE_GOPHER ? "gopher" : "gemini");
	archive_route("statements", c->path, flags, &r);
	if (r.kind != c->kind)
		fail_msg("%s: %s, expected %s", what,
		    archive_route_name(r.kind), archive_route_name(c->kind));
	if (c->key != NULL && (r.keylen != strlen(c->key) ||
	    memcmp(r.key, c->key, r.keylen) != 0))
		fail_msg("%s: key %.*s", what, (int)r.keylen, r.key);
	if (r.page != c->page)
		fail_msg("%s: page %ld", what, r.page);
	if (c->rel != NULL && (r.rel == NULL || strcmp(r.rel, c->rel) != 0))
		fail_msg("%s: rel %s", what, r.rel ? r.rel : "(null)");
	if (r.view != c->view)
		fail_msg("%s: view %d", what, (int)r.view);
}

static void
test_both_protocols(void **state)
{
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(both) / sizeof(both[0]); i++) {
		check(&both[i], G);
		check(&both[i], P);
	}
}

static void
test_type_prefixes(void **state)
{
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(typed) / sizeof(typed[0]); i++)
		check(&typed[i], typed[i].flags);
}

static void
test_other_archive_folder(void **state)
{
	struct route	 r;

	(void)state;
	assert_int_equal(archive_route("news", "/news/2024/", 0, &r),
	    ROUTE_YEAR);
	assert_int_equal(archive_route("news", "/statements/2024/", 0, &r),
	    ROUTE_NONE);
	assert_int_equal(archive_route("news", "/newsroom/", 0, &r),
	    ROUTE_NONE);
	assert_int_equal(archive_route("", "/2024/", 0, &r), ROUTE_NONE);
	/* The type prefix is gone from r.path. */
	archive_route("statements", "/1/about/", ROUTE_GOPHER, &r);
	assert_string_equal(r.path, "/about/");
	assert_int_equal(r.type, '1');
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_both_protocols),
		cmocka_unit_test(test_type_prefixes),
		cmocka_unit_test(test_other_archive_folder),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
