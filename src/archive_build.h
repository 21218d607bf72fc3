/* SPDX-License-Identifier: ISC */
/*
 * broadside: building an archive snapshot: walk the archive folder under
 * the root descriptor, read each statement and its sidecar (in parallel
 * threads), sort, group by year and tag, and index for search.  A snapshot
 * is immutable once built, apart from the renderers' views of it (their
 * lazily rendered pages), which only the event loop thread touches.
 */
#ifndef BROADSIDE_ARCHIVE_BUILD_H
#define BROADSIDE_ARCHIVE_BUILD_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "archive_scan.h"
#include "mime.h"
#include "site.h"

#define BUILD_DEPTH_MAX		8		/* nested folders */
#define BUILD_READ_MAX		(1024 * 1024)	/* bytes of a statement read */
#define BUILD_SIDECAR_MAX	(64 * 1024)
#define BUILD_THREADS_MAX	4
#define BUILD_FEED_ENTRIES	50		/* summaries read for the feed */

struct stmt {
	const char	*rel;		/* under the archive: "2025/x.gmi" */
	const char	*diskpath;	/* under the root: "statements/2025/x.gmi" */
	const char	*url;		/* URL path, encoded */
	const char	*title;
	const char	*summary;	/* "" when none; kept for the feed's
					   statements and sidecar summaries */
	const char	*author;	/* NULL when none */
	const char	*lang;		/* NULL when none */
	const char	*tags;		/* "a,b" or "" (folded) */
	const char	*tag_labels;	/* "A,B" as written; NULL: as tags */
	char		 date[11];
	int		 is_txt;
	int		 valid;		/* read and indexed */
	int		 summary_read;	/* from the text, not a sidecar */
	time_t		 mtime;
	off_t		 size;
	/* What an incremental update compares with the files (a walk, no
	 * reads): the statement's inode, and its sidecar's size (-1: none),
	 * time and inode. */
	uint64_t	 ino;
	int64_t		 mtime_ns;	/* the nanoseconds of mtime */
	int64_t		 ini_size;
	int64_t		 ini_mtime;
	uint64_t	 ini_ino;
	uint32_t	 slot;		/* its document id in the search
					   segments (stable across updates) */
	/* A correction: its date ("" when none) and note (NULL). */
	char		 updated[11];
	const char	*correction;
	/*
	 * The editorial state from the sidecar, and what it makes of the
	 * statement at the build's moment (kind).  The meta image keeps
	 * published statements as records and the others as hidden
	 * entries (snapfile.h).
	 */
	int		 draft;
	long long	 publish;	/* Unix time; 0: none */
	char		 withdrawn[11];	/* "" when not */
	const char	*reason;	/* NULL when none */
	int		 kind;		/* STMT_* */
	/*
	 * Its attachments: the files of the folder named like it without
	 * its extension ("2025-06-09-slug/" beside "2025-06-09-slug.gmi"),
	 * as a list attach_next reads, NULL when none; and what an update
	 * compares with that folder (attach_sig), 0 when there is none.
	 */
	const char	*attachments;
	uint64_t	 att_sig;
	/*
	 * Its versions (lang.h), made anew by each build from the names of
	 * the published statements: "x.es.gmi" and "x.gmi" in one folder
	 * are versions of one statement.  A tagged one has its tag in
	 * tr_lang (NULL otherwise).  Lists show one version, the one in
	 * the site's language (else the original); the others are
	 * `translation`s.  The versions, the listed one first, are the run
	 * vfirst..vfirst+vn of the catalog's vers (doc ids) or of the
	 * image's (positions); vn 0: no other.
	 */
	const char	*tr_lang;
	int		 translation;
	uint32_t	 vfirst, vn;
};

/* Its language: a translation's tag, else its sidecar's (NULL: none,
 * the site's). */
#define stmt_lang(st)	((st)->tr_lang != NULL ? (st)->tr_lang : (st)->lang)

/*
 * Another version of a statement, as its readers are shown it: its
 * strings point into the snapshot.  At most STMT_VERSIONS_MAX of them
 * are shown.
 */
#define STMT_VERSIONS_MAX	32
struct stmt_version {
	const char	*rel;		/* under the archive */
	const char	*url;		/* URL path, encoded */
	const char	*lang;		/* its tag ("es"), never NULL */
	const char	*title;
};

/*
 * An attachment list: per file "NAME\x1fMIME\x1fSIZE" (SIZE in decimal
 * bytes), files apart by "\x1e", by name.  Regular files only, no
 * dotfiles, at most ATTACH_MAX; a name must be UTF-8 without control
 * characters.
 */
#define ATTACH_MAX	64
#define ATTACH_FS	'\x1f'
#define ATTACH_RS	'\x1e'

struct attachment {
	char		 name[SITE_NAME_MAX + 1];
	char		 mime[MIME_MAX];
	uint64_t	 size;
};

/*
 * The next attachment of the list at *p (advanced): 1, or 0 at its end.
 * A malformed entry (an image's bytes are not trusted) is skipped; a
 * name or type too long is cut.
 */
int	 attach_next(const char **p, struct attachment *);

/*
 * What the attachment folder `name` under dirfd holds, as an update
 * compares it: a hash of the folder's inode and each listed file's name,
 * size, time and inode, or 0 when there is no such folder.
 */
uint64_t attach_sig(int dirfd, const char *name);

enum {
	STMT_PUBLIC = 0,
	STMT_DRAFT,		/* draft = yes */
	STMT_SCHEDULED,		/* publish = a moment still to come */
	STMT_WITHDRAWN,		/* withdrawn = a date */
	STMT_KINDS
};

/*
 * What a statement is at Unix time now: a draft first, then scheduled
 * (a withdrawal of a statement not yet out is not told), then withdrawn.
 */
int	 stmt_kind(const struct stmt *, long long now);

struct group {
	char		 key[SCAN_TAG_MAX + 1];	/* "2025" or a tag, folded */
	char		 label[SCAN_TAG_LABEL_MAX + 1];	/* the key as written */
	char		*url;		/* "/statements/2025/" */
	size_t		*idx;		/* statements, newest first */
	size_t		 n;
};

struct chunk;

struct catalog {
	struct stmt		*st;		/* by doc id */
	size_t			 nst;
	size_t			*order;		/* published ones, newest
						   first */
	size_t			 n;
	size_t			*listed;	/* of them, those a list
						   shows: not translations */
	size_t			 nlisted;
	size_t			*vers;		/* the runs of versions */
	size_t			 nvers;
	size_t			*by_rel;	/* published ones, by rel */
	size_t			*hidden;	/* valid, not published, by
						   rel */
	size_t			 nhidden;
	long long		 now;		/* the moment of the build */
	long long		 next_publish;	/* the earliest scheduled
						   moment, or 0 */
	struct group		*years;		/* newest first */
	size_t			 nyears;
	struct group		*tags;		/* by name */
	size_t			 ntags;
	struct search_index	*search;
	void			*view[2];	/* the renderers' (archive.h) */
	void			(*view_free[2])(void *);
	uint32_t		 nslots;	/* search document ids in use */
	size_t			 reused;	/* taken from build_conf.prev */
	uint64_t		 sig;		/* of names, sizes, times */
	uint64_t		 versions_sig;	/* of the versions lists do
						   not show (the site's
						   language picks them) */
	int			 unchanged;	/* sig equal, not forced */
	double			 build_ms;
	size_t			 errors;	/* files and lines reported */
	struct chunk		*arena;
};

struct build_conf {
	int		 rootfd;
	const char	*archive;	/* folder under the root */
	const char	*root;		/* absolute root path, for inotify */
	int		 watchfd;	/* inotify fd or -1 */
	int		 force;		/* build even when the sig is the same */
	int		 have_prev;
	uint64_t	 prev_sig;
	int		 threads;	/* 0: one per core, at most 4 */
	int		 quiet;		/* no log lines (bench) */
	long long	 now;		/* Unix time; 0: the clock's */
	const char	*site_lang;	/* [server] lang: which version of a
					   statement lists show; may be NULL */
	/*
	 * An update: the statements of `prev` whose files (and sidecars)
	 * have the same name, size, time and inode, and whose kind the
	 * moment did not change (a scheduled one due), are taken from it,
	 * not read, when their slot is below reuse_below; the others are read
	 * and indexed (catalog.search holds only them, not finished: it
	 * is merged into the indexer's delta) under new slots from
	 * next_slot.  NULL: a full build, slots from 0, its index finished.
	 */
	const struct catalog	*prev;
	uint32_t	 reuse_below;
	uint32_t	 next_slot;
};

/* NULL on a fatal error (memory); missing folder = empty snapshot. */
struct catalog *catalog_build(const struct build_conf *);
void	 catalog_free(struct catalog *);

/*
 * A catalogue of records read back (the index on disk, at a restart),
 * newest first, their strings copied: what the next update compares the
 * files with.  It has no groups and no search index.  NULL: memory.
 */
struct catalog *catalog_from_records(const struct stmt *, size_t n,
	    uint64_t sig, uint32_t nslots);

/*
 * Opens a statement or sidecar to read it: never blocking (a fifo in its
 * place would hang the caller) and only a regular file (else -1, errno
 * BUILD_NOT_REGULAR).  sb, when not NULL, gets its fstat.
 */
#define BUILD_NOT_REGULAR	(-1)

/*
 * The archive folder as configured ([server] archive, default
 * "statements"): one name under the root, leading '/' dropped, at most
 * BUILD_FOLDER_MAX bytes; NULL (logged) otherwise.
 */
#define BUILD_FOLDER_MAX	200
const char *build_archive_folder(const char *configured);
struct stat;
int	 build_open_regular(int dirfd, const char *path, struct stat *sb);

#endif
