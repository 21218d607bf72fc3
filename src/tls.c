/* SPDX-License-Identifier: ISC */
/*
 * broadside: TLS with OpenSSL.  TLS 1.2 at least, 1.3 preferred, no
 * compression, no renegotiation, X25519 first, stateless session tickets
 * (one per full handshake) so that any worker can resume any session.
 * The private key is not here: the context holds the certificate's public
 * key with a signing method that asks the key process (tls_sign.c).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/async.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "config.h"
#include "log.h"
#include "tls.h"
#include "tls_fetch.h"
#include "tls_provider.h"
#include "tls_sign.h"
#include "tls_uniq.h"

#ifndef MSG_MORE
#define MSG_MORE	0	/* no such hint (the BSDs): each send goes out */
#endif

static int	 write_pem(const char *, mode_t, int (*)(FILE *, void *),
		    void *);
static int	 pem_key(FILE *, void *);
static int	 pem_cert(FILE *, void *);
static X509	*make_cert(const char *, EVP_PKEY *);
static int	 check_cert_dates(const char *);

/*
 * Session ticket keys.  A master secret made once in the parent, before any
 * fork, and kept across reloads; the keys of each period derive from it, so
 * every worker of every generation encrypts and decrypts the same tickets
 * without talking to the others.  Tickets of the previous period are still
 * accepted (and renewed), then they expire with their keys.
 */
#define TICKET_PERIOD_SEC	(12 * 3600)

struct ticket_keys {
	long		 period;
	unsigned char	 name[16];
	unsigned char	 aes[32];
	unsigned char	 mac[32];
};

static unsigned char	 ticket_master[32];
static int		 ticket_master_set;
static struct ticket_keys ticket_cache[2];	/* current, previous */
/*
 * Fetched once: EVP_aes_256_cbc() would be looked up in the provider's
 * method store at each ticket, under a lock.
 */
static EVP_CIPHER	*ticket_cipher;

static void
ticket_derive(long period, struct ticket_keys *k)
{
	unsigned char	 msg[32], out[EVP_MAX_MD_SIZE];
	unsigned int	 len;
	int		 i;

	k->period = period;
	for (i = 0; i < 3; i++) {
		memset(msg, 0, sizeof(msg));
		snprintf((char *)msg, sizeof(msg), "%c%ld", "nam"[i], period);
		HMAC(EVP_sha256(), ticket_master, sizeof(ticket_master), msg,
		    sizeof(msg), out, &len);
		if (i == 0)
			memcpy(k->name, out, sizeof(k->name));
		else
			memcpy(i == 1 ? k->aes : k->mac, out, 32);
	}
}

static const struct ticket_keys *
ticket_keys_for(long period)
{
	struct ticket_keys	*k = &ticket_cache[period & 1];

	if (k->period != period)
		ticket_derive(period, k);
	return k;
}

static int
ticket_key_cb(SSL *ssl, unsigned char name[16], unsigned char *iv,
    EVP_CIPHER_CTX *cctx, EVP_MAC_CTX *hctx, int enc)
{
	const struct ticket_keys	*k;
	OSSL_PARAM			 params[3];
	long				 now = (long)(time(NULL) / TICKET_PERIOD_SEC);
	/*
	 * 2 = "valid, and issue a fresh one": TLS 1.3 clients use a ticket
	 * once, so a resumed connection must hand out the next ticket or
	 * every other connection would be a full handshake.
	 */
	int				 rv = 2;

	(void)ssl;
	if (enc) {
		k = ticket_keys_for(now);
		if (!tls_uniq_bytes(iv,
		    (size_t)EVP_CIPHER_get_iv_length(ticket_cipher)))
			return -1;
		memcpy(name, k->name, 16);
		if (!EVP_EncryptInit_ex(cctx, ticket_cipher, NULL, k->aes, iv))
			return -1;
	} else {
		k = ticket_keys_for(now);
		if (memcmp(name, k->name, 16) != 0) {
			k = ticket_keys_for(now - 1);
			if (memcmp(name, k->name, 16) != 0)
				return 0;	/* unknown: full handshake */
		}
		if (!EVP_DecryptInit_ex(cctx, ticket_cipher, NULL, k->aes, iv))
			return -1;
	}
	params[0] = OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY,
	    (void *)(uintptr_t)k->mac, sizeof(k->mac));
	params[1] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)(uintptr_t)OSSL_DIGEST_NAME_SHA2_256, 0);
	params[2] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_CTX_set_params(hctx, params))
		return -1;
	return rv;
}

int
tls_tickets_init(void)
{
	if (ticket_master_set)
		return 0;
	if (RAND_bytes(ticket_master, sizeof(ticket_master)) != 1)
		return -1;
	ticket_master_set = 1;
	return 0;
}

void
tls_tickets_forget(void)
{
	OPENSSL_cleanse(ticket_master, sizeof(ticket_master));
	OPENSSL_cleanse(ticket_cache, sizeof(ticket_cache));
	ticket_master_set = 0;
}

static void
log_ssl_errors(const char *what)
{
	unsigned long	 e;
	char		 buf[256];

	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		log_warnx("%s: %s", what, buf);
	}
}

/* In a child of its own: see tls_ensure_cert. */
static int
generate_cert(const struct config *conf)
{
	EVP_PKEY	*key = NULL;
	X509		*cert = NULL;
	int		 rv = -1;

	if ((key = EVP_EC_gen("P-256")) == NULL)
		goto fail;
	if ((cert = make_cert(conf->hostname, key)) == NULL)
		goto fail;
	if (write_pem(conf->key, 0600, pem_key, key) == -1)
		goto fail;
	if (write_pem(conf->cert, 0644, pem_cert, cert) == -1) {
		unlink(conf->key);
		goto fail;
	}
	rv = 0;
fail:
	if (rv == -1)
		log_ssl_errors("certificate generation");
	X509_free(cert);
	EVP_PKEY_free(key);	/* clears the private scalar */
	return rv;
}

int
tls_ensure_cert(const struct config *conf)
{
	int	 has_cert, has_key, status;
	pid_t	 pid;

	has_cert = access(conf->cert, F_OK) == 0;
	has_key = access(conf->key, F_OK) == 0;
	if (has_cert && has_key)
		return 0;
	if (has_cert != has_key) {
		log_warnx("%s exists but %s does not: refusing to make a new "
		    "certificate (clients trust the old one)",
		    has_cert ? conf->cert : conf->key,
		    has_cert ? conf->key : conf->cert);
		return -1;
	}
	log_info("no certificate at %s: generating a self-signed one for %s",
	    conf->cert, conf->hostname);
	/*
	 * The workers are forked from this process: the new key is made in
	 * a child that exits, so that no byte of it is left in our heap.
	 */
	switch ((pid = fork())) {
	case -1:
		log_warn("fork");
		return -1;
	case 0:
		_exit(generate_cert(conf) == 0 ? 0 : 1);
	default:
		break;
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR) {
			log_warn("waitpid");
			return -1;
		}
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int
add_ext(X509 *cert, int nid, const char *value)
{
	X509V3_CTX	 ctx;
	X509_EXTENSION	*ext;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, cert, cert, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL)
		return -1;
	X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return 0;
}

static X509 *
make_cert(const char *hostname, EVP_PKEY *key)
{
	X509		*cert;
	X509_NAME	*name;
	unsigned char	 serial[16];
	BIGNUM		*bn = NULL;
	char		 san[300];
	int		 ip;

	if ((cert = X509_new()) == NULL)
		return NULL;
	X509_set_version(cert, 2);
	if (RAND_bytes(serial, sizeof(serial)) != 1)
		goto fail;
	serial[0] &= 0x7f;
	if ((bn = BN_bin2bn(serial, sizeof(serial), NULL)) == NULL ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) == NULL)
		goto fail;
	X509_gmtime_adj(X509_getm_notBefore(cert), -24 * 3600);
	X509_time_adj_ex(X509_getm_notAfter(cert), TLS_CERT_DAYS, 0, NULL);
	X509_set_pubkey(cert, key);
	name = X509_get_subject_name(cert);
	if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	    (const unsigned char *)hostname, -1, -1, 0))
		goto fail;
	X509_set_issuer_name(cert, name);
	ip = strspn(hostname, "0123456789.") == strlen(hostname) ||
	    strchr(hostname, ':') != NULL;
	snprintf(san, sizeof(san), "%s:%s", ip ? "IP" : "DNS", hostname);
	if (add_ext(cert, NID_subject_alt_name, san) == -1 ||
	    add_ext(cert, NID_basic_constraints, "critical,CA:FALSE") == -1)
		goto fail;
	if (X509_sign(cert, key, EVP_sha256()) == 0)
		goto fail;
	BN_free(bn);
	return cert;
fail:
	BN_free(bn);
	X509_free(cert);
	return NULL;
}

static int
pem_key(FILE *fp, void *key)
{
	return PEM_write_PrivateKey(fp, key, NULL, NULL, 0, NULL, NULL);
}

static int
pem_cert(FILE *fp, void *cert)
{
	return PEM_write_X509(fp, cert);
}

/* Create `path` (never over an existing file) and write one PEM object. */
static int
write_pem(const char *path, mode_t mode, int (*writer)(FILE *, void *),
    void *obj)
{
	FILE	*fp;
	int	 fd, ok;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    mode)) == -1) {
		log_warn("%s", path);
		return -1;
	}
	if ((fp = fdopen(fd, "w")) == NULL) {
		close(fd);
		unlink(path);
		return -1;
	}
	ok = writer(fp, obj);
	if (fclose(fp) != 0 || !ok) {
		log_warnx("%s: cannot write it", path);
		unlink(path);
		return -1;
	}
	return 0;
}

static X509 *
read_cert(const char *path)
{
	FILE	*fp;
	X509	*cert;

	if ((fp = fopen(path, "r")) == NULL) {
		log_warn("%s", path);
		return NULL;
	}
	cert = PEM_read_X509(fp, NULL, NULL, NULL);
	fclose(fp);
	if (cert == NULL)
		log_warnx("%s: not a PEM certificate", path);
	return cert;
}

/* An expired or not yet valid certificate is an error, never replaced. */
static int
check_cert_dates(const char *path)
{
	X509	*cert;
	int	 rv = 0;

	if ((cert = read_cert(path)) == NULL)
		return -1;
	if (X509_cmp_current_time(X509_get0_notAfter(cert)) < 0) {
		log_warnx("%s: the certificate has expired; renew it with the "
		    "same key, or replace it knowing clients will warn", path);
		rv = -1;
	} else if (X509_cmp_current_time(X509_get0_notBefore(cert)) > 0) {
		log_warnx("%s: the certificate is not valid yet", path);
		rv = -1;
	}
	X509_free(cert);
	return rv;
}

/* SHA-256 fingerprint of a PEM certificate file as "AB:CD:...". 0 / -1. */
static int
tls_fingerprint(const char *certfile, char *out, size_t len)
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen, i;
	X509		*cert;
	size_t		 off = 0;

	if ((cert = read_cert(certfile)) == NULL)
		return -1;
	if (!X509_digest(cert, EVP_sha256(), md, &mdlen) || len < mdlen * 3) {
		X509_free(cert);
		return -1;
	}
	X509_free(cert);
	for (i = 0; i < mdlen; i++)
		off += (size_t)snprintf(out + off, len - off, "%s%02X",
		    i ? ":" : "", md[i]);
	return 0;
}

/*
 * The library context of our SSL_CTX: OpenSSL's default provider and ours
 * (tls_provider.c), which the context asks for first.  Made once, before fork.
 */
static OSSL_LIB_CTX	*tls_libctx;

static int
tls_libctx_init(void)
{
	if (tls_libctx != NULL)
		return 0;
	if ((tls_libctx = OSSL_LIB_CTX_new()) == NULL ||
	    OSSL_PROVIDER_load(tls_libctx, "default") == NULL ||
	    tls_provider_load(tls_libctx) == NULL) {
		OSSL_LIB_CTX_free(tls_libctx);
		tls_libctx = NULL;
		return -1;
	}
	return 0;
}

SSL_CTX *
tls_ctx_new(const struct config *conf)
{
	SSL_CTX		*ctx;
	EVP_PKEY	*pkey = NULL;
	char		 fp[EVP_MAX_MD_SIZE * 3 + 1];

	if (check_cert_dates(conf->cert) == -1)
		return NULL;
	ctx = NULL;
	if (tls_libctx_init() == -1 || (ctx = SSL_CTX_new_ex(tls_libctx,
	    TLS_PROVIDER_PROPQ, TLS_server_method())) == NULL)
		goto fail;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	/*
	 * No automatic chain: the chain is the certificate file's, as it
	 * always was (the store it would be built from is empty), without
	 * a certificate verification at every handshake to find that out.
	 */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS |
	    SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_NO_AUTO_CHAIN);
	if (!SSL_CTX_set1_groups_list(ctx, "X25519:P-256:X448:P-384"))
		goto fail;
	if (!SSL_CTX_set_cipher_list(ctx,
	    "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!MD5:!RC4"))
		goto fail;
	/* AES-128-GCM first: as safe here, and a quarter cheaper per byte. */
	if (!SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256:"
	    "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384"))
		goto fail;
	/* Stateless tickets; keys live in this context, made before fork. */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_num_tickets(ctx, 1);
	if (tls_uniq_init(tls_libctx) == -1 ||
	    !SSL_CTX_set_generate_session_id(ctx, tls_uniq_session_id))
		goto fail;
	/*
	 * Read what the socket holds, not a record header then its body:
	 * half the read(2) calls of a handshake.
	 */
	SSL_CTX_set_read_ahead(ctx, 1);
	if (ticket_cipher == NULL && (ticket_cipher =
	    EVP_CIPHER_fetch(tls_libctx, "AES-256-CBC", NULL)) == NULL)
		goto fail;
	if (tls_tickets_init() == -1 ||
	    !SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, ticket_key_cb))
		goto fail;
	SSL_CTX_set_timeout(ctx, 2 * 3600);
	if (SSL_CTX_use_certificate_chain_file(ctx, conf->cert) != 1) {
		log_warnx("%s: cannot load the certificate", conf->cert);
		goto fail;
	}
	if ((pkey = tls_sign_key(SSL_CTX_get0_certificate(ctx),
	    conf->cert)) == NULL ||
	    SSL_CTX_use_PrivateKey(ctx, pkey) != 1) {
		log_warnx("%s: cannot use the certificate's key", conf->cert);
		goto fail;
	}
	EVP_PKEY_free(pkey);	/* the context holds its own reference */
	pkey = NULL;
	if (tls_fingerprint(conf->cert, fp, sizeof(fp)) == 0)
		log_info("certificate %s SHA-256 fingerprint %s", conf->cert,
		    fp);
	/* Every algorithm the handshakes use is loaded by now. */
	tls_fetch_cache_for(tls_libctx);
	return ctx;
fail:
	log_ssl_errors("tls");
	EVP_PKEY_free(pkey);
	SSL_CTX_free(ctx);
	return NULL;
}

/*
 * The connection's BIO: a socket BIO of our own, for one thing OpenSSL's
 * lacks: after the TLS 1.3 handshake, records go out with MSG_MORE, so
 * that the session ticket, the response and the close_notify leave in
 * full segments instead of one small segment each (each costs the sender
 * the whole loopback or NIC path).  The last record, close_notify, too:
 * the close() or shutdown() that follows pushes them all with the FIN.
 * The BIO's data is the descriptor times 2, plus 1 while records may
 * wait.
 */
static BIO_METHOD	*conn_bio_method;
static int		 conn_bio_type;

static int
conn_bio_fd(BIO *b)
{
	return (int)((intptr_t)BIO_get_data(b) >> 1);
}

static int
conn_bio_write(BIO *b, const char *buf, int len)
{
	intptr_t	 v = (intptr_t)BIO_get_data(b);
	ssize_t		 n;

	BIO_clear_retry_flags(b);
	n = send((int)(v >> 1), buf, (size_t)len,
	    MSG_NOSIGNAL | ((v & 1) ? MSG_MORE : 0));
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		BIO_set_retry_write(b);
	return (int)n;
}

static int
conn_bio_read(BIO *b, char *buf, int len)
{
	ssize_t	 n;

	BIO_clear_retry_flags(b);
	n = read(conn_bio_fd(b), buf, (size_t)len);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		BIO_set_retry_read(b);
	return (int)n;
}

static long
conn_bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	(void)num;
	switch (cmd) {
	case BIO_CTRL_FLUSH:
		return 1;
	case BIO_C_GET_FD:
		if (ptr != NULL)
			*(int *)ptr = conn_bio_fd(b);
		return conn_bio_fd(b);
	default:
		return 0;
	}
}

static int
conn_bio_init(void)
{
	if (conn_bio_method != NULL)
		return 0;
	conn_bio_type = BIO_get_new_index() | BIO_TYPE_SOURCE_SINK |
	    BIO_TYPE_DESCRIPTOR;
	if ((conn_bio_method = BIO_meth_new(conn_bio_type,
	    "broadside socket")) == NULL ||
	    !BIO_meth_set_write(conn_bio_method, conn_bio_write) ||
	    !BIO_meth_set_read(conn_bio_method, conn_bio_read) ||
	    !BIO_meth_set_ctrl(conn_bio_method, conn_bio_ctrl))
		return -1;
	return 0;
}

/*
 * SSL objects of closed connections, cleared, for the next ones: SSL_new
 * and SSL_free cost 25,000 instructions a connection.  Only objects whose
 * connection ended without an error come back.  Each connection gets a
 * BIO of its own (SSL_set_bio frees the last one): its counts, which
 * tls_received reads, are the connection's.
 */
#define TLS_POOL_MAX	32

static SSL	*tls_pool[TLS_POOL_MAX];
static size_t	 tls_npool;

SSL *
tls_conn_new(SSL_CTX *ctx, int fd, void *owner)
{
	SSL	*ssl;
	BIO	*bio;

	if (conn_bio_init() == -1)
		return NULL;
	ssl = NULL;
	while (ssl == NULL && tls_npool > 0) {
		ssl = tls_pool[--tls_npool];
		if (SSL_get_SSL_CTX(ssl) != ctx) {
			SSL_free(ssl);
			ssl = NULL;
		}
	}
	if (ssl == NULL && (ssl = SSL_new(ctx)) == NULL)
		return NULL;
	if ((bio = BIO_new(conn_bio_method)) == NULL) {
		SSL_free(ssl);
		return NULL;
	}
	BIO_set_data(bio, (void *)((intptr_t)fd << 1));
	BIO_set_init(bio, 1);
	SSL_set_bio(ssl, bio, bio);	/* the SSL owns it; we close fd */
	SSL_set_accept_state(ssl);
	SSL_set_app_data(ssl, owner);
	return ssl;
}

void
tls_conn_free(SSL *ssl, int clean)
{
	if (ssl == NULL)
		return;
	ERR_clear_error();
	/* A job waiting for its signature is unwound (it fails) first. */
	if (tls_sign_cancel(ssl)) {
		tls_sign_enter(ssl);
		(void)SSL_do_handshake(ssl);
		tls_sign_leave();
		ERR_clear_error();
		clean = 0;
	}
	/* SSL_clear keeps the last session: let it go now, not at reuse. */
	if (clean && tls_npool < TLS_POOL_MAX && SSL_set_session(ssl, NULL) &&
	    SSL_clear(ssl) == 1) {
		tls_pool[tls_npool++] = ssl;
		return;
	}
	SSL_free(ssl);
}

static void
conn_bio_more(SSL *ssl, int more)
{
	BIO	*b = SSL_get_wbio(ssl);

	if (b != NULL && BIO_method_type(b) == conn_bio_type)
		BIO_set_data(b, (void *)(((intptr_t)conn_bio_fd(b) << 1) |
		    (more ? 1 : 0)));
}

/* Map an SSL_* result to our codes; clears the error queue on failure. */
static int
tls_result(SSL *ssl, int ret)
{
	switch (SSL_get_error(ssl, ret)) {
	case SSL_ERROR_WANT_READ:
		return TLS_WANT_POLLIN;
	case SSL_ERROR_WANT_WRITE:
		return TLS_WANT_POLLOUT;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_WANT_ASYNC:
		return TLS_WANT_KEY;
	default:
		ERR_clear_error();
		return -1;
	}
}

static int
tls_finished_sent(SSL *ssl)
{
	OSSL_HANDSHAKE_STATE	 st = SSL_get_state(ssl);

	return st == TLS_ST_SW_FINISHED || st == TLS_ST_EARLY_DATA;
}

/*
 * An async job (tls_sign.h) for the call that makes our first flight,
 * which signs, when we are busy: not for the later calls, nor for reads
 * and writes, none of which signs (a job costs a stack switch and its
 * cache misses).  A paused job keeps the mode until it is resumed.
 */
static void
tls_accept_mode(SSL *ssl, int busy)
{
	BIO	*b = SSL_get_wbio(ssl);

	if (SSL_waiting_for_async(ssl))
		return;
	if (busy && b != NULL && BIO_number_written(b) == 0 &&
	    ASYNC_is_capable())
		SSL_set_mode(ssl, SSL_MODE_ASYNC);
	else
		SSL_clear_mode(ssl, SSL_MODE_ASYNC);
}

int
tls_accept(SSL *ssl, int busy)
{
	int	 ret;

	ERR_clear_error();
	tls_accept_mode(ssl, busy);
	tls_sign_enter(ssl);
	ret = SSL_accept(ssl);
	tls_sign_leave();
	if (ret == 1)
		return 0;
	ret = tls_result(ssl, ret);
	/*
	 * TLS 1.3, our Finished is out and the client's is awaited: all we
	 * send from now on (ticket, reply, close_notify) needs no answer, so
	 * it may wait for the close_notify in the kernel and leave with it.
	 * Not in TLS 1.2, where the client waits for our last flight.
	 * OpenSSL 3.0 waits there in TLS_ST_EARLY_DATA (with early data
	 * off, as here, it only means that), not TLS_ST_SW_FINISHED.
	 */
	if (ret == TLS_WANT_POLLIN && tls_finished_sent(ssl) &&
	    SSL_version(ssl) == TLS1_3_VERSION)
		conn_bio_more(ssl, 1);
	return ret == 0 ? -1 : ret;
}

ssize_t
tls_read(SSL *ssl, void *buf, size_t len)
{
	int	 ret;

	ERR_clear_error();
	if ((ret = SSL_read(ssl, buf, len > INT32_MAX ? INT32_MAX : (int)len)) > 0)
		return ret;
	return tls_result(ssl, ret);
}

ssize_t
tls_write(SSL *ssl, const void *buf, size_t len)
{
	int	 ret;

	ERR_clear_error();
	if ((ret = SSL_write(ssl, buf, len > INT32_MAX ? INT32_MAX : (int)len)) > 0)
		return ret;
	ret = tls_result(ssl, ret);
	return ret == 0 ? -1 : ret;
}

int
tls_close(SSL *ssl)
{
	int	 ret;

	ERR_clear_error();
	/*
	 * The last record: close() or shutdown() follows at once and
	 * pushes it, with the records held before, in the FIN's segment.
	 */
	conn_bio_more(ssl, 1);
	ret = SSL_shutdown(ssl);
	if (ret >= 0)
		return 0;	/* our close_notify is out; we don't wait for theirs */
	ret = tls_result(ssl, ret);
	return ret == 0 ? 0 : ret;
}

/* Bytes read from the socket so far: 0 until the ClientHello's first. */
unsigned long long
tls_received(SSL *ssl)
{
	BIO	*b = SSL_get_rbio(ssl);

	return b != NULL ? (unsigned long long)BIO_number_read(b) : 0;
}

const char *
tls_sni(SSL *ssl)
{
	return SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
}
