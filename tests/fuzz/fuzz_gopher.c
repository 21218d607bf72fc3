/* SPDX-License-Identifier: ISC */
/* broadside: libFuzzer target for gopher_parse. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gopher.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gopher_request	 req;
	const char		*errstr = NULL;

	if (gopher_parse((const char *)data, size, &req, &errstr) == -1) {
		if (errstr == NULL)
			abort();
		return 0;
	}
	/* Invariants: bounded, NUL-terminated, no line breaks, no TAB in
	 * the selector, search only after a TAB. */
	if (strlen(req.selector) > GOPHER_SELECTOR_MAX ||
	    strlen(req.search) > GOPHER_SELECTOR_MAX)
		abort();
	if (strpbrk(req.selector, "\t\r\n") != NULL ||
	    strpbrk(req.search, "\t\r\n") != NULL)
		abort();
	if (req.has_search && memchr(data, '\t', size) == NULL)
		abort();
	if (size > GOPHER_SELECTOR_MAX + 1)
		abort();
	return 0;
}
