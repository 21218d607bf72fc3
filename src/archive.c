/* SPDX-License-Identifier: ISC */
/*
 * broadside: the archive a worker serves (see archive.h).  The indexer
 * process builds it (indexer.c); a worker maps each generation's files
 * read-only as the indexer hands them over its channel, and swaps the
 * snapshot in on the event loop: every worker switches when the message
 * comes, within milliseconds of the others.  Until a first generation
 * comes, the archive's pages answer that it is being indexed.
 *
 * archive_new builds one in process, once: the unit tests, the fuzzers
 * and the bench read it exactly as workers read the indexer's files.
 */
#include <sys/types.h>

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "archive.h"
#include "archive_build.h"
#include "channel.h"
#include "config.h"
#include "imgfile.h"
#include "indexer.h"
#include "log.h"
#include "redirects_image.h"

#define READY_WAIT_SEC	3	/* serve the file tree if the indexer is mute */

struct archive {
	struct snapshot		*cur;
	char			 folder[BUILD_FOLDER_MAX + 1];
	int			 rootfd;
	int			 chan;		/* from the indexer, or -1 */
	struct event		*ev_chan;
	struct event		*ev_wait;
	void			(*ready)(void *);
	void			*ready_arg;
	int			 state;		/* INDEXER_*, 0: nothing yet */
	uint64_t		 gen;
	struct rdimg		 moves;		/* the snapshot's (it holds
						   the mapping); n 0: none */
};

/* The mappings behind a snapshot, unmapped when it closes. */
struct mapped {
	struct img_map		 m[1 + SNAPSHOT_SEGS_MAX + 1];
	size_t			 n;
};

static void
mapped_free(void *arg)
{
	struct mapped	*mp = arg;
	size_t		 i;

	for (i = 0; i < mp->n; i++)
		img_unmap(&mp->m[i]);
	free(mp);
}

/*
 * A snapshot over a generation's files: meta, then search segments, then
 * (with_moves) the archive's moves, mapped with the others and released
 * with the snapshot.
 */
static struct snapshot *
snapshot_of_files(const int *fds, size_t nfds, int with_moves,
    struct rdimg *moves, const char **why)
{
	struct snapshot_src	 src;
	struct snapshot		*s;
	struct mapped		*mp;
	size_t			 i, nseg = nfds - 1 - (with_moves != 0);

	memset(moves, 0, sizeof(*moves));
	if (nfds < 2 + (with_moves != 0) || nseg > SNAPSHOT_SEGS_MAX) {
		*why = "a generation without its files";
		return NULL;
	}
	if ((mp = calloc(1, sizeof(*mp))) == NULL) {
		*why = "out of memory";
		return NULL;
	}
	memset(&src, 0, sizeof(src));
	for (i = 0; i < nfds; i++) {
		if (img_map_fd(fds[i], i == 0 ? IMG_META : i <= nseg ?
		    IMG_SEARCH : IMG_MOVES, 0, &mp->m[i], why) == -1) {
			mapped_free(mp);
			return NULL;
		}
		mp->n++;
		if (i > 0 && i <= nseg) {
			src.seg[i - 1] = mp->m[i].payload;
			src.seg_len[i - 1] = mp->m[i].len;
		}
	}
	if (with_moves && rdimg_open(moves, mp->m[nfds - 1].payload,
	    mp->m[nfds - 1].len) == -1) {
		*why = "the archive's moves are malformed";
		mapped_free(mp);
		return NULL;
	}
	src.meta = mp->m[0].payload;
	src.meta_len = mp->m[0].len;
	src.nseg = nseg;
	src.release = mapped_free;
	src.arg = mp;
	if ((s = snapshot_open(&src, why)) == NULL) {
		memset(moves, 0, sizeof(*moves));
		mapped_free(mp);
	}
	return s;
}

static void
swap_in(struct archive *a, struct snapshot *s)
{
	struct snapshot	*old = a->cur;

	a->cur = s;
	if (old != NULL)
		snapshot_close(old);
}

/* The worker serves from now on: said once, at the first word. */
static void
say_ready(struct archive *a)
{
	void	(*fn)(void *) = a->ready;

	a->ready = NULL;
	if (a->ev_wait != NULL)
		event_del(a->ev_wait);
	if (fn != NULL)
		fn(a->ready_arg);
}

static void
take_generation(struct archive *a, const struct indexer_msg *m,
    const int *fds, size_t nfds)
{
	struct snapshot	*s;
	const char	*why = NULL;
	struct rdimg	 moves;

	switch (m->state) {
	case INDEXER_READY:
		if ((s = snapshot_of_files(fds, nfds, (m->flags &
		    INDEXER_MOVES) != 0, &moves, &why)) == NULL) {
			log_warnx("archive: generation %" PRIu64 ": %s; "
			    "serving the last one", m->gen, why);
			break;
		}
		swap_in(a, s);
		a->moves = moves;
		a->gen = m->gen;
		a->state = INDEXER_READY;
		log_debug("archive: generation %" PRIu64 ", %zu statements",
		    m->gen, s->n);
		break;
	case INDEXER_BUILDING:
	case INDEXER_FAILED:
		a->state = (int)m->state;
		break;
	default:
		log_warnx("archive: the indexer said %" PRIu32 "?", m->state);
	}
}

static void
indexer_gone(struct archive *a)
{
	log_info("archive: the indexer has gone; serving generation %" PRIu64
	    " until the next workers", a->gen);
	event_del(a->ev_chan);
	close(a->chan);
	a->chan = -1;
	if (a->state == 0 || a->state == INDEXER_BUILDING)
		a->state = INDEXER_FAILED;
	say_ready(a);
}

static void
chan_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct archive		*a = arg;
	struct indexer_msg	 m;
	int			 fds[CHANNEL_FDS_MAX];
	size_t			 n, i;
	ssize_t			 r;

	(void)ev;
	for (;;) {
		r = channel_recv(fd, &m, sizeof(m), fds, &n);
		if (r == -1 && errno == EAGAIN)
			return;
		if (r <= 0) {
			indexer_gone(a);
			return;
		}
		if (r == (ssize_t)sizeof(m) && m.magic == INDEXER_MAGIC)
			take_generation(a, &m, fds, n);
		else
			log_warnx("archive: a malformed message from the "
			    "indexer");
		for (i = 0; i < n; i++)
			close(fds[i]);
		say_ready(a);
	}
}

static void
wait_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct archive	*a = arg;

	(void)fd;
	(void)ev;
	log_warnx("archive: no word from the indexer in %d s; serving files "
	    "meanwhile", READY_WAIT_SEC);
	say_ready(a);
}

static struct archive *
archive_alloc(const struct config *conf, int rootfd)
{
	struct archive	*a;
	const char	*f;

	if ((f = build_archive_folder(conf->archive)) == NULL ||
	    (a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	snprintf(a->folder, sizeof(a->folder), "%s", f);
	a->rootfd = rootfd;
	a->chan = -1;
	return a;
}

struct archive *
archive_attach(struct event_base *base, const struct config *conf,
    int rootfd, int chan, void (*ready)(void *), void *arg)
{
	struct timeval	 tv = { READY_WAIT_SEC, 0 };
	struct archive	*a;

	if ((a = archive_alloc(conf, rootfd)) == NULL)
		return NULL;
	a->chan = chan;
	a->ready = ready;
	a->ready_arg = arg;
	a->ev_chan = event_new(base, chan, EV_READ | EV_PERSIST, chan_cb, a);
	a->ev_wait = evtimer_new(base, wait_cb, a);
	if (a->ev_chan == NULL || a->ev_wait == NULL ||
	    event_add(a->ev_chan, NULL) == -1 ||
	    evtimer_add(a->ev_wait, &tv) == -1) {
		archive_free(a);
		return NULL;
	}
	return a;
}

struct archive *
archive_new(const struct config *conf, int rootfd)
{
	struct build_conf	 bc;
	struct archive		*a;
	struct catalog		*c;

	if ((a = archive_alloc(conf, rootfd)) == NULL)
		return NULL;
	memset(&bc, 0, sizeof(bc));
	bc.rootfd = rootfd;
	bc.archive = a->folder;
	bc.root = conf->root;
	bc.site_lang = conf->lang;
	bc.watchfd = -1;
	bc.force = 1;
	if ((c = catalog_build(&bc)) == NULL ||
	    (a->cur = snapshot_from_catalog(c)) == NULL) {
		log_warnx("archive: cannot build the index");
		catalog_free(c);
		archive_free(a);
		return NULL;
	}
	catalog_free(c);
	a->state = INDEXER_READY;
	return a;
}

void
archive_free(struct archive *a)
{
	if (a == NULL)
		return;
	if (a->ev_chan != NULL)
		event_free(a->ev_chan);
	if (a->ev_wait != NULL)
		event_free(a->ev_wait);
	if (a->chan != -1)
		close(a->chan);
	if (a->cur != NULL)
		snapshot_close(a->cur);
	free(a);
}

struct snapshot *
archive_snapshot(const struct archive *a)
{
	return a != NULL ? a->cur : NULL;
}

int
archive_pending(const struct archive *a)
{
	return a != NULL && a->cur == NULL && a->state != INDEXER_FAILED;
}

const char *
archive_folder(const struct archive *a)
{
	return a->folder;
}

int
archive_rootfd(const struct archive *a)
{
	return a->rootfd;
}

const char *
archive_moved(const struct archive *a, const char *rel)
{
	if (a == NULL || a->cur == NULL || a->moves.n == 0)
		return NULL;
	return rdimg_lookup(&a->moves, rel);
}

const char *
archive_first_name(const struct archive *a, const char *rel)
{
	if (a == NULL || a->cur == NULL || a->moves.n == 0)
		return NULL;
	return rdimg_origin(&a->moves, rel);
}
