/* SPDX-License-Identifier: ISC */
/*
 * broadside: questions asked of an archive snapshot on the request path:
 * a year or a tag, a search with its snippets, and the renderers' view
 * slots (a statement by its place or path: snapfile.c).  Nothing here
 * grows with the archive.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive.h"
#include "archive_build.h"
#include "search_flat.h"
#include "utf8.h"

#define SNIPPET_READ_MAX	(64 * 1024)

const struct snapshot_group *
snapshot_group(const struct snapshot *s, int is_tag, const char *key,
    size_t keylen)
{
	const struct snapshot_group	*gs = is_tag ? s->tags : s->years;
	size_t				 n = is_tag ? s->ntags : s->nyears, i;

	for (i = 0; i < n; i++)
		if (strlen(gs[i].key) == keylen &&
		    memcmp(gs[i].key, key, keylen) == 0)
			return &gs[i];
	return NULL;
}

void *
snapshot_view(const struct snapshot *s, int slot)
{
	if (slot < 0 || slot >= SNAPSHOT_VIEWS)
		return NULL;
	return s->view[slot];
}

void
snapshot_set_view(struct snapshot *s, int slot, void *view,
    void (*view_free)(void *))
{
	if (slot < 0 || slot >= SNAPSHOT_VIEWS)
		return;
	s->view[slot] = view;
	s->view_free[slot] = view_free;
}

/* The summary, cut to a snippet's size on a character boundary. */
static void
summary_snippet(const char *summary, char *out, size_t outsz)
{
	size_t	 l = utf8_cut(summary, strlen(summary), SEARCH_SNIPPET_MAX);

	snprintf(out, outsz, "%.*s%s", (int)l, summary,
	    l < strlen(summary) ? "\xe2\x80\xa6" : "");
}

/*
 * The words around the first hit in the statement's text; with no word
 * in the text (a title or tag hit), its summary instead.  The file is
 * opened on the event loop, never blocking.
 */
static void
snippet_for(int rootfd, const struct stmt *st, const char *q, size_t qlen,
    char *out, size_t outsz)
{
	struct scan_text	 tx;
	const char		*summary = st->summary;
	char			*buf;
	ssize_t			 n = -1;
	int			 fd;

	out[0] = '\0';
	if ((buf = malloc(SNIPPET_READ_MAX)) == NULL)
		return;
	if ((fd = build_open_regular(rootfd, st->diskpath, NULL)) != -1) {
		n = pread(fd, buf, SNIPPET_READ_MAX, 0);
		if (n > 0)
			search_snippet(buf, (size_t)n, q, qlen, out, outsz);
		close(fd);
	}
	if (out[0] == '\0' && (summary == NULL || *summary == '\0') && n > 0) {
		scan_extract(buf, (size_t)n, st->is_txt, &tx);
		summary = tx.summary;
	}
	if (out[0] == '\0' && summary != NULL)
		summary_snippet(summary, out, outsz);
	free(buf);
}

/*
 * The hits of the snapshot's segments, mapped from slots to positions
 * (a slot the rank table does not place is dropped: the query filters
 * them, but the table is the image's, checked only for its bounds).
 */
int
archive_search(const struct archive *a, const struct snapshot *s,
    const char *q, size_t qlen, struct archive_results *res)
{
	struct stmt	 tmp;
	size_t		 i, k;
	uint32_t	 slot;

	res->words = search_seg_query(s->seg, s->nseg, s->rank, s->nslots, q,
	    qlen, res->hits, SEARCH_RESULTS_MAX, &res->n, &res->total);
	if (res->words < 0)
		return -1;
	for (i = 0, k = 0; i < res->n && i < SEARCH_RESULTS_MAX; i++) {
		slot = res->hits[i].doc;
		if (slot >= s->nslots || s->rank[slot] >= s->n)
			continue;
		res->hits[k] = res->hits[i];
		res->pos[k] = s->rank[slot];
		snippet_for(archive_rootfd(a), snapshot_stmt(s, res->pos[k],
		    &tmp), q, qlen, res->snip[k], sizeof(res->snip[k]));
		k++;
	}
	res->n = k;
	return 0;
}

/*
 * An attachment's statement: "a/DATE-slug/x/NAME" -> "a/DATE-slug" (into
 * out, without extension), the first folder named like a statement, as
 * archive_route() has it.  -1 when there is none.
 */
static int
owner_base(const char *rel, char *out, size_t outsz)
{
	const char	*dir, *slash;
	size_t		 len;

	for (dir = rel; (slash = strchr(dir, '/')) != NULL; dir = slash + 1) {
		len = (size_t)(slash - dir);
		if (len > 11 && dir[4] == '-' && dir[7] == '-' &&
		    dir[10] == '-' && memchr(dir, '.', len) == NULL)
			return snprintf(out, outsz, "%.*s", (int)(slash - rel),
			    rel) < (int)outsz ? 0 : -1;
	}
	return -1;
}

static int
known(const struct snapshot *s, const char *rel, struct snapshot_hidden *h)
{
	struct stmt	 tmp;

	if (snapshot_hidden(s, rel, h) != NULL)
		return ARCHIVE_HIDDEN;
	if (snapshot_find(s, rel, &tmp) != NULL)
		return ARCHIVE_SHOWN;
	return -1;
}

/* See archive.h. */
int
archive_visibility(const struct archive *a, const struct snapshot *s,
    const char *rel, int is_attachment, struct snapshot_hidden *h)
{
	char		 base[PATH_MAX], path[PATH_MAX];
	const char	*ext;
	size_t		 len;
	int		 k;

	if (is_attachment) {
		if (owner_base(rel, base, sizeof(base)) == -1)
			return ARCHIVE_SHOWN;
		for (ext = ".gmi"; s != NULL && ext != NULL;
		    ext = ext[1] == 'g' ? ".txt" : NULL)
			if (snprintf(path, sizeof(path), "%s%s", base, ext) <
			    (int)sizeof(path) && (k = known(s, path, h)) != -1)
				return k;
	} else {
		if (s != NULL && (k = known(s, rel, h)) != -1)
			return k;
		if ((len = strlen(rel)) < 4 || len - 4 >= sizeof(base))
			return ARCHIVE_SHOWN;
		snprintf(base, sizeof(base), "%.*s", (int)(len - 4), rel);
	}
	/* Not (yet) indexed: a sidecar beside it may say "draft". */
	if (snprintf(path, sizeof(path), "%s/%s.ini", archive_folder(a),
	    base) >= (int)sizeof(path))
		return ARCHIVE_UNDECIDED;
	return faccessat(archive_rootfd(a), path, F_OK, 0) ==
	    0 ? ARCHIVE_UNDECIDED : ARCHIVE_SHOWN;
}

int
archive_moved_path(const struct archive *a, const char *path, char *out,
    size_t outsz)
{
	const char	*folder, *to;
	size_t		 len;

	if (a == NULL || path[0] != '/')
		return 0;
	folder = archive_folder(a);
	len = strlen(folder);
	if (strncmp(path + 1, folder, len) != 0 || path[1 + len] != '/' ||
	    (to = archive_moved(a, path + 2 + len)) == NULL)
		return 0;
	return snprintf(out, outsz, "/%s/%s", folder, to) < (int)outsz;
}

size_t
archive_versions(const struct snapshot *s, const struct stmt *st,
    const char *site_lang, struct stmt_version *out, size_t max)
{
	const uint32_t		*pos;
	const struct stmt	*o;
	struct stmt		 tmp;
	size_t			 n, i, k = 0;

	pos = snapshot_versions(s, st, &n);
	for (i = 0; i < n && k < max; i++) {
		if ((o = snapshot_stmt(s, pos[i], &tmp)) == NULL ||
		    strcmp(o->rel, st->rel) == 0)
			continue;
		out[k].rel = o->rel;
		out[k].url = o->url;
		out[k].lang = stmt_lang(o) != NULL ? stmt_lang(o) :
		    site_lang != NULL ? site_lang : "";
		out[k++].title = o->title;
	}
	return k;
}
