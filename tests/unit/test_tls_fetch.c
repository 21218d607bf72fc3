/* SPDX-License-Identifier: ISC */
/*
 * Unit tests: the cache of OpenSSL fetches and key-type name walks
 * (tls_fetch.c), which this test program's calls go through as libssl's
 * do: it answers repeats in the cached context only, keeps contexts and
 * properties apart, gives the library's own answers, and lets go.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/provider.h>

#include "tls_fetch.h"
#include "tls_provider.h"

static OSSL_LIB_CTX	*cached;	/* the default provider and ours */
static OSSL_LIB_CTX	*other;		/* the default provider only */
static OSSL_PROVIDER	*loaded[3];

static int
setup(void **state)
{
	(void)state;
	if ((cached = OSSL_LIB_CTX_new()) == NULL ||
	    (loaded[0] = OSSL_PROVIDER_load(cached, "default")) == NULL ||
	    (loaded[1] = tls_provider_load(cached)) == NULL ||
	    (other = OSSL_LIB_CTX_new()) == NULL ||
	    (loaded[2] = OSSL_PROVIDER_load(other, "default")) == NULL)
		return -1;
	tls_fetch_cache_for(cached);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	tls_fetch_cache_for(NULL);	/* the table's references go first */
	OSSL_PROVIDER_unload(loaded[2]);
	OSSL_PROVIDER_unload(loaded[1]);
	OSSL_PROVIDER_unload(loaded[0]);
	OSSL_LIB_CTX_free(other);
	OSSL_LIB_CTX_free(cached);
	return 0;
}

static void
a_repeated_fetch_is_answered_from_the_cache(void **state)
{
	EVP_KDF		*first, *again;
	EVP_KDF_CTX	*kctx;
	unsigned long	 hits;

	(void)state;
	first = EVP_KDF_fetch(cached, "TLS13-KDF", TLS_PROVIDER_PROPQ);
	assert_non_null(first);
	hits = tls_fetch_hits();
	again = EVP_KDF_fetch(cached, "TLS13-KDF", TLS_PROVIDER_PROPQ);
	assert_ptr_equal(again, first);
	assert_int_equal(tls_fetch_hits(), hits + 1);
	assert_string_equal(OSSL_PROVIDER_get0_name(EVP_KDF_get0_provider(
	    again)), "broadside");
	/* Each answer is a reference of its own: both frees are needed. */
	EVP_KDF_free(first);
	assert_non_null(kctx = EVP_KDF_CTX_new(again));
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(again);
}

static void
properties_and_contexts_are_kept_apart(void **state)
{
	EVP_MD		*any, *dflt, *elsewhere, *again;
	unsigned long	 hits;

	(void)state;
	any = EVP_MD_fetch(cached, "SHA2-512", NULL);
	dflt = EVP_MD_fetch(cached, "SHA2-512", "provider=default");
	assert_non_null(any);
	assert_non_null(dflt);
	hits = tls_fetch_hits();
	elsewhere = EVP_MD_fetch(other, "SHA2-512", NULL);
	assert_non_null(elsewhere);
	assert_int_equal(tls_fetch_hits(), hits);	/* not our context */
	assert_string_equal(OSSL_PROVIDER_get0_name(EVP_MD_get0_provider(
	    dflt)), "default");
	again = EVP_MD_fetch(cached, "SHA2-512", "provider=default");
	assert_ptr_equal(again, dflt);
	assert_int_equal(tls_fetch_hits(), hits + 1);
	EVP_MD_free(again);
	EVP_MD_free(elsewhere);
	EVP_MD_free(dflt);
	EVP_MD_free(any);
}

static void
what_does_not_exist_is_asked_again(void **state)
{
	unsigned long	 hits;

	(void)state;
	hits = tls_fetch_hits();
	assert_null(EVP_MAC_fetch(cached, "NO-SUCH-MAC", NULL));
	assert_null(EVP_MAC_fetch(cached, "NO-SUCH-MAC", NULL));
	assert_null(EVP_CIPHER_fetch(cached, NULL, NULL));
	assert_int_equal(tls_fetch_hits(), hits);
}

struct names {
	char	 list[16][64];
	int	 n;
};

static void
add_name(const char *name, void *arg)
{
	struct names	*names = arg;

	if (names->n < 16)
		strncpy(names->list[names->n++], name, 63);
}

static void
key_type_names_are_the_librarys(void **state)
{
	EVP_KEYMGMT	*km;
	struct names	 real, first, again;
	unsigned long	 hits;
	int		 i, x25519;

	(void)state;
	memset(&real, 0, sizeof(real));
	memset(&first, 0, sizeof(first));
	memset(&again, 0, sizeof(again));
	assert_non_null(km = EVP_KEYMGMT_fetch(cached, "X25519", NULL));
	tls_fetch_cache_for(NULL);	/* the library's own walk */
	assert_int_equal(EVP_KEYMGMT_names_do_all(km, add_name, &real), 1);
	tls_fetch_cache_for(cached);
	assert_int_equal(EVP_KEYMGMT_names_do_all(km, add_name, &first), 1);
	hits = tls_fetch_hits();
	assert_int_equal(EVP_KEYMGMT_names_do_all(km, add_name, &again), 1);
	assert_int_equal(tls_fetch_hits(), hits + 1);
	assert_true(real.n > 0);
	assert_int_equal(first.n, real.n);
	assert_int_equal(again.n, real.n);
	for (x25519 = 0, i = 0; i < real.n; i++) {
		assert_string_equal(first.list[i], real.list[i]);
		assert_string_equal(again.list[i], real.list[i]);
		x25519 |= strcmp(real.list[i], "X25519") == 0;
	}
	assert_true(x25519);
	EVP_KEYMGMT_free(km);	/* the cache holds its own reference */
	memset(&again, 0, sizeof(again));
	assert_int_equal(EVP_KEYMGMT_names_do_all(km, add_name, &again), 1);
	assert_int_equal(again.n, real.n);
}

static void
an_uncached_context_goes_to_the_library(void **state)
{
	EVP_KDF		*kdf;
	unsigned long	 hits;

	(void)state;
	tls_fetch_cache_for(NULL);
	hits = tls_fetch_hits();
	assert_non_null(kdf = EVP_KDF_fetch(cached, "HKDF", NULL));
	EVP_KDF_free(kdf);
	assert_non_null(kdf = EVP_KDF_fetch(cached, "HKDF", NULL));
	EVP_KDF_free(kdf);
	assert_int_equal(tls_fetch_hits(), hits);
	tls_fetch_cache_for(cached);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_repeated_fetch_is_answered_from_the_cache),
		cmocka_unit_test(properties_and_contexts_are_kept_apart),
		cmocka_unit_test(what_does_not_exist_is_asked_again),
		cmocka_unit_test(key_type_names_are_the_librarys),
		cmocka_unit_test(an_uncached_context_goes_to_the_library),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
