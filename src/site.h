/* SPDX-License-Identifier: ISC */
/*
 * broadside: the content root.  Resolves a normalised request path to an
 * open file or directory under the root directory descriptor, never outside
 * it, and lists directories.  No protocol detail lives here.
 */
#ifndef BROADSIDE_SITE_H
#define BROADSIDE_SITE_H

#include <sys/types.h>
#include <sys/stat.h>
#include <stddef.h>

#define SITE_DIR_MAX	10000	/* entries listed per directory */
#define SITE_NAME_MAX	255
#define SITE_PAGE_ITEMS	200	/* entries per page of a listing */
#define SITE_PAGE_MAX	(SITE_DIR_MAX / SITE_PAGE_ITEMS + 1)

enum site_result {
	SITE_FILE = 0,		/* fd is an open regular file */
	SITE_DIR,		/* fd is an open directory */
	SITE_NEED_SLASH,	/* a directory asked for without trailing '/' */
	SITE_NOT_FOUND,		/* missing, hidden, outside the root, not regular */
	SITE_ERROR,		/* unreadable (logged by the caller) */
};

struct site_entry {
	int		 fd;
	struct stat	 st;
};

struct site_dirent {
	char		 name[SITE_NAME_MAX + 1];
	int		 is_dir;
	off_t		 size;
	time_t		 mtime;
};

/*
 * `path` is percent-decoded and dot-segment free and starts with '/'.
 * Components starting with '.' (dotfiles, "..") are never served; symbolic
 * links are followed only while they stay under the root.
 */
enum site_result site_open(int rootfd, const char *path, struct site_entry *);

/*
 * The one way content is opened, by the file tree and the archive alike:
 * `rel` (relative to rootfd; leading '/' skipped) with open(2) `flags`
 * (O_CLOEXEC and O_NOCTTY added), every component, not only the last,
 * resolved beneath rootfd.  On Linux 5.6 and later (openat2 with
 * RESOLVE_BENEATH) a symbolic link is followed only while it stays
 * beneath, unless `flags` has O_NOFOLLOW for the last component;
 * elsewhere no symbolic link is followed at all.  A folder renamed
 * for a link to outside meanwhile is refused, never followed.  The
 * descriptor, or -1 and errno (EXDEV or ELOOP for a way out).
 */
int	 site_openat(int rootfd, const char *rel, int flags);

/* Open `name` inside an open directory (e.g. "index.gmi"); -1 if absent. */
int	 site_open_in(int dirfd, const char *name, struct site_entry *);

/* Sorted by name, dotfiles hidden; caller frees *out.  0 or -1. */
int	 site_list_dir(int dirfd, struct site_dirent **out, size_t *n);

/*
 * A page of a directory listing is asked for as "DIR/.page/N/" (the final
 * '/' optional): a '.'-component is never a served name, so no file can be
 * shadowed by it.  Copies "DIR/" to `dir` and returns N (1 to
 * SITE_PAGE_MAX); 0 when `path` names no page; -1 when it names one
 * wrongly (no number, 0, too large, or `dir` too small).
 */
long	 site_dir_page(const char *path, char *dir, size_t dirsz);

/* 1 if every component of `path` is acceptable (no '.'-prefixed ones). */
int	 site_path_ok(const char *path);

#endif
