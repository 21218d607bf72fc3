/* SPDX-License-Identifier: ISC */
/*
 * Unit tests: tls_session.c's interposed i2d_SSL_SESSION and
 * d2i_SSL_SESSION, which this test program's calls go through as libssl's
 * do: libssl's ticket sequence (encode, decode the bytes, encode the copy
 * twice) is answered from the first encoding, byte for byte the
 * library's; every other call, or a broken sequence, is the library's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/ssl.h>

#include "tls_session.h"

static SSL_CTX	*ctx;

static int
setup(void **state)
{
	(void)state;
	return (ctx = SSL_CTX_new(TLS_server_method())) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	SSL_CTX_free(ctx);
	return 0;
}

/* A session as a TLS 1.3 server has one: cipher, secret, times, name. */
static SSL_SESSION *
session(unsigned char fill, long t)
{
	unsigned char		 key[48];
	const SSL_CIPHER	*c;
	SSL			*ssl;
	SSL_SESSION		*s;

	memset(key, fill, sizeof(key));
	assert_non_null(ssl = SSL_new(ctx));
	assert_non_null(c = SSL_CIPHER_find(ssl,
	    (const unsigned char *)"\x13\x01"));
	assert_non_null(s = SSL_SESSION_new());
	assert_int_equal(SSL_SESSION_set_protocol_version(s, TLS1_3_VERSION),
	    1);
	assert_int_equal(SSL_SESSION_set_cipher(s, c), 1);
	assert_int_equal(SSL_SESSION_set1_master_key(s, key, 32), 1);
	assert_int_equal(SSL_SESSION_set1_hostname(s, "localhost"), 1);
	assert_true(SSL_SESSION_set_time(s, t) != 0);
	assert_true(SSL_SESSION_set_timeout(s, 7200) != 0);
	SSL_free(ssl);
	return s;
}

/* Encode as libssl does: the length, then the bytes.  Returns the length. */
static int
encode(const SSL_SESSION *s, unsigned char *buf, size_t size)
{
	unsigned char	*p = buf;
	int		 n;

	n = i2d_SSL_SESSION(s, NULL);
	assert_true(n > 0 && (size_t)n <= size);
	assert_int_equal(i2d_SSL_SESSION(s, &p), n);
	assert_ptr_equal(p, buf + n);
	return n;
}

static void
the_ticket_sequence_is_served_from_one_encoding(void **state)
{
	unsigned char		 a[4096], b[4096], c[4096];
	const unsigned char	*q;
	unsigned long		 hits = tls_session_memo_hits();
	SSL_SESSION		*s, *copy, *back;
	int			 n;

	(void)state;
	s = session(0x5a, 1700000000);
	n = encode(s, a, sizeof(a));
	q = a;
	assert_non_null(copy = d2i_SSL_SESSION(NULL, &q, n));
	assert_ptr_equal(q, a + n);
	assert_int_equal(encode(copy, b, sizeof(b)), n);
	assert_memory_equal(a, b, (size_t)n);
	assert_int_equal(tls_session_memo_hits(), hits + 1);
	SSL_SESSION_free(copy);
	/* The library's own decoding of those bytes encodes to them too. */
	q = a;
	assert_non_null(back = d2i_SSL_SESSION(NULL, &q, n));
	assert_int_equal(tls_session_memo_hits(), hits + 1);
	assert_int_equal(SSL_SESSION_get_time(back), 1700000000);
	assert_int_equal(encode(back, c, sizeof(c)), n);
	assert_memory_equal(a, c, (size_t)n);
	SSL_SESSION_free(back);
	SSL_SESSION_free(s);
}

static void
other_bytes_are_decoded_by_the_library(void **state)
{
	unsigned char		 a[4096], b[4096];
	const unsigned char	*q;
	unsigned long		 hits = tls_session_memo_hits();
	SSL_SESSION		*s, *t, *got;
	unsigned char		 key[48];
	int			 nb;

	(void)state;
	s = session(0x11, 1700000000);
	t = session(0x22, 1700000100);
	nb = encode(t, b, sizeof(b));
	(void)encode(s, a, sizeof(a));	/* the last encoded: s */
	q = b;
	assert_non_null(got = d2i_SSL_SESSION(NULL, &q, nb));
	assert_int_equal(SSL_SESSION_get_master_key(got, key, sizeof(key)), 32);
	assert_int_equal(key[0], 0x22);
	assert_int_equal(SSL_SESSION_get_time(got), 1700000100);
	SSL_SESSION_free(got);
	assert_int_equal(tls_session_memo_hits(), hits);
	SSL_SESSION_free(s);
	SSL_SESSION_free(t);
}

static void
a_broken_sequence_is_the_librarys(void **state)
{
	unsigned char		 a[4096], b[4096], x[4096];
	const unsigned char	*q;
	unsigned long		 hits = tls_session_memo_hits();
	SSL_SESSION		*s, *other, *copy;
	int			 n;

	(void)state;
	s = session(0x33, 1700000000);
	other = session(0x44, 1700000000);
	n = encode(s, a, sizeof(a));
	q = a;
	assert_non_null(copy = d2i_SSL_SESSION(NULL, &q, n));
	/* Changed, and another call in between: the copy is encoded anew. */
	assert_true(SSL_SESSION_set_time(copy, 1800000000) != 0);
	(void)encode(other, x, sizeof(x));
	(void)encode(copy, b, sizeof(b));
	assert_memory_not_equal(a, b, (size_t)n);
	q = b;
	SSL_SESSION_free(copy);
	assert_non_null(copy = d2i_SSL_SESSION(NULL, &q, n));
	assert_int_equal(SSL_SESSION_get_time(copy), 1800000000);
	assert_int_equal(tls_session_memo_hits(), hits);
	SSL_SESSION_free(copy);
	SSL_SESSION_free(other);
	SSL_SESSION_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_ticket_sequence_is_served_from_one_encoding),
		cmocka_unit_test(other_bytes_are_decoded_by_the_library),
		cmocka_unit_test(a_broken_sequence_is_the_librarys),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
