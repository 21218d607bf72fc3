/* SPDX-License-Identifier: ISC */
/* broadside: unit tests for proxy.c (PROXY protocol v1 and v2 parser). */
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
#include <unistd.h>

#include <cmocka.h>

#include "proxy.h"

#define V2SIG	"\r\n\r\n\0\r\nQUIT\n"

struct v1_case {
	const char		*in;
	enum proxy_result	 want;
	const char		*addr;	/* expected peer, NULL: untouched */
	int			 port;
};

static const struct v1_case v1_cases[] = {
	{ "PROXY TCP4 203.0.113.7 127.0.0.1 5555 1965\r\n", PROXY_OK,
	    "203.0.113.7", 5555 },
	{ "PROXY TCP6 2001:db8::1 ::1 65535 70\r\n", PROXY_OK,
	    "2001:db8::1", 65535 },
	{ "PROXY TCP4 0.0.0.0 0.0.0.0 0 0\r\n", PROXY_OK, "0.0.0.0", 0 },
	{ "PROXY UNKNOWN\r\n", PROXY_OK, NULL, 0 },
	{ "PROXY UNKNOWN ffff::1 ::1 1 2\r\n", PROXY_OK, NULL, 0 },
	/* ports */
	{ "PROXY TCP4 1.2.3.4 5.6.7.8 65536 1\r\n", PROXY_ERROR, NULL, 0 },
	{ "PROXY TCP4 1.2.3.4 5.6.7.8 1 99999\r\n", PROXY_ERROR, NULL, 0 },
	{ "PROXY TCP4 1.2.3.4 5.6.7.8 -1 1\r\n", PROXY_ERROR, NULL, 0 },
	{ "PROXY TCP4 1.2.3.4 5.6.7.8 +1 1\r\n", PROXY_ERROR, NULL, 0 },
	{ "PROXY TCP4 1.2.3.4 5.6.7.8 0x10 1\r\n", PROXY_ERROR, NULL, 0 },
	{ "PROXY TCP4 1.2.3.4 5.6.7.8 123456 1\r\n", PROXY_ERROR, NULL, 0 },
	{ "PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n", PROXY_ERROR, NULL, 0 },
	{ "PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n", PROXY_ERROR, NULL, 0 },
	/* addresses and families */
	{ "PROXY TCP4 2001:db8::1 ::1 1 2\r\n", PROXY_ERROR, NULL, 0 },
	{ "PROXY TCP6 1.2.3.4 5.6.7.8 1 2\r\n", PROXY_ERROR, NULL, 0 },
	{ "PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n", PROXY_ERROR, NULL, 0 },
	{ "PROXY TCP4 1.2.3.4 nope 1 2\r\n", PROXY_ERROR, NULL, 0 },
	{ "PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n", PROXY_ERROR, NULL, 0 },
	{ "PROXY tcp4 1.2.3.4 5.6.7.8 1 2\r\n", PROXY_ERROR, NULL, 0 },
	{ "PROXY\r\n", PROXY_ERROR, NULL, 0 },
	{ "PROXY \r\n", PROXY_ERROR, NULL, 0 },
	/* line ends */
	{ "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n", PROXY_ERROR, NULL, 0 },
	{ "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\r\n", PROXY_ERROR, NULL, 0 },
	/* one space between fields, exactly */
	{ "PROXY  TCP4 1.2.3.4 5.6.7.8 1 2\r\n", PROXY_ERROR, NULL, 0 },
	{ "PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n", PROXY_ERROR, NULL, 0 },
	{ "PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n", PROXY_ERROR, NULL, 0 },
	{ "PROXY TCP4 1.2.3.4\t5.6.7.8 1 2\r\n", PROXY_ERROR, NULL, 0 },
	/* not a PROXY header at all */
	{ "GET / HTTP/1.0\r\n", PROXY_ERROR, NULL, 0 },
	{ "gemini://localhost/\r\n", PROXY_ERROR, NULL, 0 },
	{ "proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n", PROXY_ERROR, NULL, 0 },
	{ "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", PROXY_ERROR, NULL,
	    0 },
	/* partial: more bytes may come */
	{ "P", PROXY_WANT, NULL, 0 },
	{ "PROXY", PROXY_WANT, NULL, 0 },
	{ "PROXY TCP4 1.2.3.4", PROXY_WANT, NULL, 0 },
	{ "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r", PROXY_WANT, NULL, 0 },
};

static void
expect_addr(const struct sockaddr_storage *ss, const char *addr, int port)
{
	char	 text[INET6_ADDRSTRLEN];

	if (strchr(addr, ':') != NULL) {
		const struct sockaddr_in6 *in6 = (const void *)ss;

		assert_int_equal(ss->ss_family, AF_INET6);
		inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof(text));
		assert_int_equal(ntohs(in6->sin6_port), port);
	} else {
		const struct sockaddr_in *in = (const void *)ss;

		assert_int_equal(ss->ss_family, AF_INET);
		inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text));
		assert_int_equal(ntohs(in->sin_port), port);
	}
	assert_string_equal(text, addr);
}

static void
test_v1_table(void **state)
{
	struct sockaddr_storage	 ss;
	size_t			 i, consumed, len;
	enum proxy_result	 rv;

	(void)state;
	for (i = 0; i < sizeof(v1_cases) / sizeof(v1_cases[0]); i++) {
		const struct v1_case *c = &v1_cases[i];

		memset(&ss, 0xaa, sizeof(ss));
		len = strlen(c->in);
		rv = proxy_parse((const unsigned char *)c->in, len, &ss,
		    &consumed);
		if (rv != c->want)
			fail_msg("case %zu \"%s\": got %d, want %d", i, c->in,
			    (int)rv, (int)c->want);
		assert_true(consumed <= len);
		if (rv != PROXY_OK) {
			/* A bad or partial header leaves the address alone. */
			assert_int_equal(consumed, 0);
			assert_int_equal(((unsigned char *)&ss)[0], 0xaa);
			assert_int_equal(((unsigned char *)&ss)[4], 0xaa);
			continue;
		}
		assert_int_equal(consumed, len);
		if (c->addr != NULL)
			expect_addr(&ss, c->addr, c->port);
		else	/* UNKNOWN: the connection's own address stays */
			assert_int_equal(((unsigned char *)&ss)[0], 0xaa);
	}
}

/* The header is taken, what follows (the TLS ClientHello) is not. */
static void
test_v1_followed_by_data(void **state)
{
	const char		*in = "PROXY TCP4 203.0.113.7 127.0.0.1 5555 "
				    "1965\r\n\x16\x03\x01rest";
	struct sockaddr_storage	 ss;
	size_t			 consumed;

	(void)state;
	assert_int_equal(proxy_parse((const unsigned char *)in, strlen(in),
	    &ss, &consumed), PROXY_OK);
	assert_int_equal(consumed, strchr(in, '\n') - in + 1);
	expect_addr(&ss, "203.0.113.7", 5555);
}

/* 107 bytes is the spec's longest line: without a LF by then, refuse. */
static void
test_v1_too_long(void **state)
{
	char			 line[256];
	struct sockaddr_storage	 ss;
	size_t			 consumed;

	(void)state;
	memset(line, ' ', sizeof(line));
	memcpy(line, "PROXY TCP4", 10);
	assert_int_equal(proxy_parse((unsigned char *)line, PROXY_V1_MAX - 1,
	    &ss, &consumed), PROXY_WANT);
	assert_int_equal(proxy_parse((unsigned char *)line, PROXY_V1_MAX,
	    &ss, &consumed), PROXY_ERROR);
	line[200] = '\r';
	line[201] = '\n';
	assert_int_equal(proxy_parse((unsigned char *)line, 202, &ss,
	    &consumed), PROXY_ERROR);
	/* The longest TCP6 line (104 bytes) fits. */
	snprintf(line, sizeof(line), "PROXY TCP6 "
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n");
	assert_int_equal(proxy_parse((unsigned char *)line, strlen(line),
	    &ss, &consumed), PROXY_OK);
	assert_int_equal(consumed, strlen(line));
	/* An UNKNOWN line of exactly 107 bytes fits, 108 does not. */
	memset(line, 'x', sizeof(line));
	memcpy(line, "PROXY UNKNOWN ", 14);
	line[PROXY_V1_MAX - 2] = '\r';
	line[PROXY_V1_MAX - 1] = '\n';
	assert_int_equal(proxy_parse((unsigned char *)line, PROXY_V1_MAX,
	    &ss, &consumed), PROXY_OK);
	assert_int_equal(consumed, PROXY_V1_MAX);
	line[PROXY_V1_MAX - 2] = 'x';
	line[PROXY_V1_MAX - 1] = '\r';
	line[PROXY_V1_MAX] = '\n';
	assert_int_equal(proxy_parse((unsigned char *)line, PROXY_V1_MAX + 1,
	    &ss, &consumed), PROXY_ERROR);
}

static void
test_v1_embedded_nul(void **state)
{
	const char		 in[] = "PROXY TCP4 1.2.3.4\0 5.6.7.8 1 2\r\n";
	struct sockaddr_storage	 ss;
	size_t			 consumed;

	(void)state;
	assert_int_equal(proxy_parse((const unsigned char *)in,
	    sizeof(in) - 1, &ss, &consumed), PROXY_ERROR);
}

/* Build a v2 header: signature, ver_cmd, fam, length, body. */
static size_t
v2(unsigned char *out, unsigned char ver_cmd, unsigned char fam,
    const void *body, size_t blen)
{
	memcpy(out, V2SIG, 12);
	out[12] = ver_cmd;
	out[13] = fam;
	out[14] = (unsigned char)(blen >> 8);
	out[15] = (unsigned char)blen;
	if (blen > 0)
		memcpy(out + 16, body, blen);
	return 16 + blen;
}

static void
test_v2_tcp4(void **state)
{
	unsigned char		 buf[64], body[12];
	struct sockaddr_storage	 ss;
	size_t			 n, consumed;

	(void)state;
	memcpy(body, "\xcb\x00\x71\x07" "\x7f\x00\x00\x01" "\x15\xb3"
	    "\x07\xad", 12);
	n = v2(buf, 0x21, 0x11, body, sizeof(body));
	assert_int_equal(proxy_parse(buf, n, &ss, &consumed), PROXY_OK);
	assert_int_equal(consumed, 28);
	expect_addr(&ss, "203.0.113.7", 5555);
	/* TLVs after the addresses are skipped with the header. */
	n = v2(buf, 0x21, 0x11, "\xcb\x00\x71\x07" "\x7f\x00\x00\x01"
	    "\x15\xb3\x07\xad" "\x04\x00\x01\x00", 16);
	assert_int_equal(proxy_parse(buf, n, &ss, &consumed), PROXY_OK);
	assert_int_equal(consumed, 32);
	/* Too short a body for the family. */
	n = v2(buf, 0x21, 0x11, body, 11);
	assert_int_equal(proxy_parse(buf, n, &ss, &consumed), PROXY_ERROR);
}

static void
test_v2_tcp6(void **state)
{
	unsigned char		 buf[64], body[36];
	struct sockaddr_storage	 ss;
	size_t			 n, consumed;

	(void)state;
	memset(body, 0, sizeof(body));
	body[0] = 0x20;
	body[1] = 0x01;
	body[2] = 0x0d;
	body[3] = 0xb8;
	body[15] = 0x07;
	body[31] = 0x01;
	body[32] = 0x04;	/* port 1234 */
	body[33] = 0xd2;
	n = v2(buf, 0x21, 0x21, body, sizeof(body));
	assert_int_equal(proxy_parse(buf, n, &ss, &consumed), PROXY_OK);
	assert_int_equal(consumed, 52);
	expect_addr(&ss, "2001:db8::7", 1234);
	n = v2(buf, 0x21, 0x21, body, 35);
	assert_int_equal(proxy_parse(buf, n, &ss, &consumed), PROXY_ERROR);
}

static void
test_v2_local_unspec(void **state)
{
	unsigned char		 buf[64];
	struct sockaddr_storage	 ss;
	size_t			 n, consumed;

	(void)state;
	memset(&ss, 0xaa, sizeof(ss));
	/* LOCAL: a health check; the address stays. */
	n = v2(buf, 0x20, 0x00, NULL, 0);
	assert_int_equal(proxy_parse(buf, n, &ss, &consumed), PROXY_OK);
	assert_int_equal(consumed, 16);
	assert_int_equal(((unsigned char *)&ss)[0], 0xaa);
	/* LOCAL with an address block: still skipped whole. */
	n = v2(buf, 0x20, 0x11, "123456789012", 12);
	assert_int_equal(proxy_parse(buf, n, &ss, &consumed), PROXY_OK);
	assert_int_equal(consumed, 28);
	assert_int_equal(((unsigned char *)&ss)[0], 0xaa);
	/* PROXY over UNSPEC */
	n = v2(buf, 0x21, 0x00, NULL, 0);
	assert_int_equal(proxy_parse(buf, n, &ss, &consumed), PROXY_OK);
	assert_int_equal(((unsigned char *)&ss)[0], 0xaa);
}

static void
test_v2_bad(void **state)
{
	unsigned char		 buf[PROXY_V2_MAX + 64];
	unsigned char		 body[12] = { 0 };
	struct sockaddr_storage	 ss;
	size_t			 n, consumed;

	(void)state;
	/* version 1 and 3 in the binary form */
	n = v2(buf, 0x11, 0x11, body, 12);
	assert_int_equal(proxy_parse(buf, n, &ss, &consumed), PROXY_ERROR);
	n = v2(buf, 0x31, 0x11, body, 12);
	assert_int_equal(proxy_parse(buf, n, &ss, &consumed), PROXY_ERROR);
	/* unknown command */
	n = v2(buf, 0x22, 0x11, body, 12);
	assert_int_equal(proxy_parse(buf, n, &ss, &consumed), PROXY_ERROR);
	/* UDP, UNIX: not for us */
	n = v2(buf, 0x21, 0x12, body, 12);
	assert_int_equal(proxy_parse(buf, n, &ss, &consumed), PROXY_ERROR);
	n = v2(buf, 0x21, 0x31, body, 12);
	assert_int_equal(proxy_parse(buf, n, &ss, &consumed), PROXY_ERROR);
	/* a length beyond what we accept */
	memset(buf, 0, sizeof(buf));
	n = v2(buf, 0x21, 0x11, NULL, 0);
	buf[14] = 0xff;
	buf[15] = 0xff;
	assert_int_equal(proxy_parse(buf, sizeof(buf), &ss, &consumed),
	    PROXY_ERROR);
	/* the signature with one byte wrong */
	n = v2(buf, 0x21, 0x11, body, 12);
	buf[11] = 'X';
	assert_int_equal(proxy_parse(buf, n, &ss, &consumed), PROXY_ERROR);
}

/* Every prefix of a valid header asks for more and consumes nothing. */
static void
test_v2_partial(void **state)
{
	unsigned char		 buf[64], body[12] = { 1, 2, 3, 4 };
	struct sockaddr_storage	 ss;
	size_t			 n, i, consumed;

	(void)state;
	n = v2(buf, 0x21, 0x11, body, sizeof(body));
	for (i = 0; i < n; i++) {
		consumed = 99;
		if (proxy_parse(buf, i, &ss, &consumed) != PROXY_WANT)
			fail_msg("prefix of %zu bytes not PROXY_WANT", i);
		assert_int_equal(consumed, 0);
	}
	assert_int_equal(proxy_parse(buf, n, &ss, &consumed), PROXY_OK);
}

/* proxy_read on a socketpair: takes the header, leaves the rest. */
static void
test_read_socket(void **state)
{
	const char		*hdr = "PROXY TCP4 198.51.100.2 127.0.0.1 "
				    "40000 70\r\n";
	struct sockaddr_storage	 ss;
	char			 rest[16];
	int			 sv[2], partial;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	/* nothing yet: want, not partial */
	assert_int_equal(write(sv[1], "PROXY TCP4", 10), 10);
	assert_int_equal(proxy_read(sv[0], &ss, &partial), PROXY_WANT);
	assert_int_equal(partial, 1);
	assert_int_equal(write(sv[1], hdr + 10, strlen(hdr) - 10),
	    (ssize_t)(strlen(hdr) - 10));
	assert_int_equal(write(sv[1], "/about\r\n", 8), 8);
	assert_int_equal(proxy_read(sv[0], &ss, &partial), PROXY_OK);
	expect_addr(&ss, "198.51.100.2", 40000);
	assert_int_equal(read(sv[0], rest, sizeof(rest)), 8);
	assert_memory_equal(rest, "/about\r\n", 8);
	/* EOF before a header: refused */
	close(sv[1]);
	assert_int_equal(proxy_read(sv[0], &ss, &partial), PROXY_ERROR);
	close(sv[0]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v1_table),
		cmocka_unit_test(test_v1_followed_by_data),
		cmocka_unit_test(test_v1_too_long),
		cmocka_unit_test(test_v1_embedded_nul),
		cmocka_unit_test(test_v2_tcp4),
		cmocka_unit_test(test_v2_tcp6),
		cmocka_unit_test(test_v2_local_unspec),
		cmocka_unit_test(test_v2_bad),
		cmocka_unit_test(test_v2_partial),
		cmocka_unit_test(test_read_socket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
