/* SPDX-License-Identifier: ISC */
/* broadside: watching the archive for changes (see archive_watch.h). */
#include <sys/types.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#ifdef __linux__
#include <sys/inotify.h>
#endif

#include "archive_watch.h"
#include "log.h"

struct archive_watch {
	int			 fd;		/* inotify, or -1 */
	struct event		*ev_watch;
	struct event		*ev_timer;
	struct timespec		 burst_start;
	int			 in_burst;
	watch_rebuild_fn	 rebuild;
	void			*arg;
};

struct archive_watch *
archive_watch_new(void)
{
	struct archive_watch	*w;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	w->fd = -1;
#ifdef __linux__
	if ((w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1)
		log_warn("archive: inotify");
#endif
	return w;
}

int
archive_watch_fd(const struct archive_watch *w)
{
	return w != NULL ? w->fd : -1;
}

static long
msec_since(const struct timespec *t)
{
	struct timespec	 now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000 +
	    (now.tv_nsec - t->tv_nsec) / 1000000;
}

/* A change was seen: rebuild after a quiet spell, at most 1 s later. */
static void
changed(struct archive_watch *w)
{
	struct timeval	 tv;
	long		 wait = WATCH_QUIET_MSEC, left;

	if (!w->in_burst) {
		w->in_burst = 1;
		clock_gettime(CLOCK_MONOTONIC, &w->burst_start);
	} else {
		left = WATCH_MAX_MSEC - msec_since(&w->burst_start);
		if (left < wait)
			wait = left > 0 ? left : 0;
	}
	tv.tv_sec = wait / 1000;
	tv.tv_usec = (wait % 1000) * 1000;
	evtimer_add(w->ev_timer, &tv);
}

static void
timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct archive_watch	*w = arg;
	struct timeval		 tv = { WATCH_SCAN_SEC, 0 };

	(void)fd;
	(void)ev;
	if (w->fd == -1) {
		w->rebuild(w->arg, 0);
		evtimer_add(w->ev_timer, &tv);
		return;
	}
	w->in_burst = 0;
	w->rebuild(w->arg, 1);
}

static void
watch_cb(evutil_socket_t fd, short ev, void *arg)
{
	char	 buf[16384] __attribute__((aligned(8)));
	ssize_t	 n;
	int	 any = 0;

	(void)ev;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		any = 1;
	if (any)
		changed(arg);
}

int
archive_watch_start(struct archive_watch *w, struct event_base *base,
    watch_rebuild_fn rebuild, void *arg)
{
	struct timeval	 tv = { WATCH_SCAN_SEC, 0 };

	if (base == NULL)
		return 0;
	w->rebuild = rebuild;
	w->arg = arg;
	if ((w->ev_timer = evtimer_new(base, timer_cb, w)) == NULL)
		return -1;
	if (w->fd == -1)
		return evtimer_add(w->ev_timer, &tv);
	w->ev_watch = event_new(base, w->fd, EV_READ | EV_PERSIST, watch_cb, w);
	if (w->ev_watch == NULL || event_add(w->ev_watch, NULL) == -1)
		return -1;
	return 0;
}

void
archive_watch_free(struct archive_watch *w)
{
	if (w == NULL)
		return;
	if (w->ev_watch != NULL)
		event_free(w->ev_watch);
	if (w->ev_timer != NULL)
		event_free(w->ev_timer);
	if (w->fd != -1)
		close(w->fd);
	free(w);
}
