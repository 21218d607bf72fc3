/* SPDX-License-Identifier: ISC */
/*
 * broadside: libFuzzer target for gemini_handle over a temporary content
 * root (request line rules, URI parsing, routing, file serving).  The
 * root holds a few files, a one-statement archive (indexed as the server
 * does at start) and a symbolic link to a secret outside it.
 * Invariants: the response starts with a valid header line; only status
 * 20 carries a body; an open file is never the secret; bytes after the
 * header come only with 20.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>

#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "archive.h"
#include "config.h"
#include "gemini.h"
#include "request.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)

static struct config	 conf;
static int		 rootfd = -1;
static struct stat	 secret;
static struct event_base	*base_ev;
static struct archive		*arch;

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

static char	 base[] = "/tmp/fuzz-gemini-XXXXXX";

/* Leave no temporary tree behind (libFuzzer ends with exit()). */
static void
cleanup(void)
{
	static const char *const names[] = {
		"content/statements/2025-06-09-a-statement.gmi",
		"content/statements", "content/dir/b.gmi", "content/dir",
		"content/out", "content/index.gmi", "content/a.txt",
		"content/.hidden", "content", "secret.txt", "",
	};
	char	 path[PATH_MAX];
	size_t	 i;

	archive_free(arch);
	arch = NULL;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", base, names[i]);
		if (unlink(path) == -1)
			rmdir(path);
	}
}

static void
setup(void)
{
	char		 root[PATH_MAX], path[PATH_MAX];

	CHECK(mkdtemp(base) != NULL);
	atexit(cleanup);
	put(base, "secret.txt", "SECRET\n");
	snprintf(path, sizeof(path), "%s/secret.txt", base);
	CHECK(stat(path, &secret) == 0);
	snprintf(root, sizeof(root), "%s/content", base);
	CHECK(mkdir(root, 0755) == 0);
	put(root, "index.gmi", "# Home\n=> /a.txt a\n");
	put(root, "a.txt", "plain\n");
	put(root, ".hidden", "hidden\n");
	snprintf(path, sizeof(path), "%s/dir", root);
	CHECK(mkdir(path, 0755) == 0);
	put(path, "b.gmi", "# B\n");
	snprintf(path, sizeof(path), "%s/statements", root);
	CHECK(mkdir(path, 0755) == 0);
	put(path, "2025-06-09-a-statement.gmi", "# A statement\n\nWords.\n");
	snprintf(path, sizeof(path), "%s/out", root);
	CHECK(symlink("../secret.txt", path) == 0);
	CHECK(config_load_string("[server]\nhostname = localhost\n", "fuzz",
	    NULL, &conf, NULL, NULL) == 0);
	CHECK((rootfd = open(root, O_RDONLY | O_DIRECTORY)) != -1);
	/* As a worker does; the base is never dispatched (no rebuilds). */
	CHECK((base_ev = event_base_new()) != NULL);
	CHECK((arch = archive_new(&conf, rootfd)) != NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct request_ctx	 ctx;
	struct response		 r;
	struct sockaddr_in	 peer, local;
	struct stat		 st;
	const char		*crlf;
	size_t			 hlen;
	char			*line;

	if (rootfd == -1)
		setup();
	if (size > GEMINI_URI_MAX + 16)
		return 0;
	if ((line = malloc(size + 1)) == NULL)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	memset(&peer, 0, sizeof(peer));
	peer.sin_family = AF_INET;
	peer.sin_addr.s_addr = htonl(0x7f000001);
	local = peer;
	local.sin_port = htons(1965);
	memset(&ctx, 0, sizeof(ctx));
	ctx.conf = &conf;
	ctx.rootfd = rootfd;
	ctx.peer = (struct sockaddr *)&peer;
	ctx.local = (struct sockaddr *)&local;
	ctx.local_port = 1965;
	ctx.sni = "localhost";
	ctx.archive = arch;
	response_init(&r);
	gemini_handle(&ctx, line, size, &r);
	CHECK(!r.out.failed && r.out.len >= 5);
	CHECK(r.out.data[0] >= '1' && r.out.data[0] <= '6');
	CHECK(r.out.data[1] >= '0' && r.out.data[1] <= '9');
	CHECK(r.out.data[2] == ' ' || r.out.data[2] == '\r');
	crlf = memchr(r.out.data, '\n', r.out.len);
	CHECK(crlf != NULL && crlf > r.out.data && crlf[-1] == '\r');
	hlen = (size_t)(crlf - r.out.data) + 1;
	CHECK(hlen <= 3 + GEMINI_META_MAX + 2);
	CHECK(memchr(r.out.data, '\0', hlen) == NULL);
	if (r.out.data[0] != '2')
		CHECK(hlen == r.out.len && r.body == NULL && r.fd == -1);
	if (r.fd != -1) {
		CHECK(fstat(r.fd, &st) == 0 && S_ISREG(st.st_mode));
		CHECK(st.st_ino != secret.st_ino || st.st_dev != secret.st_dev);
	}
	response_free(&r);
	free(line);
	return 0;
}
