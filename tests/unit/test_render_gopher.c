/* SPDX-License-Identifier: ISC */
/* broadside: tests for render_gopher.c (menus, gemtext as text, filter). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "charset.h"
#include "render_gopher.h"
#include "utf8.h"

static const struct gopher_style style_utf8 = {
	"localhost", 7070, 40, CHARSET_UTF8
};
static const struct gopher_style style_ascii = {
	"localhost", 7070, 40, CHARSET_ASCII
};

static const char page[] =
    "# The title \xe2\x80\x94 here\n"
    "\n"
    "A paragraph with enough words to need wrapping at forty columns, "
    "with \xc3\xa9l\xc3\xa8ves and \xe2\x80\x9cquotes\xe2\x80\x9d and "
    "\xe4\xb8\xad\xe6\x96\x87\xe4\xb8\xad\xe6\x96\x87 characters that are "
    "several bytes long each.\n"
    "=> /plain.txt The plain file\n"
    "=> gopher://example.org:70/0/x Remote\n"
    "=> https://example.com/ Web site\n"
    "=> sub/page.gmi\n"
    "## Second heading\n"
    "* a list item long enough to be wrapped onto another line, surely\n"
    "> a quoted line long enough to be wrapped onto another line, surely\n"
    "```alt\n"
    "   preformatted line that is much longer than the forty columns wrap\n"
    ".dotted pre\n"
    "```\n"
    ".dotted text\n"
    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\n";

/* Split `out` into CRLF lines; fail on a bare CR or LF. */
static size_t
split_lines(const struct buf *out, const char **lines, size_t *lens,
    size_t max)
{
	size_t	 n = 0, i, start = 0;

	for (i = 0; i < out->len; i++) {
		if (out->data[i] == '\r') {
			assert_true(i + 1 < out->len);
			assert_int_equal(out->data[i + 1], '\n');
			assert_true(n < max);
			lines[n] = out->data + start;
			lens[n++] = i - start;
			i++;
			start = i + 1;
		} else
			assert_true(out->data[i] != '\n');
	}
	assert_int_equal(start, out->len);	/* ends with CRLF */
	return n;
}

static int
find_line(const char **lines, const size_t *lens, size_t n, const char *s)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (lens[i] == strlen(s) && memcmp(lines[i], s, lens[i]) == 0)
			return (int)i;
	return -1;
}

static void
test_text_invariants(void **state)
{
	const char	*lines[256];
	size_t		 lens[256], n, i, w;
	struct buf	 out;
	int		 in_pre;

	(void)state;
	buf_init(&out, 1 << 20);
	assert_int_equal(gopher_render_text(page, strlen(page), NULL,
	    "2025-06-09", &style_utf8, &out), 0);
	n = split_lines(&out, lines, lens, 256);
	assert_true(n > 10);
	/* The final line is a lone dot. */
	assert_int_equal(lens[n - 1], 1);
	assert_int_equal(lines[n - 1][0], '.');
	for (i = 0; i < n - 1; i++) {
		assert_true(utf8_valid(lines[i], lens[i]));
		/* A line starting with a dot has it doubled. */
		if (lens[i] > 0 && lines[i][0] == '.')
			assert_true(lens[i] > 1 && lines[i][1] == '.');
		w = charset_width(lines[i], lens[i], CHARSET_UTF8);
		in_pre = lens[i] > 3 && memcmp(lines[i], "   pre", 6) == 0;
		if (!in_pre)
			assert_true(w <= 40);
	}
	/* Title, underline, date first. */
	assert_int_equal(find_line(lines, lens, n,
	    "The title \xe2\x80\x94 here"), 0);
	assert_int_equal(find_line(lines, lens, n,
	    "================"), 1);
	assert_int_equal(find_line(lines, lens, n, "2025-06-09"), 2);
	/* The heading used as the title is not repeated. */
	assert_int_equal(find_line(lines, lens, n, "# The title"), -1);
	assert_true(find_line(lines, lens, n, "Second heading") > 0);
	assert_true(find_line(lines, lens, n, "--------------") > 0);
	/* Preformatted kept verbatim, toggles dropped, dots doubled. */
	assert_true(find_line(lines, lens, n, "   preformatted line that is "
	    "much longer than the forty columns wrap") > 0);
	assert_int_equal(find_line(lines, lens, n, "```alt"), -1);
	assert_true(find_line(lines, lens, n, "..dotted pre") > 0);
	assert_true(find_line(lines, lens, n, "..dotted text") > 0);
	/* Links numbered inline, listed at the end. */
	assert_true(find_line(lines, lens, n, "[1] The plain file") > 0);
	assert_true(find_line(lines, lens, n, "[4] sub/page.gmi") > 0);
	assert_true(find_line(lines, lens, n, "References") > 0);
	assert_true(find_line(lines, lens, n,
	    "[1] gopher://localhost:7070/0/plain.txt") > 0);
	assert_true(find_line(lines, lens, n,
	    "[2] gopher://example.org:70/0/x") > 0);
	assert_true(find_line(lines, lens, n, "[3] https://example.com/") > 0);
	/* Lists and quotes: prefix, hanging indent, quote mark per line. */
	assert_true(find_line(lines, lens, n,
	    "* a list item long enough to be wrapped") > 0);
	assert_true(find_line(lines, lens, n,
	    "  onto another line, surely") > 0);
	assert_true(find_line(lines, lens, n,
	    "> a quoted line long enough to be") > 0);
	assert_true(find_line(lines, lens, n,
	    "> wrapped onto another line, surely") > 0);
	buf_free(&out);
}

static void
test_text_ascii(void **state)
{
	struct buf	 out;
	size_t		 i;

	(void)state;
	buf_init(&out, 1 << 20);
	assert_int_equal(gopher_render_text(page, strlen(page), "Given",
	    NULL, &style_ascii, &out), 0);
	for (i = 0; i < out.len; i++)
		assert_true((unsigned char)out.data[i] < 0x80);
	assert_memory_equal(out.data, "Given\r\n=====\r\n\r\n", 16);
	/* Heading differs from the given title: kept in the body. */
	assert_non_null(strstr(out.data, "The title -- here\r\n"));
	assert_non_null(strstr(out.data, "\"quotes\""));
	assert_non_null(strstr(out.data, "eleves"));
	buf_free(&out);
}

/* Words longer than the line are split, never inside a character. */
static void
test_text_long_words(void **state)
{
	struct gopher_style	 st = style_utf8;
	const char		*lines[512];
	size_t			 lens[512], n, i, wrap, total;
	struct buf		 out;
	char			 word[400];

	(void)state;
	for (i = 0; i + 3 <= 300; i += 3)
		memcpy(word + i, "\xe2\x80\x94", 3);
	word[300] = '\0';
	for (wrap = 20; wrap <= 80; wrap += 7) {
		st.wrap = (int)wrap;
		buf_init(&out, 1 << 20);
		assert_int_equal(gopher_render_text(word, strlen(word), NULL,
		    NULL, &st, &out), 0);
		n = split_lines(&out, lines, lens, 512);
		total = 0;
		for (i = 0; i < n - 1; i++) {
			assert_true(utf8_valid(lines[i], lens[i]));
			assert_true(charset_width(lines[i], lens[i],
			    CHARSET_UTF8) <= wrap);
			total += lens[i];
		}
		assert_int_equal(total, 300);
		buf_free(&out);
	}
}

/* Every menu line has exactly three TABs and ends CRLF; last is ".". */
static void
check_menu(const struct buf *out, int wrap)
{
	const char	*lines[256], *p;
	size_t		 lens[256], n, i, tabs, dl;

	n = split_lines(out, lines, lens, 256);
	assert_true(n >= 1);
	assert_int_equal(lens[n - 1], 1);
	assert_int_equal(lines[n - 1][0], '.');
	for (i = 0; i < n - 1; i++) {
		tabs = 0;
		for (p = lines[i]; p < lines[i] + lens[i]; p++)
			tabs += *p == '\t';
		assert_int_equal(tabs, 3);
		assert_true(utf8_valid(lines[i], lens[i]));
		dl = strcspn(lines[i], "\t");
		assert_true(charset_width(lines[i] + 1, dl - 1,
		    CHARSET_UTF8) <= (size_t)wrap);
	}
}

static void
test_menu(void **state)
{
	struct buf	 out;

	(void)state;
	buf_init(&out, 1 << 20);
	assert_int_equal(gopher_render_menu(page, strlen(page),
	    "/dir/index.gmi", &style_utf8, &out), 0);
	check_menu(&out, 40);
	assert_non_null(strstr(out.data,
	    "iThe title \xe2\x80\x94 here\t\tlocalhost\t7070\r\n"));
	assert_non_null(strstr(out.data,
	    "0The plain file\t/plain.txt\tlocalhost\t7070\r\n"));
	assert_non_null(strstr(out.data,
	    "0Remote\t/x\texample.org\t70\r\n"));
	assert_non_null(strstr(out.data,
	    "hWeb site\tURL:https://example.com/\tlocalhost\t7070\r\n"));
	assert_non_null(strstr(out.data,
	    "1sub/page.gmi\t/dir/sub/page.gmi\tlocalhost\t7070\r\n"));
	buf_free(&out);
}

struct link_case {
	const char	*url;
	const char	*line;
};

static const struct link_case link_cases[] = {
	{ "gopher://h.example", "1L\t\th.example\t70\r\n" },
	{ "gopher://h.example:7070/", "1L\t\th.example\t7070\r\n" },
	{ "gopher://h.example/9/bin%20x", "9L\t/bin x\th.example\t70\r\n" },
	{ "gopher://[::1]:71/1/d", "1L\t/d\t::1\t71\r\n" },
	{ "gemini://g.example/", "hL\tURL:gemini://g.example/\tlocalhost\t"
	    "7070\r\n" },
	{ "/dir/", "1L\t/dir/\tlocalhost\t7070\r\n" },
	{ "/a/../img.png", "IL\t/img.png\tlocalhost\t7070\r\n" },
	{ "/anim.gif", "gL\t/anim.gif\tlocalhost\t7070\r\n" },
	{ "/doc.pdf", "dL\t/doc.pdf\tlocalhost\t7070\r\n" },
	{ "/search", "7L\t/search\tlocalhost\t7070\r\n" },
	/* Found by fuzzing: a control byte where the item type goes must
	 * not start a line; the link becomes a URL: item, cleaned. */
	{ "gopher://h/\r?", "hL\tURL:gopher://h/ ?\tlocalhost\t7070\r\n" },
	{ "gopher://h/\x7fx", "hL\tURL:gopher://h/ x\tlocalhost\t"
	    "7070\r\n" },
};

static void
test_links(void **state)
{
	struct buf	 out;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(link_cases) / sizeof(link_cases[0]); i++) {
		buf_init(&out, 4096);
		gopher_link(&out, link_cases[i].url, "L", &style_utf8);
		assert_non_null(out.data);
		assert_string_equal(out.data, link_cases[i].line);
		buf_free(&out);
	}
}

static void
test_items(void **state)
{
	struct buf	 out;
	char		 longer[200];

	(void)state;
	buf_init(&out, 4096);
	/* A word longer than the width: cut on a character boundary. */
	memset(longer, 'x', 38);
	memcpy(longer + 38, "\xc3\xa9\xc3\xa9\xc3\xa9", 7);
	gopher_item(&out, '0', longer, "/sel", &style_utf8);
	assert_int_equal(strcspn(out.data, "\t"), 1 + 38 + 2 + 3);
	assert_memory_equal(out.data + 1 + 38, "\xc3\xa9\xe2\x80\xa6\t", 6);
	buf_reset(&out);
	/* TABs and line breaks never break the line. */
	gopher_item(&out, '0', "a\tb\r\nc", "/s\tx", &style_utf8);
	assert_string_equal(out.data, "0a b  c\t/s x\tlocalhost\t7070\r\n");
	buf_reset(&out);
	gopher_info(&out, "info", &style_utf8);
	gopher_menu_end(&out);
	assert_string_equal(out.data,
	    "iinfo\t\tlocalhost\t7070\r\n.\r\n");
	buf_reset(&out);
	gopher_error_menu(&out, "Not found", &style_utf8);
	assert_string_equal(out.data,
	    "3Not found\t\tlocalhost\t7070\r\n.\r\n");
	buf_free(&out);
}

static const struct gopher_style style_latin1 = {
	"localhost", 7070, 40, CHARSET_LATIN1
};

/* Menu titles over the width: cut between words, with a mark. */
static const struct {
	const struct gopher_style	*st;
	const char			*in;
	const char			*out;	/* the display sent */
} title_cases[] = {
	/* Fits: as is (40 characters, 42 bytes in UTF-8). */
	{ &style_utf8, "Exactly forty characters, caf\xc3\xa9 au lait!",
	    "Exactly forty characters, caf\xc3\xa9 au lait!" },
	{ &style_utf8, "Stop the attacks on migrants \xe2\x80\x93 resistance "
	    "is not a crime!",
	    "Stop the attacks on migrants \xe2\x80\x93\xe2\x80\xa6" },
	{ &style_ascii, "Stop the attacks on migrants \xe2\x80\x93 "
	    "resistance is not a crime!",
	    "Stop the attacks on migrants -..." },
	{ &style_latin1, "\xc3\x89l\xc3\xa8ves et professeurs contre la "
	    "r\xc3\xa9" "forme des retraites",
	    "\xc9l\xe8ves et professeurs contre la..." },
	/* A blank just after the room left for the mark: cut there. */
	{ &style_utf8, "123456789 123456789 123456789 123456789 next",
	    "123456789 123456789 123456789 123456789\xe2\x80\xa6" },
	{ &style_utf8, "123456789 123456789 123456789 12345678 next",
	    "123456789 123456789 123456789 12345678\xe2\x80\xa6" },
	/* Runs of blanks do not end the display. */
	{ &style_ascii, "aaaaaaaaa bbbbbbbbb ccccccccc     dddddddddddd",
	    "aaaaaaaaa bbbbbbbbb ccccccccc..." },
	/* The last blank keeps less than half the width: cut at the limit. */
	{ &style_utf8, "Short "
	    "averyveryverylongwordthatgoesonandonandonandon",
	    "Short averyveryverylongwordthatgoesonan\xe2\x80\xa6" },
	{ &style_ascii, "Short "
	    "averyveryverylongwordthatgoesonandonandonandon",
	    "Short averyveryverylongwordthatgoeson..." },
};

static void
test_item_titles(void **state)
{
	const struct gopher_style	*st;
	struct buf			 out;
	size_t				 i, n;

	(void)state;
	buf_init(&out, 4096);
	for (i = 0; i < sizeof(title_cases) / sizeof(title_cases[0]); i++) {
		st = title_cases[i].st;
		buf_reset(&out);
		gopher_item(&out, '1', title_cases[i].in, "/s", st);
		n = strcspn(out.data, "\t");
		if (n - 1 != strlen(title_cases[i].out) ||
		    memcmp(out.data + 1, title_cases[i].out, n - 1) != 0) {
			print_error("case %zu: \"%.*s\"\n", i, (int)n - 1,
			    out.data + 1);
			buf_free(&out);
			fail();
		}
		/* Columns are characters: the whole display fits. */
		assert_true(charset_width(out.data + 1, n - 1, st->charset) <=
		    (size_t)st->wrap);
		if (st->charset == CHARSET_UTF8)
			assert_true(utf8_valid(out.data + 1, n - 1));
	}
	/* gopher:// links are items too. */
	buf_reset(&out);
	gopher_link(&out, "gopher://example.org/1/x", "Stop the attacks on "
	    "migrants \xe2\x80\x93 resistance is not a crime!", &style_ascii);
	assert_memory_equal(out.data, "1Stop the attacks on migrants -...\t",
	    35);
	buf_free(&out);
}

static void
test_type_for_mime(void **state)
{
	(void)state;
	assert_int_equal(gopher_type_for_mime("text/plain"), '0');
	assert_int_equal(gopher_type_for_mime("text/gemini"), '1');
	assert_int_equal(gopher_type_for_mime("application/atom+xml"), '0');
	assert_true(gopher_gmi_is_text("2025-06-09-stop.gmi"));
	assert_false(gopher_gmi_is_text("about.gmi"));
	assert_false(gopher_gmi_is_text("2025-06-0x-stop.gmi"));
	assert_int_equal(gopher_type_for_mime("text/html"), 'h');
	assert_int_equal(gopher_type_for_mime("inode/directory"), '1');
	assert_int_equal(gopher_type_for_mime("image/gif"), 'g');
	assert_int_equal(gopher_type_for_mime("image/png"), 'I');
	assert_int_equal(gopher_type_for_mime("audio/ogg"), 's');
	assert_int_equal(gopher_type_for_mime("application/pdf"), 'd');
	assert_int_equal(gopher_type_for_mime("application/octet-stream"),
	    '9');
	assert_int_equal(gopher_type_for_mime(NULL), '9');
}

struct filter_case {
	const char		*in;
	enum config_charset	 cs;
	const char		*out;
};

static const struct filter_case filter_cases[] = {
	{ "", CHARSET_UTF8, ".\r\n" },
	{ "a\nb\n", CHARSET_UTF8, "a\r\nb\r\n.\r\n" },
	{ "a\r\nb", CHARSET_UTF8, "a\r\nb\r\n.\r\n" },
	{ ".x\n..y\n.\n", CHARSET_UTF8, "..x\r\n...y\r\n..\r\n.\r\n" },
	{ "a.b\n", CHARSET_UTF8, "a.b\r\n.\r\n" },
	{ "cr\r", CHARSET_UTF8, "cr\r\n.\r\n" },
	{ "\xe2\x80\xa6 x\n", CHARSET_ASCII, ".... x\r\n.\r\n" },
	{ "\xc3\xa9\n", CHARSET_LATIN1, "\xe9\r\n.\r\n" },
	{ "\xe2\x80\x9cq\xe2\x80\x9d", CHARSET_ASCII, "\"q\"\r\n.\r\n" },
	/* No escape sequence reaches the terminal, in any charset; UTF-8
	 * output is valid UTF-8. */
	{ "\x1b[31mred\x1b]0;t\x07\n", CHARSET_UTF8,
	    " [31mred ]0;t \r\n.\r\n" },
	{ "a\xc2\x9b" "2J\xff\xc3\xa9\x0c\n", CHARSET_UTF8,
	    "a 2J?\xc3\xa9 \r\n.\r\n" },
	{ "a\xc2\x9b" "2J\xc3\xa9\x1b\n", CHARSET_LATIN1,
	    "a 2J\xe9 \r\n.\r\n" },
	{ "\xc2\x9b" "x\n\x1b.y\n", CHARSET_ASCII, " x\r\n .y\r\n.\r\n" },
	{ "\xe2\x80\x8b.z\n", CHARSET_ASCII, "..z\r\n.\r\n" },
	/* UTF-8 copies plain runs whole: the same result at every split. */
	{ "\xc3\xa9.a\n.\xc3\xa9\r\n\xe2\x80\xa6\t\xf0\x9f\x98\x80\r.\xe2\x80",
	    CHARSET_UTF8, "\xc3\xa9.a\r\n..\xc3\xa9\r\n\xe2\x80\xa6\t"
	    "\xf0\x9f\x98\x80\r\n..??\r\n.\r\n" },
};

/* Each input fed whole and in every two-way split. */
static void
test_text_filter(void **state)
{
	struct buf	 out;
	void		*f;
	size_t		 i, cut, len;

	(void)state;
	for (i = 0; i < sizeof(filter_cases) / sizeof(filter_cases[0]); i++) {
		len = strlen(filter_cases[i].in);
		for (cut = 0; cut <= len; cut++) {
			buf_init(&out, 4096);
			f = gopher_text_filter_new(filter_cases[i].cs);
			assert_non_null(f);
			assert_int_equal(gopher_text_filter(f,
			    filter_cases[i].in, cut, &out, 0), 0);
			assert_int_equal(gopher_text_filter(f,
			    filter_cases[i].in + cut, len - cut, &out, 1), 0);
			assert_non_null(out.data);
			assert_string_equal(out.data, filter_cases[i].out);
			free(f);
			buf_free(&out);
		}
	}
}

/* Bytes a terminal would act on: C0 but TAB CR LF, DEL, C1. */
static void
assert_terminal_safe(const struct buf *b, enum config_charset cs)
{
	size_t	 i;

	assert_non_null(b->data);
	for (i = 0; i < b->len; i++) {
		unsigned char	 c = (unsigned char)b->data[i];

		assert_true(c >= 0x20 || c == '\t' || c == '\r' || c == '\n');
		assert_int_not_equal(c, 0x7f);
		if (cs == CHARSET_LATIN1)
			assert_false(c >= 0x80 && c <= 0x9f);
		if (cs == CHARSET_UTF8 && c == 0xc2 && i + 1 < b->len)
			assert_false((unsigned char)b->data[i + 1] <= 0x9f);
	}
	if (cs == CHARSET_UTF8)
		assert_true(utf8_valid(b->data, b->len));
}

/*
 * ESC, OSC, BEL, C1 and invalid UTF-8 in a statement: neither the text
 * nor the menu rendering nor an item's display carries them, in any
 * charset.
 */
static void
test_no_control_output(void **state)
{
	static const char	 hostile[] =
	    "# T \x1b[31mred\xc2\x9b" "1m\n\nP \x1b]0;t\x07 \xff\xc2\x85.\n"
	    "* \x1b[5m\n> \x0c\n=> /x.gmi L\x1b[1m\xc2\x9b\n"
	    "=> gopher://h/0/a\x1b" "b L\n```\npre\x1b[7m\t\xc2\x9b\n```\n";
	enum config_charset	 css[] = { CHARSET_UTF8, CHARSET_LATIN1,
	    CHARSET_ASCII };
	struct gopher_style	 st = style_utf8;
	struct buf		 out;
	size_t			 c;

	(void)state;
	for (c = 0; c < 3; c++) {
		st.charset = css[c];
		buf_init(&out, 1 << 16);
		assert_int_equal(gopher_render_text(hostile, strlen(hostile),
		    NULL, NULL, &st, &out), 0);
		assert_terminal_safe(&out, css[c]);
		buf_reset(&out);
		assert_int_equal(gopher_render_menu(hostile, strlen(hostile),
		    "/", &st, &out), 0);
		assert_terminal_safe(&out, css[c]);
		buf_reset(&out);
		gopher_item(&out, '0', "x\x1b[2J\xc2\x9b\xff", "/s\x1b", &st);
		assert_terminal_safe(&out, css[c]);
		buf_free(&out);
	}
}


/* A statement's correction and attachments, as text and as a menu. */
static void
test_statement_extras(void **state)
{
	static const char	 text[] = "# T\n\nWords.\n=> /x.gmi X\n";
	static const struct gopher_style wide = {
		"localhost", 7070, 100, CHARSET_UTF8
	};
	struct gopher_stmt	 m;
	struct buf		 b;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.title = "T";
	m.date = "2025-06-09";
	m.corrected = "2025-06-12";
	m.correction = "Fixed";
	m.attachments = "a b.jpg\x1fimage/jpeg\x1f" "2048\x1e"
	    "r.pdf\x1f" "application/pdf\x1f" "5\x1e"
	    "../up\x1ft/x\x1f" "1\x1e" "s.ogg\x1f" "audio/ogg\x1f" "7";
	m.attach_sel = "/statements/2025-06-09-a/";
	buf_init(&b, 1 << 20);
	assert_int_equal(gopher_render_statement(text, strlen(text), &m,
	    &wide, &b), 0);
	assert_non_null(strstr(b.data, "2025-06-09\r\nCorrected 2025-06-12: "
	    "Fixed\r\n\r\n"));
	assert_non_null(strstr(b.data, "References\r\n----------\r\n"
	    "[1] gopher://localhost:7070/1/x.gmi\r\n"
	    "[2] a b.jpg (image/jpeg, 2.0 KiB)\r\n"
	    "    gopher://localhost:7070/I/statements/2025-06-09-a/a%20b.jpg"
	    "\r\n"
	    "[3] r.pdf (application/pdf, 5 bytes)\r\n"));
	assert_null(strstr(b.data, "up"));	/* a name with a slash */
	assert_non_null(strstr(b.data, "[4] s.ogg (audio/ogg, 7 bytes)\r\n"
	    "    gopher://localhost:7070/s/statements/2025-06-09-a/s.ogg"));
	buf_reset(&b);
	assert_int_equal(gopher_render_statement_menu(text, strlen(text),
	    "/statements/2025-06-09-a.gmi", &m, &wide, &b), 0);
	assert_non_null(strstr(b.data, "iCorrected 2025-06-12: Fixed\t"));
	assert_non_null(strstr(b.data, "iAttachments:\t"));
	assert_non_null(strstr(b.data, "Ia b.jpg (image/jpeg, 2.0 KiB)\t"
	    "/statements/2025-06-09-a/a b.jpg\tlocalhost\t7070\r\n"));
	assert_non_null(strstr(b.data, "dr.pdf (application/pdf, 5 bytes)\t"
	    "/statements/2025-06-09-a/r.pdf\t"));
	assert_non_null(strstr(b.data, "ss.ogg (audio/ogg, 7 bytes)\t"));
	assert_null(strstr(b.data, "up"));
	assert_int_equal(memcmp(b.data + b.len - 3, ".\r\n", 3), 0);
	/* Without links: the attachments alone make the References. */
	buf_reset(&b);
	m.corrected = NULL;
	assert_int_equal(gopher_render_statement("# T\n\nW.\n", 8, &m,
	    &wide, &b), 0);
	assert_non_null(strstr(b.data, "References\r\n----------\r\n"
	    "[1] a b.jpg"));
	assert_null(strstr(b.data, "Corrected"));
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_invariants),
		cmocka_unit_test(test_text_ascii),
		cmocka_unit_test(test_text_long_words),
		cmocka_unit_test(test_menu),
		cmocka_unit_test(test_links),
		cmocka_unit_test(test_items),
		cmocka_unit_test(test_item_titles),
		cmocka_unit_test(test_type_for_mime),
		cmocka_unit_test(test_text_filter),
		cmocka_unit_test(test_no_control_output),
		cmocka_unit_test(test_statement_extras),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
