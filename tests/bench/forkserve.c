/* SPDX-License-Identifier: ISC */
/*
 * broadside bench: an inetd of one service, so that a server made to run
 * once per connection (Gophernicus) can be measured like the others.
 *
 *   forkserve PORT CPUFILE PROG [ARG ...]
 *
 * Listens on 127.0.0.1:PORT; for each connection forks, puts the socket on
 * the child's stdin and stdout and execs PROG.  A child's CPU time leaves
 * /proc when it is reaped, so the time of every reaped child (wait4's
 * rusage) is summed here; on SIGUSR1 the sum is written to CPUFILE as
 * "children_us=N reaped=M" (written to a temporary name, then renamed).
 * The bench adds it to what /proc shows of the live tree (this process and
 * the children still running), which counts each child once whenever it
 * is read.
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t	 want_report;
static unsigned long long	 children_us, reaped;

static void
on_usr1(int sig)
{
	(void)sig;
	want_report = 1;
}

static void
reap(void)
{
	struct rusage	 ru;
	int		 status;

	while (wait4(-1, &status, WNOHANG, &ru) > 0) {
		children_us += (unsigned long long)ru.ru_utime.tv_sec * 1000000 +
		    (unsigned long long)ru.ru_utime.tv_usec +
		    (unsigned long long)ru.ru_stime.tv_sec * 1000000 +
		    (unsigned long long)ru.ru_stime.tv_usec;
		reaped++;
	}
}

static void
report(const char *path)
{
	char	 tmp[4096];
	FILE	*fp;

	reap();
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return;
	if ((fp = fopen(tmp, "w")) == NULL)
		return;
	fprintf(fp, "children_us=%llu reaped=%llu\n", children_us, reaped);
	if (fclose(fp) == 0)
		rename(tmp, path);
}

static int
listen_on(int port)
{
	struct sockaddr_in	 sin;
	int			 fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 1024) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The child: the connection on fds 0 and 1, stderr kept for errors. */
static void
child(int lfd, int cfd, char **argv)
{
	close(lfd);
	if (dup2(cfd, 0) == -1 || dup2(cfd, 1) == -1)
		_exit(127);
	if (cfd > 1)
		close(cfd);
	execv(argv[0], argv);
	_exit(127);
}

int
main(int argc, char **argv)
{
	struct sigaction	 sa;
	int			 lfd, cfd;
	pid_t			 pid;

	if (argc < 4) {
		fprintf(stderr, "usage: forkserve PORT CPUFILE PROG [ARG ...]\n");
		return 2;
	}
	if ((lfd = listen_on(atoi(argv[1]))) == -1) {
		perror("forkserve: listen");
		return 1;
	}
	/* No SA_RESTART: SIGUSR1 must interrupt accept() to be answered. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	for (;;) {
		if (want_report) {
			want_report = 0;
			report(argv[2]);
		}
		if ((cfd = accept(lfd, NULL, NULL)) == -1) {
			if (errno != EINTR && errno != ECONNABORTED)
				perror("forkserve: accept");
			reap();
			continue;
		}
		if ((pid = fork()) == 0)
			child(lfd, cfd, argv + 3);
		close(cfd);
		if (pid == -1)
			perror("forkserve: fork");
		reap();
	}
}
