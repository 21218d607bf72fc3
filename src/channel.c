/* SPDX-License-Identifier: ISC */
/* broadside: channels between processes.  See channel.h. */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "channel.h"
#include "log.h"

union fdbuf {
	struct cmsghdr	 h;
	unsigned char	 buf[CMSG_SPACE(sizeof(int) * CHANNEL_FDS_MAX)];
};

int
channel_send(int fd, const void *msg, size_t len, const int *fds,
    size_t nfds)
{
	union fdbuf	 cm;
	struct msghdr	 m;
	struct iovec	 iov;
	struct cmsghdr	*c;
	ssize_t		 r;

	if (nfds > CHANNEL_FDS_MAX) {
		errno = EINVAL;
		return -1;
	}
	memset(&m, 0, sizeof(m));
	memset(&cm, 0, sizeof(cm));
	iov.iov_base = (void *)(uintptr_t)msg;
	iov.iov_len = len;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	if (nfds > 0) {
		m.msg_control = cm.buf;
		m.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	do {
		r = sendmsg(fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
	} while (r == -1 && errno == EINTR);
	return r == (ssize_t)len ? 0 : -1;
}

ssize_t
channel_recv(int fd, void *msg, size_t len, int *fds, size_t *nfds)
{
	union fdbuf	 cm;
	struct msghdr	 m;
	struct iovec	 iov;
	struct cmsghdr	*c;
	size_t		 k, i;
	ssize_t		 r;
	int		 got;

	*nfds = 0;
	memset(&m, 0, sizeof(m));
	iov.iov_base = msg;
	iov.iov_len = len;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = cm.buf;
	m.msg_controllen = sizeof(cm.buf);
	do {
		r = recvmsg(fd, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	} while (r == -1 && errno == EINTR);
	if (r == -1)
		return -1;
	for (c = CMSG_FIRSTHDR(&m); c != NULL; c = CMSG_NXTHDR(&m, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
		    c->cmsg_len < CMSG_LEN(0))
			continue;
		k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < k; i++) {
			memcpy(&got, CMSG_DATA(c) + i * sizeof(int),
			    sizeof(int));
			if (*nfds < CHANNEL_FDS_MAX)
				fds[(*nfds)++] = got;
			else
				close(got);
		}
	}
	return r;
}

int
channel_pair(int ctl, unsigned char tag, int timeout_ms, const char *what)
{
	struct timeval	 tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	int		 sv[2];

	if (ctl == -1)
		return -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		log_warn("socketpair");
		return -1;
	}
	/* The worker's waits are bounded without a poll per message. */
	if (timeout_ms > 0 && (setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv,
	    sizeof(tv)) == -1 || setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO,
	    &tv, sizeof(tv)) == -1))
		goto fail;
	if (channel_send(ctl, &tag, 1, &sv[1], 1) == -1)
		goto fail;
	close(sv[1]);
	return sv[0];
fail:
	log_warn("a channel to %s", what);
	close(sv[0]);
	close(sv[1]);
	return -1;
}

pid_t
channel_fork(int *ctl)
{
	pid_t	 pid;
	int	 sv[2];

	*ctl = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		log_warn("socketpair");
		return -1;
	}
	switch ((pid = fork())) {
	case -1:
		log_warn("fork");
		close(sv[0]);
		close(sv[1]);
		return -1;
	case 0:
		close(sv[0]);
		*ctl = sv[1];
		return 0;
	default:
		close(sv[1]);
		*ctl = sv[0];
		return pid;
	}
}
