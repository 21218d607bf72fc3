/* SPDX-License-Identifier: ISC */
/*
 * broadside: the archive a worker serves.  The indexer process builds it
 * (indexer.h) and hands each generation's files over a channel; the
 * worker maps them read-only and swaps the snapshot in on the event loop.
 * A snapshot is immutable; the renderers of each protocol hang their
 * generated pages on it (snapshot_view), so a swap drops them all at
 * once.  Knows no protocol.
 */
#ifndef BROADSIDE_ARCHIVE_H
#define BROADSIDE_ARCHIVE_H

#include <stddef.h>

#include "search.h"
#include "snapfile.h"

struct archive;
struct config;
struct event_base;
struct stmt;
struct stmt_version;

/*
 * A worker's archive, fed by the indexer over `chan` (taken).  `ready`
 * is called once, at the indexer's first word (a generation, or that the
 * first build runs), or after a few seconds without one: the worker
 * serves from then on.  NULL on a memory failure.
 */
struct archive	*archive_attach(struct event_base *, const struct config *,
		    int rootfd, int chan, void (*ready)(void *), void *arg);
/*
 * The archive built once in this process, read as a worker reads the
 * indexer's files (tests, fuzzers, the bench).  NULL when it cannot be
 * indexed (logged).
 */
struct archive	*archive_new(const struct config *, int rootfd);
void		 archive_free(struct archive *);

/* The current snapshot (NULL when none), valid until the next return to
 * the event loop. */
struct snapshot	*archive_snapshot(const struct archive *);
/* No snapshot yet, and one is coming (the first build runs): the
 * archive's pages answer a temporary failure. */
int		 archive_pending(const struct archive *);
#define ARCHIVE_PENDING_MSG \
	"The archive is being indexed; try again in a few seconds"

/*
 * The archive's moves (its .redirects, as the indexer checked it): the
 * statement an old path (relative to the archive folder) now is, or NULL;
 * and the first name of a statement that moved, or NULL.  Valid as the
 * snapshot is.
 */
const char	*archive_moved(const struct archive *, const char *rel);
const char	*archive_first_name(const struct archive *, const char *rel);
/* A request path ("/statements/OLD", decoded) that moved: 1 and its new
 * path (decoded) in out; else 0. */
int		 archive_moved_path(const struct archive *, const char *path,
		    char *out, size_t outsz);
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

/*
 * The other versions of st (a statement of the snapshot s), the original
 * first, into out[0..max): how many.  A version without a language of
 * its own is in the site's, site_lang ("" when that is none either).
 */
size_t	 archive_versions(const struct snapshot *, const struct stmt *st,
	    const char *site_lang, struct stmt_version *out, size_t max);

/*
 * May the statement at `rel` (under the archive), or the one whose
 * attachment `rel` is (the statement named like the first folder on its
 * way that is named like one), be served?
 *   ARCHIVE_SHOWN      published, or a file no snapshot speaks of and
 *                      without a sidecar: the file tree serves it
 *   ARCHIVE_HIDDEN     a draft, scheduled or withdrawn: *h says which
 *   ARCHIVE_UNDECIDED  not in the snapshot (or none yet) but with a
 *                      sidecar beside it, which may make it a draft:
 *                      not served until the index has read it
 */
enum { ARCHIVE_SHOWN, ARCHIVE_HIDDEN, ARCHIVE_UNDECIDED };
int	 archive_visibility(const struct archive *, const struct snapshot *,
	    const char *rel, int is_attachment, struct snapshot_hidden *h);

#endif
