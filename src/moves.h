/* SPDX-License-Identifier: ISC */
/*
 * broadside: the archive's moves as the indexer reads them: the file
 * `.redirects` of the archive folder (redirects.c parses it), its errors
 * logged with file:line, every target checked against a catalogue (a
 * redirect to no published statement is reported, not followed), and
 * the image of what is to be followed (redirects_image.h).
 */
#ifndef BROADSIDE_MOVES_H
#define BROADSIDE_MOVES_H

#include <stddef.h>
#include <stdint.h>

#include "redirects.h"
#include "redirects_image.h"

#define MOVES_FILE_MAX	(4 * 1024 * 1024)

struct catalog;

struct moves {
	struct redirects	 rd;
	uint64_t		 hash;		/* of the file's bytes */
	int			 present;
	int			 changed;	/* since the last moves_read */
};

/*
 * Read the file (under rootfd, in the archive folder) again; when its
 * bytes changed, parse it and log its errors.  0, or -1 on a memory
 * failure (the last table kept).
 */
int	 moves_read(struct moves *, int rootfd, const char *archive);
/*
 * The image of the moves to follow, over catalogue c's published
 * statements (with `report`, log the redirects that lead nowhere).
 * 0 or -1.
 */
int	 moves_write(const struct moves *, const struct catalog *,
	    const char *archive, int report, rdimg_sink_fn, void *arg);
void	 moves_free(struct moves *);

#endif
