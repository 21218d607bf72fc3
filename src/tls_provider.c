/* SPDX-License-Identifier: ISC */
/*
 * broadside: an OpenSSL provider of our own, "broadside", loaded next to
 * OpenSSL's default provider in the library context of the server's
 * SSL_CTX, which asks for it first (TLS_PROVIDER_PROPQ).  It has the TLS
 * 1.3 key schedule, "TLS13-KDF" (tls_hkdf.c), "HMAC" (tls_hmac.c), and
 * X25519's key manager and key exchange (tls_x25519.c): the default
 * provider's, but for how a key pair is made.
 *
 * Why: libssl derives about twenty secrets, keys and IVs a TLS 1.3
 * handshake through EVP_KDF, and computes its Finished messages, binders
 * and session tickets' MACs through EVP_MAC.  OpenSSL 3.0's
 * implementations of both fetch a digest by name and build an HMAC (two
 * more digest contexts) at every call: some 20,000 instructions a
 * derivation, a fifth of a worker's handshake.  Ours use a digest fetched
 * once and a handful of digest calls.  The hash is OpenSSL's; only HMAC and
 * HKDF, which compose it, are ours, and the unit test holds them to
 * OpenSSL's own implementations.
 */
#include <stdint.h>
#include <string.h>

#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/sha.h>

#include "tls_provider.h"

static OSSL_LIB_CTX	*provider_libctx;
/* The TLS 1.3 suites' hashes, fetched once. */
static EVP_MD		*fast_md[2];

const EVP_MD *
tls_provider_md(const char *name, const char *props, EVP_MD **fetched)
{
	size_t	 i;

	if (props == NULL || *props == '\0') {
		/* libssl names them as they were fetched: no alias to try. */
		for (i = 0; i < sizeof(fast_md) / sizeof(fast_md[0]); i++)
			if (fast_md[i] != NULL &&
			    strcmp(EVP_MD_get0_name(fast_md[i]), name) == 0)
				return fast_md[i];
		props = "provider=default";
	}
	EVP_MD_free(*fetched);
	*fetched = EVP_MD_fetch(provider_libctx, name, props);
	return *fetched;
}

int
tls_provider_md_param(const OSSL_PARAM params[], const EVP_MD **md,
    EVP_MD **fetched)
{
	const OSSL_PARAM	*p, *pp;
	const char		*props = NULL;

	/* The KDF's and the MAC's parameters have the same names. */
	if ((p = OSSL_PARAM_locate_const(params, OSSL_ALG_PARAM_DIGEST)) ==
	    NULL)
		return -1;
	if (p->data_type != OSSL_PARAM_UTF8_STRING)
		return 0;
	pp = OSSL_PARAM_locate_const(params, OSSL_ALG_PARAM_PROPERTIES);
	if (pp != NULL && pp->data_type == OSSL_PARAM_UTF8_STRING)
		props = pp->data;
	return (*md = tls_provider_md(p->data, props, fetched)) != NULL;
}

static void
add_xor(unsigned char *k, int bs, unsigned char pad)
{
	int	 i;

	for (i = 0; i < bs; i++)
		k[i] ^= pad;
}

#ifndef OPENSSL_NO_DEPRECATED_3_0
/*
 * SHA-256 and SHA-384 through their own functions, deprecated in 3.0 but
 * the same code as the provider's, without the EVP call in between: half
 * the time of a digest of two blocks.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static int
digest_parts_fast(const EVP_MD *md, const unsigned char *pad, size_t padlen,
    const struct tls_part *parts, size_t nparts, unsigned char *out)
{
	SHA256_CTX	 c256;
	SHA512_CTX	 c384;
	size_t		 i;

	if (md == fast_md[0]) {
		SHA256_Init(&c256);
		SHA256_Update(&c256, pad, padlen);
		for (i = 0; i < nparts; i++)
			SHA256_Update(&c256, parts[i].p, parts[i].len);
		SHA256_Final(out, &c256);
		OPENSSL_cleanse(&c256, sizeof(c256));
	} else {
		SHA384_Init(&c384);
		SHA384_Update(&c384, pad, padlen);
		for (i = 0; i < nparts; i++)
			SHA384_Update(&c384, parts[i].p, parts[i].len);
		SHA384_Final(out, &c384);
		OPENSSL_cleanse(&c384, sizeof(c384));
	}
	return 1;
}
#pragma GCC diagnostic pop
#endif

/* With `mc` NULL, through a digest context made for the call. */
static int
digest_parts(EVP_MD_CTX *mc, const EVP_MD *md, const unsigned char *pad,
    size_t padlen, const struct tls_part *parts, size_t nparts,
    unsigned char *out)
{
	EVP_MD_CTX	*own = NULL;
	size_t		 i;
	int		 ok = 0;

#ifndef OPENSSL_NO_DEPRECATED_3_0
	if (md == fast_md[0] || md == fast_md[1])
		return digest_parts_fast(md, pad, padlen, parts, nparts, out);
#endif
	if (mc == NULL && (mc = own = EVP_MD_CTX_new()) == NULL)
		return 0;
	if (EVP_DigestInit_ex(mc, md, NULL) != 1 ||
	    EVP_DigestUpdate(mc, pad, padlen) != 1)
		goto done;
	for (i = 0; i < nparts; i++)
		if (parts[i].len > 0 &&
		    EVP_DigestUpdate(mc, parts[i].p, parts[i].len) != 1)
			goto done;
	ok = EVP_DigestFinal_ex(mc, out, NULL) == 1;
done:
	EVP_MD_CTX_free(own);
	return ok;
}

/* The hashes of the empty string, of fast_md[i], made at load. */
static unsigned char	fast_empty[2][EVP_MAX_MD_SIZE];

int
tls_provider_empty_hash(const EVP_MD *md, unsigned char *out)
{
	size_t	 i;

	for (i = 0; i < sizeof(fast_md) / sizeof(fast_md[0]); i++)
		if (md == fast_md[i]) {
			memcpy(out, fast_empty[i], (size_t)EVP_MD_get_size(md));
			return 1;
		}
	return EVP_Digest(NULL, 0, out, NULL, md, NULL) == 1;
}

int
tls_hmac(EVP_MD_CTX *mc, const EVP_MD *md, const unsigned char *key,
    size_t keylen, const struct tls_part *parts, size_t nparts,
    unsigned char *out)
{
	unsigned char	 k[TLS_HMAC_BLOCK_MAX], inner[EVP_MAX_MD_SIZE];
	struct tls_part	 outer;
	int		 bs = EVP_MD_get_block_size(md);
	int		 hl = EVP_MD_get_size(md);
	int		 ok = 0;

	if (bs <= 0 || bs > TLS_HMAC_BLOCK_MAX || hl <= 0 ||
	    hl > EVP_MAX_MD_SIZE)
		return 0;
	memset(k, 0, (size_t)bs);
	if (keylen > (size_t)bs) {
		if (EVP_Digest(key, keylen, k, NULL, md, NULL) != 1)
			goto done;
	} else if (keylen > 0)
		memcpy(k, key, keylen);
	add_xor(k, bs, 0x36);
	if (!digest_parts(mc, md, k, (size_t)bs, parts, nparts, inner))
		goto done;
	add_xor(k, bs, 0x36 ^ 0x5c);
	outer.p = inner;
	outer.len = (size_t)hl;
	ok = digest_parts(mc, md, k, (size_t)bs, &outer, 1, out);
done:
	OPENSSL_cleanse(k, sizeof(k));
	OPENSSL_cleanse(inner, sizeof(inner));
	return ok;
}

/* -- the provider ------------------------------------------------------- */

static const OSSL_ALGORITHM kdf_algorithms[] = {
	{ OSSL_KDF_NAME_TLS1_3_KDF, "provider=broadside", tls_hkdf_functions,
	    "the TLS 1.3 key schedule, with a digest fetched once" },
	{ NULL, NULL, NULL, NULL }
};

static const OSSL_ALGORITHM mac_algorithms[] = {
	{ OSSL_MAC_NAME_HMAC, "provider=broadside", tls_hmac_functions,
	    "HMAC, with a digest fetched once" },
	{ NULL, NULL, NULL, NULL }
};

/* X25519 (tls_x25519.c), when the default provider gave us its own. */
static OSSL_ALGORITHM	 keymgmt_algorithms[2];
static OSSL_ALGORITHM	 keyexch_algorithms[2];
static int		 have_x25519;

static const OSSL_ALGORITHM *
provider_query(void *provctx, int operation, int *no_cache)
{
	(void)provctx;
	*no_cache = 0;
	switch (operation) {
	case OSSL_OP_KDF:
		return kdf_algorithms;
	case OSSL_OP_MAC:
		return mac_algorithms;
	case OSSL_OP_KEYMGMT:
		return have_x25519 ? keymgmt_algorithms : NULL;
	case OSSL_OP_KEYEXCH:
		return have_x25519 ? keyexch_algorithms : NULL;
	default:
		return NULL;
	}
}

static int
provider_get_capabilities(void *provctx, const char *capability,
    OSSL_CALLBACK *cb, void *arg)
{
	(void)provctx;
	if (!have_x25519)
		return 1;
	return tls_x25519_capabilities(capability, cb, arg);
}

static const OSSL_DISPATCH provider_functions[] = {
	{ OSSL_FUNC_PROVIDER_QUERY_OPERATION, (void (*)(void))provider_query },
	{ OSSL_FUNC_PROVIDER_GET_CAPABILITIES,
	    (void (*)(void))provider_get_capabilities },
	{ 0, NULL }
};

/*
 * Our context is the default provider's: the X25519 functions we take from
 * it are given it as theirs.  Our own algorithms do not use it.
 */
static void	*provider_ctx;

static int
provider_init(const OSSL_CORE_HANDLE *handle, const OSSL_DISPATCH *in,
    const OSSL_DISPATCH **out, void **provctx)
{
	(void)in;
	*out = provider_functions;
	*provctx = provider_ctx != NULL ? provider_ctx :
	    (void *)(uintptr_t)handle;
	return 1;
}

OSSL_PROVIDER *
tls_provider_load(OSSL_LIB_CTX *libctx)
{
	static const char	*names[] = { "SHA2-256", "SHA2-384" };
	OSSL_PROVIDER		*deflt;
	size_t			 i;

	provider_libctx = libctx;
	for (i = 0; i < sizeof(fast_md) / sizeof(fast_md[0]); i++) {
		EVP_MD_free(fast_md[i]);
		if ((fast_md[i] = EVP_MD_fetch(libctx, names[i],
		    "provider=default")) == NULL ||
		    EVP_Digest(NULL, 0, fast_empty[i], NULL, fast_md[i],
		    NULL) != 1)
			return NULL;
	}
	/* Loaded already (the caller's): this takes a reference we keep. */
	if ((deflt = OSSL_PROVIDER_load(libctx, "default")) == NULL)
		return NULL;
	provider_ctx = OSSL_PROVIDER_get0_provider_ctx(deflt);
	have_x25519 = tls_x25519_init(libctx, deflt) == 0 &&
	    tls_x25519_algorithms(&keymgmt_algorithms[0],
	    &keyexch_algorithms[0]);
	if (!OSSL_PROVIDER_add_builtin(libctx, "broadside", provider_init))
		return NULL;
	return OSSL_PROVIDER_load(libctx, "broadside");
}
