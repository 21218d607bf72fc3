/* SPDX-License-Identifier: ISC */
/*
 * broadside: the index in the state directory.  A generation is three
 * image files (imgfile.h): the catalogue ("meta-N"), the search base
 * ("search-M", written by the last full build, shared by the generations
 * after it), the delta of the statements read since ("delta-N") and the
 * archive's moves ("moves-N", when it has a .redirects), named
 * by a manifest ("current") that is replaced whole.  Only the indexer
 * writes here; workers get the files' descriptors, never the path.
 */
#ifndef BROADSIDE_INDEX_STORE_H
#define BROADSIDE_INDEX_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "imgfile.h"

struct catalog;
struct search_index;

struct index_files {
	uint64_t	 gen;
	uint32_t	 base_slots;	/* the slots the base covers */
	char		 meta[IMG_NAME_MAX];
	char		 base[IMG_NAME_MAX];
	char		 delta[IMG_NAME_MAX];	/* "" when none */
	char		 moves[IMG_NAME_MAX];	/* "" when none */
	int		 meta_fd, base_fd, delta_fd, moves_fd;	/* or -1 */
};

void	 store_init(struct index_files *);
void	 store_close(struct index_files *);

/*
 * The generation the manifest names, its files opened and their
 * checksums checked.  0; 1 when there is no index (a first start); -1
 * when it is unusable, with why.
 */
int	 store_load(int statefd, struct index_files *, const char **why);

/* Write one image file (a catalogue, or a search index).  0 or -1. */
int	 store_write_meta(int statefd, const char *name,
	    const struct catalog *);
int	 store_write_search(int statefd, const char *name,
	    const struct search_index *, uint64_t sig);
struct moves;
int	 store_write_moves(int statefd, const char *name, const struct moves *,
	    const struct catalog *, const char *archive, int report);

/*
 * Open next's files, make next the manifest's generation, and
 * remove the files of prev that next does not use.  0, or -1 (logged,
 * the manifest unchanged).
 */
int	 store_commit(int statefd, struct index_files *next,
	    const struct index_files *prev);

/* Remove the image files a crash left that `keep` does not name. */
void	 store_sweep(int statefd, const struct index_files *keep);

#endif
