/* SPDX-License-Identifier: ISC */
/* broadside: libFuzzer target for uri_parse and its helpers. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "uri.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)

static int
is_upper(int c)
{
	return c >= 'A' && c <= 'Z';
}

static int
has_pct00(const uint8_t *p, size_t n)
{
	size_t	 i;

	for (i = 0; i + 2 < n; i++)
		if (p[i] == '%' && p[i + 1] == '0' && p[i + 2] == '0')
			return 1;
	return 0;
}

/* No "." or ".." segment anywhere in a path that starts with '/'. */
static void
check_no_dot_segments(const char *p)
{
	const char	*seg, *end;
	size_t		 n;

	CHECK(p[0] == '/');
	for (seg = p + 1;; seg = end + 1) {
		end = strchr(seg, '/');
		n = end != NULL ? (size_t)(end - seg) : strlen(seg);
		CHECK(!(n == 1 && seg[0] == '.'));
		CHECK(!(n == 2 && seg[0] == '.' && seg[1] == '.'));
		if (end == NULL)
			break;
	}
}

static void
check_uri(const struct uri *u, const uint8_t *data, size_t size)
{
	char		 tmp[URI_MAX + 1], enc[3 * URI_MAX + 1];
	size_t		 n, i;

	CHECK(size > 0 && size <= URI_MAX);
	CHECK(memchr(data, '\0', size) == NULL);
	CHECK(strlen(u->scheme) > 0 && strlen(u->scheme) < sizeof(u->scheme));
	for (i = 0; u->scheme[i] != '\0'; i++)
		CHECK(!is_upper((unsigned char)u->scheme[i]));
	CHECK(strlen(u->host) <= URI_HOST_MAX);
	for (i = 0; u->host[i] != '\0'; i++)
		if (u->host[i] != '%')
			CHECK(!is_upper((unsigned char)u->host[i]));
		else
			i += 2;
	CHECK(u->port >= -1 && u->port <= 65535);
	CHECK(u->has_query == 0 || u->has_query == 1);
	CHECK(u->has_query || u->query[0] == '\0');

	/* path: rooted, no dot segments, a fixed point of 5.2.4 */
	CHECK(strlen(u->path) <= URI_MAX);
	check_no_dot_segments(u->path);
	CHECK(strstr(u->path, "/../") == NULL);
	CHECK(strstr(u->path, "/./") == NULL);
	n = strlen(u->path);
	CHECK(!(n >= 3 && strcmp(u->path + n - 3, "/..") == 0));
	CHECK(!(n >= 2 && strcmp(u->path + n - 2, "/.") == 0));
	memcpy(tmp, u->path, n + 1);
	uri_remove_dot_segments(tmp);
	CHECK(strcmp(tmp, u->path) == 0);

	/* path_decoded: the full decoding of path, no NUL inside, repeated
	 * slashes collapsed */
	CHECK(uri_decode(u->path, n, tmp, sizeof(tmp), &i) == 0);
	CHECK(i == strlen(tmp));
	uri_collapse_slashes(tmp);
	CHECK(strcmp(tmp, u->path_decoded) == 0);
	CHECK(strstr(u->path_decoded, "//") == NULL);
	CHECK(strlen(u->path_decoded) <= n);

	/* encode/decode round trip of the decoded path */
	CHECK(uri_encode_path(u->path_decoded, enc, sizeof(enc)) == 0);
	CHECK(uri_decode(enc, strlen(enc), tmp, sizeof(tmp), &i) == 0);
	CHECK(strcmp(tmp, u->path_decoded) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct uri	 u, u2;
	const char	*err = NULL;
	char		 buf[URI_MAX + 1], tmp[4 * URI_MAX + 4];
	char		 enc[4 * URI_MAX + 4], enc2[4 * URI_MAX + 4];
	size_t		 n, i;
	int		 r;

	r = uri_parse((const char *)data, size, &u, &err);
	if (r == 0) {
		check_uri(&u, data, size);
		/* Parsing is idempotent on "scheme:" + normalised path. */
		n = strlen(u.scheme);
		if (n + 1 + strlen(u.path) <= URI_MAX) {
			memcpy(buf, u.scheme, n);
			buf[n] = ':';
			memcpy(buf + n + 1, u.path, strlen(u.path) + 1);
			/* "scheme://" would read the path as authority */
			if (strncmp(u.path, "//", 2) != 0) {
				CHECK(uri_parse(buf, strlen(buf), &u2,
				    &err) == 0);
				CHECK(strcmp(u2.path, u.path) == 0);
				CHECK(strcmp(u2.path_decoded,
				    u.path_decoded) == 0);
			}
		}
	} else {
		CHECK(r == -1);
		CHECK(err != NULL && err[0] != '\0');
		CHECK(u.port == -1 && u.path[0] == '\0');
	}

	/* The helpers on raw bytes must never overrun either. */
	if (size <= 4 * URI_MAX) {
		if (uri_decode((const char *)data, size, tmp, sizeof(tmp),
		    &n) == 0) {
			CHECK(n == strlen(tmp));
			/* Decoding the normalised form gives the same. */
			CHECK(uri_pct_decode((const char *)data, size, enc,
			    sizeof(enc), NULL, URI_PCT_ONLY_UNRESERVED) == 0);
			CHECK(uri_decode(enc, strlen(enc), enc2, sizeof(enc2),
			    &i) == 0);
			CHECK(i == n && memcmp(enc2, tmp, n) == 0);
			/* Strict success implies lenient success, same out. */
			CHECK(uri_pct_decode((const char *)data, size, enc2,
			    sizeof(enc2), &i, URI_PCT_LENIENT) == 0);
			CHECK(i == n && memcmp(enc2, tmp, n) == 0);
		}
		/* Lenient fails only on NUL (raw or %00): no overrun. */
		if (uri_pct_decode((const char *)data, size, enc2,
		    sizeof(enc2), &i, URI_PCT_LENIENT | URI_PCT_PLUS_SPACE) ==
		    0)
			CHECK(i == strlen(enc2) && i <= size);
		else
			CHECK(memchr(data, '\0', size) != NULL ||
			    has_pct00(data, size));
		memcpy(tmp, data, size);
		tmp[size] = '\0';
		n = strlen(tmp);
		uri_remove_dot_segments(tmp);
		CHECK(strlen(tmp) <= n);
	}
	return 0;
}
