/* SPDX-License-Identifier: ISC */
/*
 * broadside: watching the archive for changes.  inotify on Linux (the
 * build adds a watch on every folder it walks), else a periodic stat scan;
 * a burst of changes is debounced into one rebuild request.
 */
#ifndef BROADSIDE_ARCHIVE_WATCH_H
#define BROADSIDE_ARCHIVE_WATCH_H

struct event_base;
struct archive_watch;

#define WATCH_QUIET_MSEC	200	/* rebuild after this much quiet */
#define WATCH_MAX_MSEC		1000	/* ... or this long after the first */
#define WATCH_SCAN_SEC		2	/* stat scan period without inotify */

/*
 * `rebuild(arg, force)` is called on the event loop: force 1 after a
 * change was seen (inotify), 0 for a periodic scan (the build compares
 * names, sizes and times and drops an unchanged result).
 */
typedef void (*watch_rebuild_fn)(void *arg, int force);

struct archive_watch	*archive_watch_new(void);
/* The inotify descriptor the build adds its watches to, or -1. */
int			 archive_watch_fd(const struct archive_watch *);
/* Start calling `rebuild` (base NULL: never). 0 or -1. */
int			 archive_watch_start(struct archive_watch *,
			    struct event_base *, watch_rebuild_fn, void *);
void			 archive_watch_free(struct archive_watch *);

#endif
