/* SPDX-License-Identifier: ISC */
/*
 * broadside: an OpenSSL provider of our own ("broadside") with the TLS 1.3
 * key schedule (TLS13-KDF, tls_hkdf.c) and HMAC (tls_hmac.c), loaded into
 * the library context of the server's SSL_CTX.  See tls_provider.c for
 * why.
 */
#ifndef BROADSIDE_TLS_PROVIDER_H
#define BROADSIDE_TLS_PROVIDER_H

#include <stddef.h>

#include <openssl/core.h>
#include <openssl/evp.h>

/* What an SSL_CTX of that library context asks for to prefer it. */
#define TLS_PROVIDER_PROPQ	"?provider=broadside"

/*
 * Load the provider into `libctx` (which must also have the default
 * provider, for the digests it uses); NULL with OpenSSL's error queue set.
 * Once per library context.
 */
OSSL_PROVIDER	*tls_provider_load(OSSL_LIB_CTX *libctx);

/* -- for the provider's algorithms -------------------------------------- */

#define TLS_HMAC_BLOCK_MAX	144	/* the largest digest block (SHA3-224) */

/* A part of a message. */
struct tls_part {
	const unsigned char	*p;
	size_t			 len;
};

/*
 * The digest called `name`: SHA-256 and SHA-384 as fetched once when
 * `props` is NULL or empty, else fetched into *fetched (freeing what was
 * there).  NULL when there is no such digest.
 */
const EVP_MD	*tls_provider_md(const char *name, const char *props,
		    EVP_MD **fetched);

/*
 * The "digest" parameter (with "properties") when there is one: 1 with
 * *md set as tls_provider_md does, 0 when it names no digest or is not a
 * string, -1 when there is none.
 */
int	 tls_provider_md_param(const OSSL_PARAM params[], const EVP_MD **md,
	    EVP_MD **fetched);

/* The digest of the empty string into out (the digest's size).  1 or 0. */
int	 tls_provider_empty_hash(const EVP_MD *, unsigned char *out);

/*
 * HMAC (RFC 2104) of the concatenated parts into out (the digest's size),
 * through the digest context given, or one of its own when it is NULL and
 * the digest has no fast path.
 */
int	 tls_hmac(EVP_MD_CTX *, const EVP_MD *, const unsigned char *key,
	    size_t keylen, const struct tls_part *, size_t nparts,
	    unsigned char *out);

/*
 * X25519 (tls_x25519.c): take the default provider's key manager and key
 * exchange from `deflt`, loaded in `libctx` (0, or -1 when it has none we
 * know); then fill our provider's two algorithms (1, or 0 without them).
 */
int	 tls_x25519_init(OSSL_LIB_CTX *libctx, OSSL_PROVIDER *deflt);
int	 tls_x25519_algorithms(OSSL_ALGORITHM *keymgmt,
	    OSSL_ALGORITHM *keyexch);
/* Our provider's capabilities: the default provider's TLS group x25519. */
int	 tls_x25519_capabilities(const char *capability, OSSL_CALLBACK *cb,
	    void *arg);

extern const OSSL_DISPATCH tls_hkdf_functions[];
extern const OSSL_DISPATCH tls_hmac_functions[];

#endif
