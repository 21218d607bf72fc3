/* SPDX-License-Identifier: ISC */
/*
 * broadside: the archive's lifecycle (see archive.h).  The first build
 * runs before the worker serves; later builds run in a thread, hand their
 * snapshot over a pipe, and the event loop swaps it in.  Sibling workers
 * take turns to build, under a lock on a file the parent opened.
 *
 * Files are always opened relative to the root descriptor (the worker may
 * be chrooted), with the archive folder's name from the configuration.
 */
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "archive.h"
#include "archive_build.h"
#include "archive_watch.h"
#include "config.h"
#include "log.h"

#define TURN_LOG_MSEC	250	/* a shorter wait is not worth a line */
#define FOLDER_MAX	200

/* What the log line of a swap says of the catalog behind a snapshot. */
struct build_stats {
	size_t			 terms;
	double			 ms;
};

struct archive {
	struct snapshot		*cur;
	struct build_conf	 bc;
	struct archive_watch	*watch;
	int			 pipe[2];
	struct event		*ev_pipe;
	pthread_t		 thread;
	int			 building;
	int			 pending;
	int			 pending_force;
	struct snapshot		*result;
	struct build_stats	 result_stats;
	int			 turnsfd;	/* see turn_take */
	atomic_int		 stopping;	/* a waiting build gives up */
};

static void	 start_build(struct archive *, int force);

/* Give the build's freed temporary memory back to the system. */
static void
heap_trim(void)
{
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}

static long
msec_since(const struct timespec *t)
{
	struct timespec	 now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000 +
	    (now.tv_nsec - t->tv_nsec) / 1000000;
}

/*
 * Sibling workers take turns to build, under a write lock on a file the
 * parent opened for all of them.  Their builds compete for the same
 * cores: one at a time, the first worker serves the new index sooner
 * (a worker still building accepts no connection, the others take them)
 * and the machine holds one build's temporary memory at a time.  The lock
 * goes with its process if a worker dies.  Returns 1 when taken, 0 when
 * there are no turns or the lock cannot be had (build anyway), -1 when
 * the archive is stopping.
 */
static int
turn_take(struct archive *a)
{
	struct flock	 fl;
	struct timespec	 nap = { 0, 20 * 1000 * 1000 }, t0;
	long		 waited;

	if (a->turnsfd == -1)
		return 0;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (fcntl(a->turnsfd, F_SETLK, &fl) == -1) {
		if (errno != EACCES && errno != EAGAIN && errno != EINTR) {
			log_warn("archive: build turns");
			return 0;
		}
		if (atomic_load(&a->stopping))
			return -1;
		nanosleep(&nap, NULL);
	}
	if ((waited = msec_since(&t0)) >= TURN_LOG_MSEC)
		log_info("archive: waited %ld ms for another worker's build",
		    waited);
	return 1;
}

static void
turn_give(struct archive *a, int taken)
{
	struct flock	 fl;

	if (taken != 1)
		return;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_UNLCK;
	fl.l_whence = SEEK_SET;
	(void)fcntl(a->turnsfd, F_SETLK, &fl);
}

/*
 * A catalog built in this process's turn, as a snapshot over its images
 * in memory: requests read it as workers will read the indexer's image
 * files.  NULL when stopping, on a failure, or when the catalog is
 * unchanged (its sig the same: dropped).
 */
static struct snapshot *
build_in_turn(struct archive *a, struct build_stats *bs)
{
	struct catalog	*c;
	struct snapshot	*s = NULL;
	int		 turn;

	if ((turn = turn_take(a)) == -1)
		return NULL;
	c = catalog_build(&a->bc);
	turn_give(a, turn);
	if (c == NULL)
		return NULL;
	if (!c->unchanged) {
		bs->terms = search_term_count(c->search);
		bs->ms = c->build_ms;
		if ((s = snapshot_from_catalog(c)) == NULL)
			log_warnx("archive: cannot make the index images");
	}
	catalog_free(c);
	return s;
}

static void *
build_thread(void *arg)
{
	struct archive	*a = arg;
	struct snapshot	*s;
	char		 c = 1;
	ssize_t		 n;

	s = build_in_turn(a, &a->result_stats);
	heap_trim();
	a->result = s;
	do {
		n = write(a->pipe[1], &c, 1);
	} while (n == -1 && errno == EINTR);
	return NULL;
}

static void
swap_in(struct archive *a, struct snapshot *s, const struct build_stats *bs)
{
	struct snapshot	*old = a->cur;

	if (s == NULL)
		return;
	a->cur = s;
	if (old != NULL) {
		snapshot_close(old);
		heap_trim();
	}
	log_info("archive: %zu statements, %zu tags, %zu search terms "
	    "(%.0f ms)", s->n, s->ntags, bs->terms, bs->ms);
}

static void
pipe_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct archive	*a = arg;
	char		 c[16];

	(void)ev;
	while (read(fd, c, sizeof(c)) > 0)
		;
	if (!a->building)
		return;
	pthread_join(a->thread, NULL);
	a->building = 0;
	swap_in(a, a->result, &a->result_stats);
	a->result = NULL;
	if (a->pending) {
		a->pending = 0;
		start_build(a, a->pending_force);
		a->pending_force = 0;
	}
}

static void
start_build(struct archive *a, int force)
{
	if (a->building) {
		a->pending = 1;
		a->pending_force |= force;
		return;
	}
	a->bc.force = force;
	a->bc.prev_sig = a->cur != NULL ? snapshot_sig(a->cur) : 0;
	a->bc.have_prev = a->cur != NULL;
	a->result = NULL;
	if (pthread_create(&a->thread, NULL, build_thread, a) != 0) {
		log_warnx("archive: cannot start a rebuild thread");
		return;
	}
	a->building = 1;
}

static void
rebuild_cb(void *arg, int force)
{
	start_build(arg, force);
}

static int
folder_of(const struct config *conf, struct build_conf *bc)
{
	bc->archive = conf->archive && *conf->archive ? conf->archive :
	    "statements";
	while (*bc->archive == '/')
		bc->archive++;
	if (strlen(bc->archive) > FOLDER_MAX ||
	    strchr(bc->archive, '/') != NULL) {
		log_warnx("archive: the folder name must be one name of at "
		    "most %d bytes", FOLDER_MAX);
		return -1;
	}
	return 0;
}

static int
watch_start(struct archive *a, struct event_base *base)
{
	if (pipe(a->pipe) == -1) {
		log_warn("archive: pipe");
		return -1;
	}
	fcntl(a->pipe[0], F_SETFL, O_NONBLOCK);
	fcntl(a->pipe[0], F_SETFD, FD_CLOEXEC);
	fcntl(a->pipe[1], F_SETFD, FD_CLOEXEC);
	a->ev_pipe = event_new(base, a->pipe[0], EV_READ | EV_PERSIST,
	    pipe_cb, a);
	if (a->ev_pipe == NULL || event_add(a->ev_pipe, NULL) == -1)
		return -1;
	return archive_watch_start(a->watch, base, rebuild_cb, a);
}

struct archive *
archive_new(struct event_base *base, const struct config *conf, int rootfd,
    int turnsfd)
{
	struct archive		*a;
	struct snapshot		*s;
	struct build_stats	 bs;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	a->pipe[0] = a->pipe[1] = -1;
	a->turnsfd = turnsfd;
	a->bc.rootfd = rootfd;
	a->bc.root = conf->root;
	a->bc.force = 1;
	atomic_store(&a->stopping, 0);
	if (folder_of(conf, &a->bc) == -1 ||
	    (a->watch = archive_watch_new()) == NULL)
		goto fail;
	a->bc.watchfd = archive_watch_fd(a->watch);
	if ((s = build_in_turn(a, &bs)) == NULL) {
		log_warnx("archive: cannot build the index");
		goto fail;
	}
	swap_in(a, s, &bs);
	heap_trim();
	if (base != NULL && watch_start(a, base) == -1)
		goto fail;
	return a;
fail:
	archive_free(a);
	return NULL;
}

void
archive_free(struct archive *a)
{
	if (a == NULL)
		return;
	atomic_store(&a->stopping, 1);
	if (a->building) {
		pthread_join(a->thread, NULL);
		snapshot_close(a->result);
	}
	if (a->ev_pipe != NULL)
		event_free(a->ev_pipe);
	if (a->pipe[0] != -1)
		close(a->pipe[0]);
	if (a->pipe[1] != -1)
		close(a->pipe[1]);
	archive_watch_free(a->watch);
	snapshot_close(a->cur);
	free(a);
}

struct snapshot *
archive_snapshot(const struct archive *a)
{
	return a != NULL ? a->cur : NULL;
}

const char *
archive_folder(const struct archive *a)
{
	return a->bc.archive;
}

int
archive_rootfd(const struct archive *a)
{
	return a->bc.rootfd;
}
