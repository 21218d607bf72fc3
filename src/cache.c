/* SPDX-License-Identifier: ISC */
/*
 * broadside: small-response cache.  A chained hash table with an LRU list
 * and a byte budget.  Bodies are blobs: one being sent when its entry is
 * evicted or replaced lives until the connection is done with it.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blob.h"
#include "cache.h"

#define CACHE_BUCKETS	1024	/* a power of two */

struct cache_entry {
	TAILQ_ENTRY(cache_entry) lru;
	struct cache_entry	*next;		/* bucket chain */
	int			 status;
	char			*key;
	char			*statpath;
	dev_t			 dev;
	ino_t			 ino;
	off_t			 size;
	struct timespec		 mtime;
	int64_t			 checked_ms;
	char			*head;
	size_t			 headlen;
	struct blob		*body;
	size_t			 cost;
};

TAILQ_HEAD(cache_lru, cache_entry);

struct cache {
	struct cache_entry	*buckets[CACHE_BUCKETS];
	struct cache_lru	 lru;
	size_t			 max_entry, max_total, total;
};

static int64_t
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static size_t
hash(const char *key)
{
	uint64_t	 h = 1469598103934665603ULL;

	for (; *key != '\0'; key++)
		h = (h ^ (unsigned char)*key) * 1099511628211ULL;
	return (size_t)(h ^ (h >> 32)) & (CACHE_BUCKETS - 1);
}

struct cache *
cache_new(size_t max_entry, size_t max_total)
{
	struct cache	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	TAILQ_INIT(&c->lru);
	c->max_entry = max_entry;
	c->max_total = max_total;
	return c;
}

static void
entry_free(struct cache_entry *e)
{
	free(e->key);
	free(e->statpath);
	free(e->head);
	blob_release(e->body);
	free(e);
}

static void
entry_unlink(struct cache *c, struct cache_entry *e)
{
	struct cache_entry	**pp = &c->buckets[hash(e->key)];

	while (*pp != NULL && *pp != e)
		pp = &(*pp)->next;
	if (*pp == e)
		*pp = e->next;
	TAILQ_REMOVE(&c->lru, e, lru);
	c->total -= e->cost;
	entry_free(e);
}

void
cache_free(struct cache *c)
{
	if (c == NULL)
		return;
	while (!TAILQ_EMPTY(&c->lru))
		entry_unlink(c, TAILQ_FIRST(&c->lru));
	free(c);
}

static struct cache_entry *
lookup(const struct cache *c, const char *key)
{
	struct cache_entry	*e;

	for (e = c->buckets[hash(key)]; e != NULL; e = e->next)
		if (strcmp(e->key, key) == 0)
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
cache_serve(struct cache *c, int rootfd, const char *key, struct response *r)
{
	struct cache_entry	*e;

	if (c == NULL || c->max_entry == 0 || key[0] == '\0' ||
	    (e = lookup(c, key)) == NULL)
		return 0;
	if (!still_valid(e, rootfd)) {
		entry_unlink(c, e);
		return 0;
	}
	if (e->headlen > 0 && buf_append(&r->out, e->head, e->headlen) == -1)
		return 0;
	r->head_len = e->headlen;
	TAILQ_REMOVE(&c->lru, e, lru);
	TAILQ_INSERT_HEAD(&c->lru, e, lru);
	r->status = e->status;
	blob_lend(e->body, r);
	return 1;
}

int
cache_key(char *out, size_t outsz, const char *a, const char *b,
    const char *c)
{
	const char	*part[3] = { a, b, c };
	size_t		 i, n, o = 0;

	for (i = 0; i < 3; i++) {
		n = part[i] != NULL ? strlen(part[i]) : 0;
		if (o + n + 2 > outsz)
			return -1;
		memcpy(out + o, part[i] != NULL ? part[i] : "", n);
		o += n;
		if (i < 2)
			out[o++] = '\x1f';
	}
	out[o] = '\0';
	return 0;
}

int
cache_wants(const struct cache *c, size_t bodylen)
{
	return c != NULL && c->max_entry > 0 && bodylen <= c->max_entry;
}

void
cache_store_blob(struct cache *c, const char *key, const char *statpath,
    const struct stat *st, int status, const char *head, size_t headlen,
    struct blob *body)
{
	struct cache_entry	*e, *old;
	size_t			 h;

	if (!cache_wants(c, body->len) || key[0] == '\0' ||
	    (e = calloc(1, sizeof(*e))) == NULL)
		return;
	blob_ref(body);
	e->body = body;
	e->status = status;
	e->key = strdup(key);
	e->statpath = strdup(statpath);
	if (e->key == NULL || e->statpath == NULL ||
	    (e->head = malloc(headlen + 1)) == NULL) {
		entry_free(e);
		return;
	}
	memcpy(e->head, head, headlen);
	e->headlen = headlen;
	e->dev = st->st_dev;
	e->ino = st->st_ino;
	e->size = st->st_size;
	e->mtime = st->st_mtim;
	e->checked_ms = now_ms();
	e->cost = sizeof(*e) + strlen(key) + strlen(statpath) + headlen +
	    body->len;
	if ((old = lookup(c, key)) != NULL)
		entry_unlink(c, old);
	while (c->total + e->cost > c->max_total && !TAILQ_EMPTY(&c->lru))
		entry_unlink(c, TAILQ_LAST(&c->lru, cache_lru));
	h = hash(key);
	e->next = c->buckets[h];
	c->buckets[h] = e;
	TAILQ_INSERT_HEAD(&c->lru, e, lru);
	c->total += e->cost;
}

void
cache_store(struct cache *c, const char *key, const char *statpath,
    const struct stat *st, int status, const char *head, size_t headlen,
    const char *body, size_t bodylen)
{
	struct blob	*b;

	if (!cache_wants(c, bodylen) || (b = blob_copy(body, bodylen)) == NULL)
		return;
	cache_store_blob(c, key, statpath, st, status, head, headlen, b);
	blob_release(b);
}
