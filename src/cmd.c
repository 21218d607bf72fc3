/* SPDX-License-Identifier: ISC */
/* broadside: what the publisher's commands share (see cmd.h). */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "site.h"

static void
print_error(void *arg, const char *file, int line, const char *msg)
{
	(void)arg;
	if (line > 0)
		fprintf(stderr, "%s:%d: %s\n", file, line, msg);
	else
		fprintf(stderr, "%s: %s\n", file, msg);
}

int
cmd_config(const char *path, struct config *conf)
{
	if (config_load(path, conf, print_error, NULL) != 0) {
		fprintf(stderr, "%s: configuration has errors\n", path);
		return -1;
	}
	return 0;
}

int
cmd_open_archive(const struct config *conf, int *rootfd, int *archfd)
{
	*archfd = -1;
	if ((*rootfd = open(conf->root, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1) {
		fprintf(stderr, "broadside: %s: %s\n", conf->root,
		    strerror(errno));
		return -1;
	}
	if ((*archfd = site_openat(*rootfd, conf->archive, O_RDONLY |
	    O_DIRECTORY)) == -1) {
		fprintf(stderr, "broadside: %s/%s: %s\n", conf->root,
		    conf->archive, errno == ENOENT ? "no archive folder "
		    "(make it, or set [server] archive)" : strerror(errno));
		close(*rootfd);
		*rootfd = -1;
		return -1;
	}
	return 0;
}

const char *
cmd_show_path(const char *abs)
{
	static char	 cwd[PATH_MAX];
	static int	 have = -1;
	size_t		 n;

	if (have == -1)
		have = getcwd(cwd, sizeof(cwd)) != NULL && strcmp(cwd, "/") != 0;
	if (!have)
		return abs;
	n = strlen(cwd);
	if (strncmp(abs, cwd, n) == 0 && abs[n] == '/' && abs[n + 1] != '\0')
		return abs + n + 1;
	return abs;
}

void
cmd_today(struct scan_date *d)
{
	struct tm	 tm;
	time_t		 now = time(NULL);

	gmtime_r(&now, &tm);
	d->year = tm.tm_year + 1900;
	d->month = tm.tm_mon + 1;
	d->day = tm.tm_mday;
	snprintf(d->text, sizeof(d->text), "%04u-%02u-%02u",
	    (unsigned)d->year % 10000, (unsigned)d->month % 100,
	    (unsigned)d->day % 100);
}
