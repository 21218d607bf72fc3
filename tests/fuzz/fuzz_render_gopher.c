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

#include "charset.h"
#include "render_gopher.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * Output is CRLF-terminated lines and ends with ".\r\n"; in a menu, every
 * display (after the type, up to the first TAB) fits in the wrap width,
 * counted in characters (never less than 20: render_gopher's minimum).
 */
static void
check(const struct buf *b, int menu, const struct gopher_style *st)
{
	size_t	 i, tabs = 0, bol = 0, w = st->wrap < 20 ? 20 : st->wrap;
	size_t	 disp = 0;

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
			if (menu && tabs == 3 && charset_width(b->data + bol +
			    1, disp - bol - 1, st->charset) > w)
				abort();
			tabs = 0;
			i++;
			bol = i + 1;
		} else if (b->data[i] == '\n')
			abort();
		else if (b->data[i] == '\t' && tabs++ == 0)
			disp = i;
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
	check(&b, 0, &st);
	buf_free(&b);
	buf_init(&b, 1 << 22);
	gopher_render_menu((const char *)data, size, "/dir/page.gmi", &st,
	    &b);
	check(&b, 1, &st);
	buf_free(&b);
	return 0;
}
