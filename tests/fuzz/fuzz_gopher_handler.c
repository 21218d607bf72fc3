/* SPDX-License-Identifier: ISC */
/*
 * broadside: libFuzzer target for gopher_handle, the whole Gopher request
 * path (selector rules, routing, the archive's menus and statements, the
 * file tree, text filtering) over a temporary content root.  The root
 * holds pages, a folder, an archive with statements at the top and in a
 * year folder (one with a sidecar), and symbolic links to a secret and
 * to the folder outside it.
 * Invariants: never a byte of the secret; every menu line has four
 * fields; every response but a URL: page ends with ".\r\n".
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive.h"
#include "config.h"
#include "gopher.h"
#include "mime.h"
#include "request.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)
#define SECRET		"SECRET-7d1c0e"

static struct config	 conf;
static struct archive	*arch;
static int		 rootfd = -1;
static char		 base[] = "/tmp/fuzz-gopher-XXXXXX";

static void
put(const char *dir, const char *name, const char *text)
{
	char	 path[PATH_MAX];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	CHECK((f = fopen(path, "w")) != NULL);
	fputs(text, f);
	fclose(f);
}

/* Leave no temporary tree behind (libFuzzer ends with exit()). */
static void
cleanup(void)
{
	char	 cmd[PATH_MAX];

	archive_free(arch);
	arch = NULL;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	if (system(cmd) != 0)
		return;
}

static void
mkdir_in(const char *root, const char *name)
{
	char	 path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, name);
	CHECK(mkdir(path, 0755) == 0);
}

static void
setup(void)
{
	char	 root[PATH_MAX], path[PATH_MAX];

	CHECK(mkdtemp(base) != NULL);
	atexit(cleanup);
	put(base, "secret.txt", SECRET "\n");
	snprintf(root, sizeof(root), "%s/content", base);
	CHECK(mkdir(root, 0755) == 0);
	put(root, "about.gmi", "# About\n\nText.\n=> /dir/ A folder\n"
	    "=> gopher://elsewhere.example/1/ Away\n=> https://x.example/ Web\n");
	put(root, "a.txt", "plain\n.dot line\n");
	put(root, ".hidden", SECRET "\n");
	mkdir_in(root, "dir");
	put(root, "dir/b.gmi", "# B\n\n* item\n> quote\n");
	put(root, "dir/index.txt", "not an index\n");
	mkdir_in(root, "statements");
	mkdir_in(root, "statements/2024");
	put(root, "statements/2025-06-09-top.gmi", "# Top\n\nWords at the top."
	    "\n=> /about.gmi About\n");
	put(root, "statements/2024/2024-03-01-x.gmi", "# In a folder\n\n"
	    "Words in a year folder, caf\xc3\xa9.\n");
	put(root, "statements/2024/2024-03-01-x.ini", "tags = police\n"
	    "; " SECRET "\n");
	put(root, "statements/2024/2024-04-02-plain.txt", "Plain\n\nplain "
	    "words\n");
	snprintf(path, sizeof(path), "%s/out", root);
	CHECK(symlink("../secret.txt", path) == 0);
	snprintf(path, sizeof(path), "%s/up", root);
	CHECK(symlink("..", path) == 0);
	CHECK(config_load_string("[server]\nhostname = localhost\n"
	    "[gopher]\nport = 7070\n", "fuzz", NULL, &conf, NULL, NULL) == 0);
	conf.gopher_port = 7070;
	CHECK((rootfd = open(root, O_RDONLY | O_DIRECTORY)) != -1);
	CHECK(mime_init() == 0);
	CHECK((arch = archive_new(&conf, rootfd)) != NULL);
}

/* The whole response: header and small body, lent body, filtered file. */
static void
collect(struct response *r, struct buf *all)
{
	char	 chunk[512];
	ssize_t	 n;

	buf_append(all, r->out.data ? r->out.data : "", r->out.len);
	if (r->body != NULL)
		buf_append(all, r->body, r->body_len);
	while (r->fd != -1 && (n = read(r->fd, chunk, sizeof(chunk))) > 0) {
		if (r->filter != NULL)
			r->filter(r->filter_state, chunk, (size_t)n, all, 0);
		else
			buf_append(all, chunk, (size_t)n);
	}
	if (r->fd != -1 && r->filter != NULL)
		r->filter(r->filter_state, "", 0, all, 1);
}

static int
contains(const char *p, size_t len, const char *what)
{
	size_t	 n = strlen(what), i;

	for (i = 0; i + n <= len; i++)
		if (memcmp(p + i, what, n) == 0)
			return 1;
	return 0;
}

/* A menu: its first line carries TABs; then every line has 4 fields. */
static void
check_menu(const char *p, size_t len)
{
	const char	*end = p + len, *nl, *q;
	int		 tabs;

	nl = memchr(p, '\n', len);
	if (nl == NULL || memchr(p, '\t', (size_t)(nl - p)) == NULL)
		return;
	while (p < end) {
		CHECK((nl = memchr(p, '\n', (size_t)(end - p))) != NULL);
		CHECK(nl > p && nl[-1] == '\r');
		if (nl - p == 2 && p[0] == '.')
			break;
		for (tabs = 0, q = p; q < nl; q++)
			tabs += *q == '\t';
		CHECK(tabs >= 3);
		p = nl + 1;
	}
	CHECK(nl + 1 == end);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct request_ctx	 ctx;
	struct response		 r;
	struct buf		 all;

	if (rootfd == -1)
		setup();
	if (size > GOPHER_SELECTOR_MAX + 64)
		return 0;
	memset(&ctx, 0, sizeof(ctx));
	ctx.conf = &conf;
	ctx.rootfd = rootfd;
	ctx.archive = arch;
	response_init(&r);
	gopher_handle(&ctx, (const char *)data, size, &r);
	CHECK(!r.out.failed);
	buf_init(&all, 8 * 1024 * 1024);
	collect(&r, &all);
	CHECK(!all.failed);
	/* (A search or a URL: page echoes what the client typed.) */
	if (memchr(data, '\t', size) == NULL && (size < 4 ||
	    memcmp(data, "URL:", 4) != 0))
		CHECK(!contains(all.data ? all.data : "", all.len, SECRET));
	if (size < 4 || memcmp(data, "URL:", 4) != 0) {
		CHECK(all.len >= 3 &&
		    memcmp(all.data + all.len - 3, ".\r\n", 3) == 0);
		check_menu(all.data, all.len);
	}
	buf_free(&all);
	response_free(&r);
	return 0;
}
