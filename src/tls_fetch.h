/* SPDX-License-Identifier: ISC */
/*
 * broadside: a cache of the method fetches and key-type name walks that
 * libssl 3.0 repeats at every handshake (see tls_fetch.c).
 */
#ifndef BROADSIDE_TLS_FETCH_H
#define BROADSIDE_TLS_FETCH_H

#include <stddef.h>

#include <openssl/types.h>

/*
 * From now on, answer fetches in `libctx` from the cache: once its
 * providers are loaded and will not change.  What was cached before is
 * released; NULL stops caching (before the context is freed).
 */
void		tls_fetch_cache_for(OSSL_LIB_CTX *libctx);

/* Answers given from the cache so far (for tests and debugging). */
unsigned long	tls_fetch_hits(void);

/*
 * The library's own definition of an interposed function `name` into *fn
 * (a function pointer of `size` bytes); aborts when there is none.
 */
void		tls_next_symbol(const char *name, void *fn, size_t size);

#endif
