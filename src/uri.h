/* broadside: RFC 3986 URI parsing, percent-decoding and normalisation. */
#ifndef BROADSIDE_URI_H
#define BROADSIDE_URI_H

#include <stddef.h>

#define URI_MAX		1024
#define URI_HOST_MAX	255

struct uri {
	char	 scheme[32];		/* lower-cased */
	char	 host[URI_HOST_MAX + 1];	/* lower-cased ASCII; IPv6 without [] */
	int	 port;			/* -1 when absent */
	int	 has_userinfo;
	int	 has_fragment;
	int	 has_query;
	/* Normalised path: unreserved %XX decoded, dot-segments removed,
	 * always starting with '/' ("" becomes "/"); other %XX kept. */
	char	 path[URI_MAX + 1];
	/* The same path fully percent-decoded (no NUL inside): for the disk. */
	char	 path_decoded[URI_MAX + 1];
	char	 query[URI_MAX + 1];	/* raw, still percent-encoded */
};

/*
 * Parse an absolute URI ("scheme:" required; "//authority" optional).
 * Rejects: over URI_MAX bytes, control bytes or NUL, spaces, invalid UTF-8,
 * bad %-escapes, %00, a leading byte-order mark.  Userinfo and fragment are
 * parsed and flagged (the caller decides).  0 or -1 with errstr.
 */
int	 uri_parse(const char *s, size_t len, struct uri *, const char **errstr);

/* Percent-decode; rejects bad escapes and %00.  0 or -1. */
int	 uri_decode(const char *in, size_t len, char *out, size_t outsz,
	    size_t *outlen);

/* Percent-encode everything but unreserved and "/" into out.  0 or -1. */
int	 uri_encode_path(const char *in, char *out, size_t outsz);

/* RFC 3986 5.2.4 remove_dot_segments, in place. */
void	 uri_remove_dot_segments(char *path);

#endif
