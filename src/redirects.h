/* SPDX-License-Identifier: ISC */
/*
 * broadside: the archive's moves, the file `.redirects` in the archive
 * folder (a dotfile: never served).  Pure: a buffer in, a table out, with
 * every bad line as line + message; lookups and loop detection on the
 * table.  No I/O, no logging, no globals: `broadside check` and the
 * server read it the same way.
 */
#ifndef BROADSIDE_REDIRECTS_H
#define BROADSIDE_REDIRECTS_H

#include <stddef.h>

#define REDIRECTS_FILE		".redirects"
#define REDIRECTS_MAX		65536	/* entries; the rest are errors */
#define REDIRECTS_LINE_MAX	4096	/* bytes, without the newline */
#define REDIRECTS_PATH_MAX	1024	/* bytes of OLD or NEW */
#define REDIRECTS_HOPS_MAX	8	/* redirects followed in a row */
#define REDIRECTS_ERRORS_MAX	32	/* errors kept (all counted) */
#define REDIRECTS_ERRMSG_MAX	160

struct redirect {
	char	*from;		/* OLD, relative to the archive folder */
	char	*to;		/* NEW, the same */
	int	 line;
	int	 bad;		/* in a loop, or too many hops: never followed */
};

struct redirects_error {
	int	 line;
	char	 msg[REDIRECTS_ERRMSG_MAX];
};

struct redirects {
	struct redirect		*r;		/* sorted by from, unique */
	size_t			 n;
	size_t			 nerrors;	/* all errors, kept or not */
	struct redirects_error	 errors[REDIRECTS_ERRORS_MAX];
};

/*
 * file    = *( line LF ) [ line ]
 * line    = *blank [ ( "#" *any ) / ( path 1*blank path *blank
 *           [ "#" *any ] ) ] [ CR ]
 * path    = segment *( "/" segment ) [ "/" ]
 * segment = 1*( any byte but NUL, controls, blank, "/" ), not starting
 *           with "." (no dotfiles, no "." or ".."), valid UTF-8
 *
 * Paths are file names as on disk, relative to the archive folder (no
 * leading "/", no percent-decoding).  Every bad line (syntax, a bad path,
 * over REDIRECTS_LINE_MAX bytes, an OLD given twice, over
 * REDIRECTS_MAX entries) is recorded and skipped; so is every entry in a
 * loop or starting a chain of more than REDIRECTS_HOPS_MAX redirects
 * (kept, marked bad).  0, or -1 when memory ran out (*rd then empty).
 * Free with redirects_free() in either case.
 */
int	 redirects_parse(const char *buf, size_t len, struct redirects *rd);
void	 redirects_free(struct redirects *);

/* 1 if s is a path of the grammar above. */
int	 redirects_path_ok(const char *s, size_t len);

/* The entry whose OLD is path, or NULL. */
const struct redirect *redirects_lookup(const struct redirects *,
	    const char *path);

enum redirects_result {
	REDIRECTS_NONE = 0,	/* path is not redirected */
	REDIRECTS_FOUND,	/* *to: the end of the chain */
	REDIRECTS_BAD,		/* a loop or too long a chain */
};

/*
 * Follow path through the table to a path that is not redirected (*to,
 * pointing into the table) after *hops (may be NULL) redirects.
 */
enum redirects_result redirects_resolve(const struct redirects *,
	    const char *path, const char **to, int *hops);

#endif
