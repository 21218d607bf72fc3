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

struct archive;
struct config;
struct event_base;
struct group;
struct catalog;
struct stmt;

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
struct catalog	*archive_snapshot(const struct archive *);
/* The archive folder under the root, as routed: "statements". */
const char	*archive_folder(const struct archive *);
/* The content root it reads (an O_DIRECTORY descriptor). */
int		 archive_rootfd(const struct archive *);

/* A statement by its path under the archive ("2024/x.gmi"), or NULL. */
const struct stmt *snapshot_find(const struct catalog *, const char *rel);
/* A year ("2024") or a tag, or NULL. */
struct group	*snapshot_group(struct catalog *, int is_tag, const char *key,
		    size_t keylen);

/*
 * Slots where a renderer keeps what it made of a snapshot (its pages),
 * freed with the snapshot.  Each renderer owns one slot number.
 */
#define SNAPSHOT_VIEWS	2
void	*snapshot_view(const struct catalog *, int slot);
void	 snapshot_set_view(struct catalog *, int slot, void *view,
	    void (*view_free)(void *));

/* Search results with a snippet each, read from the statements' files. */
struct archive_results {
	struct search_hit	 hits[SEARCH_RESULTS_MAX];
	char			 snip[SEARCH_RESULTS_MAX][SEARCH_SNIPPET_MAX * 2];
	size_t			 n, total;
	int			 words;
};

/* 0, or -1 when the search failed. */
int	 archive_search(const struct archive *, const struct catalog *,
	    const char *q, size_t qlen, struct archive_results *);

#endif
