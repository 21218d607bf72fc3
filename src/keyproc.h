/* SPDX-License-Identifier: ISC */
/*
 * broadside: the key process.  The only process that ever holds the TLS
 * private key.  The parent forks it before anything reads the key file; it
 * reads the key and the certificate, checks they match, confines itself
 * (privileges dropped, a system call filter of a few calls) and then only
 * signs handshake digests for the workers, each over a SOCK_SEQPACKET
 * socket of its own that the parent hands it.  Workers never see the key:
 * their OpenSSL key is the certificate's public key with a signing method
 * that asks the key process (tls.c).
 */
#ifndef BROADSIDE_KEYPROC_H
#define BROADSIDE_KEYPROC_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct sandbox_user;

#define KEYPROC_DIGEST_MAX	64	/* SHA-512: the longest TLS digest */
#define KEYPROC_SIG_MAX		160	/* a DER ECDSA signature, P-521 */
#define KEYPROC_CLIENTS_MAX	256	/* worker channels at once */
#define KEYPROC_TIMEOUT_MS	2000	/* a worker waits this long at most */

struct keyproc {
	pid_t	 pid;		/* -1: none */
	int	 ctl;		/* the parent's end: channels go over it */
	time_t	 started;
};

/*
 * Parent: fork the key process for the config's cert and key and wait for
 * it to say it holds a key that matches the certificate.  The child first
 * calls `forget` (when not NULL) to wipe what it inherits and must not
 * hold.  0, or -1 (the reason logged, the process gone).
 */
int	 keyproc_start(struct keyproc *, const struct config *,
	    const struct sandbox_user *, void (*forget)(void));

/*
 * Parent, before forking a worker: a new channel to the key process.  The
 * worker's end (close-on-exec, with send and receive timeouts), or -1.
 */
int	 keyproc_channel(const struct keyproc *);

/*
 * Parent: let the key process go.  It signs for the workers it serves
 * until the last of them has gone, then exits: a reload does not cut the
 * old generation's handshakes.
 */
void	 keyproc_release(struct keyproc *);

/* Worker: the channel keyproc_sign() uses (-1: none). */
void	 keyproc_client_set(int);

/* Worker: the channel's descriptor, for an event loop (-1: none). */
int	 keyproc_client_fd(void);

/*
 * Worker, without waiting: ask for `dgst` to be signed; its sequence
 * number goes to *seq.  0, or -1 (logged).
 */
int	 keyproc_request(const unsigned char *dgst, size_t len, uint32_t *seq);

/*
 * Worker, without waiting: the next answer, if one is there.  1: the DER
 * signature of request *seq is in `sig` (*siglen bytes, at most `max`);
 * 2: request *seq could not be signed (logged); 0: no answer yet; -1: the
 * channel is broken (logged), no answer will come.
 */
int	 keyproc_reply(uint32_t *seq, unsigned char *sig, size_t *siglen,
	    size_t max);

/*
 * Worker: have `dgst` signed.  The DER signature goes to `sig` (at most
 * `max` bytes) and its length to `*siglen`.  Waits KEYPROC_TIMEOUT_MS at
 * most.  0, or -1 (logged).
 */
int	 keyproc_sign(const unsigned char *dgst, size_t len,
	    unsigned char *sig, size_t *siglen, size_t max);

#endif
