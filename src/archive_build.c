/* SPDX-License-Identifier: ISC */
/*
 * broadside: building an archive snapshot.  See archive_build.h.
 *
 * Three passes: walk the folders (names, sizes, times; the signature that
 * tells a stat scan whether anything changed), read statements and
 * sidecars in parallel threads over consecutive ranges, each thread
 * feeding its own search index (merged in order after), then sort and
 * group on one thread.  Every bad file or sidecar line is logged with its
 * path and the others go on.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#ifdef __linux__
#include <sys/inotify.h>
#endif

#include "archive_build.h"
#include "lang.h"
#include "log.h"
#include "mime.h"
#include "search.h"
#include "site.h"
#include "uri.h"
#include "utf8.h"

#define CHUNK_SIZE	(256 * 1024)
/*
 * Statements a loading thread opens ahead of the one it reads, asking the
 * kernel to read them in (posix_fadvise): on a cold page cache the disk
 * then has many reads queued instead of one, which is most of a cold
 * build's time.  On a warm cache it costs one cheap call a file.
 */
#define OPEN_AHEAD	64
#define SUMMARY_READ_MAX	(64 * 1024)	/* the first paragraph is in */
#define ATTACH_SEEN_MAX	4096	/* names of a folder sorted for the first
					   ATTACH_MAX */
#define WATCH_MASK	(IN_CREATE | IN_DELETE | IN_MODIFY | IN_MOVED_FROM | \
			 IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE_SELF | \
			 IN_ONLYDIR)

struct chunk {
	struct chunk	*next;
	size_t		 len, cap;
	char		 data[];
};

/*
 * A statement the walk found.  Small (100,000 of them are sorted): its
 * file name is in rel, from `base`, `base_len` bytes without extension.
 */
struct cand {
	char			*rel;
	time_t			 mtime;
	off_t			 size;
	off_t			 ini_size;	/* -1: no sidecar seen */
	uint64_t		 ino;
	int64_t			 mtime_ns;
	int64_t			 ini_mtime;	/* nanoseconds */
	uint64_t		 ini_ino;
	uint64_t		 att_sig;	/* its attachment folder's, or
						   0: none */
	ssize_t			 reuse;		/* in prev->st, or -1 */
	uint32_t		 slot;
	uint16_t		 base;
	uint16_t		 base_len;
	char			 date[11];	/* "YYYY-MM-DD" */
	unsigned char		 is_txt;
};

/* The sidecars ("NAME.ini") one folder holds, by NAME. */
struct sidecar_seen {
	char			*base;
	off_t			 size;	/* 0: not a regular file */
	int64_t			 mtime;	/* nanoseconds */
	uint64_t		 ino;
};

struct folder {
	struct sidecar_seen	*ini;
	size_t			 nini, capini;
	char			**sub;	/* its folders' names, which may
					   be attachment folders */
	size_t			 nsub, capsub;
	size_t			*own;	/* its statements in walk.c */
	size_t			 nown, capown;
	int			 unknown; /* no memory: try them all */
};

struct walk {
	const struct build_conf	*bc;
	struct cand		*c;
	size_t			 n, cap;
	uint64_t		 sig;
	size_t			 errors;
	int			 failed;
	char			**defer; /* top folders, walked after */
	size_t			 ndefer, capdefer;
};

/* A thread walking every nt-th top folder into its own list. */
struct subwalk {
	struct walk		 w;
	struct walk		*top;
	int			 dirfd;
	int			 t, nt;
	pthread_t		 thr;
};

/* The folder of the last file opened, kept open for the next one. */
struct dircache {
	int			 fd;		/* of rel, or -1 */
	char			 rel[PATH_MAX];
};

/* A statement and its sidecar, opened ahead; -1: not opened. */
struct ahead {
	int			 fd;
	int			 ini_fd;
	off_t			 size;		/* of fd, when open */
	time_t			 mtime;
	int64_t			 mtime_ns;
	uint64_t		 ino;
};

struct worker {
	const struct build_conf	*bc;
	struct catalog		*s;
	struct cand		*c;
	size_t			 lo, hi;
	struct search_index	*ix;
	struct chunk		*arena;
	size_t			 errors;
	int			 failed;
	pthread_t		 thr;
	struct dircache		 dir;		/* the last folder opened in */
	struct ahead		 ahead[OPEN_AHEAD];
	size_t			 next_ahead;	/* next statement to open */
};

static char *
arena_dup(struct chunk **head, const char *s, size_t len)
{
	struct chunk	*c = *head;
	char		*p;
	size_t		 cap;

	if (c == NULL || c->cap - c->len < len + 1) {
		cap = len + 1 > CHUNK_SIZE ? len + 1 : CHUNK_SIZE;
		if ((c = malloc(sizeof(*c) + cap)) == NULL)
			return NULL;
		c->cap = cap;
		c->len = 0;
		c->next = *head;
		*head = c;
	}
	p = c->data + c->len;
	memcpy(p, s, len);
	p[len] = '\0';
	c->len += len + 1;
	return p;
}

static void
arena_free(struct chunk *c)
{
	struct chunk	*next;

	for (; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
}

static uint64_t
hash64(const char *s, uint64_t h)
{
	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h;
}

static void
watch_dir(const struct build_conf *bc, int dirfd, const char *rel)
{
#ifdef __linux__
	char	 path[PATH_MAX];

	if (bc->watchfd == -1)
		return;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", dirfd);
	if (inotify_add_watch(bc->watchfd, path, WATCH_MASK) != -1)
		return;
	/* No /proc (chroot): the path from the root, then from the cwd. */
	if (bc->root != NULL && snprintf(path, sizeof(path), "%s/%s%s%s",
	    bc->root, bc->archive, *rel ? "/" : "", rel) < (int)sizeof(path) &&
	    inotify_add_watch(bc->watchfd, path, WATCH_MASK) != -1)
		return;
	snprintf(path, sizeof(path), "/%s%s%s", bc->archive, *rel ? "/" : "",
	    rel);
	if (inotify_add_watch(bc->watchfd, path, WATCH_MASK) == -1 &&
	    !bc->quiet)
		log_warn("archive: cannot watch %s", path);
#else
	(void)bc;
	(void)dirfd;
	(void)rel;
#endif
}

/* -- attachments ----------------------------------------------------------- */

/* libmagic's cookie is the process's, and loaders are threads. */
static pthread_mutex_t	 magic_lock = PTHREAD_MUTEX_INITIALIZER;

struct att_ent {
	char		*name;
	uint64_t	 size;
};

/* The files of an attachment folder worth listing. */
struct att_list {
	struct att_ent	*e;
	size_t		 n, cap;
	size_t		 bad;		/* names not fit to list */
	size_t		 more;		/* past ATTACH_SEEN_MAX */
	int		 failed;
};

/*
 * A name a reader's client can show and ask for: UTF-8 without control
 * characters (C0, DEL, C1), so that no byte of it ends a line of a menu
 * or a link, or reaches a terminal as an escape.
 */
static int
attach_name_ok(const char *name)
{
	const unsigned char	*u = (const unsigned char *)name;
	size_t			 len = strlen(name), i = 0;
	uint32_t		 cp;
	int			 n;

	if (len == 0 || len > SITE_NAME_MAX || name[0] == '.')
		return 0;
	while (i < len) {
		if ((n = utf8_decode(u + i, len - i, &cp)) <= 0 ||
		    cp < ' ' || (cp >= 0x7f && cp <= 0x9f))
			return 0;
		i += (size_t)n;
	}
	return 1;
}

static void
att_keep(struct att_list *l, const char *name, const struct stat *sb)
{
	struct att_ent	*ne;
	size_t		 ncap;

	if (!attach_name_ok(name)) {
		l->bad++;
		return;
	}
	if (l->n == ATTACH_SEEN_MAX) {
		l->more++;
		return;
	}
	if (l->n == l->cap) {
		ncap = l->cap ? l->cap * 2 : 16;
		if ((ne = reallocarray(l->e, ncap, sizeof(*ne))) == NULL) {
			l->failed = 1;
			return;
		}
		l->e = ne;
		l->cap = ncap;
	}
	if ((l->e[l->n].name = strdup(name)) == NULL) {
		l->failed = 1;
		return;
	}
	l->e[l->n++].size = (uint64_t)sb->st_size;
}

static void
att_free(struct att_list *l)
{
	size_t	 i;

	for (i = 0; i < l->n; i++)
		free(l->e[i].name);
	free(l->e);
}

/*
 * Lists the folder `name` under dirfd: its hash (see attach_sig), and
 * into l, when not NULL, its files to list.  The folder stays open in
 * *fdp when fdp is not NULL (else -1).  0 when there is no such folder.
 */
static uint64_t
attach_scan(int dirfd, const char *name, struct att_list *l, int *fdp)
{
	struct dirent	*de;
	struct stat	 sb;
	uint64_t	 sig;
	DIR		*d;
	int		 fd, dfd;

	if (fdp != NULL)
		*fdp = -1;
	if ((fd = site_openat(dirfd, name, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW)) == -1)
		return 0;
	if (fstat(fd, &sb) == -1 || (dfd = dup(fd)) == -1) {
		close(fd);
		return 0;
	}
	if ((d = fdopendir(dfd)) == NULL) {
		close(dfd);
		close(fd);
		return 0;
	}
	sig = 14695981039346656037ull ^ (uint64_t)sb.st_ino;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || fstatat(fd, de->d_name, &sb,
		    AT_SYMLINK_NOFOLLOW) == -1 || !S_ISREG(sb.st_mode))
			continue;
		/* A sum: the same whatever order the folder lists them. */
		sig += hash64(de->d_name, 14695981039346656037ull) ^
		    ((uint64_t)sb.st_mtime * 1000003u + (uint64_t)sb.st_size +
		    (uint64_t)sb.st_mtim.tv_nsec * 31 + (uint64_t)sb.st_ino);
		if (l != NULL)
			att_keep(l, de->d_name, &sb);
	}
	closedir(d);
	if (fdp != NULL)
		*fdp = fd;
	else
		close(fd);
	return sig != 0 ? sig : 1;
}

/* See archive_build.h. */
uint64_t
attach_sig(int dirfd, const char *name)
{
	return attach_scan(dirfd, name, NULL, NULL);
}

static int
att_cmp(const void *a, const void *b)
{
	const struct att_ent	*x = a, *y = b;

	return strcmp(x->name, y->name);
}

/* The type the file tree serves it with: by name, else libmagic's. */
static const char *
attach_mime(int fd, const char *name, char *buf, size_t len)
{
	const char	*t;
	int		 f;

	if ((t = mime_from_name(name)) != NULL)
		return t;
	if ((f = build_open_regular(fd, name, NULL)) == -1)
		return "application/octet-stream";
	pthread_mutex_lock(&magic_lock);
	t = mime_type(f, name, buf, len);
	pthread_mutex_unlock(&magic_lock);
	close(f);
	return t;
}

/* The first ATTACH_MAX of l, by name, as an attachment list. */
static char *
attach_string(struct att_list *l, int fd, struct chunk **arena,
    size_t *len)
{
	char		 mbuf[MIME_MAX], *out, *p;
	const char	*mime;
	size_t		 i, cap, n = l->n < ATTACH_MAX ? l->n : ATTACH_MAX;
	int		 w;

	qsort(l->e, l->n, sizeof(*l->e), att_cmp);
	cap = n * (SITE_NAME_MAX + MIME_MAX + 24) + 1;
	if ((out = malloc(cap)) == NULL)
		return NULL;
	for (i = 0, p = out; i < n; i++) {
		mime = attach_mime(fd, l->e[i].name, mbuf, sizeof(mbuf));
		w = snprintf(p, cap - (size_t)(p - out), "%s%s%c%s%c%llu",
		    i ? "\x1e" : "", l->e[i].name, ATTACH_FS, mime, ATTACH_FS,
		    (unsigned long long)l->e[i].size);
		if (w < 0 || (size_t)w >= cap - (size_t)(p - out))
			break;
		p += w;
	}
	*len = (size_t)(p - out);
	p = arena_dup(arena, out, *len);
	free(out);
	return p;
}

static void	 attach_report(const struct build_conf *, const char *,
		    const struct att_list *, size_t *);

/*
 * A statement's attachments, read when the walk saw their folder: the
 * list and the folder's hash into st.  -1 on a memory failure only.
 */
static int
attach_load(const struct build_conf *bc, struct chunk **arena,
    const char *dir, const struct cand *c, struct stmt *st, size_t *errors)
{
	struct att_list	 l;
	char		 path[PATH_MAX];
	size_t		 len;
	int		 fd, rc = 0;

	if (c->att_sig == 0 || snprintf(path, sizeof(path), "%s/%s%s%.*s",
	    bc->archive, dir, *dir ? "/" : "", (int)c->base_len,
	    c->rel + c->base) >= (int)sizeof(path))
		return 0;
	memset(&l, 0, sizeof(l));
	st->att_sig = attach_scan(bc->rootfd, path, &l, &fd);
	if (l.failed)
		rc = -1;
	else if (l.n > 0 && (st->attachments = attach_string(&l, fd, arena,
	    &len)) == NULL)
		rc = -1;
	attach_report(bc, path, &l, errors);
	if (fd != -1)
		close(fd);
	att_free(&l);
	return rc;
}

/* Files left out of a list, counted as errors: the publisher's to fix. */
static void
attach_report(const struct build_conf *bc, const char *path,
    const struct att_list *l, size_t *errors)
{
	size_t	 over = l->n + l->more > ATTACH_MAX ?
		    l->n + l->more - ATTACH_MAX : 0;

	if (l->bad > 0) {
		(*errors)++;
		if (!bc->quiet)
			log_warnx("%s: %zu attachment%s not listed: a name "
			    "not UTF-8, or with control characters", path,
			    l->bad, l->bad == 1 ? "" : "s");
	}
	if (over > 0) {
		(*errors)++;
		if (!bc->quiet)
			log_warnx("%s: %zu attachments, only the first %d "
			    "by name listed", path, l->n + l->more,
			    ATTACH_MAX);
	}
}

/* See archive_build.h. */
int
attach_next(const char **pp, struct attachment *a)
{
	const char	*p = *pp, *e, *f1, *f2;
	char		 num[24];
	size_t		 n;

	while (p != NULL && *p != '\0') {
		if ((e = strchr(p, ATTACH_RS)) == NULL)
			e = p + strlen(p);
		*pp = *e != '\0' ? e + 1 : e;
		f1 = memchr(p, ATTACH_FS, (size_t)(e - p));
		f2 = f1 != NULL ? memchr(f1 + 1, ATTACH_FS,
		    (size_t)(e - f1 - 1)) : NULL;
		if (f2 == NULL || f1 == p || (n = (size_t)(e - f2 - 1)) == 0 ||
		    n >= sizeof(num)) {
			p = *pp;	/* malformed: the next one */
			continue;
		}
		memcpy(num, f2 + 1, n);
		num[n] = '\0';
		if (strspn(num, "0123456789") != n) {
			p = *pp;
			continue;
		}
		a->size = strtoull(num, NULL, 10);
		snprintf(a->name, sizeof(a->name), "%.*s", (int)(f1 - p), p);
		snprintf(a->mime, sizeof(a->mime), "%.*s", (int)(f2 - f1 - 1),
		    f1 + 1);
		return 1;
	}
	return 0;
}

static int
cand_add(struct walk *w, const char *rel, const struct scan_name *nm,
    const struct stat *sb)
{
	struct cand	*nc;
	size_t		 ncap;

	if (w->n == w->cap) {
		ncap = w->cap ? w->cap * 2 : 256;
		if ((nc = reallocarray(w->c, ncap, sizeof(*nc))) == NULL)
			return -1;
		w->c = nc;
		w->cap = ncap;
	}
	if ((w->c[w->n].rel = strdup(rel)) == NULL)
		return -1;
	/* rel ends with the file name: "dir/" base ext */
	w->c[w->n].base_len = strlen(nm->base);
	w->c[w->n].base = strlen(rel) - strlen(nm->base) - 4;
	memcpy(w->c[w->n].date, nm->date.text, sizeof(w->c[w->n].date));
	w->c[w->n].is_txt = nm->is_txt;
	w->c[w->n].mtime = sb->st_mtime;
	w->c[w->n].mtime_ns = sb->st_mtim.tv_nsec;
	w->c[w->n].ino = sb->st_ino;
	w->c[w->n].size = sb->st_size;
	w->c[w->n].ini_size = -1;
	w->c[w->n].ini_mtime = 0;
	w->c[w->n].ini_ino = 0;
	w->c[w->n].att_sig = 0;
	w->c[w->n].reuse = -1;
	w->n++;
	return 0;
}

/* A statement's file name without extension, into buf. */
static const char *
cand_base(const struct cand *c, char *buf)
{
	memcpy(buf, c->rel + c->base, c->base_len);
	buf[c->base_len] = '\0';
	return buf;
}

static int
seen_cmp(const void *a, const void *b)
{
	const struct sidecar_seen	*x = a, *y = b;

	return strcmp(x->base, y->base);
}

static void
folder_note_ini(struct folder *f, const char *name, size_t len,
    const struct stat *sb)
{
	struct sidecar_seen	*n;
	size_t			 ncap;

	if (f->nini == f->capini) {
		ncap = f->capini ? f->capini * 2 : 16;
		if ((n = reallocarray(f->ini, ncap, sizeof(*n))) == NULL) {
			f->unknown = 1;
			return;
		}
		f->ini = n;
		f->capini = ncap;
	}
	if ((f->ini[f->nini].base = strndup(name, len - 4)) == NULL) {
		f->unknown = 1;
		return;
	}
	f->ini[f->nini].mtime = (int64_t)sb->st_mtim.tv_sec * 1000000000 +
	    sb->st_mtim.tv_nsec;
	f->ini[f->nini].ino = sb->st_ino;
	f->ini[f->nini++].size = S_ISREG(sb->st_mode) ? sb->st_size : 0;
}

/* A folder of the folder: an attachment folder when named like one of
 * its statements. */
static void
folder_note_sub(struct folder *f, const char *name)
{
	char	**n;
	size_t	 ncap;

	if (f->nsub == f->capsub) {
		ncap = f->capsub ? f->capsub * 2 : 16;
		if ((n = reallocarray(f->sub, ncap, sizeof(*n))) == NULL) {
			f->unknown = 1;
			return;
		}
		f->sub = n;
		f->capsub = ncap;
	}
	if ((f->sub[f->nsub] = strdup(name)) == NULL) {
		f->unknown = 1;
		return;
	}
	f->nsub++;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
folder_note_stmt(struct folder *f, size_t i)
{
	size_t	*n, ncap;

	if (f->nown == f->capown) {
		ncap = f->capown ? f->capown * 2 : 64;
		if ((n = reallocarray(f->own, ncap, sizeof(*n))) == NULL) {
			f->unknown = 1;
			return;
		}
		f->own = n;
		f->capown = ncap;
	}
	f->own[f->nown++] = i;
}

/*
 * Which statements of the folder have a sidecar: the loaders then open
 * only those (most statements have none, and a failed open costs a path
 * lookup).  When memory ran out, every one is tried as before.
 */
static void
folder_done(struct walk *w, struct folder *f, size_t n0, int dirfd)
{
	struct sidecar_seen	 key, *hit;
	char			 base[SCAN_SLUG_MAX + 12], *bp = base;
	size_t			 i;

	/* Attachment folders, hashed for an update to compare. */
	if (f->nsub > 0 && !f->unknown)
		qsort(f->sub, f->nsub, sizeof(*f->sub), str_cmp);
	for (i = 0; (f->nsub > 0 || f->unknown) && i < f->nown; i++) {
		cand_base(&w->c[f->own[i]], base);
		if (f->unknown || bsearch(&bp, f->sub, f->nsub,
		    sizeof(*f->sub), str_cmp) != NULL)
			w->c[f->own[i]].att_sig = attach_sig(dirfd, base);
	}
	for (i = 0; i < f->nsub; i++)
		free(f->sub[i]);
	free(f->sub);
	if (f->unknown) {
		for (i = n0; i < w->n; i++)
			w->c[i].ini_size = 0;
	} else if (f->nini > 0) {
		qsort(f->ini, f->nini, sizeof(*f->ini), seen_cmp);
		for (i = 0; i < f->nown; i++) {
			key.base = (char *)cand_base(&w->c[f->own[i]], base);
			hit = bsearch(&key, f->ini, f->nini, sizeof(*f->ini),
			    seen_cmp);
			if (hit == NULL)
				continue;
			w->c[f->own[i]].ini_size = hit->size;
			w->c[f->own[i]].ini_mtime = hit->mtime;
			w->c[f->own[i]].ini_ino = hit->ino;
		}
	}
	for (i = 0; i < f->nini; i++)
		free(f->ini[i].base);
	free(f->ini);
	free(f->own);
}

static void	 walk_dir(struct walk *, int, const char *, int);

/*
 * An entry's type, and its size and time when they are needed: a stat
 * scan (no inotify) compares them between walks, so it stats every file.
 * A full build inotify triggered needs only the type, which the
 * directory gives; the loader takes size, time and inode from the open
 * file.  An update compares them with the last catalogue's.  0: it is
 * gone.
 */
static int
entry_type(const struct walk *w, int dirfd, const struct dirent *de,
    struct stat *sb)
{
#ifdef DT_UNKNOWN
	if (w->bc->force && w->bc->watchfd != -1 && w->bc->prev == NULL &&
	    de->d_type != DT_UNKNOWN) {
		memset(sb, 0, sizeof(*sb));
		switch (de->d_type) {
		case DT_DIR:
			sb->st_mode = S_IFDIR;
			return 1;
		case DT_REG:
			sb->st_mode = S_IFREG;
			return 1;
		default:		/* links, fifos, devices */
			return 1;	/* neither: skipped, or reported */
		}
	}
#else
	(void)w;
#endif
	return fstatat(dirfd, de->d_name, sb, AT_SYMLINK_NOFOLLOW) == 0;
}
static int	 nthreads(const struct build_conf *, size_t);

/*
 * The top level's folders (the years) are walked after it, split over
 * threads: listing and stat'ing a hundred thousand files is work too.
 */
static int
walk_defer(struct walk *w, const char *name)
{
	char	**n;
	size_t	 ncap;

	if (w->ndefer == w->capdefer) {
		ncap = w->capdefer ? w->capdefer * 2 : 32;
		if ((n = reallocarray(w->defer, ncap, sizeof(*n))) == NULL)
			return -1;
		w->defer = n;
		w->capdefer = ncap;
	}
	if ((w->defer[w->ndefer] = strdup(name)) == NULL)
		return -1;
	w->ndefer++;
	return 0;
}

static void *
subwalk_run(void *arg)
{
	struct subwalk	*sw = arg;
	size_t		 i;
	int		 subfd;

	for (i = sw->t; i < sw->top->ndefer; i += sw->nt) {
		subfd = site_openat(sw->dirfd, sw->top->defer[i], O_RDONLY |
		    O_DIRECTORY | O_NOFOLLOW);
		if (subfd == -1)
			continue;
		walk_dir(&sw->w, subfd, sw->top->defer[i], 1);
		close(subfd);
	}
	return NULL;
}

/* Append b's statements to a; b's list is freed. */
static void
walk_join(struct walk *a, struct walk *b)
{
	struct cand	*nc;
	size_t		 i;

	a->sig += b->sig;
	a->errors += b->errors;
	a->failed |= b->failed;
	if (b->n > 0 && a->n + b->n > a->cap) {
		if ((nc = reallocarray(a->c, a->n + b->n, sizeof(*nc))) ==
		    NULL) {
			a->failed = 1;
			for (i = 0; i < b->n; i++)
				free(b->c[i].rel);
			free(b->c);
			return;
		}
		a->c = nc;
		a->cap = a->n + b->n;
	}
	if (b->n > 0)
		memcpy(a->c + a->n, b->c, b->n * sizeof(*b->c));
	a->n += b->n;
	free(b->c);
}

static void
walk_deferred(struct walk *w, int dirfd, int nt)
{
	struct subwalk	 sw[BUILD_THREADS_MAX];
	size_t		 i;
	int		 t;

	if ((size_t)nt > w->ndefer)
		nt = w->ndefer > 0 ? (int)w->ndefer : 1;
	memset(sw, 0, sizeof(sw));
	for (t = 0; t < nt; t++) {
		sw[t].w.bc = w->bc;
		sw[t].top = w;
		sw[t].dirfd = dirfd;
		sw[t].t = t;
		sw[t].nt = nt;
	}
	for (t = 1; t < nt; t++)
		if (pthread_create(&sw[t].thr, NULL, subwalk_run,
		    &sw[t]) != 0)
			sw[t].nt = -1;		/* run below instead */
	subwalk_run(&sw[0]);
	for (t = 1; t < nt; t++) {
		if (sw[t].nt == -1) {
			sw[t].nt = nt;
			subwalk_run(&sw[t]);
		} else
			pthread_join(sw[t].thr, NULL);
	}
	for (t = 0; t < nt; t++)
		walk_join(w, &sw[t].w);
	for (i = 0; i < w->ndefer; i++)
		free(w->defer[i]);
	free(w->defer);
	w->defer = NULL;
	w->ndefer = w->capdefer = 0;
}

static void
walk_dir(struct walk *w, int dirfd, const char *rel, int depth)
{
	const struct build_conf	*bc = w->bc;
	struct dirent		*de;
	struct scan_name	 nm;
	struct stat		 sb;
	const char		*err;
	char			 sub[PATH_MAX];
	struct folder		 f;
	size_t			 n0 = w->n, len;
	DIR			*d;
	int			 fd, subfd;

	memset(&f, 0, sizeof(f));
	watch_dir(bc, dirfd, rel);
	if ((fd = dup(dirfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		w->failed = 1;
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "",
		    de->d_name) >= (int)sizeof(sub))
			continue;
		if (!entry_type(w, dirfd, de, &sb))
			continue;
		if ((len = strlen(de->d_name)) > 4 &&
		    strcmp(de->d_name + len - 4, ".ini") == 0)
			folder_note_ini(&f, de->d_name, len, &sb);
		if (S_ISDIR(sb.st_mode))
			folder_note_sub(&f, de->d_name);
		if (S_ISDIR(sb.st_mode)) {
			if (depth >= BUILD_DEPTH_MAX) {
				if (!bc->quiet)
					log_warnx("%s/%s: folders nested too "
					    "deep, skipped", bc->archive, sub);
				continue;
			}
			if (depth == 0) {
				if (walk_defer(w, de->d_name) == -1)
					w->failed = 1;
				continue;
			}
			subfd = site_openat(dirfd, de->d_name, O_RDONLY |
			    O_DIRECTORY | O_NOFOLLOW);
			if (subfd == -1)
				continue;
			walk_dir(w, subfd, sub, depth + 1);
			close(subfd);
			continue;
		}
		if (!S_ISREG(sb.st_mode))
			continue;
		w->sig += hash64(sub, 14695981039346656037ull) ^
		    ((uint64_t)sb.st_mtime * 1000003u + (uint64_t)sb.st_size +
		    (uint64_t)sb.st_mtim.tv_nsec * 31 + (uint64_t)sb.st_ino);
		if (scan_parse_name(de->d_name, &nm, &err) == -1) {
			if (err != NULL) {
				w->errors++;
				if (!bc->quiet)
					log_warnx("%s/%s: %s; not published",
					    bc->archive, sub, err);
			}
			continue;
		}
		if (cand_add(w, sub, &nm, &sb) == -1)
			w->failed = 1;
		else
			folder_note_stmt(&f, w->n - 1);
	}
	closedir(d);
	folder_done(w, &f, n0, dirfd);
}

/* Newest first: date, then path, both descending. */
static int
cand_cmp(const void *a, const void *b)
{
	const struct cand	*x = a, *y = b;
	int			 c;

	if ((c = strcmp(y->date, x->date)) != 0)
		return c;
	return strcmp(y->rel, x->rel);
}

/*
 * Up to max bytes of an open file, which is closed.  `hint` is its size
 * when walked (0: unknown): once that much is read, no second read() is
 * spent to meet the end.  A file that grew since is read again by the
 * rebuild its change triggers.
 */
static ssize_t
read_fd(int fd, char *buf, size_t max, off_t hint, int *err)
{
	ssize_t	 n, got = 0;

	*err = 0;
	while ((size_t)got < max) {
		n = read(fd, buf + got, max - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			*err = errno;
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		got += n;
		if (hint > 0 && got >= hint)
			break;
	}
	close(fd);
	return got;
}

static const char *
open_error(int err)
{
	return err == BUILD_NOT_REGULAR ? "not a regular file" : strerror(err);
}

/* See archive_build.h. */
const char *
build_archive_folder(const char *configured)
{
	const char	*f = configured != NULL && *configured ? configured :
			    "statements";

	while (*f == '/')
		f++;
	if (strlen(f) > BUILD_FOLDER_MAX || strchr(f, '/') != NULL) {
		log_warnx("archive: the folder must be one name of at most %d "
		    "bytes", BUILD_FOLDER_MAX);
		return NULL;
	}
	return f;
}

/* See archive_build.h. */
int
build_open_regular(int dirfd, const char *path, struct stat *sbp)
{
	struct stat	 tmp, *sb = sbp != NULL ? sbp : &tmp;
	int		 fd;

	fd = site_openat(dirfd, path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
	if (fd == -1)
		return -1;
	if (fstat(fd, sb) == -1 || !S_ISREG(sb->st_mode)) {
		close(fd);
		errno = BUILD_NOT_REGULAR;
		return -1;
	}
	return fd;
}

/*
 * A file of the archive folder `dir` (relative to the archive), opened
 * by its name under the folder's descriptor, kept from the last call
 * (files come folder by folder), or by its whole path when the folder
 * cannot be opened.
 */
static int
archive_open(const struct build_conf *bc, struct dircache *dc,
    const char *dir, const char *name, struct stat *sb)
{
	char	 path[PATH_MAX];

	if (dc->fd == -1 || strcmp(dc->rel, dir) != 0) {
		if (dc->fd != -1)
			close(dc->fd);
		dc->fd = -1;
		if (snprintf(path, sizeof(path), "%s%s%s", bc->archive,
		    *dir ? "/" : "", dir) < (int)sizeof(path) &&
		    snprintf(dc->rel, sizeof(dc->rel), "%s", dir) <
		    (int)sizeof(dc->rel))
			dc->fd = site_openat(bc->rootfd, path, O_RDONLY |
			    O_DIRECTORY);
	}
	if (dc->fd != -1)
		return build_open_regular(dc->fd, name, sb);
	if (snprintf(path, sizeof(path), "%s/%s%s%s", bc->archive, dir,
	    *dir ? "/" : "", name) >= (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return build_open_regular(bc->rootfd, path, sb);
}

/* A statement's folder (into dir, PATH_MAX bytes) and file name. */
static const char *
cand_split(const struct cand *c, char *dir)
{
	const char	*slash = strrchr(c->rel, '/');

	snprintf(dir, PATH_MAX, "%.*s", slash ? (int)(slash - c->rel) : 0,
	    c->rel);
	return slash ? slash + 1 : c->rel;
}

static void
ahead_hint(int fd)
{
#ifdef POSIX_FADV_WILLNEED
	if (fd != -1)
		(void)posix_fadvise(fd, 0, 0, POSIX_FADV_WILLNEED);
#else
	(void)fd;
#endif
}

/* Opens statements (and sidecars) up to OPEN_AHEAD past i. */
static void
ahead_fill(struct worker *wk, size_t i)
{
	struct ahead	*a;
	struct cand	*c;
	struct stat	 sb;
	char		 dir[PATH_MAX], ini[PATH_MAX];
	const char	*name;

	while (wk->next_ahead < wk->hi && wk->next_ahead < i + OPEN_AHEAD) {
		c = &wk->c[wk->next_ahead];
		a = &wk->ahead[wk->next_ahead++ % OPEN_AHEAD];
		a->fd = a->ini_fd = -1;
		if (c->reuse >= 0)
			continue;	/* not read: see stmt_copy */
		name = cand_split(c, dir);
		memset(&sb, 0, sizeof(sb));
		a->fd = archive_open(wk->bc, &wk->dir, dir, name, &sb);
		a->size = sb.st_size;
		a->mtime = sb.st_mtime;
		a->mtime_ns = sb.st_mtim.tv_nsec;
		a->ino = sb.st_ino;
		ahead_hint(a->fd);
		a->ini_fd = -1;
		if (c->ini_size >= 0 && snprintf(ini, sizeof(ini), "%.*s.ini",
		    (int)c->base_len, c->rel + c->base) < (int)sizeof(ini)) {
			a->ini_fd = archive_open(wk->bc, &wk->dir, dir, ini,
			    NULL);
			ahead_hint(a->ini_fd);
		}
	}
}

/* Statement i's opened file and sidecar, taken (-1 where none). */
static struct ahead
ahead_take(struct worker *wk, size_t i)
{
	struct ahead	*a = &wk->ahead[i % OPEN_AHEAD], r = *a;

	a->fd = a->ini_fd = -1;
	return r;
}

/* The tags as written, kept only when one differs from its folded form. */
static void
keep_labels(struct worker *wk, struct stmt *st, const struct scan_sidecar *sc)
{
	char	 labels[SCAN_TAGS_MAX * (SCAN_TAG_LABEL_MAX + 1) + 1];
	size_t	 i, o = 0;
	int	 differ = 0;

	for (i = 0; i < sc->ntags; i++) {
		differ |= strcmp(sc->labels[i], sc->tags[i]) != 0;
		o += snprintf(labels + o, sizeof(labels) - o, "%s%s",
		    i ? "," : "", sc->labels[i]);
	}
	if (differ)
		st->tag_labels = arena_dup(&wk->arena, labels, o);
}

/* What an update compares the sidecar with, taken from the file read. */
static void
ini_identity(struct stmt *st, int fd)
{
	struct stat	 sb;

	if (fstat(fd, &sb) == -1)
		return;
	st->ini_size = sb.st_size;
	st->ini_mtime = (int64_t)sb.st_mtim.tv_sec * 1000000000 +
	    sb.st_mtim.tv_nsec;
	st->ini_ino = sb.st_ino;
}

/* draft, publish, updated and correction, withdrawn and reason. */
static void
apply_editorial(struct worker *wk, struct stmt *st,
    const struct scan_sidecar *sc)
{
	st->draft = (sc->has & SIDECAR_DRAFT) != 0 || sc->hold;
	if (sc->has & SIDECAR_PUBLISH)
		st->publish = sc->publish;
	if (sc->has & SIDECAR_UPDATED)
		memcpy(st->updated, sc->updated.text, sizeof(st->updated));
	if (sc->has & SIDECAR_CORRECTION)
		st->correction = arena_dup(&wk->arena, sc->correction,
		    strlen(sc->correction));
	if (sc->has & SIDECAR_WITHDRAWN)
		memcpy(st->withdrawn, sc->withdrawn.text,
		    sizeof(st->withdrawn));
	if (sc->has & SIDECAR_REASON)
		st->reason = arena_dup(&wk->arena, sc->reason,
		    strlen(sc->reason));
}

/* See archive_build.h. */
int
stmt_kind(const struct stmt *st, long long now)
{
	if (st->draft)
		return STMT_DRAFT;
	if (st->publish > now)
		return STMT_SCHEDULED;
	if (st->withdrawn[0] != '\0')
		return STMT_WITHDRAWN;
	return STMT_PUBLIC;
}

/* Returns the SIDECAR_ fields it set. */
static int
apply_sidecar(struct worker *wk, struct stmt *st, const char *dir,
    struct cand *c, int fd, struct scan_text *tx, char *buf, char *tags,
    size_t tagsz)
{
	struct scan_sidecar	 sc;
	char			 path[PATH_MAX];
	size_t			 i, o = 0, dl;
	ssize_t			 n = -1;
	int			 err;

	if (c->ini_size < 0)		/* the walk saw none */
		return 0;
	if (snprintf(path, sizeof(path), "%s/%s%s%.*s.ini", wk->bc->archive,
	    dir, *dir ? "/" : "", (int)c->base_len, c->rel + c->base) >=
	    (int)sizeof(path)) {
		if (fd != -1)
			close(fd);
		return 0;
	}
	dl = strlen(wk->bc->archive) + 1 + strlen(dir) + (*dir ? 1 : 0);
	if (fd == -1)
		fd = archive_open(wk->bc, &wk->dir, dir, path + dl, NULL);
	err = errno;
	if (fd != -1)
		ini_identity(st, fd);
	if (fd != -1)
		n = read_fd(fd, buf, BUILD_SIDECAR_MAX, c->ini_size, &err);
	if (n < 0) {
		if (err != ENOENT && !wk->bc->quiet) {
			wk->errors++;
			log_warnx("%s: %s", path, open_error(err));
		}
		return 0;
	}
	(void)scan_parse_sidecar(buf, (size_t)n, &sc);
	if (!(sc.has & SIDECAR_DATE))
		scan_sidecar_dates(&sc, c->date);
	if (sc.nerrors > 0) {
		wk->errors += sc.nerrors;
		for (i = 0; i < sc.nerrors && i < SCAN_ERRORS_MAX; i++)
			if (!wk->bc->quiet)
				log_warnx("%s:%d: %s", path, sc.errors[i].line,
				    sc.errors[i].msg);
		if (sc.nerrors > SCAN_ERRORS_MAX && !wk->bc->quiet)
			log_warnx("%s: %zu more errors", path,
			    sc.nerrors - SCAN_ERRORS_MAX);
	}
	if (sc.has & SIDECAR_TITLE)
		memcpy(tx->title, sc.title, sizeof(tx->title));
	if (sc.has & SIDECAR_SUMMARY)
		memcpy(tx->summary, sc.summary, sizeof(tx->summary));
	if (sc.has & SIDECAR_DATE)
		memcpy(st->date, sc.date.text, sizeof(st->date));
	if (sc.has & SIDECAR_AUTHOR)
		st->author = arena_dup(&wk->arena, sc.author,
		    strlen(sc.author));
	if (sc.has & SIDECAR_LANG)
		st->lang = arena_dup(&wk->arena, sc.lang, strlen(sc.lang));
	for (i = 0; i < sc.ntags; i++)
		o += snprintf(tags + o, tagsz - o, "%s%s", i ? "," : "",
		    sc.tags[i]);
	keep_labels(wk, st, &sc);
	apply_editorial(wk, st, &sc);
	return sc.has;
}

/* A string of the last catalogue, copied (NULL stays NULL). */
static int
copy_str(struct worker *wk, const char **dst, const char *src)
{
	*dst = NULL;
	if (src == NULL)
		return 0;
	*dst = arena_dup(&wk->arena, src, strlen(src));
	return *dst != NULL ? 0 : -1;
}

/* An unchanged statement: its record of the last catalogue, not read. */
static int
stmt_copy(struct worker *wk, struct stmt *st, const struct stmt *old)
{
	*st = *old;
	st->tr_lang = NULL;		/* the build links versions anew */
	st->translation = 0;
	st->vfirst = st->vn = 0;
	if (copy_str(wk, &st->rel, old->rel) == -1 ||
	    copy_str(wk, &st->diskpath, old->diskpath) == -1 ||
	    copy_str(wk, &st->url, old->url) == -1 ||
	    copy_str(wk, &st->title, old->title) == -1 ||
	    copy_str(wk, &st->summary, old->summary) == -1 ||
	    copy_str(wk, &st->author, old->author) == -1 ||
	    copy_str(wk, &st->lang, old->lang) == -1 ||
	    copy_str(wk, &st->tags, old->tags) == -1 ||
	    copy_str(wk, &st->tag_labels, old->tag_labels) == -1 ||
	    copy_str(wk, &st->correction, old->correction) == -1 ||
	    copy_str(wk, &st->reason, old->reason) == -1 ||
	    copy_str(wk, &st->attachments, old->attachments) == -1)
		return -1;
	return 0;
}

static int
stmt_load(struct worker *wk, size_t i, char *buf, char *scbuf)
{
	struct cand	*c = &wk->c[i];
	struct stmt	*st = &wk->s->st[i];
	struct scan_text tx;
	char		 path[PATH_MAX], enc[PATH_MAX * 3], dir[PATH_MAX];
	char		 tags[SCAN_TAGS_MAX * (SCAN_TAG_MAX + 1) + 1] = "";
	const char	*name;
	struct ahead	 a;
	struct stat	 sb;
	ssize_t		 n = -1;
	int		 err, has;

	if (c->reuse >= 0)
		return stmt_copy(wk, st, &wk->bc->prev->st[c->reuse]);
	memcpy(st->date, c->date, sizeof(st->date));
	st->is_txt = c->is_txt;
	snprintf(path, sizeof(path), "%s/%s", wk->bc->archive, c->rel);
	name = cand_split(c, dir);
	ahead_fill(wk, i);
	a = ahead_take(wk, i);
	if (a.fd == -1) {	/* not opened ahead: say why now */
		memset(&sb, 0, sizeof(sb));
		a.fd = archive_open(wk->bc, &wk->dir, dir, name, &sb);
		a.size = sb.st_size;
		a.mtime = sb.st_mtime;
		a.mtime_ns = sb.st_mtim.tv_nsec;
		a.ino = sb.st_ino;
	}
	err = errno;
	/* The size and time of the file read (the walk may not stat). */
	st->size = a.size;
	st->mtime = a.mtime;
	st->mtime_ns = a.mtime_ns;
	st->ino = a.ino;
	st->ini_size = -1;
	st->slot = c->slot;
	if (a.fd != -1)
		n = read_fd(a.fd, buf, BUILD_READ_MAX, a.size, &err);
	if (n < 0) {
		if (a.ini_fd != -1)
			close(a.ini_fd);
		wk->errors++;
		if (!wk->bc->quiet)
			log_warnx("%s: %s; not published", path,
			    open_error(err));
		return 0;
	}
	scan_extract_title(buf, (size_t)n, c->is_txt, &tx);
	has = apply_sidecar(wk, st, dir, c, a.ini_fd, &tx, scbuf, tags,
	    sizeof(tags));
	if (attach_load(wk->bc, &wk->arena, dir, c, st, &wk->errors) == -1)
		return -1;
	if (tx.title[0] == '\0')
		snprintf(tx.title, sizeof(tx.title), "%.*s",
		    (int)c->base_len - 11, c->rel + c->base + 11);	/* slug */
	snprintf(enc, sizeof(enc), "/");
	if (uri_encode_path(path, enc + 1, sizeof(enc) - 1) == -1)
		return 0;
	st->rel = arena_dup(&wk->arena, c->rel, strlen(c->rel));
	st->diskpath = arena_dup(&wk->arena, path, strlen(path));
	st->url = arena_dup(&wk->arena, enc, strlen(enc));
	st->title = arena_dup(&wk->arena, tx.title, strlen(tx.title));
	/* A summary from the text is read once sorted: see summaries_read */
	st->summary_read = !(has & SIDECAR_SUMMARY);
	st->summary = st->summary_read ? "" : arena_dup(&wk->arena,
	    tx.summary, strlen(tx.summary));
	st->tags = arena_dup(&wk->arena, tags, strlen(tags));
	if (st->rel == NULL || st->diskpath == NULL || st->url == NULL ||
	    st->title == NULL || st->summary == NULL || st->tags == NULL ||
	    ((has & SIDECAR_CORRECTION) && st->correction == NULL) ||
	    ((has & SIDECAR_REASON) && st->reason == NULL))
		return -1;
	st->valid = 1;
	/* Not published: not searched either (its words stay its own). */
	if ((st->kind = stmt_kind(st, wk->s->now)) != STMT_PUBLIC)
		return 0;
	if (search_doc_begin(wk->ix, c->slot) == -1 ||
	    search_doc_add(wk->ix, st->title, strlen(st->title), 1) == -1 ||
	    search_doc_add(wk->ix, tags, strlen(tags), 1) == -1 ||
	    search_doc_add(wk->ix, buf, (size_t)n, 0) == -1 ||
	    search_doc_end(wk->ix) == -1)
		return -1;
	return 0;
}

static void *
worker_run(void *arg)
{
	struct worker	*wk = arg;
	char		*buf, *scbuf;
	size_t		 i;

	wk->dir.fd = -1;
	wk->next_ahead = wk->lo;
	for (i = 0; i < OPEN_AHEAD; i++)
		wk->ahead[i].fd = wk->ahead[i].ini_fd = -1;
	buf = malloc(BUILD_READ_MAX);
	scbuf = malloc(BUILD_SIDECAR_MAX);
	if (buf == NULL || scbuf == NULL) {
		wk->failed = 1;
		goto done;
	}
	for (i = wk->lo; i < wk->hi; i++)
		if (stmt_load(wk, i, buf, scbuf) == -1) {
			wk->failed = 1;
			break;
		}
done:
	for (i = 0; i < OPEN_AHEAD; i++) {	/* left by a failure */
		if (wk->ahead[i].fd != -1)
			close(wk->ahead[i].fd);
		if (wk->ahead[i].ini_fd != -1)
			close(wk->ahead[i].ini_fd);
	}
	if (wk->dir.fd != -1)
		close(wk->dir.fd);
	wk->dir.fd = -1;
	free(buf);
	free(scbuf);
	return NULL;
}

static int
order_cmp_r(const struct catalog *s, size_t a, size_t b)
{
	int	 c;

	if ((c = strcmp(s->st[b].date, s->st[a].date)) != 0)
		return c;
	return strcmp(s->st[b].rel, s->st[a].rel);
}

/* qsort has no context argument in POSIX: a small merge sort instead. */
static void
msort(size_t *v, size_t *tmp, size_t n, const struct catalog *s,
    int (*cmp)(const struct catalog *, size_t, size_t))
{
	size_t	 m = n / 2, i = 0, j = m, k = 0;

	if (n < 2)
		return;
	msort(v, tmp, m, s, cmp);
	msort(v + m, tmp, n - m, s, cmp);
	while (i < m && j < n)
		tmp[k++] = cmp(s, v[i], v[j]) <= 0 ? v[i++] : v[j++];
	while (i < m)
		tmp[k++] = v[i++];
	while (j < n)
		tmp[k++] = v[j++];
	memcpy(v, tmp, n * sizeof(*v));
}

static int
rel_cmp_r(const struct catalog *s, size_t a, size_t b)
{
	return strcmp(s->st[a].rel, s->st[b].rel);
}

struct tagpair {
	const char	*tag;
	size_t		 len;
	size_t		 pos;	/* in listed[] */
	const char	*label;	/* as written */
	size_t		 llen;
};

static int
tagpair_cmp(const void *a, const void *b)
{
	const struct tagpair	*x = a, *y = b;
	size_t			 l = x->len < y->len ? x->len : y->len;
	int			 c;

	if ((c = memcmp(x->tag, y->tag, l)) != 0)
		return c;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int
group_init(struct catalog *s, struct group *g, const char *key,
    size_t klen, const char *kind)
{
	char	 url[PATH_MAX], enc[3 * SCAN_TAG_MAX + 1];

	(void)s;
	snprintf(g->key, sizeof(g->key), "%.*s", (int)klen, key);
	memcpy(g->label, g->key, sizeof(g->key));
	/* A tag of another script is UTF-8: the URL carries it encoded. */
	if (uri_encode_path(g->key, enc, sizeof(enc)) == -1 ||
	    snprintf(url, sizeof(url), "%s%s/", kind, enc) >= (int)sizeof(url))
		return -1;
	if ((g->url = strdup(url)) == NULL)
		return -1;
	return 0;
}

static int
build_groups(struct catalog *s, const char *archive)
{
	struct tagpair	*tp = NULL;
	size_t		 i, j, k, np = 0, cap = 0;
	char		 kind[PATH_MAX];
	const char	*t, *e, *l, *le;

	/* Years: runs of listed[]. */
	snprintf(kind, sizeof(kind), "/%s/", archive);
	for (i = 0; i < s->nlisted; i = j) {
		for (j = i; j < s->nlisted && strncmp(s->st[s->listed[j]].date,
		    s->st[s->listed[i]].date, 4) == 0; j++)
			;
		s->nyears++;
	}
	if ((s->years = calloc(s->nyears + 1, sizeof(*s->years))) == NULL)
		return -1;
	for (i = 0, k = 0; i < s->nlisted; i = j, k++) {
		for (j = i; j < s->nlisted && strncmp(s->st[s->listed[j]].date,
		    s->st[s->listed[i]].date, 4) == 0; j++)
			;
		if (group_init(s, &s->years[k], s->st[s->listed[i]].date, 4,
		    kind) == -1)
			return -1;
		s->years[k].idx = s->listed + i;	/* borrowed */
		s->years[k].n = j - i;
	}
	/* Tags: (tag, position) pairs sorted. */
	for (i = 0; i < s->nlisted; i++) {
		l = s->st[s->listed[i]].tag_labels;
		for (t = s->st[s->listed[i]].tags; *t != '\0'; t = *e ? e + 1 :
		    e) {
			e = strchr(t, ',');
			if (e == NULL)
				e = t + strlen(t);
			/* The label in the same place, or the tag itself. */
			if (l == NULL || (le = strchr(l, ',')) == NULL)
				le = l != NULL ? l + strlen(l) : NULL;
			if (np == cap) {
				struct tagpair	*ntp;

				cap = cap ? cap * 2 : 64;
				if ((ntp = reallocarray(tp, cap,
				    sizeof(*tp))) == NULL) {
					free(tp);
					return -1;
				}
				tp = ntp;
			}
			tp[np].tag = t;
			tp[np].len = e - t;
			tp[np].label = l != NULL ? l : t;
			tp[np].llen = l != NULL ? (size_t)(le - l) : tp[np].len;
			tp[np++].pos = i;
			if (l != NULL)
				l = *le ? le + 1 : le;
		}
	}
	if (np > 0)
		qsort(tp, np, sizeof(*tp), tagpair_cmp);
	for (i = 0; i < np; i = j) {
		for (j = i; j < np && tp[j].len == tp[i].len &&
		    memcmp(tp[j].tag, tp[i].tag, tp[i].len) == 0; j++)
			;
		s->ntags++;
	}
	snprintf(kind, sizeof(kind), "/%s/tags/", archive);
	if ((s->tags = calloc(s->ntags + 1, sizeof(*s->tags))) == NULL) {
		free(tp);
		return -1;
	}
	for (i = 0, k = 0; i < np; i = j, k++) {
		for (j = i; j < np && tp[j].len == tp[i].len &&
		    memcmp(tp[j].tag, tp[i].tag, tp[i].len) == 0; j++)
			;
		if (group_init(s, &s->tags[k], tp[i].tag, tp[i].len,
		    kind) == -1 || (s->tags[k].idx = calloc(j - i,
		    sizeof(size_t))) == NULL) {
			free(tp);
			return -1;
		}
		s->tags[k].n = j - i;
		/* The newest statement's spelling names the tag. */
		snprintf(s->tags[k].label, sizeof(s->tags[k].label), "%.*s",
		    (int)tp[i].llen, tp[i].label);
		for (size_t m = i; m < j; m++)
			s->tags[k].idx[m - i] = s->listed[tp[m].pos];
	}
	free(tp);
	return 0;
}

static int
nthreads(const struct build_conf *bc, size_t n)
{
	long	 c = bc->threads;

	if (c <= 0)
		c = sysconf(_SC_NPROCESSORS_ONLN);
	if (c < 1)
		c = 1;
	if (c > BUILD_THREADS_MAX)
		c = BUILD_THREADS_MAX;
	if (n < 64)
		c = 1;
	return (int)c;
}

/* What loading a statement costs, about: its bytes, and a few for opens. */
static uint64_t
cand_cost(const struct cand *c)
{
	uint64_t	 n = c->size > BUILD_READ_MAX ? BUILD_READ_MAX :
			    c->size > 0 ? (uint64_t)c->size : 0;

	if (c->reuse >= 0)
		return 256;	/* copied, not read */
	return n + 2048 + (c->ini_size >= 0 ? 2048 + c->ini_size : 0);
}

/* Puts the chunks of c in front of *head. */
static void
chunks_move(struct chunk **head, struct chunk *c)
{
	struct chunk	*last;

	if (c == NULL)
		return;
	for (last = c; last->next != NULL; last = last->next)
		;
	last->next = *head;
	*head = c;
}

/*
 * A summary from a statement's text serves the Atom feed alone (a search
 * snippet reads the file, and falls back on its first paragraph): it is
 * read for the newest BUILD_FEED_ENTRIES once they are known, not kept for
 * every statement (about half a KiB each).  A summary a sidecar gives is
 * the publisher's and was kept.
 */
static int
summaries_read(const struct build_conf *bc, struct catalog *s)
{
	struct scan_text	 tx;
	struct stmt		*st;
	char			*buf;
	ssize_t			 n;
	size_t			 i;
	int			 fd;

	if ((buf = malloc(SUMMARY_READ_MAX)) == NULL)
		return -1;
	for (i = 0; i < s->n && i < BUILD_FEED_ENTRIES; i++) {
		st = &s->st[s->order[i]];
		if (!st->summary_read || st->summary[0] != '\0')
			continue;	/* a sidecar's, or read before */
		fd = build_open_regular(bc->rootfd, st->diskpath, NULL);
		n = fd == -1 ? -1 : pread(fd, buf, SUMMARY_READ_MAX, 0);
		if (fd != -1)
			close(fd);
		if (n <= 0)
			continue;	/* changed since: the next build sees it */
		scan_extract(buf, (size_t)n, st->is_txt, &tx);
		if ((st->summary = arena_dup(&s->arena, tx.summary,
		    strlen(tx.summary))) == NULL) {
			free(buf);
			return -1;
		}
	}
	free(buf);
	return 0;
}

static int
load_all(const struct build_conf *bc, struct catalog *s, struct walk *w)
{
	struct worker	 wk[BUILD_THREADS_MAX];
	uint64_t	 total = 0, sum = 0;
	size_t		 i;
	int		 t, nt = nthreads(bc, w->n), rc = 0;

	/* Ranges of about the same bytes (the work), not of files. */
	for (i = 0; i < w->n; i++)
		total += cand_cost(&w->c[i]);
	memset(wk, 0, sizeof(wk));
	for (t = 0, i = 0; t < nt; t++) {
		wk[t].bc = bc;
		wk[t].s = s;
		wk[t].c = w->c;
		wk[t].lo = i;
		while (i < w->n && (t == nt - 1 ||
		    sum + cand_cost(&w->c[i]) / 2 <= total * (t + 1) / nt))
			sum += cand_cost(&w->c[i++]);
		wk[t].hi = i;
		if ((wk[t].ix = search_new()) == NULL)
			rc = -1;
	}
	for (t = 1; t < nt && rc == 0; t++)
		if (pthread_create(&wk[t].thr, NULL, worker_run, &wk[t]) != 0)
			wk[t].failed = 2;	/* run below instead */
	if (rc == 0)
		worker_run(&wk[0]);
	for (t = 1; t < nt && rc == 0; t++) {
		if (wk[t].failed == 2) {
			wk[t].failed = 0;
			worker_run(&wk[t]);
		} else
			pthread_join(wk[t].thr, NULL);
	}
	for (t = 0; t < nt; t++) {
		s->errors += wk[t].errors;
		if (wk[t].failed)
			rc = -1;
		chunks_move(&s->arena, wk[t].arena);
		if (t == 0)
			s->search = wk[0].ix;
		else if (s->search != NULL && wk[t].ix != NULL &&
		    search_merge(s->search, wk[t].ix) == -1)
			rc = -1;
		else if (s->search == NULL)
			search_free(wk[t].ix);
	}
	/* An update's index stays open: the indexer appends it to its delta. */
	if (s->search == NULL)
		rc = -1;
	else if (bc->prev == NULL)
		search_finish(s->search);
	return rc;
}

/* In v[0..n), doc ids sorted by rel: the one at rel, or -1. */
static ssize_t
rel_find(const struct catalog *p, const size_t *v, size_t n, const char *rel)
{
	size_t	 lo = 0, hi = n, mid;
	int	 c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		c = strcmp(rel, p->st[v[mid]].rel);
		if (c == 0)
			return (ssize_t)v[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

/*
 * What a published statement's name says of its versions: the length of
 * rel up to the end of its slug without a language tag ("DIR/DATE-SLUG"
 * of "DIR/DATE-SLUG.es.gmi"), the key its versions share, and that tag
 * (NULL when its name has none).
 */
struct version_key {
	size_t		 st;		/* doc id */
	const char	*rel;
	size_t		 klen;
	const char	*tag;
	size_t		 taglen;
};

static void
version_key(const struct catalog *s, size_t i, struct version_key *k)
{
	const char	*rel = s->st[i].rel, *name, *slug;
	size_t		 n, slen, base;

	memset(k, 0, sizeof(*k));
	k->st = i;
	k->rel = rel;
	k->klen = strlen(rel) >= 4 ? strlen(rel) - 4 : 0;	/* ".gmi" */
	name = strrchr(rel, '/');
	name = name != NULL ? name + 1 : rel;
	n = strlen(name);
	if (n < 11 + 1 + 4)
		return;
	slug = name + 11;		/* after "YYYY-MM-DD-" */
	slen = n - 11 - 4;
	if (!lang_suffix(slug, slen, &base))
		return;
	k->tag = slug + base + 1;
	k->taglen = slen - base - 1;
	k->klen = (size_t)(slug + base - rel);
}

/* A tagged name's language: its tag. */
static int
tag_keep(struct catalog *s, struct stmt *st, const struct version_key *k)
{
	st->tr_lang = arena_dup(&s->arena, k->tag, k->taglen);
	return st->tr_lang != NULL ? 0 : -1;
}

/* By key, the untagged (the original) first, then by rel. */
static int
version_key_cmp(const void *a, const void *b)
{
	const struct version_key	*x = a, *y = b;
	size_t				 l = x->klen < y->klen ? x->klen :
					    y->klen;
	int				 c;

	if ((c = memcmp(x->rel, y->rel, l)) != 0)
		return c;
	if (x->klen != y->klen)
		return x->klen < y->klen ? -1 : 1;
	if ((x->tag == NULL) != (y->tag == NULL))
		return x->tag == NULL ? -1 : 1;
	return strcmp(x->rel, y->rel);
}

/* Is the tag (len bytes) the language tag `lang` (a list: its first)? */
static int
same_lang(const char *tag, size_t len, const char *lang)
{
	size_t	 n;

	if (tag == NULL || lang == NULL)
		return 0;
	n = strcspn(lang, ", ");
	return n == len && strncasecmp(tag, lang, n) == 0;
}

/*
 * Which members of the run k[0..n) (one key, the original first if any)
 * are versions of one statement, and which of them lists show: with an
 * original, it and every tagged one; without, the tagged ones whose
 * language broadside knows the name of (so that "report.old.gmi" and
 * "report.new.gmi" are not taken for translations).  Then the one in the
 * site's language if any, else the original, else the first.  Returns how
 * many stay in k (moved to its front), the listed first.
 */
static size_t
version_group(const struct catalog *s, struct version_key *k, size_t n,
    const char *site_lang)
{
	struct version_key	 tmp;
	const struct stmt	*st;
	size_t			 i, m = 0, pick = 0;
	int			 orig = k[0].tag == NULL;

	for (i = 0; i < n; i++)
		if ((i == 0 && orig) || (k[i].tag != NULL && (orig ||
		    lang_known(k[i].tag))))
			k[m++] = k[i];
	if (m < 2)
		return m;
	for (i = 0; i < m; i++) {
		st = &s->st[k[i].st];
		if (k[i].tag != NULL ? same_lang(k[i].tag, k[i].taglen,
		    site_lang) : st->lang == NULL || same_lang(st->lang,
		    strcspn(st->lang, ", "), site_lang)) {
			pick = i;
			break;
		}
	}
	tmp = k[pick];
	memmove(k + 1, k, pick * sizeof(*k));
	k[0] = tmp;
	return m;
}

/* The run of one statement's versions, k[0] the listed one. */
static void
version_run(struct catalog *s, const struct version_key *k, size_t m)
{
	struct stmt	*st;
	size_t		 i;

	for (i = 0; i < m; i++) {
		st = &s->st[k[i].st];
		s->vers[s->nvers + i] = k[i].st;
		st->vfirst = (uint32_t)s->nvers;
		st->vn = (uint32_t)m;
		st->translation = i > 0;
	}
	s->nvers += m;
}

/* FNV-1a of a string. */
static uint64_t
str_hash(const char *p)
{
	uint64_t	 h = 0xcbf29ce484222325ULL;

	for (; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	return h;
}

/* What the versions lists do not show are, in any order: what tells an
 * update that a new site language changed the lists. */
static uint64_t
versions_sig(const struct catalog *s)
{
	uint64_t	 h = 0;
	size_t		 i;

	for (i = 0; i < s->n; i++)
		if (s->st[s->order[i]].translation)
			h ^= str_hash(s->st[s->order[i]].rel);
	return h;
}

/*
 * The versions of the published statements, from their names, made anew
 * by every build (an unchanged statement gains a translation, or loses
 * its original), so nothing of it is copied from the last catalogue.  A
 * tagged name is in its tag's language when it is a version, or when
 * that is a language broadside knows ("x.fr.gmi" alone; not
 * "notes.old.gmi").  Then listed: order without the versions lists do
 * not show.
 */
static int
link_versions(struct catalog *s, const char *site_lang)
{
	struct version_key	*k;
	struct stmt		*st;
	size_t			 i, j, m, t;
	int			 rc = -1;

	if ((k = calloc(s->n + 1, sizeof(*k))) == NULL ||
	    (s->vers = calloc(s->n + 1, sizeof(size_t))) == NULL ||
	    (s->listed = calloc(s->n + 1, sizeof(size_t))) == NULL)
		goto done;
	for (i = 0; i < s->n; i++) {
		st = &s->st[s->order[i]];
		st->translation = 0;
		st->tr_lang = NULL;
		st->vfirst = st->vn = 0;
		version_key(s, s->order[i], &k[i]);
		if (k[i].tag != NULL && lang_known(k[i].tag) &&
		    tag_keep(s, st, &k[i]) == -1)
			goto done;
	}
	if (s->n > 0)
		qsort(k, s->n, sizeof(*k), version_key_cmp);
	for (i = 0; i < s->n; i = j) {
		for (j = i + 1; j < s->n && k[j].klen == k[i].klen &&
		    memcmp(k[j].rel, k[i].rel, k[i].klen) == 0; j++)
			;
		if ((m = version_group(s, k + i, j - i, site_lang)) < 2)
			continue;
		version_run(s, k + i, m);
		for (t = i; t < i + m; t++)	/* "x.old.gmi" of "x.gmi" */
			if (k[t].tag != NULL && s->st[k[t].st].tr_lang ==
			    NULL && tag_keep(s, &s->st[k[t].st], &k[t]) == -1)
				goto done;
	}
	for (i = 0; i < s->n; i++)
		if (!s->st[s->order[i]].translation)
			s->listed[s->nlisted++] = s->order[i];
	s->versions_sig = versions_sig(s);
	rc = 0;
done:
	free(k);
	return rc;
}

/* The last catalogue's statement at rel, published or not, or -1. */
static ssize_t
prev_find(const struct catalog *p, const char *rel)
{
	ssize_t	 j;

	if ((j = rel_find(p, p->by_rel, p->n, rel)) != -1)
		return j;
	return rel_find(p, p->hidden, p->nhidden, rel);
}

/* The same files as when the old record was made: nothing to read. */
static int
same_files(const struct cand *c, const struct stmt *old)
{
	return old->valid && old->size == c->size &&
	    old->mtime == c->mtime && old->mtime_ns == c->mtime_ns &&
	    old->ino == c->ino && old->ini_size == (int64_t)c->ini_size &&
	    (c->ini_size < 0 || (old->ini_mtime == c->ini_mtime &&
	    old->ini_ino == c->ini_ino)) && old->att_sig == c->att_sig;
}

/*
 * Which statements an update takes from the last catalogue, and the
 * search slots of the others: new ones, in order, so each loading
 * thread's documents come in increasing order and follow the last.
 */
static void
plan_slots(const struct build_conf *bc, struct catalog *s, struct walk *w)
{
	uint32_t	 next = bc->prev != NULL ? bc->next_slot : 0;
	ssize_t		 j;
	size_t		 i;

	for (i = 0; i < w->n; i++) {
		w->c[i].reuse = -1;
		if (bc->prev != NULL &&
		    (j = prev_find(bc->prev, w->c[i].rel)) != -1 &&
		    bc->prev->st[j].slot < bc->reuse_below &&
		    same_files(&w->c[i], &bc->prev->st[j]) &&
		    stmt_kind(&bc->prev->st[j], s->now) ==
		    bc->prev->st[j].kind) {
			w->c[i].reuse = j;
			w->c[i].slot = bc->prev->st[j].slot;
			s->reused++;
		} else
			w->c[i].slot = next++;
	}
	s->nslots = next;
}

/*
 * A statement not published: kept (an update compares it, the image
 * answers for its URL), and the earliest scheduled moment noted for the
 * indexer's timer.
 */
static void
note_hidden(struct catalog *s, size_t i)
{
	const struct stmt	*st = &s->st[i];

	s->hidden[s->nhidden++] = i;
	if (st->kind == STMT_SCHEDULED && (s->next_publish == 0 ||
	    st->publish < s->next_publish))
		s->next_publish = st->publish;
}

static double
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

struct catalog *
catalog_build(const struct build_conf *bc)
{
	struct catalog	*s;
	struct walk	 w;
	size_t		*tmp = NULL, i, k;
	double		 t0 = now_ms();
	int		 dirfd;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->now = bc->now != 0 ? bc->now : (long long)time(NULL);
	memset(&w, 0, sizeof(w));
	w.bc = bc;
	dirfd = site_openat(bc->rootfd, bc->archive, O_RDONLY | O_DIRECTORY);
	if (dirfd == -1) {
		if (!bc->quiet)
			log_warn("archive folder %s", bc->archive);
	} else {
		walk_dir(&w, dirfd, "", 0);
		walk_deferred(&w, dirfd, nthreads(bc, 64));
		close(dirfd);
	}
	s->sig = w.sig ^ w.n;
	s->errors = w.errors;
	if (!bc->force && bc->have_prev && s->sig == bc->prev_sig) {
		s->unchanged = 1;
		goto done;
	}
	if (w.n > 0)	/* qsort(NULL, 0, ...) is undefined */
		qsort(w.c, w.n, sizeof(*w.c), cand_cmp);
	s->nst = w.n;
	plan_slots(bc, s, &w);
	if ((s->st = calloc(w.n + 1, sizeof(*s->st))) == NULL ||
	    load_all(bc, s, &w) == -1)
		goto fail;
	if ((s->order = calloc(w.n + 1, sizeof(size_t))) == NULL ||
	    (s->by_rel = calloc(w.n + 1, sizeof(size_t))) == NULL ||
	    (s->hidden = calloc(w.n + 1, sizeof(size_t))) == NULL ||
	    (tmp = calloc(w.n + 1, sizeof(size_t))) == NULL)
		goto fail;
	for (i = 0, k = 0; i < w.n; i++)
		if (s->st[i].valid && s->st[i].kind == STMT_PUBLIC)
			s->order[k++] = i;
		else if (s->st[i].valid)
			note_hidden(s, i);
	s->n = k;
	memcpy(s->by_rel, s->order, k * sizeof(size_t));
	msort(s->order, tmp, k, s, order_cmp_r);
	msort(s->by_rel, tmp, k, s, rel_cmp_r);
	msort(s->hidden, tmp, s->nhidden, s, rel_cmp_r);
	if (link_versions(s, bc->site_lang) == -1 || summaries_read(bc, s) == -1 ||
	    build_groups(s, bc->archive) == -1)
		goto fail;
done:
	for (i = 0; i < w.n; i++)
		free(w.c[i].rel);
	free(w.c);
	free(tmp);
	s->build_ms = now_ms() - t0;
	return s;
fail:
	for (i = 0; i < w.n; i++)
		free(w.c[i].rel);
	free(w.c);
	free(tmp);
	catalog_free(s);
	return NULL;
}

/* See archive_build.h. */
struct catalog *
catalog_from_records(const struct stmt *recs, size_t n, uint64_t sig,
    uint32_t nslots)
{
	struct catalog	*s;
	struct worker	 wk;
	size_t		*tmp = NULL, i;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	memset(&wk, 0, sizeof(wk));
	s->sig = sig;
	s->nslots = nslots;
	s->nst = s->n = n;
	if ((s->st = calloc(n + 1, sizeof(*s->st))) == NULL ||
	    (s->order = calloc(n + 1, sizeof(size_t))) == NULL ||
	    (s->by_rel = calloc(n + 1, sizeof(size_t))) == NULL ||
	    (tmp = calloc(n + 1, sizeof(size_t))) == NULL)
		goto fail;
	for (i = 0; i < n; i++) {
		if (stmt_copy(&wk, &s->st[i], &recs[i]) == -1)
			goto fail;
		s->st[i].valid = 1;
		s->st[i].translation = recs[i].translation;
		s->order[i] = s->by_rel[i] = i;
	}
	msort(s->by_rel, tmp, n, s, rel_cmp_r);
	s->versions_sig = versions_sig(s);
	s->arena = wk.arena;
	free(tmp);
	return s;
fail:
	s->arena = wk.arena;
	free(tmp);
	catalog_free(s);
	return NULL;
}

static void
group_free(struct group *g, int owns_idx)
{
	free(g->url);
	if (owns_idx)
		free(g->idx);
}

void
catalog_free(struct catalog *s)
{
	size_t	 i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nyears; i++)
		group_free(&s->years[i], 0);
	for (i = 0; i < s->ntags; i++)
		group_free(&s->tags[i], 1);
	free(s->years);
	free(s->tags);
	for (i = 0; i < sizeof(s->view) / sizeof(s->view[0]); i++)
		if (s->view_free[i] != NULL)
			s->view_free[i](s->view[i]);
	search_free(s->search);
	free(s->st);
	free(s->order);
	free(s->by_rel);
	free(s->hidden);
	free(s->listed);
	free(s->vers);
	arena_free(s->arena);
	free(s);
}
