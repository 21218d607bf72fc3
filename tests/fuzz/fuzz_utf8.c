/* SPDX-License-Identifier: ISC */
/*
 * broadside: libFuzzer target for utf8.c.  Invariants: what decodes
 * re-encodes to the same bytes; utf8_valid agrees with decoding one
 * sequence after another; utf8_cut never passes max nor splits a
 * character, and keeps valid text valid.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char	 enc[UTF8_SEQ_MAX];
	uint32_t	 cp;
	size_t		 i, max, cut;
	int		 n, valid = 1;

	for (i = 0; i < size; i += n > 0 ? (size_t)n : 1) {
		n = utf8_decode(data + i, size - i, &cp);
		CHECK(n >= -1 && n <= UTF8_SEQ_MAX);
		if (n == 0)		/* only at the end */
			CHECK(size - i < UTF8_SEQ_MAX);
		if (n <= 0) {
			valid = 0;
			continue;
		}
		CHECK(cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff));
		CHECK(utf8_encode(cp, enc) == (size_t)n);
		CHECK(memcmp(enc, data + i, (size_t)n) == 0);
	}
	CHECK(utf8_valid((const char *)data, size) == valid);
	for (max = 0; max <= size + 1 && max < 64; max++) {
		cut = utf8_cut((const char *)data, size, max);
		CHECK(cut <= max && cut <= size);
		CHECK(cut == size || max - cut < UTF8_SEQ_MAX);
		if (valid)
			CHECK(utf8_valid((const char *)data, cut));
	}
	return 0;
}
