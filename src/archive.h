/* SPDX-License-Identifier: ISC */
/*
 * broadside: the archive's lifecycle.  Builds the first snapshot of the
 * archive (statements, years, tags, the search index), rebuilds it in a
 * background thread when the watcher sees a change, and swaps it in on
 * the event loop.  A snapshot is immutable once built; the renderers of
 * each protocol hang their generated pages on it (snapshot_view), so a
 * swap drops them all at once.  Knows no protocol.
 */
#ifndef BROADSIDE_ARCHIVE_H
#define BROADSIDE_ARCHIVE_H

#include <stddef.h>

#include "search.h"
#include "snapfile.h"

struct archive;
struct config;
struct event_base;

/*
 * Build the first index (in turns with sibling workers under a lock on
 * `turnsfd`, -1: no turns) and, with a base, watch for changes.  NULL
 * when the archive cannot be indexed (logged): serve the file tree alone.
 */
struct archive	*archive_new(struct event_base *, const struct config *,
		    int rootfd, int turnsfd);
void		 archive_free(struct archive *);

/* The current snapshot (NULL when none), valid until the next return to
 * the event loop. */
struct snapshot	*archive_snapshot(const struct archive *);
/* The archive folder under the root, as routed: "statements". */
const char	*archive_folder(const struct archive *);
/* The content root it reads (an O_DIRECTORY descriptor). */
int		 archive_rootfd(const struct archive *);

/*
 * Search results with a snippet each, read from the statements' files:
 * pos[i] is the position in the snapshot of hits[i].
 */
struct archive_results {
	struct search_hit	 hits[SEARCH_RESULTS_MAX];
	size_t			 pos[SEARCH_RESULTS_MAX];
	char			 snip[SEARCH_RESULTS_MAX][SEARCH_SNIPPET_MAX * 2];
	size_t			 n, total;
	int			 words;
};

/* 0, or -1 when the search failed. */
int	 archive_search(const struct archive *, const struct snapshot *,
	    const char *q, size_t qlen, struct archive_results *);

#endif
