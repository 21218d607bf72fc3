/* SPDX-License-Identifier: ISC */
/* broadside: unit tests for ratelimit.c (per-address limits). */
#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "ratelimit.h"

static double	 now;

static double
fake_clock(void)
{
	return now;
}

static struct limits *
make(int max_clients, int per_ip, int req, int sec)
{
	struct config	 c;
	struct limits	*l;

	memset(&c, 0, sizeof(c));
	c.max_clients = max_clients;
	c.max_clients_per_ip = per_ip;
	c.rate_requests = req;
	c.rate_seconds = sec;
	assert_non_null(l = limits_new(&c));
	now = 1000.0;
	limits_set_clock(l, fake_clock);
	return l;
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

/* IPv4 and its v4-mapped IPv6 form are one client; other v6 are not. */
static void
test_v4_v6_keys(void **state)
{
	struct limits		*l = make(16, 1, 0, 0);
	struct sockaddr_storage	 v4 = addr("192.0.2.9"),
				 mapped = addr("::ffff:192.0.2.9"),
				 v6 = addr("2001:db8::9"),
				 v6b = addr("2001:db8::a");

	(void)state;
	assert_int_equal(limits_connect(l, SA(v4)), 1);
	assert_int_equal(limits_connect(l, SA(mapped)), 0);
	assert_int_equal(limits_connect(l, SA(v6)), 1);
	assert_int_equal(limits_connect(l, SA(v6)), 0);
	assert_int_equal(limits_connect(l, SA(v6b)), 1);
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

/*
 * Many addresses, each holding a connection: the table fills, probes run
 * out and the limiter lets clients through rather than locking them out.
 * A stale entry (no connection, full bucket) is reused.
 */
static void
test_crowded_fails_open(void **state)
{
	struct limits		*l = make(1, 1, 1, 3600);
	struct sockaddr_storage	 a;
	char			 text[64];
	int			 i, open_ok = 0, retry;

	(void)state;
	/* 1024 slots (the minimum); fill far beyond that. */
	for (i = 0; i < 5000; i++) {
		snprintf(text, sizeof(text), "10.%d.%d.1", i / 256, i % 256);
		a = addr(text);
		if (limits_connect(l, SA(a)))
			open_ok++;
	}
	assert_int_equal(open_ok, 5000);
	/* Every slot holds a live client: a newcomer is not limited. */
	a = addr("172.16.0.1");
	for (i = 0; i < 50; i++)
		assert_int_equal(limits_connect(l, SA(a)), 1);
	/* Rates fail open too when crowded. */
	for (i = 0; i < 5; i++)
		assert_int_equal(limits_request(l, SA(a), &retry), 1);
	limits_free(l);
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
		cmocka_unit_test(test_crowded_fails_open),
		cmocka_unit_test(test_stale_reuse),
		cmocka_unit_test(test_other_family),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
