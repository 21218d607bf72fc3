/* SPDX-License-Identifier: ISC */
/*
 * broadside: byte strings that never repeat within a process and that no
 * one without its key can predict, for the TLS session IDs and the session
 * tickets' CBC IVs.  Each 16-byte block is AES-128 of a counter under a
 * key drawn from the DRBG in the process that uses it (again after a
 * fork): SP 800-38A's way to make a CBC IV from a nonce, at a tenth of the
 * DRBG's cost per call.  One thread per process calls it (tls_fetch.c).
 */
#ifndef BROADSIDE_TLS_UNIQ_H
#define BROADSIDE_TLS_UNIQ_H

#include <stddef.h>

#include <openssl/ssl.h>

/*
 * Before the first use and before fork: the cipher, fetched from `libctx`,
 * whose DRBG draws the keys.  0, or -1 when OpenSSL failed.
 */
int	 tls_uniq_init(OSSL_LIB_CTX *libctx);

/* len bytes into out.  1, or 0 when OpenSSL failed (logged by the caller). */
int	 tls_uniq_bytes(unsigned char *out, size_t len);

/* SSL_CTX_set_generate_session_id's callback: *len bytes of tls_uniq. */
int	 tls_uniq_session_id(SSL *, unsigned char *id, unsigned int *len);

#endif
