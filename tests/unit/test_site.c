/* SPDX-License-Identifier: ISC */
/* Unit tests for site.c: nothing outside the root, ever. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "site.h"

struct fixture {
	char	 dir[PATH_MAX];
	int	 rootfd;
};

static void
put(const char *dir, const char *name, const char *text)
{
	char	 path[PATH_MAX];
	FILE	*fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(fp = fopen(path, "w"));
	fputs(text, fp);
	fclose(fp);
}

static int
setup(void **state)
{
	struct fixture	*fx = calloc(1, sizeof(*fx));
	char		 path[PATH_MAX + 32], cmd[PATH_MAX + 32];

	snprintf(fx->dir, sizeof(fx->dir), "/tmp/broadside-site-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(path, sizeof(path), "%s/root", fx->dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/root/sub", fx->dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/root/.git", fx->dir);
	mkdir(path, 0755);
	put(fx->dir, "secret.txt", "outside\n");
	put(fx->dir, "root/a.gmi", "# A\n");
	put(fx->dir, "root/b.txt", "b\n");
	put(fx->dir, "root/.env", "hidden\n");
	put(fx->dir, "root/sub/c.gmi", "# C\n");
	snprintf(path, sizeof(path), "%s/root/out", fx->dir);
	assert_int_equal(symlink("../secret.txt", path), 0);
	snprintf(path, sizeof(path), "%s/root/outdir", fx->dir);
	assert_int_equal(symlink("/etc", path), 0);
	/* An archive folder swapped for links: outside, then inside. */
	snprintf(path, sizeof(path), "%s/outside", fx->dir);
	mkdir(path, 0755);
	put(fx->dir, "outside/2024-01-01-x.gmi", "# outside\n");
	snprintf(path, sizeof(path), "%s/root/st", fx->dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/root/st/real", fx->dir);
	mkdir(path, 0755);
	put(fx->dir, "root/st/real/2024-01-01-x.gmi", "# inside\n");
	snprintf(path, sizeof(path), "%s/root/st/2024", fx->dir);
	assert_int_equal(symlink("../../outside", path), 0);
	snprintf(path, sizeof(path), "%s/root/st/abs", fx->dir);
	snprintf(cmd, sizeof(cmd), "%s/outside", fx->dir);
	assert_int_equal(symlink(cmd, path), 0);
	snprintf(path, sizeof(path), "%s/root/st/near", fx->dir);
	assert_int_equal(symlink("real", path), 0);
	snprintf(path, sizeof(path), "%s/root/fifo", fx->dir);
	assert_int_equal(mkfifo(path, 0644), 0);
	snprintf(path, sizeof(path), "%s/root", fx->dir);
	fx->rootfd = open(path, O_RDONLY | O_DIRECTORY);
	assert_true(fx->rootfd != -1);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*fx = *state;
	char		 cmd[PATH_MAX + 16];

	close(fx->rootfd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	if (system(cmd) != 0)
		return -1;
	free(fx);
	return 0;
}

static void
test_path_ok(void **state)
{
	static const struct {
		const char	*path;
		int		 ok;
	} cases[] = {
		{ "/", 1 }, { "/a.gmi", 1 }, { "/sub/c.gmi", 1 },
		{ "//a.gmi", 1 }, { "/sub/", 1 },
		{ "", 0 }, { "a.gmi", 0 }, { "/.env", 0 }, { "/..", 0 },
		{ "/../x", 0 }, { "/sub/../a", 0 }, { "/sub/.", 0 },
		{ "/.git/config", 0 }, { "/a\\..\\b", 0 },
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(site_path_ok(cases[i].path), cases[i].ok);
}

static void
test_open(void **state)
{
	static const struct {
		const char		*path;
		enum site_result	 want;
	} cases[] = {
		{ "/a.gmi", SITE_FILE },
		{ "/sub/c.gmi", SITE_FILE },
		{ "/", SITE_DIR },
		{ "/sub/", SITE_DIR },
		{ "/sub", SITE_NEED_SLASH },
		{ "/missing", SITE_NOT_FOUND },
		{ "/a.gmi/x", SITE_NOT_FOUND },
		{ "/.env", SITE_NOT_FOUND },
		{ "/.git/", SITE_NOT_FOUND },
		{ "/../secret.txt", SITE_NOT_FOUND },
		{ "/sub/../../secret.txt", SITE_NOT_FOUND },
		{ "/out", SITE_NOT_FOUND },		/* symlink leaving the root */
		{ "/outdir/passwd", SITE_NOT_FOUND },
		{ "/fifo", SITE_NOT_FOUND },		/* never blocks, never served */
		{ "relative", SITE_NOT_FOUND },
	};
	struct fixture		*fx = *state;
	struct site_entry	 e;
	size_t			 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum site_result r = site_open(fx->rootfd, cases[i].path, &e);

		if (r != cases[i].want)
			fail_msg("%s: got %d, want %d", cases[i].path, r,
			    cases[i].want);
		if (r == SITE_FILE || r == SITE_DIR) {
			assert_true(e.fd != -1);
			close(e.fd);
		} else
			assert_int_equal(e.fd, -1);
	}
}

/* What is read through the fd: its first line, or "" when it fails. */
static const char *
first_line(int fd, char *buf, size_t len)
{
	ssize_t	 n;

	buf[0] = '\0';
	if (fd == -1)
		return buf;
	n = read(fd, buf, len - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

/*
 * site_openat, the one open of content: a folder in any component that
 * is a link out of the root (relative or absolute) is refused, not only
 * a link in the last; a link that stays beneath is followed where
 * openat2 exists (refused elsewhere: the walk follows none).
 */
static void
test_openat_beneath(void **state)
{
	struct fixture	*fx = *state;
	char		 buf[64];
	int		 fd;

	assert_string_equal(first_line(site_openat(fx->rootfd,
	    "st/real/2024-01-01-x.gmi", O_RDONLY), buf, sizeof(buf)),
	    "# inside");
	assert_string_equal(first_line(site_openat(fx->rootfd,
	    "/st/real/2024-01-01-x.gmi", O_RDONLY | O_NOFOLLOW), buf,
	    sizeof(buf)), "# inside");
	fd = site_openat(fx->rootfd, "st/2024/2024-01-01-x.gmi",
	    O_RDONLY | O_NOFOLLOW);
	assert_int_equal(fd, -1);
	fd = site_openat(fx->rootfd, "st/abs/2024-01-01-x.gmi", O_RDONLY);
	assert_int_equal(fd, -1);
	fd = site_openat(fx->rootfd, "st/../../outside/2024-01-01-x.gmi",
	    O_RDONLY);
	assert_int_equal(fd, -1);
	fd = site_openat(fx->rootfd, "out", O_RDONLY);
	assert_int_equal(fd, -1);
	fd = site_openat(fx->rootfd, "st/near/2024-01-01-x.gmi", O_RDONLY);
	if (fd != -1)
		assert_string_equal(first_line(fd, buf, sizeof(buf)),
		    "# inside");
	/* The root itself, for a listing. */
	fd = site_openat(fx->rootfd, "", O_RDONLY | O_DIRECTORY);
	assert_true(fd != -1);
	close(fd);
}

static void
test_open_in_and_list(void **state)
{
	struct fixture		*fx = *state;
	struct site_entry	 e;
	struct site_dirent	*ents;
	size_t			 n;

	assert_int_equal(site_open_in(fx->rootfd, "a.gmi", &e), 0);
	close(e.fd);
	assert_int_equal(site_open_in(fx->rootfd, "out", &e), -1);
	assert_int_equal(site_open_in(fx->rootfd, "sub", &e), -1);
	assert_int_equal(site_list_dir(fx->rootfd, &ents, &n), 0);
	/* Sorted, dotfiles and the fifo hidden, the links shown as what
	 * they point to only when that is a file or directory. */
	assert_true(n >= 3);
	assert_string_equal(ents[0].name, "a.gmi");
	assert_string_equal(ents[1].name, "b.txt");
	for (size_t i = 0; i < n; i++) {
		assert_true(ents[i].name[0] != '.');
		assert_string_not_equal(ents[i].name, "fifo");
		if (strcmp(ents[i].name, "sub") == 0)
			assert_true(ents[i].is_dir);
	}
	free(ents);
}

/* "DIR/.page/N/": every form, and what is not one. */
static void
test_dir_page(void **state)
{
	static const struct {
		const char	*path;
		long		 page;
		const char	*dir;
	} t[] = {
		{ "/d/.page/2/", 2, "/d/" },
		{ "/d/.page/2", 2, "/d/" },
		{ "/.page/1/", 1, "/" },
		{ "/a/b/.page/51/", 51, "/a/b/" },
		{ "/d/.page/0/", -1, NULL },
		{ "/d/.page//", -1, NULL },
		{ "/d/.page/x/", -1, NULL },
		{ "/d/.page/2x/", -1, NULL },
		{ "/d/.page/99999999999999999999/", -1, NULL },
		{ "/d/.page/52/", -1, NULL },	/* over SITE_PAGE_MAX */
		{ "/d/.page/", 0, NULL },
		{ "/d/x.page/2/", 0, NULL },
		{ "/d/page/2/", 0, NULL },
		{ "/d/2/", 0, NULL },
		{ "/", 0, NULL },
		{ "", 0, NULL },
	};
	char	 dir[64];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		long	 got = site_dir_page(t[i].path, dir, sizeof(dir));

		if (got != t[i].page)
			fail_msg("%s: %ld, not %ld", t[i].path, got, t[i].page);
		if (t[i].dir != NULL)
			assert_string_equal(dir, t[i].dir);
	}
	assert_int_equal(site_dir_page("/abc/.page/2/", dir, 5), -1);
	assert_int_equal(site_dir_page("/abc/.page/2/", dir, 6), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_ok),
		cmocka_unit_test(test_dir_page),
		cmocka_unit_test_setup_teardown(test_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_openat_beneath, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_open_in_and_list, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
