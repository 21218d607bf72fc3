/* SPDX-License-Identifier: ISC */
/*
 * broadside: libFuzzer target for proxy_parse.  Invariants: never more
 * consumed than given, PROXY_OK consumes a whole header (at least the 16
 * bytes of v2 or a CRLF-ended v1 line), anything else consumes nothing
 * useful, and a result does not change when bytes are appended after a
 * complete header.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proxy.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_storage	 ss, ss2;
	enum proxy_result	 rv, rv2;
	size_t			 consumed, consumed2;
	unsigned char		*more;

	memset(&ss, 0, sizeof(ss));
	rv = proxy_parse(data, size, &ss, &consumed);
	CHECK(rv == PROXY_OK || rv == PROXY_WANT || rv == PROXY_ERROR);
	CHECK(consumed <= size);
	if (rv == PROXY_WANT)
		CHECK(consumed == 0 && size < PROXY_PEEK_MAX);
	if (rv != PROXY_OK)
		return 0;
	CHECK(consumed > 0);
	CHECK(consumed <= PROXY_V2_MAX);
	if (data[0] == 'P') {
		CHECK(consumed <= PROXY_V1_MAX);
		CHECK(data[consumed - 2] == '\r' && data[consumed - 1] == '\n');
	} else
		CHECK(consumed >= 16);
	CHECK(ss.ss_family == 0 || ss.ss_family == AF_INET ||
	    ss.ss_family == AF_INET6);
	/* The header alone parses the same: nothing after it was needed. */
	memset(&ss2, 0, sizeof(ss2));
	rv2 = proxy_parse(data, consumed, &ss2, &consumed2);
	CHECK(rv2 == PROXY_OK && consumed2 == consumed);
	CHECK(memcmp(&ss, &ss2, sizeof(ss)) == 0);
	/* Trailing bytes (the TLS ClientHello) change nothing either. */
	if ((more = malloc(consumed + 8)) == NULL)
		return 0;
	memcpy(more, data, consumed);
	memset(more + consumed, 0x16, 8);
	rv2 = proxy_parse(more, consumed + 8, &ss2, &consumed2);
	CHECK(rv2 == PROXY_OK && consumed2 == consumed);
	free(more);
	return 0;
}
