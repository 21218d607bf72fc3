/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The broadside authors.  ISC licence.
 *
 * broadside: the INI configuration, parsed into one read-only struct.
 *
 * inih does the INI syntax; everything around it is ours: a reader that
 * feeds inih one physical line at a time (so we always know the line
 * number, reject over-long lines and catch syntax errors on every line,
 * not only the first), a table of keys with their value parsers, and the
 * checks that need the whole file (defaults derived from other keys,
 * relative paths, at least one listener, the content root).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ini.h>

#include "config.h"

#define CONFIG_MSG_MAX		512
#define CONFIG_HOSTNAME_MAX	253
#define CONFIG_USER_MAX		32
#define CONFIG_WORKERS_MAX	64
#define CONFIG_CLIENTS_MAX	1000000
#define CONFIG_TIMEOUT_MAX_SEC	3600
#define CONFIG_RATE_REQ_MAX	1000000
#define CONFIG_RATE_SEC_MAX	86400
#define CONFIG_CACHE_FILE_MAX	(64LL * 1024 * 1024)

enum key_type {
	K_PATH,		/* non-empty path, resolved later */
	K_INT,
	K_BOOL,
	K_ENUM,
	K_FUNC,
};

struct parse;

typedef int (*key_fn)(struct parse *, const char *, const char **);

struct key {
	const char		*section;
	const char		*name;
	enum key_type		 type;
	size_t			 off;	/* into struct config */
	long long		 min, max;
	const char *const	*words;	/* K_ENUM: index is the value */
	key_fn			 fn;	/* K_FUNC */
};

/* Where the reader takes its lines from: a FILE or a string. */
struct source {
	FILE		*fp;
	const char	*str;
	size_t		 len;
	size_t		 pos;
};

struct parse {
	struct config	*conf;
	const char	*name;		/* file name for messages */
	config_error_fn	 errfn;
	void		*errarg;
	int		 nerr;
	struct source	 src;
	int		 lineno;	/* line inih is working on */
	int		 want_call;	/* it is a key line: handler expected */
	int		 got_call;
	int		 bad_section;	/* current section already reported */
	int		 io_error;
	int		*seen;		/* line each key was set on, or 0 */
};

static const char *const charset_words[] = {
	"utf-8", "ascii", "latin1", NULL
};
static const char *const log_format_words[] = {
	"default", "common", "combined", NULL
};
static const char *const log_ip_words[] = {
	"full", "anonymized", "off", NULL
};

static int	 key_hostname(struct parse *, const char *, const char **);
static int	 key_archive(struct parse *, const char *, const char **);
static int	 key_title(struct parse *, const char *, const char **);
static int	 key_lang(struct parse *, const char *, const char **);
static int	 key_workers(struct parse *, const char *, const char **);
static int	 key_rate(struct parse *, const char *, const char **);
static int	 key_cache_max_file(struct parse *, const char *,
		    const char **);
static int	 key_user(struct parse *, const char *, const char **);
static int	 key_log(struct parse *, const char *, const char **);
static int	 key_access_log(struct parse *, const char *, const char **);
static int	 key_gemini_listen(struct parse *, const char *,
		    const char **);
static int	 key_gopher_listen(struct parse *, const char *,
		    const char **);
static int	 key_gemini_proxy_from(struct parse *, const char *,
		    const char **);
static int	 key_gopher_proxy_from(struct parse *, const char *,
		    const char **);

/* K_ENUM stores through an int pointer */
_Static_assert(sizeof(enum config_charset) == sizeof(int), "enum size");
_Static_assert(sizeof(enum config_log_ip) == sizeof(int), "enum size");
_Static_assert(sizeof(enum config_log_format) == sizeof(int), "enum size");

#define OFF(f)	offsetof(struct config, f)

static const struct key keys[] = {
	{ "server", "hostname", K_FUNC, 0, 0, 0, NULL, key_hostname },
	{ "server", "root", K_PATH, OFF(root), 0, 0, NULL, NULL },
	{ "server", "archive", K_FUNC, 0, 0, 0, NULL, key_archive },
	{ "server", "state", K_PATH, OFF(state), 0, 0, NULL, NULL },
	{ "server", "title", K_FUNC, 0, 0, 0, NULL, key_title },
	{ "server", "lang", K_FUNC, 0, 0, 0, NULL, key_lang },
	{ "server", "workers", K_FUNC, 0, 0, 0, NULL, key_workers },
	{ "server", "max_clients", K_INT, OFF(max_clients), 1,
	    CONFIG_CLIENTS_MAX, NULL, NULL },
	{ "server", "max_clients_per_ip", K_INT, OFF(max_clients_per_ip), 0,
	    CONFIG_CLIENTS_MAX, NULL, NULL },
	{ "server", "rate", K_FUNC, 0, 0, 0, NULL, key_rate },
	{ "server", "timeout", K_INT, OFF(timeout), 1, CONFIG_TIMEOUT_MAX_SEC,
	    NULL, NULL },
	{ "server", "ipv6_prefix", K_INT, OFF(ipv6_prefix), 32, 128, NULL,
	    NULL },
	{ "server", "backlog", K_INT, OFF(backlog), 1, 65535, NULL, NULL },
	{ "server", "autoindex", K_BOOL, OFF(autoindex), 0, 0, NULL, NULL },
	{ "server", "statement_footer", K_BOOL, OFF(statement_footer), 0, 0,
	    NULL, NULL },
	{ "server", "cache_max_file", K_FUNC, 0, 0, 0, NULL,
	    key_cache_max_file },
	{ "server", "user", K_FUNC, 0, 0, 0, NULL, key_user },
	{ "server", "chroot", K_BOOL, OFF(chroot), 0, 0, NULL, NULL },
	{ "server", "log", K_FUNC, 0, 0, 0, NULL, key_log },
	{ "server", "access_log", K_FUNC, 0, 0, 0, NULL, key_access_log },
	{ "server", "log_format", K_ENUM, OFF(log_format), 0, 0,
	    log_format_words, NULL },
	{ "server", "log_ip", K_ENUM, OFF(log_ip), 0, 0, log_ip_words, NULL },

	{ "gemini", "listen", K_FUNC, 0, 0, 0, NULL, key_gemini_listen },
	{ "gemini", "cert", K_PATH, OFF(cert), 0, 0, NULL, NULL },
	{ "gemini", "key", K_PATH, OFF(key), 0, 0, NULL, NULL },
	{ "gemini", "proxy_protocol", K_BOOL, OFF(gemini.proxy_protocol), 0, 0,
	    NULL, NULL },
	{ "gemini", "proxy_from", K_FUNC, 0, 0, 0, NULL,
	    key_gemini_proxy_from },

	{ "gopher", "listen", K_FUNC, 0, 0, 0, NULL, key_gopher_listen },
	{ "gopher", "port", K_INT, OFF(gopher_port), 1, 65535, NULL, NULL },
	{ "gopher", "wrap", K_INT, OFF(wrap), 20, 200, NULL, NULL },
	{ "gopher", "charset", K_ENUM, OFF(charset), 0, 0, charset_words,
	    NULL },
	{ "gopher", "proxy_protocol", K_BOOL, OFF(gopher.proxy_protocol), 0, 0,
	    NULL, NULL },
	{ "gopher", "proxy_from", K_FUNC, 0, 0, 0, NULL,
	    key_gopher_proxy_from },
};

#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

static const char *const sections[] = { "server", "gemini", "gopher" };

/* ------------------------------------------------------------------ */
/* Errors */

static void
config_error(struct parse *p, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
config_error(struct parse *p, int line, const char *fmt, ...)
{
	char	 msg[CONFIG_MSG_MAX];
	va_list	 ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->nerr++;
	if (p->errfn != NULL)
		p->errfn(p->errarg, p->name, line, msg);
	else if (line > 0)
		fprintf(stderr, "%s:%d: %s\n", p->name, line, msg);
	else
		fprintf(stderr, "%s: %s\n", p->name, msg);
}

/* ------------------------------------------------------------------ */
/* Small value parsers: pure, no allocation. */

/*
 * Bounded decimal integer, strtonum(3)-like: digits only, no sign, no
 * blank space, no overflow.
 */
static int
parse_int(const char *s, long long min, long long max, long long *out,
    const char **errstr)
{
	long long	 v = 0;

	if (*s == '\0') {
		*errstr = "empty number";
		return -1;
	}
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9') {
			*errstr = "not a number";
			return -1;
		}
		if (v > (LLONG_MAX - (*s - '0')) / 10) {
			*errstr = "too large";
			return -1;
		}
		v = v * 10 + (*s - '0');
	}
	if (v < min) {
		*errstr = "too small";
		return -1;
	}
	if (v > max) {
		*errstr = "too large";
		return -1;
	}
	*out = v;
	return 0;
}

static int
parse_bool(const char *s, int *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t	 i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

static int
has_ctl(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/*
 * listen-address = ( IPv4address / "[" IPv6address "]" / "*" ) ":" port
 * "*" is the IPv4 wildcard 0.0.0.0.
 */
int
config_parse_listen(const char *s, struct config_listen *out,
    const char **errstr)
{
	struct sockaddr_in	*sin;
	struct sockaddr_in6	*sin6;
	char			 host[INET6_ADDRSTRLEN + 1];
	const char		*colon, *h, *he;
	long long		 port;
	size_t			 n;

	memset(out, 0, sizeof(*out));
	if (strlen(s) >= sizeof(out->text)) {
		*errstr = "address too long";
		return -1;
	}
	if (*s == '[') {
		h = s + 1;
		if ((he = strchr(h, ']')) == NULL) {
			*errstr = "missing ']' after IPv6 address";
			return -1;
		}
		colon = he + 1;
		if (*colon != ':') {
			*errstr = "missing ':port' after ']'";
			return -1;
		}
	} else {
		h = s;
		if ((colon = strrchr(s, ':')) == NULL) {
			*errstr = "missing ':port'";
			return -1;
		}
		he = colon;
		if (memchr(h, ':', (size_t)(he - h)) != NULL) {
			*errstr = "IPv6 addresses must be written as [addr]:port";
			return -1;
		}
	}
	if (parse_int(colon + 1, 1, 65535, &port, errstr) == -1) {
		*errstr = "bad port (1..65535)";
		return -1;
	}
	n = (size_t)(he - h);
	if (n == 0 || n >= sizeof(host)) {
		*errstr = "bad address";
		return -1;
	}
	memcpy(host, h, n);
	host[n] = '\0';

	if (*s == '[') {
		sin6 = (struct sockaddr_in6 *)&out->addr;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((unsigned short)port);
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1) {
			*errstr = "bad IPv6 address";
			return -1;
		}
		out->addrlen = sizeof(*sin6);
	} else {
		sin = (struct sockaddr_in *)&out->addr;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((unsigned short)port);
		if (strcmp(host, "*") == 0)
			sin->sin_addr.s_addr = htonl(INADDR_ANY);
		else if (inet_pton(AF_INET, host, &sin->sin_addr) != 1) {
			*errstr = "bad IPv4 address (use an address, "
			    "[IPv6] or *)";
			return -1;
		}
		out->addrlen = sizeof(*sin);
	}
	(void)snprintf(out->text, sizeof(out->text), "%s", s);
	return 0;
}

/*
 * The next item of a comma-separated list into item (blanks around it
 * dropped): 1, or 0 at the end of the list, or -1 with errstr.  "" is an
 * empty list.
 */
static int
list_next(const char **v, char *item, size_t size, const char **errstr)
{
	const char	*e;
	size_t		 n;

	while (**v == ' ' || **v == '\t')
		(*v)++;
	if (**v == '\0')
		return 0;
	e = strchr(*v, ',');
	n = e != NULL ? (size_t)(e - *v) : strlen(*v);
	while (n > 0 && ((*v)[n - 1] == ' ' || (*v)[n - 1] == '\t'))
		n--;
	if (n == 0) {
		*errstr = "empty address in list";
		return -1;
	}
	if (n >= size) {
		*errstr = "address too long";
		return -1;
	}
	memcpy(item, *v, n);
	item[n] = '\0';
	/* After the last item the list ends; after a comma one must follow. */
	*v = e != NULL ? e + 1 : *v + strlen(*v);
	if (e != NULL && *(*v + strspn(*v, " \t")) == '\0') {
		*errstr = "empty address in list";
		return -1;
	}
	return 1;
}

static int
parse_listen_list(const char *v, struct config_proto *proto,
    const char **errstr)
{
	struct config_listen	 l;
	char			 item[sizeof(l.text) + 1];
	int			 rc;

	proto->nlisten = 0;
	while ((rc = list_next(&v, item, sizeof(item), errstr)) == 1) {
		if (config_parse_listen(item, &l, errstr) == -1)
			return -1;
		if (proto->nlisten == CONFIG_LISTEN_MAX) {
			*errstr = "too many addresses";
			return -1;
		}
		proto->listen[proto->nlisten++] = l;
	}
	return rc;
}

/* Keep the first `bits` bits of a 16-byte address; zero the rest. */
static void
mask_bits(unsigned char a[16], int bits)
{
	int	 i;

	for (i = 0; i < 16; i++, bits -= 8) {
		if (bits >= 8)
			continue;
		a[i] &= bits > 0 ? (unsigned char)(0xff << (8 - bits)) : 0;
	}
}

int
config_parse_prefix(const char *s, struct config_prefix *out,
    const char **errstr)
{
	char			 host[INET6_ADDRSTRLEN + 1];
	const char		*slash;
	unsigned char		 check[16];
	struct in_addr		 in;
	long long		 bits;
	size_t			 n;
	int			 v6;

	memset(out, 0, sizeof(*out));
	slash = strchr(s, '/');
	n = slash != NULL ? (size_t)(slash - s) : strlen(s);
	if (n == 0 || n >= sizeof(host)) {
		*errstr = "bad address";
		return -1;
	}
	memcpy(host, s, n);
	host[n] = '\0';
	v6 = strchr(host, ':') != NULL;
	if (v6) {
		if (inet_pton(AF_INET6, host, out->addr) != 1) {
			*errstr = "bad IPv6 address";
			return -1;
		}
	} else {
		if (inet_pton(AF_INET, host, &in) != 1) {
			*errstr = "bad IPv4 address";
			return -1;
		}
		out->addr[10] = out->addr[11] = 0xff;
		memcpy(out->addr + 12, &in, 4);
	}
	bits = v6 ? 128 : 32;
	if (slash != NULL && parse_int(slash + 1, 0, bits, &bits,
	    errstr) == -1) {
		*errstr = v6 ? "bad prefix length (0..128)" :
		    "bad prefix length (0..32)";
		return -1;
	}
	out->bits = v6 ? (int)bits : 96 + (int)bits;
	memcpy(check, out->addr, 16);
	mask_bits(check, out->bits);
	if (memcmp(check, out->addr, 16) != 0) {
		*errstr = "address has bits set past the prefix length";
		return -1;
	}
	return 0;
}

int
config_addr_key(const struct sockaddr *sa, unsigned char key[16])
{
	memset(key, 0, 16);
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		key[10] = key[11] = 0xff;
		memcpy(key + 12, &in->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		memcpy(key, &in6->sin6_addr, 16);
		return 0;
	}
	return -1;
}

int
config_prefix_match(const struct config_prefix *p, size_t n,
    const unsigned char key[16])
{
	unsigned char	 a[16];
	size_t		 i;

	for (i = 0; i < n; i++) {
		memcpy(a, key, 16);
		mask_bits(a, p[i].bits);
		if (memcmp(a, p[i].addr, 16) == 0)
			return 1;
	}
	return 0;
}

/* A comma-separated list of prefixes; "" is an empty list. */
static int
parse_prefix_list(const char *v, struct config_proto *proto,
    const char **errstr)
{
	char	 item[INET6_ADDRSTRLEN + 8];
	int	 rc;

	proto->nproxy_from = 0;
	while ((rc = list_next(&v, item, sizeof(item), errstr)) == 1) {
		if (proto->nproxy_from == CONFIG_PROXY_FROM_MAX) {
			*errstr = "too many addresses (at most 16)";
			return -1;
		}
		if (config_parse_prefix(item,
		    &proto->proxy_from[proto->nproxy_from], errstr) == -1)
			return -1;
		proto->nproxy_from++;
	}
	return rc;
}

/* ------------------------------------------------------------------ */
/* Key parsers */

static int
set_str(struct parse *p, char **dst, const char *v, const char **errstr)
{
	char	*s;

	(void)p;
	if ((s = strdup(v)) == NULL) {
		*errstr = "out of memory";
		return -1;
	}
	free(*dst);
	*dst = s;
	return 0;
}

/* hostname: letters, digits, '.', '-'; an IP address is fine too. */
static int
key_hostname(struct parse *p, const char *v, const char **errstr)
{
	const char	*s;

	if (*v == '\0' || strlen(v) > CONFIG_HOSTNAME_MAX) {
		*errstr = "must be 1 to 253 characters";
		return -1;
	}
	for (s = v; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '.' && *s != '-') {
			*errstr = "only letters, digits, '.' and '-' allowed";
			return -1;
		}
	if (*v == '.' || *v == '-') {
		*errstr = "must start with a letter or digit";
		return -1;
	}
	return set_str(p, &p->conf->hostname, v, errstr);
}

/* archive: a relative path under root, without "." or ".." parts. */
static int
key_archive(struct parse *p, const char *v, const char **errstr)
{
	const char	*s, *e;
	size_t		 n;

	if (*v == '\0' || *v == '/' || has_ctl(v)) {
		*errstr = "must be a relative path under root";
		return -1;
	}
	for (s = v;; s = e + 1) {
		e = strchr(s, '/');
		n = e != NULL ? (size_t)(e - s) : strlen(s);
		if (n == 0 || (n == 1 && s[0] == '.') ||
		    (n == 2 && s[0] == '.' && s[1] == '.')) {
			*errstr = "empty, '.' or '..' path component";
			return -1;
		}
		if (e == NULL)
			break;
	}
	return set_str(p, &p->conf->archive, v, errstr);
}

static int
key_title(struct parse *p, const char *v, const char **errstr)
{
	if (has_ctl(v)) {
		*errstr = "control characters are not allowed";
		return -1;
	}
	return set_str(p, &p->conf->title, v, errstr);
}

/* lang: a BCP 47-like tag (en, pt-BR, zh-Hant-TW) or empty for none. */
static int
key_lang(struct parse *p, const char *v, const char **errstr)
{
	const char	*s;
	size_t		 n = strlen(v);

	if (n > CONFIG_LANG_MAX) {
		*errstr = "too long (at most 35 characters)";
		return -1;
	}
	for (s = v; *s != '\0'; s++) {
		if (isalnum((unsigned char)*s))
			continue;
		if (*s == '-' && s != v && s[1] != '\0' && s[1] != '-')
			continue;
		*errstr = "not a language tag (letters, digits, '-')";
		return -1;
	}
	if (n > 0 && !isalpha((unsigned char)*v)) {
		*errstr = "a language tag starts with a letter";
		return -1;
	}
	return set_str(p, &p->conf->lang, v, errstr);
}

static int
key_workers(struct parse *p, const char *v, const char **errstr)
{
	long long	 n;

	if (strcasecmp(v, "auto") == 0) {
		p->conf->workers = 0;
		return 0;
	}
	if (parse_int(v, 1, CONFIG_WORKERS_MAX, &n, errstr) == -1) {
		*errstr = "must be auto or 1..64";
		return -1;
	}
	p->conf->workers = (int)n;
	return 0;
}

/* rate = "off" / requests "/" seconds ["s"] */
static int
key_rate(struct parse *p, const char *v, const char **errstr)
{
	char		 num[16];
	const char	*slash;
	size_t		 n;
	long long	 req, sec;

	if (strcasecmp(v, "off") == 0) {
		p->conf->rate_requests = 0;
		p->conf->rate_seconds = 0;
		return 0;
	}
	*errstr = "must be off or REQUESTS/SECONDS (like 60/60s)";
	if ((slash = strchr(v, '/')) == NULL ||
	    (n = (size_t)(slash - v)) >= sizeof(num))
		return -1;
	memcpy(num, v, n);
	num[n] = '\0';
	if (parse_int(num, 1, CONFIG_RATE_REQ_MAX, &req, errstr) == -1)
		return -1;
	v = slash + 1;
	n = strlen(v);
	if (n > 0 && v[n - 1] == 's')
		n--;
	if (n >= sizeof(num))
		return -1;
	memcpy(num, v, n);
	num[n] = '\0';
	if (parse_int(num, 1, CONFIG_RATE_SEC_MAX, &sec, errstr) == -1)
		return -1;
	p->conf->rate_requests = (int)req;
	p->conf->rate_seconds = (int)sec;
	return 0;
}

/* size = digits [ "k" / "K" / "m" / "M" ] */
static int
key_cache_max_file(struct parse *p, const char *v, const char **errstr)
{
	char		 num[24];
	size_t		 n = strlen(v);
	long long	 mult = 1, val;

	if (n > 0 && (v[n - 1] == 'k' || v[n - 1] == 'K')) {
		mult = 1024;
		n--;
	} else if (n > 0 && (v[n - 1] == 'm' || v[n - 1] == 'M')) {
		mult = 1024 * 1024;
		n--;
	}
	if (n >= sizeof(num)) {
		*errstr = "too large";
		return -1;
	}
	memcpy(num, v, n);
	num[n] = '\0';
	if (parse_int(num, 0, CONFIG_CACHE_FILE_MAX / mult, &val,
	    errstr) == -1) {
		*errstr = "must be a size from 0 to 64M (like 64k)";
		return -1;
	}
	p->conf->cache_max_file = (size_t)(val * mult);
	return 0;
}

/* user: empty, or a POSIX portable user name. */
static int
key_user(struct parse *p, const char *v, const char **errstr)
{
	const char	*s;

	if (strlen(v) > CONFIG_USER_MAX || *v == '-') {
		*errstr = "not a user name";
		return -1;
	}
	for (s = v; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '.' && *s != '_' &&
		    *s != '-') {
			*errstr = "not a user name";
			return -1;
		}
	return set_str(p, &p->conf->user, v, errstr);
}

static int
log_target(struct parse *p, char **dst, const char *v, int allow_off,
    const char **errstr)
{
	if (*v == '\0' || has_ctl(v) ||
	    (!allow_off && strcasecmp(v, "off") == 0)) {
		*errstr = allow_off ? "must be stderr, syslog, off or a path" :
		    "must be stderr, syslog or a path";
		return -1;
	}
	if (strcasecmp(v, "stderr") == 0)
		v = "stderr";
	else if (strcasecmp(v, "syslog") == 0)
		v = "syslog";
	else if (allow_off && strcasecmp(v, "off") == 0)
		v = "off";
	return set_str(p, dst, v, errstr);
}

static int
key_log(struct parse *p, const char *v, const char **errstr)
{
	return log_target(p, &p->conf->log, v, 0, errstr);
}

static int
key_access_log(struct parse *p, const char *v, const char **errstr)
{
	return log_target(p, &p->conf->access_log, v, 1, errstr);
}

static int
key_gemini_listen(struct parse *p, const char *v, const char **errstr)
{
	return parse_listen_list(v, &p->conf->gemini, errstr);
}

static int
key_gopher_listen(struct parse *p, const char *v, const char **errstr)
{
	return parse_listen_list(v, &p->conf->gopher, errstr);
}

static int
key_gemini_proxy_from(struct parse *p, const char *v, const char **errstr)
{
	return parse_prefix_list(v, &p->conf->gemini, errstr);
}

static int
key_gopher_proxy_from(struct parse *p, const char *v, const char **errstr)
{
	return parse_prefix_list(v, &p->conf->gopher, errstr);
}

static int
key_set(struct parse *p, const struct key *k, const char *v,
    const char **errstr)
{
	char		*base = (char *)p->conf;
	long long	 n;
	int		 b;
	size_t		 i;

	switch (k->type) {
	case K_PATH:
		if (*v == '\0' || has_ctl(v)) {
			*errstr = "must be a path";
			return -1;
		}
		return set_str(p, (char **)(void *)(base + k->off), v, errstr);
	case K_INT:
		if (parse_int(v, k->min, k->max, &n, errstr) == -1)
			return -1;
		*(int *)(void *)(base + k->off) = (int)n;
		return 0;
	case K_BOOL:
		if (parse_bool(v, &b) == -1) {
			*errstr = "must be yes or no";
			return -1;
		}
		*(int *)(void *)(base + k->off) = b;
		return 0;
	case K_ENUM:
		for (i = 0; k->words[i] != NULL; i++)
			if (strcasecmp(v, k->words[i]) == 0) {
				/* every K_ENUM field is an enum of int size */
				*(int *)(void *)(base + k->off) = (int)i;
				return 0;
			}
		*errstr = "unknown value";
		return -1;
	case K_FUNC:
		return k->fn(p, v, errstr);
	}
	*errstr = "internal error";
	return -1;
}

/* ------------------------------------------------------------------ */
/* The inih handler and reader */

static int
known_section(const char *s)
{
	size_t	 i;

	for (i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		if (strcmp(s, sections[i]) == 0)
			return 1;
	return 0;
}

static const struct key *
find_key(const char *section, const char *name, int *idx)
{
	size_t	 i;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].section, section) == 0 &&
		    strcmp(keys[i].name, name) == 0) {
			*idx = (int)i;
			return &keys[i];
		}
	*idx = -1;
	return NULL;
}

static int
handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse		*p = user;
	const struct key	*k;
	const char		*errstr = NULL;
	int			 i;

	p->got_call = 1;
	if (*section == '\0') {
		config_error(p, p->lineno, "key '%s' outside any section",
		    name);
		return 1;
	}
	if (!known_section(section)) {
		if (!p->bad_section)
			config_error(p, p->lineno, "unknown section [%s]",
			    section);
		p->bad_section = 1;
		return 1;
	}
	if (*name == '\0') {
		config_error(p, p->lineno, "syntax error: empty key");
		return 1;
	}
	if ((k = find_key(section, name, &i)) == NULL) {
		config_error(p, p->lineno, "unknown key '%s' in [%s]", name,
		    section);
		return 1;
	}
	if (p->seen[i] != 0) {
		config_error(p, p->lineno, "duplicate key '%s' (first set on "
		    "line %d)", name, p->seen[i]);
		return 1;
	}
	p->seen[i] = p->lineno;
	if (key_set(p, k, value, &errstr) == -1)
		config_error(p, p->lineno, "%s: bad value '%s': %s", name,
		    value, errstr);
	return 1;
}

/*
 * Read one physical line into buf (at most `max` bytes without the line
 * end; buf holds max + 1).  Returns its length, or -1 at the end of input; *toolong is set
 * when the line was longer and its rest was skipped, *nul when it held a
 * NUL byte.
 */
static long
source_getline(struct parse *p, char *buf, size_t max, int *toolong,
    int *nul)
{
	struct source	*s = &p->src;
	size_t		 n = 0;
	int		 c, any = 0;

	*toolong = *nul = 0;
	for (;;) {
		if (s->fp != NULL) {
			if ((c = getc(s->fp)) == EOF) {
				if (ferror(s->fp))
					p->io_error = errno != 0 ? errno : EIO;
				break;
			}
		} else {
			if (s->pos >= s->len)
				break;
			c = (unsigned char)s->str[s->pos++];
		}
		any = 1;
		if (c == '\n')
			break;
		if (c == '\0')
			*nul = 1;
		if (n < max + 1)	/* one more for a '\r' */
			buf[n++] = (char)c;
		else
			*toolong = 1;
	}
	if (!any)
		return -1;
	if (!*toolong && n > 0 && buf[n - 1] == '\r')
		n--;
	if (n > max)
		*toolong = 1;
	return (long)n;
}

/*
 * Mirror inih's view of the line we hand it, so that errors inih only
 * counts are reported with their line: a section header without ']',
 * an unknown section, and (checked on the next line) a key line that
 * produced no handler call.
 */
static void
classify(struct parse *p, char *line)
{
	char	*s = line, *e;
	int	 was_space = 0;

	p->want_call = p->got_call = 0;
	if (*s == '\0' || *s == ';' || *s == '#')
		return;
	if (*s != '[') {
		p->want_call = 1;
		return;
	}
	for (e = s + 1; *e != '\0' && *e != ']'; e++) {
		if (was_space && *e == ';')
			break;
		was_space = isspace((unsigned char)*e);
	}
	if (*e != ']') {
		config_error(p, p->lineno, "syntax error: missing ']' in "
		    "section header");
		return;
	}
	*e = '\0';
	p->bad_section = !known_section(s + 1);
	if (p->bad_section)
		config_error(p, p->lineno, "unknown section [%s]", s + 1);
	*e = ']';
}

static void
check_last_line(struct parse *p)
{
	if (p->want_call && !p->got_call)
		config_error(p, p->lineno, "syntax error: expected "
		    "'key = value'");
	p->want_call = 0;
}

static char *
reader(char *str, int num, void *arg)
{
	struct parse	*p = arg;
	char		 line[CONFIG_LINE_MAX + 2];
	char		*s;
	size_t		 max;
	long		 n;
	int		 toolong, nul;

	check_last_line(p);
	if (num < 2)
		return NULL;
	/* inih's own buffer may be shorter than ours (200 on Debian) */
	max = (size_t)num - 1 < CONFIG_LINE_MAX ? (size_t)num - 1 :
	    CONFIG_LINE_MAX;
	if ((n = source_getline(p, line, max, &toolong, &nul)) == -1)
		return NULL;
	p->lineno++;
	str[0] = '\0';
	if (toolong) {
		config_error(p, p->lineno, "line too long (more than %zu "
		    "bytes)", max);
		return str;
	}
	if (nul) {
		config_error(p, p->lineno, "NUL byte in line");
		return str;
	}
	line[n] = '\0';
	/*
	 * Hand inih the line without its leading blank space (and BOM):
	 * indented keys then work, and inih never sees a continuation line.
	 */
	s = line;
	if (p->lineno == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0)
		s += 3;
	while (*s == ' ' || *s == '\t')
		s++;
	n = (long)strlen(s);
	memcpy(str, s, (size_t)n + 1);
	classify(p, s);
	return str;
}

/* ------------------------------------------------------------------ */
/* Defaults and checks after the whole file */

static int
config_defaults(struct config *c)
{
	const char	*errstr;

	memset(c, 0, sizeof(*c));
	if ((c->hostname = strdup("localhost")) == NULL ||
	    (c->root = strdup("../content")) == NULL ||
	    (c->archive = strdup("statements")) == NULL ||
	    (c->title = strdup("Statements")) == NULL ||
	    (c->lang = strdup("en")) == NULL ||
	    (c->user = strdup("")) == NULL ||
	    (c->log = strdup("stderr")) == NULL ||
	    (c->access_log = strdup("stderr")) == NULL)
		return -1;
	c->workers = 0;
	c->max_clients = 1024;
	c->max_clients_per_ip = 32;
	c->rate_requests = 60;
	c->rate_seconds = 60;
	c->ipv6_prefix = 64;
	c->timeout = 10;
	c->backlog = 1024;
	c->autoindex = 1;
	c->statement_footer = 1;
	c->cache_max_file = 64 * 1024;
	c->chroot = 1;
	c->log_format = LOG_FORMAT_DEFAULT;
	c->log_ip = LOG_IP_FULL;
	c->wrap = 70;
	c->charset = CHARSET_UTF8;
	if (parse_listen_list("0.0.0.0:1965, [::]:1965", &c->gemini,
	    &errstr) == -1 ||
	    parse_listen_list("0.0.0.0:7070, [::]:7070", &c->gopher,
	    &errstr) == -1)
		return -1;
	return 0;
}

static int
key_line(struct parse *p, const char *section, const char *name)
{
	int	 i;

	if (find_key(section, name, &i) == NULL)
		return 0;
	return p->seen[i];
}

/*
 * "/etc/broadside/../certs/x.crt" reads better as "/etc/certs/x.crt": when
 * the directory part exists, replace it by its real path.  The file itself
 * need not exist (certificates may be generated later).
 */
static char *
tidy(char *path)
{
	char	*slash, *real, *s;
	size_t	 n;

	if ((slash = strrchr(path, '/')) == NULL || slash == path)
		return path;
	*slash = '\0';
	real = realpath(path, NULL);
	*slash = '/';
	if (real == NULL)
		return path;
	n = strlen(real) + strlen(slash) + 1;
	if ((s = malloc(n)) != NULL) {
		(void)snprintf(s, n, "%s%s", strcmp(real, "/") == 0 ? "" :
		    real, slash);
		free(path);
		path = s;
	}
	free(real);
	return path;
}

/* Make *path absolute against the config directory. */
static int
resolve(struct parse *p, char **path)
{
	char	*s;
	size_t	 n;

	if (p->conf->dir == NULL || (*path)[0] == '/')
		return 0;
	n = strlen(p->conf->dir) + strlen(*path) + 2;
	if ((s = malloc(n)) == NULL)
		return -1;
	(void)snprintf(s, n, "%s/%s", p->conf->dir, *path);
	free(*path);
	*path = tidy(s);
	return 0;
}

static int
is_log_keyword(const char *s)
{
	return strcmp(s, "stderr") == 0 || strcmp(s, "syslog") == 0 ||
	    strcmp(s, "off") == 0;
}

static void
check_root(struct parse *p)
{
	struct config	*c = p->conf;
	struct stat	 st;
	char		*real;
	int		 line = key_line(p, "server", "root");

	if (c->dir == NULL)
		return;		/* no filesystem checks */
	if (stat(c->root, &st) == -1) {
		config_error(p, line, "root %s: %s", c->root, strerror(errno));
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		config_error(p, line, "root %s: not a directory", c->root);
		return;
	}
	if ((real = realpath(c->root, NULL)) != NULL) {
		free(c->root);
		c->root = real;
	}
}

static int
listen_port(const struct config_listen *l)
{
	if (l->addr.ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)(const void *)
		    &l->addr)->sin6_port);
	return ntohs(((const struct sockaddr_in *)(const void *)
	    &l->addr)->sin_port);
}

/*
 * An empty proxy_from trusts loopback only: a proxy on the same machine
 * (the common set-up) works as before, and nobody else can claim an
 * address.
 */
static void
trust_loopback(struct config_proto *cp)
{
	const char	*errstr;

	if (cp->nproxy_from > 0)
		return;
	if (config_parse_prefix("127.0.0.0/8", &cp->proxy_from[0],
	    &errstr) == 0 &&
	    config_parse_prefix("::1", &cp->proxy_from[1], &errstr) == 0)
		cp->nproxy_from = 2;
}

static void
config_finish(struct parse *p)
{
	struct config	*c = p->conf;
	char		 buf[CONFIG_HOSTNAME_MAX + 32];

	if (c->cert == NULL) {
		(void)snprintf(buf, sizeof(buf), "../certs/%s.crt",
		    c->hostname);
		c->cert = strdup(buf);
	}
	if (c->key == NULL) {
		(void)snprintf(buf, sizeof(buf), "../certs/%s.key",
		    c->hostname);
		c->key = strdup(buf);
	}
	if (c->cert == NULL || c->key == NULL ||
	    resolve(p, &c->root) == -1 || resolve(p, &c->cert) == -1 ||
	    resolve(p, &c->key) == -1 ||
	    (c->state != NULL && resolve(p, &c->state) == -1) ||
	    (!is_log_keyword(c->log) && resolve(p, &c->log) == -1) ||
	    (!is_log_keyword(c->access_log) &&
	    resolve(p, &c->access_log) == -1)) {
		config_error(p, 0, "out of memory");
		return;
	}
	trust_loopback(&c->gemini);
	trust_loopback(&c->gopher);
	if (key_line(p, "gopher", "port") == 0)
		c->gopher_port = c->gopher.nlisten > 0 ?
		    listen_port(&c->gopher.listen[0]) : 70;
	if (c->gemini.nlisten == 0 && c->gopher.nlisten == 0)
		config_error(p, 0, "no listen address: set listen in "
		    "[gemini] or [gopher]");
	check_root(p);
}

/* ------------------------------------------------------------------ */
/* Entry points */

static int
config_run(struct parse *p, struct config *out)
{
	int	 seen[NKEYS];
	int	 rc;

	memset(seen, 0, sizeof(seen));
	p->seen = seen;
	p->conf = out;
	rc = ini_parse_stream(reader, p, handler, p);
	check_last_line(p);
	if (p->io_error != 0)
		config_error(p, p->lineno, "read error: %s",
		    strerror(p->io_error));
	else if (rc == -2)
		config_error(p, 0, "out of memory");
	config_finish(p);
	if (p->nerr != 0)
		config_free(out);
	p->seen = NULL;
	return p->nerr;
}

static int
config_start(struct parse *p, struct config *out, const char *name,
    config_error_fn errfn, void *arg)
{
	memset(p, 0, sizeof(*p));
	p->name = name;
	p->errfn = errfn;
	p->errarg = arg;
	if (config_defaults(out) == -1 ||
	    (out->path = strdup(name)) == NULL) {
		config_error(p, 0, "out of memory");
		config_free(out);
		return -1;
	}
	return 0;
}

/* The real directory of the file at `path`, malloc'd; NULL with errno. */
static char *
config_dir(const char *path)
{
	char	*copy, *slash, *dir;

	if ((slash = strrchr(path, '/')) == NULL)
		return realpath(".", NULL);
	if (slash == path)
		return strdup("/");
	if ((copy = strndup(path, (size_t)(slash - path))) == NULL)
		return NULL;
	dir = realpath(copy, NULL);
	free(copy);
	return dir;
}

int
config_load(const char *path, struct config *out, config_error_fn errfn,
    void *arg)
{
	struct parse	 p;
	int		 nerr;

	if (config_start(&p, out, path, errfn, arg) == -1)
		return p.nerr;
	/* The file first: a missing one is named as such, not its folder. */
	if ((p.src.fp = fopen(path, "r")) == NULL) {
		if (errno == ENOENT || errno == ENOTDIR)
			config_error(&p, 0, "the configuration file does not "
			    "exist");
		else
			config_error(&p, 0, "cannot open the configuration "
			    "file: %s", strerror(errno));
		config_free(out);
		return p.nerr;
	}
	if ((out->dir = config_dir(path)) == NULL) {
		config_error(&p, 0, "directory of the file: %s",
		    strerror(errno));
		fclose(p.src.fp);
		config_free(out);
		return p.nerr;
	}
	nerr = config_run(&p, out);
	fclose(p.src.fp);
	return nerr;
}

int
config_load_string(const char *text, const char *name, const char *basedir,
    struct config *out, config_error_fn errfn, void *arg)
{
	struct parse	 p;

	if (name == NULL)
		name = "<string>";
	if (config_start(&p, out, name, errfn, arg) == -1)
		return p.nerr;
	if (basedir != NULL && (out->dir = realpath(basedir, NULL)) == NULL) {
		config_error(&p, 0, "%s: %s", basedir, strerror(errno));
		config_free(out);
		return p.nerr;
	}
	p.src.str = text;
	p.src.len = strlen(text);
	return config_run(&p, out);
}

void
config_free(struct config *c)
{
	if (c == NULL)
		return;
	free(c->path);
	free(c->dir);
	free(c->hostname);
	free(c->root);
	free(c->archive);
	free(c->title);
	free(c->lang);
	free(c->user);
	free(c->log);
	free(c->access_log);
	free(c->state);
	free(c->cert);
	free(c->key);
	memset(c, 0, sizeof(*c));
}

int
config_listen_port(const struct config_listen *la)
{
	const struct sockaddr_storage *ss = &la->addr;

	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)(const void *)ss)->
		    sin_port);
	return ntohs(((const struct sockaddr_in6 *)(const void *)ss)->
	    sin6_port);
}
