/* SPDX-License-Identifier: ISC */
/*
 * Unit tests: gemini_handle over a small archive in a temporary root:
 * request rules, every archive route, statements in year folders, the
 * file tree, and the header's language from a sidecar.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>

#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "archive.h"
#include "cache.h"
#include "config.h"
#include "gemini.h"
#include "mime.h"
#include "request.h"

struct fixture {
	char			 dir[64];
	int			 rootfd;
	struct config		 conf;
	struct archive		*archive;
	struct cache		*cache;
	struct sockaddr_in	 local;
};

static void
put(struct fixture *fx, const char *name, const char *text)
{
	int	 fd;

	fd = openat(fx->rootfd, name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd != -1);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static int
setup(void **state)
{
	struct fixture	*fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/broadside-gemini-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	fx->rootfd = open(fx->dir, O_RDONLY | O_DIRECTORY);
	assert_true(fx->rootfd != -1);
	assert_int_equal(mkdirat(fx->rootfd, "statements", 0755), 0);
	assert_int_equal(mkdirat(fx->rootfd, "statements/2024", 0755), 0);
	assert_int_equal(mkdirat(fx->rootfd, "statements/2023", 0755), 0);
	assert_int_equal(mkdirat(fx->rootfd, "statements/2023/03", 0755), 0);
	put(fx, "about.gmi", "# About us\n\nWho we are.\n");
	put(fx, "statements/2025-01-05-top.gmi", "# Top\n\nAt the top.\n");
	put(fx, "statements/2024/2024-03-01-x.gmi", "# In a year folder\n\n"
	    "The national guard words.\n");
	put(fx, "statements/2024/2024-03-01-x.ini", "lang = es\n"
	    "tags = police, rights, Inmigraci\xc3\xb3n\n; an editor's note\n");
	put(fx, "statements/2023/03/2023-03-07-deep.gmi", "# Deep\n\nDeep.\n");
	put(fx, "statements/2024/2024-04-02-plain.txt", "Plain title\n\n"
	    "Plain words.\n");
	fx->conf.hostname = "localhost";
	fx->conf.root = fx->dir;
	fx->conf.archive = "statements";
	fx->conf.title = "Statements";
	fx->conf.lang = "en";
	fx->conf.autoindex = 1;
	fx->local.sin_family = AF_INET;
	fx->local.sin_addr.s_addr = htonl(0x7f000001);
	fx->local.sin_port = htons(1965);
	mime_init();
	fx->archive = archive_new(&fx->conf, fx->rootfd);
	assert_non_null(fx->archive);
	fx->cache = cache_new(65536, 65536 * 8);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*fx = *state;
	char		 cmd[128];

	archive_free(fx->archive);
	cache_free(fx->cache);
	close(fx->rootfd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	assert_int_equal(system(cmd), 0);
	mime_close();
	free(fx);
	return 0;
}

/* The whole response (header, body, file) as a string. */
static char *
get(struct fixture *fx, const char *line)
{
	struct request_ctx	 ctx;
	struct response		 r;
	struct buf		 all;
	char			 chunk[4096];
	ssize_t			 n;

	memset(&ctx, 0, sizeof(ctx));
	ctx.conf = &fx->conf;
	ctx.rootfd = fx->rootfd;
	ctx.local = (struct sockaddr *)&fx->local;
	ctx.local_port = 1965;
	ctx.archive = fx->archive;
	ctx.cache = fx->cache;
	response_init(&r);
	gemini_handle(&ctx, line, strlen(line), &r);
	assert_false(r.out.failed);
	buf_init(&all, 1 << 22);
	buf_append(&all, r.out.data ? r.out.data : "", r.out.len);
	if (r.body != NULL)
		buf_append(&all, r.body, r.body_len);
	while (r.fd != -1 && (n = read(r.fd, chunk, sizeof(chunk))) > 0)
		buf_append(&all, chunk, (size_t)n);
	response_free(&r);
	buf_putc(&all, '\0');
	return buf_steal(&all, NULL);
}

static void
expect(struct fixture *fx, const char *line, const char *head,
    const char *body_has)
{
	char	*out = get(fx, line);

	if (strncmp(out, head, strlen(head)) != 0)
		fail_msg("%s: got \"%.80s\", expected \"%s\"", line, out, head);
	if (body_has != NULL && strstr(out, body_has) == NULL)
		fail_msg("%s: no \"%s\" in \"%.300s\"", line, body_has, out);
	free(out);
}

#define U(p)	"gemini://localhost" p

static void
test_archive_routes(void **state)
{
	struct fixture	*fx = *state;

	expect(fx, U("/"), "20 text/gemini", "In a year folder");
	expect(fx, U("/statements/"), "20 text/gemini",
	    "/statements/2024/2024-03-01-x.gmi");
	expect(fx, U("/statements"), "31 /statements/\r\n", NULL);
	expect(fx, U("/statements/2024/"), "20 text/gemini",
	    "2024-03-01 In a year folder");
	expect(fx, U("/statements/2024"), "31 /statements/2024/\r\n", NULL);
	expect(fx, U("/statements/2024/page/9/"), "51 ", NULL);
	expect(fx, U("/statements/1999/"), "51 ", NULL);
	expect(fx, U("/statements/tags/"), "20 text/gemini", "police");
	expect(fx, U("/statements/tags/police/"), "20 text/gemini",
	    "2024-03-01 In a year folder");
	expect(fx, U("/statements/tags/police"), "31 ", NULL);
	/* A tag is shown as written, its URL folded as search folds. */
	expect(fx, U("/statements/tags/"), "20 text/gemini",
	    "=> /statements/tags/inmigracion/ Inmigraci\xc3\xb3n (1)\n");
	expect(fx, U("/statements/tags/inmigracion/"), "20 text/gemini",
	    "# Tag: Inmigraci\xc3\xb3n\n");
	expect(fx, U("/statements/tags/nosuchtag/"), "51 ", NULL);
	expect(fx, U("/statements/atom.xml"), "20 application/atom+xml",
	    "/statements/2023/03/2023-03-07-deep.gmi");
	expect(fx, U("/search"), "10 ", NULL);
	expect(fx, U("/search?national+guard"), "20 text/gemini",
	    "In a year folder");
}

/* The links a page prints lead to the statements, at every depth. */
static void
test_statements_at_every_depth(void **state)
{
	struct fixture	*fx = *state;

	expect(fx, U("/statements/2025-01-05-top.gmi"), "20 text/gemini",
	    "At the top.");
	expect(fx, U("/statements/2024/2024-03-01-x.gmi"),
	    "20 text/gemini; charset=utf-8; lang=es\r\n", "national guard");
	expect(fx, U("/statements/2023/03/2023-03-07-deep.gmi"),
	    "20 text/gemini; charset=utf-8; lang=en\r\n", "Deep.");
	expect(fx, U("/statements/2024/2024-04-02-plain.txt"),
	    "20 text/plain", "Plain words.");
	/* The sidecar is metadata: never served. */
	expect(fx, U("/statements/2024/2024-03-01-x.ini"), "51 ", NULL);
	expect(fx, U("/statements/2024/"), "20 ", NULL);
	expect(fx, U("/statements/2023/03/"), "20 text/gemini",
	    "2023-03-07-deep.gmi");
}

static void
test_file_tree_and_hosts(void **state)
{
	struct fixture	*fx = *state;

	expect(fx, U("/about.gmi"), "20 text/gemini", "Who we are.");
	expect(fx, U("/nope.gmi"), "51 ", NULL);
	expect(fx, "gemini://localhost:1965/about.gmi", "20 ", NULL);
	expect(fx, "gemini://LOCALHOST./about.gmi", "20 ", NULL);
	expect(fx, "gemini://localhost:1966/about.gmi", "53 ", NULL);
	expect(fx, "gemini://example.org/", "53 ", NULL);
	expect(fx, "https://localhost/", "53 ", NULL);
	expect(fx, "gemini://localhost/#frag", "59 ", NULL);
	expect(fx, "", "59 ", NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_archive_routes),
		cmocka_unit_test(test_statements_at_every_depth),
		cmocka_unit_test(test_file_tree_and_hosts),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
