/* SPDX-License-Identifier: ISC */
/*
 * broadside: the X25519 key manager and key exchange of our provider
 * (tls_provider.c): OpenSSL's default provider's own, but for the making
 * of a key pair.
 *
 * Why: every TLS 1.3 handshake, resumed ones too, makes an X25519 key
 * share.  OpenSSL 3.0 computes its public key with the Ed25519 base-point
 * code (curve25519.c's ge_scalarmult_base, in 25.5-bit limbs), slower on
 * x86_64 than the 64-bit Montgomery ladder (ADX) that the same library uses
 * for the key exchange: 22.6% of a worker's resumed handshake against
 * 21.3% for the exchange itself (perf).  RFC 7748's public key is the
 * ladder on the base point, X25519(k, 9), so we make it that way: the
 * private key from the DRBG (clamped, as OpenSSL does), the public key by
 * the default provider's key exchange against a key holding u = 9.
 *
 * The rest is the default provider's, called through the dispatch tables
 * it gives for its own algorithms: the key data is its ECX_KEY, so its key
 * exchange, parameters, import and export work on our keys unchanged, and
 * the exchange with the peer's share is its code.  No arithmetic is ours.
 * Those functions are given the default provider's context, which is why
 * our provider's context is that one (tls_provider.c).
 */
#include <string.h>

#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include "tls_provider.h"

#define X25519_KEYLEN		32
#define X25519_DISPATCH_MAX	40

/* The default provider's functions we call or wrap. */
static struct {
	OSSL_FUNC_keymgmt_new_fn		*new;
	OSSL_FUNC_keymgmt_free_fn		*free;
	OSSL_FUNC_keymgmt_import_fn		*import;
	OSSL_FUNC_keymgmt_gen_init_fn		*gen_init;
	OSSL_FUNC_keymgmt_gen_set_params_fn	*gen_set_params;
	OSSL_FUNC_keymgmt_gen_settable_params_fn *gen_settable_params;
	OSSL_FUNC_keymgmt_gen_fn		*gen;
	OSSL_FUNC_keymgmt_gen_cleanup_fn	*gen_cleanup;
	OSSL_FUNC_keyexch_newctx_fn		*exch_newctx;
	OSSL_FUNC_keyexch_init_fn		*exch_init;
	OSSL_FUNC_keyexch_set_peer_fn		*exch_set_peer;
	OSSL_FUNC_keyexch_derive_fn		*exch_derive;
	OSSL_FUNC_keyexch_freectx_fn		*exch_freectx;
} dflt;

static OSSL_LIB_CTX	*x_libctx;
static OSSL_PROVIDER	*x_deflt;	/* the default provider */
static void		*x_provctx;	/* its context */
static void		*x_base;	/* the public key u = 9 */
static const char	*x_names;	/* the default provider's names */
static OSSL_DISPATCH	 x_keymgmt[X25519_DISPATCH_MAX];
static const OSSL_DISPATCH *x_keyexch;

struct x_gen {
	void	*inner;		/* the default provider's */
	int	 selection;
	int	 seeded;	/* the key comes from given input keying material */
};

/*
 * OpenSSL 3.2's DHKEM (HPKE) derives a key pair from this parameter: such a
 * generation is the default provider's.  Named here, as 3.0 lacks it.
 */
#define X25519_DHKEM_IKM	"dhkem-ikm"

static void *
x_gen_init(void *provctx, int selection, const OSSL_PARAM params[])
{
	struct x_gen	*g;

	if ((g = OPENSSL_malloc(sizeof(*g))) == NULL)
		return NULL;
	if ((g->inner = dflt.gen_init(provctx, selection, params)) == NULL) {
		OPENSSL_free(g);
		return NULL;
	}
	g->selection = selection;
	g->seeded = params != NULL &&
	    OSSL_PARAM_locate_const(params, X25519_DHKEM_IKM) != NULL;
	return g;
}

static int
x_gen_set_params(void *genctx, const OSSL_PARAM params[])
{
	struct x_gen	*g = genctx;

	if (params != NULL &&
	    OSSL_PARAM_locate_const(params, X25519_DHKEM_IKM) != NULL)
		g->seeded = 1;
	return dflt.gen_set_params(g->inner, params);
}

static const OSSL_PARAM *
x_gen_settable_params(void *genctx, void *provctx)
{
	struct x_gen	*g = genctx;

	return dflt.gen_settable_params(g != NULL ? g->inner : NULL, provctx);
}

static void
x_gen_cleanup(void *genctx)
{
	struct x_gen	*g = genctx;

	if (g == NULL)
		return;
	dflt.gen_cleanup(g->inner);
	OPENSSL_free(g);
}

/* X25519(priv, 9) into pub, through the default provider's exchange. */
static int
x_public(void *key, unsigned char pub[X25519_KEYLEN])
{
	void	*ex;
	size_t	 len = 0;
	int	 ok;

	if ((ex = dflt.exch_newctx(x_provctx)) == NULL)
		return 0;
	ok = dflt.exch_init(ex, key, NULL) && dflt.exch_set_peer(ex, x_base) &&
	    dflt.exch_derive(ex, pub, &len, X25519_KEYLEN) &&
	    len == X25519_KEYLEN;
	dflt.exch_freectx(ex);
	return ok;
}

static int
x_import_one(void *key, const char *name, unsigned char *v, int selection)
{
	OSSL_PARAM	 p[2];

	p[0] = OSSL_PARAM_construct_octet_string(name, v, X25519_KEYLEN);
	p[1] = OSSL_PARAM_construct_end();
	return dflt.import(key, selection, p);
}

/*
 * A key pair: the private key in, with a placeholder public key so that
 * the import does not compute one the slow way; then the real one.
 */
static void *
x_keypair(void)
{
	unsigned char	 priv[X25519_KEYLEN], pub[X25519_KEYLEN];
	OSSL_PARAM	 p[3];
	void		*key;
	int		 ok;

	if ((key = dflt.new(x_provctx)) == NULL)
		return NULL;
	memset(pub, 0, sizeof(pub));
	ok = RAND_priv_bytes_ex(x_libctx, priv, sizeof(priv), 0) == 1;
	priv[0] &= 248;		/* RFC 7748, 5: as OpenSSL's own keys */
	priv[31] &= 127;
	priv[31] |= 64;
	p[0] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PRIV_KEY,
	    priv, sizeof(priv));
	p[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
	    pub, sizeof(pub));
	p[2] = OSSL_PARAM_construct_end();
	ok = ok && dflt.import(key, OSSL_KEYMGMT_SELECT_KEYPAIR, p) &&
	    x_public(key, pub) && x_import_one(key, OSSL_PKEY_PARAM_PUB_KEY,
	    pub, OSSL_KEYMGMT_SELECT_KEYPAIR);
	OPENSSL_cleanse(priv, sizeof(priv));
	if (!ok) {
		dflt.free(key);
		return NULL;
	}
	return key;
}

static void *
x_gen(void *genctx, OSSL_CALLBACK *cb, void *cbarg)
{
	struct x_gen	*g = genctx;

	/* No key (a template for the peer's), or a derived one: theirs. */
	if ((g->selection & OSSL_KEYMGMT_SELECT_KEYPAIR) == 0 || g->seeded)
		return dflt.gen(g->inner, cb, cbarg);
	return x_keypair();
}

/* The default provider's algorithm called X25519 for `op`, or NULL. */
static const OSSL_ALGORITHM *
find_x25519(OSSL_PROVIDER *prov, int op)
{
	const OSSL_ALGORITHM	*a;
	int			 no_cache;
	size_t			 n = strlen("X25519");

	if ((a = OSSL_PROVIDER_query_operation(prov, op, &no_cache)) == NULL)
		return NULL;
	for (; a->algorithm_names != NULL; a++) {
		if (strncmp(a->algorithm_names, "X25519", n) == 0 &&
		    (a->algorithm_names[n] == '\0' ||
		    a->algorithm_names[n] == ':'))
			return a;
	}
	return NULL;
}

/* Our key manager's table: the default provider's, with our key making. */
static int
build_keymgmt(const OSSL_DISPATCH *d)
{
	size_t	 n = 0;

	for (; d->function_id != 0; d++) {
		if (n + 1 >= X25519_DISPATCH_MAX)
			return -1;
		x_keymgmt[n] = *d;
		switch (d->function_id) {
		case OSSL_FUNC_KEYMGMT_NEW:
			dflt.new = OSSL_FUNC_keymgmt_new(d);
			break;
		case OSSL_FUNC_KEYMGMT_FREE:
			dflt.free = OSSL_FUNC_keymgmt_free(d);
			break;
		case OSSL_FUNC_KEYMGMT_IMPORT:
			dflt.import = OSSL_FUNC_keymgmt_import(d);
			break;
		case OSSL_FUNC_KEYMGMT_GEN_INIT:
			dflt.gen_init = OSSL_FUNC_keymgmt_gen_init(d);
			x_keymgmt[n].function = (void (*)(void))x_gen_init;
			break;
		case OSSL_FUNC_KEYMGMT_GEN_SET_PARAMS:
			dflt.gen_set_params = OSSL_FUNC_keymgmt_gen_set_params(d);
			x_keymgmt[n].function = (void (*)(void))x_gen_set_params;
			break;
		case OSSL_FUNC_KEYMGMT_GEN_SETTABLE_PARAMS:
			dflt.gen_settable_params =
			    OSSL_FUNC_keymgmt_gen_settable_params(d);
			x_keymgmt[n].function =
			    (void (*)(void))x_gen_settable_params;
			break;
		case OSSL_FUNC_KEYMGMT_GEN:
			dflt.gen = OSSL_FUNC_keymgmt_gen(d);
			x_keymgmt[n].function = (void (*)(void))x_gen;
			break;
		case OSSL_FUNC_KEYMGMT_GEN_CLEANUP:
			dflt.gen_cleanup = OSSL_FUNC_keymgmt_gen_cleanup(d);
			x_keymgmt[n].function = (void (*)(void))x_gen_cleanup;
			break;
		case OSSL_FUNC_KEYMGMT_GEN_SET_TEMPLATE:
			return -1;	/* a generation we do not know */
		default:
			break;
		}
		n++;
	}
	x_keymgmt[n].function_id = 0;
	x_keymgmt[n].function = NULL;
	return dflt.new != NULL && dflt.free != NULL && dflt.import != NULL &&
	    dflt.gen_init != NULL && dflt.gen_set_params != NULL &&
	    dflt.gen_settable_params != NULL && dflt.gen != NULL &&
	    dflt.gen_cleanup != NULL ? 0 : -1;
}

static int
take_keyexch(const OSSL_DISPATCH *d)
{
	x_keyexch = d;
	for (; d->function_id != 0; d++)
		switch (d->function_id) {
		case OSSL_FUNC_KEYEXCH_NEWCTX:
			dflt.exch_newctx = OSSL_FUNC_keyexch_newctx(d);
			break;
		case OSSL_FUNC_KEYEXCH_INIT:
			dflt.exch_init = OSSL_FUNC_keyexch_init(d);
			break;
		case OSSL_FUNC_KEYEXCH_SET_PEER:
			dflt.exch_set_peer = OSSL_FUNC_keyexch_set_peer(d);
			break;
		case OSSL_FUNC_KEYEXCH_DERIVE:
			dflt.exch_derive = OSSL_FUNC_keyexch_derive(d);
			break;
		case OSSL_FUNC_KEYEXCH_FREECTX:
			dflt.exch_freectx = OSSL_FUNC_keyexch_freectx(d);
			break;
		default:
			break;
		}
	return dflt.exch_newctx != NULL && dflt.exch_init != NULL &&
	    dflt.exch_set_peer != NULL && dflt.exch_derive != NULL &&
	    dflt.exch_freectx != NULL ? 0 : -1;
}

int
tls_x25519_init(OSSL_LIB_CTX *libctx, OSSL_PROVIDER *deflt)
{
	static unsigned char	 nine[X25519_KEYLEN] = { 9 };
	const OSSL_ALGORITHM	*km, *kx;

	/* Once: like the rest of the provider, for the process's one context. */
	if (x_keyexch != NULL)
		return x_libctx == libctx ? 0 : -1;
	if ((km = find_x25519(deflt, OSSL_OP_KEYMGMT)) == NULL ||
	    (kx = find_x25519(deflt, OSSL_OP_KEYEXCH)) == NULL ||
	    build_keymgmt(km->implementation) == -1 ||
	    take_keyexch(kx->implementation) == -1) {
		x_keyexch = NULL;
		return -1;
	}
	x_libctx = libctx;
	x_deflt = deflt;
	x_provctx = OSSL_PROVIDER_get0_provider_ctx(deflt);
	x_names = km->algorithm_names;
	if ((x_base = dflt.new(x_provctx)) == NULL ||
	    !x_import_one(x_base, OSSL_PKEY_PARAM_PUB_KEY, nine,
	    OSSL_KEYMGMT_SELECT_PUBLIC_KEY)) {
		if (x_base != NULL)
			dflt.free(x_base);
		x_base = NULL;
		x_keyexch = NULL;
		return -1;
	}
	return 0;
}

struct x_caps {
	OSSL_CALLBACK	*cb;
	void		*arg;
};

static int
x_group_filter(const OSSL_PARAM params[], void *data)
{
	const struct x_caps	*c = data;
	const OSSL_PARAM	*p;

	p = OSSL_PARAM_locate_const(params, OSSL_CAPABILITY_TLS_GROUP_ALG);
	if (p == NULL || p->data_type != OSSL_PARAM_UTF8_STRING ||
	    strcmp(p->data, "X25519") != 0)
		return 1;
	return c->cb(params, c->arg);
}

/*
 * libssl takes a TLS group from the provider whose key manager a fetch
 * of its algorithm returns, ours for X25519: so we announce that group,
 * as the default provider describes it.
 */
int
tls_x25519_capabilities(const char *capability, OSSL_CALLBACK *cb,
    void *arg)
{
	struct x_caps	 c;

	if (x_keyexch == NULL || strcmp(capability, "TLS-GROUP") != 0)
		return 1;
	c.cb = cb;
	c.arg = arg;
	return OSSL_PROVIDER_get_capabilities(x_deflt, "TLS-GROUP",
	    x_group_filter, &c);
}

int
tls_x25519_algorithms(OSSL_ALGORITHM *keymgmt, OSSL_ALGORITHM *keyexch)
{
	if (x_keyexch == NULL)
		return 0;
	keymgmt->algorithm_names = x_names;
	keymgmt->property_definition = "provider=broadside";
	keymgmt->implementation = x_keymgmt;
	keymgmt->algorithm_description =
	    "X25519, key pairs made with the Montgomery ladder";
	keyexch->algorithm_names = "X25519";
	keyexch->property_definition = "provider=broadside";
	keyexch->implementation = x_keyexch;
	keyexch->algorithm_description =
	    "X25519 key exchange (the default provider's)";
	return 1;
}
