/* SPDX-License-Identifier: ISC */
/* libFuzzer target: the archive's `.redirects` parser. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "redirects.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * Whatever the input: the table is sorted by OLD with no duplicate, every
 * path it holds is one of the grammar, a good entry resolves within
 * REDIRECTS_HOPS_MAX to a path that is not redirected, a lookup finds
 * each entry, and the errors are in line order.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct redirects	 rd;
	const char		*to;
	size_t			 i, kept;
	int			 hops;

	if (redirects_parse((const char *)data, len, &rd) == -1)
		return 0;
	for (i = 0; i < rd.n; i++) {
		if (!redirects_path_ok(rd.r[i].from, strlen(rd.r[i].from)) ||
		    !redirects_path_ok(rd.r[i].to, strlen(rd.r[i].to)) ||
		    rd.r[i].line < 1)
			__builtin_trap();
		if (i > 0 && strcmp(rd.r[i - 1].from, rd.r[i].from) >= 0)
			__builtin_trap();
		if (redirects_lookup(&rd, rd.r[i].from) != &rd.r[i])
			__builtin_trap();
		switch (redirects_resolve(&rd, rd.r[i].from, &to, &hops)) {
		case REDIRECTS_FOUND:
			if (rd.r[i].bad || hops < 1 ||
			    hops > REDIRECTS_HOPS_MAX ||
			    redirects_lookup(&rd, to) != NULL)
				__builtin_trap();
			break;
		case REDIRECTS_BAD:
			if (!rd.r[i].bad)
				__builtin_trap();
			break;
		default:
			__builtin_trap();
		}
	}
	kept = rd.nerrors < REDIRECTS_ERRORS_MAX ? rd.nerrors :
	    REDIRECTS_ERRORS_MAX;
	for (i = 0; i < kept; i++)
		if (rd.errors[i].line < 1 || (i > 0 &&
		    rd.errors[i - 1].line > rd.errors[i].line) ||
		    memchr(rd.errors[i].msg, '\0', REDIRECTS_ERRMSG_MAX) ==
		    NULL)
			__builtin_trap();
	redirects_free(&rd);
	return 0;
}
