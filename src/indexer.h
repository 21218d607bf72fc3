/* SPDX-License-Identifier: ISC */
/*
 * broadside: the indexer.  The one process that reads statements and
 * sidecars to index them: unprivileged, the content root read-only, the
 * state directory its only writable place, its own system call filter.
 * It keeps the index on disk (index_store.h), updates it when the
 * archive changes (only the statements that changed are read), and hands
 * each generation's files to every worker over a channel of its own: the
 * workers map them read-only and switch together.  Hostile content is
 * never parsed by a process that holds root or the TLS key, and never by
 * a worker.
 */
#ifndef BROADSIDE_INDEXER_H
#define BROADSIDE_INDEXER_H

#include <sys/types.h>
#include <stdint.h>
#include <time.h>

struct config;
struct sandbox_user;

#define INDEXER_CHANNELS_MAX	256

struct indexer {
	pid_t	 pid;		/* -1: none */
	int	 ctl;		/* the parent's end */
	time_t	 started;
};

/*
 * Parent: fork the indexer over the content root (rootfd) with its index
 * in `state` (an absolute path, made when missing and given to the user
 * the workers run as).  `forget` (when not NULL) wipes in the child what
 * it must not hold.  0 or -1 (logged).
 */
int	 indexer_start(struct indexer *, const struct config *,
	    const struct sandbox_user *, int rootfd, const char *state,
	    void (*forget)(void));
/* Parent, before forking a worker: its channel's end, or -1. */
int	 indexer_channel(const struct indexer *);
/* Parent, on SIGHUP: walk the archive again (coalesced). */
void	 indexer_rescan(const struct indexer *);
/* Parent: let it go; it exits (the workers keep what they mapped). */
void	 indexer_release(struct indexer *);

/* What the indexer says on a channel, with the files' descriptors. */
#define INDEXER_MAGIC		0x62736978u	/* "bsix" */
enum {
	INDEXER_READY = 1,	/* descriptors: meta, then search segments */
	INDEXER_BUILDING,	/* no index yet: the first build runs */
	INDEXER_FAILED,		/* no index can be had: serve files */
};

struct indexer_msg {
	uint32_t	 magic;
	uint32_t	 state;
	uint64_t	 gen;
	uint32_t	 nseg;
	uint32_t	 flags;		/* INDEXER_MOVES: the last descriptor
					   is the archive's moves */
};
#define INDEXER_MOVES		0x01

#endif
