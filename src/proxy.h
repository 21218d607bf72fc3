/* SPDX-License-Identifier: ISC */
/*
 * broadside: the PROXY protocol (HAProxy's spec, versions 1 and 2), so the
 * real client address survives a load balancer in front of us.
 */
#ifndef BROADSIDE_PROXY_H
#define BROADSIDE_PROXY_H

#include <sys/types.h>
#include <sys/socket.h>
#include <stddef.h>

#define PROXY_V1_MAX	107	/* the spec's longest v1 line, CRLF included */
#define PROXY_V2_MAX	(16 + 512)	/* header + addresses + TLVs we accept */
#define PROXY_PEEK_MAX	PROXY_V2_MAX

enum proxy_result {
	PROXY_OK = 0,
	PROXY_WANT,		/* need more bytes */
	PROXY_ERROR,
};

/*
 * Pure parser.  On PROXY_OK `*consumed` is the header's length and `peer`
 * the client's address; a v1 "UNKNOWN" or v2 LOCAL header leaves `peer`
 * untouched (the connection's own address stays).
 */
enum proxy_result proxy_parse(const unsigned char *, size_t,
		    struct sockaddr_storage *peer, size_t *consumed);

/*
 * Read a header from a non-blocking socket without taking a byte past it.
 * PROXY_WANT with *partial = 1 means bytes are waiting but not enough yet:
 * retry after a short delay rather than on readability.
 */
enum proxy_result proxy_read(int fd, struct sockaddr_storage *peer,
		    int *partial);

#endif
