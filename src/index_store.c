/* SPDX-License-Identifier: ISC */
/*
 * broadside: the index in the state directory (see index_store.h).
 *
 * The manifest is a few text lines:
 *
 *	broadside-index 1
 *	generation 12
 *	base search-10 98304
 *	meta meta-12
 *	delta delta-12
 *
 * Anything else in it, a name that is not ours, a missing file, a file
 * of the wrong kind, length or checksum: the index is unusable and the
 * indexer builds it again.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive_build.h"
#include "index_store.h"
#include "log.h"
#include "moves.h"
#include "search_flat.h"
#include "snapfile.h"

#define MANIFEST	"current"
#define MANIFEST_TMP	"current.tmp"
#define MANIFEST_MAX	1024
#define MANIFEST_HEAD	"broadside-index 1\n"

void
store_init(struct index_files *f)
{
	memset(f, 0, sizeof(*f));
	f->meta_fd = f->base_fd = f->delta_fd = f->moves_fd = -1;
}

static void
close_fd(int *fd)
{
	if (*fd != -1)
		close(*fd);
	*fd = -1;
}

void
store_close(struct index_files *f)
{
	close_fd(&f->meta_fd);
	close_fd(&f->base_fd);
	close_fd(&f->delta_fd);
	close_fd(&f->moves_fd);
}

/* Our own names only: "meta-12", never a path. */
static int
name_ok(const char *s)
{
	size_t	 i;

	if (*s == '\0' || strlen(s) >= IMG_NAME_MAX)
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' &&
		    s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

static int
read_small(int dirfd, const char *name, char *buf, size_t max)
{
	ssize_t	 n;
	int	 fd;

	if ((fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK)) == -1)
		return -1;
	n = read(fd, buf, max - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

static int
manifest_parse(char *buf, struct index_files *f)
{
	char		*line, *next, a[IMG_NAME_MAX], b[IMG_NAME_MAX];
	unsigned long	 slots;
	int		 have = 0;

	if (strncmp(buf, MANIFEST_HEAD, strlen(MANIFEST_HEAD)) != 0)
		return -1;
	for (line = buf + strlen(MANIFEST_HEAD); *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) == NULL)
			return -1;	/* torn */
		*next++ = '\0';
		if (sscanf(line, "generation %" SCNu64, &f->gen) == 1)
			have |= 1;
		else if (sscanf(line, "base %63s %lu", a, &slots) == 2 &&
		    name_ok(a) && slots <= UINT32_MAX) {
			snprintf(f->base, sizeof(f->base), "%s", a);
			f->base_slots = (uint32_t)slots;
			have |= 2;
		} else if (sscanf(line, "meta %63s", b) == 1 && name_ok(b)) {
			snprintf(f->meta, sizeof(f->meta), "%s", b);
			have |= 4;
		} else if (sscanf(line, "delta %63s", b) == 1 && name_ok(b))
			snprintf(f->delta, sizeof(f->delta), "%s", b);
		else if (sscanf(line, "moves %63s", b) == 1 && name_ok(b))
			snprintf(f->moves, sizeof(f->moves), "%s", b);
		else
			return -1;
	}
	return have == 7 ? 0 : -1;
}

/* Open an image and check its every byte. */
static int
open_checked(int dirfd, const char *name, uint32_t kind, int *fdp,
    const char **why)
{
	struct img_map	 m;

	*fdp = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK);
	if (*fdp == -1) {
		*why = "a file of the index is missing";
		return -1;
	}
	if (img_map_fd(*fdp, kind, 1, &m, why) == -1)
		return -1;
	img_unmap(&m);
	return 0;
}

int
store_load(int dirfd, struct index_files *f, const char **why)
{
	char	 buf[MANIFEST_MAX];

	store_init(f);
	if (read_small(dirfd, MANIFEST, buf, sizeof(buf)) == -1) {
		*why = "no index yet";
		return errno == ENOENT ? 1 : -1;
	}
	if (manifest_parse(buf, f) == -1) {
		*why = "the index's manifest is damaged";
		return -1;
	}
	if (open_checked(dirfd, f->meta, IMG_META, &f->meta_fd, why) == -1 ||
	    open_checked(dirfd, f->base, IMG_SEARCH, &f->base_fd, why) == -1 ||
	    (*f->delta && open_checked(dirfd, f->delta, IMG_SEARCH,
	    &f->delta_fd, why) == -1) ||
	    (*f->moves && open_checked(dirfd, f->moves, IMG_MOVES,
	    &f->moves_fd, why) == -1)) {
		store_close(f);
		return -1;
	}
	return 0;
}

int
store_write_meta(int dirfd, const char *name, const struct catalog *c)
{
	struct img_writer	 w;

	if (img_create(&w, dirfd, name, IMG_META, c->sig) == -1)
		return -1;
	if (snapfile_write(c, img_sink, &w) == -1) {
		log_warnx("index: cannot write %s", name);
		img_abort(&w);
		return -1;
	}
	return img_commit(&w);
}

int
store_write_search(int dirfd, const char *name, const struct search_index *ix,
    uint64_t sig)
{
	struct img_writer	 w;

	if (img_create(&w, dirfd, name, IMG_SEARCH, sig) == -1)
		return -1;
	if (search_write(ix, img_sink, &w) == -1) {
		log_warnx("index: cannot write %s", name);
		img_abort(&w);
		return -1;
	}
	return img_commit(&w);
}

int
store_write_moves(int dirfd, const char *name, const struct moves *m,
    const struct catalog *c, const char *archive, int report)
{
	struct img_writer	 w;

	/* Its header's signature: the hash of the .redirects it was made of
	 * (a restart then knows whether the file changed meanwhile). */
	if (img_create(&w, dirfd, name, IMG_MOVES, m->hash) == -1)
		return -1;
	if (moves_write(m, c, archive, report, img_sink, &w) == -1) {
		log_warnx("index: cannot write %s", name);
		img_abort(&w);
		return -1;
	}
	return img_commit(&w);
}

static int
write_manifest(int dirfd, const struct index_files *f)
{
	char	 buf[MANIFEST_MAX];
	int	 fd, n;

	n = snprintf(buf, sizeof(buf), MANIFEST_HEAD "generation %" PRIu64
	    "\nbase %s %" PRIu32 "\nmeta %s\n%s%s%s%s%s%s", f->gen, f->base,
	    f->base_slots, f->meta, *f->delta ? "delta " : "", f->delta,
	    *f->delta ? "\n" : "", *f->moves ? "moves " : "", f->moves,
	    *f->moves ? "\n" : "");
	if (n < 0 || n >= (int)sizeof(buf))
		return -1;
	(void)unlinkat(dirfd, MANIFEST_TMP, 0);
	if ((fd = openat(dirfd, MANIFEST_TMP, O_WRONLY | O_CREAT | O_EXCL |
	    O_CLOEXEC | O_NOFOLLOW, 0644)) == -1)
		return -1;
	if (write(fd, buf, (size_t)n) != n) {
		close(fd);
		(void)unlinkat(dirfd, MANIFEST_TMP, 0);
		return -1;
	}
	close(fd);
	/* Not synced either: a manifest torn by a crash fails to parse, or
	 * names files whose checksums fail, and the index is rebuilt. */
	return renameat(dirfd, MANIFEST_TMP, dirfd, MANIFEST) == -1 ? -1 : 0;
}

static int
open_ro(int dirfd, const char *name, int *fdp)
{
	if (*name == '\0')
		return 0;
	*fdp = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	return *fdp == -1 ? -1 : 0;
}

static void
remove_unused(int dirfd, const char *name, const struct index_files *next)
{
	if (*name == '\0' || strcmp(name, next->meta) == 0 ||
	    strcmp(name, next->base) == 0 || strcmp(name, next->delta) == 0 ||
	    strcmp(name, next->moves) == 0)
		return;
	if (unlinkat(dirfd, name, 0) == -1 && errno != ENOENT)
		log_warn("index: removing %s", name);
}

int
store_commit(int dirfd, struct index_files *next,
    const struct index_files *prev)
{
	if (open_ro(dirfd, next->meta, &next->meta_fd) == -1 ||
	    open_ro(dirfd, next->base, &next->base_fd) == -1 ||
	    open_ro(dirfd, next->delta, &next->delta_fd) == -1 ||
	    open_ro(dirfd, next->moves, &next->moves_fd) == -1 ||
	    write_manifest(dirfd, next) == -1) {
		log_warn("index: generation %" PRIu64, next->gen);
		store_close(next);
		return -1;
	}
	/* Workers keep what they mapped: the names can go at once. */
	if (prev != NULL) {
		remove_unused(dirfd, prev->meta, next);
		remove_unused(dirfd, prev->base, next);
		remove_unused(dirfd, prev->delta, next);
		remove_unused(dirfd, prev->moves, next);
	}
	return 0;
}

/* One of our image names, or its temporary: "meta-12", "delta-3.tmp". */
static int
is_ours(const char *s)
{
	static const char *const kinds[] = { "meta-", "search-", "delta-",
	    "moves-" };
	size_t	 i, k;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		k = strlen(kinds[i]);
		if (strncmp(s, kinds[i], k) != 0 || s[k] < '0' || s[k] > '9')
			continue;
		for (s += k; *s >= '0' && *s <= '9'; s++)
			;
		return *s == '\0' || strcmp(s, ".tmp") == 0;
	}
	return 0;
}

void
store_sweep(int dirfd, const struct index_files *keep)
{
	struct dirent	*de;
	DIR		*d;
	int		 fd;

	if ((fd = dup(dirfd)) == -1)
		return;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL)
		if (is_ours(de->d_name))
			remove_unused(dirfd, de->d_name, keep);
	closedir(d);
}
