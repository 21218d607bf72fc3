/* SPDX-License-Identifier: ISC */
/*
 * broadside: the key process, the one that holds the TLS private key, and
 * the workers' side of asking it to sign.  See keyproc.h.
 *
 * A request is one SOCK_SEQPACKET message of a fixed size: a sequence
 * number, a digest length and the digest.  The answer is one message: the
 * same sequence number, a status and the DER signature.  Messages of any
 * other size end the channel.  The key process never blocks on a worker:
 * it polls, reads and answers without waiting (an answer a worker does
 * not read is dropped, and that worker times out).
 */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE	/* MSG_CMSG_CLOEXEC */
#endif
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "config.h"
#include "channel.h"
#include "keyproc.h"
#include "log.h"
#include "sandbox.h"

#define KEYPROC_START_MS	10000	/* to read the key and confine itself */
#define KEY_FILE_MAX		(64 * 1024)
#define STALE_REPLIES_MAX	8	/* answers to requests that timed out */
#define KEY_BATCH_MAX		32	/* requests answered per wake-up */

struct keyproc_req {
	uint32_t	 seq;
	uint32_t	 len;
	unsigned char	 dgst[KEYPROC_DIGEST_MAX];
};

struct keyproc_rep {
	uint32_t	 seq;
	int32_t		 status;	/* 0: signed */
	uint32_t	 len;
	unsigned char	 sig[KEYPROC_SIG_MAX];
};

#define REP_HEAD	offsetof(struct keyproc_rep, sig)

static __attribute__((noreturn)) void key_main(int, const struct config *,
		    const struct sandbox_user *, void (*)(void));

/* -- the key process ---------------------------------------------------- */

static int
no_passphrase(char *buf, int size, int rw, void *arg)
{
	(void)buf;
	(void)size;
	(void)rw;
	(void)arg;
	return -1;	/* never prompt on a terminal */
}

/* Read the key through a buffer of ours, which we then wipe. */
static EVP_PKEY *
read_key(const char *path)
{
	static unsigned char	 buf[KEY_FILE_MAX];
	EVP_PKEY		*key = NULL;
	BIO			*bio;
	size_t			 len = 0;
	ssize_t			 n;
	int			 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		log_warn("%s", path);
		return NULL;
	}
	while (len < sizeof(buf) && (n = read(fd, buf + len,
	    sizeof(buf) - len)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			log_warn("%s", path);
			goto done;
		}
		len += (size_t)n;
	}
	if (len == sizeof(buf)) {
		log_warnx("%s: longer than %d bytes: not a key", path,
		    KEY_FILE_MAX);
		goto done;
	}
	if ((bio = BIO_new_mem_buf(buf, (int)len)) != NULL) {
		key = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
		BIO_free(bio);
	}
	if (key == NULL)
		log_warnx("%s: not a PEM private key without a passphrase",
		    path);
done:
	close(fd);
	OPENSSL_cleanse(buf, len);
	return key;
}

/* The key, when it is one we can sign with and it is the certificate's. */
static EVP_PKEY *
load_key(const struct config *conf)
{
	EVP_PKEY	*key;
	X509		*cert = NULL;
	FILE		*fp;
	int		 ok = 0;

	if ((key = read_key(conf->key)) == NULL)
		return NULL;
	if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) {
		log_warnx("%s: %s key: only EC (ECDSA) keys are supported",
		    conf->key, EVP_PKEY_get0_type_name(key) != NULL ?
		    EVP_PKEY_get0_type_name(key) : "unknown");
		goto done;
	}
	if ((fp = fopen(conf->cert, "r")) == NULL) {
		log_warn("%s", conf->cert);
		goto done;
	}
	cert = PEM_read_X509(fp, NULL, NULL, NULL);
	fclose(fp);
	if (cert == NULL)
		log_warnx("%s: not a PEM certificate", conf->cert);
	else if (EVP_PKEY_eq(X509_get0_pubkey(cert), key) != 1)
		log_warnx("%s does not match %s", conf->key, conf->cert);
	else
		ok = 1;
done:
	X509_free(cert);
	ERR_clear_error();
	if (!ok) {
		EVP_PKEY_free(key);
		key = NULL;
	}
	return key;
}

/* Sign one request into `rep`; the reply's length. */
static size_t
key_sign(EVP_PKEY_CTX *pctx, const struct keyproc_req *req,
    struct keyproc_rep *rep)
{
	size_t	 siglen = sizeof(rep->sig);

	memset(rep, 0, REP_HEAD);
	rep->seq = req->seq;
	rep->status = -1;
	if (req->len > 0 && req->len <= KEYPROC_DIGEST_MAX &&
	    EVP_PKEY_sign(pctx, rep->sig, &siglen, req->dgst, req->len) == 1 &&
	    siglen <= sizeof(rep->sig)) {
		rep->status = 0;
		rep->len = (uint32_t)siglen;
	} else {
		log_warnx("cannot sign a %u-byte digest", req->len);
		ERR_clear_error();
	}
	return REP_HEAD + rep->len;
}

/*
 * The replies of a batch, in one system call where there is one: the
 * worker wakes once for them all, and our scheduling class lets us finish
 * the call before it runs (key_main).  A reply the worker's buffer cannot
 * take is dropped: that handshake times out, the others go on.
 */
static void
key_reply(int fd, struct keyproc_rep *reps, const size_t *lens, size_t n)
{
#ifdef __linux__
	struct mmsghdr	 mm[KEY_BATCH_MAX];
	struct iovec	 iov[KEY_BATCH_MAX];
	size_t		 i;

	memset(mm, 0, n * sizeof(mm[0]));
	for (i = 0; i < n; i++) {
		iov[i].iov_base = &reps[i];
		iov[i].iov_len = lens[i];
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	(void)sendmmsg(fd, mm, (unsigned int)n, MSG_DONTWAIT | MSG_NOSIGNAL);
#else
	size_t	 i;

	for (i = 0; i < n; i++)
		(void)send(fd, &reps[i], lens[i], MSG_DONTWAIT | MSG_NOSIGNAL);
#endif
}

/*
 * The requests waiting on a channel, up to a batch, signed and answered:
 * 0, or -1 to close the channel.
 */
static int
key_answer(int fd, EVP_PKEY_CTX *pctx)
{
	static struct keyproc_rep	 reps[KEY_BATCH_MAX];
	unsigned char			 in[sizeof(struct keyproc_req) + 1];
	struct keyproc_req		 req;
	size_t				 lens[KEY_BATCH_MAX], n = 0;
	ssize_t				 r;
	int				 rv = 0;

	while (n < KEY_BATCH_MAX) {
		r = recv(fd, in, sizeof(in), MSG_DONTWAIT);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				rv = -1;
			break;
		}
		if (r == 0) {
			rv = -1;	/* the worker has gone */
			break;
		}
		if ((size_t)r != sizeof(req)) {
			log_warnx("a worker sent a %zd-byte request: closing "
			    "its channel", r);
			rv = -1;
			break;
		}
		memcpy(&req, in, sizeof(req));
		lens[n] = key_sign(pctx, &req, &reps[n]);
		n++;
	}
	if (n > 0)
		key_reply(fd, reps, lens, n);
	return rv;
}

/* A channel from the parent: 0, or -1 when the parent let us go. */
static int
take_channel(int ctl, int *fds, size_t *n)
{
	unsigned char	 b;
	int		 got[CHANNEL_FDS_MAX];
	size_t		 ngot, i;
	ssize_t		 r;

	if ((r = channel_recv(ctl, &b, 1, got, &ngot)) == -1)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if (r == 0)
		return -1;
	for (i = 0; i < ngot; i++) {
		if (*n < KEYPROC_CLIENTS_MAX)
			fds[(*n)++] = got[i];
		else {
			log_warnx("%d worker channels already: refusing one",
			    KEYPROC_CLIENTS_MAX);
			close(got[i]);
		}
	}
	return 0;
}

/* Sign for our workers until the parent lets us go and they have gone. */
static void
key_serve(int ctl, EVP_PKEY *key)
{
	struct pollfd	 pfd[1 + KEYPROC_CLIENTS_MAX];
	int		 fds[KEYPROC_CLIENTS_MAX];
	EVP_PKEY_CTX	*pctx;
	size_t		 n = 0, i, k;

	/* Initialised once: ECDSA keeps no state between two digests. */
	if ((pctx = EVP_PKEY_CTX_new(key, NULL)) == NULL ||
	    EVP_PKEY_sign_init(pctx) != 1) {
		log_warnx("cannot set up signing");
		EVP_PKEY_CTX_free(pctx);
		return;
	}
	while (ctl != -1 || n > 0) {
		pfd[0].fd = ctl;
		pfd[0].events = POLLIN;
		pfd[0].revents = 0;
		for (i = 0; i < n; i++) {
			pfd[1 + i].fd = fds[i];
			pfd[1 + i].events = POLLIN;
			pfd[1 + i].revents = 0;
		}
		if (poll(pfd, 1 + n, -1) == -1) {
			if (errno == EINTR)
				continue;
			log_warn("poll");
			break;
		}
		for (i = k = 0; i < n; i++) {
			if (pfd[1 + i].revents != 0 &&
			    key_answer(fds[i], pctx) == -1)
				close(fds[i]);
			else
				fds[k++] = fds[i];
		}
		n = k;
		if (pfd[0].revents != 0 && take_channel(ctl, fds, &n) == -1) {
			close(ctl);
			ctl = -1;
		}
	}
	EVP_PKEY_CTX_free(pctx);
}

/*
 * A worker that wakes us is not preempted: it goes on sending the requests
 * of its other handshakes, and we sign them in one batch when it waits
 * (key_answer), instead of two context switches each.  Linux only.
 */
static void
key_sched_batch(void)
{
#ifdef SCHED_BATCH
	struct sched_param	 sp;

	memset(&sp, 0, sizeof(sp));
	(void)sched_setscheduler(0, SCHED_BATCH, &sp);
#endif
}

static __attribute__((noreturn)) void
key_main(int ctl, const struct config *conf, const struct sandbox_user *u,
    void (*forget)(void))
{
	EVP_PKEY	*key;
	unsigned char	 status = 1;

	log_set_procname("key");
#ifdef __linux__
	/* How tests, ps and top tell it from a worker. */
	(void)prctl(PR_SET_NAME, "broadside-key", 0, 0, 0);
#endif
	key_sched_batch();
	sandbox_helper_start(&ctl, 1);
	if (forget != NULL)
		forget();	/* the parent's secrets: not ours to hold */
	if ((key = load_key(conf)) != NULL) {
		if (sandbox_keyproc(u) == 0)
			status = 0;
		else
			log_warnx("cannot confine the key process");
	}
	if (write(ctl, &status, 1) != 1 || status != 0)
		_exit(1);
	key_serve(ctl, key);
	EVP_PKEY_free(key);
	/* _exit: nothing of the parent's (atexit, stdio) runs here. */
	_exit(0);
}

/* -- the parent's side -------------------------------------------------- */

int
keyproc_start(struct keyproc *kp, const struct config *conf,
    const struct sandbox_user *u, void (*forget)(void))
{
	struct pollfd	 pfd;
	unsigned char	 status = 1;
	pid_t		 pid;
	int		 ctl;

	kp->pid = -1;
	kp->ctl = -1;
	if ((pid = channel_fork(&ctl)) == -1)
		return -1;
	if (pid == 0)
		key_main(ctl, conf, u, forget);
	pfd.fd = ctl;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, KEYPROC_START_MS) != 1 ||
	    read(ctl, &status, 1) != 1 || status != 0) {
		log_warnx("the key process did not start: no Gemini");
		close(ctl);
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
			;
		return -1;
	}
	kp->pid = pid;
	kp->ctl = ctl;
	kp->started = time(NULL);
	return 0;
}

int
keyproc_channel(const struct keyproc *kp)
{
	if (kp->pid == -1)
		return -1;
	return channel_pair(kp->ctl, 0, KEYPROC_TIMEOUT_MS, "the key process");
}

void
keyproc_release(struct keyproc *kp)
{
	if (kp->ctl != -1)
		close(kp->ctl);
	kp->ctl = -1;
	kp->pid = -1;
}

/* -- the workers' side -------------------------------------------------- */

static int		 client_fd = -1;
static uint32_t		 client_seq;

void
keyproc_client_set(int fd)
{
	client_fd = fd;
}

/*
 * One answer, well formed: 1; 0 when none came (EAGAIN: MSG_DONTWAIT, or
 * the channel's receive timeout); -1 when the channel is broken or the
 * answer is not one (logged).
 */
static int
client_recv(struct keyproc_rep *rep, int flags)
{
	ssize_t	 n;

	while ((n = recv(client_fd, rep, sizeof(*rep), flags)) == -1 &&
	    errno == EINTR)
		;
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (n == -1) {
		log_warn("the key process");
		return -1;
	}
	if (n == 0) {
		log_warnx("the key process has gone");
		return -1;
	}
	if ((size_t)n < REP_HEAD || rep->len > sizeof(rep->sig) ||
	    (size_t)n != REP_HEAD + rep->len) {
		log_warnx("the key process sent %zd bytes: not an answer", n);
		return -1;
	}
	return 1;
}

/* An answer's signature into `sig`: 0, or -1 (logged). */
static int
client_signature(const struct keyproc_rep *rep, unsigned char *sig,
    size_t *siglen, size_t max)
{
	*siglen = 0;
	if (rep->status != 0 || rep->len > max) {
		log_warnx("the key process could not sign");
		return -1;
	}
	memcpy(sig, rep->sig, rep->len);
	*siglen = rep->len;
	return 0;
}

/* The answer to request `seq`, skipping late answers to earlier ones. */
static int
client_reply(uint32_t seq, struct keyproc_rep *rep)
{
	int	 i, r;

	for (i = 0; i < STALE_REPLIES_MAX; i++) {
		if ((r = client_recv(rep, 0)) == 0)
			log_warnx("the key process did not answer in %d ms",
			    KEYPROC_TIMEOUT_MS);
		if (r != 1)
			return -1;
		if (rep->seq == seq)
			return 0;
	}
	log_warnx("the key process sent too many late answers");
	return -1;
}

int
keyproc_client_fd(void)
{
	return client_fd;
}

/* Send request `dgst`; its number to *seq.  0, or -1 (logged). */
static int
client_send(const unsigned char *dgst, size_t len, int flags, uint32_t *seq)
{
	struct keyproc_req	 req;
	ssize_t			 n;

	if (client_fd == -1) {
		log_warnx("no key process: cannot sign the handshake");
		return -1;
	}
	if (len == 0 || len > KEYPROC_DIGEST_MAX) {
		log_warnx("a %zu-byte digest to sign: refused", len);
		return -1;
	}
	memset(&req, 0, sizeof(req));
	req.seq = ++client_seq;
	req.len = (uint32_t)len;
	memcpy(req.dgst, dgst, len);
	while ((n = send(client_fd, &req, sizeof(req), flags | MSG_NOSIGNAL)) ==
	    -1 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(req)) {
		log_warn("the key process");
		return -1;
	}
	*seq = req.seq;
	return 0;
}

int
keyproc_request(const unsigned char *dgst, size_t len, uint32_t *seq)
{
	return client_send(dgst, len, MSG_DONTWAIT, seq);
}

int
keyproc_reply(uint32_t *seq, unsigned char *sig, size_t *siglen, size_t max)
{
	struct keyproc_rep	 rep;
	int			 r;

	if ((r = client_recv(&rep, MSG_DONTWAIT)) != 1)
		return r;
	*seq = rep.seq;
	return client_signature(&rep, sig, siglen, max) == 0 ? 1 : 2;
}

int
keyproc_sign(const unsigned char *dgst, size_t len, unsigned char *sig,
    size_t *siglen, size_t max)
{
	struct keyproc_rep	 rep;
	uint32_t		 seq;

	/* A blocking send: the channel's send timeout bounds it. */
	if (client_send(dgst, len, 0, &seq) == -1 ||
	    client_reply(seq, &rep) == -1)
		return -1;
	return client_signature(&rep, sig, siglen, max);
}
