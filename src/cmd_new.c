/* SPDX-License-Identifier: ISC */
/*
 * broadside new: start a statement.  Writes
 * <root>/<archive>/<year>/<date>-<slug>.gmi holding "# TITLE" and a blank
 * line, and a sidecar beside it only when metadata was given.  Never
 * overwrites: the name is claimed with O_CREAT|O_EXCL, so two publishers
 * (or two runs) at once get -2, -3...  Everything is checked before
 * anything is written; a failure removes what was made.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive_scan.h"
#include "cmd.h"
#include "isodate.h"
#include "site.h"
#include "slug.h"
#include "utf8.h"

#define NEW_SUFFIX_MAX	999	/* -2 .. -999 for one slug on one day */
#define NEW_SIDECAR_MAX	1024	/* bytes of the sidecar written */
#define NEW_BASE_MAX	(10 + 1 + SLUG_LEN_MAX + 4)	/* date-slug-NNN */

struct new_opts {
	const char		*config;
	struct scan_date	 date;
	const char		*lang;
	const char		*publish;
	int			 draft;
	int			 has_tags;
	struct scan_sidecar	 tags;		/* labels: as written */
	char			 title[SCAN_TITLE_MAX + 1];
};

static void
new_usage(FILE *fp)
{
	fprintf(fp, "usage: broadside new [-c file] [--date YYYY-MM-DD] "
	    "[--lang tag] [--tags a,b]\n"
	    "                     [--draft] [--publish moment] title ...\n");
}

static int
new_help(void)
{
	new_usage(stdout);
	printf("  -c file       configuration (default %s)\n"
	    "  --date D      the statement's date, YYYY-MM-DD (default: "
	    "today, UTC)\n"
	    "  --lang L      its language, a BCP 47 tag (es, pt-BR)\n"
	    "  --tags a,b    its tags, comma-separated\n"
	    "  --draft       a draft: served nowhere until the sidecar says "
	    "otherwise\n"
	    "  --publish T   publish at T: 2026-12-01T09:00:00Z, "
	    "...T09:00+02:00 or a date\n"
	    "Writes <root>/<archive>/<year>/<date>-<slug>.gmi (and a .ini "
	    "sidecar with the\nmetadata given), never overwriting, and prints "
	    "what it wrote.\n", CMD_CONFIG_DEFAULT);
	return 0;
}

static int
bad(const char *what, const char *value, const char *why)
{
	fprintf(stderr, "broadside new: %s \"%s\": %s\n", what, value, why);
	return -1;
}

/* Anything a heading line cannot hold, or that would not show. */
static int
title_char_ok(uint32_t cp)
{
	return cp >= 0x20 && cp != 0x7f && !(cp >= 0x80 && cp <= 0x9f) &&
	    cp != 0x2028 && cp != 0x2029 && cp != 0xfeff;
}

/* The words left on the command line, joined by spaces and checked. */
static int
take_title(int argc, char *argv[], struct new_opts *o)
{
	const unsigned char	*u;
	uint32_t		 cp;
	size_t			 len = 0, i, n;
	int			 k, r;

	for (k = 0; k < argc; k++) {
		n = strlen(argv[k]);
		if (len + (k > 0) + n > SCAN_TITLE_MAX) {
			fprintf(stderr, "broadside new: the title is longer "
			    "than %d bytes\n", SCAN_TITLE_MAX);
			return -1;
		}
		if (k > 0)
			o->title[len++] = ' ';
		memcpy(o->title + len, argv[k], n);
		len += n;
	}
	o->title[len] = '\0';
	u = (const unsigned char *)o->title;
	for (i = 0; i < len; i += (size_t)r)
		if ((r = utf8_decode(u + i, len - i, &cp)) <= 0 ||
		    !title_char_ok(cp)) {
			fprintf(stderr, "broadside new: the title %s\n", r <= 0 ?
			    "is not valid UTF-8" : "holds a control character "
			    "(a new line, a tab...)");
			return -1;
		}
	for (i = 0; i < len && o->title[i] == ' '; i++)
		;
	while (len > i && o->title[len - 1] == ' ')
		o->title[--len] = '\0';
	memmove(o->title, o->title + i, len - i + 1);
	if (o->title[0] == '\0') {
		fprintf(stderr, "broadside new: the title is empty\n");
		return -1;
	}
	return 0;
}

static int
take_tags(const char *v, struct new_opts *o)
{
	size_t	 i;

	memset(&o->tags, 0, sizeof(o->tags));
	if (scan_parse_tags(v, 0, &o->tags) > 0) {
		for (i = 0; i < o->tags.nerrors && i < SCAN_ERRORS_MAX; i++)
			fprintf(stderr, "broadside new: --tags: %s\n",
			    o->tags.errors[i].msg);
		return -1;
	}
	if (o->tags.ntags == 0)
		return bad("--tags", v, "no tag");
	o->has_tags = 1;
	return 0;
}

/* One option and its value.  0, or -1 (said why). */
static int
take_opt(int ch, const char *v, struct new_opts *o)
{
	const char	*err;
	long long	 t;

	switch (ch) {
	case 'c':
		o->config = v;
		return 0;
	case 'd':
		if (scan_parse_date(v, strlen(v), &o->date, &err) == -1)
			return bad("--date", v, err);
		return 0;
	case 'l':
		if (!scan_lang_ok(v))
			return bad("--lang", v, "not a BCP 47 language tag "
			    "(like en, es, pt-BR)");
		o->lang = v;
		return 0;
	case 't':
		return take_tags(v, o);
	case 'D':
		o->draft = 1;
		return 0;
	case 'p':
		if (scan_parse_moment(v, strlen(v), &t, &err) == -1)
			return bad("--publish", v, err);
		o->publish = v;
		return 0;
	}
	return -1;
}

/* 0: go on; 1: done (help); -1: a bad value (said why); -2: usage. */
static int
parse_args(int argc, char *argv[], struct new_opts *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "date", required_argument, NULL, 'd' },
		{ "lang", required_argument, NULL, 'l' },
		{ "tags", required_argument, NULL, 't' },
		{ "draft", no_argument, NULL, 'D' },
		{ "publish", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int	 ch;

	memset(o, 0, sizeof(*o));
	o->config = CMD_CONFIG_DEFAULT;
	cmd_today(&o->date);
	optind = 1;
	/* "+": the title's words are not options, wherever they are. */
	while ((ch = getopt_long(argc, argv, "+c:h", longopts, NULL)) != -1) {
		if (ch == 'h')
			return new_help() + 1;
		if (ch == '?' || ch == ':')
			return -2;
		if (take_opt(ch, optarg, o) == -1)
			return -1;
	}
	if (optind == argc) {
		fprintf(stderr, "broadside new: no title\n");
		return -2;
	}
	return take_title(argc - optind, argv + optind, o);
}

/* The sidecar's text: "" when no metadata was given.  -1: too long. */
static int
sidecar_text(const struct new_opts *o, char *buf, size_t sz)
{
	char	 line[SCAN_LINE_MAX * 2];
	size_t	 i, off = 0;
	int	 n;

	buf[0] = '\0';
	for (i = 0; i < 4; i++) {
		line[0] = '\0';
		if (i == 0 && o->lang != NULL)
			snprintf(line, sizeof(line), "lang = %s\n", o->lang);
		else if (i == 1 && o->has_tags) {
			size_t	 k, l = 0;

			l += (size_t)snprintf(line, sizeof(line), "tags = ");
			for (k = 0; k < o->tags.ntags && l < sizeof(line); k++)
				l += (size_t)snprintf(line + l, sizeof(line) -
				    l, "%s%s", k ? ", " : "",
				    o->tags.labels[k]);
			if (l < sizeof(line))
				snprintf(line + l, sizeof(line) - l, "\n");
		} else if (i == 2 && o->draft)
			snprintf(line, sizeof(line), "draft = yes\n");
		else if (i == 3 && o->publish != NULL)
			snprintf(line, sizeof(line), "publish = %s\n",
			    o->publish);
		/* The sidecar parser refuses longer lines. */
		if (strlen(line) > SCAN_LINE_MAX) {
			fprintf(stderr, "broadside new: the sidecar's %s "
			    "line would be over %d bytes\n", i == 1 ? "tags" :
			    "publish", SCAN_LINE_MAX);
			return -1;
		}
		n = snprintf(buf + off, sz - off, "%s", line);
		if (n < 0 || (size_t)n >= sz - off)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

/*
 * Is the name used by a statement the walk would pair with it: the same
 * base as a .txt or a sidecar in the year folder, or at the archive's top
 * (where older statements live)?  The .gmi in the year folder is left to
 * O_EXCL.
 */
static int
name_taken(int archfd, int yearfd, const char *base)
{
	static const char *const ext[] = { ".gmi", ".txt", ".ini" };
	struct stat	 sb;
	char		 name[NEW_BASE_MAX + 8];
	size_t		 i;

	for (i = 0; i < 3; i++) {
		if (snprintf(name, sizeof(name), "%s%s", base, ext[i]) >=
		    (int)sizeof(name))
			return 1;
		if (fstatat(archfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0 ||
		    (i > 0 && fstatat(yearfd, name, &sb,
		    AT_SYMLINK_NOFOLLOW) == 0))
			return 1;
	}
	return 0;
}

static int
write_all(int fd, const char *buf, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

struct claim {
	char	 base[NEW_BASE_MAX + 1];
	char	 gmi[NEW_BASE_MAX + 8];
	char	 ini[NEW_BASE_MAX + 8];
	int	 gfd, ifd;
};

/*
 * Claim date-slug[-N].gmi (and .ini) in the year folder, exclusively.
 * 0, or -1 with errno.
 */
static int
claim(int archfd, int yearfd, const char *date, const char *slug,
    int want_ini, struct claim *c)
{
	const int	 fl = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
			    O_CLOEXEC;
	int		 n, err;

	c->gfd = c->ifd = -1;
	for (n = 1; n <= NEW_SUFFIX_MAX; n++) {
		if ((n == 1 ? snprintf(c->base, sizeof(c->base), "%s-%s", date,
		    slug) : snprintf(c->base, sizeof(c->base), "%s-%s-%d", date,
		    slug, n)) >= (int)sizeof(c->base) ||
		    snprintf(c->gmi, sizeof(c->gmi), "%s.gmi", c->base) >=
		    (int)sizeof(c->gmi) ||
		    snprintf(c->ini, sizeof(c->ini), "%s.ini", c->base) >=
		    (int)sizeof(c->ini)) {
			errno = ENAMETOOLONG;	/* cannot be: the slug is short */
			return -1;
		}
		if (name_taken(archfd, yearfd, c->base))
			continue;
		if ((c->gfd = openat(yearfd, c->gmi, fl, 0644)) == -1) {
			if (errno == EEXIST)
				continue;
			return -1;
		}
		if (!want_ini ||
		    (c->ifd = openat(yearfd, c->ini, fl, 0644)) != -1)
			return 0;
		/* Someone's sidecar, made since: leave it, try the next. */
		err = errno;
		close(c->gfd);
		c->gfd = -1;
		unlinkat(yearfd, c->gmi, 0);
		if (err != EEXIST) {
			errno = err;
			return -1;
		}
	}
	errno = EEXIST;
	return -1;
}

/* The year folder, made when missing.  Its descriptor, or -1. */
static int
year_folder(int archfd, const char *year)
{
	int	 fd;

	if (mkdirat(archfd, year, 0755) == -1 && errno != EEXIST)
		return -1;
	fd = openat(archfd, year, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	return fd;
}

/* Write the heading and the sidecar; on failure remove both. */
static int
fill(int yearfd, struct claim *c, const struct new_opts *o, const char *ini)
{
	char	 text[SCAN_TITLE_MAX + 8];
	int	 n, rc = 0;

	n = snprintf(text, sizeof(text), "# %s\n\n", o->title);
	if (write_all(c->gfd, text, (size_t)n) == -1 ||
	    (c->ifd != -1 && write_all(c->ifd, ini, strlen(ini)) == -1))
		rc = -1;
	if (close(c->gfd) == -1)
		rc = -1;
	if (c->ifd != -1 && close(c->ifd) == -1)
		rc = -1;
	if (rc == -1) {
		n = errno;
		unlinkat(yearfd, c->gmi, 0);
		if (c->ifd != -1)
			unlinkat(yearfd, c->ini, 0);
		errno = n;
	}
	return rc;
}

static void
print_made(const struct config *conf, const char *year, const char *name)
{
	char	 path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s/%s/%s", conf->root, conf->archive,
	    year, name);
	printf("%s\n", cmd_show_path(path));
}

/* The checked options, written under the configured archive. */
static int
make_statement(const struct new_opts *o, const char *ini)
{
	struct config	 conf;
	struct claim	 c;
	char		 slug[SLUG_LEN_MAX + 1], year[5];
	int		 rootfd = -1, archfd = -1, yearfd = -1;
	int		 rc = CMD_EXIT_FAIL;

	if (cmd_config(o->config, &conf) == -1)
		return CMD_EXIT_FAIL;
	if (cmd_open_archive(&conf, &rootfd, &archfd) == -1)
		goto done;
	memcpy(year, o->date.text, 4);
	year[4] = '\0';
	if ((yearfd = year_folder(archfd, year)) == -1) {
		fprintf(stderr, "broadside new: %s/%s/%s: %s\n", conf.root,
		    conf.archive, year, strerror(errno));
		goto done;
	}
	slug_make(o->title, strlen(o->title), slug, sizeof(slug));
	if (claim(archfd, yearfd, o->date.text, slug, *ini != '\0', &c) ==
	    -1 || fill(yearfd, &c, o, ini) == -1) {
		fprintf(stderr, "broadside new: %s/%s/%s/%s-%s.gmi: %s\n",
		    conf.root, conf.archive, year, o->date.text, slug,
		    errno == EEXIST ? "too many statements of that name "
		    "that day" : strerror(errno));
		goto done;
	}
	print_made(&conf, year, c.gmi);
	if (*ini != '\0')
		print_made(&conf, year, c.ini);
	rc = 0;
done:
	if (yearfd != -1)
		close(yearfd);
	if (archfd != -1)
		close(archfd);
	if (rootfd != -1)
		close(rootfd);
	config_free(&conf);
	return rc;
}

int
cmd_new(int argc, char *argv[])
{
	static struct new_opts	 o;	/* large: the tags' labels */
	char			 ini[NEW_SIDECAR_MAX];

	switch (parse_args(argc, argv, &o)) {
	case 1:
		return 0;
	case -2:
		new_usage(stderr);
		return CMD_EXIT_USAGE;
	case -1:
		return CMD_EXIT_USAGE;
	}
	if (sidecar_text(&o, ini, sizeof(ini)) == -1)
		return CMD_EXIT_USAGE;
	return make_statement(&o, ini);
}
