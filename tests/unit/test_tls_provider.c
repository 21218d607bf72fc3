/* SPDX-License-Identifier: ISC */
/*
 * Unit tests: our provider's TLS13-KDF and HMAC (tls_provider.c,
 * tls_hkdf.c, tls_hmac.c) against OpenSSL's default provider, input for
 * input, and against RFC 8448's key schedule.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include "tls_provider.h"

static OSSL_LIB_CTX	*theirs;	/* the default provider only */
static OSSL_LIB_CTX	*ours;		/* the default provider and ours */
static OSSL_PROVIDER	*loaded[3];

static int
setup(void **state)
{
	(void)state;
	if ((theirs = OSSL_LIB_CTX_new()) == NULL ||
	    (loaded[0] = OSSL_PROVIDER_load(theirs, "default")) == NULL ||
	    (ours = OSSL_LIB_CTX_new()) == NULL ||
	    (loaded[1] = OSSL_PROVIDER_load(ours, "default")) == NULL ||
	    (loaded[2] = tls_provider_load(ours)) == NULL)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	OSSL_PROVIDER_unload(loaded[2]);
	OSSL_PROVIDER_unload(loaded[1]);
	OSSL_PROVIDER_unload(loaded[0]);
	OSSL_LIB_CTX_free(theirs);
	OSSL_LIB_CTX_free(ours);
	return 0;
}

/* -- TLS13-KDF ---------------------------------------------------------- */

struct kdf_in {
	const char		*md;
	int			 mode;
	const unsigned char	*key, *salt, *label, *data;
	size_t			 keylen, saltlen, labellen, datalen;
};

/* A derivation as libssl asks for one; the output length, or -1. */
static int
kdf_run(OSSL_LIB_CTX *lctx, const char *props, const struct kdf_in *in,
    unsigned char *out, size_t outlen, const char **provname)
{
	OSSL_PARAM	 params[8], *p = params;
	EVP_KDF		*kdf;
	EVP_KDF_CTX	*kctx;
	int		 mode = in->mode, rv = -1;

	if ((kdf = EVP_KDF_fetch(lctx, OSSL_KDF_NAME_TLS1_3_KDF, props)) ==
	    NULL)
		return -1;
	if (provname != NULL)
		*provname = OSSL_PROVIDER_get0_name(EVP_KDF_get0_provider(kdf));
	kctx = EVP_KDF_CTX_new(kdf);
	EVP_KDF_free(kdf);
	if (kctx == NULL)
		return -1;
	*p++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	    (char *)(uintptr_t)in->md, 0);
	if (in->key != NULL)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
		    (void *)(uintptr_t)in->key, in->keylen);
	if (in->salt != NULL)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
		    (void *)(uintptr_t)in->salt, in->saltlen);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PREFIX,
	    (void *)(uintptr_t)"tls13 ", 6);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_LABEL,
	    (void *)(uintptr_t)in->label, in->labellen);
	if (in->data != NULL)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_DATA,
		    (void *)(uintptr_t)in->data, in->datalen);
	*p = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(kctx, out, outlen, params) > 0)
		rv = (int)outlen;
	EVP_KDF_CTX_free(kctx);
	return rv;
}

/* Ours gives what OpenSSL's gives, or fails where it fails. */
static void
kdf_same(const struct kdf_in *in, size_t outlen)
{
	static unsigned char a[255 * 64 + 64], b[255 * 64 + 64];
	const char	*name = NULL;
	int		 ra, rb;

	assert_true(outlen <= sizeof(a));
	memset(a, 0xaa, sizeof(a));
	memset(b, 0x55, sizeof(b));
	ra = kdf_run(theirs, NULL, in, a, outlen, NULL);
	rb = kdf_run(ours, "provider=broadside", in, b, outlen, &name);
	assert_non_null(name);
	assert_string_equal(name, "broadside");
	assert_int_equal(ra, rb);
	if (ra > 0)
		assert_memory_equal(a, b, outlen);
}

static void
test_kdf_expand_matches_openssl(void **state)
{
	static const char *const mds[] = { "SHA2-256", "SHA2-384", "SHA2-512",
	    "SHA256" };
	static const size_t lens[] = { 1, 12, 16, 32, 48, 64, 100, 255 };
	unsigned char	 key[200], data[80], label[249];
	struct kdf_in	 in;
	size_t		 m, l, i;

	(void)state;
	assert_int_equal(RAND_bytes(key, sizeof(key)), 1);
	assert_int_equal(RAND_bytes(data, sizeof(data)), 1);
	memset(label, 'k', sizeof(label));
	for (m = 0; m < sizeof(mds) / sizeof(mds[0]); m++)
		for (l = 0; l < sizeof(lens) / sizeof(lens[0]); l++)
			for (i = 0; i < 4; i++) {
				memset(&in, 0, sizeof(in));
				in.md = mds[m];
				in.mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
				in.key = key;
				in.keylen = i == 3 ? sizeof(key) : 32 + 16 * i;
				in.label = label;
				in.labellen = (size_t[]){ 3, 0, 249, 17 }[i];
				in.data = i == 1 ? NULL : data;
				in.datalen = i * 20;
				kdf_same(&in, lens[l]);
			}
}

static void
test_kdf_extract_matches_openssl(void **state)
{
	static const char *const mds[] = { "SHA2-256", "SHA2-384" };
	unsigned char	 key[300], salt[48];
	struct kdf_in	 in;
	size_t		 m, i, hl;

	(void)state;
	assert_int_equal(RAND_bytes(key, sizeof(key)), 1);
	assert_int_equal(RAND_bytes(salt, sizeof(salt)), 1);
	for (m = 0; m < sizeof(mds) / sizeof(mds[0]); m++) {
		hl = m == 0 ? 32 : 48;
		for (i = 0; i < 8; i++) {
			memset(&in, 0, sizeof(in));
			in.md = mds[m];
			in.mode = EVP_KDF_HKDF_MODE_EXTRACT_ONLY;
			in.key = (i & 1) ? key : NULL;
			in.keylen = (i & 4) ? sizeof(key) : 32;
			in.salt = (i & 2) ? salt : NULL;
			in.saltlen = hl;
			in.label = (const unsigned char *)"derived";
			in.labellen = 7;
			kdf_same(&in, hl);
		}
		/* The output is the digest's size, nothing else. */
		kdf_same(&in, hl - 1);
		kdf_same(&in, hl + 1);
	}
}

static void
test_kdf_refuses_what_openssl_refuses(void **state)
{
	unsigned char	 key[32] = { 1 };
	struct kdf_in	 in;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.md = "SHA2-256";
	in.label = (const unsigned char *)"key";
	in.labellen = 3;
	in.mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
	kdf_same(&in, 16);			/* no key */
	in.key = key;
	in.keylen = sizeof(key);
	in.mode = EVP_KDF_HKDF_MODE_EXTRACT_AND_EXPAND;
	kdf_same(&in, 32);			/* not a TLS 1.3 mode */
	in.mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
	in.md = "no-such-digest";
	kdf_same(&in, 16);
	in.md = "SHA2-256";
	kdf_same(&in, 255 * 32 + 1);		/* longer than HKDF gives */
}

static void
hex(const char *s, unsigned char *out, size_t len)
{
	size_t		 i;
	unsigned int	 v;

	assert_int_equal(strlen(s), len * 2);
	for (i = 0; i < len; i++) {
		assert_int_equal(sscanf(s + 2 * i, "%2x", &v), 1);
		out[i] = (unsigned char)v;
	}
}

/* RFC 8448, 3 (a simple 1-RTT handshake): the early and handshake secrets. */
static void
test_kdf_rfc8448_key_schedule(void **state)
{
	unsigned char	 ecdhe[32], early[32], hs[32], want[32], out[32];
	struct kdf_in	 in;

	(void)state;
	hex("8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d",
	    ecdhe, 32);
	hex("33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a",
	    early, 32);
	hex("1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac",
	    hs, 32);
	memset(&in, 0, sizeof(in));
	in.md = "SHA2-256";
	in.mode = EVP_KDF_HKDF_MODE_EXTRACT_ONLY;
	in.label = (const unsigned char *)"derived";
	in.labellen = 7;
	assert_int_equal(kdf_run(ours, "provider=broadside", &in, out, 32,
	    NULL), 32);
	assert_memory_equal(out, early, 32);
	in.key = ecdhe;
	in.keylen = 32;
	in.salt = early;
	in.saltlen = 32;
	memcpy(want, hs, 32);
	assert_int_equal(kdf_run(ours, "provider=broadside", &in, out, 32,
	    NULL), 32);
	assert_memory_equal(out, want, 32);
}

/* -- HMAC --------------------------------------------------------------- */

static void
test_hmac_q_mac_matches_openssl(void **state)
{
	static const char *const mds[] = { "SHA2-256", "SHA2-384", "SHA1",
	    "SHA2-512" };
	static const size_t keylens[] = { 0, 1, 32, 64, 65, 128, 129, 200 };
	static const size_t msglens[] = { 0, 1, 55, 64, 1000 };
	unsigned char	 key[200], msg[1000], a[64], b[64];
	size_t		 m, k, n, la, lb;

	(void)state;
	assert_int_equal(RAND_bytes(key, sizeof(key)), 1);
	assert_int_equal(RAND_bytes(msg, sizeof(msg)), 1);
	for (m = 0; m < sizeof(mds) / sizeof(mds[0]); m++)
		for (k = 0; k < sizeof(keylens) / sizeof(keylens[0]); k++)
			for (n = 0; n < sizeof(msglens) / sizeof(msglens[0]);
			    n++) {
				assert_non_null(EVP_Q_mac(theirs, "HMAC", NULL,
				    mds[m], NULL, key, keylens[k], msg,
				    msglens[n], a, sizeof(a), &la));
				assert_non_null(EVP_Q_mac(ours, "HMAC",
				    "provider=broadside", mds[m], NULL, key,
				    keylens[k], msg, msglens[n], b, sizeof(b),
				    &lb));
				assert_int_equal(la, lb);
				assert_memory_equal(a, b, la);
			}
}

static EVP_MAC_CTX *
mac_ctx(OSSL_LIB_CTX *lctx, const char *props, const unsigned char *key,
    size_t keylen)
{
	OSSL_PARAM	 params[3];
	EVP_MAC		*mac;
	EVP_MAC_CTX	*ctx;

	assert_non_null(mac = EVP_MAC_fetch(lctx, "HMAC", props));
	ctx = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac);
	assert_non_null(ctx);
	/* As for session tickets: the key before the digest, in params. */
	params[0] = OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY,
	    (void *)(uintptr_t)key, keylen);
	params[1] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)(uintptr_t)"SHA256", 0);
	params[2] = OSSL_PARAM_construct_end();
	assert_int_equal(EVP_MAC_CTX_set_params(ctx, params), 1);
	return ctx;
}

static void
mac_part(EVP_MAC_CTX *ctx, const char *s)
{
	assert_int_equal(EVP_MAC_update(ctx, (const unsigned char *)s,
	    strlen(s)), 1);
}

static void
mac_end(EVP_MAC_CTX *ctx, unsigned char *out, size_t *len)
{
	assert_int_equal(EVP_MAC_CTX_get_mac_size(ctx), 32);
	assert_int_equal(EVP_MAC_final(ctx, out, len, 64), 1);
	assert_int_equal(*len, 32);
}

static void
test_hmac_ctx_keyed_by_params_reused_and_copied(void **state)
{
	unsigned char	 key[32] = { 7, 7, 7 }, a[64], b[64], c[64], d[64];
	EVP_MAC_CTX	*t, *o, *dup;
	size_t		 la, lb, lc, ld;

	(void)state;
	t = mac_ctx(theirs, NULL, key, sizeof(key));
	o = mac_ctx(ours, "provider=broadside", key, sizeof(key));
	mac_part(t, "a ticket's ");
	mac_part(o, "a ticket's ");
	assert_non_null(dup = EVP_MAC_CTX_dup(o));
	mac_part(t, "encrypted state");
	mac_part(o, "encrypted state");
	mac_part(dup, "encrypted state");
	mac_end(t, a, &la);
	mac_end(o, b, &lb);
	mac_end(dup, c, &lc);
	assert_memory_equal(a, b, 32);
	assert_memory_equal(a, c, 32);
	/* Again with the same key: EVP_MAC_init without one. */
	assert_int_equal(EVP_MAC_init(o, NULL, 0, NULL), 1);
	mac_part(o, "a ticket's encrypted state");
	mac_end(o, d, &ld);
	assert_memory_equal(a, d, 32);
	/* A short buffer is refused, not overrun. */
	assert_int_equal(EVP_MAC_init(o, NULL, 0, NULL), 1);
	assert_int_equal(EVP_MAC_final(o, d, &ld, 31), 0);
	EVP_MAC_CTX_free(t);
	EVP_MAC_CTX_free(o);
	EVP_MAC_CTX_free(dup);
}

static void
test_hmac_refuses_the_cbc_record_mac(void **state)
{
	unsigned char	 key[32] = { 1 };
	OSSL_PARAM	 params[2];
	EVP_MAC_CTX	*o;
	size_t		 n = 100;

	(void)state;
	o = mac_ctx(ours, "provider=broadside", key, sizeof(key));
	params[0] = OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_TLS_DATA_SIZE,
	    &n);
	params[1] = OSSL_PARAM_construct_end();
	assert_int_equal(EVP_MAC_CTX_set_params(o, params), 0);
	EVP_MAC_CTX_free(o);
}

/* The library context of the server prefers ours without being told. */
static void
test_propq_prefers_ours(void **state)
{
	EVP_KDF	*kdf;
	EVP_MAC	*mac;

	(void)state;
	assert_non_null(kdf = EVP_KDF_fetch(ours, OSSL_KDF_NAME_TLS1_3_KDF,
	    TLS_PROVIDER_PROPQ));
	assert_string_equal(OSSL_PROVIDER_get0_name(EVP_KDF_get0_provider(kdf)),
	    "broadside");
	EVP_KDF_free(kdf);
	assert_non_null(mac = EVP_MAC_fetch(ours, "HMAC", TLS_PROVIDER_PROPQ));
	assert_string_equal(OSSL_PROVIDER_get0_name(EVP_MAC_get0_provider(mac)),
	    "broadside");
	EVP_MAC_free(mac);
	/* What ours lacks still comes from the default provider. */
	assert_non_null(mac = EVP_MAC_fetch(ours, "KMAC-128",
	    TLS_PROVIDER_PROPQ));
	assert_string_equal(OSSL_PROVIDER_get0_name(EVP_MAC_get0_provider(mac)),
	    "default");
	EVP_MAC_free(mac);
}

/* -- X25519 (tls_x25519.c) ---------------------------------------------- */

static EVP_PKEY *
x25519_keygen(OSSL_LIB_CTX *lc, const char *propq)
{
	EVP_PKEY_CTX	*c;
	EVP_PKEY	*k = NULL;

	assert_non_null(c = EVP_PKEY_CTX_new_from_name(lc, "X25519", propq));
	assert_int_equal(EVP_PKEY_keygen_init(c), 1);
	assert_int_equal(EVP_PKEY_keygen(c, &k), 1);
	EVP_PKEY_CTX_free(c);
	return k;
}

static int
x25519_derive(OSSL_LIB_CTX *lc, const char *propq, EVP_PKEY *mine,
    EVP_PKEY *peer, unsigned char out[32])
{
	EVP_PKEY_CTX	*c;
	size_t		 len = 32;
	int		 ok;

	assert_non_null(c = EVP_PKEY_CTX_new_from_pkey(lc, mine, propq));
	ok = EVP_PKEY_derive_init(c) == 1 &&
	    EVP_PKEY_derive_set_peer(c, peer) == 1 &&
	    EVP_PKEY_derive(c, out, &len) == 1 && len == 32;
	EVP_PKEY_CTX_free(c);
	return ok;
}

/* Our key pairs: the public key is the private key's, as OpenSSL makes it. */
static void
test_x25519_keys_are_openssls(void **state)
{
	unsigned char	 priv[32], pub[32], want[32], prev[32] = { 0 };
	size_t		 len;
	EVP_KEYMGMT	*km;
	EVP_PKEY	*k, *t;
	int		 i;

	(void)state;
	assert_non_null(km = EVP_KEYMGMT_fetch(ours, "X25519",
	    TLS_PROVIDER_PROPQ));
	assert_string_equal(OSSL_PROVIDER_get0_name(
	    EVP_KEYMGMT_get0_provider(km)), "broadside");
	EVP_KEYMGMT_free(km);
	for (i = 0; i < 64; i++) {
		k = x25519_keygen(ours, TLS_PROVIDER_PROPQ);
		len = sizeof(priv);
		assert_int_equal(EVP_PKEY_get_raw_private_key(k, priv, &len), 1);
		assert_int_equal(len, 32);
		len = sizeof(pub);
		assert_int_equal(EVP_PKEY_get_raw_public_key(k, pub, &len), 1);
		assert_int_equal(len, 32);
		/* Clamped (RFC 7748), and a new key each time. */
		assert_int_equal(priv[0] & 7, 0);
		assert_int_equal(priv[31] & 0xc0, 0x40);
		assert_memory_not_equal(pub, prev, 32);
		memcpy(prev, pub, 32);
		assert_non_null(t = EVP_PKEY_new_raw_private_key_ex(theirs,
		    "X25519", NULL, priv, sizeof(priv)));
		len = sizeof(want);
		assert_int_equal(EVP_PKEY_get_raw_public_key(t, want, &len), 1);
		assert_memory_equal(pub, want, 32);
		EVP_PKEY_free(t);
		EVP_PKEY_free(k);
	}
}

/* An exchange between our key and OpenSSL's agrees, both ways round. */
static void
test_x25519_exchange_agrees(void **state)
{
	unsigned char	 pub[32], a[32], b[32], zero[32] = { 0 };
	size_t		 len;
	EVP_PKEY	*k, *kpub, *t, *tpub, *bad;
	int		 i;

	(void)state;
	for (i = 0; i < 16; i++) {
		k = x25519_keygen(ours, TLS_PROVIDER_PROPQ);
		t = x25519_keygen(theirs, NULL);
		len = sizeof(pub);
		assert_int_equal(EVP_PKEY_get_raw_public_key(t, pub, &len), 1);
		/* Their share as libssl makes a peer's key: in our context. */
		assert_non_null(tpub = EVP_PKEY_new_raw_public_key_ex(ours,
		    "X25519", TLS_PROVIDER_PROPQ, pub, sizeof(pub)));
		len = sizeof(pub);
		assert_int_equal(EVP_PKEY_get_raw_public_key(k, pub, &len), 1);
		assert_non_null(kpub = EVP_PKEY_new_raw_public_key_ex(theirs,
		    "X25519", NULL, pub, sizeof(pub)));
		assert_true(x25519_derive(ours, TLS_PROVIDER_PROPQ, k, tpub, a));
		assert_true(x25519_derive(theirs, NULL, t, kpub, b));
		assert_memory_equal(a, b, 32);
		EVP_PKEY_free(kpub);
		EVP_PKEY_free(tpub);
		EVP_PKEY_free(t);
		/* A share of small order gives all zeros: refused. */
		assert_non_null(bad = EVP_PKEY_new_raw_public_key_ex(ours,
		    "X25519", TLS_PROVIDER_PROPQ, zero, sizeof(zero)));
		assert_false(x25519_derive(ours, TLS_PROVIDER_PROPQ, k, bad, a));
		EVP_PKEY_free(bad);
		EVP_PKEY_free(k);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kdf_expand_matches_openssl),
		cmocka_unit_test(test_kdf_extract_matches_openssl),
		cmocka_unit_test(test_kdf_refuses_what_openssl_refuses),
		cmocka_unit_test(test_kdf_rfc8448_key_schedule),
		cmocka_unit_test(test_hmac_q_mac_matches_openssl),
		cmocka_unit_test(test_hmac_ctx_keyed_by_params_reused_and_copied),
		cmocka_unit_test(test_hmac_refuses_the_cbc_record_mac),
		cmocka_unit_test(test_propq_prefers_ours),
		cmocka_unit_test(test_x25519_keys_are_openssls),
		cmocka_unit_test(test_x25519_exchange_agrees),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
