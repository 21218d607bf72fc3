/* SPDX-License-Identifier: ISC */
/*
 * broadside: the files of the index under the state directory.  Each is a
 * 64-byte header (magic, format version, kind, payload length and
 * checksum, the archive signature it was made from) and a payload that a
 * module wrote through a sink (snapfile.c, search_flat.c).  A file is
 * written under a temporary name, then renamed: a reader sees a whole
 * file or none.  One torn by a crash, or damaged, fails its checksum and
 * is rebuilt, never read.
 */
#ifndef BROADSIDE_IMGFILE_H
#define BROADSIDE_IMGFILE_H

#include <stddef.h>
#include <stdint.h>

#define IMG_META	1	/* the catalogue: snapfile.c */
#define IMG_SEARCH	2	/* a search segment: search_flat.c */
#define IMG_MOVES	3	/* the archive's moves: redirects_image.c */
#define IMG_NAME_MAX	64

struct img_writer {
	int		 dirfd, fd;
	char		 name[IMG_NAME_MAX], tmp[IMG_NAME_MAX + 8];
	uint32_t	 kind;
	uint64_t	 sig, len;
	uint64_t	 lane[4];	/* the running checksum */
	unsigned char	*buf;	/* payload not yet written */
	size_t		 used;
	int		 failed;
};

/* Start `name` in dirfd.  0, or -1 (logged). */
int	 img_create(struct img_writer *, int dirfd, const char *name,
	    uint32_t kind, uint64_t sig);
/* A sink (search_sink_fn): appends to the payload.  0 or -1. */
int	 img_sink(void *writer, const void *, size_t);
/* Header, rename into place.  0, or -1 (logged, nothing left). */
int	 img_commit(struct img_writer *);
void	 img_abort(struct img_writer *);

struct img_map {
	void		*base;		/* the mapping, NULL when none */
	size_t		 maplen;
	const void	*payload;	/* 8-byte aligned */
	size_t		 len;
	uint64_t	 sig;
};

/*
 * Map an open image file read-only and check its header (and, with
 * `verify`, its checksum: a read of every byte).  0, or -1 with errstr.
 */
int	 img_map_fd(int fd, uint32_t kind, int verify, struct img_map *,
	    const char **errstr);
void	 img_unmap(struct img_map *);

#endif
