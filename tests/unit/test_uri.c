/* SPDX-License-Identifier: ISC */
/* broadside: unit tests for uri.c (RFC 3986 parsing and normalisation). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "uri.h"

#define NOQ	NULL	/* no query expected */

struct accept_case {
	const char	*in;
	const char	*scheme;
	const char	*host;
	int		 port;
	const char	*path;
	const char	*decoded;	/* NULL: same as path */
	const char	*query;		/* NULL: has_query == 0 */
	int		 userinfo;
	int		 fragment;
};

static const struct accept_case accepts[] = {
	/* basics */
	{ "gemini://example.org/", "gemini", "example.org", -1, "/", NULL,
	    NOQ, 0, 0 },
	{ "gemini://example.org", "gemini", "example.org", -1, "/", NULL,
	    NOQ, 0, 0 },
	{ "gemini://example.org/index.gmi", "gemini", "example.org", -1,
	    "/index.gmi", NULL, NOQ, 0, 0 },
	{ "gemini://localhost/statements/", "gemini", "localhost", -1,
	    "/statements/", NULL, NOQ, 0, 0 },
	/* case-insensitive scheme and host; the path keeps its case */
	{ "GEMINI://Example.ORG/Foo/BAR", "gemini", "example.org", -1,
	    "/Foo/BAR", NULL, NOQ, 0, 0 },
	{ "GeMiNi://LOCALHOST", "gemini", "localhost", -1, "/", NULL, NOQ,
	    0, 0 },
	{ "git+ssh.x-Y://h/", "git+ssh.x-y", "h", -1, "/", NULL, NOQ, 0, 0 },
	/* ports */
	{ "gemini://example.org:1965/", "gemini", "example.org", 1965, "/",
	    NULL, NOQ, 0, 0 },
	{ "gemini://example.org:1965", "gemini", "example.org", 1965, "/",
	    NULL, NOQ, 0, 0 },
	{ "gemini://example.org:/", "gemini", "example.org", -1, "/", NULL,
	    NOQ, 0, 0 },
	{ "gemini://example.org:", "gemini", "example.org", -1, "/", NULL,
	    NOQ, 0, 0 },
	{ "gemini://example.org:01965/", "gemini", "example.org", 1965, "/",
	    NULL, NOQ, 0, 0 },
	{ "gemini://example.org:000000000000000000001965/", "gemini",
	    "example.org", 1965, "/", NULL, NOQ, 0, 0 },
	{ "gemini://example.org:0/", "gemini", "example.org", 0, "/", NULL,
	    NOQ, 0, 0 },
	{ "gemini://example.org:65535/", "gemini", "example.org", 65535, "/",
	    NULL, NOQ, 0, 0 },
	/* percent-encoding normalisation */
	{ "gemini://example.org/%7Euser", "gemini", "example.org", -1,
	    "/~user", NULL, NOQ, 0, 0 },
	{ "gemini://example.org/%7e%41%2D%5f%30z", "gemini", "example.org",
	    -1, "/~A-_0z", NULL, NOQ, 0, 0 },
	{ "gemini://h/a%2fb", "gemini", "h", -1, "/a%2Fb", "/a/b", NOQ, 0,
	    0 },
	{ "gemini://h/a%20b", "gemini", "h", -1, "/a%20b", "/a b", NOQ, 0,
	    0 },
	{ "gemini://h/%c3%a9t%C3%A9", "gemini", "h", -1, "/%C3%A9t%C3%A9",
	    "/\xc3\xa9t\xc3\xa9", NOQ, 0, 0 },
	{ "gemini://h/a%2Fb%5Cc", "gemini", "h", -1, "/a%2Fb%5Cc",
	    "/a/b\\c", NOQ, 0, 0 },
	{ "gemini://h/%2e%2E", "gemini", "h", -1, "/", NULL, NOQ, 0, 0 },
	/* encoded slash around dots: one segment in path, not in decoded */
	{ "gemini://h/a%2F..%2Fb", "gemini", "h", -1, "/a%2F..%2Fb",
	    "/a/../b", NOQ, 0, 0 },
	/* dot segments */
	{ "gemini://h/a/%2e%2e/b", "gemini", "h", -1, "/b", NULL, NOQ, 0,
	    0 },
	{ "gemini://h/../../etc/passwd", "gemini", "h", -1, "/etc/passwd",
	    NULL, NOQ, 0, 0 },
	{ "gemini://h/%2E%2E/%2e%2e/etc/passwd", "gemini", "h", -1,
	    "/etc/passwd", NULL, NOQ, 0, 0 },
	{ "gemini://h/a/./b/.", "gemini", "h", -1, "/a/b/", NULL, NOQ, 0,
	    0 },
	{ "gemini://h/a/b/..", "gemini", "h", -1, "/a/", NULL, NOQ, 0, 0 },
	{ "gemini://h/..", "gemini", "h", -1, "/", NULL, NOQ, 0, 0 },
	{ "gemini://h/.", "gemini", "h", -1, "/", NULL, NOQ, 0, 0 },
	{ "gemini://h/./", "gemini", "h", -1, "/", NULL, NOQ, 0, 0 },
	{ "gemini://h/...", "gemini", "h", -1, "/...", NULL, NOQ, 0, 0 },
	{ "gemini://h/.hidden", "gemini", "h", -1, "/.hidden", NULL, NOQ, 0,
	    0 },
	{ "gemini://h//a//", "gemini", "h", -1, "//a//", "/a/", NOQ, 0, 0 },
	/* RFC 3986 5.4.2 abnormal examples, base "/b/c/d;p" */
	{ "gemini://a/b/c/../../../g", "gemini", "a", -1, "/g", NULL, NOQ,
	    0, 0 },
	{ "gemini://a/b/c/../../../../g", "gemini", "a", -1, "/g", NULL,
	    NOQ, 0, 0 },
	{ "gemini://a/./g", "gemini", "a", -1, "/g", NULL, NOQ, 0, 0 },
	{ "gemini://a/../g", "gemini", "a", -1, "/g", NULL, NOQ, 0, 0 },
	{ "gemini://a/b/c/g.", "gemini", "a", -1, "/b/c/g.", NULL, NOQ, 0,
	    0 },
	{ "gemini://a/b/c/.g", "gemini", "a", -1, "/b/c/.g", NULL, NOQ, 0,
	    0 },
	{ "gemini://a/b/c/g..", "gemini", "a", -1, "/b/c/g..", NULL, NOQ, 0,
	    0 },
	{ "gemini://a/b/c/..g", "gemini", "a", -1, "/b/c/..g", NULL, NOQ, 0,
	    0 },
	{ "gemini://a/b/c/./../g", "gemini", "a", -1, "/b/g", NULL, NOQ, 0,
	    0 },
	{ "gemini://a/b/c/./g/.", "gemini", "a", -1, "/b/c/g/", NULL, NOQ,
	    0, 0 },
	{ "gemini://a/b/c/g/./h", "gemini", "a", -1, "/b/c/g/h", NULL, NOQ,
	    0, 0 },
	{ "gemini://a/b/c/g/../h", "gemini", "a", -1, "/b/c/h", NULL, NOQ,
	    0, 0 },
	{ "gemini://a/b/c/g;x=1/./y", "gemini", "a", -1, "/b/c/g;x=1/y",
	    NULL, NOQ, 0, 0 },
	{ "gemini://a/b/c/g;x=1/../y", "gemini", "a", -1, "/b/c/y", NULL,
	    NOQ, 0, 0 },
	/* pchar: sub-delims, ':' and '@' are fine in the path */
	{ "gemini://h/a:b@c!$&'()*+,;=", "gemini", "h", -1,
	    "/a:b@c!$&'()*+,;=", NULL, NOQ, 0, 0 },
	/* non-ASCII UTF-8 (IRI) in the path */
	{ "gemini://h/caf\xc3\xa9", "gemini", "h", -1, "/caf\xc3\xa9", NULL,
	    NOQ, 0, 0 },
	{ "gemini://h/\xf0\x9f\x98\x80/\xe2\x82\xac", "gemini", "h", -1,
	    "/\xf0\x9f\x98\x80/\xe2\x82\xac", NULL, NOQ, 0, 0 },
	{ "gemini://h/\xf4\x8f\xbf\xbf", "gemini", "h", -1,
	    "/\xf4\x8f\xbf\xbf", NULL, NOQ, 0, 0 },
	/* query kept raw */
	{ "gemini://h/search?hello%20world", "gemini", "h", -1, "/search",
	    NULL, "hello%20world", 0, 0 },
	{ "gemini://h/search?%7e+x", "gemini", "h", -1, "/search", NULL,
	    "%7e+x", 0, 0 },
	{ "gemini://h/?", "gemini", "h", -1, "/", NULL, "", 0, 0 },
	{ "gemini://h?", "gemini", "h", -1, "/", NULL, "", 0, 0 },
	{ "gemini://h?q", "gemini", "h", -1, "/", NULL, "q", 0, 0 },
	{ "gemini://h/x/../y?a/../b?c:d@e", "gemini", "h", -1, "/y", NULL,
	    "a/../b?c:d@e", 0, 0 },
	{ "gemini://h/?caf\xc3\xa9", "gemini", "h", -1, "/", NULL,
	    "caf\xc3\xa9", 0, 0 },
	/* userinfo and fragment are flagged, not refused */
	{ "gemini://user:pw@example.org/", "gemini", "example.org", -1, "/",
	    NULL, NOQ, 1, 0 },
	{ "gemini://@example.org:1965/x", "gemini", "example.org", 1965,
	    "/x", NULL, NOQ, 1, 0 },
	{ "gemini://u%40v@h/", "gemini", "h", -1, "/", NULL, NOQ, 1, 0 },
	{ "gemini://example.org/#frag", "gemini", "example.org", -1, "/",
	    NULL, NOQ, 0, 1 },
	{ "gemini://example.org/#", "gemini", "example.org", -1, "/", NULL,
	    NOQ, 0, 1 },
	{ "gemini://h#f", "gemini", "h", -1, "/", NULL, NOQ, 0, 1 },
	{ "gemini://h/p?q#f/?:@", "gemini", "h", -1, "/p", NULL, "q", 0, 1 },
	{ "gemini://u@h/p?#", "gemini", "h", -1, "/p", NULL, "", 1, 1 },
	/* IDN hosts */
	{ "gemini://b\xc3\xbc" "cher.example/", "gemini",
	    "b\xc3\xbc" "cher.example", -1, "/", NULL, NOQ, 0, 0 },
	{ "gemini://B\xc3\xbc" "CHER.Example/", "gemini",
	    "b\xc3\xbc" "cher.example", -1, "/", NULL, NOQ, 0, 0 },
	{ "gemini://xn--bcher-kva.example/", "gemini",
	    "xn--bcher-kva.example", -1, "/", NULL, NOQ, 0, 0 },
	{ "gemini://XN--BCHER-KVA.example:1965/", "gemini",
	    "xn--bcher-kva.example", 1965, "/", NULL, NOQ, 0, 0 },
	/* percent-encoded reg-name */
	{ "gemini://%65xample.org/", "gemini", "example.org", -1, "/", NULL,
	    NOQ, 0, 0 },
	{ "gemini://%45XAMPLE.org/", "gemini", "example.org", -1, "/", NULL,
	    NOQ, 0, 0 },
	{ "gemini://a%c3%bc/", "gemini", "a%C3%BC", -1, "/", NULL, NOQ, 0,
	    0 },
	{ "gemini://a_b~c!$&'()*+,;=/", "gemini", "a_b~c!$&'()*+,;=", -1,
	    "/", NULL, NOQ, 0, 0 },
	/* IP addresses */
	{ "gemini://127.0.0.1:1965/", "gemini", "127.0.0.1", 1965, "/", NULL,
	    NOQ, 0, 0 },
	{ "gemini://[::1]:1965/", "gemini", "::1", 1965, "/", NULL, NOQ, 0,
	    0 },
	{ "gemini://[::1]/", "gemini", "::1", -1, "/", NULL, NOQ, 0, 0 },
	{ "gemini://[::1]", "gemini", "::1", -1, "/", NULL, NOQ, 0, 0 },
	{ "gemini://[::1]:", "gemini", "::1", -1, "/", NULL, NOQ, 0, 0 },
	{ "gemini://[2001:DB8::1]/", "gemini", "2001:db8::1", -1, "/", NULL,
	    NOQ, 0, 0 },
	{ "gemini://[2001:0DB8:0:0:0:0:0:00AB]:7/x", "gemini",
	    "2001:0db8:0:0:0:0:0:00ab", 7, "/x", NULL, NOQ, 0, 0 },
	{ "gemini://[::FFFF:192.0.2.1]/", "gemini", "::ffff:192.0.2.1", -1,
	    "/", NULL, NOQ, 0, 0 },
	{ "gemini://u@[::1]:1/", "gemini", "::1", 1, "/", NULL, NOQ, 1, 0 },
	/* no authority, or an empty one: parsed, host "" */
	{ "mailto:x", "mailto", "", -1, "/x", NULL, NOQ, 0, 0 },
	{ "gemini:/foo", "gemini", "", -1, "/foo", NULL, NOQ, 0, 0 },
	{ "gemini:foo/../bar", "gemini", "", -1, "/bar", NULL, NOQ, 0, 0 },
	{ "gemini:", "gemini", "", -1, "/", NULL, NOQ, 0, 0 },
	{ "gemini:?q", "gemini", "", -1, "/", NULL, "q", 0, 0 },
	{ "gemini:///foo", "gemini", "", -1, "/foo", NULL, NOQ, 0, 0 },
	{ "gemini://", "gemini", "", -1, "/", NULL, NOQ, 0, 0 },
	{ "gemini://:1965/", "gemini", "", 1965, "/", NULL, NOQ, 0, 0 },
	{ "a:", "a", "", -1, "/", NULL, NOQ, 0, 0 },
};

struct reject_case {
	const char	*in;
	size_t		 len;		/* 0: strlen(in) */
	const char	*err;
};

static const struct reject_case rejects[] = {
	{ "", 0, "empty URI" },
	/* NUL, control characters, space, DEL */
	{ "gemini://h/\0x", 13, "NUL byte" },
	{ "\0", 1, "NUL byte" },
	{ "gemini://h/\0", 12, "NUL byte" },
	{ "gemini\0://h/", 12, "NUL byte" },
	{ "gemini://h/a\tb", 0, "control character" },
	{ "gemini://h/a\rb", 0, "control character" },
	{ "gemini://h/\n", 0, "control character" },
	{ "gemini://h/\x1b[0m", 0, "control character" },
	{ "gemini://h/\x7f", 0, "control character" },
	{ "gemini://h\x01/", 0, "control character" },
	{ "gemini://h/?a\x1f", 0, "control character" },
	{ "gemini://h/a b", 0, "space" },
	{ " gemini://h/", 0, "space" },
	{ "gemini://h/ ", 0, "space" },
	{ "gemini://h/?a b", 0, "space" },
	/* byte-order mark */
	{ "\xef\xbb\xbfgemini://h/", 0, "byte-order mark" },
	{ "\xef\xbb\xbf", 0, "byte-order mark" },
	/* invalid UTF-8 */
	{ "gemini://h/\xc0\xaf", 0, "invalid UTF-8" },		/* overlong */
	{ "gemini://h/\xc1\xbf", 0, "invalid UTF-8" },		/* overlong */
	{ "gemini://h/\xe0\x80\xaf", 0, "invalid UTF-8" },	/* overlong */
	{ "gemini://h/\xe0\x9f\xbf", 0, "invalid UTF-8" },	/* overlong */
	{ "gemini://h/\xf0\x80\x80\xaf", 0, "invalid UTF-8" },	/* overlong */
	{ "gemini://h/\xf0\x8f\xbf\xbf", 0, "invalid UTF-8" },	/* overlong */
	{ "gemini://h/\xed\xa0\x80", 0, "invalid UTF-8" },	/* surrogate */
	{ "gemini://h/\xed\xbf\xbf", 0, "invalid UTF-8" },	/* surrogate */
	{ "gemini://h/\xf4\x90\x80\x80", 0, "invalid UTF-8" },	/* >10FFFF */
	{ "gemini://h/\xf5\x80\x80\x80", 0, "invalid UTF-8" },
	{ "gemini://h/\xf8\x88\x80\x80\x80", 0, "invalid UTF-8" },
	{ "gemini://h/\xff", 0, "invalid UTF-8" },
	{ "gemini://h/\xfe", 0, "invalid UTF-8" },
	{ "gemini://h/\x80", 0, "invalid UTF-8" },	/* lone continuation */
	{ "gemini://h/\xc3", 0, "invalid UTF-8" },	/* truncated */
	{ "gemini://h/\xe2\x82", 0, "invalid UTF-8" },	/* truncated */
	{ "gemini://h/\xf0\x9f\x98", 0, "invalid UTF-8" },	/* truncated */
	{ "gemini://h/\xc3(", 0, "invalid UTF-8" },	/* bad continuation */
	{ "gemini://h/\xe2\x28\xa1", 0, "invalid UTF-8" },
	{ "gemini://h/\xf0\x9f\x98(", 0, "invalid UTF-8" },
	{ "gemini://b\xc3/", 0, "invalid UTF-8" },
	{ "gemini://h/?\xc3", 0, "invalid UTF-8" },
	/* bad percent-encoding, in every component */
	{ "gemini://h/%", 0, "bad percent-encoding" },
	{ "gemini://h/%4", 0, "bad percent-encoding" },
	{ "gemini://h/%4g", 0, "bad percent-encoding" },
	{ "gemini://h/%g4", 0, "bad percent-encoding" },
	{ "gemini://h/%zz/x", 0, "bad percent-encoding" },
	{ "gemini://h/%%41", 0, "bad percent-encoding" },
	{ "gemini://h/%-1", 0, "bad percent-encoding" },
	{ "gemini://h/% 1", 0, "space" },
	{ "gemini://%zz/", 0, "bad percent-encoding" },
	{ "gemini://h%/", 0, "bad percent-encoding" },
	{ "gemini://u%z@h/", 0, "bad percent-encoding" },
	{ "gemini://h/?%2", 0, "bad percent-encoding" },
	{ "gemini://h/?%2x", 0, "bad percent-encoding" },
	{ "gemini://h/#%", 0, "bad percent-encoding" },
	/* %00 anywhere */
	{ "gemini://h/%00", 0, "percent-encoded NUL" },
	{ "gemini://h/a%00b", 0, "percent-encoded NUL" },
	{ "gemini://h%00/", 0, "percent-encoded NUL" },
	{ "gemini://u%00@h/", 0, "percent-encoded NUL" },
	{ "gemini://h/?%00", 0, "percent-encoded NUL" },
	{ "gemini://h/#%00", 0, "percent-encoded NUL" },
	/* relative references and other non-URIs */
	{ "/foo", 0, "not an absolute URI" },
	{ "//host/foo", 0, "not an absolute URI" },
	{ "foo", 0, "not an absolute URI" },
	{ "foo/bar:baz", 0, "not an absolute URI" },
	{ "example.org/x", 0, "not an absolute URI" },
	{ "?q", 0, "not an absolute URI" },
	{ "#f", 0, "not an absolute URI" },
	{ ":", 0, "not an absolute URI" },
	{ "://h/", 0, "not an absolute URI" },
	{ "1gemini://h/", 0, "not an absolute URI" },
	{ "+a://h/", 0, "not an absolute URI" },
	{ "gem_ini://h/", 0, "not an absolute URI" },
	{ "gem\xc3\xa9ni://h/", 0, "not an absolute URI" },
	{ "\xc3\xa9://h/", 0, "not an absolute URI" },
	{ "abcdefghijklmnopqrstuvwxyz012345://h/", 0, "scheme too long" },
	/* ports */
	{ "gemini://h:65536/", 0, "port out of range" },
	{ "gemini://h:99999/", 0, "port out of range" },
	{ "gemini://h:99999999999999999999999/", 0, "port out of range" },
	{ "gemini://h:12a/", 0, "bad port" },
	{ "gemini://h:-1/", 0, "bad port" },
	{ "gemini://h:+1/", 0, "bad port" },
	{ "gemini://h:1:2/", 0, "bad port" },
	{ "gemini://h: /", 0, "space" },
	{ "gemini://h:%31/", 0, "bad port" },
	{ "gemini://::1/", 0, "bad port" },
	/* IP literals */
	{ "gemini://[::1/", 0, "unterminated IP literal" },
	{ "gemini://[::1", 0, "unterminated IP literal" },
	{ "gemini://[/", 0, "unterminated IP literal" },
	{ "gemini://[]/", 0, "bad IP literal" },
	{ "gemini://[v1.fe]/", 0, "bad IP literal" },
	{ "gemini://[garbage]/", 0, "bad IP literal" },
	{ "gemini://[127.0.0.1]/", 0, "bad IP literal" },
	{ "gemini://[1::2::3]/", 0, "bad IP literal" },
	{ "gemini://[fe80::1%25eth0]/", 0, "bad IP literal" },
	{ "gemini://[::1]x/", 0, "invalid character" },
	{ "gemini://[::1]]/", 0, "invalid character" },
	{ "gemini://[::1]:x/", 0, "bad port" },
	{ "gemini://[0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000"
	    ":0000:0000:0000]/", 0, "bad IP literal" },
	/* characters outside the grammar */
	{ "gemini://h/a\\b", 0, "invalid character" },
	{ "gemini://h/<x>", 0, "invalid character" },
	{ "gemini://h/\"", 0, "invalid character" },
	{ "gemini://h/{", 0, "invalid character" },
	{ "gemini://h/}", 0, "invalid character" },
	{ "gemini://h/|", 0, "invalid character" },
	{ "gemini://h/^", 0, "invalid character" },
	{ "gemini://h/`", 0, "invalid character" },
	{ "gemini://h/[", 0, "invalid character" },
	{ "gemini://h/]", 0, "invalid character" },
	{ "gemini://h/#a#b", 0, "invalid character" },
	{ "gemini://h/?a<b", 0, "invalid character" },
	{ "gemini://h/#a[", 0, "invalid character" },
	{ "gemini://a@b@h/", 0, "invalid character" },
	{ "gemini://a[b@h/", 0, "invalid character" },
	{ "gemini://h\\x/", 0, "invalid character" },
	{ "gemini://h]/", 0, "invalid character" },
	{ "gemini://h[::1]/", 0, "invalid character" },
	{ "mailto:a<b", 0, "invalid character" },
};

static void
check_accept(const struct accept_case *c)
{
	struct uri	 u;
	const char	*err = NULL;
	char		 copy[URI_MAX + 1];

	memset(&u, 0xa5, sizeof(u));
	if (uri_parse(c->in, strlen(c->in), &u, &err) != 0)
		fail_msg("%s: rejected (%s)", c->in, err ? err : "?");
	assert_string_equal(u.scheme, c->scheme);
	assert_string_equal(u.host, c->host);
	if (u.port != c->port)
		fail_msg("%s: port %d, want %d", c->in, u.port, c->port);
	assert_string_equal(u.path, c->path);
	assert_string_equal(u.path_decoded,
	    c->decoded != NULL ? c->decoded : c->path);
	if (u.has_query != (c->query != NULL))
		fail_msg("%s: has_query %d", c->in, u.has_query);
	assert_string_equal(u.query, c->query != NULL ? c->query : "");
	if (u.has_userinfo != c->userinfo || u.has_fragment != c->fragment)
		fail_msg("%s: userinfo %d fragment %d", c->in, u.has_userinfo,
		    u.has_fragment);
	/* The normalised path is a fixed point of remove_dot_segments. */
	memcpy(copy, u.path, sizeof(copy));
	uri_remove_dot_segments(copy);
	assert_string_equal(copy, u.path);
}

static void
test_accept(void **state)
{
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(accepts) / sizeof(accepts[0]); i++)
		check_accept(&accepts[i]);
}

static void
test_reject(void **state)
{
	const struct reject_case	*c;
	struct uri			 u;
	const char			*err;
	size_t				 i, len;

	(void)state;
	for (i = 0; i < sizeof(rejects) / sizeof(rejects[0]); i++) {
		c = &rejects[i];
		len = c->len != 0 ? c->len : strlen(c->in);
		err = NULL;
		memset(&u, 0xa5, sizeof(u));
		if (uri_parse(c->in, len, &u, &err) != -1)
			fail_msg("case %zu \"%s\": accepted", i, c->in);
		if (err == NULL || strcmp(err, c->err) != 0)
			fail_msg("case %zu \"%s\": error \"%s\", want \"%s\"",
			    i, c->in, err ? err : "(null)", c->err);
		/* Nothing half-parsed is left behind. */
		assert_int_equal(u.port, -1);
		assert_string_equal(u.path, "");
		assert_string_equal(u.host, "");
		assert_int_equal(u.has_query, 0);
	}
}

/* Fill buf with "gemini://h/aaaa..." of exactly len bytes. */
static void
make_long(char *buf, size_t len)
{
	const char	*prefix = "gemini://h/";
	size_t		 n = strlen(prefix);

	memcpy(buf, prefix, n);
	memset(buf + n, 'a', len - n);
	buf[len] = '\0';
}

static void
test_length_limit(void **state)
{
	static char	 buf[URI_MAX + 64];
	struct uri	 u;
	const char	*err = NULL;

	(void)state;
	make_long(buf, URI_MAX);
	assert_int_equal(uri_parse(buf, URI_MAX, &u, &err), 0);
	assert_int_equal(strlen(u.path), URI_MAX - strlen("gemini://h"));
	assert_int_equal(strlen(u.path_decoded), strlen(u.path));

	make_long(buf, URI_MAX + 1);
	assert_int_equal(uri_parse(buf, URI_MAX + 1, &u, &err), -1);
	assert_string_equal(err, "URI too long");

	/* 1024 bytes of query too: the query buffer holds it all. */
	memcpy(buf, "a:?", 3);
	memset(buf + 3, 'q', URI_MAX - 3);
	assert_int_equal(uri_parse(buf, URI_MAX, &u, &err), 0);
	assert_int_equal(strlen(u.query), URI_MAX - 3);

	/* Rootless path of maximal length gains a '/' and still fits. */
	memcpy(buf, "a:", 2);
	memset(buf + 2, 'p', URI_MAX - 2);
	assert_int_equal(uri_parse(buf, URI_MAX, &u, &err), 0);
	assert_int_equal(strlen(u.path), URI_MAX - 1);
	assert_int_equal(u.path[0], '/');

	/* Length-delimited: bytes past len are never looked at. */
	assert_int_equal(uri_parse("gemini://h/x\x01", 12, &u, &err), 0);
	assert_string_equal(u.path, "/x");
	assert_int_equal(uri_parse("gemini://h:19650", 15, &u, &err), 0);
	assert_int_equal(u.port, 1965);
	assert_int_equal(uri_parse("gemini://h/%41", 13, &u, &err), -1);
	assert_string_equal(err, "bad percent-encoding");
}

static void
test_host_limit(void **state)
{
	char		 buf[URI_MAX + 1];
	struct uri	 u;
	const char	*err = NULL;
	size_t		 n = strlen("gemini://");

	(void)state;
	memcpy(buf, "gemini://", n);
	memset(buf + n, 'H', URI_HOST_MAX);
	memcpy(buf + n + URI_HOST_MAX, "/x", 3);
	assert_int_equal(uri_parse(buf, strlen(buf), &u, &err), 0);
	assert_int_equal(strlen(u.host), URI_HOST_MAX);
	assert_int_equal(u.host[0], 'h');
	assert_string_equal(u.path, "/x");

	memset(buf + n, 'h', URI_HOST_MAX + 1);
	memcpy(buf + n + URI_HOST_MAX + 1, "/x", 3);
	assert_int_equal(uri_parse(buf, strlen(buf), &u, &err), -1);
	assert_string_equal(err, "host name too long");

	/* The limit applies after decoding: 255 x "%61" is 255 bytes. */
	memset(buf, 0, sizeof(buf));
	memcpy(buf, "g://", 4);
	for (n = 0; n < URI_HOST_MAX; n++)
		memcpy(buf + 4 + 3 * n, "%61", 3);
	assert_int_equal(uri_parse(buf, strlen(buf), &u, &err), 0);
	assert_int_equal(strlen(u.host), URI_HOST_MAX);
	assert_int_equal(u.host[URI_HOST_MAX - 1], 'a');
}

static void
test_errstr_optional(void **state)
{
	struct uri	 u;

	(void)state;
	assert_int_equal(uri_parse("/x", 2, &u, NULL), -1);
	assert_int_equal(uri_parse("a:/x", 4, &u, NULL), 0);
}

struct decode_case {
	const char	*in;
	int		 ret;
	const char	*out;
	size_t		 outlen;
};

static const struct decode_case decodes[] = {
	{ "", 0, "", 0 },
	{ "abc", 0, "abc", 3 },
	{ "a%20b", 0, "a b", 3 },
	{ "%2f%2F", 0, "//", 2 },
	{ "%7e%7E", 0, "~~", 2 },
	{ "a+b", 0, "a+b", 3 },
	{ "%c3%a9", 0, "\xc3\xa9", 2 },
	{ "%ff", 0, "\xff", 1 },
	{ "%0a", 0, "\n", 1 },
	{ "%252F", 0, "%2F", 3 },	/* one level only */
	{ "%", -1, NULL, 0 },
	{ "%2", -1, NULL, 0 },
	{ "a%", -1, NULL, 0 },
	{ "%g0", -1, NULL, 0 },
	{ "%0g", -1, NULL, 0 },
	{ "%00", -1, NULL, 0 },
	{ "x%00y", -1, NULL, 0 },
};

static void
test_decode(void **state)
{
	const struct decode_case	*c;
	char				 out[64];
	size_t				 i, n;

	(void)state;
	for (i = 0; i < sizeof(decodes) / sizeof(decodes[0]); i++) {
		c = &decodes[i];
		n = 12345;
		if (uri_decode(c->in, strlen(c->in), out, sizeof(out), &n) !=
		    c->ret)
			fail_msg("decode \"%s\": want %d", c->in, c->ret);
		if (c->ret == 0) {
			assert_int_equal(n, c->outlen);
			assert_memory_equal(out, c->out, n + 1);
		}
	}
	/* A raw NUL inside the length is refused. */
	assert_int_equal(uri_decode("a\0b", 3, out, sizeof(out), &n), -1);
	/* Output bound: "abc" needs 4 bytes with its NUL. */
	assert_int_equal(uri_decode("abc", 3, out, 4, &n), 0);
	assert_string_equal(out, "abc");
	assert_int_equal(uri_decode("abc", 3, out, 3, &n), -1);
	assert_int_equal(uri_decode("%41%42", 6, out, 3, NULL), 0);
	assert_string_equal(out, "AB");
	assert_int_equal(uri_decode("%41%42", 6, out, 2, NULL), -1);
	assert_int_equal(uri_decode("", 0, out, 1, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(uri_decode("", 0, out, 0, &n), -1);
	/* Length-delimited: "%41" cut after "%4" is a bad escape. */
	assert_int_equal(uri_decode("%41", 2, out, sizeof(out), &n), -1);
}

#define PLUS	URI_PCT_PLUS_SPACE
#define LEN	URI_PCT_LENIENT
#define UNRES	URI_PCT_ONLY_UNRESERVED

static const struct {
	const char	*in;
	unsigned	 flags;
	int		 ret;
	const char	*out;
} pct_cases[] = {
	/* Form-style queries: '+' is a blank, "%2B" a plus. */
	{ "a+b", 0, 0, "a+b" },
	{ "a+b", PLUS, 0, "a b" },
	{ "inmigraci%C3%B3n+y+asilo", PLUS, 0, "inmigraci\xc3\xb3n y asilo" },
	{ "1%2B1", PLUS, 0, "1+1" },
	{ "a++b", PLUS, 0, "a  b" },
	{ "%zz", PLUS, -1, NULL },
	/* Gopher selectors: a stray '%' is kept, escapes still decoded. */
	{ "100%", LEN, 0, "100%" },
	{ "%", LEN, 0, "%" },
	{ "%2", LEN, 0, "%2" },
	{ "a%zzb", LEN, 0, "a%zzb" },
	{ "%%41", LEN, 0, "%A" },
	{ "/a%20b/", LEN, 0, "/a b/" },
	{ "%41%", LEN, 0, "A%" },
	{ "x%00", LEN, -1, NULL },		/* %00 refused even so */
	{ "%00", LEN | PLUS, -1, NULL },
	/* The normalised path: unreserved decoded, the rest kept. */
	{ "%41%7e%2D%2e%5F", UNRES, 0, "A~-._" },
	{ "%2f%3a", UNRES, 0, "%2F%3A" },	/* hex upper-cased */
	{ "caf%c3%a9", UNRES, 0, "caf%C3%A9" },
	{ "a%20b", UNRES, 0, "a%20b" },
	{ "%25", UNRES, 0, "%25" },
	{ "%00", UNRES, -1, NULL },
	{ "%4", UNRES, -1, NULL },
	{ "+", UNRES, 0, "+" },
	{ "%4", UNRES | LEN, 0, "%4" },
};

static void
test_pct_flags(void **state)
{
	char	 out[64];
	size_t	 i, n;

	(void)state;
	for (i = 0; i < sizeof(pct_cases) / sizeof(pct_cases[0]); i++) {
		n = 12345;
		if (uri_pct_decode(pct_cases[i].in, strlen(pct_cases[i].in),
		    out, sizeof(out), &n, pct_cases[i].flags) !=
		    pct_cases[i].ret)
			fail_msg("pct \"%s\" flags %u: want %d",
			    pct_cases[i].in, pct_cases[i].flags,
			    pct_cases[i].ret);
		if (pct_cases[i].ret == 0) {
			assert_string_equal(out, pct_cases[i].out);
			assert_int_equal(n, strlen(pct_cases[i].out));
		}
	}
	/* A raw NUL is refused whatever the flags. */
	assert_int_equal(uri_pct_decode("a\0b", 3, out, sizeof(out), &n,
	    LEN | PLUS), -1);
	/* A kept escape needs its three bytes and the NUL. */
	assert_int_equal(uri_pct_decode("%20", 3, out, 4, &n, UNRES), 0);
	assert_int_equal(uri_pct_decode("%20", 3, out, 3, &n, UNRES), -1);
	assert_int_equal(uri_pct_decode("%20", 3, out, 2, &n, 0), 0);
	assert_int_equal(uri_pct_decode("", 0, out, 0, &n, LEN), -1);
}

struct encode_case {
	const char	*in;
	const char	*out;
};

static const struct encode_case encodes[] = {
	{ "", "" },
	{ "/a/b.gmi", "/a/b.gmi" },
	{ "AZaz09-._~/", "AZaz09-._~/" },
	{ "a b", "a%20b" },
	{ "100%", "100%25" },
	{ "?#[]@!$&'()*+,;=:", "%3F%23%5B%5D%40%21%24%26%27%28%29%2A%2B%2C"
	    "%3B%3D%3A" },
	{ "caf\xc3\xa9", "caf%C3%A9" },
	{ "\x01\x7f\xff", "%01%7F%FF" },
};

static void
test_encode(void **state)
{
	char	 out[128], dec[128];
	size_t	 i, n;

	(void)state;
	for (i = 0; i < sizeof(encodes) / sizeof(encodes[0]); i++) {
		assert_int_equal(uri_encode_path(encodes[i].in, out,
		    sizeof(out)), 0);
		assert_string_equal(out, encodes[i].out);
		/* Round trip. */
		assert_int_equal(uri_decode(out, strlen(out), dec, sizeof(dec),
		    &n), 0);
		assert_string_equal(dec, encodes[i].in);
	}
	/* Bounds: exact fit, one short. */
	assert_int_equal(uri_encode_path("ab", out, 3), 0);
	assert_string_equal(out, "ab");
	assert_int_equal(uri_encode_path("ab", out, 2), -1);
	assert_int_equal(uri_encode_path(" ", out, 4), 0);
	assert_string_equal(out, "%20");
	assert_int_equal(uri_encode_path(" ", out, 3), -1);
	assert_int_equal(uri_encode_path("a ", out, 4), -1);
	assert_int_equal(uri_encode_path("", out, 1), 0);
	assert_string_equal(out, "");
	assert_int_equal(uri_encode_path("", out, 0), -1);
}

struct dot_case {
	const char	*in;
	const char	*out;
};

static const struct dot_case dots[] = {
	/* RFC 3986 5.2.4 worked examples */
	{ "/a/b/c/./../../g", "/a/g" },
	{ "mid/content=5/../6", "mid/6" },
	{ "", "" },
	{ "/", "/" },
	{ ".", "" },
	{ "..", "" },
	{ "./", "" },
	{ "../", "" },
	{ "../a", "a" },
	{ "./a/./b", "a/b" },
	{ "/.", "/" },
	{ "/..", "/" },
	{ "/./", "/" },
	{ "/../", "/" },
	{ "/a/..", "/" },
	{ "/a/../", "/" },
	{ "/a/b/..", "/a/" },
	{ "/a/b/../..", "/" },
	{ "/a/b/../../..", "/" },
	{ "/../../etc/passwd", "/etc/passwd" },
	{ "/a/./b/./c", "/a/b/c" },
	{ "/a//../b", "/a/b" },
	{ "//..", "/" },
	{ "/.../a", "/.../a" },
	{ "/..a/b..", "/..a/b.." },
	{ "/a/.b/./c.", "/a/.b/c." },
	{ "a/..", "/" },		/* RFC: "a" then "/.." gives "/" */
	{ "/%2E%2E/x", "/%2E%2E/x" },	/* literal only: decode first */
};

static void
test_remove_dot_segments(void **state)
{
	char	 buf[128];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(dots) / sizeof(dots[0]); i++) {
		memset(buf, 'Z', sizeof(buf));
		memcpy(buf, dots[i].in, strlen(dots[i].in) + 1);
		uri_remove_dot_segments(buf);
		if (strcmp(buf, dots[i].out) != 0)
			fail_msg("dots \"%s\": got \"%s\", want \"%s\"",
			    dots[i].in, buf, dots[i].out);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accept),
		cmocka_unit_test(test_reject),
		cmocka_unit_test(test_length_limit),
		cmocka_unit_test(test_host_limit),
		cmocka_unit_test(test_errstr_optional),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_pct_flags),
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_remove_dot_segments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
