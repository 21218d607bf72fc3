/* SPDX-License-Identifier: ISC */
/* broadside: unit tests for config.c */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

#define ERRS_MAX	32

struct errs {
	int	 n;
	int	 line[ERRS_MAX];
	char	 msg[ERRS_MAX][256];
};

static void
collect(void *arg, const char *file, int line, const char *msg)
{
	struct errs	*e = arg;

	(void)file;
	if (e->n < ERRS_MAX) {
		e->line[e->n] = line;
		(void)snprintf(e->msg[e->n], sizeof(e->msg[0]), "%s", msg);
	}
	e->n++;
}

static int
load(const char *text, struct config *c, struct errs *e)
{
	memset(e, 0, sizeof(*e));
	return config_load_string(text, "test.ini", NULL, c, collect, e);
}

static void
test_defaults(void **state)
{
	struct config	 c;
	struct errs	 e;

	(void)state;
	assert_int_equal(load("", &c, &e), 0);
	assert_int_equal(e.n, 0);
	assert_string_equal(c.hostname, "localhost");
	assert_string_equal(c.root, "../content");
	assert_string_equal(c.archive, "statements");
	assert_string_equal(c.title, "Statements");
	assert_string_equal(c.lang, "en");
	assert_int_equal(c.workers, 0);
	assert_int_equal(c.max_clients, 1024);
	assert_int_equal(c.max_clients_per_ip, 32);
	assert_int_equal(c.rate_requests, 60);
	assert_int_equal(c.rate_seconds, 60);
	assert_int_equal(c.timeout, 10);
	assert_int_equal(c.backlog, 1024);
	assert_int_equal(c.autoindex, 1);
	assert_int_equal(c.cache_max_file, 65536);
	assert_string_equal(c.user, "");
	assert_int_equal(c.chroot, 1);
	assert_string_equal(c.log, "stderr");
	assert_string_equal(c.access_log, "stderr");
	assert_int_equal(c.log_format, LOG_FORMAT_DEFAULT);
	assert_int_equal(c.log_ip, LOG_IP_FULL);
	assert_int_equal(c.gemini.nlisten, 2);
	assert_string_equal(c.gemini.listen[0].text, "0.0.0.0:1965");
	assert_string_equal(c.gemini.listen[1].text, "[::]:1965");
	assert_int_equal(c.gemini.proxy_protocol, 0);
	assert_int_equal(c.ipv6_prefix, 64);
	assert_int_equal(c.gemini.nproxy_from, 2);	/* loopback */
	assert_int_equal(c.gopher.nproxy_from, 2);
	assert_string_equal(c.cert, "../certs/localhost.crt");
	assert_string_equal(c.key, "../certs/localhost.key");
	assert_int_equal(c.gopher.nlisten, 2);
	assert_string_equal(c.gopher.listen[0].text, "0.0.0.0:7070");
	assert_int_equal(c.gopher_port, 7070);
	assert_int_equal(c.wrap, 70);
	assert_int_equal(c.charset, CHARSET_UTF8);
	assert_null(c.dir);
	config_free(&c);
	assert_null(c.hostname);
}

/* Getters for the value table. */
#define GETTER(name, expr) \
	static long long get_##name(const struct config *c) { return (expr); }
GETTER(workers, c->workers)
GETTER(max_clients, c->max_clients)
GETTER(per_ip, c->max_clients_per_ip)
GETTER(rate_req, c->rate_requests)
GETTER(rate_sec, c->rate_seconds)
GETTER(timeout, c->timeout)
GETTER(backlog, c->backlog)
GETTER(autoindex, c->autoindex)
GETTER(cache, (long long)c->cache_max_file)
GETTER(chroot, c->chroot)
GETTER(log_format, c->log_format)
GETTER(log_ip, c->log_ip)
GETTER(gem_n, (long long)c->gemini.nlisten)
GETTER(gem_pp, c->gemini.proxy_protocol)
GETTER(gop_n, (long long)c->gopher.nlisten)
GETTER(gop_port, c->gopher_port)
GETTER(wrap, c->wrap)
GETTER(charset, c->charset)
GETTER(gop_pp, c->gopher.proxy_protocol)
GETTER(v6_prefix, c->ipv6_prefix)
GETTER(gem_pf, (long long)c->gemini.nproxy_from)
GETTER(gop_pf, (long long)c->gopher.nproxy_from)
GETTER(lang_len, (long long)strlen(c->lang))
GETTER(user_len, (long long)strlen(c->user))
GETTER(title_len, (long long)strlen(c->title))
GETTER(host_len, (long long)strlen(c->hostname))
GETTER(arch_len, (long long)strlen(c->archive))

struct vcase {
	const char	*section;
	const char	*key;
	const char	*value;
	int		 ok;
	long long	 (*get)(const struct config *);
	long long	 want;
};

static const struct vcase vcases[] = {
	{ "server", "hostname", "example.org", 1, get_host_len, 11 },
	{ "server", "hostname", "192.0.2.1", 1, get_host_len, 9 },
	{ "server", "hostname", "", 0, NULL, 0 },
	{ "server", "hostname", "a b", 0, NULL, 0 },
	{ "server", "hostname", "host\tx", 0, NULL, 0 },
	{ "server", "hostname", "-bad", 0, NULL, 0 },
	{ "server", "root", "/srv/gemini", 1, NULL, 0 },
	{ "server", "root", "", 0, NULL, 0 },
	{ "server", "archive", "news/2025", 1, get_arch_len, 9 },
	{ "server", "archive", "", 0, NULL, 0 },
	{ "server", "archive", "/abs", 0, NULL, 0 },
	{ "server", "archive", "../up", 0, NULL, 0 },
	{ "server", "archive", "a//b", 0, NULL, 0 },
	{ "server", "archive", "a/", 0, NULL, 0 },
	{ "server", "title", "Our Statements", 1, get_title_len, 14 },
	{ "server", "title", "", 1, get_title_len, 0 },
	{ "server", "lang", "pt-BR", 1, get_lang_len, 5 },
	{ "server", "lang", "", 1, get_lang_len, 0 },
	{ "server", "lang", "zh-Hant-TW", 1, get_lang_len, 10 },
	{ "server", "lang", "en_US", 0, NULL, 0 },
	{ "server", "lang", "-en", 0, NULL, 0 },
	{ "server", "lang", "en-", 0, NULL, 0 },
	{ "server", "lang", "1en", 0, NULL, 0 },
	{ "server", "lang", "abcdefghijklmnopqrstuvwxyzabcdefghij", 0, NULL,
	    0 },
	{ "server", "workers", "auto", 1, get_workers, 0 },
	{ "server", "workers", "4", 1, get_workers, 4 },
	{ "server", "workers", "64", 1, get_workers, 64 },
	{ "server", "workers", "0", 0, NULL, 0 },
	{ "server", "workers", "65", 0, NULL, 0 },
	{ "server", "workers", "-1", 0, NULL, 0 },
	{ "server", "workers", "4x", 0, NULL, 0 },
	{ "server", "max_clients", "1", 1, get_max_clients, 1 },
	{ "server", "max_clients", "1000000", 1, get_max_clients, 1000000 },
	{ "server", "max_clients", "0", 0, NULL, 0 },
	{ "server", "max_clients", "1000001", 0, NULL, 0 },
	{ "server", "max_clients", "99999999999999999999999", 0, NULL, 0 },
	{ "server", "max_clients", "+5", 0, NULL, 0 },
	{ "server", "max_clients", "", 0, NULL, 0 },
	{ "server", "max_clients_per_ip", "0", 1, get_per_ip, 0 },
	{ "server", "max_clients_per_ip", "8", 1, get_per_ip, 8 },
	{ "server", "max_clients_per_ip", "x", 0, NULL, 0 },
	{ "server", "rate", "off", 1, get_rate_req, 0 },
	{ "server", "rate", "10/5s", 1, get_rate_sec, 5 },
	{ "server", "rate", "10/5s", 1, get_rate_req, 10 },
	{ "server", "rate", "100/60", 1, get_rate_sec, 60 },
	{ "server", "rate", "0/60s", 0, NULL, 0 },
	{ "server", "rate", "10/0s", 0, NULL, 0 },
	{ "server", "rate", "10", 0, NULL, 0 },
	{ "server", "rate", "/60s", 0, NULL, 0 },
	{ "server", "rate", "10/s", 0, NULL, 0 },
	{ "server", "rate", "10/60ss", 0, NULL, 0 },
	{ "server", "timeout", "1", 1, get_timeout, 1 },
	{ "server", "timeout", "3600", 1, get_timeout, 3600 },
	{ "server", "timeout", "0", 0, NULL, 0 },
	{ "server", "timeout", "3601", 0, NULL, 0 },
	{ "server", "backlog", "65535", 1, get_backlog, 65535 },
	{ "server", "backlog", "65536", 0, NULL, 0 },
	{ "server", "autoindex", "no", 1, get_autoindex, 0 },
	{ "server", "autoindex", "OFF", 1, get_autoindex, 0 },
	{ "server", "autoindex", "false", 1, get_autoindex, 0 },
	{ "server", "autoindex", "0", 1, get_autoindex, 0 },
	{ "server", "autoindex", "on", 1, get_autoindex, 1 },
	{ "server", "autoindex", "True", 1, get_autoindex, 1 },
	{ "server", "autoindex", "maybe", 0, NULL, 0 },
	{ "server", "autoindex", "", 0, NULL, 0 },
	{ "server", "cache_max_file", "0", 1, get_cache, 0 },
	{ "server", "cache_max_file", "1000", 1, get_cache, 1000 },
	{ "server", "cache_max_file", "128k", 1, get_cache, 131072 },
	{ "server", "cache_max_file", "2K", 1, get_cache, 2048 },
	{ "server", "cache_max_file", "64M", 1, get_cache, 67108864 },
	{ "server", "cache_max_file", "65M", 0, NULL, 0 },
	{ "server", "cache_max_file", "67108865", 0, NULL, 0 },
	{ "server", "cache_max_file", "k", 0, NULL, 0 },
	{ "server", "cache_max_file", "12G", 0, NULL, 0 },
	{ "server", "user", "", 1, get_user_len, 0 },
	{ "server", "user", "_broadside", 1, get_user_len, 10 },
	{ "server", "user", "a b", 0, NULL, 0 },
	{ "server", "user", "-x", 0, NULL, 0 },
	{ "server", "chroot", "no", 1, get_chroot, 0 },
	{ "server", "chroot", "2", 0, NULL, 0 },
	{ "server", "log", "syslog", 1, NULL, 0 },
	{ "server", "log", "/var/log/broadside.log", 1, NULL, 0 },
	{ "server", "log", "off", 0, NULL, 0 },
	{ "server", "log", "", 0, NULL, 0 },
	{ "server", "access_log", "off", 1, NULL, 0 },
	{ "server", "access_log", "", 0, NULL, 0 },
	{ "server", "log_format", "common", 1, get_log_format,
	    LOG_FORMAT_COMMON },
	{ "server", "log_format", "combined", 1, get_log_format,
	    LOG_FORMAT_COMBINED },
	{ "server", "log_format", "default", 1, get_log_format,
	    LOG_FORMAT_DEFAULT },
	{ "server", "log_format", "json", 0, NULL, 0 },
	{ "server", "log_ip", "anonymized", 1, get_log_ip, LOG_IP_ANONYMIZED },
	{ "server", "log_ip", "off", 1, get_log_ip, LOG_IP_OFF },
	{ "server", "log_ip", "half", 0, NULL, 0 },
	{ "gemini", "listen", "127.0.0.1:1965", 1, get_gem_n, 1 },
	{ "gemini", "listen", "", 1, get_gem_n, 0 },
	{ "gemini", "listen", "*:1965,[::1]:1965 , 10.0.0.1:2000", 1,
	    get_gem_n, 3 },
	{ "gemini", "listen", "127.0.0.1:1965,", 0, NULL, 0 },
	{ "gemini", "listen", "127.0.0.1", 0, NULL, 0 },
	{ "gemini", "listen", "1:1,1:2,1:3,1:4,1:5,1:6,1:7,1:8,1:9", 0, NULL,
	    0 },
	{ "gemini", "proxy_protocol", "yes", 1, get_gem_pp, 1 },
	{ "gemini", "proxy_protocol", "perhaps", 0, NULL, 0 },
	{ "gemini", "cert", "/etc/ssl/x.crt", 1, NULL, 0 },
	{ "gemini", "key", "", 0, NULL, 0 },
	{ "gopher", "listen", "[::]:70", 1, get_gop_port, 70 },
	{ "gopher", "listen", "", 1, get_gop_n, 0 },
	{ "gopher", "port", "70", 1, get_gop_port, 70 },
	{ "gopher", "port", "0", 0, NULL, 0 },
	{ "gopher", "port", "65536", 0, NULL, 0 },
	{ "gopher", "wrap", "20", 1, get_wrap, 20 },
	{ "gopher", "wrap", "200", 1, get_wrap, 200 },
	{ "gopher", "wrap", "19", 0, NULL, 0 },
	{ "gopher", "wrap", "201", 0, NULL, 0 },
	{ "gopher", "charset", "ascii", 1, get_charset, CHARSET_ASCII },
	{ "gopher", "charset", "latin1", 1, get_charset, CHARSET_LATIN1 },
	{ "gopher", "charset", "UTF-8", 1, get_charset, CHARSET_UTF8 },
	{ "gopher", "charset", "ebcdic", 0, NULL, 0 },
	{ "gopher", "proxy_protocol", "on", 1, get_gop_pp, 1 },
	{ "server", "ipv6_prefix", "64", 1, get_v6_prefix, 64 },
	{ "server", "ipv6_prefix", "32", 1, get_v6_prefix, 32 },
	{ "server", "ipv6_prefix", "128", 1, get_v6_prefix, 128 },
	{ "server", "ipv6_prefix", "31", 0, NULL, 0 },
	{ "server", "ipv6_prefix", "129", 0, NULL, 0 },
	{ "server", "ipv6_prefix", "/64", 0, NULL, 0 },
	/* Empty or unset: loopback only (127.0.0.0/8 and ::1). */
	{ "gemini", "proxy_from", "", 1, get_gem_pf, 2 },
	{ "gemini", "proxy_from", "127.0.0.1, 10.0.0.0/8, ::1, fd00::/8", 1,
	    get_gem_pf, 4 },
	{ "gopher", "proxy_from", "192.0.2.1", 1, get_gop_pf, 1 },
	{ "gopher", "proxy_from", "10.0.0.1/8", 0, NULL, 0 },
	{ "gopher", "proxy_from", "10.0.0.0/8,", 0, NULL, 0 },
	{ "gopher", "proxy_from", "example.org", 0, NULL, 0 },
	{ "gopher", "proxy_from", "1.0.0.1,1.0.0.2,1.0.0.3,1.0.0.4,1.0.0.5,"
	    "1.0.0.6,1.0.0.7,1.0.0.8,1.0.0.9,1.0.0.10,1.0.0.11,1.0.0.12,"
	    "1.0.0.13,1.0.0.14,1.0.0.15,1.0.0.16,1.0.0.17", 0, NULL, 0 },
};

static void
test_values(void **state)
{
	struct config	 c;
	struct errs	 e;
	char		 text[512];
	size_t		 i;
	int		 n;

	(void)state;
	for (i = 0; i < sizeof(vcases) / sizeof(vcases[0]); i++) {
		const struct vcase *v = &vcases[i];

		(void)snprintf(text, sizeof(text), "[%s]\n%s = %s\n",
		    v->section, v->key, v->value);
		n = load(text, &c, &e);
		if (v->ok && n != 0)
			fail_msg("case %zu [%s] %s = '%s': unexpected error "
			    "'%s'", i, v->section, v->key, v->value, e.msg[0]);
		if (!v->ok && n != 1)
			fail_msg("case %zu [%s] %s = '%s': %d errors, want 1",
			    i, v->section, v->key, v->value, n);
		if (!v->ok) {
			assert_int_equal(e.line[0], 2);
			assert_non_null(strstr(e.msg[0], v->key));
			continue;
		}
		if (v->get != NULL && v->get(&c) != v->want)
			fail_msg("case %zu [%s] %s = '%s': got %lld want %lld",
			    i, v->section, v->key, v->value, v->get(&c),
			    v->want);
		config_free(&c);
	}
}

struct lcase {
	const char	*text;
	int		 ok;
	int		 family;
	const char	*addr;
	int		 port;
};

static const struct lcase lcases[] = {
	{ "0.0.0.0:1965", 1, AF_INET, "0.0.0.0", 1965 },
	{ "127.0.0.1:70", 1, AF_INET, "127.0.0.1", 70 },
	{ "*:7070", 1, AF_INET, "0.0.0.0", 7070 },
	{ "[::]:1965", 1, AF_INET6, "::", 1965 },
	{ "[::1]:65535", 1, AF_INET6, "::1", 65535 },
	{ "[2001:db8::1]:1", 1, AF_INET6, "2001:db8::1", 1 },
	{ "127.0.0.1:0", 0, 0, NULL, 0 },
	{ "127.0.0.1:65536", 0, 0, NULL, 0 },
	{ "127.0.0.1:", 0, 0, NULL, 0 },
	{ "127.0.0.1:x", 0, 0, NULL, 0 },
	{ "127.0.0.1", 0, 0, NULL, 0 },
	{ ":1965", 0, 0, NULL, 0 },
	{ "localhost:1965", 0, 0, NULL, 0 },
	{ "256.0.0.1:1965", 0, 0, NULL, 0 },
	{ "::1:1965", 0, 0, NULL, 0 },
	{ "[::1]1965", 0, 0, NULL, 0 },
	{ "[::1:1965", 0, 0, NULL, 0 },
	{ "[1.2.3.4]:1965", 0, 0, NULL, 0 },
	{ "[]:1965", 0, 0, NULL, 0 },
	{ "", 0, 0, NULL, 0 },
	{ "[0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000]:1",
	    0, 0, NULL, 0 },
	{ "111111111111111111111111111111111111111111111111111111111111111"
	  "1111111111111111111:1", 0, 0, NULL, 0 },
};

static void
test_listen(void **state)
{
	struct config_listen	 l;
	const char		*errstr;
	char			 buf[INET6_ADDRSTRLEN];
	size_t			 i;
	int			 rc, port;
	const void		*a;

	(void)state;
	for (i = 0; i < sizeof(lcases) / sizeof(lcases[0]); i++) {
		const struct lcase *t = &lcases[i];

		errstr = NULL;
		rc = config_parse_listen(t->text, &l, &errstr);
		if (!t->ok) {
			if (rc != -1)
				fail_msg("'%s' accepted", t->text);
			assert_non_null(errstr);
			continue;
		}
		if (rc != 0)
			fail_msg("'%s' rejected: %s", t->text, errstr);
		assert_int_equal(l.addr.ss_family, t->family);
		if (t->family == AF_INET) {
			const struct sockaddr_in *s = (const void *)&l.addr;

			assert_int_equal(l.addrlen, sizeof(*s));
			a = &s->sin_addr;
			port = ntohs(s->sin_port);
		} else {
			const struct sockaddr_in6 *s = (const void *)&l.addr;

			assert_int_equal(l.addrlen, sizeof(*s));
			a = &s->sin6_addr;
			port = ntohs(s->sin6_port);
		}
		assert_non_null(inet_ntop(t->family, a, buf, sizeof(buf)));
		assert_string_equal(buf, t->addr);
		assert_int_equal(port, t->port);
		assert_string_equal(l.text, t->text);
	}
}

static void
test_unknown(void **state)
{
	struct config	 c;
	struct errs	 e;

	(void)state;
	assert_int_equal(load("[server]\nhostname = x\n[http]\nport = 80\n"
	    "other = 1\n", &c, &e), 1);
	assert_int_equal(e.line[0], 3);
	assert_non_null(strstr(e.msg[0], "unknown section"));

	assert_int_equal(load("[server]\nhostnam = x\n", &c, &e), 1);
	assert_int_equal(e.line[0], 2);
	assert_non_null(strstr(e.msg[0], "unknown key 'hostnam'"));

	/* keys are per section */
	assert_int_equal(load("[gopher]\ncert = x\n", &c, &e), 1);
	assert_non_null(strstr(e.msg[0], "unknown key"));

	assert_int_equal(load("hostname = x\n[server]\n", &c, &e), 1);
	assert_int_equal(e.line[0], 1);
	assert_non_null(strstr(e.msg[0], "outside any section"));

	/* section and key names are case-sensitive */
	assert_int_equal(load("[Server]\n", &c, &e), 1);
	assert_int_equal(load("[server]\nHostname = x\n", &c, &e), 1);
}

static void
test_duplicate(void **state)
{
	struct config	 c;
	struct errs	 e;

	(void)state;
	assert_int_equal(load("[server]\ntimeout = 5\n\n[gemini]\n[server]\n"
	    "timeout = 6\n", &c, &e), 1);
	assert_int_equal(e.line[0], 6);
	assert_non_null(strstr(e.msg[0], "duplicate key 'timeout'"));
	assert_non_null(strstr(e.msg[0], "line 2"));

	/* the same key name in two sections is no duplicate */
	assert_int_equal(load("[gemini]\nlisten = *:1965\nproxy_protocol = no\n"
	    "[gopher]\nlisten = *:70\nproxy_protocol = no\n", &c, &e), 0);
	assert_int_equal(c.gopher_port, 70);
	config_free(&c);
}

static void
test_long_line(void **state)
{
	struct config	 c;
	struct errs	 e;
	char		 text[4096];
	char		 title[3000];
	size_t		 n;

	(void)state;
	/* 150 bytes: fine */
	memset(title, 'a', 150);
	title[150] = '\0';
	(void)snprintf(text, sizeof(text), "[server]\ntitle = %s\n", title);
	assert_int_equal(load(text, &c, &e), 0);
	assert_int_equal(strlen(c.title), 150);
	config_free(&c);

	/* the longest line inih's 200-byte buffer takes, with LF or CRLF */
	n = 199 - strlen("title = ");
	memset(title, 'd', n);
	title[n] = '\0';
	(void)snprintf(text, sizeof(text), "[server]\ntitle = %s\r\n", title);
	assert_int_equal(load(text, &c, &e), 0);
	assert_int_equal(strlen(c.title), n);
	config_free(&c);
	(void)snprintf(text, sizeof(text), "[server]\ntitle = %sd\r\n",
	    title);
	assert_int_equal(load(text, &c, &e), 1);
	assert_non_null(strstr(e.msg[0], "too long"));

	/* far too long, with a valid-looking key: one error, then go on */
	memset(title, 'b', sizeof(title) - 1);
	title[sizeof(title) - 1] = '\0';
	(void)snprintf(text, sizeof(text), "[server]\ntitle = %s\n"
	    "timeout = 0\n", title);
	assert_int_equal(load(text, &c, &e), 2);
	assert_int_equal(e.line[0], 2);
	assert_non_null(strstr(e.msg[0], "too long"));
	assert_int_equal(e.line[1], 3);

	/* just past inih's buffer and ours: the line is skipped whole */
	n = CONFIG_LINE_MAX + 10;
	memset(title, 'c', n);
	title[n] = '\0';
	(void)snprintf(text, sizeof(text), "[server]\n%s\n[nope]\n", title);
	assert_int_equal(load(text, &c, &e), 2);
	assert_int_equal(e.line[0], 2);
	assert_int_equal(e.line[1], 3);
}

static void
test_many_errors(void **state)
{
	static const char text[] =
	    "; a comment\n"			/* 1 */
	    "[server]\n"			/* 2 */
	    "hostname = bad host\n"		/* 3 */
	    "workers = 0\n"			/* 4 */
	    "colour = blue\n"			/* 5 */
	    "this line has no equals sign\n"	/* 6 */
	    "[gemini\n"				/* 7 */
	    "listen = 1.2.3.4:99999\n"		/* 8 */
	    "[gopher]\n"			/* 9 */
	    "wrap = 10\n"			/* 10 */
	    "wrap = 70\n"			/* 11 */
	    "   # indented comment\n"		/* 12 */
	    "=nothing\n"			/* 13 */
	    "[elsewhere]\n"			/* 14 */
	    "a = 1\n"				/* 15 */
	    "b = 2\n"				/* 16 */
	    "[server]\n"			/* 17 */
	    "timeout = forever";		/* 18, no final newline */
	static const int want[] = { 3, 4, 5, 6, 7, 8, 10, 11, 13, 14, 18 };
	struct config	 c;
	struct errs	 e;
	size_t		 i;
	int		 n;

	(void)state;
	n = load(text, &c, &e);
	for (i = 0; i < (size_t)e.n && i < ERRS_MAX; i++)
		print_message("  %d: %s\n", e.line[i], e.msg[i]);
	assert_int_equal(n, sizeof(want) / sizeof(want[0]));
	assert_int_equal(e.n, n);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_int_equal(e.line[i], want[i]);
	/* on errors the struct is already freed */
	assert_null(c.hostname);
}

static void
test_syntax_variants(void **state)
{
	struct config	 c;
	struct errs	 e;

	(void)state;
	/* BOM, CRLF, indented keys, tabs, ':' separator, inline comment */
	assert_int_equal(load("\xEF\xBB\xBF[server]\r\n"
	    "  hostname = example.org\r\n"
	    "\ttitle = Hello ; a comment\r\n"
	    "  lang: de\r\n"
	    "archive=news;x\r\n", &c, &e), 0);
	assert_string_equal(c.hostname, "example.org");
	assert_string_equal(c.title, "Hello");
	assert_string_equal(c.lang, "de");
	assert_string_equal(c.archive, "news;x");
	assert_string_equal(c.cert, "../certs/example.org.crt");
	config_free(&c);

	/* no listener at all */
	assert_int_equal(load("[gemini]\nlisten =\n[gopher]\nlisten = \n",
	    &c, &e), 1);
	assert_int_equal(e.line[0], 0);
	assert_non_null(strstr(e.msg[0], "listen"));

	/* gopher port follows the first gopher listen address */
	assert_int_equal(load("[gopher]\nlisten = [::1]:7171, *:70\n", &c,
	    &e), 0);
	assert_int_equal(c.gopher_port, 7171);
	config_free(&c);

	/* default callback: no crash with NULL errfn */
	assert_int_equal(config_load_string("[x]\n", NULL, NULL, &c, NULL,
	    NULL), 1);
}

static char tmpdir[PATH_MAX];

static void
write_file(const char *path, const char *text)
{
	FILE	*fp;

	assert_non_null(fp = fopen(path, "w"));
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

static int
setup_tmp(void **state)
{
	char	 path[PATH_MAX + 32], *real;

	(void)state;
	(void)snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_config.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	if ((real = realpath(tmpdir, NULL)) == NULL)
		return -1;
	(void)snprintf(tmpdir, sizeof(tmpdir), "%s", real);
	free(real);
	(void)snprintf(path, sizeof(path), "%s/conf", tmpdir);
	if (mkdir(path, 0755) == -1)
		return -1;
	(void)snprintf(path, sizeof(path), "%s/content", tmpdir);
	if (mkdir(path, 0755) == -1)
		return -1;
	(void)snprintf(path, sizeof(path), "%s/afile", tmpdir);
	write_file(path, "x");
	return 0;
}

static int
teardown_tmp(void **state)
{
	char	 cmd[PATH_MAX + 16];

	(void)state;
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_paths(void **state)
{
	struct config	 c;
	struct errs	 e;
	char		 path[PATH_MAX + 64], want[PATH_MAX + 64];

	(void)state;
	(void)snprintf(path, sizeof(path), "%s/conf/broadside.ini", tmpdir);
	write_file(path, "[server]\nhostname = example.org\n"
	    "log = logs/error.log\naccess_log = /var/log/a.log\n");
	memset(&e, 0, sizeof(e));
	assert_int_equal(config_load(path, &c, collect, &e), 0);
	(void)snprintf(want, sizeof(want), "%s/conf", tmpdir);
	assert_string_equal(c.dir, want);
	(void)snprintf(want, sizeof(want), "%s/content", tmpdir);
	assert_string_equal(c.root, want);
	/* certs/ does not exist: the path is only joined */
	(void)snprintf(want, sizeof(want), "%s/conf/../certs/example.org.crt",
	    tmpdir);
	assert_string_equal(c.cert, want);
	(void)snprintf(want, sizeof(want), "%s/conf/../certs/example.org.key",
	    tmpdir);
	assert_string_equal(c.key, want);
	config_free(&c);

	/* an existing directory part is tidied to its real path */
	write_file(path, "[gemini]\ncert = ../content/x.crt\n");
	memset(&e, 0, sizeof(e));
	assert_int_equal(config_load(path, &c, collect, &e), 0);
	(void)snprintf(want, sizeof(want), "%s/content/x.crt", tmpdir);
	assert_string_equal(c.cert, want);
	config_free(&c);
	write_file(path, "[server]\nhostname = example.org\n"
	    "log = logs/error.log\naccess_log = /var/log/a.log\n");
	memset(&e, 0, sizeof(e));
	assert_int_equal(config_load(path, &c, collect, &e), 0);
	(void)snprintf(want, sizeof(want), "%s/conf/logs/error.log", tmpdir);
	assert_string_equal(c.log, want);
	assert_string_equal(c.access_log, "/var/log/a.log");
	assert_string_equal(c.path, path);
	config_free(&c);

	/* root missing: reported on the line of the key */
	write_file(path, "[server]\n\nroot = ../nothing-here\n");
	memset(&e, 0, sizeof(e));
	assert_int_equal(config_load(path, &c, collect, &e), 1);
	assert_int_equal(e.line[0], 3);
	assert_non_null(strstr(e.msg[0], "nothing-here"));

	/* root not a directory; absolute root */
	(void)snprintf(want, sizeof(want), "[server]\nroot = %s/afile\n",
	    tmpdir);
	write_file(path, want);
	memset(&e, 0, sizeof(e));
	assert_int_equal(config_load(path, &c, collect, &e), 1);
	assert_non_null(strstr(e.msg[0], "not a directory"));

	/* the default root, missing, is reported on line 0 */
	memset(&e, 0, sizeof(e));
	assert_int_equal(config_load_string("", "s", tmpdir, &c, collect, &e),
	    1);
	assert_int_equal(e.line[0], 0);

	/* basedir given: paths resolved against it */
	memset(&e, 0, sizeof(e));
	(void)snprintf(want, sizeof(want), "%s/conf", tmpdir);
	assert_int_equal(config_load_string("[gemini]\ncert = c.pem\n", "s",
	    want, &c, collect, &e), 0);
	(void)snprintf(want, sizeof(want), "%s/conf/c.pem", tmpdir);
	assert_string_equal(c.cert, want);
	config_free(&c);

	/* a file that does not exist */
	(void)snprintf(path, sizeof(path), "%s/conf/missing.ini", tmpdir);
	memset(&e, 0, sizeof(e));
	assert_int_equal(config_load(path, &c, collect, &e), 1);
	assert_int_equal(e.line[0], 0);
}

static void
test_shipped(void **state)
{
	struct config	 c;
	struct errs	 e;
	const char	*srcdir = getenv("SRCDIR");
	char		 path[PATH_MAX];

	(void)state;
	(void)snprintf(path, sizeof(path), "%s/conf/broadside.ini",
	    srcdir != NULL ? srcdir : ".");
	if (access(path, R_OK) == -1)
		skip();
	memset(&e, 0, sizeof(e));
	if (config_load(path, &c, collect, &e) != 0) {
		/* content/ may be absent in a bare checkout: only that */
		assert_int_equal(e.n, 1);
		assert_non_null(strstr(e.msg[0], "root"));
		return;
	}
	assert_string_equal(c.hostname, "localhost");
	assert_int_equal(c.gemini.nlisten, 2);
	assert_int_equal(c.gopher.nlisten, 2);
	assert_int_equal(c.gopher_port, 7070);
	assert_int_equal(c.wrap, 70);
	assert_string_equal(c.title, "Statements");
	assert_string_equal(c.user, "nobody");
	config_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_listen),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_duplicate),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_many_errors),
		cmocka_unit_test(test_syntax_variants),
		cmocka_unit_test_setup_teardown(test_paths, setup_tmp,
		    teardown_tmp),
		cmocka_unit_test(test_shipped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
