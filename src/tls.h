/* SPDX-License-Identifier: ISC */
/*
 * broadside: TLS.  The OpenSSL context, the certificate (loaded, or made on
 * first start), signing through the key process, and non-blocking wrappers
 * that speak in "want read / want write" so the event loop needs no
 * SSL_ERROR_* knowledge.
 */
#ifndef BROADSIDE_TLS_H
#define BROADSIDE_TLS_H

#include <sys/types.h>
#include <stddef.h>

#include <openssl/ssl.h>

struct config;

#define TLS_WANT_POLLIN		(-2)
#define TLS_WANT_POLLOUT	(-3)
#define TLS_WANT_KEY		(-4)	/* the handshake waits for its
					 * signature (tls_sign.h) */
#define TLS_CERT_DAYS		(365 * 30)	/* a self-signed certificate */

/*
 * Generate cert+key when both are missing (in a child process, so that
 * the caller's memory never holds the key); refuse when one is.  0 / -1.
 */
int	 tls_ensure_cert(const struct config *);

/*
 * Build a server context from the config's certificate; NULL on error
 * (reason logged).  The private key is not read: the context signs
 * through the key process (keyproc.h), and only EC certificates are
 * supported.  Logs the certificate's SHA-256 fingerprint.
 */
SSL_CTX	*tls_ctx_new(const struct config *);

/* The session-ticket master secret; the parent calls this before forking. */
int	 tls_tickets_init(void);
/* Wipe it, in a process forked from the parent that serves no one. */
void	 tls_tickets_forget(void);

/* A server connection on `fd`; `owner` is what tls_sign_replies gives back. */
SSL	*tls_conn_new(SSL_CTX *, int fd, void *owner);
/* Done with it: cleared and kept for the next connection when `clean`. */
void	 tls_conn_free(SSL *, int clean);
/*
 * 0, TLS_WANT_*, -1.  `busy`: the caller has other connections to serve,
 * so the handshake may return TLS_WANT_KEY rather than wait for its
 * signature (call again when tls_sign_replies says so).
 */
int	 tls_accept(SSL *, int busy);
ssize_t	 tls_read(SSL *, void *, size_t);	/* n, 0 = EOF, TLS_WANT_*, -1 */
ssize_t	 tls_write(SSL *, const void *, size_t);	/* n, TLS_WANT_*, -1 */
int	 tls_close(SSL *);			/* close_notify: 0, TLS_WANT_*, -1 */
const char *tls_sni(SSL *);
unsigned long long tls_received(SSL *);	/* bytes read from the socket */

#endif
