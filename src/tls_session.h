/* SPDX-License-Identifier: ISC */
/*
 * broadside: OpenSSL 3.0's session ticket made with one encoding of its
 * session (see tls_session.c): i2d_SSL_SESSION and d2i_SSL_SESSION are
 * interposed, nothing to call.
 */
#ifndef BROADSIDE_TLS_SESSION_H
#define BROADSIDE_TLS_SESSION_H

/* Copies served from one encoding so far (for tests and debugging). */
unsigned long	tls_session_memo_hits(void);

#endif
