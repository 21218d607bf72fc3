/* SPDX-License-Identifier: ISC */
/* libFuzzer target: the statement sidecar INI parser. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "archive_scan.h"
#include "utf8.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * A kept tag: non-empty, bounded, valid UTF-8, its ASCII bytes only
 * [a-z0-9_-], not a duplicate, and already folded (parsed again, it comes
 * back the same, with no error).
 */
static void
check_tag(char tags[][SCAN_TAG_MAX + 1], size_t i)
{
	static struct scan_sidecar	 again;
	const char			*t = tags[i];
	size_t				 j, len = strlen(t);

	if (len == 0 || len > SCAN_TAG_MAX || !utf8_valid(t, len))
		__builtin_trap();
	for (j = 0; j < len; j++)
		if ((unsigned char)t[j] < 0x80 && strchr("abcdefghijklmnopqrstu"
		    "vwxyz0123456789-_", t[j]) == NULL)
			__builtin_trap();
	for (j = 0; j < i; j++)
		if (strcmp(tags[j], t) == 0)
			__builtin_trap();
	memset(&again, 0, sizeof(again));
	if (scan_parse_tags(t, 1, &again) != 0 || again.ntags != 1 ||
	    strcmp(again.tags[0], t) != 0)
		__builtin_trap();
}

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
	    !utf8_valid(sc.title, strlen(sc.title)) ||
	    !utf8_valid(sc.author, strlen(sc.author)) ||
	    !utf8_valid(sc.summary, strlen(sc.summary)))
		__builtin_trap();
	if ((sc.has & SIDECAR_LANG) && !scan_lang_ok(sc.lang))
		__builtin_trap();
	if (sc.ntags > SCAN_TAGS_MAX)
		__builtin_trap();
	for (i = 0; i < sc.ntags; i++)
		check_tag(sc.tags, i);
	return 0;
}
