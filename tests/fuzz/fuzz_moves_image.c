/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target: the archive's moves image (redirects_image.c), as a
 * worker maps it.  Two ways: the input's bytes as an image (opened or
 * refused, never read out of bounds), and the input parsed as a
 * .redirects whose entries are written as an image and read back: every
 * entry found, leading where it was written to.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "redirects.h"
#include "redirects_image.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
sink(void *arg, const void *p, size_t n)
{
	return buf_append(arg, p, n);
}

/* The raw bytes as an image: lookups of a few paths stay in bounds. */
static void
raw(const uint8_t *data, size_t len)
{
	struct rdimg	 r;
	uint64_t	*copy;
	uint32_t	 i;

	if ((copy = calloc(len / 8 + 1, 8)) == NULL)
		return;
	memcpy(copy, data, len);
	if (rdimg_open(&r, copy, len) == 0) {
		(void)rdimg_lookup(&r, "2024/a.gmi");
		(void)rdimg_origin(&r, "2024/b.gmi");
		for (i = 0; i < r.n && i < 16; i++)
			(void)rdimg_lookup(&r, r.pool);
	}
	free(copy);
}

static void
round_trip(const uint8_t *data, size_t len)
{
	struct redirects	 rd;
	struct rdimg_entry	*e;
	struct rdimg		 r;
	struct buf		 b;
	size_t			 i;

	if (redirects_parse((const char *)data, len, &rd) == -1 ||
	    (e = calloc(rd.n + 1, sizeof(*e))) == NULL) {
		redirects_free(&rd);
		return;
	}
	for (i = 0; i < rd.n; i++) {
		e[i].from = rd.r[i].from;
		e[i].to = rd.r[i].to;
		e[i].origin = (int)(i & 1);
	}
	buf_init(&b, SIZE_MAX / 2);
	if (rdimg_write(e, rd.n, sink, &b) == -1 ||
	    rdimg_open(&r, b.data, b.len) == -1)
		__builtin_trap();
	for (i = 0; i < rd.n; i++) {
		const char	*to = rdimg_lookup(&r, rd.r[i].from);

		if (to == NULL || strcmp(to, rd.r[i].to) != 0)
			__builtin_trap();
		(void)rdimg_origin(&r, rd.r[i].to);
	}
	buf_free(&b);
	free(e);
	redirects_free(&rd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	raw(data, len);
	round_trip(data, len);
	return 0;
}
