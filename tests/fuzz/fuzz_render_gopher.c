/* SPDX-License-Identifier: ISC */
/*
 * broadside: libFuzzer target for gopher_render_text and
 * gopher_render_menu.  The first input byte picks the charset and the
 * wrap width; the rest is the gemtext.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "render_gopher.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Output is CRLF-terminated lines and ends with ".\r\n". */
static void
check(const struct buf *b, int menu)
{
	size_t	 i, tabs = 0;

	if (b->failed)
		return;
	if (b->len < 3 || memcmp(b->data + b->len - 3, ".\r\n", 3) != 0)
		abort();
	for (i = 0; i < b->len; i++) {
		if (b->data[i] == '\r') {
			if (i + 1 >= b->len || b->data[i + 1] != '\n')
				abort();
			if (menu && tabs != 3 && !(i == b->len - 2))
				abort();
			tabs = 0;
			i++;
		} else if (b->data[i] == '\n')
			abort();
		else if (b->data[i] == '\t')
			tabs++;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gopher_style	 st = { "localhost", 70, 70, CHARSET_UTF8 };
	struct buf		 b;

	if (size < 1)
		return 0;
	st.charset = (enum config_charset)(data[0] % 3);
	st.wrap = 10 + (data[0] >> 2);
	data++;
	size--;
	buf_init(&b, 1 << 22);
	gopher_render_text((const char *)data, size, NULL, NULL, &st, &b);
	check(&b, 0);
	buf_free(&b);
	buf_init(&b, 1 << 22);
	gopher_render_menu((const char *)data, size, "/dir/page.gmi", &st,
	    &b);
	check(&b, 1);
	buf_free(&b);
	return 0;
}
