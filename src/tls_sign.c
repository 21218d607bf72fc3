/* SPDX-License-Identifier: ISC */
/*
 * broadside: the handshake's signature, made by the key process.  See
 * tls_sign.h.  A handshake waiting for its signature is a `struct
 * sign_wait` on its async job's stack, listed here until its answer comes
 * (matched by sequence number), it times out, or its connection goes.
 */
#include <sys/queue.h>

#include <stdint.h>
#include <string.h>
#include <time.h>

#include <openssl/async.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>

#include "keyproc.h"
#include "log.h"
#include "tls_sign.h"

enum sign_state {
	SIGN_WAITING,
	SIGN_DONE,
	SIGN_FAILED,
};

struct sign_wait {
	TAILQ_ENTRY(sign_wait)	 entry;
	SSL			*ssl;
	uint32_t		 seq;
	enum sign_state		 state;
	struct timespec		 since;
	size_t			 len;
	unsigned char		 sig[KEYPROC_SIG_MAX];
};

static TAILQ_HEAD(, sign_wait)	 sign_waits =
    TAILQ_HEAD_INITIALIZER(sign_waits);
static SSL			*sign_current;	/* whose handshake runs */

void
tls_sign_enter(SSL *ssl)
{
	sign_current = ssl;
}

void
tls_sign_leave(void)
{
	sign_current = NULL;
}

int
tls_sign_fd(void)
{
	return keyproc_client_fd();
}

/*
 * A DER signature of `dgst`: from inside a job, without blocking the
 * worker (the job pauses until the answer is in); else waiting.  0 / -1.
 */
static int
sign_der(const unsigned char *dgst, size_t dlen, unsigned char *sig,
    size_t *len, size_t max)
{
	struct sign_wait	 w;
	int			 rv = -1;

	if (ASYNC_get_current_job() == NULL || sign_current == NULL)
		return keyproc_sign(dgst, dlen, sig, len, max);
	memset(&w, 0, sizeof(w));
	w.ssl = sign_current;
	if (keyproc_request(dgst, dlen, &w.seq) == -1)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &w.since);
	TAILQ_INSERT_TAIL(&sign_waits, &w, entry);
	/* Whoever ends the wait takes it off the list, then resumes us. */
	while (w.state == SIGN_WAITING)
		if (!ASYNC_pause_job()) {
			TAILQ_REMOVE(&sign_waits, &w, entry);
			return -1;
		}
	if (w.state == SIGN_DONE && w.len <= max) {
		memcpy(sig, w.sig, w.len);
		*len = w.len;
		rv = 0;
	}
	OPENSSL_cleanse(w.sig, sizeof(w.sig));
	return rv;
}

/* End a wait: off the list, then its connection is resumed. */
static void
sign_end(struct sign_wait *w, enum sign_state state, void (*resume)(void *))
{
	TAILQ_REMOVE(&sign_waits, w, entry);
	w->state = state;
	if (resume != NULL)
		resume(SSL_get_app_data(w->ssl));
}

int
tls_sign_replies(void (*resume)(void *))
{
	unsigned char		 sig[KEYPROC_SIG_MAX];
	struct sign_wait	*w;
	uint32_t		 seq;
	size_t			 len;
	int			 r = 0;

	/*
	 * One read at least (the channel is readable: a late answer, or
	 * the end), then as long as some wait: past the last one, a read
	 * would find nothing.
	 */
	do {
		if ((r = keyproc_reply(&seq, sig, &len, sizeof(sig))) <= 0)
			break;
		TAILQ_FOREACH(w, &sign_waits, entry)
			if (w->seq == seq)
				break;
		if (w == NULL)
			continue;	/* late: its wait has ended */
		if (r == 1) {
			memcpy(w->sig, sig, len);
			w->len = len;
		}
		sign_end(w, r == 1 ? SIGN_DONE : SIGN_FAILED, resume);
	} while (!TAILQ_EMPTY(&sign_waits));
	OPENSSL_cleanse(sig, sizeof(sig));
	if (r != -1)
		return 0;
	while ((w = TAILQ_FIRST(&sign_waits)) != NULL)
		sign_end(w, SIGN_FAILED, resume);
	return -1;
}

size_t
tls_sign_expire(void (*resume)(void *))
{
	struct sign_wait	*w;
	struct timespec		 now;
	size_t			 n = 0;
	long long		 ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	/* From the start after each: a resumed connection may end others. */
	for (w = TAILQ_FIRST(&sign_waits); w != NULL; ) {
		ms = (long long)(now.tv_sec - w->since.tv_sec) * 1000 +
		    (now.tv_nsec - w->since.tv_nsec) / 1000000;
		if (ms < KEYPROC_TIMEOUT_MS) {
			w = TAILQ_NEXT(w, entry);
			continue;
		}
		log_warnx("the key process did not answer in %d ms",
		    KEYPROC_TIMEOUT_MS);
		sign_end(w, SIGN_FAILED, resume);
		w = TAILQ_FIRST(&sign_waits);
	}
	TAILQ_FOREACH(w, &sign_waits, entry)
		n++;
	return n;
}

int
tls_sign_cancel(SSL *ssl)
{
	struct sign_wait	*w;

	TAILQ_FOREACH(w, &sign_waits, entry)
		if (w->ssl == ssl) {
			sign_end(w, SIGN_FAILED, NULL);
			return 1;
		}
	return 0;
}

/* -- OpenSSL's side: a key that signs through us ------------------------ */

/*
 * EC_KEY_METHOD is deprecated in OpenSSL 3.0 but the only way to plug a
 * signer of our own into the TLS code without writing a provider: a key
 * whose method is not OpenSSL's is "foreign", and OpenSSL 3.0 signs with
 * it through the legacy path, which calls the method's sign callbacks with
 * the digest (CertificateVerify in TLS 1.3, ServerKeyExchange in 1.2).
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

static EC_KEY_METHOD	*remote_method;

static int
remote_sign(int type, const unsigned char *dgst, int dlen,
    unsigned char *sig, unsigned int *siglen, const BIGNUM *kinv,
    const BIGNUM *r, EC_KEY *eckey)
{
	size_t	 len;
	int	 max = ECDSA_size(eckey);

	(void)type;
	(void)kinv;
	(void)r;
	if (dlen <= 0 || max <= 0 ||
	    sign_der(dgst, (size_t)dlen, sig, &len, (size_t)max) == -1)
		return 0;
	*siglen = (unsigned int)len;
	return 1;
}

static ECDSA_SIG *
remote_sign_sig(const unsigned char *dgst, int dlen, const BIGNUM *kinv,
    const BIGNUM *r, EC_KEY *eckey)
{
	unsigned char		 sig[KEYPROC_SIG_MAX];
	const unsigned char	*p = sig;
	size_t			 len;

	(void)kinv;
	(void)r;
	(void)eckey;
	if (dlen <= 0 || sign_der(dgst, (size_t)dlen, sig, &len,
	    sizeof(sig)) == -1)
		return NULL;
	return d2i_ECDSA_SIG(NULL, &p, (long)len);
}

static int
remote_method_init(void)
{
	int	(*setup)(EC_KEY *, BN_CTX *, BIGNUM **, BIGNUM **);

	if (remote_method != NULL)
		return 0;
	if ((remote_method = EC_KEY_METHOD_new(EC_KEY_OpenSSL())) == NULL)
		return -1;
	EC_KEY_METHOD_get_sign(remote_method, NULL, &setup, NULL);
	EC_KEY_METHOD_set_sign(remote_method, remote_sign, setup,
	    remote_sign_sig);
	return 0;
}

EVP_PKEY *
tls_sign_key(X509 *cert, const char *path)
{
	EVP_PKEY	*pub, *pkey = NULL;
	EC_KEY		*src = NULL, *ec = NULL;

	if (cert == NULL || (pub = X509_get0_pubkey(cert)) == NULL)
		return NULL;
	if (EVP_PKEY_get_base_id(pub) != EVP_PKEY_EC) {
		log_warnx("%s: %s key: only EC (ECDSA) certificates are "
		    "supported", path, EVP_PKEY_get0_type_name(pub) != NULL ?
		    EVP_PKEY_get0_type_name(pub) : "unknown");
		return NULL;
	}
	if (remote_method_init() == -1 ||
	    (src = EVP_PKEY_get1_EC_KEY(pub)) == NULL ||
	    (ec = EC_KEY_new()) == NULL ||
	    EC_KEY_set_method(ec, remote_method) != 1 ||
	    EC_KEY_set_group(ec, EC_KEY_get0_group(src)) != 1 ||
	    EC_KEY_set_public_key(ec, EC_KEY_get0_public_key(src)) != 1 ||
	    (pkey = EVP_PKEY_new()) == NULL ||
	    EVP_PKEY_assign_EC_KEY(pkey, ec) != 1) {
		EVP_PKEY_free(pkey);
		EC_KEY_free(ec);
		EC_KEY_free(src);
		return NULL;
	}
	EC_KEY_free(src);
	return pkey;
}

#pragma GCC diagnostic pop
