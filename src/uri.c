/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2024 The broadside authors.
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
 * WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
 * MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
 * ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
 * WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
 * ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
 * OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
 */

/* broadside: RFC 3986 URI parsing, percent-decoding and normalisation. */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <string.h>

#include "uri.h"

/* Characters allowed on top of unreserved / pct-encoded / sub-delims. */
#define ALLOW_COLON	0x01
#define ALLOW_AT	0x02
#define ALLOW_SLASH	0x04
#define ALLOW_QMARK	0x08
#define ALLOW_UTF8	0x10

/* What pct_normalise() does to its output. */
#define NORM_DECODE	0x01	/* decode %XX of unreserved, upper-case hex */
#define NORM_LOWER	0x02	/* fold ASCII letters to lower case */

#define PCHAR		(ALLOW_COLON | ALLOW_AT | ALLOW_UTF8)

struct span {
	const char	*p;
	size_t		 len;
};

static int	 is_alpha(int);
static int	 is_digit(int);
static int	 hexval(int);
static int	 is_unreserved(int);
static int	 is_subdelim(int);
static int	 to_lower(int);
static size_t	 utf8_seqlen(const unsigned char *, size_t);
static int	 check_bytes(const char *, size_t, const char **);
static int	 parse_scheme(const char *, size_t, struct uri *, size_t *,
		    const char **);
static int	 pct_normalise(const char *, size_t, int, int, char *, size_t,
		    size_t *, const char **);
static int	 parse_authority(struct span, struct uri *, const char **);
static int	 parse_ip_literal(struct span, struct uri *, const char **);
static int	 parse_port(struct span, struct uri *, const char **);
static int	 parse_path(struct span, struct uri *, const char **);

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~" */
static int
is_unreserved(int c)
{
	return is_alpha(c) || is_digit(c) || c == '-' || c == '.' ||
	    c == '_' || c == '~';
}

/* sub-delims = "!" / "$" / "&" / "'" / "(" / ")" / "*" / "+" / "," / ";" / "=" */
static int
is_subdelim(int c)
{
	return c != '\0' && strchr("!$&'()*+,;=", c) != NULL;
}

static int
to_lower(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 'a';
	return c;
}

/*
 * Length of the well-formed UTF-8 sequence at p (RFC 3629 section 4), or 0.
 * Overlong forms, surrogates and code points above U+10FFFF are refused.
 */
static size_t
utf8_seqlen(const unsigned char *p, size_t left)
{
	unsigned char	 lo = 0x80, hi = 0xbf;
	size_t		 n, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		if (p[0] == 0xe0)
			lo = 0xa0;		/* overlong */
		else if (p[0] == 0xed)
			hi = 0x9f;		/* surrogates */
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		if (p[0] == 0xf0)
			lo = 0x90;		/* overlong */
		else if (p[0] == 0xf4)
			hi = 0x8f;		/* > U+10FFFF */
	} else
		return 0;
	if (left < n)
		return 0;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

/* Byte-level checks on the whole request line before any parsing. */
static int
check_bytes(const char *s, size_t len, const char **errstr)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i, n;

	if (len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) {
		*errstr = "byte-order mark";
		return -1;
	}
	for (i = 0; i < len; i += n) {
		if (p[i] == '\0') {
			*errstr = "NUL byte";
			return -1;
		}
		if (p[i] < 0x20 || p[i] == 0x7f) {
			*errstr = "control character";
			return -1;
		}
		if (p[i] == ' ') {
			*errstr = "space";
			return -1;
		}
		if ((n = utf8_seqlen(p + i, len - i)) == 0) {
			*errstr = "invalid UTF-8";
			return -1;
		}
	}
	return 0;
}

/* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), then ":" */
static int
parse_scheme(const char *s, size_t len, struct uri *u, size_t *pos,
    const char **errstr)
{
	size_t	 i;
	int	 c;

	if (len == 0 || !is_alpha((unsigned char)s[0]))
		goto relative;
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == ':')
			break;
		if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' &&
		    c != '.')
			goto relative;
		if (i >= sizeof(u->scheme) - 1) {
			*errstr = "scheme too long";
			return -1;
		}
		u->scheme[i] = (char)to_lower(c);
	}
	if (i == len)
		goto relative;
	u->scheme[i] = '\0';
	*pos = i + 1;
	return 0;

relative:
	*errstr = "not an absolute URI";
	return -1;
}

/*
 * Check one component against its character set and, when out is not NULL,
 * copy it normalised (RFC 3986 6.2.2.1 and 6.2.2.2):
 *	pct-encoded = "%" HEXDIG HEXDIG
 * "%00" is always refused.  Bytes >= 0x80 were checked as UTF-8 already.
 */
static int
pct_normalise(const char *in, size_t len, int allow, int norm, char *out,
    size_t outsz, size_t *outlen, const char **errstr)
{
	static const char	 hex[] = "0123456789ABCDEF";
	size_t			 i, o = 0, need;
	int			 c, hi = 0, lo = 0, v;

	for (i = 0; i < len; i++) {
		c = (unsigned char)in[i];
		need = 1;
		if (c == '%') {
			if (len - i < 3 || (hi = hexval(in[i + 1])) == -1 ||
			    (lo = hexval(in[i + 2])) == -1) {
				*errstr = "bad percent-encoding";
				return -1;
			}
			if ((v = hi * 16 + lo) == 0) {
				*errstr = "percent-encoded NUL";
				return -1;
			}
			i += 2;
			if ((norm & NORM_DECODE) && is_unreserved(v))
				c = v;
			else
				need = 3;
		} else if (c >= 0x80) {
			if (!(allow & ALLOW_UTF8))
				goto bad;
		} else if (!is_unreserved(c) && !is_subdelim(c) &&
		    !(c == ':' && (allow & ALLOW_COLON)) &&
		    !(c == '@' && (allow & ALLOW_AT)) &&
		    !(c == '/' && (allow & ALLOW_SLASH)) &&
		    !(c == '?' && (allow & ALLOW_QMARK)))
			goto bad;
		if (out == NULL)
			continue;
		if (outsz - o <= need) {
			*errstr = "component too long";
			return -1;
		}
		if (need == 3) {
			out[o++] = '%';
			if (norm & NORM_DECODE) {
				out[o++] = hex[hi];
				out[o++] = hex[lo];
			} else {
				out[o++] = in[i - 1];
				out[o++] = in[i];
			}
		} else
			out[o++] = (char)((norm & NORM_LOWER) ? to_lower(c) : c);
	}
	if (out != NULL)
		out[o] = '\0';
	if (outlen != NULL)
		*outlen = o;
	return 0;

bad:
	*errstr = "invalid character";
	return -1;
}

/*
 * authority   = [ userinfo "@" ] host [ ":" port ]
 * userinfo    = *( unreserved / pct-encoded / sub-delims / ":" )
 * host        = IP-literal / IPv4address / reg-name
 * reg-name    = *( unreserved / pct-encoded / sub-delims )
 * IPv4address has the shape of a reg-name and is kept as written.
 */
static int
parse_authority(struct span a, struct uri *u, const char **errstr)
{
	struct span	 host, port = { NULL, 0 };
	const char	*at, *colon;

	if ((at = memchr(a.p, '@', a.len)) != NULL) {
		u->has_userinfo = 1;
		if (pct_normalise(a.p, (size_t)(at - a.p),
		    ALLOW_COLON | ALLOW_UTF8, 0, NULL, 0, NULL, errstr) == -1)
			return -1;
		a.len -= (size_t)(at - a.p) + 1;
		a.p = at + 1;
	}
	if (a.len > 0 && a.p[0] == '[') {
		if (parse_ip_literal(a, u, errstr) == -1)
			return -1;
		host.len = (size_t)((const char *)memchr(a.p, ']', a.len) -
		    a.p) + 1;
	} else {
		host.len = a.len;
		if ((colon = memchr(a.p, ':', a.len)) != NULL)
			host.len = (size_t)(colon - a.p);
		if (pct_normalise(a.p, host.len, ALLOW_UTF8,
		    NORM_DECODE | NORM_LOWER, u->host, sizeof(u->host), NULL,
		    errstr) == -1) {
			if (strcmp(*errstr, "component too long") == 0)
				*errstr = "host name too long";
			return -1;
		}
	}
	if (host.len < a.len) {
		if (a.p[host.len] != ':') {
			*errstr = "invalid character";
			return -1;
		}
		port.p = a.p + host.len + 1;
		port.len = a.len - host.len - 1;
	}
	return parse_port(port, u, errstr);
}

/*
 * IP-literal = "[" ( IPv6address / IPvFuture ) "]"
 * IPv6 only: IPvFuture and zone identifiers are refused.  The host is
 * stored without brackets, lower-cased.
 */
static int
parse_ip_literal(struct span a, struct uri *u, const char **errstr)
{
	struct in6_addr	 in6;
	const char	*end;
	char		 tmp[64];
	size_t		 n, i;

	if ((end = memchr(a.p, ']', a.len)) == NULL) {
		*errstr = "unterminated IP literal";
		return -1;
	}
	n = (size_t)(end - a.p) - 1;
	if (n == 0 || n >= sizeof(tmp)) {
		*errstr = "bad IP literal";
		return -1;
	}
	for (i = 0; i < n; i++)
		tmp[i] = (char)to_lower((unsigned char)a.p[1 + i]);
	tmp[n] = '\0';
	if (inet_pton(AF_INET6, tmp, &in6) != 1) {
		*errstr = "bad IP literal";
		return -1;
	}
	memcpy(u->host, tmp, n + 1);
	return 0;
}

/* port = *DIGIT; empty means absent (-1). */
static int
parse_port(struct span p, struct uri *u, const char **errstr)
{
	size_t	 i;
	long	 v = 0;

	u->port = -1;
	if (p.p == NULL || p.len == 0)
		return 0;
	for (i = 0; i < p.len; i++) {
		if (!is_digit((unsigned char)p.p[i])) {
			*errstr = "bad port";
			return -1;
		}
		v = v * 10 + (p.p[i] - '0');
		if (v > 65535) {
			*errstr = "port out of range";
			return -1;
		}
	}
	u->port = (int)v;
	return 0;
}

/*
 * path-abempty / path-absolute / path-rootless / path-empty, with
 *	segment = *pchar
 *	pchar   = unreserved / pct-encoded / sub-delims / ":" / "@"
 * Normalised (6.2.2), dot segments removed (5.2.4) and always rooted.
 */
static int
parse_path(struct span p, struct uri *u, const char **errstr)
{
	size_t	 off = 0, n;

	if (p.len == 0 || p.p[0] != '/')
		u->path[off++] = '/';
	if (pct_normalise(p.p, p.len, PCHAR | ALLOW_SLASH, NORM_DECODE,
	    u->path + off, sizeof(u->path) - off, NULL, errstr) == -1)
		return -1;
	uri_remove_dot_segments(u->path);
	if (u->path[0] == '\0') {
		u->path[0] = '/';
		u->path[1] = '\0';
	}
	if (uri_decode(u->path, strlen(u->path), u->path_decoded,
	    sizeof(u->path_decoded), &n) == -1) {
		*errstr = "bad percent-encoding";
		return -1;
	}
	return 0;
}

/*
 * absolute-URI with optional fragment, as sent in a Gemini request:
 *	URI       = scheme ":" hier-part [ "?" query ] [ "#" fragment ]
 *	hier-part = "//" authority path-abempty / path-absolute
 *		  / path-rootless / path-empty
 * Relative references ("/foo", "//host/foo") are refused.
 */
int
uri_parse(const char *s, size_t len, struct uri *u, const char **errstr)
{
	struct span	 auth, path, rest;
	size_t		 pos = 0, i;
	const char	*dummy;

	if (errstr == NULL)
		errstr = &dummy;
	memset(u, 0, sizeof(*u));
	u->port = -1;
	if (len == 0) {
		*errstr = "empty URI";
		return -1;
	}
	if (len > URI_MAX) {
		*errstr = "URI too long";
		return -1;
	}
	if (check_bytes(s, len, errstr) == -1)
		return -1;
	if (parse_scheme(s, len, u, &pos, errstr) == -1)
		goto fail;

	if (len - pos >= 2 && s[pos] == '/' && s[pos + 1] == '/') {
		pos += 2;
		for (i = pos; i < len; i++)
			if (s[i] == '/' || s[i] == '?' || s[i] == '#')
				break;
		auth.p = s + pos;
		auth.len = i - pos;
		if (parse_authority(auth, u, errstr) == -1)
			goto fail;
		pos = i;
	}

	for (i = pos; i < len; i++)
		if (s[i] == '?' || s[i] == '#')
			break;
	path.p = s + pos;
	path.len = i - pos;
	if (parse_path(path, u, errstr) == -1)
		goto fail;
	pos = i;

	/* query = *( pchar / "/" / "?" ), kept raw */
	if (pos < len && s[pos] == '?') {
		pos++;
		for (i = pos; i < len && s[i] != '#'; i++)
			;
		if (pct_normalise(s + pos, i - pos,
		    PCHAR | ALLOW_SLASH | ALLOW_QMARK, 0, NULL, 0, NULL,
		    errstr) == -1)
			goto fail;
		memcpy(u->query, s + pos, i - pos);
		u->query[i - pos] = '\0';
		u->has_query = 1;
		pos = i;
	}

	/* fragment = *( pchar / "/" / "?" ) */
	if (pos < len && s[pos] == '#') {
		pos++;
		rest.p = s + pos;
		rest.len = len - pos;
		if (pct_normalise(rest.p, rest.len,
		    PCHAR | ALLOW_SLASH | ALLOW_QMARK, 0, NULL, 0, NULL,
		    errstr) == -1)
			goto fail;
		u->has_fragment = 1;
	}
	return 0;

fail:
	/* Leave nothing half-parsed behind for a careless caller. */
	memset(u, 0, sizeof(*u));
	u->port = -1;
	return -1;
}

int
uri_decode(const char *in, size_t len, char *out, size_t outsz,
    size_t *outlen)
{
	size_t	 i, o = 0;
	int	 hi, lo, c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)in[i];
		if (c == '\0')
			return -1;
		if (c == '%') {
			if (len - i < 3 || (hi = hexval(in[i + 1])) == -1 ||
			    (lo = hexval(in[i + 2])) == -1)
				return -1;
			if ((c = hi * 16 + lo) == 0)
				return -1;
			i += 2;
		}
		if (o + 1 >= outsz)
			return -1;
		out[o++] = (char)c;
	}
	if (outsz == 0)
		return -1;
	out[o] = '\0';
	if (outlen != NULL)
		*outlen = o;
	return 0;
}

int
uri_encode_path(const char *in, char *out, size_t outsz)
{
	static const char	 hex[] = "0123456789ABCDEF";
	size_t			 o = 0;
	int			 c;

	if (outsz == 0)
		return -1;
	for (; *in != '\0'; in++) {
		c = (unsigned char)*in;
		if (is_unreserved(c) || c == '/') {
			if (outsz - o < 2)
				return -1;
			out[o++] = (char)c;
		} else {
			if (outsz - o < 4)
				return -1;
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 0xf];
		}
	}
	if (o >= outsz)
		return -1;
	out[o] = '\0';
	return 0;
}

/*
 * RFC 3986 5.2.4.  The output never grows faster than the input is
 * consumed, so the output buffer shares storage with the input: w <= r.
 */
void
uri_remove_dot_segments(char *path)
{
	size_t	 r = 0, w = 0, n = strlen(path);
	char	*in;

	while (r < n) {
		in = path + r;
		/* A: "../" or "./" prefix */
		if (strncmp(in, "../", 3) == 0)
			r += 3;
		else if (strncmp(in, "./", 2) == 0)
			r += 2;
		/* B: "/./" or "/." at the end becomes "/" */
		else if (strncmp(in, "/./", 3) == 0)
			r += 2;
		else if (strcmp(in, "/.") == 0) {
			r += 1;
			path[r] = '/';
		/* C: "/../" or "/.." at the end: "/" and pop a segment */
		} else if (strncmp(in, "/../", 4) == 0 ||
		    strcmp(in, "/..") == 0) {
			if (in[3] == '/')
				r += 3;
			else {
				r += 2;
				path[r] = '/';
			}
			while (w > 0 && path[--w] != '/')
				;
		/* D: "." or ".." alone */
		} else if (strcmp(in, ".") == 0 || strcmp(in, "..") == 0)
			r = n;
		/* E: move the first segment (with its leading "/") */
		else {
			do {
				path[w++] = path[r++];
			} while (r < n && path[r] != '/');
		}
	}
	path[w] = '\0';
}
