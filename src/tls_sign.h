/* SPDX-License-Identifier: ISC */
/*
 * broadside: the handshake's signature, made by the key process
 * (keyproc.h).  The worker's OpenSSL key is the certificate's public key
 * with a signing method that asks the key process.  Inside an OpenSSL
 * async job (tls.c runs the handshake in one) a signature does not block
 * the worker: the request goes out, the job pauses, SSL_do_handshake
 * returns SSL_ERROR_WANT_ASYNC, and the worker serves its other
 * connections; when the answer comes, tls_sign_replies hands the
 * connection back to be resumed.  Outside a job it waits for the answer.
 */
#ifndef BROADSIDE_TLS_SIGN_H
#define BROADSIDE_TLS_SIGN_H

#include <stddef.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

/*
 * The certificate's public key as a key OpenSSL signs with, through the
 * key process.  EC only (the key process refuses other keys as well);
 * NULL (logged) otherwise.  `path` names the certificate in messages.
 */
EVP_PKEY	*tls_sign_key(X509 *cert, const char *path);

/*
 * Around SSL_do_handshake: whose signature a job asks for.  Whether there
 * is a job at all is the caller's choice (SSL_MODE_ASYNC); without one,
 * the signature is waited for.
 */
void	 tls_sign_enter(SSL *);
void	 tls_sign_leave(void);

/* The key process's channel, to wait on for answers (-1: none). */
int	 tls_sign_fd(void);

/*
 * Take the answers that came; for each handshake whose signature came (or
 * could not be made) call `resume` with SSL_get_app_data of its SSL.
 * 0, or -1 when the channel is broken: every waiting handshake has been
 * failed and resumed, no answer will come again.
 */
int	 tls_sign_replies(void (*resume)(void *));

/*
 * Fail the waits older than KEYPROC_TIMEOUT_MS (logged) and resume them.
 * The number of handshakes still waiting.
 */
size_t	 tls_sign_expire(void (*resume)(void *));

/*
 * The SSL is going: if a job of it waits for a signature, the wait fails.
 * 1 if it did (the job must be resumed to unwind), else 0.
 */
int	 tls_sign_cancel(SSL *);

#endif
