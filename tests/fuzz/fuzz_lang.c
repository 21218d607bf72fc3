/* SPDX-License-Identifier: ISC */
/* libFuzzer target: a translation's tag in a slug (lang_suffix) and the
 * label shown for a tag (lang_label). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lang.h"
#include "utf8.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		 slug[256], label[LANG_LABEL_MAX + 1], small[9];
	size_t		 n = size < sizeof(slug) - 1 ? size : sizeof(slug) - 1;
	size_t		 base, i;

	memcpy(slug, data, n);
	slug[n] = '\0';
	if (lang_suffix(slug, n, &base)) {
		/* Something before a dot, a tag of letters, digits, '-'. */
		if (base == 0 || base >= n || slug[base] != '.' ||
		    n - base - 1 > LANG_TAG_MAX || n - base - 1 < 2)
			__builtin_trap();
		for (i = base + 1; i < n; i++)
			if (!((slug[i] >= 'a' && slug[i] <= 'z') ||
			    (slug[i] >= 'A' && slug[i] <= 'Z') ||
			    (slug[i] >= '0' && slug[i] <= '9') ||
			    slug[i] == '-'))
				__builtin_trap();
		lang_label(slug + base + 1, label, sizeof(label));
		/* A known language's name, or the tag: valid UTF-8. */
		if (!utf8_valid(label, strlen(label)))
			__builtin_trap();
	}
	/* Any bytes: bounded, and a valid input stays valid when cut. */
	lang_label(slug, small, sizeof(small));
	if (strlen(small) >= sizeof(small) ||
	    (utf8_valid(slug, strlen(slug)) &&
	    !utf8_valid(small, strlen(small))))
		__builtin_trap();
	return 0;
}
