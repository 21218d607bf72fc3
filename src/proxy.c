/* SPDX-License-Identifier: ISC */
/*
 * broadside: PROXY protocol v1 and v2 headers.
 *
 *   v1: "PROXY" SP ("TCP4" | "TCP6" | "UNKNOWN") [SP src SP dst SP sport
 *       SP dport] CRLF, at most 107 bytes
 *   v2: 12-byte signature, ver/cmd, family/transport, 16-bit length,
 *       addresses, TLVs
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proxy.h"

static const unsigned char v2_sig[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a
};

/* A decimal port, 0..65535, no sign, no leading junk. */
static int
parse_port(const char *s, uint16_t *port)
{
	unsigned long	 v = 0;
	size_t		 i;

	if (*s == '\0' || strlen(s) > 5)
		return -1;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

static enum proxy_result
parse_v1(const unsigned char *buf, size_t len, struct sockaddr_storage *peer,
    size_t *consumed)
{
	char		 line[PROXY_V1_MAX + 1], *f[7], *tok, *sp;
	const unsigned char *lf;
	size_t		 n, nf = 0, i;
	uint16_t	 sport, dport;

	lf = memchr(buf, '\n', len < PROXY_V1_MAX ? len : PROXY_V1_MAX);
	if (lf == NULL)
		return len >= PROXY_V1_MAX ? PROXY_ERROR : PROXY_WANT;
	n = (size_t)(lf - buf) + 1;
	if (n < 2 || buf[n - 2] != '\r')
		return PROXY_ERROR;
	memcpy(line, buf, n - 2);
	line[n - 2] = '\0';
	if (memchr(line, '\0', n - 2) != NULL)
		return PROXY_ERROR;
	/* Fields are separated by exactly one space: no empty field. */
	for (tok = line; nf < 7; tok = sp + 1) {
		f[nf++] = tok;
		if ((sp = strchr(tok, ' ')) == NULL)
			break;
		*sp = '\0';
	}
	if (nf < 2 || strcmp(f[0], "PROXY") != 0)
		return PROXY_ERROR;
	if (strcmp(f[1], "UNKNOWN") == 0) {
		/* The rest of the line is to be ignored, whatever it is. */
		*consumed = n;
		return PROXY_OK;
	}
	for (i = 0; i < nf; i++)
		if (f[i][0] == '\0')
			return PROXY_ERROR;
	if (nf != 6 || parse_port(f[4], &sport) == -1 ||
	    parse_port(f[5], &dport) == -1)
		return PROXY_ERROR;
	memset(peer, 0, sizeof(*peer));
	if (strcmp(f[1], "TCP4") == 0) {
		struct sockaddr_in *in = (struct sockaddr_in *)peer;
		struct in_addr	 dst;

		if (inet_pton(AF_INET, f[2], &in->sin_addr) != 1 ||
		    inet_pton(AF_INET, f[3], &dst) != 1)
			return PROXY_ERROR;
		in->sin_family = AF_INET;
		in->sin_port = htons(sport);
		*consumed = n;
		return PROXY_OK;
	}
	if (strcmp(f[1], "TCP6") == 0) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)peer;
		struct in6_addr	 dst;

		if (inet_pton(AF_INET6, f[2], &in6->sin6_addr) != 1 ||
		    inet_pton(AF_INET6, f[3], &dst) != 1)
			return PROXY_ERROR;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(sport);
		*consumed = n;
		return PROXY_OK;
	}
	return PROXY_ERROR;
}

static enum proxy_result
parse_v2(const unsigned char *buf, size_t len, struct sockaddr_storage *peer,
    size_t *consumed)
{
	size_t	 alen, total;

	if (len < 16)
		return PROXY_WANT;
	if ((buf[12] & 0xf0) != 0x20)
		return PROXY_ERROR;		/* version 2 only */
	alen = ((size_t)buf[14] << 8) | buf[15];
	total = 16 + alen;
	if (total > PROXY_V2_MAX)
		return PROXY_ERROR;
	if (len < total)
		return PROXY_WANT;
	*consumed = total;
	switch (buf[12] & 0x0f) {
	case 0x0:	/* LOCAL: health check from the proxy itself */
		return PROXY_OK;
	case 0x1:	/* PROXY */
		break;
	default:
		return PROXY_ERROR;
	}
	switch (buf[13]) {
	case 0x11: {	/* TCP over IPv4 */
		struct sockaddr_in *in = (struct sockaddr_in *)peer;

		if (alen < 12)
			return PROXY_ERROR;
		memset(peer, 0, sizeof(*peer));
		in->sin_family = AF_INET;
		memcpy(&in->sin_addr, buf + 16, 4);
		memcpy(&in->sin_port, buf + 24, 2);
		return PROXY_OK;
	}
	case 0x21: {	/* TCP over IPv6 */
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)peer;

		if (alen < 36)
			return PROXY_ERROR;
		memset(peer, 0, sizeof(*peer));
		in6->sin6_family = AF_INET6;
		memcpy(&in6->sin6_addr, buf + 16, 16);
		memcpy(&in6->sin6_port, buf + 48, 2);
		return PROXY_OK;
	}
	case 0x00:	/* UNSPEC: keep the connection's address */
		return PROXY_OK;
	default:
		return PROXY_ERROR;
	}
}

enum proxy_result
proxy_parse(const unsigned char *buf, size_t len,
    struct sockaddr_storage *peer, size_t *consumed)
{
	struct sockaddr_storage	 tmp = *peer;
	enum proxy_result	 rv;
	size_t			 n;

	*consumed = 0;
	if (len == 0)
		return PROXY_WANT;
	n = len < sizeof(v2_sig) ? len : sizeof(v2_sig);
	if (memcmp(buf, v2_sig, n) == 0) {
		if (n < sizeof(v2_sig))
			return PROXY_WANT;
		rv = parse_v2(buf, len, &tmp, consumed);
	} else {
		n = len < 6 ? len : 6;
		if (memcmp(buf, "PROXY ", n) != 0)
			return PROXY_ERROR;
		if (n < 6)
			return PROXY_WANT;
		rv = parse_v1(buf, len, &tmp, consumed);
	}
	/*
	 * `peer` changes only on success: the caller's own address must
	 * survive a bad header (it is what the limits counted).
	 */
	if (rv == PROXY_OK)
		*peer = tmp;
	else
		*consumed = 0;
	return rv;
}

enum proxy_result
proxy_read(int fd, struct sockaddr_storage *peer, int *partial)
{
	unsigned char		 buf[PROXY_PEEK_MAX];
	struct sockaddr_storage	 tmp = *peer;
	enum proxy_result	 rv;
	size_t			 consumed;
	ssize_t			 n;

	*partial = 0;
	n = recv(fd, buf, sizeof(buf), MSG_PEEK);
	if (n == -1)
		return errno == EAGAIN || errno == EINTR ? PROXY_WANT :
		    PROXY_ERROR;
	if (n == 0)
		return PROXY_ERROR;
	rv = proxy_parse(buf, (size_t)n, &tmp, &consumed);
	if (rv == PROXY_WANT) {
		*partial = 1;
		return (size_t)n == sizeof(buf) ? PROXY_ERROR : PROXY_WANT;
	}
	if (rv == PROXY_ERROR)
		return PROXY_ERROR;
	if (read(fd, buf, consumed) != (ssize_t)consumed)
		return PROXY_ERROR;
	*peer = tmp;
	return PROXY_OK;
}
