/* SPDX-License-Identifier: ISC */
/* broadside: unit tests for log.c */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <regex.h>
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
#include "log.h"

static char	 tmpdir[PATH_MAX];
static char	 accpath[PATH_MAX + 16];
static char	 errpath[PATH_MAX + 16];

static void
open_logs(enum config_log_format fmt, enum config_log_ip ip)
{
	struct config	 c;

	memset(&c, 0, sizeof(c));
	c.log = errpath;
	c.access_log = accpath;
	c.log_format = fmt;
	c.log_ip = ip;
	assert_int_equal(unlink(accpath) == 0 || errno == ENOENT, 1);
	assert_int_equal(unlink(errpath) == 0 || errno == ENOENT, 1);
	assert_int_equal(log_open(&c), 0);
}

/* Read a whole small file into buf. */
static size_t
slurp(const char *path, char *buf, size_t len)
{
	ssize_t	 n;
	size_t	 off = 0;
	int	 fd;

	assert_int_not_equal(fd = open(path, O_RDONLY), -1);
	while (off < len - 1 && (n = read(fd, buf + off, len - 1 - off)) > 0)
		off += (size_t)n;
	close(fd);
	buf[off] = '\0';
	return off;
}

static void
assert_match(const char *s, const char *re)
{
	regex_t	 r;
	int	 rc;

	assert_int_equal(regcomp(&r, re, REG_EXTENDED | REG_NOSUB), 0);
	rc = regexec(&r, s, 0, NULL, 0);
	regfree(&r);
	if (rc != 0)
		fail_msg("'%s' does not match /%s/", s, re);
}

static int
setup(void **state)
{
	char	*real;

	(void)state;
	(void)snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_log.XXXXXX");
	if (mkdtemp(tmpdir) == NULL || (real = realpath(tmpdir, NULL)) == NULL)
		return -1;
	(void)snprintf(tmpdir, sizeof(tmpdir), "%s", real);
	free(real);
	(void)snprintf(accpath, sizeof(accpath), "%s/access.log", tmpdir);
	(void)snprintf(errpath, sizeof(errpath), "%s/error.log", tmpdir);
	return 0;
}

static int
teardown(void **state)
{
	struct config	 c;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.log = "stderr";
	c.access_log = "stderr";
	(void)log_open(&c);
	unlink(accpath);
	unlink(errpath);
	(void)snprintf(accpath, sizeof(accpath), "%s/rotated", tmpdir);
	unlink(accpath);
	return rmdir(tmpdir);
}

static void
v4(struct sockaddr_in *sin, const char *a, int port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((unsigned short)port);
	assert_int_equal(inet_pton(AF_INET, a, &sin->sin_addr), 1);
}

static void
v6(struct sockaddr_in6 *sin6, const char *a, int port)
{
	memset(sin6, 0, sizeof(*sin6));
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons((unsigned short)port);
	assert_int_equal(inet_pton(AF_INET6, a, &sin6->sin6_addr), 1);
}

struct acase {
	const char		*addr;
	enum config_log_ip	 ip;
	const char		*want;
};

static const struct acase acases[] = {
	{ "192.0.2.77", LOG_IP_FULL, "192.0.2.77" },
	{ "192.0.2.77", LOG_IP_ANONYMIZED, "192.0.2.0" },
	{ "192.0.2.77", LOG_IP_OFF, "-" },
	{ "2001:db8:1:2:3:4:5:6", LOG_IP_FULL, "2001:db8:1:2:3:4:5:6" },
	{ "2001:db8:1:2:3:4:5:6", LOG_IP_ANONYMIZED, "2001:db8:1::" },
	{ "2001:db8:1:2:3:4:5:6", LOG_IP_OFF, "-" },
	{ "::1", LOG_IP_FULL, "::1" },
	{ "::ffff:198.51.100.9", LOG_IP_FULL, "198.51.100.9" },
	{ "::ffff:198.51.100.9", LOG_IP_ANONYMIZED, "198.51.100.0" },
};

static void
test_format_addr(void **state)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_un_like {
		sa_family_t	 family;
		char		 path[8];
	}			 un;
	char			 buf[INET6_ADDRSTRLEN], small[4];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(acases) / sizeof(acases[0]); i++) {
		const struct acase *t = &acases[i];

		open_logs(LOG_FORMAT_DEFAULT, t->ip);
		if (strchr(t->addr, ':') != NULL)
			v6((struct sockaddr_in6 *)(void *)&ss, t->addr, 1965);
		else
			v4((struct sockaddr_in *)(void *)&ss, t->addr, 1965);
		log_format_addr((struct sockaddr *)&ss, buf, sizeof(buf));
		if (strcmp(buf, t->want) != 0)
			fail_msg("case %zu: %s -> '%s', want '%s'", i,
			    t->addr, buf, t->want);
	}
	open_logs(LOG_FORMAT_DEFAULT, LOG_IP_FULL);
	log_format_addr(NULL, buf, sizeof(buf));
	assert_string_equal(buf, "-");
	memset(&un, 0, sizeof(un));
	un.family = AF_UNIX;
	log_format_addr((struct sockaddr *)(void *)&un, buf, sizeof(buf));
	assert_string_equal(buf, "-");
	/* too small a buffer: no overflow, still a string */
	v4((struct sockaddr_in *)(void *)&ss, "192.0.2.1", 1);
	memset(small, 'x', sizeof(small));
	log_format_addr((struct sockaddr *)&ss, small, sizeof(small));
	assert_non_null(memchr(small, '\0', sizeof(small)));
}

#define TIME_RE	"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z"
#define CLF_RE	"\\[[0-9]{2}/[A-Z][a-z]{2}/[0-9]{4}:[0-9]{2}:[0-9]{2}:" \
		"[0-9]{2} \\+0000\\]"

static void
test_access_default(void **state)
{
	struct sockaddr_in		 sin;
	struct log_access_entry		 e;
	static const char		 req[] = "gemini://h/a b\"c\\d\x01\xc3\xa9";
	char				 buf[8192];

	(void)state;
	open_logs(LOG_FORMAT_DEFAULT, LOG_IP_ANONYMIZED);
	v4(&sin, "203.0.113.5", 4000);
	memset(&e, 0, sizeof(e));
	e.proto = "gemini";
	e.peer = (struct sockaddr *)&sin;
	e.request = req;
	e.request_len = sizeof(req) - 1;
	e.status = 20;
	e.body_bytes = 1234;
	e.ms = 2.25;
	log_access(&e);

	e.proto = "gopher";
	e.request = NULL;
	e.status = 3;
	e.body_bytes = 0;
	e.ms = -1;
	log_access(&e);

	slurp(accpath, buf, sizeof(buf));
	assert_match(buf, "^" TIME_RE " 203\\.0\\.113\\.0 gemini "
	    "\"gemini://h/a b\\\\x22c\\\\x5cd\\\\x01\\\\xc3\\\\xa9\" 20 1234 "
	    "2\\.[23]\n" TIME_RE " 203\\.0\\.113\\.0 gopher \"-\" 3 0 0\\.0\n$");
}

static void
test_access_common(void **state)
{
	struct sockaddr_in6		 sin6;
	struct log_access_entry		 e;
	char				 buf[8192];

	(void)state;
	v6(&sin6, "2001:db8::42", 4000);
	memset(&e, 0, sizeof(e));
	e.proto = "gopher";
	e.peer = (struct sockaddr *)&sin6;
	e.request = "/statements/";
	e.request_len = strlen(e.request);
	e.status = 0;
	e.body_bytes = 99;

	open_logs(LOG_FORMAT_COMMON, LOG_IP_FULL);
	log_access(&e);
	slurp(accpath, buf, sizeof(buf));
	assert_match(buf, "^2001:db8::42 - - " CLF_RE
	    " \"/statements/\" 0 99\n$");

	open_logs(LOG_FORMAT_COMBINED, LOG_IP_OFF);
	log_access(&e);
	slurp(accpath, buf, sizeof(buf));
	assert_match(buf, "^- - - " CLF_RE
	    " \"/statements/\" 0 99 \"-\" \"gopher\"\n$");
}

static void
test_access_long(void **state)
{
	struct log_access_entry		 e;
	char				 req[5000], buf[16384];
	size_t				 n;

	(void)state;
	open_logs(LOG_FORMAT_DEFAULT, LOG_IP_FULL);
	memset(req, 0xff, sizeof(req));
	memset(&e, 0, sizeof(e));
	e.proto = "gemini";
	e.request = req;
	e.request_len = sizeof(req);
	log_access(&e);
	n = slurp(accpath, buf, sizeof(buf));
	/* 1024 bytes kept, each as \xff, then "..." */
	assert_non_null(strstr(buf, "\\xff\\xff...\" 0 0 0.0\n"));
	assert_int_equal(buf[n - 1], '\n');
	assert_null(strchr(buf, '\n') + 1 < buf + n ?
	    strchr(strchr(buf, '\n') + 1, '\n') : NULL);
	assert_non_null(strstr(buf, " - gemini \""));
	assert_true(n > 4 * 1024 && n < 4 * 1024 + 100);

	/* access_log = off writes nothing */
	{
		struct config	 c;

		memset(&c, 0, sizeof(c));
		c.log = errpath;
		c.access_log = "off";
		unlink(accpath);
		assert_int_equal(log_open(&c), 0);
		log_access(&e);
		assert_int_equal(access(accpath, F_OK), -1);
	}
}

static void
test_error_log(void **state)
{
	char	 buf[8192], want[64];

	(void)state;
	open_logs(LOG_FORMAT_DEFAULT, LOG_IP_FULL);
	log_set_procname("worker 3");
	log_set_verbose(0);
	log_info("hello %d", 42);
	log_debug("hidden");
	log_set_verbose(1);
	log_debug("shown");
	errno = ENOENT;
	log_warn("open %s", "x");
	log_warnx("plain");
	assert_int_equal(errno, ENOENT);	/* logging keeps errno */
	slurp(errpath, buf, sizeof(buf));
	(void)snprintf(want, sizeof(want), " broadside\\[%ld\\] worker 3: ",
	    (long)getpid());
	assert_match(buf, "^" TIME_RE);
	assert_non_null(strstr(buf, "worker 3: hello 42\n"));
	assert_null(strstr(buf, "hidden"));
	assert_non_null(strstr(buf, "worker 3: shown\n"));
	assert_non_null(strstr(buf, "worker 3: open x: "));
	assert_non_null(strstr(buf, strerror(ENOENT)));
	assert_non_null(strstr(buf, "worker 3: plain\n"));
	assert_match(buf, want);
	log_set_verbose(0);
	log_set_procname("main");
}

/*
 * A request path or a file name in an error message cannot split the line
 * or reach a terminal: controls, C1, invalid UTF-8 and '\\' become \xHH;
 * valid UTF-8 is kept.
 */
static void
test_error_log_escapes(void **state)
{
	char	 buf[8192], *p;
	size_t	 lines = 0;

	(void)state;
	open_logs(LOG_FORMAT_DEFAULT, LOG_IP_FULL);
	log_warnx("%s: cannot open",
	    "/a\r\nfake line\x1b[31m\x1b]0;t\x07\xc2\x9b\x7f\xff\\ \xc3\xa9");
	log_warnx("cut \xe2\x82");
	slurp(errpath, buf, sizeof(buf));
	assert_non_null(strstr(buf, ": /a\\x0d\\x0afake line\\x1b[31m"
	    "\\x1b]0;t\\x07\\xc2\\x9b\\x7f\\xff\\x5c \xc3\xa9: cannot open\n"));
	assert_non_null(strstr(buf, ": cut \\xe2\\x82\n"));
	for (p = buf; *p != '\0'; p++) {
		assert_int_not_equal(*p, '\r');
		assert_int_not_equal(*p, '\x1b');
		lines += *p == '\n';
	}
	assert_int_equal(lines, 2);
}

static void
test_reopen(void **state)
{
	char	 rotated[PATH_MAX + 16], buf[4096];

	(void)state;
	open_logs(LOG_FORMAT_DEFAULT, LOG_IP_FULL);
	log_info("before");
	(void)snprintf(rotated, sizeof(rotated), "%s/rotated", tmpdir);
	assert_int_equal(rename(errpath, rotated), 0);
	log_info("still old");
	assert_int_equal(log_reopen(), 0);
	log_info("after");
	slurp(rotated, buf, sizeof(buf));
	assert_non_null(strstr(buf, "before"));
	assert_non_null(strstr(buf, "still old"));
	assert_null(strstr(buf, "after"));
	slurp(errpath, buf, sizeof(buf));
	assert_non_null(strstr(buf, "after"));
	assert_null(strstr(buf, "before"));
}

static void
test_open_fails(void **state)
{
	struct config	 c;
	char		 bad[PATH_MAX + 32];

	(void)state;
	memset(&c, 0, sizeof(c));
	(void)snprintf(bad, sizeof(bad), "%s/no/such/dir/log", tmpdir);
	c.log = bad;
	c.access_log = "stderr";
	assert_int_equal(log_open(&c), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_addr),
		cmocka_unit_test(test_access_default),
		cmocka_unit_test(test_access_common),
		cmocka_unit_test(test_access_long),
		cmocka_unit_test(test_error_log),
		cmocka_unit_test(test_error_log_escapes),
		cmocka_unit_test(test_reopen),
		cmocka_unit_test(test_open_fails),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
