/* SPDX-License-Identifier: ISC */
/*
 * broadside: "HMAC" of our provider (tls_provider.c), RFC 2104, as libssl
 * uses it: EVP_Q_mac for TLS 1.3's Finished messages and PSK binders, and
 * an EVP_MAC_CTX keyed through its parameters for session tickets.
 *
 * The key is kept as its inner pad (key XOR 0x36, a block), from which
 * both pads follow: a context can be started again with the same key
 * (EVP_MAC_init with no key) and duplicated.  A parameter we do not know
 * is ignored, as OpenSSL's providers do, but "tls-data-size" (the
 * constant-time MAC of CBC records, which our cipher suites never use) is
 * refused rather than ignored: its MAC would be another one.
 */
#include <stddef.h>
#include <string.h>

#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>

#include "tls_provider.h"

struct hmac_ctx {
	const EVP_MD	*md;
	EVP_MD		*md_fetched;	/* for a name not among the fast ones */
	EVP_MD_CTX	*inner;
	EVP_MD_CTX	*outer;
	int		 keyed;		/* ipad holds a key */
	int		 started;	/* inner has taken the pad */
	unsigned char	 ipad[TLS_HMAC_BLOCK_MAX];
};

static int	 hmac_set_ctx_params(void *, const OSSL_PARAM []);

static void *
hmac_newctx(void *provctx)
{
	struct hmac_ctx	*c;

	(void)provctx;
	if ((c = OPENSSL_zalloc(sizeof(*c))) == NULL)
		return NULL;
	if ((c->inner = EVP_MD_CTX_new()) == NULL ||
	    (c->outer = EVP_MD_CTX_new()) == NULL) {
		EVP_MD_CTX_free(c->inner);
		OPENSSL_free(c);
		return NULL;
	}
	return c;
}

static void
hmac_freectx(void *vctx)
{
	struct hmac_ctx	*c = vctx;

	if (c == NULL)
		return;
	EVP_MD_CTX_free(c->inner);
	EVP_MD_CTX_free(c->outer);
	EVP_MD_free(c->md_fetched);
	OPENSSL_clear_free(c, sizeof(*c));
}

static void *
hmac_dupctx(void *vsrc)
{
	struct hmac_ctx	*src = vsrc, *c;

	if ((c = hmac_newctx(NULL)) == NULL)
		return NULL;
	c->md = src->md;
	c->keyed = src->keyed;
	c->started = src->started;
	memcpy(c->ipad, src->ipad, sizeof(c->ipad));
	if (src->md_fetched != NULL) {
		if (!EVP_MD_up_ref(src->md_fetched)) {
			hmac_freectx(c);
			return NULL;
		}
		c->md_fetched = src->md_fetched;
	}
	if (src->started && !EVP_MD_CTX_copy_ex(c->inner, src->inner)) {
		hmac_freectx(c);
		return NULL;
	}
	return c;
}

static int
hmac_set_key(struct hmac_ctx *c, const unsigned char *key, size_t keylen)
{
	int	 bs, i;

	if (c->md == NULL ||
	    (bs = EVP_MD_get_block_size(c->md)) <= 0 || bs > TLS_HMAC_BLOCK_MAX)
		return 0;
	memset(c->ipad, 0, sizeof(c->ipad));
	if (keylen > (size_t)bs) {
		if (EVP_Digest(key, keylen, c->ipad, NULL, c->md, NULL) != 1)
			return 0;
	} else if (keylen > 0)
		memcpy(c->ipad, key, keylen);
	for (i = 0; i < bs; i++)
		c->ipad[i] ^= 0x36;
	c->keyed = 1;
	c->started = 0;
	return 1;
}

/* The inner digest takes the pad: the MAC's message follows. */
static int
hmac_start(struct hmac_ctx *c)
{
	if (!c->keyed || c->md == NULL)
		return 0;
	if (EVP_DigestInit_ex(c->inner, c->md, NULL) != 1 ||
	    EVP_DigestUpdate(c->inner, c->ipad,
	    (size_t)EVP_MD_get_block_size(c->md)) != 1)
		return 0;
	c->started = 1;
	return 1;
}

static int
hmac_init(void *vctx, const unsigned char *key, size_t keylen,
    const OSSL_PARAM params[])
{
	struct hmac_ctx	*c = vctx;

	if (!hmac_set_ctx_params(c, params))
		return 0;
	if (key != NULL && !hmac_set_key(c, key, keylen))
		return 0;
	return hmac_start(c);
}

static int
hmac_update(void *vctx, const unsigned char *data, size_t len)
{
	struct hmac_ctx	*c = vctx;

	if (!c->started)
		return 0;
	return len == 0 || EVP_DigestUpdate(c->inner, data, len) == 1;
}

static int
hmac_final(void *vctx, unsigned char *out, size_t *outl, size_t outsize)
{
	struct hmac_ctx	*c = vctx;
	unsigned char	 ih[EVP_MAX_MD_SIZE], opad[TLS_HMAC_BLOCK_MAX];
	unsigned int	 len;
	int		 bs, i, ok = 0;

	if (!c->started || (bs = EVP_MD_get_block_size(c->md)) <= 0 ||
	    bs > TLS_HMAC_BLOCK_MAX ||
	    outsize < (size_t)EVP_MD_get_size(c->md))
		return 0;
	for (i = 0; i < bs; i++)
		opad[i] = c->ipad[i] ^ (0x36 ^ 0x5c);
	if (EVP_DigestFinal_ex(c->inner, ih, &len) == 1 &&
	    EVP_DigestInit_ex(c->outer, c->md, NULL) == 1 &&
	    EVP_DigestUpdate(c->outer, opad, (size_t)bs) == 1 &&
	    EVP_DigestUpdate(c->outer, ih, len) == 1 &&
	    EVP_DigestFinal_ex(c->outer, out, &len) == 1) {
		*outl = len;
		ok = 1;
	}
	c->started = 0;
	OPENSSL_cleanse(ih, sizeof(ih));
	OPENSSL_cleanse(opad, sizeof(opad));
	return ok;
}

/* -- parameters --------------------------------------------------------- */

static int
hmac_set_digest(struct hmac_ctx *c, const OSSL_PARAM params[])
{
	switch (tls_provider_md_param(params, &c->md, &c->md_fetched)) {
	case 0:
		return 0;
	case 1:
		c->keyed = c->started = 0;	/* a key is for one digest */
		break;
	}
	return 1;
}

/* The digest first, whatever the order: a key is set for a digest. */
static int
hmac_set_ctx_params(void *vctx, const OSSL_PARAM params[])
{
	struct hmac_ctx		*c = vctx;
	const OSSL_PARAM	*p;

	if (params == NULL)
		return 1;
	if (OSSL_PARAM_locate_const(params, OSSL_MAC_PARAM_TLS_DATA_SIZE) !=
	    NULL || !hmac_set_digest(c, params))
		return 0;
	if ((p = OSSL_PARAM_locate_const(params, OSSL_MAC_PARAM_KEY)) != NULL)
		return p->data_type == OSSL_PARAM_OCTET_STRING &&
		    hmac_set_key(c, p->data, p->data_size) && hmac_start(c);
	return 1;
}

static const OSSL_PARAM *
hmac_settable_ctx_params(void *vctx, void *provctx)
{
	static const OSSL_PARAM	 settable[] = {
		OSSL_PARAM_utf8_string(OSSL_MAC_PARAM_DIGEST, NULL, 0),
		OSSL_PARAM_utf8_string(OSSL_MAC_PARAM_PROPERTIES, NULL, 0),
		OSSL_PARAM_octet_string(OSSL_MAC_PARAM_KEY, NULL, 0),
		OSSL_PARAM_END
	};

	(void)vctx;
	(void)provctx;
	return settable;
}

static int
hmac_get_ctx_params(void *vctx, OSSL_PARAM params[])
{
	struct hmac_ctx	*c = vctx;
	OSSL_PARAM	*p;

	if ((p = OSSL_PARAM_locate(params, OSSL_MAC_PARAM_SIZE)) != NULL &&
	    (c->md == NULL ||
	    !OSSL_PARAM_set_size_t(p, (size_t)EVP_MD_get_size(c->md))))
		return 0;
	if ((p = OSSL_PARAM_locate(params, OSSL_MAC_PARAM_BLOCK_SIZE)) !=
	    NULL && (c->md == NULL ||
	    !OSSL_PARAM_set_size_t(p, (size_t)EVP_MD_get_block_size(c->md))))
		return 0;
	return 1;
}

static const OSSL_PARAM *
hmac_gettable_ctx_params(void *vctx, void *provctx)
{
	static const OSSL_PARAM	 gettable[] = {
		OSSL_PARAM_size_t(OSSL_MAC_PARAM_SIZE, NULL),
		OSSL_PARAM_size_t(OSSL_MAC_PARAM_BLOCK_SIZE, NULL),
		OSSL_PARAM_END
	};

	(void)vctx;
	(void)provctx;
	return gettable;
}

const OSSL_DISPATCH tls_hmac_functions[] = {
	{ OSSL_FUNC_MAC_NEWCTX, (void (*)(void))hmac_newctx },
	{ OSSL_FUNC_MAC_DUPCTX, (void (*)(void))hmac_dupctx },
	{ OSSL_FUNC_MAC_FREECTX, (void (*)(void))hmac_freectx },
	{ OSSL_FUNC_MAC_INIT, (void (*)(void))hmac_init },
	{ OSSL_FUNC_MAC_UPDATE, (void (*)(void))hmac_update },
	{ OSSL_FUNC_MAC_FINAL, (void (*)(void))hmac_final },
	{ OSSL_FUNC_MAC_GETTABLE_CTX_PARAMS,
	    (void (*)(void))hmac_gettable_ctx_params },
	{ OSSL_FUNC_MAC_GET_CTX_PARAMS, (void (*)(void))hmac_get_ctx_params },
	{ OSSL_FUNC_MAC_SETTABLE_CTX_PARAMS,
	    (void (*)(void))hmac_settable_ctx_params },
	{ OSSL_FUNC_MAC_SET_CTX_PARAMS, (void (*)(void))hmac_set_ctx_params },
	{ 0, NULL }
};
