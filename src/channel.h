/* SPDX-License-Identifier: ISC */
/*
 * broadside: channels between processes: SOCK_SEQPACKET socket pairs
 * that carry small messages with descriptors (SCM_RIGHTS).  The parent
 * makes one per worker for the key process and the indexer, and hands
 * them the other end over their control socket.
 */
#ifndef BROADSIDE_CHANNEL_H
#define BROADSIDE_CHANNEL_H

#include <sys/types.h>
#include <stddef.h>

#define CHANNEL_FDS_MAX		4	/* descriptors in one message */

/*
 * A new pair: one end goes over `ctl` (a one-byte message with `tag`),
 * the other is returned (close-on-exec; receive and send timeouts of
 * timeout_ms, 0: none), or -1 (logged as `what`).
 */
int	 channel_pair(int ctl, unsigned char tag, int timeout_ms,
	    const char *what);

/* A message with descriptors, never blocking.  0, or -1 (errno). */
int	 channel_send(int fd, const void *msg, size_t len, const int *fds,
	    size_t nfds);

/*
 * One message, never blocking: its length (0: the other end closed), -1
 * with errno (EAGAIN: none yet).  The descriptors it carried go to fds
 * (close-on-exec), at most CHANNEL_FDS_MAX, their number to *nfds;
 * surplus ones are closed.
 */
ssize_t	 channel_recv(int fd, void *msg, size_t len, int *fds, size_t *nfds);

/*
 * Fork a helper process with a control channel to it: in the child 0,
 * in the parent its pid, and *ctl that side's end (close-on-exec); -1
 * (logged) when either cannot be made.
 */
pid_t	 channel_fork(int *ctl);

#endif
