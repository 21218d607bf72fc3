/* SPDX-License-Identifier: ISC */
/*
 * broadside: unit tests for keyproc.c.  A real key process signs a digest
 * that the certificate's key verifies; it refuses keys it cannot use and
 * closes a channel that sends it anything but a request.  The workers'
 * side, against a fake key process: late answers skipped, short or
 * oversized answers, silence and a closed channel all fail, never hang.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "config.h"
#include "keyproc.h"
#include "sandbox.h"

/* The wire format, as keyproc.c has it. */
struct req {
	uint32_t	 seq;
	uint32_t	 len;
	unsigned char	 dgst[KEYPROC_DIGEST_MAX];
};

struct rep {
	uint32_t	 seq;
	int32_t		 status;
	uint32_t	 len;
	unsigned char	 sig[KEYPROC_SIG_MAX];
};

#define REP_HEAD	offsetof(struct rep, sig)

static char	 dir[256];

static void
make_pair(const char *name, const char *newkey)
{
	char	 cmd[PATH_MAX * 3];

	snprintf(cmd, sizeof(cmd), "openssl req -x509 -newkey %s -nodes "
	    "-keyout %s/%s.key -out %s/%s.crt -days 2 -subj /CN=localhost "
	    ">/dev/null 2>&1", newkey, dir, name, dir, name);
	assert_int_equal(system(cmd), 0);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_keyproc.XXXXXX");
	assert_non_null(mkdtemp(dir));
	make_pair("ec", "ec -pkeyopt ec_paramgen_curve:P-256");
	make_pair("ec2", "ec -pkeyopt ec_paramgen_curve:P-256");
	make_pair("rsa", "rsa:2048");
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static int
teardown(void **state)
{
	char	 cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
conf_for(struct config *conf, const char *cert, const char *key,
    char *cbuf, char *kbuf)
{
	memset(conf, 0, sizeof(*conf));
	snprintf(cbuf, PATH_MAX, "%s/%s.crt", dir, cert);
	snprintf(kbuf, PATH_MAX, "%s/%s.key", dir, key);
	conf->cert = cbuf;
	conf->key = kbuf;
}

static int
start(const char *cert, const char *key, struct keyproc *kp)
{
	struct config		 conf;
	struct sandbox_user	 u;
	char			 c[PATH_MAX], k[PATH_MAX];

	memset(&u, 0, sizeof(u));	/* no privilege drop in a test */
	conf_for(&conf, cert, key, c, k);
	fflush(NULL);
	return keyproc_start(kp, &conf, &u, NULL);
}

static void
stop(struct keyproc *kp)
{
	pid_t	 pid = kp->pid;
	int	 status;

	keyproc_release(kp);
	/* Released, with no channel left open, it exits by itself. */
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static EVP_PKEY *
cert_key(const char *name)
{
	char	 path[PATH_MAX];
	FILE	*fp;
	X509	*x;
	EVP_PKEY *pk;

	snprintf(path, sizeof(path), "%s/%s.crt", dir, name);
	assert_non_null(fp = fopen(path, "r"));
	assert_non_null(x = PEM_read_X509(fp, NULL, NULL, NULL));
	fclose(fp);
	pk = X509_get_pubkey(x);
	X509_free(x);
	return pk;
}

static void
test_signs_with_the_certificates_key(void **state)
{
	struct keyproc	 kp;
	unsigned char	 dgst[32], sig[KEYPROC_SIG_MAX];
	size_t		 siglen = 0;
	EVP_PKEY	*pub;
	EVP_PKEY_CTX	*vctx;
	int		 fd, i;

	(void)state;
	assert_int_equal(start("ec", "ec", &kp), 0);
	assert_int_not_equal(fd = keyproc_channel(&kp), -1);
	keyproc_client_set(fd);
	pub = cert_key("ec");
	for (i = 0; i < 3; i++) {
		memset(dgst, 'a' + i, sizeof(dgst));
		assert_int_equal(keyproc_sign(dgst, sizeof(dgst), sig, &siglen,
		    sizeof(sig)), 0);
		assert_non_null(vctx = EVP_PKEY_CTX_new(pub, NULL));
		assert_int_equal(EVP_PKEY_verify_init(vctx), 1);
		assert_int_equal(EVP_PKEY_verify(vctx, sig, siglen, dgst,
		    sizeof(dgst)), 1);
		EVP_PKEY_CTX_free(vctx);
	}
	/* Digests it refuses: empty, longer than any TLS digest. */
	assert_int_equal(keyproc_sign(dgst, 0, sig, &siglen, sizeof(sig)), -1);
	assert_int_equal(keyproc_sign(sig, KEYPROC_DIGEST_MAX + 1, sig,
	    &siglen, sizeof(sig)), -1);
	/* A buffer too small for the signature. */
	assert_int_equal(keyproc_sign(dgst, sizeof(dgst), sig, &siglen, 8),
	    -1);
	EVP_PKEY_free(pub);
	keyproc_client_set(-1);
	close(fd);
	stop(&kp);
}

/* Requests sent without waiting are answered, each by its number. */
static void
test_answers_requests_sent_without_waiting(void **state)
{
	struct keyproc	 kp;
	unsigned char	 dgst[5][32], sig[KEYPROC_SIG_MAX];
	uint32_t	 seq[5], got;
	size_t		 siglen, i, n = 0;
	struct pollfd	 pfd;
	EVP_PKEY	*pub;
	EVP_PKEY_CTX	*vctx;
	int		 fd, r;

	(void)state;
	assert_int_equal(start("ec", "ec", &kp), 0);
	assert_int_not_equal(fd = keyproc_channel(&kp), -1);
	keyproc_client_set(fd);
	assert_int_equal(keyproc_client_fd(), fd);
	pub = cert_key("ec");
	assert_int_equal(keyproc_reply(&got, sig, &siglen, sizeof(sig)), 0);
	for (i = 0; i < 5; i++) {
		memset(dgst[i], 'k' + (int)i, sizeof(dgst[i]));
		assert_int_equal(keyproc_request(dgst[i], sizeof(dgst[i]),
		    &seq[i]), 0);
	}
	while (n < 5) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		assert_int_equal(poll(&pfd, 1, 10000), 1);
		while ((r = keyproc_reply(&got, sig, &siglen, sizeof(sig))) ==
		    1) {
			assert_int_equal(got, seq[n]);
			assert_non_null(vctx = EVP_PKEY_CTX_new(pub, NULL));
			assert_int_equal(EVP_PKEY_verify_init(vctx), 1);
			assert_int_equal(EVP_PKEY_verify(vctx, sig, siglen,
			    dgst[n], sizeof(dgst[n])), 1);
			EVP_PKEY_CTX_free(vctx);
			n++;
		}
		assert_int_equal(r, 0);
	}
	/* Refused before anything is sent. */
	assert_int_equal(keyproc_request(dgst[0], 0, &got), -1);
	assert_int_equal(keyproc_request(dgst[0], KEYPROC_DIGEST_MAX + 1,
	    &got), -1);
	EVP_PKEY_free(pub);
	keyproc_client_set(-1);
	close(fd);
	stop(&kp);
}

static void
test_a_bad_request_closes_the_channel(void **state)
{
	struct keyproc	 kp;
	struct req	 req;
	unsigned char	 junk[sizeof(req) + 10], buf[8];
	int		 fd, fd2;

	(void)state;
	assert_int_equal(start("ec", "ec", &kp), 0);
	assert_int_not_equal(fd = keyproc_channel(&kp), -1);
	memset(junk, 0, sizeof(junk));
	assert_int_equal(send(fd, junk, sizeof(junk), 0), sizeof(junk));
	assert_int_equal(recv(fd, buf, sizeof(buf), 0), 0);	/* closed */
	close(fd);
	/* A digest length out of bounds is answered: not signed. */
	assert_int_not_equal(fd2 = keyproc_channel(&kp), -1);
	memset(&req, 0, sizeof(req));
	req.seq = 7;
	req.len = KEYPROC_DIGEST_MAX + 1;
	assert_int_equal(send(fd2, &req, sizeof(req), 0), sizeof(req));
	{
		struct rep	 rep;

		assert_int_equal(recv(fd2, &rep, sizeof(rep), 0), REP_HEAD);
		assert_int_equal(rep.seq, 7);
		assert_int_not_equal(rep.status, 0);
	}
	close(fd2);
	stop(&kp);
}

static void
test_refuses_keys_it_cannot_use(void **state)
{
	struct keyproc	 kp;

	(void)state;
	assert_int_equal(start("rsa", "rsa", &kp), -1);
	assert_int_equal(kp.pid, -1);
	assert_int_equal(start("ec", "ec2", &kp), -1);	/* not the cert's */
	assert_int_equal(start("ec", "nonexistent", &kp), -1);
}

/* The workers' side against a fake key process on the other end. */
static void
fake_pair(int sv[2], int timeout_ms)
{
	struct timeval	 tv = { 0, timeout_ms * 1000 };

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv,
	    sizeof(tv)), 0);
	keyproc_client_set(sv[0]);
}

/* Have the fake answer the next request, after `late` stale answers. */
static void
fake_answers(int fd, int late, uint32_t len, size_t send_len)
{
	struct req	 req;
	struct rep	 rep;
	int		 i;

	assert_int_equal(recv(fd, &req, sizeof(req), MSG_DONTWAIT),
	    sizeof(req));
	memset(&rep, 0, sizeof(rep));
	rep.len = len;
	for (i = 0; i < late; i++) {
		rep.seq = req.seq - 1 - i;
		assert_int_equal(send(fd, &rep, REP_HEAD + len, 0),
		    (ssize_t)(REP_HEAD + len));
	}
	rep.seq = req.seq;
	memset(rep.sig, 's', sizeof(rep.sig));
	assert_int_equal(send(fd, &rep, send_len, 0), (ssize_t)send_len);
}

/* The request goes first, then the test plays the key process. */
static int
sign_with_fake(int sv[2], int late, uint32_t len, size_t send_len)
{
	unsigned char	 dgst[32] = { 1 }, sig[KEYPROC_SIG_MAX];
	size_t		 siglen;
	pid_t		 pid;
	int		 status;

	fflush(NULL);
	assert_int_not_equal(pid = fork(), -1);
	if (pid == 0) {
		/* The child signs; the parent answers as the key process. */
		close(sv[1]);
		_exit(keyproc_sign(dgst, sizeof(dgst), sig, &siglen,
		    sizeof(sig)) == 0 && siglen == len ? 0 : 1);
	}
	{
		struct timeval	 tv = { 2, 0 };

		setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		/* MSG_DONTWAIT below needs the request there: wait for it. */
		{
			struct req	 peek;

			assert_int_equal(recv(sv[1], &peek, sizeof(peek),
			    MSG_PEEK), sizeof(peek));
		}
		if (send_len != 0)
			fake_answers(sv[1], late, len, send_len);
		else {
			struct req	 req;

			assert_int_equal(recv(sv[1], &req, sizeof(req), 0),
			    sizeof(req));
		}
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void
test_client_bounds(void **state)
{
	int	 sv[2];

	(void)state;
	/* Two late answers, then ours: skipped, then taken. */
	fake_pair(sv, 500);
	assert_int_equal(sign_with_fake(sv, 2, 70, REP_HEAD + 70), 0);
	close(sv[0]);
	close(sv[1]);
	/* Shorter than its header says. */
	fake_pair(sv, 500);
	assert_int_equal(sign_with_fake(sv, 0, 70, REP_HEAD + 10), -1);
	close(sv[0]);
	close(sv[1]);
	/* A length beyond the largest signature. */
	fake_pair(sv, 500);
	assert_int_equal(sign_with_fake(sv, 0, KEYPROC_SIG_MAX + 1,
	    REP_HEAD), -1);
	close(sv[0]);
	close(sv[1]);
	/* Silence: the socket's timeout ends the wait. */
	fake_pair(sv, 100);
	assert_int_equal(sign_with_fake(sv, 0, 70, 0), -1);
	close(sv[0]);
	close(sv[1]);
	/* More late answers than it skips. */
	fake_pair(sv, 500);
	assert_int_equal(sign_with_fake(sv, 9, 70, REP_HEAD + 70), -1);
	close(sv[0]);
	close(sv[1]);
	/* A closed channel, and no channel at all. */
	{
		unsigned char	 d[32] = { 0 }, sig[KEYPROC_SIG_MAX];
		size_t		 len;

		fake_pair(sv, 500);
		close(sv[1]);
		assert_int_equal(keyproc_sign(d, sizeof(d), sig, &len,
		    sizeof(sig)), -1);
		close(sv[0]);
		keyproc_client_set(-1);
		assert_int_equal(keyproc_sign(d, sizeof(d), sig, &len,
		    sizeof(sig)), -1);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signs_with_the_certificates_key),
		cmocka_unit_test(test_answers_requests_sent_without_waiting),
		cmocka_unit_test(test_a_bad_request_closes_the_channel),
		cmocka_unit_test(test_refuses_keys_it_cannot_use),
		cmocka_unit_test(test_client_bounds),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
