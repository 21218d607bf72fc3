/* SPDX-License-Identifier: ISC */
/* broadside: RFC 3986 URI parsing, percent-decoding and normalisation. */
#ifndef BROADSIDE_URI_H
#define BROADSIDE_URI_H

#include <stddef.h>

#define URI_MAX		1024
#define URI_HOST_MAX	255

struct uri {
	char	 scheme[32];		/* lower-cased */
	/* reg-name with ASCII letters lower-cased, unreserved %XX decoded,
	 * other %XX kept (hex upper-cased) and UTF-8 (IRI) bytes kept as is;
	 * or an IPv6 literal without [], lower-cased.  "" when no authority
	 * ("mailto:x") or an empty one ("gemini:///x"): the caller decides. */
	char	 host[URI_HOST_MAX + 1];
	int	 port;			/* -1 when absent */
	int	 has_userinfo;
	int	 has_fragment;
	int	 has_query;
	/* Normalised path: unreserved %XX decoded, dot-segments removed,
	 * always starting with '/' ("" becomes "/", a rootless path as in
	 * "mailto:x" gets a leading '/'); other %XX kept, hex upper-cased.
	 * It never holds a "." or ".." segment. */
	char	 path[URI_MAX + 1];
	/* The same path fully percent-decoded (no NUL inside): for the disk.
	 * CAUTION: %2F decodes to '/' and %2E to '.', so "/a%2F..%2Fb" gives
	 * "/a/../b" here; it may also hold any other byte but NUL (%0A...).
	 * The caller must refuse components starting with '.'.
	 * Repeated slashes are collapsed (uri_collapse_slashes). */
	char	 path_decoded[URI_MAX + 1];
	char	 query[URI_MAX + 1];	/* raw, still percent-encoded */
};

/*
 * Parse an absolute URI ("scheme:" required; "//authority" optional).
 * Rejects: over URI_MAX bytes, control bytes or NUL, spaces, invalid UTF-8,
 * bad %-escapes, %00, a leading byte-order mark, relative references.
 * Userinfo and fragment are validated and flagged (the caller decides).
 * Port: -1 when absent or empty ("host:"), else 0..65535.  Query: raw,
 * has_query set even when empty.  0, or -1 with a short static *errstr
 * and *uri zeroed (port -1).  Pure: no globals, no I/O.
 */
int	 uri_parse(const char *s, size_t len, struct uri *, const char **errstr);

/* uri_pct_decode() flags. */
#define URI_PCT_PLUS_SPACE	0x01	/* '+' is a blank (form-style query) */
#define URI_PCT_LENIENT		0x02	/* a '%' without two hex digits is
					   kept as is (Gopher selectors) */
#define URI_PCT_ONLY_UNRESERVED	0x04	/* decode only the escapes of
					   unreserved characters; keep the
					   others, hex upper-cased (RFC 3986
					   6.2.2: the normalised path) */

/*
 * Percent-decode len bytes of in into out, NUL-terminated, *outlen (may be
 * NULL) set to the decoded length.  Always refuses %00, a raw NUL and a
 * result that does not fit in outsz with its NUL; refuses a '%' without
 * two hex digits unless URI_PCT_LENIENT.  Without URI_PCT_PLUS_SPACE a '+'
 * is left as is; "%2B" is a '+' in any case.  0 or -1.  Pure.
 */
int	 uri_pct_decode(const char *in, size_t len, char *out, size_t outsz,
	    size_t *outlen, unsigned flags);

/* uri_pct_decode() without flags: strict, '+' left as is. */
int	 uri_decode(const char *in, size_t len, char *out, size_t outsz,
	    size_t *outlen);

/* Percent-encode everything but unreserved and "/" of the string in into
 * out (NUL-terminated, upper-case hex).  -1 when out is too small. */
int	 uri_encode_path(const char *in, char *out, size_t outsz);

/* RFC 3986 5.2.4 remove_dot_segments, in place (the result is never
 * longer).  Works on relative paths too: "a/../b" gives "b". */
void	 uri_remove_dot_segments(char *path);

/* "a//b///c" is "a/b/c", in place: one file has one spelling for the
 * router and the disk ("//statements/x.ini" is "/statements/x.ini"). */
void	 uri_collapse_slashes(char *path);

#endif
