/* SPDX-License-Identifier: ISC */
/*
 * Unit tests: tls_uniq.c's byte strings never repeat, fill any length,
 * are not the counter in clear, start a new stream in a forked child, and
 * the session ID callback stays within the longest session ID.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <setjmp.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/provider.h>
#include <openssl/ssl.h>

#include "tls_uniq.h"

#define MANY	4096

static OSSL_LIB_CTX	*libctx;
static OSSL_PROVIDER	*prov;

static int
setup(void **state)
{
	(void)state;
	if ((libctx = OSSL_LIB_CTX_new()) == NULL ||
	    (prov = OSSL_PROVIDER_load(libctx, "default")) == NULL)
		return -1;
	return tls_uniq_init(libctx) == 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	OSSL_PROVIDER_unload(prov);
	OSSL_LIB_CTX_free(libctx);
	return 0;
}

static int
cmp32(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

static void
no_two_alike(void **state)
{
	unsigned char	(*ids)[32];
	size_t		 i;

	(void)state;
	assert_non_null(ids = calloc(MANY, sizeof(*ids)));
	for (i = 0; i < MANY; i++)
		assert_int_equal(tls_uniq_bytes(ids[i], sizeof(ids[i])), 1);
	qsort(ids, MANY, sizeof(*ids), cmp32);
	for (i = 1; i < MANY; i++)
		assert_memory_not_equal(ids[i - 1], ids[i], sizeof(ids[i]));
	free(ids);
}

static void
any_length_is_filled(void **state)
{
	static const size_t	 lens[] = { 1, 5, 15, 16, 17, 32, 33, 64, 65,
	    100, 300 };
	unsigned char		 buf[310];
	size_t			 i, j, zeros;

	(void)state;
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		memset(buf, 0, sizeof(buf));
		assert_int_equal(tls_uniq_bytes(buf, lens[i]), 1);
		/* Nothing written past the end. */
		for (j = lens[i]; j < sizeof(buf); j++)
			assert_int_equal(buf[j], 0);
		/* Not the zero-padded counter: most bytes are not zero. */
		for (zeros = 0, j = 0; j < lens[i]; j++)
			zeros += buf[j] == 0;
		assert_true(lens[i] < 16 || zeros < lens[i] / 4);
	}
}

static void
a_forked_child_has_its_own_stream(void **state)
{
	unsigned char	 mine[32], theirs[32];
	int		 fds[2], st;
	pid_t		 pid;

	(void)state;
	assert_int_equal(tls_uniq_bytes(mine, 16), 1);	/* keyed here */
	assert_int_equal(pipe(fds), 0);
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		close(fds[0]);
		if (tls_uniq_bytes(theirs, sizeof(theirs)) != 1 ||
		    write(fds[1], theirs, sizeof(theirs)) != sizeof(theirs))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	assert_int_equal(tls_uniq_bytes(mine, sizeof(mine)), 1);
	assert_int_equal(read(fds[0], theirs, sizeof(theirs)), sizeof(theirs));
	close(fds[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* Had the child kept the parent's key, its next blocks would be ours. */
	assert_memory_not_equal(mine, theirs, 16);
	assert_memory_not_equal(mine + 16, theirs + 16, 16);
}

static void
session_ids_fit(void **state)
{
	unsigned char	 id[SSL_MAX_SSL_SESSION_ID_LENGTH + 8];
	unsigned int	 len = sizeof(id);

	(void)state;
	memset(id, 0, sizeof(id));
	assert_int_equal(tls_uniq_session_id(NULL, id, &len), 1);
	assert_int_equal(len, SSL_MAX_SSL_SESSION_ID_LENGTH);
	len = 20;
	assert_int_equal(tls_uniq_session_id(NULL, id, &len), 1);
	assert_int_equal(len, 20);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(no_two_alike),
		cmocka_unit_test(any_length_is_filled),
		cmocka_unit_test(a_forked_child_has_its_own_stream),
		cmocka_unit_test(session_ids_fit),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
