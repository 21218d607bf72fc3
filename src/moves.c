/* SPDX-License-Identifier: ISC */
/* broadside: the archive's moves, read by the indexer (see moves.h). */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive_build.h"
#include "log.h"
#include "moves.h"

static uint64_t
bytes_hash(const char *p, size_t n)
{
	uint64_t	 h = 14695981039346656037ull;
	size_t		 i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 1099511628211ull;
	}
	return h ^ n;
}

/* The file's bytes (a missing file: none, n = 0).  0, or -1. */
static int
read_moves(int rootfd, const char *archive, char **buf, size_t *n)
{
	char	 path[PATH_MAX];
	ssize_t	 r;
	int	 fd;

	*buf = NULL;
	*n = 0;
	snprintf(path, sizeof(path), "%s/%s", archive, REDIRECTS_FILE);
	if ((fd = build_open_regular(rootfd, path, NULL)) == -1)
		return errno == ENOENT ? 0 : -1;
	if ((*buf = malloc(MOVES_FILE_MAX)) == NULL) {
		close(fd);
		return -1;
	}
	while ((r = read(fd, *buf + *n, MOVES_FILE_MAX - *n)) > 0)
		*n += (size_t)r;
	close(fd);
	if (r == -1)
		return -1;
	if (*n == MOVES_FILE_MAX)
		log_warnx("%s: only its first %d bytes are read", path,
		    MOVES_FILE_MAX);
	return 0;
}

static void
log_errors(const struct redirects *rd, const char *archive)
{
	size_t	 i;

	for (i = 0; i < rd->nerrors && i < REDIRECTS_ERRORS_MAX; i++)
		log_warnx("%s/%s:%d: %s", archive, REDIRECTS_FILE,
		    rd->errors[i].line, rd->errors[i].msg);
	if (rd->nerrors > REDIRECTS_ERRORS_MAX)
		log_warnx("%s/%s: %zu more errors", archive, REDIRECTS_FILE,
		    rd->nerrors - REDIRECTS_ERRORS_MAX);
}

int
moves_read(struct moves *m, int rootfd, const char *archive)
{
	struct redirects	 rd;
	char			*buf;
	size_t			 n;
	uint64_t		 h;
	int			 present;

	m->changed = 0;
	if (read_moves(rootfd, archive, &buf, &n) == -1) {
		if (errno != ENOMEM)
			log_warn("%s/%s", archive, REDIRECTS_FILE);
		free(buf);
		return errno == ENOMEM ? -1 : 0;
	}
	present = buf != NULL;
	h = present ? bytes_hash(buf, n) : 0;
	if (present == m->present && h == m->hash) {
		free(buf);
		return 0;
	}
	memset(&rd, 0, sizeof(rd));
	if (buf != NULL && redirects_parse(buf, n, &rd) == -1) {
		redirects_free(&rd);
		free(buf);
		return -1;
	}
	free(buf);
	log_errors(&rd, archive);
	redirects_free(&m->rd);
	m->rd = rd;
	m->hash = h;
	m->present = present;
	m->changed = 1;
	return 0;
}

/* A published statement of the catalogue at rel. */
static int
published(const struct catalog *c, const char *rel)
{
	size_t	 lo = 0, hi = c->n, mid;
	int	 cmp;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		cmp = strcmp(rel, c->st[c->by_rel[mid]].rel);
		if (cmp == 0)
			return c->st[c->by_rel[mid]].kind == STMT_PUBLIC;
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return 0;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Some entry leads to path (tos: every entry's NEW, sorted): then it is
 * not its statement's first name. */
static int
is_target(const char **tos, size_t n, const char *path)
{
	return n > 0 && bsearch(&path, tos, n, sizeof(*tos), str_cmp) != NULL;
}

int
moves_write(const struct moves *m, const struct catalog *c,
    const char *archive, int report, rdimg_sink_fn sink, void *arg)
{
	struct rdimg_entry	*e;
	const struct redirect	*r;
	const char		*to, **tos;
	size_t			 i, n = 0;
	int			 rc;

	e = calloc(m->rd.n + 1, sizeof(*e));
	tos = calloc(m->rd.n + 1, sizeof(*tos));
	if (e == NULL || tos == NULL) {
		free(e);
		free(tos);
		return -1;
	}
	for (i = 0; i < m->rd.n; i++)
		tos[i] = m->rd.r[i].to;
	if (m->rd.n > 0)
		qsort(tos, m->rd.n, sizeof(*tos), str_cmp);
	for (i = 0; i < m->rd.n; i++) {
		r = &m->rd.r[i];
		if (r->bad || redirects_resolve(&m->rd, r->from, &to, NULL) !=
		    REDIRECTS_FOUND)
			continue;	/* a loop: reported when parsed */
		if (published(c, r->from))
			continue;	/* the statement there wins */
		if (!published(c, to)) {
			if (report)
				log_warnx("%s/%s:%d: %s leads to %s, which is "
				    "no published statement: not followed",
				    archive, REDIRECTS_FILE, r->line, r->from,
				    to);
			continue;
		}
		e[n].from = r->from;
		e[n].to = to;
		e[n].origin = !is_target(tos, m->rd.n, r->from);
		n++;
	}
	rc = rdimg_write(e, n, sink, arg);
	free(e);
	free(tos);
	return rc;
}

void
moves_free(struct moves *m)
{
	redirects_free(&m->rd);
	memset(m, 0, sizeof(*m));
}
