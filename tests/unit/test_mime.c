/* SPDX-License-Identifier: ISC */
/* Unit tests for mime.c: extension table, libmagic, UTF-8 sniffing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mime.h"

static const struct {
	const char	*name;
	const char	*type;		/* NULL: not in the table */
} names[] = {
	{ "index.gmi", "text/gemini" },
	{ "page.gemini", "text/gemini" },
	{ "INDEX.GMI", "text/gemini" },
	{ "notes.txt", "text/plain" },
	{ "atom.xml", "application/atom+xml" },
	{ "statements/feed.xml", "application/atom+xml" },
	{ "data.xml", "application/xml" },
	{ "feed.atom", "application/atom+xml" },
	{ "photo.jpg", "image/jpeg" },
	{ "photo.JPEG", "image/jpeg" },
	{ "anim.gif", "image/gif" },
	{ "pic.png", "image/png" },
	{ "song.mp3", "audio/mpeg" },
	{ "paper.pdf", "application/pdf" },
	{ "page.html", "text/html" },
	{ "dir.d/noext", NULL },
	{ "archive.tar.gz", "application/gzip" },
	{ "trailingdot.", NULL },
	{ ".gmi", "text/gemini" },
	{ "x.verylongextension", NULL },
	{ "x.unknownext", NULL },
	{ "", NULL },
};

static void
test_table(void **state)
{
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *t = mime_from_name(names[i].name);

		if (names[i].type == NULL)
			assert_null(t);
		else {
			assert_non_null(t);
			assert_string_equal(t, names[i].type);
		}
	}
}

static int
tmpfile_with(const void *data, size_t len)
{
	char	 path[] = "/tmp/broadside-mime-XXXXXX";
	int	 fd;

	fd = mkstemp(path);
	assert_true(fd != -1);
	unlink(path);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static void
test_magic(void **state)
{
	static const unsigned char png[] = {
		0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13,
		'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0,
		0x1f, 0x15, 0xc4, 0x89
	};
	char		 buf[MIME_MAX];
	const char	*t;
	int		 fd;

	(void)state;
	assert_int_equal(mime_init(), 0);
	/* No extension: libmagic looks at the bytes. */
	fd = tmpfile_with(png, sizeof(png));
	t = mime_type(fd, "picture", buf, sizeof(buf));
	assert_string_equal(t, "image/png");
	/* The descriptor is left at the start for whoever reads it next. */
	assert_int_equal(lseek(fd, 0, SEEK_CUR), 0);
	/* The table wins over the content. */
	t = mime_type(fd, "picture.gmi", buf, sizeof(buf));
	assert_string_equal(t, "text/gemini");
	close(fd);
	fd = tmpfile_with("plain words\n", 12);
	t = mime_type(fd, "README", buf, sizeof(buf));
	assert_string_equal(t, "text/plain");
	close(fd);
	/* No descriptor, unknown name: the last resort. */
	t = mime_type(-1, "blob", buf, sizeof(buf));
	assert_string_equal(t, "application/octet-stream");
	mime_close();
}

static void
test_utf8(void **state)
{
	static const struct {
		const char	*s;
		int		 cut_ok;	/* allow_cut = 1 */
		int		 strict;	/* allow_cut = 0 */
	} cases[] = {
		{ "plain ascii", 1, 1 },
		{ "caf\xc3\xa9", 1, 1 },
		{ "\xe2\x80\x94 dash", 1, 1 },
		{ "\xf0\x9f\x98\x80", 1, 1 },
		{ "cut \xe2\x80", 1, 0 },	/* sequence cut at the end */
		{ "\xc3\x28", 0, 0 },		/* bad continuation */
		{ "\xc0\xaf", 0, 0 },		/* overlong */
		{ "\xe0\x80\xaf", 0, 0 },	/* overlong, 3 bytes */
		{ "\xed\xa0\x80", 0, 0 },	/* surrogate */
		{ "\xf4\x90\x80\x80", 0, 0 },	/* above U+10FFFF */
		{ "\xff", 0, 0 },
		{ "latin1 \xe9t\xe9", 0, 0 },
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t	 len = strlen(cases[i].s);

		assert_int_equal(mime_is_utf8(cases[i].s, len, 1),
		    cases[i].cut_ok);
		assert_int_equal(mime_is_utf8(cases[i].s, len, 0),
		    cases[i].strict);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_magic),
		cmocka_unit_test(test_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
