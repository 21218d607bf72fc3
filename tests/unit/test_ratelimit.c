/* SPDX-License-Identifier: ISC */
/* broadside: unit tests for ratelimit.c (per-address limits). */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "ratelimit.h"

static double	 now;

static double
fake_clock(void)
{
	return now;
}

static void
conf_of(struct config *c, int max_clients, int per_ip, int req, int sec)
{
	memset(c, 0, sizeof(*c));
	c->max_clients = max_clients;
	c->max_clients_per_ip = per_ip;
	c->rate_requests = req;
	c->rate_seconds = sec;
	c->ipv6_prefix = 64;
}

static struct limits *
make_on(struct limits_table *t, int max_clients, int per_ip, int req,
    int sec)
{
	struct config	 c;
	struct limits	*l;

	conf_of(&c, max_clients, per_ip, req, sec);
	assert_non_null(l = limits_new(&c, t));
	now = 1000.0;
	limits_set_clock(l, fake_clock);
	return l;
}

static struct limits *
make(int max_clients, int per_ip, int req, int sec)
{
	return make_on(NULL, max_clients, per_ip, req, sec);
}

static struct sockaddr_storage
addr(const char *text)
{
	struct sockaddr_storage	 ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(text, ':') != NULL) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		in6->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, text, &in6->sin6_addr), 1);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		in->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, text, &in->sin_addr), 1);
	}
	return ss;
}

#define SA(ss)	((struct sockaddr *)&(ss))

static void
test_per_ip(void **state)
{
	struct limits		*l = make(16, 2, 0, 0);
	struct sockaddr_storage	 a = addr("192.0.2.1"), b = addr("192.0.2.2");

	(void)state;
	assert_int_equal(limits_connect(l, SA(a)), 1);
	assert_int_equal(limits_connect(l, SA(a)), 1);
	assert_int_equal(limits_connect(l, SA(a)), 0);	/* third */
	assert_int_equal(limits_connect(l, SA(b)), 1);	/* others fine */
	limits_disconnect(l, SA(a));
	assert_int_equal(limits_connect(l, SA(a)), 1);	/* a slot freed */
	assert_int_equal(limits_connect(l, SA(a)), 0);
	/* Disconnecting more than connected never underflows. */
	limits_disconnect(l, SA(b));
	limits_disconnect(l, SA(b));
	limits_disconnect(l, SA(b));
	assert_int_equal(limits_connect(l, SA(b)), 1);
	assert_int_equal(limits_connect(l, SA(b)), 1);
	assert_int_equal(limits_connect(l, SA(b)), 0);
	limits_free(l);
}

static void
test_per_ip_unlimited(void **state)
{
	struct limits		*l = make(16, 0, 0, 0);
	struct sockaddr_storage	 a = addr("192.0.2.1");
	int			 i;

	(void)state;
	for (i = 0; i < 1000; i++)
		assert_int_equal(limits_connect(l, SA(a)), 1);
	limits_free(l);
}

/*
 * IPv4 and its v4-mapped IPv6 form are one client; IPv6 clients are one
 * per /64 (the default), and another /64 is another client.
 */
static void
test_v4_v6_keys(void **state)
{
	struct limits		*l = make(16, 1, 0, 0);
	struct sockaddr_storage	 v4 = addr("192.0.2.9"),
				 v4b = addr("192.0.2.10"),
				 mapped = addr("::ffff:192.0.2.9"),
				 v6 = addr("2001:db8::9"),
				 v6b = addr("2001:db8::a"),
				 v6far = addr("2001:db8:0:0:ffff:ffff:ffff:ffff"),
				 v6next = addr("2001:db8:0:1::9");

	(void)state;
	assert_int_equal(limits_connect(l, SA(v4)), 1);
	assert_int_equal(limits_connect(l, SA(mapped)), 0);
	assert_int_equal(limits_connect(l, SA(v4b)), 1);  /* v4: one by one */
	assert_int_equal(limits_connect(l, SA(v6)), 1);
	assert_int_equal(limits_connect(l, SA(v6)), 0);
	assert_int_equal(limits_connect(l, SA(v6b)), 0);	/* same /64 */
	assert_int_equal(limits_connect(l, SA(v6far)), 0);
	assert_int_equal(limits_connect(l, SA(v6next)), 1);	/* next /64 */
	limits_free(l);
}

/* ipv6_prefix: the key keeps that many bits of an IPv6 address. */
static void
test_ipv6_prefix_keys(void **state)
{
	static const struct {
		int		 bits;
		const char	*addr, *key;
	} cases[] = {
		{ 64, "2001:db8:1:2:3:4:5:6", "2001:db8:1:2::" },
		{ 48, "2001:db8:1:2:3:4:5:6", "2001:db8:1::" },
		{ 56, "2001:db8:1:2ff:3:4:5:6", "2001:db8:1:200::" },
		{ 60, "2001:db8:1:2ff:3:4:5:6", "2001:db8:1:2f0::" },
		{ 32, "2001:db8:ffff::1", "2001:db8::" },
		{ 128, "2001:db8::1", "2001:db8::1" },
		{ 127, "2001:db8::3", "2001:db8::2" },
		/* IPv4, mapped or not, is never cut. */
		{ 32, "::ffff:192.0.2.77", "::ffff:192.0.2.77" },
		{ 32, "192.0.2.77", "::ffff:192.0.2.77" },
	};
	struct config		 c;
	struct limits		*l;
	struct sockaddr_storage	 a;
	unsigned char		 key[16], want[16];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		conf_of(&c, 16, 1, 0, 0);
		c.ipv6_prefix = cases[i].bits;
		assert_non_null(l = limits_new(&c, NULL));
		a = addr(cases[i].addr);
		assert_int_equal(limits_key(l, SA(a), key), 0);
		assert_int_equal(inet_pton(AF_INET6, cases[i].key, want), 1);
		assert_memory_equal(key, want, 16);
		limits_free(l);
	}
	/* /48: the whole site is one client. */
	conf_of(&c, 16, 1, 0, 0);
	c.ipv6_prefix = 48;
	assert_non_null(l = limits_new(&c, NULL));
	a = addr("2001:db8:7::1");
	assert_int_equal(limits_connect(l, SA(a)), 1);
	a = addr("2001:db8:7:ffff::1");
	assert_int_equal(limits_connect(l, SA(a)), 0);
	a = addr("2001:db8:8::1");
	assert_int_equal(limits_connect(l, SA(a)), 1);
	limits_free(l);
}

/* rate = 3/60s: a bucket of 3, one token back every 20 seconds. */
static void
test_token_bucket(void **state)
{
	struct limits		*l = make(16, 0, 3, 60);
	struct sockaddr_storage	 a = addr("198.51.100.1"),
				 b = addr("2001:db8::1");
	int			 retry;

	(void)state;
	assert_int_equal(limits_request(l, SA(a), &retry), 1);
	assert_int_equal(retry, 0);
	assert_int_equal(limits_request(l, SA(a), &retry), 1);
	assert_int_equal(limits_request(l, SA(a), &retry), 1);
	assert_int_equal(limits_request(l, SA(a), &retry), 0);
	assert_int_equal(retry, 20);
	/* Another address has its own bucket. */
	assert_int_equal(limits_request(l, SA(b), &retry), 1);
	now += 5.0;
	assert_int_equal(limits_request(l, SA(a), &retry), 0);
	assert_int_equal(retry, 15);
	now += 15.0;	/* one token back */
	assert_int_equal(limits_request(l, SA(a), &retry), 1);
	assert_int_equal(limits_request(l, SA(a), &retry), 0);
	/* A long pause refills to the bucket size, not beyond. */
	now += 3600.0;
	assert_int_equal(limits_request(l, SA(a), &retry), 1);
	assert_int_equal(limits_request(l, SA(a), &retry), 1);
	assert_int_equal(limits_request(l, SA(a), &retry), 1);
	assert_int_equal(limits_request(l, SA(a), &retry), 0);
	/* retry_after is at least one second. */
	now += 19.99;
	assert_int_equal(limits_request(l, SA(a), &retry), 0);
	assert_int_equal(retry, 1);
	limits_free(l);
}

static void
test_rate_off(void **state)
{
	struct limits		*l = make(16, 0, 0, 0);
	struct sockaddr_storage	 a = addr("198.51.100.1");
	int			 i, retry;

	(void)state;
	for (i = 0; i < 10000; i++)
		assert_int_equal(limits_request(l, SA(a), &retry), 1);
	limits_free(l);
}

static struct sockaddr_storage
nth(int i)
{
	char	 text[64];

	snprintf(text, sizeof(text), "10.%d.%d.%d", (i >> 16) & 0xff,
	    (i >> 8) & 0xff, i & 0xff);
	return addr(text);
}

/*
 * Many more addresses than slots, each holding a connection and an empty
 * bucket: a full table evicts, it never stops limiting a newcomer.
 */
static void
test_crowded_still_limits(void **state)
{
	struct limits		*l = make(1, 1, 1, 3600);
	struct sockaddr_storage	 a;
	int			 i, retry;

	(void)state;
	for (i = 0; i < 40000; i++) {
		a = nth(i);
		assert_int_equal(limits_connect(l, SA(a)), 1);
		assert_int_equal(limits_request(l, SA(a), &retry), 1);
		now += 0.001;
	}
	a = addr("172.16.0.1");
	assert_int_equal(limits_connect(l, SA(a)), 1);
	assert_int_equal(limits_connect(l, SA(a)), 0);
	assert_int_equal(limits_request(l, SA(a), &retry), 1);
	assert_int_equal(limits_request(l, SA(a), &retry), 0);
	/* So does the one after it, and the last of the flood. */
	a = addr("172.16.0.2");
	assert_int_equal(limits_request(l, SA(a), &retry), 1);
	assert_int_equal(limits_request(l, SA(a), &retry), 0);
	a = nth(39999);
	assert_int_equal(limits_connect(l, SA(a)), 0);
	assert_int_equal(limits_request(l, SA(a), &retry), 0);
	limits_free(l);
}

/*
 * What is evicted first: an entry that knows nothing (no connection, full
 * bucket), then the least recently seen without a connection; a client
 * holding connections keeps its entry through a flood of passers-by.
 */
static void
test_eviction_order(void **state)
{
	struct limits		*l = make(1, 1, 2, 3600);
	struct sockaddr_storage	 held = addr("172.16.0.1"),
				 limited = addr("172.16.0.2"), a;
	int			 i, retry;

	(void)state;
	assert_int_equal(limits_connect(l, SA(held)), 1);
	assert_int_equal(limits_request(l, SA(limited), &retry), 1);
	assert_int_equal(limits_request(l, SA(limited), &retry), 1);
	assert_int_equal(limits_request(l, SA(limited), &retry), 0);
	/* Passers-by: a connection each, closed at once (nothing to lose). */
	for (i = 0; i < 100000; i++) {
		a = nth(i);
		assert_int_equal(limits_connect(l, SA(a)), 1);
		limits_disconnect(l, SA(a));
		now += 0.0001;
	}
	assert_int_equal(limits_connect(l, SA(held)), 0);
	assert_int_equal(limits_request(l, SA(limited), &retry), 0);
	/* Passers-by that spend a token: the oldest of them go first. */
	for (i = 0; i < 100000; i++) {
		a = nth(i);
		assert_int_equal(limits_request(l, SA(a), &retry), 1);
		now += 0.0001;
	}
	assert_int_equal(limits_connect(l, SA(held)), 0);	/* kept */
	a = nth(99999);		/* the newest: still known */
	assert_int_equal(limits_request(l, SA(a), &retry), 1);
	assert_int_equal(limits_request(l, SA(a), &retry), 0);
	limits_free(l);
}

/*
 * Workers share one table: a limit counted in one process holds in
 * another, and a process killed while it holds the lock does not stop
 * the others (the mutex is robust).
 */
static void
test_shared_between_processes(void **state)
{
	struct config		 c;
	struct limits_table	*t;
	struct limits		*l;
	struct sockaddr_storage	 a = addr("198.51.100.7");
	pid_t			 pid;
	int			 status, retry;

	(void)state;
	conf_of(&c, 16, 2, 3, 3600);
	assert_non_null(t = limits_table_new(&c, 2));
	assert_true(limits_table_fits(t, &c, 2));
	conf_of(&c, 100000, 2, 3, 3600);
	assert_false(limits_table_fits(t, &c, 2));
	l = make_on(t, 16, 2, 3, 3600);
	if ((pid = fork()) == 0) {
		int	 ok;

		ok = limits_connect(l, SA(a)) == 1 &&
		    limits_request(l, SA(a), &retry) == 1 &&
		    limits_request(l, SA(a), &retry) == 1;
		_exit(ok ? 0 : 1);
	}
	assert_int_not_equal(pid, -1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* The child spent two tokens and holds one connection. */
	assert_int_equal(limits_connect(l, SA(a)), 1);
	assert_int_equal(limits_connect(l, SA(a)), 0);
	assert_int_equal(limits_request(l, SA(a), &retry), 1);
	assert_int_equal(limits_request(l, SA(a), &retry), 0);
	/* A child dies holding the lock: the next locker recovers. */
	if ((pid = fork()) == 0) {
		limits_test_lock(l);
		_exit(0);
	}
	assert_int_not_equal(pid, -1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	limits_disconnect(l, SA(a));
	assert_int_equal(limits_connect(l, SA(a)), 1);
	assert_int_equal(limits_connect(l, SA(a)), 0);
	limits_free(l);
	limits_table_free(t);
}

/* Entries for clients that left and whose bucket refilled are reused. */
static void
test_stale_reuse(void **state)
{
	struct limits		*l = make(1, 1, 1, 10);
	struct sockaddr_storage	 a;
	char			 text[64];
	int			 i, retry;

	(void)state;
	for (i = 0; i < 5000; i++) {
		snprintf(text, sizeof(text), "10.%d.%d.1", i / 256, i % 256);
		a = addr(text);
		assert_int_equal(limits_connect(l, SA(a)), 1);
		limits_disconnect(l, SA(a));
		now += 11.0;	/* every bucket is full again */
	}
	/* The table still tracks new clients: the limit applies. */
	a = addr("172.16.0.1");
	assert_int_equal(limits_connect(l, SA(a)), 1);
	assert_int_equal(limits_connect(l, SA(a)), 0);
	assert_int_equal(limits_request(l, SA(a), &retry), 1);
	assert_int_equal(limits_request(l, SA(a), &retry), 0);
	limits_free(l);
}

/* proxy_from items: addresses and prefixes, IPv4 stored v4-mapped. */
static void
test_parse_prefix(void **state)
{
	static const struct {
		const char	*text;
		const char	*addr;	/* as IPv6; NULL: an error */
		int		 bits;
	} cases[] = {
		{ "127.0.0.1", "::ffff:127.0.0.1", 128 },
		{ "10.0.0.0/8", "::ffff:10.0.0.0", 104 },
		{ "0.0.0.0/0", "::ffff:0.0.0.0", 96 },
		{ "192.0.2.128/25", "::ffff:192.0.2.128", 121 },
		{ "::1", "::1", 128 },
		{ "fd00::/8", "fd00::", 8 },
		{ "2001:db8::/32", "2001:db8::", 32 },
		{ "::/0", "::", 0 },
		{ "::ffff:10.1.2.3", "::ffff:10.1.2.3", 128 },
		{ "10.0.0.1/8", NULL, 0 },	/* host bits set */
		{ "fd00::1/8", NULL, 0 },
		{ "10.0.0.0/33", NULL, 0 },
		{ "fd00::/129", NULL, 0 },
		{ "10.0.0.0/", NULL, 0 },
		{ "10.0.0.0/-1", NULL, 0 },
		{ "10.0.0.0/8/8", NULL, 0 },
		{ "10.0.0.0/ 8", NULL, 0 },
		{ "10.0.0", NULL, 0 },
		{ "10.0.0.256", NULL, 0 },
		{ "[::1]", NULL, 0 },
		{ "localhost", NULL, 0 },
		{ "", NULL, 0 },
		{ "/8", NULL, 0 },
		{ "1:2:3:4:5:6:7:8:9", NULL, 0 },
		{ "fd00::/99999999999999999999999", NULL, 0 },
		{ "::ffff:255.255.255.255.255.255.255.255.255.255.255", NULL,
		    0 },
	};
	struct config_prefix	 p;
	unsigned char		 want[16];
	const char		*errstr;
	size_t			 i;
	int			 rv;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		errstr = NULL;
		rv = config_parse_prefix(cases[i].text, &p, &errstr);
		if (cases[i].addr == NULL) {
			if (rv != -1)
				fail_msg("'%s' accepted", cases[i].text);
			assert_non_null(errstr);
			continue;
		}
		if (rv != 0)
			fail_msg("'%s': %s", cases[i].text, errstr);
		assert_int_equal(inet_pton(AF_INET6, cases[i].addr, want), 1);
		assert_memory_equal(p.addr, want, 16);
		assert_int_equal(p.bits, cases[i].bits);
	}
}

static int
in_prefixes(const char *list[], size_t n, const char *text)
{
	struct config_prefix	 p[8];
	struct sockaddr_storage	 a = addr(text);
	unsigned char		 key[16];
	const char		*errstr;
	size_t			 i;

	for (i = 0; i < n; i++)
		assert_int_equal(config_parse_prefix(list[i], &p[i],
		    &errstr), 0);
	assert_int_equal(config_addr_key(SA(a), key), 0);
	return config_prefix_match(p, n, key);
}

static void
test_prefix_match(void **state)
{
	const char	*list[] = { "127.0.0.1", "10.0.0.0/8", "::1",
			    "fd00::/8", "192.0.2.128/25" };
	const char	*all4[] = { "0.0.0.0/0" };
	size_t		 n = sizeof(list) / sizeof(list[0]);

	(void)state;
	assert_true(in_prefixes(list, n, "127.0.0.1"));
	assert_true(in_prefixes(list, n, "::ffff:127.0.0.1"));
	assert_false(in_prefixes(list, n, "127.0.0.2"));
	assert_true(in_prefixes(list, n, "10.255.1.2"));
	assert_false(in_prefixes(list, n, "11.0.0.1"));
	assert_true(in_prefixes(list, n, "::1"));
	assert_false(in_prefixes(list, n, "::2"));
	assert_true(in_prefixes(list, n, "fdff:1::5"));
	assert_false(in_prefixes(list, n, "fe00::1"));
	assert_true(in_prefixes(list, n, "192.0.2.200"));
	assert_false(in_prefixes(list, n, "192.0.2.127"));
	/* An IPv4 prefix never takes in IPv6 that is not v4-mapped. */
	assert_true(in_prefixes(all4, 1, "203.0.113.9"));
	assert_false(in_prefixes(all4, 1, "2001:db8::1"));
	assert_false(in_prefixes(list, 0, "127.0.0.1"));
}

/* Not an IP address (AF_UNIX): never limited, never a crash. */
static void
test_other_family(void **state)
{
	struct limits		*l = make(16, 1, 1, 60);
	struct sockaddr_storage	 ss;
	int			 retry;

	(void)state;
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = AF_UNIX;
	assert_int_equal(limits_connect(l, SA(ss)), 1);
	assert_int_equal(limits_connect(l, SA(ss)), 1);
	assert_int_equal(limits_request(l, SA(ss), &retry), 1);
	assert_int_equal(limits_request(l, SA(ss), &retry), 1);
	limits_disconnect(l, SA(ss));
	limits_free(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_per_ip),
		cmocka_unit_test(test_per_ip_unlimited),
		cmocka_unit_test(test_v4_v6_keys),
		cmocka_unit_test(test_token_bucket),
		cmocka_unit_test(test_rate_off),
		cmocka_unit_test(test_ipv6_prefix_keys),
		cmocka_unit_test(test_parse_prefix),
		cmocka_unit_test(test_prefix_match),
		cmocka_unit_test(test_crowded_still_limits),
		cmocka_unit_test(test_eviction_order),
		cmocka_unit_test(test_shared_between_processes),
		cmocka_unit_test(test_stale_reuse),
		cmocka_unit_test(test_other_family),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
