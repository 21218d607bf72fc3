/* SPDX-License-Identifier: ISC */
/*
 * broadside: command line, start-up, the parent process and its workers.
 *
 * The parent reads the config, has the certificate made when there is none,
 * starts the key process (the only one to read the private key: the
 * parent reads the certificate), loads the magic database, opens the
 * content root and binds every listener, then forks `workers` processes
 * that share the listening sockets, each with a channel to the key
 * process.  It keeps root (to bind again on reload) but serves nothing.
 * Signals:
 *   SIGHUP   reload config, certificate, archive: new workers take over,
 *            old ones finish their connections.  An old worker is asked
 *            to leave when a new one says it serves (its index built), so
 *            a long build never leaves the listeners without a worker
 *   SIGUSR1  reopen log files (then the same hand-over)
 *   SIGTERM, SIGINT  stop accepting, let responses finish, exit
 *   SIGCHLD  a worker died: log why, start another.  The key process
 *            died: start another, and a generation of workers to use it
 */
#include <sys/types.h>
#include <sys/select.h>
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "archive.h"
#include "cache.h"
#include "cmd.h"
#include "config.h"
#include "gemini.h"
#include "gopher.h"
#include "indexer.h"
#include "keyproc.h"
#include "log.h"
#include "mime.h"
#include "ratelimit.h"
#include "sandbox.h"
#include "server.h"
#include "tls.h"
#include "version.h"

#define DEFAULT_CONFIG		"/etc/broadside/broadside.ini"
#define WORKERS_MAX		64
#define RESTART_DELAY_SEC	1	/* after a worker dies young */
#define RENDERED_CACHE_TOTAL	(4 * RESPONSE_MEM_MAX)	/* per worker */

struct worker {
	pid_t	 pid;
	int	 generation;
	time_t	 started;
	int	 ready;		/* said it serves */
	int	 leaving;	/* sent SIGTERM */
};

struct runtime {
	struct config		 conf;
	SSL_CTX			*ssl_ctx;
	struct keyproc		 kp;		/* with Gemini */
	int			 rootfd;
	struct server_listener	 listeners[SERVER_LISTEN_MAX];
	size_t			 nlisteners;
	struct sandbox_user	 user;
};

static struct runtime	 rt;
static struct worker	 workers[WORKERS_MAX * 2];
static int		 generation;
static int		 lifeline[2] = { -1, -1 };	/* parent death */
static int		 readyp[2] = { -1, -1 };	/* "I serve": a pid */
static int		 hup_pending;	/* a reload waits for the last one */
/*
 * The indexer outlives reloads that keep its root, archive and state
 * directory; a temporary state directory (none configured) is made once
 * and removed at the end.
 */
static struct indexer	 ixr = { -1, -1, 0 };
static pid_t		 ix_gone = -1;	/* released, not yet reaped */
static char		 ix_root[PATH_MAX], ix_archive[PATH_MAX];
static char		 ix_state[PATH_MAX];
static char		 ix_lang[CONFIG_LANG_MAX + 1];	/* its [server] lang: which version
					   of a statement lists show */
static char		 state_temp[PATH_MAX];	/* "" when configured */
static struct limits_table *ltable;	/* per-address limits, shared */
static volatile sig_atomic_t got_hup, got_usr1, got_term, got_chld;

/* Asked for (-h): the options on stdout, exit 0; else a mistake. */
static __attribute__((noreturn)) void
usage(int asked)
{
	FILE	*fp = asked ? stdout : stderr;

	fprintf(fp, "usage: broadside [-hnvV] [-c file]\n"
	    "       broadside new [-c file] [--date D] [--lang L] [--tags a,b] "
	    "[--draft]\n"
	    "                     [--publish T] title ...\n"
	    "       broadside check [-c file]\n");
	if (asked)
		fprintf(fp,
		    "  -c file  configuration (default %s)\n"
		    "  -h       print this help and exit\n"
		    "  -n       check the configuration and exit\n"
		    "  -v       log debugging messages too (repeat for more)\n"
		    "  -V       print the version and exit\n"
		    "  new      write a new statement (new -h: its options)\n"
		    "  check    check the content as the server reads it\n",
		    DEFAULT_CONFIG);
	exit(asked ? 0 : 1);
}

static void
config_error(void *arg, const char *file, int line, const char *msg)
{
	(void)arg;
	if (line > 0)
		fprintf(stderr, "%s:%d: %s\n", file, line, msg);
	else
		fprintf(stderr, "%s: %s\n", file, msg);
}

static int
nworkers(const struct config *conf)
{
	long	 n = conf->workers;

	if (n <= 0)
		n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	return n > WORKERS_MAX ? WORKERS_MAX : (int)n;
}

/* -- start-up and reload ------------------------------------------------ */

static int
find_listener(const struct runtime *old, const struct config_listen *la,
    const struct protocol *proto)
{
	size_t	 i;

	for (i = 0; old != NULL && i < old->nlisteners; i++)
		if (old->listeners[i].proto == proto &&
		    old->listeners[i].fd != -1 &&
		    strcmp(old->listeners[i].text, la->text) == 0)
			return (int)i;
	return -1;
}

/* A failed reload hands the sockets it took back to the running set. */
static void
return_listeners(struct runtime *r, struct runtime *old)
{
	size_t	 i, k;

	for (i = 0; old != NULL && i < r->nlisteners; i++) {
		for (k = 0; k < old->nlisteners; k++) {
			if (old->listeners[k].fd == -1 &&
			    old->listeners[k].proto == r->listeners[i].proto &&
			    strcmp(old->listeners[k].text,
			    r->listeners[i].text) == 0) {
				old->listeners[k].fd = r->listeners[i].fd;
				r->listeners[i].fd = -1;
				break;
			}
		}
	}
}

/* Bind what the config lists, taking over sockets `old` already has. */
static int
bind_all(struct runtime *r, struct runtime *old)
{
	const struct {
		const struct config_proto	*cp;
		const struct protocol		*proto;
	} sections[] = {
		{ &r->conf.gemini, &gemini_protocol },
		{ &r->conf.gopher, &gopher_protocol },
	};
	const struct config_proto	*cp;
	const struct protocol		*proto;
	struct server_listener		*l;
	size_t				 i, j;
	int				 k;

	for (j = 0; j < sizeof(sections) / sizeof(sections[0]); j++) {
		cp = sections[j].cp;
		proto = sections[j].proto;
		for (i = 0; i < cp->nlisten; i++) {
			l = &r->listeners[r->nlisteners];
			memset(l, 0, sizeof(*l));
			l->proto = proto;
			l->port = config_listen_port(&cp->listen[i]);
			l->proxy_protocol = cp->proxy_protocol;
			l->proxy_from = cp->proxy_from;
			l->nproxy_from = cp->nproxy_from;
			snprintf(l->text, sizeof(l->text), "%s",
			    cp->listen[i].text);
			if ((k = find_listener(old, &cp->listen[i], proto)) != -1) {
				l->fd = old->listeners[k].fd;
				old->listeners[k].fd = -1;	/* moved */
			} else if ((l->fd = server_bind(&cp->listen[i],
			    r->conf.backlog)) == -1)
				return -1;
			r->nlisteners++;
		}
	}
	return 0;
}

static void
runtime_free(struct runtime *r)
{
	size_t	 i;

	for (i = 0; i < r->nlisteners; i++)
		if (r->listeners[i].fd != -1)
			close(r->listeners[i].fd);
	r->nlisteners = 0;
	if (r->ssl_ctx != NULL)
		SSL_CTX_free(r->ssl_ctx);
	r->ssl_ctx = NULL;
	keyproc_release(&r->kp);
	if (r->rootfd != -1)
		close(r->rootfd);
	r->rootfd = -1;
	config_free(&r->conf);
}

/* Everything a generation of workers needs.  0, or -1 (all logged). */
static int
runtime_load(struct runtime *r, const char *path, struct runtime *old)
{
	memset(r, 0, sizeof(*r));
	r->rootfd = -1;
	r->kp.pid = -1;
	r->kp.ctl = -1;
	if (config_load(path, &r->conf, config_error, NULL) != 0) {
		log_warnx("%s: configuration has errors", path);
		return -1;
	}
	/* At start-up, log where the config says before anything else. */
	if (old == NULL && log_open(&r->conf) == -1)
		goto fail;
	if (sandbox_prepare(&r->conf, &r->user) == -1)
		goto fail;
	if (r->conf.gemini.nlisten > 0) {
		if (tls_ensure_cert(&r->conf) == -1 ||
		    keyproc_start(&r->kp, &r->conf, &r->user,
		    tls_tickets_forget) == -1 ||
		    (r->ssl_ctx = tls_ctx_new(&r->conf)) == NULL)
			goto fail;
	}
	if ((r->rootfd = open(r->conf.root, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1) {
		log_warn("%s", r->conf.root);
		goto fail;
	}
	if (bind_all(r, old) == -1)
		goto fail;
	return 0;
fail:
	return_listeners(r, old);
	runtime_free(r);
	return -1;
}

/* -- workers ------------------------------------------------------------ */

static struct event_base	*wbase;
static struct server		*wserver;
static struct archive		*warchive;
static struct cache		*wcache;
static struct cache		*wrendered;

static void
worker_drained(void *arg)
{
	(void)arg;
	event_base_loopexit(wbase, NULL);
}

static void
worker_stop(evutil_socket_t fd, short ev, void *arg)
{
	struct timeval	 tv = { rt.conf.timeout + SERVER_LINGER_SEC, 0 };

	(void)fd;
	(void)ev;
	(void)arg;
	/* Finish what is in flight, bounded by the timeout. */
	event_base_loopexit(wbase, &tv);
	if (wserver != NULL)
		server_drain(wserver, worker_drained, NULL);
	else
		worker_drained(NULL);	/* not serving yet */
}

/* Tells the parent this worker serves: an older one may leave. */
static void
worker_says_ready(void)
{
	pid_t	 me = getpid();

	if (write(readyp[1], &me, sizeof(me)) != (ssize_t)sizeof(me))
		log_warn("telling the parent this worker serves");
	close(readyp[1]);
}

/* Accept connections from now on, and tell the parent so. */
static void
worker_serve(void)
{
	wserver = server_new(wbase, &rt.conf, rt.ssl_ctx, rt.rootfd,
	    rt.listeners, rt.nlisteners, warchive, wcache, wrendered, ltable);
	if (wserver == NULL)
		fatalx("cannot start serving");
	worker_says_ready();
}

/*
 * The indexer's first word: a generation (mapped), or that the first
 * build runs.  Until then the worker accepts nothing: the connections
 * wait in the listen queue a few milliseconds, or another worker takes
 * them, rather than see an archive that is not there yet.
 */
static void
worker_archive_ready(void *arg)
{
	(void)arg;
	worker_serve();
}

static __attribute__((noreturn)) void
worker_main(int id, int keyfd, int ixfd)
{
	struct event	*sigterm, *sigint, *orphan;
	char		 name[32];

	snprintf(name, sizeof(name), "worker %d", id);
	log_set_procname(name);
	signal(SIGHUP, SIG_IGN);
	signal(SIGUSR1, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	close(lifeline[1]);
	close(readyp[0]);
	if (rt.kp.ctl != -1)
		close(rt.kp.ctl);	/* the parent's, not ours */
	rt.kp.ctl = -1;
	if (ixr.ctl != -1)
		close(ixr.ctl);		/* the parent's, not ours */
	ixr.ctl = -1;
	keyproc_client_set(keyfd);
	if (fchdir(rt.rootfd) == -1 || sandbox_enter(&rt.conf, &rt.user) == -1)
		fatalx("cannot confine the worker");
	if ((wbase = event_base_new()) == NULL)
		fatalx("event_base_new");
	wcache = cache_new(rt.conf.cache_max_file,
	    rt.conf.cache_max_file * CACHE_TOTAL_FACTOR);
	/* Pages rendered from files too large for wcache (a long .gmi over
	 * Gopher): made once per file version, lent to every reader. */
	wrendered = cache_new(RESPONSE_MEM_MAX, RENDERED_CACHE_TOTAL);
	/* The indexer's snapshots, mapped; none yet: the file tree alone. */
	warchive = ixfd != -1 ? archive_attach(wbase, &rt.conf, rt.rootfd,
	    ixfd, worker_archive_ready, NULL) : NULL;
	if (warchive == NULL && ixfd != -1)
		log_warnx("no archive; serving files");
	if (warchive == NULL)
		worker_serve();
	sigterm = evsignal_new(wbase, SIGTERM, worker_stop, NULL);
	sigint = evsignal_new(wbase, SIGINT, worker_stop, NULL);
	orphan = event_new(wbase, lifeline[0], EV_READ, worker_stop, NULL);
	evsignal_add(sigterm, NULL);
	evsignal_add(sigint, NULL);
	event_add(orphan, NULL);
	{
		sigset_t	 none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
	}
	event_base_dispatch(wbase);
	server_free(wserver);
	archive_free(warchive);
	cache_free(wcache);
	cache_free(wrendered);
	event_free(sigterm);
	event_free(sigint);
	event_free(orphan);
	event_base_free(wbase);
	runtime_free(&rt);
	mime_close();
	exit(0);
}

static int
spawn(int id)
{
	pid_t	 pid;
	size_t	 i;
	int	 keyfd = -1, ixfd;

	for (i = 0; i < sizeof(workers) / sizeof(workers[0]); i++)
		if (workers[i].pid == 0)
			break;
	if (i == sizeof(workers) / sizeof(workers[0]))
		return -1;
	/* Without it the worker still serves Gopher; handshakes fail. */
	if (rt.ssl_ctx != NULL && (keyfd = keyproc_channel(&rt.kp)) == -1)
		log_warnx("worker %d: no channel to the key process", id);
	if ((ixfd = indexer_channel(&ixr)) == -1)
		log_warnx("worker %d: no channel to the indexer", id);
	pid = fork();
	if (pid == 0)
		worker_main(id, keyfd, ixfd);
	if (keyfd != -1)
		close(keyfd);
	if (ixfd != -1)
		close(ixfd);
	switch (pid) {
	case -1:
		log_warn("fork");
		return -1;
	default:
		workers[i].pid = pid;
		workers[i].generation = generation;
		workers[i].started = time(NULL);
		workers[i].ready = workers[i].leaving = 0;
		return 0;
	}
}

static void
spawn_generation(void)
{
	int	 i, n = nworkers(&rt.conf);

	generation++;
	for (i = 0; i < n; i++)
		spawn(i + 1);
	log_info("serving %s with %d worker%s", rt.conf.root, n,
	    n == 1 ? "" : "s");
}

static void
signal_generation(int gen, int sig, int below)
{
	size_t	 i;

	for (i = 0; i < sizeof(workers) / sizeof(workers[0]); i++)
		if (workers[i].pid > 0 && (below ? workers[i].generation < gen :
		    workers[i].generation == gen))
			kill(workers[i].pid, sig);
}

static size_t
live_workers(void)
{
	size_t	 i, n = 0;

	for (i = 0; i < sizeof(workers) / sizeof(workers[0]); i++)
		n += workers[i].pid > 0;
	return n;
}

/*
 * The current key process died.  Its workers' channels are dead with it:
 * start another, and a generation of workers with channels to it (the
 * old ones leave when the new ones serve, as on a reload).
 */
static void
keyproc_died(int status, int stopping)
{
	time_t	 started = rt.kp.started;

	keyproc_release(&rt.kp);
	if (stopping)
		return;
	if (WIFSIGNALED(status))
		log_warnx("the key process was killed by signal %d%s: "
		    "restarting it", WTERMSIG(status), WTERMSIG(status) ==
		    SIGSYS ? " (a system call outside the seccomp filter)" :
		    "");
	else
		log_warnx("the key process exited with status %d: "
		    "restarting it", WEXITSTATUS(status));
	if (time(NULL) - started < RESTART_DELAY_SEC)
		sleep(RESTART_DELAY_SEC);	/* no fork storm */
	if (keyproc_start(&rt.kp, &rt.conf, &rt.user,
	    tls_tickets_forget) == -1) {
		log_warnx("no key process: Gemini handshakes fail until a "
		    "reload (SIGHUP)");
		return;
	}
	spawn_generation();
}

/* The state directory: the configured one, or a temporary one. */
static const char *
state_dir(const struct config *conf)
{
	const char	*tmp;

	if (conf->state != NULL)
		return conf->state;
	if (*state_temp == '\0') {
		tmp = getenv("TMPDIR");
		snprintf(state_temp, sizeof(state_temp),
		    "%s/broadside-state-XXXXXX", tmp && *tmp == '/' ? tmp :
		    "/tmp");
		if (mkdtemp(state_temp) == NULL) {
			log_warn("%s", state_temp);
			*state_temp = '\0';
			return NULL;
		}
		log_info("no [server] state: the index is kept in %s and "
		    "built again at every start", state_temp);
	}
	return state_temp;
}

static int
indexer_same(const struct config *conf)
{
	const char	*st = conf->state ? conf->state : state_temp;

	return ixr.pid != -1 && strcmp(ix_root, conf->root) == 0 &&
	    strcmp(ix_archive, conf->archive ? conf->archive : "") == 0 &&
	    strcmp(ix_state, st) == 0 &&
	    strcmp(ix_lang, conf->lang ? conf->lang : "") == 0;
}

/* Start the indexer for the config, the last one let go.  0 or -1. */
static int
indexer_up(void)
{
	const char	*st;

	if (ixr.pid != -1) {
		ix_gone = ixr.pid;
		indexer_release(&ixr);
	}
	if ((st = state_dir(&rt.conf)) == NULL ||
	    indexer_start(&ixr, &rt.conf, &rt.user, rt.rootfd, st,
	    tls_tickets_forget) == -1) {
		log_warnx("no indexer: the archive is not served");
		return -1;
	}
	snprintf(ix_root, sizeof(ix_root), "%s", rt.conf.root);
	snprintf(ix_archive, sizeof(ix_archive), "%s", rt.conf.archive ?
	    rt.conf.archive : "");
	snprintf(ix_state, sizeof(ix_state), "%s", st);
	snprintf(ix_lang, sizeof(ix_lang), "%s", rt.conf.lang ? rt.conf.lang :
	    "");
	return 0;
}

/*
 * The indexer died: start another (it reads the index on disk back), and
 * a generation of workers with channels to it.  The old ones keep serving
 * what they mapped until the new ones serve.
 */
static void
indexer_died(int status, int stopping)
{
	time_t	 started = ixr.started;

	indexer_release(&ixr);
	if (stopping)
		return;
	if (WIFSIGNALED(status))
		log_warnx("the indexer was killed by signal %d%s: restarting "
		    "it", WTERMSIG(status), WTERMSIG(status) == SIGSYS ?
		    " (a system call outside the seccomp filter)" : "");
	else
		log_warnx("the indexer exited with status %d: restarting it",
		    WEXITSTATUS(status));
	if (time(NULL) - started < RESTART_DELAY_SEC)
		sleep(RESTART_DELAY_SEC);	/* no fork storm */
	if (indexer_up() == 0)
		spawn_generation();
}

/* Remove a temporary state directory (the indexer has exited). */
static void
state_temp_remove(void)
{
	char	 cmd[PATH_MAX + 32];

	if (*state_temp == '\0' || strchr(state_temp, '\'') != NULL)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", state_temp);
	if (system(cmd) != 0)
		log_warnx("could not remove %s", state_temp);
}

static void
reap(int stopping)
{
	pid_t	 pid;
	int	 status;
	size_t	 i;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == rt.kp.pid) {
			keyproc_died(status, stopping);
			continue;
		}
		if (pid == ixr.pid) {
			indexer_died(status, stopping);
			continue;
		}
		if (pid == ix_gone) {
			ix_gone = -1;
			continue;
		}
		for (i = 0; i < sizeof(workers) / sizeof(workers[0]); i++)
			if (workers[i].pid == pid)
				break;
		if (i == sizeof(workers) / sizeof(workers[0]))
			continue;
		workers[i].pid = 0;
		if (stopping || workers[i].generation != generation)
			continue;	/* asked to leave */
		if (WIFSIGNALED(status))
			log_warnx("worker %d killed by signal %d%s: restarting",
			    (int)pid, WTERMSIG(status), WTERMSIG(status) ==
			    SIGSYS ? " (a system call outside the seccomp "
			    "filter)" : "");
		else
			log_warnx("worker %d exited with status %d: restarting",
			    (int)pid, WEXITSTATUS(status));
		if (time(NULL) - workers[i].started < RESTART_DELAY_SEC)
			sleep(RESTART_DELAY_SEC);	/* no fork storm */
		spawn((int)i + 1);
	}
}

/* Asks one worker of an older generation, the oldest, to leave. */
static int
retire_one(void)
{
	size_t	 i, old = SIZE_MAX;

	for (i = 0; i < sizeof(workers) / sizeof(workers[0]); i++)
		if (workers[i].pid > 0 && !workers[i].leaving &&
		    workers[i].generation < generation && (old == SIZE_MAX ||
		    workers[i].generation < workers[old].generation))
			old = i;
	if (old == SIZE_MAX)
		return 0;
	kill(workers[old].pid, SIGTERM);
	workers[old].leaving = 1;
	return 1;
}

/*
 * Workers that say they serve.  Each new one lets one old one go; once
 * the whole new generation serves, the old ones left all go (the new
 * generation may be smaller).
 */
static void
take_ready(void)
{
	pid_t	 pid;
	size_t	 i;
	int	 waiting = 0;

	while (read(readyp[0], &pid, sizeof(pid)) == (ssize_t)sizeof(pid)) {
		for (i = 0; i < sizeof(workers) / sizeof(workers[0]); i++)
			if (workers[i].pid == pid && !workers[i].ready) {
				workers[i].ready = 1;
				if (workers[i].generation == generation)
					retire_one();
			}
	}
	for (i = 0; i < sizeof(workers) / sizeof(workers[0]); i++)
		waiting += workers[i].pid > 0 &&
		    workers[i].generation == generation && !workers[i].ready;
	if (!waiting)
		while (retire_one())
			;
}

/*
 * The limits table outlives generations: old and new workers count the
 * same clients while they hand over.  Only a config that needs more slots
 * than it has gets a new one (the old generation keeps its own mapping
 * until it leaves).  0, or -1 at start-up when none can be made.
 */
static int
limits_table_ready(const struct config *conf)
{
	struct limits_table	*t;
	int			 n = nworkers(conf);

	if (limits_table_fits(ltable, conf, n))
		return 0;
	if ((t = limits_table_new(conf, n)) == NULL) {
		if (ltable == NULL)
			return -1;
		log_warnx("keeping the limits table of %zu entries",
		    limits_table_slots(ltable));
		return 0;
	}
	limits_table_free(ltable);
	ltable = t;
	log_debug("limits table: %zu entries", limits_table_slots(ltable));
	return 0;
}

static void
reload(const char *path, int config_too)
{
	struct runtime	 next;

	if (config_too) {
		if (runtime_load(&next, path, &rt) == -1) {
			log_warnx("reload failed: still serving the old "
			    "configuration");
			return;
		}
		runtime_free(&rt);
		rt = next;
		log_open(&rt.conf);
		(void)limits_table_ready(&rt.conf);
	}
	if (indexer_same(&rt.conf))
		indexer_rescan(&ixr);
	else
		(void)indexer_up();
	spawn_generation();
}

/*
 * A reload is still going on while an older generation has workers left
 * or the newest has one that does not serve yet: a SIGHUP then waits, and
 * any number of them make one reload after it.  So there are never more
 * than two generations, and each one's start is paid once.
 */
static int
reload_busy(void)
{
	size_t	 i;

	for (i = 0; i < sizeof(workers) / sizeof(workers[0]); i++) {
		if (workers[i].pid <= 0)
			continue;
		if (workers[i].generation < generation ||
		    !workers[i].ready)
			return 1;
	}
	return 0;
}

static void
on_signal(int sig)
{
	switch (sig) {
	case SIGHUP:
		got_hup = 1;
		break;
	case SIGUSR1:
		got_usr1 = 1;
		break;
	case SIGCHLD:
		got_chld = 1;
		break;
	default:
		got_term = 1;
		break;
	}
}

static void
stop_all(void)
{
	time_t	 deadline = time(NULL) + rt.conf.timeout +
	    SERVER_LINGER_SEC + 2;

	log_info("stopping");
	close(lifeline[1]);
	if (ixr.pid != -1) {
		kill(ixr.pid, SIGTERM);
		ix_gone = ixr.pid;
		indexer_release(&ixr);
	}
	signal_generation(generation + 1, SIGTERM, 1);
	while (live_workers() > 0 && time(NULL) < deadline) {
		reap(1);
		usleep(20000);
	}
	signal_generation(generation + 1, SIGKILL, 1);
	while (live_workers() > 0) {
		reap(1);
		usleep(1000);
	}
	if (ix_gone != -1) {
		while (waitpid(ix_gone, NULL, 0) == -1 && errno == EINTR)
			;
		ix_gone = -1;
	}
	state_temp_remove();
}

static void
parent_loop(const char *path)
{
	struct sigaction	 sa;
	sigset_t		 block, none;
	int			 sigs[] = { SIGHUP, SIGUSR1, SIGCHLD, SIGTERM,
				    SIGINT };
	size_t			 i;

	sigemptyset(&block);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		sigaddset(&block, sigs[i]);
		sigaction(sigs[i], &sa, NULL);
	}
	signal(SIGPIPE, SIG_IGN);
	sigprocmask(SIG_BLOCK, &block, NULL);
	if (pipe(lifeline) == -1)
		fatal("pipe");
	fcntl(lifeline[0], F_SETFD, FD_CLOEXEC);
	fcntl(lifeline[1], F_SETFD, FD_CLOEXEC);
	if (pipe(readyp) == -1)
		fatal("pipe");
	fcntl(readyp[0], F_SETFL, O_NONBLOCK);
	fcntl(readyp[0], F_SETFD, FD_CLOEXEC);
	fcntl(readyp[1], F_SETFD, FD_CLOEXEC);
	(void)indexer_up();
	spawn_generation();
	sigemptyset(&none);
	for (;;) {
		fd_set	 rfds;

		FD_ZERO(&rfds);
		FD_SET(readyp[0], &rfds);
		/* Signals are blocked but while waiting here. */
		if (pselect(readyp[0] + 1, &rfds, NULL, NULL, NULL, &none) > 0)
			take_ready();
		if (got_term)
			break;
		if (got_chld) {
			got_chld = 0;
			reap(0);
		}
		if (got_hup) {
			got_hup = 0;
			if (reload_busy()) {
				if (!hup_pending)
					log_info("SIGHUP: a reload is under "
					    "way; one more after it");
				hup_pending = 1;
			} else {
				log_info("SIGHUP: reloading");
				reload(path, 1);
			}
		}
		if (hup_pending && !reload_busy()) {
			hup_pending = 0;
			log_info("reloading (a SIGHUP came during the last "
			    "reload)");
			reload(path, 1);
		}
		if (got_usr1) {
			got_usr1 = 0;
			log_reopen();
			reload(path, 0);
		}
	}
	stop_all();
}

int
main(int argc, char *argv[])
{
	const char	*path = DEFAULT_CONFIG;
	int		 ch, check = 0, verbose = 0;

	/* The publisher's commands, before the server's options. */
	if (argc > 1 && strcmp(argv[1], "new") == 0)
		return cmd_new(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "check") == 0)
		return cmd_check(argc - 1, argv + 1);
	while ((ch = getopt(argc, argv, "c:hnvV")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'n':
			check = 1;
			break;
		case 'v':
			verbose++;
			break;
		case 'V':
			printf("broadside %s\n", BROADSIDE_VERSION);
			return 0;
		case 'h':
			usage(1);
		default:
			usage(0);
		}
	}
	if (argc != optind)
		usage(0);
	log_set_verbose(verbose);
	log_set_procname("parent");
	if (check) {
		struct config	 conf;

		if (config_load(path, &conf, config_error, NULL) != 0)
			return 1;
		config_free(&conf);
		printf("%s: configuration OK\n", path);
		return 0;
	}
	if (mime_init() == -1)
		log_warnx("libmagic unavailable: MIME types by extension only");
	if (runtime_load(&rt, path, NULL) == -1)
		return 1;
	if (limits_table_ready(&rt.conf) == -1) {
		runtime_free(&rt);
		return 1;
	}
	parent_loop(path);
	runtime_free(&rt);
	limits_table_free(ltable);
	mime_close();
	return 0;
}
