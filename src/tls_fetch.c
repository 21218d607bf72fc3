/* SPDX-License-Identifier: ISC */
/*
 * broadside: OpenSSL 3.0's lookups that libssl repeats at every handshake,
 * answered from a cache for the library context of our SSL_CTX.
 *
 * libssl 3.0 fetches the TLS 1.3 KDF at each of the ~20 steps of a key
 * schedule, the record cipher and the HMAC of each Finished, and every
 * EVP_PKEY it makes (key shares, the PSK binder's key) walks the whole
 * name map of the library context, twice, to find its key type's names.
 * Each fetch is a name lookup, a property-cache lookup and three locks;
 * each walk visits every name of every algorithm the context knows.
 * Together that was 7% of the instructions of a resumed handshake
 * (callgrind), and none of it is reachable through libssl's API.
 *
 * So the functions are interposed: an executable's definition of a
 * symbol comes first for every shared object's calls to it, libssl's and
 * libcrypto's own (ELF's rule, on Linux and the BSDs alike).  Ours answer
 * from a small table and call the library's definition, found with
 * dlsym(RTLD_NEXT), for anything else.
 *
 * Why it is safe: only the library context that tls_fetch_cache_for
 * names is cached (its methods, and the key managers of its providers),
 * ours (tls.c), complete once its SSL_CTX is made and
 * unchanged after; a fetched method never changes; the table holds a
 * reference to each method and key manager it keeps, so that their
 * addresses cannot be taken by others.  The tables are not locked: every
 * OpenSSL call of this program is made by one thread of its process (the
 * worker's event loop, the key process, the parent before fork).  It
 * needs OpenSSL as a shared library, as the Makefile links it: linked
 * statically, these definitions would clash with the library's.
 */
#define _GNU_SOURCE	/* RTLD_NEXT: glibc hides it otherwise */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/provider.h>

#include "tls_fetch.h"

#define FETCH_NAME_MAX	32
#define FETCH_SLOTS	12
#define KM_NAMES_MAX	8
#define KM_SLOTS	12
#define KM_PROVIDERS_MAX 4

enum fetch_kind { FETCH_KDF, FETCH_MAC, FETCH_CIPHER, FETCH_MD, FETCH_KINDS };

struct fetch_slot {
	char	 alg[FETCH_NAME_MAX];
	char	 props[FETCH_NAME_MAX];
	int	 has_props;
	void	*method;
};

static OSSL_LIB_CTX		*cached_ctx;
static struct fetch_slot	 fetch_table[FETCH_KINDS][FETCH_SLOTS];
static size_t			 fetch_used[FETCH_KINDS];
static unsigned long		 cache_hits;

static const char *const fetch_symbol[FETCH_KINDS] = {
	"EVP_KDF_fetch", "EVP_MAC_fetch", "EVP_CIPHER_fetch", "EVP_MD_fetch",
};

typedef void	*(*fetch_fn)(OSSL_LIB_CTX *, const char *, const char *);
static fetch_fn	 fetch_real[FETCH_KINDS];

/*
 * The library's definition of `name`, into *fn (a function pointer of
 * `size` bytes): through memcpy, as ISO C has no cast from dlsym's object
 * pointer to a function pointer (POSIX guarantees they convert).
 */
void
tls_next_symbol(const char *name, void *fn, size_t size)
{
	void	*f = dlsym(RTLD_NEXT, name);

	if (f == NULL || size != sizeof(f)) {
		/* No library below us defines it: nothing can work. */
		fprintf(stderr, "broadside: %s not found in OpenSSL\n", name);
		abort();
	}
	memcpy(fn, &f, size);
}

static void	km_forget(void);
static int	km_add_provider(OSSL_PROVIDER *, void *);

static void
method_free(enum fetch_kind kind, void *m)
{
	switch (kind) {
	case FETCH_KDF: EVP_KDF_free(m); break;
	case FETCH_MAC: EVP_MAC_free(m); break;
	case FETCH_CIPHER: EVP_CIPHER_free(m); break;
	case FETCH_MD: EVP_MD_free(m); break;
	default: break;
	}
}

void
tls_fetch_cache_for(OSSL_LIB_CTX *libctx)
{
	int	 kind;
	size_t	 i;

	for (kind = 0; kind < FETCH_KINDS; kind++) {
		for (i = 0; i < fetch_used[kind]; i++)
			method_free(kind, fetch_table[kind][i].method);
		fetch_used[kind] = 0;
	}
	km_forget();
	cached_ctx = libctx;
	if (libctx != NULL)
		(void)OSSL_PROVIDER_do_all(libctx, km_add_provider, NULL);
}

unsigned long
tls_fetch_hits(void)
{
	return cache_hits;
}

static int
same_props(const struct fetch_slot *s, const char *props)
{
	if (props == NULL)
		return !s->has_props;
	return s->has_props && strcmp(s->props, props) == 0;
}

static void
method_up_ref(enum fetch_kind kind, void *m)
{
	switch (kind) {
	case FETCH_KDF: EVP_KDF_up_ref(m); break;
	case FETCH_MAC: EVP_MAC_up_ref(m); break;
	case FETCH_CIPHER: EVP_CIPHER_up_ref(m); break;
	case FETCH_MD: EVP_MD_up_ref(m); break;
	default: break;
	}
}

static void
remember(enum fetch_kind kind, const char *alg, const char *props, void *m)
{
	struct fetch_slot	*s;
	size_t			 alen = strlen(alg);
	size_t			 plen = props != NULL ? strlen(props) : 0;

	if (fetch_used[kind] == FETCH_SLOTS || alen >= FETCH_NAME_MAX ||
	    plen >= FETCH_NAME_MAX)
		return;
	s = &fetch_table[kind][fetch_used[kind]++];
	memcpy(s->alg, alg, alen + 1);
	s->has_props = props != NULL;
	memcpy(s->props, props != NULL ? props : "", plen + 1);
	method_up_ref(kind, m);	/* the table's own reference */
	s->method = m;
}

static void *
fetch(enum fetch_kind kind, OSSL_LIB_CTX *libctx, const char *alg,
    const char *props)
{
	size_t	 i;
	void	*m;

	if (fetch_real[kind] == NULL)
		tls_next_symbol(fetch_symbol[kind], &fetch_real[kind],
		    sizeof(fetch_real[kind]));
	if (libctx == NULL || libctx != cached_ctx || alg == NULL)
		return fetch_real[kind](libctx, alg, props);
	for (i = 0; i < fetch_used[kind]; i++) {
		struct fetch_slot	*s = &fetch_table[kind][i];

		if (strcmp(s->alg, alg) == 0 && same_props(s, props)) {
			method_up_ref(kind, s->method);
			cache_hits++;
			return s->method;
		}
	}
	if ((m = fetch_real[kind](libctx, alg, props)) != NULL)
		remember(kind, alg, props, m);
	return m;
}

/* The interposed fetches: OpenSSL's names and types, one kind each. */
#define INTERPOSED_FETCH(type, name, kind)				\
	type *								\
	name(OSSL_LIB_CTX *libctx, const char *algorithm,		\
	    const char *properties)					\
	{								\
		return fetch(kind, libctx, algorithm, properties);	\
	}

INTERPOSED_FETCH(EVP_KDF, EVP_KDF_fetch, FETCH_KDF)
INTERPOSED_FETCH(EVP_MAC, EVP_MAC_fetch, FETCH_MAC)
INTERPOSED_FETCH(EVP_CIPHER, EVP_CIPHER_fetch, FETCH_CIPHER)
INTERPOSED_FETCH(EVP_MD, EVP_MD_fetch, FETCH_MD)

/* -- key types' names ---------------------------------------------------- */

struct km_slot {
	EVP_KEYMGMT	*km;
	int		 nnames;
	char		 names[KM_NAMES_MAX][FETCH_NAME_MAX];
};

static struct km_slot	 km_table[KM_SLOTS];
static size_t		 km_used;

/* The cached context's providers: its key managers are theirs. */
static const OSSL_PROVIDER	*cached_prov[KM_PROVIDERS_MAX];
static size_t			 cached_nprov;

typedef int	(*names_fn)(const EVP_KEYMGMT *,
		    void (*)(const char *, void *), void *);
static names_fn	 names_real;

struct km_collect {
	struct km_slot	*slot;
	int		 fits;
};

static void
km_collect_name(const char *name, void *arg)
{
	struct km_collect	*c = arg;
	struct km_slot		*s = c->slot;

	if (s->nnames == KM_NAMES_MAX || strlen(name) >= FETCH_NAME_MAX) {
		c->fits = 0;
		return;
	}
	memcpy(s->names[s->nnames++], name, strlen(name) + 1);
}

static int
km_of_cached_ctx(const EVP_KEYMGMT *km)
{
	const OSSL_PROVIDER	*prov = EVP_KEYMGMT_get0_provider(km);
	size_t			 i;

	for (i = 0; i < cached_nprov; i++)
		if (cached_prov[i] == prov)
			return 1;
	return 0;
}

static int
km_add_provider(OSSL_PROVIDER *prov, void *arg)
{
	(void)arg;
	if (cached_nprov < KM_PROVIDERS_MAX)
		cached_prov[cached_nprov++] = prov;
	return 1;
}

static struct km_slot *
km_lookup(const EVP_KEYMGMT *km)
{
	struct km_collect	 c;
	size_t			 i;

	for (i = 0; i < km_used; i++)
		if (km_table[i].km == km) {
			cache_hits++;
			return &km_table[i];
		}
	if (km_used == KM_SLOTS || !km_of_cached_ctx(km))
		return NULL;
	c.slot = &km_table[km_used];
	c.slot->nnames = 0;
	c.fits = 1;
	if (names_real(km, km_collect_name, &c) != 1 || !c.fits)
		return NULL;
	/* Held, so that no other key manager can take its address. */
	if (!EVP_KEYMGMT_up_ref((EVP_KEYMGMT *)km))
		return NULL;
	c.slot->km = (EVP_KEYMGMT *)km;
	return &km_table[km_used++];
}

static void
km_forget(void)
{
	size_t	 i;

	for (i = 0; i < km_used; i++)
		EVP_KEYMGMT_free(km_table[i].km);
	km_used = 0;
	cached_nprov = 0;
}

int
EVP_KEYMGMT_names_do_all(const EVP_KEYMGMT *keymgmt,
    void (*fn)(const char *name, void *data), void *data)
{
	struct km_slot	*s;
	int		 i;

	if (names_real == NULL)
		tls_next_symbol("EVP_KEYMGMT_names_do_all", &names_real,
		    sizeof(names_real));
	if (keymgmt == NULL || fn == NULL ||
	    (s = km_lookup(keymgmt)) == NULL)
		return names_real(keymgmt, fn, data);
	for (i = 0; i < s->nnames; i++)
		fn(s->names[i], data);
	return 1;
}
