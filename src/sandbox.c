/* SPDX-License-Identifier: ISC */
/*
 * broadside: worker confinement.  As root: chroot to the content root
 * (or, with chroot off, Landlock: the content root read-only and nothing
 * else), clear supplementary groups, setgid, setuid, check root cannot be
 * regained, then a seccomp allow-list of the system calls serving needs.
 * Started as an ordinary user (the systemd unit): no chroot and no drop,
 * which need root, but Landlock and the same filter, which need only
 * no_new_privs.  On OpenBSD: pledge and unveil.  The parent says once
 * which confinement is in force.
 */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE	/* CLONE_* flags */
#endif
#include <sys/types.h>
#include <sys/socket.h>

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifdef __linux__
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#if __has_include(<linux/landlock.h>)
#include <linux/landlock.h>
#endif
#endif

#ifdef HAVE_SECCOMP
#include <seccomp.h>
#endif

#include "config.h"
#include "log.h"
#include "sandbox.h"

/*
 * Sanitizer builds (make check) need a few more calls: LeakSanitizer stops
 * the world at exit with a tracer task (clone without CLONE_THREAD, ptrace,
 * wait4) and reads /proc/self; reports spawn a symbolizer, which we refuse
 * with EPERM so the report is still printed, unsymbolized.  Production
 * builds never get these.
 */
#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_SANITIZER	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_SANITIZER	1
#endif
#endif
#ifndef SANDBOX_SANITIZER
#define SANDBOX_SANITIZER	0
#endif

/*
 * valgrind (make valgrind) emulates every system call itself and knows
 * neither Landlock nor a filter that forbids its own calls: under it, the
 * worker drops privileges but installs neither.  The client request is a
 * no-op instruction sequence when valgrind is not there.
 */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define UNDER_VALGRIND()	RUNNING_ON_VALGRIND
#endif
#endif
#ifndef UNDER_VALGRIND
#define UNDER_VALGRIND()	0
#endif

/* -- seccomp ------------------------------------------------------------ */

#ifdef HAVE_SECCOMP
/*
 * What a worker does once confined, and so all it may ask the kernel:
 * - the event loop (libevent's epoll backend; its signal and wake-up
 *   plumbing is made after the filter: socketpair, pipe2, eventfd2)
 * - the connection path: accept4, recv/send, read/write, shutdown,
 *   getsockname, sendfile for plain-TCP files, close
 * - files under the root: openat / openat2 (RESOLVE_BENEATH), fstat,
 *   newfstatat/statx, getdents64, pread64, lseek, fcntl, readlinkat,
 *   dup (libmagic reads through a duplicate of the file descriptor)
 * - the archive: a builder thread (clone with CLONE_THREAD only, futex,
 *   set_robust_list, rseq), inotify_* for live publishing
 * - OpenSSL: getrandom; libc: memory (brk, mmap, munmap, mremap,
 *   mprotect, madvise), time, signals, exit
 * - syslog, when it must reconnect to /dev/log: socket(AF_UNIX), connect
 * - ioctl FIONREAD, FIONBIO, TCGETS only
 * Not in the list, so fatal: execve, execveat, fork, vfork, clone without
 * CLONE_THREAD, socket other than AF_UNIX (no way out to the network),
 * ptrace, setuid and friends, setsockopt, any other ioctl, mount, bind,
 * listen, kill, module and key calls, and everything else.
 */
static const char *const base_calls[] = {
	/* event loop */
	"epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait",
	"epoll_pwait", "epoll_pwait2", "poll", "ppoll", "select",
	"pselect6", "pipe", "pipe2", "eventfd2",
	/* descriptors, channels (with descriptors in them) */
	"read", "readv", "recvmsg", "write", "writev", "sendto", "sendmsg",
	"getsockopt", "close",
	/* files under the root */
	"openat", "openat2", "fstat", "newfstatat", "fstatat64", "statx",
	"stat", "lstat", "getdents64", "pread64", "preadv", "lseek",
	"_llseek", "fcntl", "fcntl64", "readlinkat", "readlink", "faccessat",
	"faccessat2", "access", "fadvise64", "dup", "dup3",
	/* threads */
	"set_robust_list", "rseq", "futex", "futex_time64", "futex_waitv",
	"sched_yield", "sched_getaffinity", "membarrier",
	/* memory */
	"brk", "mmap", "mmap2", "munmap", "mremap", "mprotect", "madvise",
	/* time, randomness, identity */
	"clock_gettime", "clock_gettime64", "clock_getres", "gettimeofday",
	"time", "nanosleep", "clock_nanosleep", "clock_nanosleep_time64",
	"getrandom", "getpid", "gettid", "getppid", "getuid", "geteuid",
	"getgid", "getegid", "getgroups", "uname", "prlimit64",
	"getrlimit",
	/* signals and exit */
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigreturn",
	"sigaltstack", "restart_syscall", "tgkill", "exit", "exit_group",
};

/* A worker's connections, on top of base_calls. */
static const char *const worker_calls[] = {
	"accept", "accept4", "recvfrom", "sendfile", "shutdown",
	"getsockname", "getpeername", "connect", "socketpair",
};

/*
 * The indexer's, on top of base_calls: no network calls (it accepts,
 * connects and sends files to no one but syslog's socket), and what
 * writing the index takes: creating, renaming and removing files in the
 * state directory (Landlock keeps them there), watching the archive.
 */
static const char *const indexer_calls[] = {
	"pwrite64", "fsync", "fdatasync", "ftruncate", "renameat",
	"renameat2", "rename", "unlinkat", "unlink",
	"inotify_init1", "inotify_add_watch", "inotify_rm_watch",
	"sysinfo",	/* glibc's qsort sizes its buffer by the memory */
	"connect",	/* syslog's socket alone: socket() is AF_UNIX only */
};

static int	 filter_allow(scmp_filter_ctx, const char *);

static int
filter_allow_list(scmp_filter_ctx ctx, const char *const *names, size_t n)
{
	size_t	 i;
	int	 rv = 0;

	for (i = 0; i < n; i++)
		rv |= filter_allow(ctx, names[i]);
	return rv;
}

/* Only for sanitizer builds: see SANDBOX_SANITIZER above. */
static const char *const filter_sanitizer_calls[] = {
	"ptrace", "wait4", "waitid", "prctl", "getdents", "sched_getparam",
	"sched_getscheduler", "kill", "open",
};

/* An unknown name (not on this architecture) is not an error. */
static int
filter_allow(scmp_filter_ctx ctx, const char *name)
{
	int	 nr;

	if ((nr = seccomp_syscall_resolve_name(name)) == __NR_SCMP_ERROR)
		return 0;
	return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
}

static int
filter_refuse(scmp_filter_ctx ctx, const char *name)
{
	int	 nr;

	if ((nr = seccomp_syscall_resolve_name(name)) == __NR_SCMP_ERROR)
		return 0;
	return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
}

/* Threads, never processes; clone3 hides its flags in memory, so it
 * fails and glibc falls back to clone. */
static int
filter_threads(scmp_filter_ctx ctx)
{
	int	 rv = 0;

	rv |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
	    SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD | CLONE_VM,
	    CLONE_THREAD | CLONE_VM));
	rv |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS),
	    SCMP_SYS(clone3), 0);
	return rv;
}

/* What the sanitizers' runtime needs (sanitizer builds only). */
static int
filter_sanitizer(scmp_filter_ctx ctx)
{
	int	 rv = 0;

	if (!SANDBOX_SANITIZER)
		return 0;
	rv |= filter_allow_list(ctx, filter_sanitizer_calls,
	    sizeof(filter_sanitizer_calls) / sizeof(filter_sanitizer_calls[0]));
	/* LeakSanitizer's tracer shares memory, is not a thread. */
	rv |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone),
	    1, SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD | CLONE_VM,
	    CLONE_VM));
	/* The symbolizer: refused, the report still goes out. */
	rv |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM),
	    SCMP_SYS(clone), 1,
	    SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_VM, 0));
	rv |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM),
	    SCMP_SYS(execve), 0);
	rv |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM),
	    SCMP_SYS(execveat), 0);
	rv |= filter_refuse(ctx, "fork");
	rv |= filter_refuse(ctx, "vfork");
	return rv;
}

/* stdio's isatty (ioctl TCGETS), and syslog's reconnection: a local
 * socket and nothing else. */
static int
filter_local(scmp_filter_ctx ctx)
{
	int	 rv = 0;

	rv |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
	    SCMP_A1(SCMP_CMP_EQ, TCGETS, 0));
	rv |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
	    SCMP_A0(SCMP_CMP_EQ, AF_UNIX, 0));
	return rv;
}

static int
filter_rules(scmp_filter_ctx ctx)
{
	int	 rv = 0;

	rv |= filter_allow_list(ctx, base_calls, sizeof(base_calls) /
	    sizeof(base_calls[0]));
	rv |= filter_allow_list(ctx, worker_calls, sizeof(worker_calls) /
	    sizeof(worker_calls[0]));
	rv |= filter_threads(ctx);
	/*
	 * ioctl: FIONREAD (server.c: is the client done sending?), FIONBIO
	 * (non-blocking sockets), and filter_local's; nothing else.
	 */
	rv |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
	    SCMP_A1(SCMP_CMP_EQ, FIONREAD, 0));
	rv |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
	    SCMP_A1(SCMP_CMP_EQ, FIONBIO, 0));
	rv |= filter_local(ctx);
	rv |= filter_sanitizer(ctx);
	return rv == 0 ? 0 : -1;
}

/*
 * The key process, once it holds the key: wait for its channels (poll),
 * take a worker's channel (recvmsg), read requests and answer them
 * (recvfrom, sendto, sendmmsg for a batch, close), memory for OpenSSL and
 * the random bytes of ECDSA (getrandom, brk, mmap...), log lines (write), exit.  syslog's
 * reconnection is refused, not fatal: the line is lost.  Everything else
 * kills it: no open, no socket, no fork, no exec.
 */
static const char *const key_calls[] = {
	"poll", "ppoll", "read", "recvfrom", "recvmsg", "write", "writev",
	"sendto", "sendmsg", "sendmmsg", "close", "brk", "mmap", "mmap2",
	"munmap", "mremap", "madvise", "mprotect", "futex", "futex_time64",
	"getrandom", "getpid", "gettid", "clock_gettime", "clock_gettime64",
	"gettimeofday", "time", "rt_sigprocmask", "rt_sigreturn",
	"sigreturn", "restart_syscall", "exit", "exit_group",
};

static int
key_filter_rules(scmp_filter_ctx ctx)
{
	int	 rv = 0;

	rv |= filter_allow_list(ctx, key_calls, sizeof(key_calls) /
	    sizeof(key_calls[0]));
	rv |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket),
	    0);
	rv |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES),
	    SCMP_SYS(connect), 0);
	if (SANDBOX_SANITIZER) {
		rv |= filter_allow_list(ctx, filter_sanitizer_calls,
		    sizeof(filter_sanitizer_calls) /
		    sizeof(filter_sanitizer_calls[0]));
		rv |= filter_allow(ctx, "rt_sigaction");
		rv |= filter_allow(ctx, "sigaltstack");
		rv |= filter_allow(ctx, "sched_yield");
	}
	return rv == 0 ? 0 : -1;
}
#endif

#ifdef HAVE_SECCOMP
static int
indexer_filter_rules(scmp_filter_ctx ctx)
{
	int	 rv = 0;

	rv |= filter_allow_list(ctx, base_calls, sizeof(base_calls) /
	    sizeof(base_calls[0]));
	rv |= filter_allow_list(ctx, indexer_calls, sizeof(indexer_calls) /
	    sizeof(indexer_calls[0]));
	rv |= filter_threads(ctx);
	rv |= filter_local(ctx);
	rv |= filter_sanitizer(ctx);
	return rv == 0 ? 0 : -1;
}

#endif

/* Load an allow-list: 0, 1 when the kernel lacks seccomp, -1 (logged). */
static int
filter_load(int (*rules)(void *))
{
#ifdef HAVE_SECCOMP
	scmp_filter_ctx	 ctx;
	int		 rv;

	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL) {
		log_warnx("seccomp_init failed");
		return -1;
	}
	if (rules(ctx) == -1) {
		log_warnx("seccomp: cannot build the filter");
		seccomp_release(ctx);
		return -1;
	}
	if ((rv = seccomp_load(ctx)) != 0) {
		seccomp_release(ctx);
		if (rv == -EINVAL || rv == -ENOSYS) {
			log_info("seccomp unavailable in this kernel");
			return 1;
		}
		errno = -rv;
		log_warn("seccomp_load");
		return -1;
	}
	seccomp_release(ctx);
	return 0;
#else
	(void)rules;
	return 1;
#endif
}

#ifdef HAVE_SECCOMP
static int
worker_rules(void *ctx)
{
	return filter_rules(ctx);
}

static int
key_rules(void *ctx)
{
	return key_filter_rules(ctx);
}

static int
indexer_rules(void *ctx)
{
	return indexer_filter_rules(ctx);
}
#else
#define indexer_rules	NULL
#define worker_rules	NULL
#define key_rules	NULL
#endif

int
sandbox_filter(void)
{
	return filter_load(worker_rules);
}

/* -- inherited descriptors ----------------------------------------- */

static int
keep_fd(int fd, const int *keep, size_t nkeep)
{
	int		 fl, v;
	socklen_t	 len = sizeof(v);

	size_t		 i;

	if (fd <= STDERR_FILENO)
		return 1;
	for (i = 0; i < nkeep; i++)
		if (fd == keep[i])
			return 1;
	/* The error log: a file opened O_APPEND, or syslog's socket. */
	if ((fl = fcntl(fd, F_GETFL)) != -1 && (fl & O_APPEND))
		return 1;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) == 0 &&
	    v == SOCK_DGRAM)
		return 1;
	return 0;
}

static void
close_inherited(const int *keep, size_t nkeep)
{
	int		 fds[1024];
	size_t		 n = 0, i;
	DIR		*d;
	struct dirent	*de;
	int		 fd;

	if ((d = opendir("/proc/self/fd")) != NULL) {
		while ((de = readdir(d)) != NULL && n < 1024) {
			fd = atoi(de->d_name);
			if (de->d_name[0] != '.' && fd != dirfd(d))
				fds[n++] = fd;
		}
		closedir(d);
	} else {
		for (fd = 0; fd < 1024; fd++)
			fds[n++] = fd;
	}
	for (i = 0; i < n; i++)
		if (!keep_fd(fds[i], keep, nkeep))
			close(fds[i]);
}

/* See sandbox.h. */
void
sandbox_helper_start(const int *keep, size_t nkeep)
{
	sigset_t	 none;
	int		 sig;

	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	/* The parent's business; SIGTERM and SIGINT still end us. */
	signal(SIGHUP, SIG_IGN);
	signal(SIGUSR1, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	close_inherited(keep, nkeep);
}

/* -- Landlock ----------------------------------------------------------- */

#if defined(__linux__) && defined(LANDLOCK_CREATE_RULESET_VERSION) && \
    defined(SYS_landlock_create_ruleset)
#define HAVE_LANDLOCK	1

/* Everything Landlock ABI 1 to 3 can refuse on the filesystem. */
static unsigned long long
landlock_handled(int abi)
{
	unsigned long long	 fs;

	fs = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |
	    LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR |
	    LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
	    LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR |
	    LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |
	    LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
	    LANDLOCK_ACCESS_FS_MAKE_SYM;
#ifdef LANDLOCK_ACCESS_FS_REFER
	if (abi >= 2)
		fs |= LANDLOCK_ACCESS_FS_REFER;
#endif
#ifdef LANDLOCK_ACCESS_FS_TRUNCATE
	if (abi >= 3)
		fs |= LANDLOCK_ACCESS_FS_TRUNCATE;
#endif
	(void)abi;
	return fs;
}

/* Read-only access beneath `path` (and, with `rw`, making files, writing
 * and removing them).  0 or -1. */
static int
landlock_allow_rw(int ruleset, const char *path, int rw, int abi)
{
	struct landlock_path_beneath_attr	 pb;
	int					 rv;

	memset(&pb, 0, sizeof(pb));
	pb.allowed_access = LANDLOCK_ACCESS_FS_READ_FILE |
	    LANDLOCK_ACCESS_FS_READ_DIR;
	if (rw)
		pb.allowed_access |= LANDLOCK_ACCESS_FS_WRITE_FILE |
		    LANDLOCK_ACCESS_FS_MAKE_REG |
		    LANDLOCK_ACCESS_FS_REMOVE_FILE;
#ifdef LANDLOCK_ACCESS_FS_REFER
	if (rw && abi >= 2)	/* rename within the directory */
		pb.allowed_access |= LANDLOCK_ACCESS_FS_REFER;
#endif
#ifdef LANDLOCK_ACCESS_FS_TRUNCATE
	if (rw && abi >= 3)
		pb.allowed_access |= LANDLOCK_ACCESS_FS_TRUNCATE;
#endif
	(void)abi;
	if ((pb.parent_fd = open(path, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return -1;
	rv = (int)syscall(SYS_landlock_add_rule, ruleset,
	    LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
	close(pb.parent_fd);
	return rv == -1 ? -1 : 0;
}

static int
landlock_allow(int ruleset, const char *path)
{
	return landlock_allow_rw(ruleset, path, 0, 0);
}
#endif

/*
 * Build the ruleset while still root (the content root may be readable
 * only by root's path lookup): the fd, -2 when Landlock is unavailable,
 * -1 on error.
 */
static int
landlock_ruleset_rw(const char *root, const char *writable)
{
#ifdef HAVE_LANDLOCK
	struct landlock_ruleset_attr	 attr;
	int				 abi, fd;

	abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 1)
		return -2;	/* the parent said so (say_confinement) */
	memset(&attr, 0, sizeof(attr));
	attr.handled_access_fs = landlock_handled(abi);
	fd = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (fd == -1) {
		log_warn("landlock_create_ruleset");
		return -1;
	}
	if (landlock_allow(fd, root) == -1) {
		log_warn("landlock: %s", root);
		close(fd);
		return -1;
	}
	if (writable != NULL && landlock_allow_rw(fd, writable, 1, abi) == -1) {
		log_warn("landlock: %s", writable);
		close(fd);
		return -1;
	}
	/* LeakSanitizer reads /proc/self at exit (sanitizer builds only). */
	if (SANDBOX_SANITIZER && landlock_allow(fd, "/proc") == -1) {
		log_warn("landlock: /proc");
		close(fd);
		return -1;
	}
	return fd;
#else
	(void)root;
	(void)writable;
	return -2;
#endif
}

static int
landlock_ruleset(const char *root)
{
	return landlock_ruleset_rw(root, NULL);
}

static int
landlock_restrict(int fd)
{
#ifdef HAVE_LANDLOCK
	int	 rv = 0;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
	    syscall(SYS_landlock_restrict_self, fd, 0) == -1) {
		log_warn("landlock_restrict_self");
		rv = -1;
	}
	close(fd);
	return rv;
#else
	(void)fd;
	return -1;
#endif
}

int
sandbox_landlock(const char *root)
{
	int	 fd;

	if ((fd = landlock_ruleset(root)) < 0)
		return fd == -2 ? 1 : -1;
	return landlock_restrict(fd);
}

/* -- what is in force, said once --------------------------------------- */

/* The Landlock ABI this kernel offers, 0 when none (or not built in). */
static int
landlock_abi(void)
{
#ifdef HAVE_LANDLOCK
	int	 abi;

	abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
	return abi < 1 ? 0 : abi;
#else
	return 0;
#endif
}

/* Whether a seccomp filter can be installed here (built and in kernel). */
static int
seccomp_present(void)
{
#if defined(HAVE_SECCOMP) && defined(PR_GET_SECCOMP)
	return prctl(PR_GET_SECCOMP, 0, 0, 0, 0) != -1;
#else
	return 0;
#endif
}

/*
 * The parent says, at start and whenever it changes (not at every reload
 * nor in every worker), how the workers will be confined: who they run
 * as, chroot or Landlock, and the system call filter.  A worker fails
 * rather than serve with less than what is said here.
 */
static void
say_confinement(const struct config *conf, const struct sandbox_user *u)
{
	static char	 said[PATH_MAX + 256];
	char		 who[128], fs[PATH_MAX + 64], line[sizeof(said)];
	int		 abi = landlock_abi(), filter = seccomp_present();
	int		 chrooted = u->enabled && conf->chroot;

	if (u->enabled)
		snprintf(who, sizeof(who), "as user %s,", u->name);
	else
		snprintf(who, sizeof(who), "not started as root: workers run "
		    "as uid %d, without privilege drop or chroot,",
		    (int)geteuid());
#ifdef __OpenBSD__
	abi = 1;
	filter = 1;
	snprintf(fs, sizeof(fs), chrooted ? "chrooted to %s" :
	    "unveiled to %s (read-only)", conf->root);
#else
	if (chrooted)
		snprintf(fs, sizeof(fs), "chrooted to %s", conf->root);
	else if (abi > 0)
		snprintf(fs, sizeof(fs), "Landlock ABI %d (%s read-only, "
		    "nothing else)", abi, conf->root);
	else
		snprintf(fs, sizeof(fs), "no Landlock in this kernel, so NOT "
		    "confined to %s", conf->root);
#endif
	snprintf(line, sizeof(line), "confinement: %s%s %s, %s",
	    u->enabled ? "workers run " : "", who, fs,
	    filter ? "system call filter" :
	    "NO system call filter");
	if (strcmp(line, said) == 0)
		return;
	memcpy(said, line, sizeof(said));
	if ((chrooted || abi > 0) && filter)
		log_info("%s", line);
	else
		log_warnx("%s", line);
}

int
sandbox_prepare(const struct config *conf, struct sandbox_user *u)
{
	struct passwd	*pw;

	memset(u, 0, sizeof(*u));
	if (geteuid() != 0) {
		say_confinement(conf, u);
		return 0;
	}
	if (conf->user == NULL || conf->user[0] == '\0') {
		log_warnx("%s: started as root but [server] user is empty: "
		    "refusing to serve as root", conf->path);
		return -1;
	}
	if ((pw = getpwnam(conf->user)) == NULL) {
		log_warnx("%s: [server] user: no such user \"%s\"", conf->path,
		    conf->user);
		return -1;
	}
	if (pw->pw_uid == 0) {
		log_warnx("%s: [server] user \"%s\" is root", conf->path,
		    conf->user);
		return -1;
	}
	u->enabled = 1;
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	snprintf(u->name, sizeof(u->name), "%s", conf->user);
	say_confinement(conf, u);
	return 0;
}

/* -- the whole of it ---------------------------------------------------- */

static int
drop_privileges(const struct sandbox_user *u)
{
	gid_t	 groups[1];

	groups[0] = u->gid;
	if (setgroups(1, groups) == -1 || setgid(u->gid) == -1 ||
	    setuid(u->uid) == -1) {
		log_warn("dropping privileges to %s", u->name);
		return -1;
	}
	if (setuid(0) != -1 || setgid(0) != -1) {
		log_warnx("could regain root after dropping privileges");
		return -1;
	}
	return 0;
}

#ifdef __OpenBSD__
static int
sandbox_openbsd(const struct config *conf, int chrooted)
{
	if (!chrooted && (unveil(conf->root, "r") == -1 ||
	    unveil(NULL, NULL) == -1)) {
		log_warn("unveil %s", conf->root);
		return -1;
	}
	if (pledge("stdio rpath inet", NULL) == -1) {
		log_warn("pledge");
		return -1;
	}
	return 0;
}
#endif

/*
 * Whoever started us.  chroot and the privilege drop need root; Landlock
 * and seccomp need only no_new_privs, which any process may set on
 * itself: so a worker started unprivileged (as the systemd unit does) is
 * Landlocked to the root and filtered all the same.
 */
int
sandbox_enter(const struct config *conf, const struct sandbox_user *u)
{
	int	 ll = -2, chrooted = u->enabled && conf->chroot;

	if (UNDER_VALGRIND()) {
		log_info("under valgrind: no Landlock and no system call filter");
		if (!u->enabled)
			return 0;
		if (conf->chroot && (chroot(conf->root) == -1 || chdir("/") == -1))
			return -1;
		return drop_privileges(u);
	}
	if (chrooted) {
		if (chroot(conf->root) == -1 || chdir("/") == -1) {
			log_warn("chroot %s", conf->root);
			return -1;
		}
	}
#ifndef __OpenBSD__
	else if ((ll = landlock_ruleset(conf->root)) == -1)
		return -1;
#endif
	if (u->enabled && drop_privileges(u) == -1) {
		if (ll >= 0)
			close(ll);
		return -1;
	}
#ifdef __OpenBSD__
	return sandbox_openbsd(conf, chrooted);
#else
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		log_warn("prctl(PR_SET_NO_NEW_PRIVS)");
		if (ll >= 0)
			close(ll);
		return -1;
	}
	if (ll >= 0 && landlock_restrict(ll) == -1)
		return -1;
	if (sandbox_filter() == -1)
		return -1;
	return 0;
#endif
}

/*
 * The key process: no root (it has read the key), no files, a handful of
 * system calls.  Whoever started the server, the filter goes on
 * (libseccomp sets no_new_privs, which needs no privilege).
 */
int
sandbox_keyproc(const struct sandbox_user *u)
{
	if (u->enabled && drop_privileges(u) == -1)
		return -1;
	if (UNDER_VALGRIND())
		return 0;
	return filter_load(key_rules) == -1 ? -1 : 0;
}

/*
 * The indexer: the content root read-only and the state directory
 * read-write (Landlock, whoever started us; it cannot chroot into two
 * trees), the privilege drop as root, no_new_privs, its own filter.
 */
int
sandbox_indexer(const struct config *conf, const struct sandbox_user *u,
    const char *state)
{
	int	 ll = -2;

	if (UNDER_VALGRIND()) {
		log_info("under valgrind: no Landlock and no system call filter");
		return u->enabled ? drop_privileges(u) : 0;
	}
#ifndef __OpenBSD__
	if ((ll = landlock_ruleset_rw(conf->root, state)) == -1)
		return -1;
#endif
	if (u->enabled && drop_privileges(u) == -1) {
		if (ll >= 0)
			close(ll);
		return -1;
	}
#ifdef __OpenBSD__
	if (unveil(conf->root, "r") == -1 || unveil(state, "rwc") == -1 ||
	    unveil(NULL, NULL) == -1 ||
	    pledge("stdio rpath wpath cpath recvfd sendfd", NULL) == -1) {
		log_warn("unveil/pledge");
		return -1;
	}
	return 0;
#else
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		log_warn("prctl(PR_SET_NO_NEW_PRIVS)");
		if (ll >= 0)
			close(ll);
		return -1;
	}
	if (ll >= 0 && landlock_restrict(ll) == -1)
		return -1;
	return filter_load(indexer_rules) == -1 ? -1 : 0;
#endif
}
