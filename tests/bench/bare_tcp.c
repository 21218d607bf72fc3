/* SPDX-License-Identifier: ISC */
/*
 * broadside bench: the bare TCP reference loop.  One thread, blocking:
 * accept -> read the request line -> write 1 KiB -> close.  Nothing else,
 * so its CPU time per request is the floor for a plain-TCP server.
 *
 * usage: bare_tcp port
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

#define PAYLOAD_SIZE	1024

int
main(int argc, char *argv[])
{
	struct sockaddr_in	 sin;
	struct timeval		 tv = { 5, 0 };
	char			 payload[PAYLOAD_SIZE], req[1100];
	int			 s, c, one = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: bare_tcp port\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	memset(payload, 'x', sizeof(payload));
	memcpy(payload, "iBare TCP reference\r\n", 21);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)atoi(argv[1]));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(s, 1024) == -1) {
		perror("bare_tcp");
		return 1;
	}
	for (;;) {
		if ((c = accept(s, NULL, NULL)) == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			perror("bare_tcp: accept");
			return 1;
		}
		setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (read(c, req, sizeof(req)) > 0)
			(void)write(c, payload, sizeof(payload));
		close(c);
	}
}
