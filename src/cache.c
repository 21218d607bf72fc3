/* SPDX-License-Identifier: ISC */
/*
 * broadside: small-response cache.  A chained hash table with an LRU list
 * and a byte budget.  Entries are reference counted: one being sent when it
 * is evicted or replaced lives until the connection is done with it.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache.h"

#define CACHE_BUCKETS	1024	/* a power of two */

struct cache_entry {
	TAILQ_ENTRY(cache_entry) lru;
	struct cache_entry	*next;		/* bucket chain */
	int			 proto;
	int			 refs;
	int			 linked;
	int			 status;
	char			*path;
	char			*statpath;
	dev_t			 dev;
	ino_t			 ino;
	off_t			 size;
	struct timespec		 mtime;
	int64_t			 checked_ms;
	char			*head;
	size_t			 headlen;
	char			*body;
	size_t			 bodylen;
	size_t			 cost;
};

TAILQ_HEAD(cache_lru, cache_entry);

static struct cache_entry	*buckets[CACHE_BUCKETS];
static struct cache_lru		 lru = TAILQ_HEAD_INITIALIZER(lru);
static size_t			 max_file, max_total, total;

static int64_t
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static size_t
hash(int proto, const char *path)
{
	uint64_t	 h = 1469598103934665603ULL ^ (uint64_t)proto;

	for (; *path != '\0'; path++)
		h = (h ^ (unsigned char)*path) * 1099511628211ULL;
	return (size_t)(h ^ (h >> 32)) & (CACHE_BUCKETS - 1);
}

void
cache_init(size_t max)
{
	cache_clear();
	max_file = max;
	max_total = max * CACHE_TOTAL_FACTOR;
}

static void
entry_free(struct cache_entry *e)
{
	free(e->path);
	free(e->statpath);
	free(e->head);
	free(e->body);
	free(e);
}

static void
entry_release(void *arg)
{
	struct cache_entry	*e = arg;

	if (--e->refs == 0 && !e->linked)
		entry_free(e);
}

static void
entry_unlink(struct cache_entry *e)
{
	struct cache_entry	**pp = &buckets[hash(e->proto, e->path)];

	while (*pp != NULL && *pp != e)
		pp = &(*pp)->next;
	if (*pp == e)
		*pp = e->next;
	TAILQ_REMOVE(&lru, e, lru);
	total -= e->cost;
	e->linked = 0;
	if (e->refs == 0)
		entry_free(e);
}

void
cache_clear(void)
{
	while (!TAILQ_EMPTY(&lru))
		entry_unlink(TAILQ_FIRST(&lru));
}

static struct cache_entry *
lookup(int proto, const char *path)
{
	struct cache_entry	*e;

	for (e = buckets[hash(proto, path)]; e != NULL; e = e->next)
		if (e->proto == proto && strcmp(e->path, path) == 0)
			return e;
	return NULL;
}

static int
same_file(const struct cache_entry *e, const struct stat *st)
{
	return e->dev == st->st_dev && e->ino == st->st_ino &&
	    e->size == st->st_size &&
	    e->mtime.tv_sec == st->st_mtim.tv_sec &&
	    e->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

/* Still the same file?  Looked at no more than once a second. */
static int
still_valid(struct cache_entry *e, int rootfd)
{
	struct stat	 st;
	const char	*rel = e->statpath;
	int64_t		 now = now_ms();

	if (now - e->checked_ms < CACHE_REVALIDATE_MSEC)
		return 1;
	while (*rel == '/')
		rel++;
	if (fstatat(rootfd, *rel ? rel : ".", &st, 0) == -1 ||
	    !same_file(e, &st))
		return 0;
	e->checked_ms = now;
	return 1;
}

int
cache_serve(int rootfd, int proto, const char *path, struct response *r)
{
	struct cache_entry	*e;

	if (max_file == 0 || (e = lookup(proto, path)) == NULL)
		return 0;
	if (!still_valid(e, rootfd)) {
		entry_unlink(e);
		return 0;
	}
	if (buf_append(&r->out, e->head, e->headlen) == -1)
		return 0;
	r->head_len = e->headlen;
	TAILQ_REMOVE(&lru, e, lru);
	TAILQ_INSERT_HEAD(&lru, e, lru);
	r->status = e->status;
	r->body = e->body;
	r->body_len = e->bodylen;
	r->body_ref = e;
	r->body_release = entry_release;
	e->refs++;
	return 1;
}

int
cache_wants(size_t bodylen)
{
	return max_file > 0 && bodylen <= max_file;
}

void
cache_store(int proto, const char *path, const char *statpath,
    const struct stat *st, int status, const char *head, size_t headlen,
    const char *body, size_t bodylen)
{
	struct cache_entry	*e, *old;
	size_t			 h;

	if (!cache_wants(bodylen) || (e = calloc(1, sizeof(*e))) == NULL)
		return;
	e->proto = proto;
	e->status = status;
	e->path = strdup(path);
	e->statpath = strdup(statpath);
	e->head = malloc(headlen + 1);
	e->body = malloc(bodylen + 1);
	if (e->path == NULL || e->statpath == NULL || e->head == NULL ||
	    e->body == NULL) {
		entry_free(e);
		return;
	}
	memcpy(e->head, head, headlen);
	memcpy(e->body, body, bodylen);
	e->headlen = headlen;
	e->bodylen = bodylen;
	e->dev = st->st_dev;
	e->ino = st->st_ino;
	e->size = st->st_size;
	e->mtime = st->st_mtim;
	e->checked_ms = now_ms();
	e->cost = sizeof(*e) + strlen(path) + strlen(statpath) + headlen +
	    bodylen;
	if ((old = lookup(proto, path)) != NULL)
		entry_unlink(old);
	while (total + e->cost > max_total && !TAILQ_EMPTY(&lru))
		entry_unlink(TAILQ_LAST(&lru, cache_lru));
	h = hash(proto, path);
	e->next = buckets[h];
	buckets[h] = e;
	TAILQ_INSERT_HEAD(&lru, e, lru);
	e->linked = 1;
	total += e->cost;
}
