/*
 * broadside: confining a worker after start-up: chroot to the content root,
 * dropping to the configured user, and a system call filter.
 */
#ifndef BROADSIDE_SANDBOX_H
#define BROADSIDE_SANDBOX_H

#include <sys/types.h>

struct config;

struct sandbox_user {
	int	 enabled;	/* started as root with a user configured */
	uid_t	 uid;
	gid_t	 gid;
	char	 name[64];
};

/* Parent, at start-up: look the user up.  0, or -1 (logged). */
int	 sandbox_prepare(const struct config *, struct sandbox_user *);

/* Worker, after fork: chroot, drop privileges, filter.  0 or -1. */
int	 sandbox_enter(const struct config *, const struct sandbox_user *);

#endif
