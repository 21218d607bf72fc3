/* SPDX-License-Identifier: ISC */
/*
 * broadside: the publisher's commands, `broadside new` and `broadside
 * check` (cmd_new.c, cmd_check.c), and what they share (cmd.c).  They run
 * as the publisher, in the foreground, and serve nothing.
 */
#ifndef BROADSIDE_CMD_H
#define BROADSIDE_CMD_H

#include <stddef.h>

#include "archive_scan.h"
#include "config.h"

#define CMD_CONFIG_DEFAULT	"/etc/broadside/broadside.ini"
#define CMD_EXIT_FAIL		1	/* errors found, or a write failed */
#define CMD_EXIT_USAGE		2	/* a bad command line: nothing done */

/* argv[0] is the command's name; each returns the exit status. */
int	 cmd_new(int argc, char *argv[]);
int	 cmd_check(int argc, char *argv[]);

/*
 * Load the configuration at path, every error printed as file:line on
 * stderr.  0, or -1 (then conf holds nothing to free).
 */
int	 cmd_config(const char *path, struct config *conf);

/*
 * Open the content root and, under it, the archive folder (as the server
 * does, beneath the root).  0, or -1 with a message printed; *rootfd and
 * *archfd are -1 on failure.
 */
int	 cmd_open_archive(const struct config *, int *rootfd, int *archfd);

/*
 * A path to show: abs without the working directory when it is under
 * it (what an editor or a git hook wants), else abs itself.
 */
const char *cmd_show_path(const char *abs);

/* Today's date, UTC. */
void	 cmd_today(struct scan_date *);

#endif
