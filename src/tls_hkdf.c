/* SPDX-License-Identifier: ISC */
/*
 * broadside: "TLS13-KDF" of our provider (tls_provider.c): HKDF (RFC 5869)
 * with the HkdfLabel of RFC 8446, section 7.1, as libssl asks for it.
 *
 * The parameters are those of OpenSSL's own (EVP_KDF-TLS13_KDF(7)): mode
 * (EXTRACT_ONLY or EXPAND_ONLY), digest, key, salt, prefix, label, data.
 * EXTRACT_ONLY with a salt first turns that previous secret into
 * Derive-Secret(salt, label, "") as RFC 8446's key schedule does; without
 * a key it extracts from a string of zeros.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "tls_provider.h"

#define KDF_KEY_MAX	512	/* an (EC)DHE secret (X448: 56) or a PSK */
#define KDF_PART_MAX	255	/* HkdfLabel's label (with prefix), context */
#define KDF_INFO_MAX	(2 + 1 + KDF_PART_MAX + 1 + KDF_PART_MAX)

struct kdf_ctx {
	const EVP_MD	*md;
	EVP_MD		*md_fetched;	/* for a name not among the fast ones */
	int		 mode;
	size_t		 keylen, saltlen, prefixlen, labellen, datalen;
	int		 has_key, has_salt;
	unsigned char	 key[KDF_KEY_MAX];
	unsigned char	 salt[EVP_MAX_MD_SIZE];
	unsigned char	 prefix[KDF_PART_MAX];
	unsigned char	 label[KDF_PART_MAX];
	unsigned char	 data[KDF_PART_MAX];
};

/* -- HKDF --------------------------------------------------------------- */

/* HKDF-Expand (RFC 5869, 2.3): len bytes of okm, at most 255 digests. */
static int
hkdf_expand(const EVP_MD *md, const unsigned char *prk,
    size_t prklen, const unsigned char *info, size_t infolen,
    unsigned char *okm, size_t len)
{
	unsigned char	 t[EVP_MAX_MD_SIZE], n = 0;
	struct tls_part	 parts[3];
	size_t		 hl = (size_t)EVP_MD_get_size(md), done = 0, take;
	int		 ok = 1;

	if (hl == 0 || hl > EVP_MAX_MD_SIZE || len > 255 * hl)
		return 0;
	while (ok && done < len) {
		n++;
		parts[0].p = t;
		parts[0].len = n > 1 ? hl : 0;
		parts[1].p = info;
		parts[1].len = infolen;
		parts[2].p = &n;
		parts[2].len = 1;
		if ((ok = tls_hmac(NULL, md, prk, prklen, parts, 3, t))) {
			take = len - done < hl ? len - done : hl;
			memcpy(okm + done, t, take);
			done += take;
		}
	}
	OPENSSL_cleanse(t, sizeof(t));
	return ok;
}

/* HKDF-Expand-Label (RFC 8446, 7.1) with the context's prefix and label. */
static int
expand_label(struct kdf_ctx *c, const unsigned char *secret,
    size_t secretlen, const unsigned char *ctxt, size_t ctxtlen,
    unsigned char *out, size_t len)
{
	unsigned char	 info[KDF_INFO_MAX];
	size_t		 n = 0, ll = c->prefixlen + c->labellen;

	if (len > UINT16_MAX || ll > KDF_PART_MAX || ctxtlen > KDF_PART_MAX)
		return 0;
	info[n++] = (unsigned char)(len >> 8);
	info[n++] = (unsigned char)len;
	info[n++] = (unsigned char)ll;
	memcpy(info + n, c->prefix, c->prefixlen);
	n += c->prefixlen;
	memcpy(info + n, c->label, c->labellen);
	n += c->labellen;
	info[n++] = (unsigned char)ctxtlen;
	if (ctxtlen > 0)
		memcpy(info + n, ctxt, ctxtlen);
	n += ctxtlen;
	return hkdf_expand(c->md, secret, secretlen, info, n, out,
	    len);
}

/* HKDF-Extract (RFC 5869, 2.2), after RFC 8446's "derived" step. */
static int
extract(struct kdf_ctx *c, unsigned char *out, size_t len)
{
	static const unsigned char zeros[EVP_MAX_MD_SIZE];
	unsigned char	 empty[EVP_MAX_MD_SIZE], salt[EVP_MAX_MD_SIZE];
	struct tls_part	 ikm;
	size_t		 hl = (size_t)EVP_MD_get_size(c->md), saltlen = 0;
	int		 ok;

	if (hl == 0 || hl > EVP_MAX_MD_SIZE || len != hl)
		return 0;
	if (c->has_salt) {
		if (!tls_provider_empty_hash(c->md, empty) ||
		    !expand_label(c, c->salt, c->saltlen, empty, hl, salt, hl))
			return 0;
		saltlen = hl;
	}
	ikm.p = c->has_key ? c->key : zeros;
	ikm.len = c->has_key ? c->keylen : hl;
	ok = tls_hmac(NULL, c->md, salt, saltlen, &ikm, 1, out);
	OPENSSL_cleanse(salt, sizeof(salt));
	return ok;
}

/* -- parameters --------------------------------------------------------- */

static int
get_octets(const OSSL_PARAM *p, unsigned char *buf, size_t max,
    size_t *len)
{
	if (p->data_type != OSSL_PARAM_OCTET_STRING || p->data_size > max)
		return 0;
	if (p->data_size > 0)
		memcpy(buf, p->data, p->data_size);
	*len = p->data_size;
	return 1;
}

static int
get_mode(const OSSL_PARAM *p, int *mode)
{
	if (p->data_type == OSSL_PARAM_UTF8_STRING) {
		if (strcmp(p->data, "EXTRACT_ONLY") == 0)
			*mode = EVP_KDF_HKDF_MODE_EXTRACT_ONLY;
		else if (strcmp(p->data, "EXPAND_ONLY") == 0)
			*mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
		else
			return 0;
		return 1;
	}
	return OSSL_PARAM_get_int(p, mode) && (*mode ==
	    EVP_KDF_HKDF_MODE_EXTRACT_ONLY ||
	    *mode == EVP_KDF_HKDF_MODE_EXPAND_ONLY);
}

/* Each known parameter in one pass: libssl passes them all at once. */
static int
kdf_set_ctx_params(void *vctx, const OSSL_PARAM params[])
{
	struct kdf_ctx		*c = vctx;
	const OSSL_PARAM	*p;
	int			 ok = 1;

	if (params == NULL)
		return 1;
	if (tls_provider_md_param(params, &c->md, &c->md_fetched) == 0)
		return 0;
	for (p = params; ok && p->key != NULL; p++) {
		if (strcmp(p->key, OSSL_KDF_PARAM_MODE) == 0)
			ok = get_mode(p, &c->mode);
		else if (strcmp(p->key, OSSL_KDF_PARAM_KEY) == 0)
			ok = c->has_key = get_octets(p, c->key, sizeof(c->key),
			    &c->keylen);
		else if (strcmp(p->key, OSSL_KDF_PARAM_SALT) == 0)
			ok = c->has_salt = get_octets(p, c->salt,
			    sizeof(c->salt), &c->saltlen);
		else if (strcmp(p->key, OSSL_KDF_PARAM_PREFIX) == 0)
			ok = get_octets(p, c->prefix, sizeof(c->prefix),
			    &c->prefixlen);
		else if (strcmp(p->key, OSSL_KDF_PARAM_LABEL) == 0)
			ok = get_octets(p, c->label, sizeof(c->label),
			    &c->labellen);
		else if (strcmp(p->key, OSSL_KDF_PARAM_DATA) == 0)
			ok = get_octets(p, c->data, sizeof(c->data),
			    &c->datalen);
	}
	return ok;
}

static const OSSL_PARAM *
kdf_settable_ctx_params(void *vctx, void *provctx)
{
	static const OSSL_PARAM	 settable[] = {
		OSSL_PARAM_utf8_string(OSSL_KDF_PARAM_MODE, NULL, 0),
		OSSL_PARAM_int(OSSL_KDF_PARAM_MODE, NULL),
		OSSL_PARAM_utf8_string(OSSL_KDF_PARAM_PROPERTIES, NULL, 0),
		OSSL_PARAM_utf8_string(OSSL_KDF_PARAM_DIGEST, NULL, 0),
		OSSL_PARAM_octet_string(OSSL_KDF_PARAM_KEY, NULL, 0),
		OSSL_PARAM_octet_string(OSSL_KDF_PARAM_SALT, NULL, 0),
		OSSL_PARAM_octet_string(OSSL_KDF_PARAM_PREFIX, NULL, 0),
		OSSL_PARAM_octet_string(OSSL_KDF_PARAM_LABEL, NULL, 0),
		OSSL_PARAM_octet_string(OSSL_KDF_PARAM_DATA, NULL, 0),
		OSSL_PARAM_END
	};

	(void)vctx;
	(void)provctx;
	return settable;
}

static int
kdf_get_ctx_params(void *vctx, OSSL_PARAM params[])
{
	struct kdf_ctx	*c = vctx;
	OSSL_PARAM	*p;
	size_t		 size = SIZE_MAX;

	if ((p = OSSL_PARAM_locate(params, OSSL_KDF_PARAM_SIZE)) == NULL)
		return 1;
	if (c->mode == EVP_KDF_HKDF_MODE_EXTRACT_ONLY) {
		if (c->md == NULL)
			return 0;
		size = (size_t)EVP_MD_get_size(c->md);
	}
	return OSSL_PARAM_set_size_t(p, size);
}

static const OSSL_PARAM *
kdf_gettable_ctx_params(void *vctx, void *provctx)
{
	static const OSSL_PARAM	 gettable[] = {
		OSSL_PARAM_size_t(OSSL_KDF_PARAM_SIZE, NULL),
		OSSL_PARAM_END
	};

	(void)vctx;
	(void)provctx;
	return gettable;
}

/* -- the KDF's life ----------------------------------------------------- */

/*
 * libssl makes and frees a context for each of the ~15 derivations of a
 * handshake: the buffers (1.3 KiB) are left unset, as each is read only up
 * to the length written.  No digest context: tls_hmac makes one only for a
 * digest without a fast path.
 */
static void *
kdf_newctx(void *provctx)
{
	struct kdf_ctx	*c;

	(void)provctx;
	if ((c = OPENSSL_malloc(sizeof(*c))) == NULL)
		return NULL;
	c->md = NULL;
	c->md_fetched = NULL;
	c->mode = -1;
	c->keylen = c->saltlen = c->prefixlen = c->labellen = c->datalen = 0;
	c->has_key = c->has_salt = 0;
	return c;
}

/* Only what was written is secret: the buffers are much longer. */
static void
kdf_wipe(struct kdf_ctx *c)
{
	OPENSSL_cleanse(c->key, c->keylen);
	OPENSSL_cleanse(c->salt, c->saltlen);
	OPENSSL_cleanse(c->data, c->datalen);
	c->keylen = c->saltlen = c->datalen = 0;
	c->prefixlen = c->labellen = 0;
	c->has_key = c->has_salt = 0;
	c->mode = -1;
}

static void
kdf_freectx(void *vctx)
{
	struct kdf_ctx	*c = vctx;

	if (c == NULL)
		return;
	kdf_wipe(c);
	EVP_MD_free(c->md_fetched);
	OPENSSL_free(c);
}

static void
kdf_reset(void *vctx)
{
	struct kdf_ctx	*c = vctx;

	kdf_wipe(c);
	c->md = NULL;
	EVP_MD_free(c->md_fetched);
	c->md_fetched = NULL;
}

static void *
kdf_dupctx(void *vsrc)
{
	struct kdf_ctx	*src = vsrc, *c;

	if ((c = OPENSSL_malloc(sizeof(*c))) == NULL)
		return NULL;
	memcpy(c, src, sizeof(*c));
	if (c->md_fetched != NULL && !EVP_MD_up_ref(c->md_fetched)) {
		c->md_fetched = NULL;
		kdf_freectx(c);
		return NULL;
	}
	return c;
}

static int
kdf_derive(void *vctx, unsigned char *out, size_t len,
    const OSSL_PARAM params[])
{
	struct kdf_ctx	*c = vctx;

	if (!kdf_set_ctx_params(c, params) || c->md == NULL || out == NULL ||
	    len == 0)
		return 0;
	switch (c->mode) {
	case EVP_KDF_HKDF_MODE_EXTRACT_ONLY:
		return extract(c, out, len);
	case EVP_KDF_HKDF_MODE_EXPAND_ONLY:
		if (!c->has_key)
			return 0;
		return expand_label(c, c->key, c->keylen, c->data, c->datalen,
		    out, len);
	default:
		return 0;
	}
}

/* -- the dispatch table ------------------------------------------------ */

const OSSL_DISPATCH tls_hkdf_functions[] = {
	{ OSSL_FUNC_KDF_NEWCTX, (void (*)(void))kdf_newctx },
	{ OSSL_FUNC_KDF_DUPCTX, (void (*)(void))kdf_dupctx },
	{ OSSL_FUNC_KDF_FREECTX, (void (*)(void))kdf_freectx },
	{ OSSL_FUNC_KDF_RESET, (void (*)(void))kdf_reset },
	{ OSSL_FUNC_KDF_DERIVE, (void (*)(void))kdf_derive },
	{ OSSL_FUNC_KDF_SETTABLE_CTX_PARAMS,
	    (void (*)(void))kdf_settable_ctx_params },
	{ OSSL_FUNC_KDF_SET_CTX_PARAMS, (void (*)(void))kdf_set_ctx_params },
	{ OSSL_FUNC_KDF_GETTABLE_CTX_PARAMS,
	    (void (*)(void))kdf_gettable_ctx_params },
	{ OSSL_FUNC_KDF_GET_CTX_PARAMS, (void (*)(void))kdf_get_ctx_params },
	{ 0, NULL }
};
