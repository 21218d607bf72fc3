/* SPDX-License-Identifier: ISC */
/*
 * broadside: the content root.  Every open of content, the file tree's and
 * the archive's, goes through site_openat() and the root directory
 * descriptor: on Linux openat2(RESOLVE_BENEATH) lets symbolic links resolve
 * only while they stay under it, elsewhere each component is opened with
 * O_NOFOLLOW so no link is followed at all.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef __linux__
#include <sys/syscall.h>
#if __has_include(<linux/openat2.h>)
#include <linux/openat2.h>	/* Linux 5.6: struct open_how, RESOLVE_* */
#endif
#endif

#include "site.h"

#define SITE_PATH_MAX	4096
#define OPEN_FLAGS	(O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
#define DIR_FLAGS	(O_RDONLY | O_CLOEXEC | O_DIRECTORY | O_NOFOLLOW)

static int	 open_beneath(int, const char *, int);
static int	 open_walk(int, const char *, int);
static enum site_result	 classify(const char *, struct site_entry *);

int
site_path_ok(const char *path)
{
	const char	*p = path;

	if (*p != '/')
		return 0;
	while (*p != '\0') {
		while (*p == '/')
			p++;
		if (*p == '.')
			return 0;	/* dotfile, ".", ".." */
		while (*p != '\0' && *p != '/') {
			if (*p == '\\')
				return 0;
			p++;
		}
	}
	return 1;
}

/*
 * An open that would leave the root races no rename: the kernel resolves
 * the whole path beneath rootfd (RESOLVE_BENEATH), and a symbolic link in
 * any component is followed only while it stays beneath.  A concurrent
 * rename can make the kernel unsure a ".." stayed beneath (EAGAIN): try
 * again a few times, then give up.
 */
#if defined(__linux__) && defined(SYS_openat2) && defined(RESOLVE_BENEATH)
#define SITE_BENEATH_TRIES	3

static int
open_beneath(int rootfd, const char *rel, int flags)
{
	static int	 unsupported;	/* old kernel, valgrind, a filter */
	struct open_how	 how;
	int		 fd, i;

	if (unsupported)
		return open_walk(rootfd, rel, flags);
	memset(&how, 0, sizeof(how));
	how.flags = (unsigned long long)flags;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
	for (i = 0; i < SITE_BENEATH_TRIES; i++) {
		fd = (int)syscall(SYS_openat2, rootfd, rel, &how,
		    sizeof(how));
		if (fd != -1 || errno != EAGAIN)
			break;
	}
	if (fd == -1 && (errno == ENOSYS || errno == EPERM)) {
		unsupported = 1;
		return open_walk(rootfd, rel, flags);
	}
	return fd;
}
#else
static int
open_beneath(int rootfd, const char *rel, int flags)
{
	return open_walk(rootfd, rel, flags);
}
#endif

/*
 * Component by component, never following a symbolic link: each folder
 * is opened with O_NOFOLLOW | O_DIRECTORY under the one before, so a
 * folder swapped for a link meanwhile is refused (ELOOP), not followed.
 */
static int
open_walk(int rootfd, const char *rel, int flags)
{
	char	 comp[SITE_NAME_MAX + 1];
	int	 dirfd, fd, last;
	size_t	 n;

	if (strcmp(rel, ".") == 0)
		return openat(rootfd, ".", flags);
	if ((dirfd = openat(rootfd, ".", DIR_FLAGS)) == -1)
		return -1;
	for (;;) {
		n = strcspn(rel, "/");
		if (n > SITE_NAME_MAX) {
			close(dirfd);
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(comp, rel, n);
		comp[n] = '\0';
		rel += n;
		while (*rel == '/')
			rel++;
		last = *rel == '\0';
		if (strcmp(comp, "..") == 0 || strcmp(comp, ".") == 0) {
			close(dirfd);
			errno = EXDEV;	/* as openat2 would say for ".." */
			return -1;
		}
		fd = openat(dirfd, comp, last ? flags | O_NOFOLLOW : DIR_FLAGS);
		close(dirfd);
		if (fd == -1 || last)
			return fd;
		dirfd = fd;
	}
}

int
site_openat(int rootfd, const char *rel, int flags)
{
	while (*rel == '/')
		rel++;
	if (*rel == '\0')
		rel = ".";
	return open_beneath(rootfd, rel, flags | O_CLOEXEC | O_NOCTTY);
}

static enum site_result
classify(const char *path, struct site_entry *e)
{
	size_t	 len = strlen(path);

	if (fstat(e->fd, &e->st) == -1)
		goto error;
	if (S_ISDIR(e->st.st_mode)) {
		if (len > 0 && path[len - 1] != '/') {
			close(e->fd);
			e->fd = -1;
			return SITE_NEED_SLASH;
		}
		return SITE_DIR;
	}
	if (S_ISREG(e->st.st_mode))
		return SITE_FILE;
	close(e->fd);
	e->fd = -1;
	return SITE_NOT_FOUND;	/* fifos, devices, sockets */
error:
	close(e->fd);
	e->fd = -1;
	return SITE_ERROR;
}

enum site_result
site_open(int rootfd, const char *path, struct site_entry *e)
{
	e->fd = -1;
	if (!site_path_ok(path) || strlen(path) >= SITE_PATH_MAX)
		return SITE_NOT_FOUND;
	if ((e->fd = site_openat(rootfd, path, OPEN_FLAGS)) == -1) {
		switch (errno) {
		case EACCES:
		case EIO:
		case EMFILE:
		case ENFILE:
		case ENOMEM:
			return SITE_ERROR;
		default:	/* ENOENT, ENOTDIR, ELOOP, EXDEV ... */
			return SITE_NOT_FOUND;
		}
	}
	return classify(path, e);
}

int
site_open_in(int dirfd, const char *name, struct site_entry *e)
{
	e->fd = site_openat(dirfd, name, OPEN_FLAGS | O_NOFOLLOW);
	if (e->fd == -1)
		return -1;
	if (fstat(e->fd, &e->st) == -1 || !S_ISREG(e->st.st_mode)) {
		close(e->fd);
		e->fd = -1;
		return -1;
	}
	return 0;
}

static int
dirent_cmp(const void *a, const void *b)
{
	const struct site_dirent *x = a, *y = b;

	return strcmp(x->name, y->name);
}

int
site_list_dir(int dirfd, struct site_dirent **out, size_t *n)
{
	struct site_dirent	*ents = NULL, *tmp;
	struct dirent		*de;
	struct stat		 st;
	size_t			 len = 0, cap = 0;
	DIR			*dir;
	int			 fd;

	*out = NULL;
	*n = 0;
	if ((fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	if ((dir = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	while ((de = readdir(dir)) != NULL && len < SITE_DIR_MAX) {
		if (de->d_name[0] == '.' || strlen(de->d_name) > SITE_NAME_MAX)
			continue;
		if (fstatat(dirfd, de->d_name, &st, 0) == -1)
			continue;
		if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
			continue;
		if (len == cap) {
			cap = cap ? cap * 2 : 32;
			if ((tmp = reallocarray(ents, cap, sizeof(*ents))) == NULL)
				goto fail;
			ents = tmp;
		}
		memset(&ents[len], 0, sizeof(ents[len]));
		memcpy(ents[len].name, de->d_name, strlen(de->d_name) + 1);
		ents[len].is_dir = S_ISDIR(st.st_mode);
		ents[len].size = st.st_size;
		ents[len].mtime = st.st_mtime;
		len++;
	}
	closedir(dir);
	if (len > 0)
		qsort(ents, len, sizeof(*ents), dirent_cmp);
	*out = ents;
	*n = len;
	return 0;
fail:
	closedir(dir);
	free(ents);
	return -1;
}

long
site_dir_page(const char *path, char *dir, size_t dirsz)
{
	static const char	 mark[] = "/.page/";
	const char		*p, *num;
	size_t			 len = strlen(path), dlen;
	long			 n = 0;

	if (len > 0 && path[len - 1] == '/')
		len--;
	/* The number is the last component, ".page" the one before. */
	for (num = path + len; num > path && num[-1] != '/'; num--)
		;
	if ((size_t)(num - path) < sizeof(mark) - 1 ||
	    strncmp(num - (sizeof(mark) - 1), mark, sizeof(mark) - 1) != 0)
		return 0;
	if (num == path + len)
		return -1;
	for (p = num; p < path + len; p++) {
		if (*p < '0' || *p > '9' || n > SITE_PAGE_MAX)
			return -1;
		n = n * 10 + (*p - '0');
	}
	if (n < 1 || n > SITE_PAGE_MAX)
		return -1;
	dlen = (size_t)(num - path) - (sizeof(mark) - 2);	/* keep '/' */
	if (dlen + 1 > dirsz)
		return -1;
	memcpy(dir, path, dlen);
	dir[dlen] = '\0';
	return n;
}
