/* SPDX-License-Identifier: ISC */
/*
 * broadside: little-endian fields of the index's images (snapfile.c,
 * search.c, search_flat.c, redirects_image.c), read and written a byte
 * at a time: no alignment needed, the same bytes on every host.
 */
#ifndef BROADSIDE_LE_H
#define BROADSIDE_LE_H

#include <stdint.h>

static inline void
le_put32(uint8_t *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = (v >> 24) & 0xff;
}

static inline void
le_put64(uint8_t *p, uint64_t v)
{
	le_put32(p, (uint32_t)v);
	le_put32(p + 4, (uint32_t)(v >> 32));
}

static inline uint32_t
le_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static inline uint64_t
le_get64(const uint8_t *p)
{
	return (uint64_t)le_get32(p) | (uint64_t)le_get32(p + 4) << 32;
}

#endif
