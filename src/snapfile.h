/* SPDX-License-Identifier: ISC */
/*
 * broadside: the catalog's meta image and the snapshot that reads it in
 * place.  The indexer writes a catalog (archive_build.h) as one flat,
 * position-independent image (little-endian, fixed width, sections
 * 8-byte aligned): the statements as fixed-size records in archive
 * order (newest first), their strings in one pool, the positions sorted
 * by path, the years and tags with their members, and the rank table of
 * the search segments (slot -> position).  Every worker maps the image
 * and its search segments (search_flat.h) read-only and serves from
 * them: a statement is decoded when asked for, never copied out as a
 * whole, so a worker's private memory does not grow with the archive.
 *
 * snapshot_open checks the images once (their sections, and every
 * string offset and position in them); afterwards no accessor reads out
 * of their bounds, whatever their bytes.
 */
#ifndef BROADSIDE_SNAPFILE_H
#define BROADSIDE_SNAPFILE_H

#include <stddef.h>
#include <stdint.h>

#include "search_flat.h"

struct catalog;
struct stmt;

#define SNAPFILE_VERSION	4	/* 3: attachments, 4: versions */
#define SNAPSHOT_SEGS_MAX	2	/* search segments: a base, a delta */
#define SNAPSHOT_VIEWS		2	/* renderers' slots (archive.h) */

/*
 * Stream the meta image of a catalog to sink: its valid statements (with
 * their identity fields and slots as they are), groups, rank table over
 * max(nslots, highest slot + 1) slots, sig, n and errors, and a hidden
 * entry for each statement that is not published (kind, withdrawal date
 * and reason, scheduled moment: no record, no text); not the search
 * index (search_write).  0, or -1 (memory, an image over 4 GiB of
 * strings, or the sink failed).
 */
int	 snapfile_write(const struct catalog *, search_sink_fn, void *arg);

/* What a snapshot reads: images in memory, 8-byte aligned. */
struct snapshot_src {
	const void	*meta;
	size_t		 meta_len;
	const void	*seg[SNAPSHOT_SEGS_MAX];	/* search images */
	size_t		 seg_len[SNAPSHOT_SEGS_MAX];
	size_t		 nseg;
	void		(*release)(void *arg);	/* at close; may be NULL */
	void		*arg;
};

/* A year or a tag. */
struct snapshot_group {
	const char	*key;		/* "2025" or a tag, folded */
	const char	*label;		/* the key as written */
	const char	*url;		/* "/statements/2025/" */
	const uint32_t	*idx;		/* positions (each < n), newest first */
	size_t		 n;
};

/*
 * Renderers read n, the groups and their counts; the rest is the
 * reader's.  Positions are places in the archive, 0 the newest.
 */
struct snapshot {
	size_t			 n;		/* statements */
	struct snapshot_group	*years;		/* newest first */
	size_t			 nyears;
	struct snapshot_group	*tags;		/* by key */
	size_t			 ntags;
	uint64_t		 sig;
	size_t			 errors;

	const uint32_t		*rank;		/* slot -> position */
	size_t			 nslots;
	const uint32_t		*by_rel;	/* positions, by rel */
	const uint32_t		*listed;	/* positions lists show,
						   newest first */
	size_t			 nlisted;
	const uint32_t		*vers;		/* runs of versions */
	size_t			 nvers;
	const uint8_t		*recs;		/* n records */
	const uint8_t		*hid;		/* nhidden entries, by rel */
	size_t			 nhidden;
	const char		*pool;		/* ends with a NUL */
	size_t			 pool_len;
	struct search_seg	 seg[SNAPSHOT_SEGS_MAX];
	size_t			 nseg;
	void			*view[SNAPSHOT_VIEWS];
	void			(*view_free[SNAPSHOT_VIEWS])(void *);
	uint32_t		*own;		/* host-order copies (big-endian
						   hosts only) */
	struct snapshot_src	 src;
};

/*
 * A snapshot over images: NULL with *errstr when one is malformed (its
 * release is not called then: the caller still owns src).  On success
 * the snapshot owns src and calls its release at close.
 */
struct snapshot *snapshot_open(const struct snapshot_src *,
		    const char **errstr);
/* Frees the renderers' views, then releases the images. */
void		 snapshot_close(struct snapshot *);

/*
 * A catalog's images built in memory, and a snapshot over them (which
 * frees them at close); the catalog stays the caller's.  NULL on a
 * memory failure.
 */
struct snapshot *snapshot_from_catalog(struct catalog *);

/*
 * The statement at position pos decoded into *tmp, its strings pointing
 * into the image (rel, diskpath, url, title, summary and tags never
 * NULL; author, lang, tag_labels, correction, attachments and tr_lang
 * NULL when none; updated "" when not corrected); tmp, or NULL when pos is out of
 * range.
 */
const struct stmt *snapshot_stmt(const struct snapshot *, size_t pos,
		    struct stmt *tmp);
/* The date of position pos ("YYYY-MM-DD") in the image, which a
 * renderer may keep while the snapshot lives; "" out of range. */
const char	*snapshot_date(const struct snapshot *, size_t pos);
/* The same for its correction's date, "" when not corrected. */
const char	*snapshot_updated(const struct snapshot *, size_t pos);
/*
 * The versions of a statement snapshot_stmt or _find decoded, the
 * original first, itself among them: positions, *n of them; NULL and 0
 * when it has no other.
 */
const uint32_t	*snapshot_versions(const struct snapshot *,
		    const struct stmt *, size_t *n);
/* A statement by its path under the archive ("2024/x.gmi"), or NULL. */
const struct stmt *snapshot_find(const struct snapshot *, const char *rel,
		    struct stmt *tmp);
/* A statement that is not published: what its URL answers. */
struct snapshot_hidden {
	const char	*rel;
	int		 kind;		/* STMT_DRAFT, _SCHEDULED, _WITHDRAWN
					   (archive_build.h) */
	const char	*date;		/* withdrawn: "YYYY-MM-DD", else "" */
	const char	*reason;	/* withdrawn: NULL when none */
	long long	 when;		/* scheduled: the moment (Unix time) */
};

/* The hidden entry at rel ("2024/x.gmi"), decoded into *tmp; NULL when
 * rel is published or unknown.  _at: the i-th, by rel. */
const struct snapshot_hidden *snapshot_hidden(const struct snapshot *,
		    const char *rel, struct snapshot_hidden *tmp);
const struct snapshot_hidden *snapshot_hidden_at(const struct snapshot *,
		    size_t i, struct snapshot_hidden *tmp);

/* A year ("2024") or a tag, or NULL. */
const struct snapshot_group *snapshot_group(const struct snapshot *,
		    int is_tag, const char *key, size_t keylen);
uint64_t	 snapshot_sig(const struct snapshot *);

/*
 * Slots where a renderer keeps what it made of a snapshot (its pages),
 * freed with the snapshot.  Each renderer owns one slot number.
 */
void	*snapshot_view(const struct snapshot *, int slot);
void	 snapshot_set_view(struct snapshot *, int slot, void *view,
	    void (*view_free)(void *));

#endif
