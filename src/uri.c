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
#include "utf8.h"

/* Characters allowed on top of unreserved / pct-encoded / sub-delims. */
#define ALLOW_COLON	0x01
#define ALLOW_AT	0x02
#define ALLOW_SLASH	0x04
#define ALLOW_QMARK	0x08
#define ALLOW_UTF8	0x10

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
static int	 check_bytes(const char *, size_t, const char **);
static int	 parse_scheme(const char *, size_t, struct uri *, size_t *,
		    const char **);
static int	 check_component(const char *, size_t, int, const char **);
static void	 lower_host(char *);
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

/* Byte-level checks on the whole request line before any parsing. */
static int
check_bytes(const char *s, size_t len, const char **errstr)
{
	const unsigned char	*p = (const unsigned char *)s;
	uint32_t		 cp;
	size_t			 i;
	int			 n;

	if (len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) {
		*errstr = "byte-order mark";
		return -1;
	}
	for (i = 0; i < len; i += (size_t)n) {
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
		if ((n = utf8_decode(p + i, len - i, &cp)) <= 0) {
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
 * Check one component against its character set:
 *	pct-encoded = "%" HEXDIG HEXDIG
 * "%00" is always refused.  Bytes >= 0x80 were checked as UTF-8 already.
 * The normalised copy is uri_pct_decode()'s (URI_PCT_ONLY_UNRESERVED).
 */
static int
check_component(const char *in, size_t len, int allow, const char **errstr)
{
	size_t	 i;
	int	 c, hi, lo;

	for (i = 0; i < len; i++) {
		c = (unsigned char)in[i];
		if (c == '%') {
			if (len - i < 3 || (hi = hexval(in[i + 1])) == -1 ||
			    (lo = hexval(in[i + 2])) == -1) {
				*errstr = "bad percent-encoding";
				return -1;
			}
			if (hi == 0 && lo == 0) {
				*errstr = "percent-encoded NUL";
				return -1;
			}
			i += 2;
		} else if (c >= 0x80) {
			if (!(allow & ALLOW_UTF8))
				goto bad;
		} else if (!is_unreserved(c) && !is_subdelim(c) &&
		    !(c == ':' && (allow & ALLOW_COLON)) &&
		    !(c == '@' && (allow & ALLOW_AT)) &&
		    !(c == '/' && (allow & ALLOW_SLASH)) &&
		    !(c == '?' && (allow & ALLOW_QMARK)))
			goto bad;
	}
	return 0;

bad:
	*errstr = "invalid character";
	return -1;
}

/*
 * RFC 3986 6.2.2.1: a host is case-insensitive, so ASCII letters are
 * folded, but not the hex digits of the escapes left in it (upper case).
 */
static void
lower_host(char *h)
{
	for (; *h != '\0'; h++) {
		if (*h == '%' && h[1] != '\0' && h[2] != '\0')
			h += 2;
		else
			*h = (char)to_lower((unsigned char)*h);
	}
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
		if (check_component(a.p, (size_t)(at - a.p),
		    ALLOW_COLON | ALLOW_UTF8, errstr) == -1)
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
		if (check_component(a.p, host.len, ALLOW_UTF8, errstr) == -1)
			return -1;
		/* Checked: the only failure left is the size. */
		if (uri_pct_decode(a.p, host.len, u->host, sizeof(u->host),
		    NULL, URI_PCT_ONLY_UNRESERVED) == -1) {
			*errstr = "host name too long";
			return -1;
		}
		lower_host(u->host);
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
	size_t	 off = 0;

	if (p.len == 0 || p.p[0] != '/')
		u->path[off++] = '/';
	if (check_component(p.p, p.len, PCHAR | ALLOW_SLASH, errstr) == -1)
		return -1;
	if (uri_pct_decode(p.p, p.len, u->path + off, sizeof(u->path) - off,
	    NULL, URI_PCT_ONLY_UNRESERVED) == -1) {
		*errstr = "path too long";
		return -1;
	}
	uri_remove_dot_segments(u->path);
	if (u->path[0] == '\0') {
		u->path[0] = '/';
		u->path[1] = '\0';
	}
	if (uri_pct_decode(u->path, strlen(u->path), u->path_decoded,
	    sizeof(u->path_decoded), NULL, 0) == -1) {
		*errstr = "bad percent-encoding";
		return -1;
	}
	uri_collapse_slashes(u->path_decoded);
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
		if (check_component(s + pos, i - pos,
		    PCHAR | ALLOW_SLASH | ALLOW_QMARK, errstr) == -1)
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
		if (check_component(rest.p, rest.len,
		    PCHAR | ALLOW_SLASH | ALLOW_QMARK, errstr) == -1)
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

/*
 * pct-encoded = "%" HEXDIG HEXDIG (RFC 3986 2.1), with the variants of
 * the flags; an escape kept by URI_PCT_ONLY_UNRESERVED takes 3 bytes.
 */
int
uri_pct_decode(const char *in, size_t len, char *out, size_t outsz,
    size_t *outlen, unsigned flags)
{
	static const char	 hex[] = "0123456789ABCDEF";
	size_t			 i, o = 0, need;
	int			 c, hi = 0, lo = 0;

	if (outsz == 0)
		return -1;
	/* Most paths hold nothing to decode: one copy (hot in every
	 * request). */
	if (memchr(in, '%', len) == NULL && memchr(in, '\0', len) == NULL &&
	    (!(flags & URI_PCT_PLUS_SPACE) || memchr(in, '+', len) == NULL)) {
		if (len >= outsz)
			return -1;
		memcpy(out, in, len);
		out[len] = '\0';
		if (outlen != NULL)
			*outlen = len;
		return 0;
	}
	for (i = 0; i < len; i++) {
		c = (unsigned char)in[i];
		need = 1;
		if (c == '\0')
			return -1;
		if (c == '+' && (flags & URI_PCT_PLUS_SPACE))
			c = ' ';
		else if (c == '%' && len - i >= 3 &&
		    (hi = hexval(in[i + 1])) != -1 &&
		    (lo = hexval(in[i + 2])) != -1) {
			if (hi == 0 && lo == 0)
				return -1;
			i += 2;
			c = hi * 16 + lo;
			if ((flags & URI_PCT_ONLY_UNRESERVED) &&
			    !is_unreserved(c))
				need = 3;
		} else if (c == '%' && !(flags & URI_PCT_LENIENT))
			return -1;
		if (outsz - o <= need)
			return -1;
		if (need == 3) {
			out[o++] = '%';
			out[o++] = hex[hi];
			out[o++] = hex[lo];
		} else
			out[o++] = (char)c;
	}
	out[o] = '\0';
	if (outlen != NULL)
		*outlen = o;
	return 0;
}

int
uri_decode(const char *in, size_t len, char *out, size_t outsz,
    size_t *outlen)
{
	return uri_pct_decode(in, len, out, outsz, outlen, 0);
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
uri_collapse_slashes(char *path)
{
	char	*r, *w;

	if ((r = strstr(path, "//")) == NULL)
		return;		/* the usual case: nothing to do */
	for (w = r + 1, r += 2; *r != '\0'; r++)
		if (*r != '/' || w == path || w[-1] != '/')
			*w++ = *r;
	*w = '\0';
}

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
