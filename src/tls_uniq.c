/* SPDX-License-Identifier: ISC */
/*
 * broadside: unique, unpredictable byte strings.  See tls_uniq.h.
 *
 * Why not RAND_bytes: OpenSSL 3.0's DRBG, at each call, takes its lock,
 * checks for a fork, and re-keys its AES twice (CTR_DRBG's update): about
 * 0.6 us, paid twice by every session ticket (its session ID and its IV)
 * on top of the calls we cannot replace.  A session ID needs to be unique
 * and unguessable, not fresh entropy; a CBC IV, unpredictable (SP 800-38A,
 * appendix C: the block cipher applied to a nonce).  A counter under a
 * secret key gives both: AES is a permutation, so distinct counters give
 * distinct blocks, and without the key they look random.
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "tls_uniq.h"

#define UNIQ_BLOCK	16
#define UNIQ_BATCH	4	/* blocks per cipher call: a session ID is 2 */

static OSSL_LIB_CTX	*uniq_libctx;
static EVP_CIPHER	*uniq_cipher;
static EVP_CIPHER_CTX	*uniq_ctx;
static uint64_t		 uniq_counter;
static int		 uniq_keyed;	/* in this process */

/* A forked child draws its own key: parent and child share no stream. */
static void
uniq_forget(void)
{
	uniq_keyed = 0;
}

int
tls_uniq_init(OSSL_LIB_CTX *libctx)
{
	if (uniq_cipher != NULL)
		return 0;
	if (pthread_atfork(NULL, NULL, uniq_forget) != 0 ||
	    (uniq_ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    (uniq_cipher = EVP_CIPHER_fetch(libctx, "AES-128-ECB",
	    "provider=default")) == NULL)
		return -1;
	uniq_libctx = libctx;
	return 0;
}

static int
uniq_key(void)
{
	unsigned char	 key[16];
	int		 ok;

	if (uniq_cipher == NULL)
		return 0;
	ok = RAND_priv_bytes_ex(uniq_libctx, key, sizeof(key), 0) == 1 &&
	    EVP_EncryptInit_ex(uniq_ctx, uniq_cipher, NULL, key, NULL) == 1 &&
	    EVP_CIPHER_CTX_set_padding(uniq_ctx, 0) == 1;
	OPENSSL_cleanse(key, sizeof(key));
	uniq_counter = 0;
	uniq_keyed = ok;
	return ok;
}

int
tls_uniq_bytes(unsigned char *out, size_t len)
{
	unsigned char	 in[UNIQ_BATCH * UNIQ_BLOCK], enc[sizeof(in)];
	size_t		 n, blocks, i, j;
	int		 outl;

	if (!uniq_keyed && !uniq_key())
		return 0;
	while (len > 0) {
		n = len < sizeof(in) ? len : sizeof(in);
		blocks = (n + UNIQ_BLOCK - 1) / UNIQ_BLOCK;
		memset(in, 0, blocks * UNIQ_BLOCK);
		for (i = 0; i < blocks; i++) {
			for (j = 0; j < 8; j++)
				in[i * UNIQ_BLOCK + j] =
				    (unsigned char)(uniq_counter >> (56 - 8 * j));
			uniq_counter++;
		}
		if (EVP_EncryptUpdate(uniq_ctx, enc, &outl, in,
		    (int)(blocks * UNIQ_BLOCK)) != 1 ||
		    (size_t)outl != blocks * UNIQ_BLOCK)
			return 0;
		memcpy(out, enc, n);
		out += n;
		len -= n;
	}
	OPENSSL_cleanse(enc, sizeof(enc));
	return 1;
}

int
tls_uniq_session_id(SSL *ssl, unsigned char *id, unsigned int *len)
{
	(void)ssl;
	if (*len > SSL_MAX_SSL_SESSION_ID_LENGTH)
		*len = SSL_MAX_SSL_SESSION_ID_LENGTH;
	return tls_uniq_bytes(id, *len);
}
