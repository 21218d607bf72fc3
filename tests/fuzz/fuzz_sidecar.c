/* SPDX-License-Identifier: ISC */
/* libFuzzer target: the statement sidecar INI parser. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "archive_scan.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct scan_sidecar	 sc;
	size_t			 i;
	int			 n;

	n = scan_parse_sidecar((const char *)data, len, &sc);
	if (n < 0 || (size_t)n != sc.nerrors)
		__builtin_trap();
	/* Whatever was kept is valid, bounded, NUL-terminated text. */
	if (strlen(sc.title) > SCAN_TITLE_MAX ||
	    !scan_utf8_valid(sc.title, strlen(sc.title)) ||
	    !scan_utf8_valid(sc.author, strlen(sc.author)) ||
	    !scan_utf8_valid(sc.summary, strlen(sc.summary)))
		__builtin_trap();
	if ((sc.has & SIDECAR_LANG) && !scan_lang_ok(sc.lang))
		__builtin_trap();
	if (sc.ntags > SCAN_TAGS_MAX)
		__builtin_trap();
	for (i = 0; i < sc.ntags; i++)
		if (strlen(sc.tags[i]) == 0 ||
		    strspn(sc.tags[i], "abcdefghijklmnopqrstuvwxyz0123456789-_")
		    != strlen(sc.tags[i]))
			__builtin_trap();
	return 0;
}
