/* SPDX-License-Identifier: ISC */
/*
 * broadside: confining a worker after start-up: chroot to the content root
 * or Landlock, dropping to the configured user, and a system call filter.
 */
#ifndef BROADSIDE_SANDBOX_H
#define BROADSIDE_SANDBOX_H

#include <sys/types.h>
#include <stddef.h>

struct config;

struct sandbox_user {
	int	 enabled;	/* started as root with a user configured */
	uid_t	 uid;
	gid_t	 gid;
	char	 name[64];
};

/*
 * Parent, at start-up and reload: look the user up (as root), and log
 * which confinement the workers will have when it differs from the last
 * said.  0, or -1 (logged).
 */
int	 sandbox_prepare(const struct config *, struct sandbox_user *);

/*
 * Worker, after fork, whoever started it: chroot (as root with chroot on)
 * or Landlock (the root read-only, nothing else), the privilege drop when
 * `u->enabled` (as root), no_new_privs, then the system call filter
 * (seccomp on Linux, pledge/unveil on OpenBSD).  0 or -1 (logged).
 */
int	 sandbox_enter(const struct config *, const struct sandbox_user *);

/*
 * The pieces, for tests.  sandbox_filter() installs the system call
 * allow-list (a call outside it kills the process); sandbox_landlock()
 * makes everything but `root` (read-only) unreachable.  Both: 0, 1 when
 * the kernel or the build lacks the feature, -1 on error (logged).
 */
int	 sandbox_filter(void);
int	 sandbox_landlock(const char *root);

/*
 * The key process, once it has read the key: drop privileges (as root)
 * and install its own allow-list, which has no open, socket or fork.
 * 0 or -1 (logged).
 */
int	 sandbox_keyproc(const struct sandbox_user *);

/*
 * A helper process (the key process, the indexer) just forked from the
 * parent: signals back to their defaults (SIGHUP, SIGUSR1 and SIGPIPE
 * ignored: the parent's business), none blocked, and the parent's
 * listening sockets, content root and pipes closed: all descriptors but
 * the log (stdio, an O_APPEND file, syslog's socket) and `keep`.
 */
void	 sandbox_helper_start(const int *keep, size_t nkeep);

/*
 * The indexer, after it opened the state directory: the root read-only
 * and `state` read-write (Landlock), the privilege drop as root, its own
 * allow-list (no network calls; creating, renaming and removing files).
 * 0 or -1 (logged).
 */
int	 sandbox_indexer(const struct config *, const struct sandbox_user *,
	    const char *state);

#endif
