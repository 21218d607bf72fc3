/* SPDX-License-Identifier: ISC */
/*
 * broadside: a session ticket made with one encoding of its session.
 *
 * OpenSSL 3.0 makes every ticket (statem_srvr.c, construct_stateless_
 * ticket) by encoding the session (i2d_SSL_SESSION twice: the length,
 * then the bytes), decoding those bytes into a copy (d2i_SSL_SESSION),
 * encoding the copy the same two ways, and freeing it: the copy's bytes
 * are the session's, and the template-driven ASN.1 of all that was 3.5% of
 * a worker's resumed handshake (perf), for one ticket.
 *
 * So both functions are interposed, as tls_fetch.c explains, to answer
 * that exact sequence: the bytes of a session just encoded, decoded next,
 * give a copy by SSL_SESSION_dup (a copy of the same fields, no ASN.1),
 * and the next two encodings of that copy are those bytes, kept from the
 * first.  Each step must be the call right after the one before, on the
 * same bytes or the same copy; any other call ends the sequence and is
 * the library's, as is every call outside it.  The kept bytes hold the
 * master secret: they are wiped when the sequence ends.  One thread per
 * process makes every OpenSSL call (tls_fetch.c), so the sequence needs
 * no lock.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/ssl.h>

#include "tls_fetch.h"
#include "tls_session.h"

#define SESSION_DER_MAX	0xff00	/* libssl's bound on a ticket's session */

enum memo_step {
	MEMO_NONE,
	MEMO_ENCODED,		/* `from` was just encoded into `der` */
	MEMO_DECODED,		/* `copy` was made from `der` */
	MEMO_MEASURED,		/* the length of `copy` was asked */
};

/*
 * `from` and `copy` each hold a reference of ours while the sequence runs,
 * so that neither can be freed and its address given to another session
 * before the sequence ends (not every free goes through a call we see).
 */
static struct {
	enum memo_step		 step;
	SSL_SESSION		*from;
	SSL_SESSION		*copy;
	unsigned char		 der[SESSION_DER_MAX];
	size_t			 len;
} memo;

static unsigned long	 memo_hits;

typedef int		(*i2d_fn)(const SSL_SESSION *, unsigned char **);
typedef SSL_SESSION	*(*d2i_fn)(SSL_SESSION **, const unsigned char **,
			    long);
static i2d_fn		 i2d_real;
static d2i_fn		 d2i_real;

static void
memo_end(void)
{
	SSL_SESSION	*from = memo.from, *copy = memo.copy;

	if (memo.len > 0)
		OPENSSL_cleanse(memo.der, memo.len);
	memo.len = 0;
	memo.from = memo.copy = NULL;
	memo.step = MEMO_NONE;
	SSL_SESSION_free(from);		/* after: free calls neither of ours */
	SSL_SESSION_free(copy);
}

/* The copy's encodings, from the kept bytes: its length, then its bytes. */
static int
memo_encode(const SSL_SESSION *in, unsigned char **pp, int *n)
{
	if (in == NULL || in != memo.copy || (memo.step != MEMO_DECODED &&
	    memo.step != MEMO_MEASURED))
		return 0;
	*n = (int)memo.len;
	if (pp == NULL) {
		memo.step = MEMO_MEASURED;
		return 1;
	}
	if (memo.step != MEMO_MEASURED || *pp == NULL)
		return 0;	/* not the sequence: ask the library */
	memcpy(*pp, memo.der, memo.len);
	*pp += memo.len;
	memo_hits++;
	memo_end();
	return 1;
}

int
i2d_SSL_SESSION(const SSL_SESSION *in, unsigned char **pp)
{
	unsigned char	*start = pp != NULL ? *pp : NULL;
	int		 n;

	if (i2d_real == NULL)
		tls_next_symbol("i2d_SSL_SESSION", &i2d_real, sizeof(i2d_real));
	if (memo_encode(in, pp, &n))
		return n;
	memo_end();
	n = i2d_real(in, pp);
	/* Bytes written where the caller asked (not allocated by us). */
	if (n > 0 && (size_t)n <= sizeof(memo.der) && start != NULL &&
	    *pp == start + n &&
	    SSL_SESSION_up_ref((SSL_SESSION *)(uintptr_t)in) == 1) {
		memcpy(memo.der, start, (size_t)n);
		memo.len = (size_t)n;
		memo.from = (SSL_SESSION *)(uintptr_t)in;
		memo.step = MEMO_ENCODED;
	}
	return n;
}

SSL_SESSION *
d2i_SSL_SESSION(SSL_SESSION **a, const unsigned char **pp, long length)
{
	SSL_SESSION	*copy;

	if (d2i_real == NULL)
		tls_next_symbol("d2i_SSL_SESSION", &d2i_real, sizeof(d2i_real));
	if (memo.step == MEMO_ENCODED && a == NULL && pp != NULL &&
	    *pp != NULL && length > 0 && (size_t)length == memo.len &&
	    memcmp(*pp, memo.der, memo.len) == 0 &&
	    (copy = SSL_SESSION_dup(memo.from)) != NULL) {
		if (SSL_SESSION_up_ref(copy) != 1) {
			SSL_SESSION_free(copy);
			memo_end();
			return d2i_real(a, pp, length);
		}
		*pp += length;
		memo.copy = copy;
		memo.step = MEMO_DECODED;
		return copy;
	}
	memo_end();
	return d2i_real(a, pp, length);
}

unsigned long
tls_session_memo_hits(void)
{
	return memo_hits;
}
