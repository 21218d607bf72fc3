/* SPDX-License-Identifier: ISC */
/* broadside: tests for gopher.c (selector parsing, routing, errors). */
#include <sys/stat.h>

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "archive.h"
#include "config.h"
#include "gopher.h"
#include "mime.h"
#include "render_gopher.h"

struct parse_case {
	const char	*line;
	size_t		 len;		/* 0: strlen */
	int		 ok;
	const char	*selector;
	const char	*search;	/* NULL: no search */
	int		 plus;
};

static const struct parse_case parse_cases[] = {
	{ "", 0, 1, "", NULL, 0 },
	{ "/", 0, 1, "/", NULL, 0 },
	{ "/plain.txt", 0, 1, "/plain.txt", NULL, 0 },
	{ "plain.txt", 0, 1, "plain.txt", NULL, 0 },
	{ "0/plain.txt", 0, 1, "plain.txt", NULL, 0 },
	{ "1/dir/", 0, 1, "dir/", NULL, 0 },
	{ "9/noext", 0, 1, "noext", NULL, 0 },
	{ "I/image.png", 0, 1, "image.png", NULL, 0 },
	{ "/0/x", 0, 1, "/0/x", NULL, 0 },	/* no prefix after '/' */
	{ "ab/c", 0, 1, "ab/c", NULL, 0 },
	{ "/search\tfree speech", 0, 1, "/search", "free speech", 0 },
	{ "/search\t", 0, 1, "/search", "", 0 },
	{ "/x\t+", 0, 1, "/x", NULL, 1 },
	{ "/x\t!", 0, 1, "/x", NULL, 1 },
	{ "/x\t$", 0, 1, "/x", NULL, 1 },
	{ "/x\t+text/plain", 0, 1, "/x", NULL, 1 },
	{ "/s\twords\t+", 0, 1, "/s", "words", 1 },
	{ "/x\r", 0, 1, "/x", NULL, 0 },	/* a stray CR is dropped */
	{ "/a\rb", 0, 0, NULL, NULL, 0 },
	{ "/a\nb", 0, 0, NULL, NULL, 0 },
	{ "/a\0b", 4, 0, NULL, NULL, 0 },
};

static void
test_parse_table(void **state)
{
	struct gopher_request	 req;
	const char		*errstr;
	size_t			 i, len;
	int			 rv;

	(void)state;
	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		const struct parse_case *c = &parse_cases[i];

		len = c->len ? c->len : strlen(c->line);
		errstr = NULL;
		rv = gopher_parse(c->line, len, &req, &errstr);
		if (!c->ok) {
			assert_int_equal(rv, -1);
			assert_non_null(errstr);
			continue;
		}
		assert_int_equal(rv, 0);
		assert_string_equal(req.selector, c->selector);
		assert_int_equal(req.has_search, c->search != NULL);
		if (c->search != NULL)
			assert_string_equal(req.search, c->search);
		assert_int_equal(req.gopher_plus, c->plus);
	}
}

static void
test_parse_length(void **state)
{
	struct gopher_request	 req;
	const char		*errstr;
	char			 line[GOPHER_SELECTOR_MAX + 2];

	(void)state;
	memset(line, 'a', sizeof(line));
	line[0] = '/';
	assert_int_equal(gopher_parse(line, GOPHER_SELECTOR_MAX, &req,
	    &errstr), 0);
	assert_int_equal(strlen(req.selector), GOPHER_SELECTOR_MAX);
	assert_int_equal(gopher_parse(line, GOPHER_SELECTOR_MAX + 1, &req,
	    &errstr), -1);
}

/* A content root in a temporary directory, and a config pointing at it. */
struct fixture {
	char		 dir[64];
	int		 rootfd;
	struct config	 conf;
	struct archive	*archive;
};

static void
put_file(struct fixture *fx, const char *name, const char *data, size_t len)
{
	int	 fd;

	fd = openat(fx->rootfd, name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd != -1);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void
put_str(struct fixture *fx, const char *name, const char *text)
{
	put_file(fx, name, text, strlen(text));
}

static int
setup(void **state)
{
	struct fixture	*fx;

	fx = calloc(1, sizeof(*fx));
	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_gopher.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	fx->rootfd = open(fx->dir, O_RDONLY | O_DIRECTORY);
	assert_true(fx->rootfd != -1);
	assert_int_equal(mkdirat(fx->rootfd, "listed", 0755), 0);
	assert_int_equal(mkdirat(fx->rootfd, "listed/sub", 0755), 0);
	assert_int_equal(mkdirat(fx->rootfd, "withindex", 0755), 0);
	put_file(fx, "hello.gmi", "# Hello\n\nA test page.\n=> /plain.txt "
	    "plain text\n", 47);
	put_file(fx, "plain.txt", "Just text.\n.starts with a dot\n", 30);
	put_file(fx, "listed/a.gmi", "# A\n", 4);
	put_file(fx, "listed/b.txt", "b\n", 2);
	put_file(fx, "listed/.secret", "hidden\n", 7);
	put_file(fx, "listed/pic.gif", "GIF89a", 6);
	put_file(fx, "withindex/index.gmi", "# Index page\n=> a.txt A\n", 24);
	put_file(fx, "noext", "\x7f" "ELF\0\1\2", 7);
	assert_int_equal(mkdirat(fx->rootfd, "statements", 0755), 0);
	assert_int_equal(mkdirat(fx->rootfd, "statements/2024", 0755), 0);
	put_str(fx, "statements/2024/2024-03-01-x.gmi", "# In a folder\n\n"
	    "Words of the statement.\n=> /hello.gmi Hello page\n");
	put_str(fx, "statements/2024/2024-03-01-x.ini", "tags = police, "
	    "Inmigraci\xc3\xb3n\n"
	    "; private note\n");
	fx->conf.hostname = "gopher.example";
	fx->conf.gopher_port = 7070;
	fx->conf.wrap = 70;
	fx->conf.charset = CHARSET_UTF8;
	fx->conf.autoindex = 1;
	fx->conf.root = fx->dir;
	fx->conf.archive = "statements";
	fx->conf.title = "Statements";
	mime_init();
	fx->archive = archive_new(&fx->conf, fx->rootfd);
	assert_non_null(fx->archive);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*fx = *state;
	char		 cmd[128];

	archive_free(fx->archive);
	close(fx->rootfd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	assert_int_equal(system(cmd), 0);
	free(fx);
	return 0;
}

/* Run a request; the body is r->out plus the (filtered) file. */
static char *
request(struct fixture *fx, const char *line, size_t len, int *status)
{
	struct request_ctx	 ctx;
	struct response		 r;
	struct buf		 all;
	char			 chunk[7];
	ssize_t			 n;

	memset(&ctx, 0, sizeof(ctx));
	ctx.conf = &fx->conf;
	ctx.rootfd = fx->rootfd;
	ctx.archive = fx->archive;
	response_init(&r);
	gopher_handle(&ctx, line, len, &r);
	assert_false(r.out.failed);
	buf_init(&all, 1 << 20);
	buf_append(&all, r.out.data ? r.out.data : "", r.out.len);
	if (r.body != NULL)
		buf_append(&all, r.body, r.body_len);
	if (r.fd != -1) {
		/* Small chunks exercise the filter's carry state. */
		while ((n = read(r.fd, chunk, sizeof(chunk))) > 0) {
			if (r.filter)
				r.filter(r.filter_state, chunk, (size_t)n,
				    &all, 0);
			else
				buf_append(&all, chunk, (size_t)n);
		}
		if (r.filter)
			r.filter(r.filter_state, "", 0, &all, 1);
	}
	*status = r.status;
	response_free(&r);
	buf_putc(&all, '\0');
	return buf_steal(&all, NULL);
}

static char *
req_str(struct fixture *fx, const char *line, int *status)
{
	return request(fx, line, strlen(line), status);
}

static void
test_text_file(void **state)
{
	struct fixture	*fx = *state;
	const char	*forms[] = { "/plain.txt", "plain.txt", "0/plain.txt" };
	char		*out;
	size_t		 i;
	int		 st;

	for (i = 0; i < 3; i++) {
		out = req_str(fx, forms[i], &st);
		assert_int_equal(st, 0);
		assert_string_equal(out,
		    "Just text.\r\n..starts with a dot\r\n.\r\n");
		free(out);
	}
}

static void
test_binary(void **state)
{
	struct fixture	*fx = *state;
	char		*out;
	int		 st;

	out = req_str(fx, "9/noext", &st);
	assert_int_equal(st, 0);
	assert_memory_equal(out, "\x7f" "ELF\0\1\2", 7);
	free(out);
}

static void
test_gmi(void **state)
{
	struct fixture	*fx = *state;
	char		*out;
	int		 st;

	/* As text with the "0/" prefix: title underlined, reference listed. */
	out = req_str(fx, "0/hello.gmi", &st);
	assert_int_equal(st, 0);
	assert_non_null(strstr(out, "Hello\r\n=====\r\n"));
	assert_non_null(strstr(out, "[1] plain text\r\n"));
	assert_non_null(strstr(out,
	    "[1] gopher://gopher.example:7070/0/plain.txt\r\n"));
	free(out);
	/* As a menu with the "1/" prefix, and by default. */
	out = req_str(fx, "1/hello.gmi", &st);
	assert_non_null(strstr(out,
	    "0plain text\t/plain.txt\tgopher.example\t7070\r\n"));
	free(out);
	out = req_str(fx, "/hello.gmi", &st);
	assert_non_null(strstr(out,
	    "0plain text\t/plain.txt\tgopher.example\t7070\r\n"));
	free(out);
	/* index.gmi makes the directory's menu. */
	out = req_str(fx, "/withindex/", &st);
	assert_non_null(strstr(out,
	    "iIndex page\t\tgopher.example\t7070\r\n"));
	assert_non_null(strstr(out,
	    "0A\t/withindex/a.txt\tgopher.example\t7070\r\n"));
	free(out);
}

#define ITEM(t, d, s)	t d "\t" s "\tgopher.example\t7070\r\n"

/* The archive's routes through the whole handler. */
static void
test_archive_routes(void **state)
{
	static const struct {
		const char	*sel;
		const char	*has;
	} cases[] = {
		{ "", ITEM("0", "2024-03-01 In a folder",
		    "/statements/2024/2024-03-01-x.gmi") },
		{ "", ITEM("1", "Hello", "/hello.gmi") },
		{ "/statements/", ITEM("0", "2024-03-01 In a folder",
		    "/statements/2024/2024-03-01-x.gmi") },
		{ "/statements/2024/", "iStatements of 2024.\t" },
		{ "/statements/2024", "iStatements of 2024.\t" },
		{ "1/statements/2024/", "iStatements of 2024.\t" },
		{ "/statements/tags/police/", ITEM("0", "2024-03-01 In a folder",
		    "/statements/2024/2024-03-01-x.gmi") },
		{ "/statements/tags/", ITEM("1", "police (1)",
		    "/statements/tags/police/") },
		{ "/statements/tags/", ITEM("1", "Inmigraci\xc3\xb3n (1)",
		    "/statements/tags/inmigracion/") },
		{ "/statements/tags/inmigracion/",
		    "iTag: Inmigraci\xc3\xb3n\t" },
		{ "/statements/2024/2024-03-01-x.gmi",
		    "Words of the statement." },
		{ "0/statements/2024/2024-03-01-x.gmi", "[1] Hello page" },
		/* The menu rendering: the statement's links can be followed. */
		{ "1/statements/2024/2024-03-01-x.gmi",
		    ITEM("1", "Hello page", "/hello.gmi") },
		{ "/search\tstatement", ITEM("0", "2024-03-01 In a folder",
		    "/statements/2024/2024-03-01-x.gmi") },
		{ "/statements/2024/2024-03-01-x.ini", "3Not found\t" },
		{ "/statements/tags/nosuch/", "3No statement has this tag\t" },
		{ "/statements/1999/", "3No statement of this year\t" },
	};
	struct fixture	*fx = *state;
	char		*out;
	size_t		 i;
	int		 st;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		out = req_str(fx, cases[i].sel, &st);
		if (strstr(out, cases[i].has) == NULL)
			fail_msg("%s: no \"%s\" in:\n%.600s", cases[i].sel,
			    cases[i].has, out);
		assert_int_equal(strcmp(out + strlen(out) - 3, ".\r\n"), 0);
		assert_null(strstr(out, "private note"));
		free(out);
	}
}

static void
test_auto_menu(void **state)
{
	struct fixture	*fx = *state;
	char		*out;
	int		 st;

	out = req_str(fx, "/listed", &st);	/* no slash: served anyway */
	assert_int_equal(st, 0);
	assert_non_null(strstr(out,
	    "1A\t/listed/a.gmi\tgopher.example\t7070\r\n"));
	assert_non_null(strstr(out,
	    "0b.txt\t/listed/b.txt\tgopher.example\t7070\r\n"));
	assert_non_null(strstr(out,
	    "gpic.gif\t/listed/pic.gif\tgopher.example\t7070\r\n"));
	assert_non_null(strstr(out,
	    "1sub\t/listed/sub/\tgopher.example\t7070\r\n"));
	assert_null(strstr(out, "secret"));
	assert_int_equal(strcmp(out + strlen(out) - 3, ".\r\n"), 0);
	free(out);
	fx->conf.autoindex = 0;
	out = req_str(fx, "/listed/", &st);
	assert_int_equal(st, 3);
	assert_int_equal(out[0], '3');
	free(out);
	fx->conf.autoindex = 1;
}

static void
test_not_found(void **state)
{
	struct fixture	*fx = *state;
	const char	*bad[] = {
		"/nope", "../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
		"..\\..\\etc\\passwd", "/etc/passwd", "/listed/.secret",
		"/listed/%2esecret", "0/../../../etc/passwd",
	};
	char		*out;
	size_t		 i;
	int		 st;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		out = req_str(fx, bad[i], &st);
		assert_int_equal(st, 3);
		assert_int_equal(out[0], '3');
		assert_null(strstr(out, "root:"));
		assert_null(strstr(out, "hidden"));
		assert_int_equal(strcmp(out + strlen(out) - 3, ".\r\n"), 0);
		free(out);
	}
	out = request(fx, "/plain.txt\0x", 12, &st);
	assert_int_equal(st, 3);
	free(out);
	out = req_str(fx, "/plain%00.txt", &st);
	assert_int_equal(st, 3);
	free(out);
	/* A valid escape is decoded; a bad one is kept as written. */
	out = req_str(fx, "/plain%2Etxt", &st);
	assert_int_equal(st, 0);
	free(out);
	out = req_str(fx, "/plain%zz", &st);
	assert_int_equal(st, 3);
	free(out);
}

static void
test_gopher_plus_and_search(void **state)
{
	struct fixture	*fx = *state;
	char		*out;
	int		 st;

	out = req_str(fx, "/plain.txt\t+", &st);
	assert_int_equal(st, 0);
	assert_non_null(strstr(out, "Just text."));
	free(out);
	out = req_str(fx, "/plain.txt\t$", &st);
	assert_int_equal(st, 0);
	free(out);
}

static void
test_url_and_caps(void **state)
{
	struct fixture	*fx = *state;
	char		*out;
	int		 st;

	out = req_str(fx, "URL:https://example.com/?a=1&b=\"<x>", &st);
	assert_int_equal(st, 0);
	assert_non_null(strstr(out,
	    "href=\"https://example.com/?a=1&amp;b=&quot;&lt;x&gt;\""));
	assert_null(strstr(out, "<x>"));
	free(out);
	out = req_str(fx, "URL:javascript:alert(1)", &st);
	assert_null(strstr(out, "refresh"));
	free(out);
	out = req_str(fx, "caps.txt", &st);
	assert_int_equal(st, 0);
	assert_non_null(strstr(out, "CapsVersion=1\r\n"));
	assert_non_null(strstr(out, "PathDelimiter=/\r\n"));
	assert_non_null(strstr(out, "ServerSoftware=broadside\r\n"));
	assert_non_null(strstr(out, "DefaultEncoding=UTF-8\r\n"));
	free(out);
	fx->conf.charset = CHARSET_ASCII;
	out = req_str(fx, "/caps.txt", &st);
	assert_non_null(strstr(out, "DefaultEncoding=US-ASCII\r\n"));
	free(out);
	fx->conf.charset = CHARSET_UTF8;
	/* The root's own caps.txt wins. */
	put_file(fx, "caps.txt", "CAPS\nCapsVersion=1\nMine=1\n", 26);
	out = req_str(fx, "caps.txt", &st);
	assert_non_null(strstr(out, "Mine=1\r\n"));
	free(out);
	assert_int_equal(unlinkat(fx->rootfd, "caps.txt", 0), 0);
}

static void
test_error(void **state)
{
	struct response		 r;
	struct request_ctx	 ctx;
	struct config		 conf;

	(void)state;
	memset(&conf, 0, sizeof(conf));
	conf.hostname = "gopher.example";
	conf.gopher_port = 7070;
	memset(&ctx, 0, sizeof(ctx));
	ctx.conf = &conf;
	response_init(&r);
	gopher_error(&ctx, &r, "Temporary failure");
	assert_int_equal(r.status, 3);
	/* Always the configured host and port, never a dummy. */
	assert_string_equal(r.out.data,
	    "3Temporary failure\t\tgopher.example\t7070\r\n.\r\n");
	response_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_parse_length),
		cmocka_unit_test(test_error),
		cmocka_unit_test_setup_teardown(test_text_file, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_binary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gmi, setup, teardown),
		cmocka_unit_test_setup_teardown(test_archive_routes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_auto_menu, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_not_found, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_gopher_plus_and_search,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_url_and_caps, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
