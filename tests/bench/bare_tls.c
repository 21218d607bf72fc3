/* SPDX-License-Identifier: ISC */
/*
 * broadside bench: the bare TLS reference loop.  One thread, blocking:
 * accept -> TLS 1.3 handshake -> read the request line -> write 1 KiB ->
 * close_notify -> close.  Same certificate type as the server under test
 * (ECDSA P-256) and, like it, one session ticket per handshake: its CPU
 * time per request is what any OpenSSL server pays at the least.
 *
 * usage: bare_tls port cert key
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define PAYLOAD_SIZE	1024

static SSL_CTX *
ctx_new(const char *cert, const char *key)
{
	SSL_CTX	*ctx;

	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		return NULL;
	SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
	SSL_CTX_set_num_tickets(ctx, 1);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static void
serve(SSL_CTX *ctx, int c, const char *payload)
{
	SSL	*ssl;
	char	 req[1100];

	if ((ssl = SSL_new(ctx)) == NULL)
		return;
	SSL_set_fd(ssl, c);
	if (SSL_accept(ssl) == 1 && SSL_read(ssl, req, sizeof(req)) > 0 &&
	    SSL_write(ssl, payload, PAYLOAD_SIZE) == PAYLOAD_SIZE)
		SSL_shutdown(ssl);
	SSL_free(ssl);
	ERR_clear_error();
}

int
main(int argc, char *argv[])
{
	struct sockaddr_in	 sin;
	struct timeval		 tv = { 5, 0 };
	SSL_CTX			*ctx;
	char			 payload[PAYLOAD_SIZE];
	int			 s, c, one = 1;

	if (argc != 4) {
		fprintf(stderr, "usage: bare_tls port cert key\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if ((ctx = ctx_new(argv[2], argv[3])) == NULL) {
		ERR_print_errors_fp(stderr);
		return 1;
	}
	memset(payload, 'x', sizeof(payload));
	memcpy(payload, "20 text/gemini\r\n", 16);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)atoi(argv[1]));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(s, 1024) == -1) {
		perror("bare_tls");
		return 1;
	}
	for (;;) {
		if ((c = accept(s, NULL, NULL)) == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			perror("bare_tls: accept");
			return 1;
		}
		setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		serve(ctx, c, payload);
		close(c);
	}
}
