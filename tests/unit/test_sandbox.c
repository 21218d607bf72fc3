/* SPDX-License-Identifier: ISC */
/*
 * broadside: unit tests for sandbox.c.  Each confinement is tried in a
 * forked child, which then attempts what a compromised worker would:
 * exec, fork, an Internet socket, a file outside the root, a write.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "sandbox.h"

#define CHILD_OK	0
#define CHILD_REFUSED	42	/* the call failed: allowed outcome too */
#define CHILD_SKIP	77

static char	 tmpdir[PATH_MAX];

/* Run fn in a child; its wait status. */
static int
in_child(int (*fn)(void))
{
	pid_t	 pid;
	int	 status;

	fflush(NULL);
	assert_int_not_equal(pid = fork(), -1);
	if (pid == 0)
		_exit(fn());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static int
filter_or_skip(void)
{
	int	 rv = sandbox_filter();

	if (rv == 1)
		_exit(CHILD_SKIP);
	if (rv == -1)
		_exit(3);
	return 0;
}

/* A call outside the allow-list: killed (SIGSYS), or refused. */
static void
expect_blocked(int status, const char *what)
{
	if (WIFEXITED(status) && WEXITSTATUS(status) == CHILD_SKIP)
		skip();
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
		return;
	if (WIFEXITED(status) && WEXITSTATUS(status) == CHILD_REFUSED)
		return;
	fail_msg("%s was not blocked: status 0x%x", what, status);
}

static void *
thread_run(void *arg)
{
	return arg;
}

/* What serving does keeps working under the filter. */
static int
child_allowed(void)
{
	char		 buf[64];
	pthread_t	 t;
	void		*ret;
	int		 fd, sv[2];

	filter_or_skip();
	if ((fd = openat(AT_FDCWD, tmpdir, O_RDONLY | O_DIRECTORY)) == -1)
		return 10;
	close(fd);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		return 11;
	if (write(sv[0], "ping", 4) != 4 || read(sv[1], buf, 4) != 4)
		return 12;
	if (pthread_create(&t, NULL, thread_run, buf) != 0 ||
	    pthread_join(t, &ret) != 0 || ret != buf)
		return 13;
	if (getpid() <= 0)
		return 14;
	return CHILD_OK;
}

static int
child_exec(void)
{
	char	*argv[] = { "/bin/sh", "-c", "exit 0", NULL };
	char	*envp[] = { NULL };

	filter_or_skip();
	execve("/bin/sh", argv, envp);
	return CHILD_REFUSED;
}

static int
child_fork(void)
{
	pid_t	 pid;

	filter_or_skip();
	if ((pid = fork()) == -1)
		return CHILD_REFUSED;
	if (pid == 0)
		_exit(0);
	return CHILD_OK;	/* a process was made: the test fails */
}

static int
child_inet_socket(void)
{
	int	 fd;

	filter_or_skip();
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return CHILD_REFUSED;
	close(fd);
	return CHILD_OK;
}

static int
child_setuid(void)
{
	filter_or_skip();
	if (setuid(0) == -1)
		return CHILD_REFUSED;
	return CHILD_OK;
}

static void
test_filter_allows_serving(void **state)
{
	int	 status = in_child(child_allowed);

	(void)state;
	if (WIFEXITED(status) && WEXITSTATUS(status) == CHILD_SKIP)
		skip();
	if (!WIFEXITED(status) || WEXITSTATUS(status) != CHILD_OK)
		fail_msg("allowed calls failed: status 0x%x", status);
}

static void
test_filter_blocks_exec(void **state)
{
	(void)state;
	expect_blocked(in_child(child_exec), "execve");
}

static void
test_filter_blocks_fork(void **state)
{
	(void)state;
	expect_blocked(in_child(child_fork), "fork");
}

/* Not in any build's list: always fatal. */
static void
test_filter_kills_inet_socket(void **state)
{
	int	 status = in_child(child_inet_socket);

	(void)state;
	if (WIFEXITED(status) && WEXITSTATUS(status) == CHILD_SKIP)
		skip();
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGSYS)
		fail_msg("socket(AF_INET) not killed: status 0x%x", status);
}

static void
test_filter_blocks_setuid(void **state)
{
	(void)state;
	expect_blocked(in_child(child_setuid), "setuid");
}

static int
child_landlock(void)
{
	char	 path[PATH_MAX + 32];
	int	 fd;

	switch (sandbox_landlock(tmpdir)) {
	case 1:
		return CHILD_SKIP;
	case 0:
		break;
	default:
		return 3;
	}
	snprintf(path, sizeof(path), "%s/inside.txt", tmpdir);
	if ((fd = open(path, O_RDONLY)) == -1)
		return 10;	/* the root must stay readable */
	close(fd);
	if ((fd = open("/etc/passwd", O_RDONLY)) != -1 || errno != EACCES)
		return 11;	/* outside the root */
	if ((fd = open(path, O_WRONLY)) != -1)
		return 12;	/* read-only */
	snprintf(path, sizeof(path), "%s/new.txt", tmpdir);
	if ((fd = open(path, O_WRONLY | O_CREAT, 0644)) != -1)
		return 13;
	return CHILD_OK;
}

static void
test_landlock(void **state)
{
	int	 status = in_child(child_landlock);

	(void)state;
	if (WIFEXITED(status) && WEXITSTATUS(status) == CHILD_SKIP)
		skip();
	if (!WIFEXITED(status) || WEXITSTATUS(status) != CHILD_OK)
		fail_msg("Landlock: status 0x%x", status);
}

/* The whole of it, as root: chroot, nobody, no groups, filter. */
static int
child_enter(void)
{
	struct config		 conf;
	struct sandbox_user	 u;
	gid_t			 groups[8];
	int			 fd, n;

	memset(&conf, 0, sizeof(conf));
	conf.path = "test.ini";
	conf.root = tmpdir;
	conf.chroot = 1;
	conf.user = "nobody";
	if (sandbox_prepare(&conf, &u) == -1 || !u.enabled)
		return 2;
	if (sandbox_enter(&conf, &u) == -1)
		return 3;
	if (getuid() != u.uid || geteuid() != u.uid || getgid() != u.gid ||
	    getegid() != u.gid)
		return 10;
	n = getgroups(8, groups);
	if (n > 1 || (n == 1 && groups[0] != u.gid))
		return 11;
	if ((fd = open("/inside.txt", O_RDONLY)) == -1)
		return 12;	/* the root is now / */
	close(fd);
	if ((fd = open("/etc/passwd", O_RDONLY)) != -1)
		return 13;
	if ((fd = open("../../../../etc/passwd", O_RDONLY)) != -1)
		return 14;
	return CHILD_OK;
}

static void
test_enter_as_root(void **state)
{
	int	 status;

	(void)state;
	if (geteuid() != 0 || getpwnam("nobody") == NULL)
		skip();
	status = in_child(child_enter);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != CHILD_OK)
		fail_msg("sandbox_enter: status 0x%x", status);
}

/* As root with no user: refused, never serving as root. */
static void
test_prepare_refuses_root(void **state)
{
	struct config		 conf;
	struct sandbox_user	 u;

	(void)state;
	if (geteuid() != 0)
		skip();
	memset(&conf, 0, sizeof(conf));
	conf.path = "test.ini";
	conf.root = tmpdir;
	assert_int_equal(sandbox_prepare(&conf, &u), -1);
	conf.user = "";
	assert_int_equal(sandbox_prepare(&conf, &u), -1);
	conf.user = "root";
	assert_int_equal(sandbox_prepare(&conf, &u), -1);
	conf.user = "no-such-user-here";
	assert_int_equal(sandbox_prepare(&conf, &u), -1);
}

static int
setup(void **state)
{
	char	 path[PATH_MAX + 32];
	int	 fd;

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/broadside-sandbox-XXXXXX");
	if (mkdtemp(tmpdir) == NULL || chmod(tmpdir, 0755) == -1)
		return -1;
	snprintf(path, sizeof(path), "%s/inside.txt", tmpdir);
	if ((fd = open(path, O_WRONLY | O_CREAT, 0644)) == -1)
		return -1;
	close(fd);
	return 0;
}

static int
teardown(void **state)
{
	char	 path[PATH_MAX + 32];

	(void)state;
	snprintf(path, sizeof(path), "%s/inside.txt", tmpdir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/new.txt", tmpdir);
	unlink(path);
	rmdir(tmpdir);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filter_allows_serving),
		cmocka_unit_test(test_filter_blocks_exec),
		cmocka_unit_test(test_filter_blocks_fork),
		cmocka_unit_test(test_filter_kills_inet_socket),
		cmocka_unit_test(test_filter_blocks_setuid),
		cmocka_unit_test(test_landlock),
		cmocka_unit_test(test_enter_as_root),
		cmocka_unit_test(test_prepare_refuses_root),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
