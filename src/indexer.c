/* SPDX-License-Identifier: ISC */
/*
 * broadside: the indexer process (see indexer.h).
 *
 * Its event loop takes channels from the parent, tells each worker the
 * current generation, and starts builds when the watcher (or a SIGHUP
 * the parent passes on) says the archive changed.  A build runs in a
 * thread: the loop keeps answering new workers with the last generation.
 * Only that thread touches the catalogue, the delta index and the slots;
 * the loop only swaps the finished generation in and broadcasts it.
 *
 * An update reads the statements whose files changed and appends them to
 * the delta (new slots); the others are taken from the last catalogue.
 * When the delta grows past a quarter of the archive, the next build is
 * a full one: a new base, an empty delta, slots from 0.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#ifdef __linux__
#include <sys/prctl.h>
#endif
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "archive_build.h"
#include "archive_watch.h"
#include "channel.h"
#include "config.h"
#include "imgfile.h"
#include "index_store.h"
#include "indexer.h"
#include "log.h"
#include "moves.h"
#include "sandbox.h"
#include "search.h"
#include "snapfile.h"

#define TAG_CHANNEL	0
#define TAG_RESCAN	'R'
#define COMPACT_MIN	4096	/* delta slots always allowed */

enum { JOB_PUBLISHED, JOB_UNCHANGED, JOB_FAILED };

struct job {
	int			 full;
	int			 result;
	struct catalog		*cat;
	struct search_index	*delta;	/* the new one, or the same */
	struct index_files	 files;
	double			 ms;
	double			 build_ms;	/* of ms: reading, indexing */
	size_t			 read;	/* statements read */
};

struct ixstate {
	struct event_base	*base;
	int			 ctl, statefd;
	struct event		*ev_ctl;
	int			 chan[INDEXER_CHANNELS_MAX];
	struct event		*ev_chan[INDEXER_CHANNELS_MAX];
	size_t			 nchan;
	struct build_conf	 bc;
	struct archive_watch	*watch;
	/* The published generation: the loop's. */
	struct index_files	 cur;
	int			 state;		/* INDEXER_* */
	/* The build's: only the build thread touches them while it runs. */
	struct catalog		*cat;
	struct search_index	*delta;
	uint32_t		 base_slots, next_slot, reuse_below;
	int			 force_next;
	int			 loaded;	/* from disk, not yet walked */
	struct moves		 moves;		/* .redirects, parsed */
	int			 moves_stale;	/* the stored ones are not it */
	/* The build thread. */
	struct job		 job;
	pthread_t		 thr;
	int			 building, pending, pending_full;
	int			 pipe[2];
	struct event		*ev_pipe;
	/* The next scheduled statement's moment (0: none), and the timer
	 * that publishes it then: no file changes at that moment. */
	long long		 next_publish;
	struct event		*ev_publish;
};

static void	 job_start(struct ixstate *, int full);

static double
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* -- telling the workers ------------------------------------------------ */

static int
tell(const struct ixstate *x, int fd)
{
	struct indexer_msg	 m;
	int			 fds[4];
	size_t			 n = 0;

	memset(&m, 0, sizeof(m));
	m.magic = INDEXER_MAGIC;
	m.state = x->state;
	m.gen = x->cur.gen;
	if (x->state == INDEXER_READY) {
		fds[n++] = x->cur.meta_fd;
		fds[n++] = x->cur.base_fd;
		if (x->cur.delta_fd != -1)
			fds[n++] = x->cur.delta_fd;
		m.nseg = (uint32_t)n - 1;
		if (x->cur.moves_fd != -1) {
			fds[n++] = x->cur.moves_fd;
			m.flags |= INDEXER_MOVES;
		}
	}
	return channel_send(fd, &m, sizeof(m), fds, n);
}

static void
chan_drop(struct ixstate *x, size_t i)
{
	event_free(x->ev_chan[i]);
	close(x->chan[i]);
	x->nchan--;
	x->chan[i] = x->chan[x->nchan];
	x->ev_chan[i] = x->ev_chan[x->nchan];
}

static void
broadcast(struct ixstate *x)
{
	size_t	 i;

	for (i = 0; i < x->nchan; ) {
		if (tell(x, x->chan[i]) == 0) {
			i++;
			continue;
		}
		if (errno != EAGAIN) {
			chan_drop(x, i);	/* the worker has gone */
			continue;
		}
		/* Its queue is full: it reads nothing.  It keeps what it
		 * has until the next generation, or it leaves. */
		log_warnx("index: a worker did not take generation %" PRIu64,
		    x->cur.gen);
		i++;
	}
}

/* A worker's end closed (it left): forget its channel. */
static void
chan_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct ixstate	*x = arg;
	char		 b[64];
	int		 fds[CHANNEL_FDS_MAX];
	size_t		 n, i, k;
	ssize_t		 r;

	(void)ev;
	r = channel_recv(fd, b, sizeof(b), fds, &n);
	for (k = 0; k < n; k++)
		close(fds[k]);	/* workers send nothing we keep */
	if (r > 0 || (r == -1 && errno == EAGAIN))
		return;
	for (i = 0; i < x->nchan; i++)
		if (x->chan[i] == fd) {
			chan_drop(x, i);
			return;
		}
}

static void
chan_add(struct ixstate *x, int fd)
{
	struct event	*ev;

	if (x->nchan == INDEXER_CHANNELS_MAX ||
	    (ev = event_new(x->base, fd, EV_READ | EV_PERSIST, chan_cb,
	    x)) == NULL || event_add(ev, NULL) == -1) {
		log_warnx("index: no room for another worker's channel");
		close(fd);
		return;
	}
	x->chan[x->nchan] = fd;
	x->ev_chan[x->nchan++] = ev;
	if (tell(x, fd) == -1)
		log_warn("index: telling a worker");
}

/* The parent: a channel, a rescan, or gone (then so are we). */
static void
ctl_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct ixstate	*x = arg;
	unsigned char	 tag;
	int		 fds[CHANNEL_FDS_MAX];
	size_t		 n, i;
	ssize_t		 r;

	(void)ev;
	while ((r = channel_recv(fd, &tag, 1, fds, &n)) > 0) {
		for (i = 0; i < n; i++) {
			if (tag == TAG_CHANNEL && i == 0)
				chan_add(x, fds[i]);
			else
				close(fds[i]);
		}
		if (tag == TAG_RESCAN)
			job_start(x, 0);
	}
	if (r == 0 || (r == -1 && errno != EAGAIN && errno != EINTR))
		event_base_loopbreak(x->base);
}

/* -- building ----------------------------------------------------------- */

static uint32_t
compact_limit(const struct catalog *c)
{
	return c->n / 4 > COMPACT_MIN ? (uint32_t)(c->n / 4) : COMPACT_MIN;
}

/* Nothing changed: every statement taken, none gone (hidden ones
 * included: a draft made public is read again), the same versions
 * listed (a new [server] lang may list others). */
static int
same_set(const struct catalog *c, const struct catalog *prev)
{
	return c->reused == c->n + c->nhidden && c->n == prev->n &&
	    c->nhidden == prev->nhidden &&
	    c->versions_sig == prev->versions_sig;
}

static int
write_search(struct ixstate *x, char *name, size_t namesz, const char *kind,
    uint64_t gen, const struct search_index *ix, uint64_t sig)
{
	snprintf(name, namesz, "%s-%" PRIu64, kind, gen);
	return store_write_search(x->statefd, name, ix, sig);
}

/* A full build's generation: a new base, no delta. */
static int
publish_full(struct ixstate *x, struct job *j, struct catalog *c)
{
	if (write_search(x, j->files.base, sizeof(j->files.base), "search",
	    j->files.gen, c->search, c->sig) == -1 ||
	    (j->delta = search_new()) == NULL)
		return -1;
	j->files.base_slots = c->nslots;
	search_free(c->search);
	c->search = NULL;
	return 0;
}

/* An update's: the base kept, the statements read appended to the delta. */
static int
publish_update(struct ixstate *x, struct job *j, struct catalog *c)
{
	memcpy(j->files.base, x->cur.base, sizeof(j->files.base));
	j->files.base_slots = x->base_slots;
	j->delta = x->delta;
	if (c->search != NULL && search_merge(x->delta, c->search) == -1) {
		c->search = NULL;	/* merge frees it */
		return -1;
	}
	c->search = NULL;
	if (c->nslots == x->base_slots)
		return 0;		/* no delta yet */
	return write_search(x, j->files.delta, sizeof(j->files.delta),
	    "delta", j->files.gen, x->delta, c->sig);
}

/* The generation's moves, over catalogue c (none without .redirects). */
static int
write_moves(struct ixstate *x, struct job *j, const struct catalog *c)
{
	if (!x->moves.present)
		return 0;
	snprintf(j->files.moves, sizeof(j->files.moves), "moves-%" PRIu64,
	    j->files.gen);
	return store_write_moves(x->statefd, j->files.moves, &x->moves, c,
	    x->bc.archive, x->moves.changed);
}

/* Only .redirects changed: a generation of the same catalogue and index
 * with the new moves (j->cat stays NULL: the catalogue is kept). */
static int
publish_moves(struct ixstate *x, struct job *j)
{
	store_init(&j->files);
	j->files.gen = x->cur.gen + 1;
	j->files.base_slots = x->base_slots;
	memcpy(j->files.meta, x->cur.meta, sizeof(j->files.meta));
	memcpy(j->files.base, x->cur.base, sizeof(j->files.base));
	memcpy(j->files.delta, x->cur.delta, sizeof(j->files.delta));
	j->delta = x->delta;
	if (write_moves(x, j, x->cat) == -1 ||
	    store_commit(x->statefd, &j->files, &x->cur) == -1)
		return JOB_FAILED;
	return JOB_PUBLISHED;
}

static struct catalog *
build(struct ixstate *x, int full)
{
	struct build_conf	 bc = x->bc;

	if (!full) {
		bc.prev = x->cat;
		bc.reuse_below = x->reuse_below;
		bc.next_slot = x->next_slot;
		bc.force = x->force_next;
		bc.have_prev = 1;
		bc.prev_sig = x->cat->sig;
	} else {
		bc.prev = NULL;
		bc.force = 1;
		bc.have_prev = 0;
	}
	return catalog_build(&bc);
}

static int
job_run(struct ixstate *x, struct job *j)
{
	struct catalog	*c;
	char		 meta[IMG_NAME_MAX];
	int		 full = j->full || x->cat == NULL;

	if (moves_read(&x->moves, x->bc.rootfd, x->bc.archive) == -1)
		return JOB_FAILED;
	if (x->moves_stale)
		x->moves.changed = 1;
	x->moves_stale = 0;
	for (;;) {
		j->build_ms = now_ms();
		c = build(x, full);
		j->build_ms = now_ms() - j->build_ms;
		if (c == NULL)
			return JOB_FAILED;
		if (!full && (c->unchanged || same_set(c, x->cat))) {
			if (!c->unchanged)
				x->cat->sig = c->sig;	/* walked with stat */
			catalog_free(c);
			return x->moves.changed ? publish_moves(x, j) :
			    JOB_UNCHANGED;
		}
		if (full || c->nslots - x->base_slots <= compact_limit(c))
			break;
		catalog_free(c);	/* the delta grew too much */
		full = 1;
	}
	j->read = c->n + c->nhidden - c->reused;
	store_init(&j->files);
	j->files.gen = x->cur.gen + 1;
	if ((full ? publish_full(x, j, c) : publish_update(x, j, c)) == -1)
		goto fail;
	x->next_slot = c->nslots;
	snprintf(meta, sizeof(meta), "meta-%" PRIu64, j->files.gen);
	memcpy(j->files.meta, meta, sizeof(meta));
	if (store_write_meta(x->statefd, meta, c) == -1 ||
	    write_moves(x, j, c) == -1 ||
	    store_commit(x->statefd, &j->files, &x->cur) == -1)
		goto fail;
	j->cat = c;
	return JOB_PUBLISHED;
fail:
	if (j->delta != x->delta)
		search_free(j->delta);
	j->delta = NULL;
	catalog_free(c);
	return JOB_FAILED;
}

static void *
job_thread(void *arg)
{
	struct ixstate	*x = arg;
	double		 t0 = now_ms();
	char		 c = 1;
	ssize_t		 n;

	x->job.result = job_run(x, &x->job);
	x->job.ms = now_ms() - t0;
#ifdef __GLIBC__
	malloc_trim(0);		/* a full build's temporary memory */
#endif
	do {
		n = write(x->pipe[1], &c, 1);
	} while (n == -1 && errno == EINTR);
	return NULL;
}

static void
job_done(struct ixstate *x)
{
	struct job	*j = &x->job;

	if (j->result == JOB_FAILED) {
		log_warnx("index: the build failed; still serving generation "
		    "%" PRIu64, x->cur.gen);
		if (x->state == INDEXER_BUILDING) {
			x->state = INDEXER_FAILED;
			broadcast(x);
		}
		return;
	}
	x->force_next = 0;
	x->reuse_below = x->next_slot;
	if (j->result == JOB_UNCHANGED) {
		if (x->loaded)
			log_info("index: generation %" PRIu64 " matches the "
			    "archive (%zu statements, %.0f ms)", x->cur.gen,
			    x->cat->n, j->ms);
		x->loaded = 0;
		return;
	}
	x->loaded = 0;
	if (j->cat == NULL) {		/* the moves alone */
		store_close(&x->cur);
		x->cur = j->files;
		broadcast(x);
		log_info("index: generation %" PRIu64 ": the archive's moves "
		    "(%s)", x->cur.gen, *x->cur.moves ? REDIRECTS_FILE :
		    "none now");
		return;
	}
	catalog_free(x->cat);
	x->cat = j->cat;
	if (j->delta != x->delta)
		search_free(x->delta);
	x->delta = j->delta;
	x->base_slots = j->files.base_slots;
	store_close(&x->cur);
	x->cur = j->files;
	x->state = INDEXER_READY;
	broadcast(x);
	log_info("index: generation %" PRIu64 ": %zu statements, %zu read, "
	    "%zu taken as they were (%.0f ms: %.0f reading and indexing, %.0f "
	    "writing)", x->cur.gen, x->cat->n, j->read, x->cat->reused, j->ms,
	    j->build_ms, j->ms - j->build_ms);
}

/* -- scheduled publication ---------------------------------------------- */

/*
 * The moment a scheduled statement is due, an update: the files have
 * not changed, so it is forced (the walk compares them, and the due
 * statement, its kind changed, is read and indexed).
 */
static void
publish_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct ixstate	*x = arg;

	(void)fd;
	(void)ev;
	x->force_next = 1;
	job_start(x, 0);
}

/*
 * The timer set for the earliest scheduled moment, a few milliseconds
 * after it (the build reads the clock in seconds: it must see the
 * moment passed).  A moment already passed fires at once; whatever the
 * timer starts re-arms it, so a build that ran too early is followed by
 * another.
 */
static void
publish_arm(struct ixstate *x, long long min_us)
{
	struct timeval	 tv;
	struct timespec	 ts;
	long long	 us;

	if (x->ev_publish == NULL)
		return;
	evtimer_del(x->ev_publish);
	if (x->next_publish <= 0)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	us = (x->next_publish - (long long)ts.tv_sec) * 1000000 -
	    ts.tv_nsec / 1000 + 5000;
	if (us < min_us)
		us = min_us;	/* after a failure: not in a loop */
	tv.tv_sec = (time_t)(us / 1000000);
	tv.tv_usec = (suseconds_t)(us % 1000000);
	if (evtimer_add(x->ev_publish, &tv) == -1)
		log_warnx("index: cannot set the publication timer");
}

static void
pipe_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct ixstate	*x = arg;
	char		 c[16];

	(void)ev;
	while (read(fd, c, sizeof(c)) > 0)
		;
	if (!x->building)
		return;
	pthread_join(x->thr, NULL);
	x->building = 0;
	job_done(x);
	/* An unchanged catalogue may be the one read back at the start,
	 * which knows no scheduled statement: the image's moment stays. */
	if (x->job.result == JOB_PUBLISHED)
		x->next_publish = x->cat->next_publish;
	publish_arm(x, x->job.result == JOB_FAILED ? 1000000 : 0);
	if (x->pending) {
		x->pending = 0;
		job_start(x, x->pending_full);
		x->pending_full = 0;
	}
}

/* Any number of requests while a build runs make one more build. */
static void
job_start(struct ixstate *x, int full)
{
	if (x->building) {
		x->pending = 1;
		x->pending_full |= full;
		return;
	}
	memset(&x->job, 0, sizeof(x->job));
	x->job.full = full;
	if (pthread_create(&x->thr, NULL, job_thread, x) != 0) {
		log_warnx("index: cannot start a build thread");
		return;
	}
	x->building = 1;
}

static void
rebuild_cb(void *arg, int force)
{
	(void)force;	/* an update compares the files anyway */
	job_start(arg, 0);
}

/* -- the index on disk at start ----------------------------------------- */

static void
unmap_cb(void *arg)
{
	img_unmap(arg);
}

/* The catalogue a loaded generation holds, read back for the next update. */
static struct catalog *
catalog_of(const struct index_files *f, const char **why,
    long long *next_publish)
{
	struct snapshot_hidden	 h;
	struct snapshot_src	 src;
	struct img_map		 m;
	struct snapshot		*s;
	struct catalog		*c = NULL;
	struct stmt		*recs;
	uint32_t		 top = 0;
	size_t			 i, n;

	if (img_map_fd(f->meta_fd, IMG_META, 0, &m, why) == -1)
		return NULL;
	*next_publish = 0;
	memset(&src, 0, sizeof(src));
	src.meta = m.payload;
	src.meta_len = m.len;
	src.release = unmap_cb;
	src.arg = &m;
	if ((s = snapshot_open(&src, why)) == NULL) {
		img_unmap(&m);
		return NULL;
	}
	n = s->n;
	if ((recs = calloc(n + 1, sizeof(*recs))) == NULL)
		goto done;
	for (i = 0; i < n; i++) {
		if (snapshot_stmt(s, i, &recs[i]) == NULL)
			goto done;
		if (recs[i].slot >= top)
			top = recs[i].slot + 1;
	}
	if (top < f->base_slots)
		top = f->base_slots;
	/* Hidden statements are not records: the next update reads
	 * them again; a scheduled one's moment must start it. */
	for (i = 0; i < s->nhidden; i++)
		if (snapshot_hidden_at(s, i, &h) != NULL &&
		    h.kind == STMT_SCHEDULED && (*next_publish == 0 ||
		    h.when < *next_publish))
			*next_publish = h.when;
	c = catalog_from_records(recs, n, m.sig, top);
done:
	free(recs);
	snapshot_close(s);
	if (c == NULL && *why == NULL)
		*why = "cannot read the catalogue back";
	return c;
}

/* Whether the stored generation's moves are not those of .redirects now
 * (the file changed, came or went while we were down). */
static int
moves_stale(struct ixstate *x, const struct index_files *f)
{
	struct img_map	 m;
	const char	*why;
	uint64_t	 sig;

	if (moves_read(&x->moves, x->bc.rootfd, x->bc.archive) == -1)
		return 1;
	if (f->moves_fd == -1)
		return x->moves.present;
	if (!x->moves.present ||
	    img_map_fd(f->moves_fd, IMG_MOVES, 0, &m, &why) == -1)
		return 1;
	sig = m.sig;
	img_unmap(&m);
	return sig != x->moves.hash;
}

/*
 * The last generation, checked, served at once; the first build is then
 * an update that compares it with the files (a walk, no reads, when
 * nothing changed).  The statements of its delta are read again: the
 * delta index lives in memory between generations.
 */
static void
load_index(struct ixstate *x)
{
	struct index_files	 f;
	const char		*why = NULL;
	struct catalog		*c;
	size_t			 i;
	long long		 next;
	int			 rv;

	if ((rv = store_load(x->statefd, &f, &why)) != 0) {
		if (rv == -1)
			log_warnx("index: %s: building it again", why);
		store_sweep(x->statefd, &f);
		return;
	}
	why = NULL;
	if ((c = catalog_of(&f, &why, &next)) == NULL ||
	    (x->delta = search_new()) == NULL) {
		log_warnx("index: %s: building it again", why ? why :
		    "out of memory");
		catalog_free(c);
		store_close(&f);
		store_sweep(x->statefd, &f);
		return;
	}
	store_sweep(x->statefd, &f);
	x->moves_stale = moves_stale(x, &f);
	x->cur = f;
	x->cat = c;
	x->base_slots = f.base_slots;
	x->next_slot = c->nslots;
	x->reuse_below = f.base_slots;
	for (i = 0; i < c->n; i++)
		x->force_next |= c->st[i].slot >= f.base_slots;
	/* Restarted after a statement's moment: published at once. */
	x->next_publish = next;
	if (next != 0 && next <= (long long)time(NULL))
		x->force_next = 1;
	x->state = INDEXER_READY;
	x->loaded = 1;
	log_info("index: generation %" PRIu64 " of %zu statements, from %s",
	    f.gen, c->n, "the state directory");
}

/* -- the process -------------------------------------------------------- */

/* The state directory, made when missing, the workers' user's. */
static int
state_open(const char *path, const struct sandbox_user *u)
{
	struct stat	 sb;
	int		 fd;

	if (mkdir(path, 0750) == -1 && errno != EEXIST) {
		log_warn("index: state directory %s", path);
		return -1;
	}
	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &sb) == -1) {
		log_warn("index: state directory %s", path);
		if (fd != -1)
			close(fd);
		return -1;
	}
	if (u->enabled && sb.st_uid != u->uid &&
	    fchown(fd, u->uid, u->gid) == -1) {
		log_warn("index: giving %s to %s", path, u->name);
		close(fd);
		return -1;
	}
	return fd;
}

static int
ix_events(struct ixstate *x)
{
	if (pipe(x->pipe) == -1)
		return -1;
	fcntl(x->pipe[0], F_SETFL, O_NONBLOCK);
	fcntl(x->pipe[0], F_SETFD, FD_CLOEXEC);
	fcntl(x->pipe[1], F_SETFD, FD_CLOEXEC);
	if ((x->base = event_base_new()) == NULL ||
	    (x->ev_pipe = event_new(x->base, x->pipe[0], EV_READ | EV_PERSIST,
	    pipe_cb, x)) == NULL || event_add(x->ev_pipe, NULL) == -1 ||
	    (x->ev_ctl = event_new(x->base, x->ctl, EV_READ | EV_PERSIST,
	    ctl_cb, x)) == NULL || event_add(x->ev_ctl, NULL) == -1 ||
	    (x->ev_publish = evtimer_new(x->base, publish_cb, x)) == NULL)
		return -1;
	return archive_watch_start(x->watch, x->base, rebuild_cb, x);
}

static void
ix_free(struct ixstate *x)
{
	if (x->building)
		pthread_join(x->thr, NULL);	/* a write: let it end */
	while (x->nchan > 0)
		chan_drop(x, 0);
	if (x->ev_ctl != NULL)
		event_free(x->ev_ctl);
	if (x->ev_pipe != NULL)
		event_free(x->ev_pipe);
	if (x->ev_publish != NULL)
		event_free(x->ev_publish);
	archive_watch_free(x->watch);
	if (x->base != NULL)
		event_base_free(x->base);
	catalog_free(x->cat);
	if (x->job.cat != NULL && x->job.cat != x->cat)
		catalog_free(x->job.cat);
	if (x->job.delta != NULL && x->job.delta != x->delta)
		search_free(x->job.delta);
	search_free(x->delta);
	store_close(&x->cur);
	moves_free(&x->moves);
}

static __attribute__((noreturn)) void
indexer_main(int ctl, const struct config *conf, const struct sandbox_user *u,
    int rootfd, const char *state, void (*forget)(void))
{
	struct ixstate	 x;
	int		 keep[2] = { ctl, rootfd };

	log_set_procname("indexer");
#ifdef __linux__
	(void)prctl(PR_SET_NAME, "broadside-idx", 0, 0, 0);
#endif
	sandbox_helper_start(keep, 2);
	if (forget != NULL)
		forget();
	memset(&x, 0, sizeof(x));
	x.ctl = ctl;
	x.pipe[0] = x.pipe[1] = -1;
	store_init(&x.cur);
	x.state = INDEXER_BUILDING;
	x.bc.rootfd = rootfd;
	x.bc.root = conf->root;
	x.bc.site_lang = conf->lang;
	if ((x.bc.archive = build_archive_folder(conf->archive)) == NULL ||
	    (x.statefd = state_open(state, u)) == -1 ||
	    (x.watch = archive_watch_new()) == NULL)
		_exit(1);
	x.bc.watchfd = archive_watch_fd(x.watch);
	if (sandbox_indexer(conf, u, state) == -1) {
		log_warnx("cannot confine the indexer");
		_exit(1);
	}
	if (ix_events(&x) == -1) {
		log_warnx("index: cannot start the event loop");
		_exit(1);
	}
	load_index(&x);
	job_start(&x, x.cat == NULL);
	event_base_dispatch(x.base);
	ix_free(&x);
	_exit(0);
}

/* -- the parent's side -------------------------------------------------- */

int
indexer_start(struct indexer *ix, const struct config *conf,
    const struct sandbox_user *u, int rootfd, const char *state,
    void (*forget)(void))
{
	pid_t	 pid;
	int	 ctl;

	ix->pid = -1;
	ix->ctl = -1;
	if ((pid = channel_fork(&ctl)) == -1)
		return -1;
	if (pid == 0)
		indexer_main(ctl, conf, u, rootfd, state, forget);
	ix->pid = pid;
	ix->ctl = ctl;
	ix->started = time(NULL);
	return 0;
}

int
indexer_channel(const struct indexer *ix)
{
	if (ix->pid == -1)
		return -1;
	return channel_pair(ix->ctl, TAG_CHANNEL, 0, "the indexer");
}

void
indexer_rescan(const struct indexer *ix)
{
	unsigned char	 tag = TAG_RESCAN;

	if (ix->ctl != -1 && channel_send(ix->ctl, &tag, 1, NULL, 0) == -1)
		log_warn("asking the indexer to rescan");
}

void
indexer_release(struct indexer *ix)
{
	if (ix->ctl != -1)
		close(ix->ctl);
	ix->ctl = -1;
	ix->pid = -1;
}
