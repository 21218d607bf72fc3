/* SPDX-License-Identifier: ISC */
/*
 * broadside: per-address limits, in one table every worker shares.
 *
 * The table is an open-addressing array in shared memory (mmap
 * MAP_SHARED | MAP_ANONYMOUS), made by the parent before it forks the
 * workers, and guarded by one process-shared robust mutex: a worker
 * killed while it holds the lock leaves it to the next one (EOWNERDEAD),
 * who carries on.  The work done under the lock is a bounded probe of
 * LIMITS_PROBE_MAX slots and a few stores, never a system call.
 *
 * A full table never stops limiting.  An address that is not found takes
 * a slot in its probe window: an empty one, else the one whose loss costs
 * least, least recently seen first: an entry with no connection and a
 * full bucket (it knows nothing the default does not), then one with no
 * connection, and only then one with connections.
 *
 * What a worker could not trust in shared memory (the table's size, the
 * hash seed) is kept in its own memory, copied at fork: a sibling that
 * scribbles on the table can spoil limits, not crash the others.
 */
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "ratelimit.h"

#define LIMITS_PROBE_MAX	32
#define LIMITS_SLOTS_MIN	8192	/* 320 KiB */
#define LIMITS_SLOTS_MAX	(1u << 18)	/* 10 MiB */

struct limit_slot {
	unsigned char	 key[16];
	uint32_t	 used;
	uint32_t	 conns;
	double		 tokens;
	double		 last;	/* last seen: refills count from it */
};

struct limits_shm {
	pthread_mutex_t		 lock;
	struct limit_slot	 slots[];
};

/* The parent's handle, inherited by every worker at fork. */
struct limits_table {
	struct limits_shm	*shm;
	size_t			 maplen;
	size_t			 nslots;	/* a power of two */
	uint64_t		 seed;
};

struct limits {
	struct limits_table	*table;
	int			 own;		/* a private table to free */
	unsigned int		 per_ip;	/* 0 = unlimited */
	double			 burst;		/* bucket size; 0 = no rate */
	double			 per_sec;	/* refill */
	int			 v6_bits;	/* IPv6 prefix counted */
	int			 lock_failed;	/* logged once */
	double			(*clock)(void);
};

static double
mono_seconds(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t
table_want(const struct config *conf, int workers)
{
	size_t	 want, n = LIMITS_SLOTS_MIN;

	/* Twice the connections all workers may hold at once. */
	want = (size_t)(conf->max_clients > 0 ? conf->max_clients : 1) *
	    (size_t)(workers > 0 ? workers : 1) * 2;
	while (n < want && n < LIMITS_SLOTS_MAX)
		n *= 2;
	return n;
}

static uint64_t
table_seed(void)
{
	uint64_t	 seed;

	/* Keyed slots: colliding addresses cannot be worked out blind. */
	if (getentropy(&seed, sizeof(seed)) == -1)
		seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	return seed;
}

struct limits_table *
limits_table_new(const struct config *conf, int workers)
{
	struct limits_table	*t;
	pthread_mutexattr_t	 ma;
	void			*p;
	int			 rv;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->nslots = table_want(conf, workers);
	t->maplen = sizeof(struct limits_shm) +
	    t->nslots * sizeof(struct limit_slot);
	t->seed = table_seed();
	p = mmap(NULL, t->maplen, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		log_warn("mmap %zu bytes for the limits table", t->maplen);
		free(t);
		return NULL;
	}
	t->shm = p;	/* zero-filled: every slot unused */
	if ((rv = pthread_mutexattr_init(&ma)) == 0) {
		if ((rv = pthread_mutexattr_setpshared(&ma,
		    PTHREAD_PROCESS_SHARED)) == 0 &&
		    (rv = pthread_mutexattr_setrobust(&ma,
		    PTHREAD_MUTEX_ROBUST)) == 0)
			rv = pthread_mutex_init(&t->shm->lock, &ma);
		pthread_mutexattr_destroy(&ma);
	}
	if (rv != 0) {
		errno = rv;
		log_warn("limits table lock");
		munmap(p, t->maplen);
		free(t);
		return NULL;
	}
	return t;
}

int
limits_table_fits(const struct limits_table *t, const struct config *conf,
    int workers)
{
	return t != NULL && t->nslots >= table_want(conf, workers);
}

size_t
limits_table_slots(const struct limits_table *t)
{
	return t->nslots;
}

/* Unmaps this process's view; workers forked earlier keep theirs. */
void
limits_table_free(struct limits_table *t)
{
	if (t == NULL)
		return;
	munmap(t->shm, t->maplen);
	free(t);
}

struct limits *
limits_new(const struct config *conf, struct limits_table *table)
{
	struct limits	*l;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	if (table == NULL) {
		if ((table = limits_table_new(conf, 1)) == NULL) {
			free(l);
			return NULL;
		}
		l->own = 1;
	}
	l->table = table;
	l->per_ip = conf->max_clients_per_ip > 0 ?
	    (unsigned int)conf->max_clients_per_ip : 0;
	if (conf->rate_requests > 0 && conf->rate_seconds > 0) {
		l->burst = conf->rate_requests;
		l->per_sec = (double)conf->rate_requests / conf->rate_seconds;
	}
	l->v6_bits = conf->ipv6_prefix >= 32 && conf->ipv6_prefix <= 128 ?
	    conf->ipv6_prefix : 128;
	l->clock = mono_seconds;
	return l;
}

void
limits_free(struct limits *l)
{
	if (l == NULL)
		return;
	if (l->own)
		limits_table_free(l->table);
	free(l);
}

void
limits_set_clock(struct limits *l, double (*clock)(void))
{
	l->clock = clock;
}

/*
 * IPv4 (and v4-mapped IPv6) by address; other IPv6 by its first v6_bits
 * bits, the rest zeroed.
 */
int
limits_key(const struct limits *l, const struct sockaddr *sa,
    unsigned char key[16])
{
	static const unsigned char mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};
	int	 i, bits = l->v6_bits;

	if (config_addr_key(sa, key) == -1)
		return -1;
	if (memcmp(key, mapped, sizeof(mapped)) == 0)
		return 0;
	for (i = 0; i < 16; i++, bits -= 8)
		if (bits < 8)
			key[i] &= bits > 0 ?
			    (unsigned char)(0xff << (8 - bits)) : 0;
	return 0;
}

static size_t
slot_hash(uint64_t seed, const unsigned char key[16])
{
	uint64_t	 a, b, h;

	memcpy(&a, key, 8);
	memcpy(&b, key + 8, 8);
	h = (seed ^ a) * 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h = (h ^ b ^ (seed >> 17)) * 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 29;
	h *= 0x9e3779b97f4a7c15ULL;
	h ^= h >> 32;
	return (size_t)h;
}

static void
refill(struct limits *l, struct limit_slot *s, double now)
{
	/* Shared memory: a worker killed mid-update may leave anything. */
	if (!(s->last <= now))
		s->last = now;
	if (l->burst > 0) {
		if (!(s->tokens >= 0.0 && s->tokens <= l->burst))
			s->tokens = l->burst;
		s->tokens = fmin(l->burst,
		    s->tokens + (now - s->last) * l->per_sec);
	}
	s->last = now;
}

/* What evicting this slot loses: 0 nothing, 1 a rate, 2 connections. */
static int
evict_cost(const struct limits *l, const struct limit_slot *s, double now)
{
	if (s->conns > 0)
		return 2;
	if (l->burst <= 0 ||
	    s->tokens + (now - s->last) * l->per_sec >= l->burst)
		return 0;
	return 1;
}

/* The slot for a key: found, or (create) taken over.  NULL: not found. */
static struct limit_slot *
lookup(struct limits *l, const unsigned char key[16], int create,
    double now)
{
	struct limits_table	*t = l->table;
	struct limit_slot	*s, *victim = NULL;
	size_t			 i, h = slot_hash(t->seed, key);
	int			 cost, vcost = 3;

	for (i = 0; i < LIMITS_PROBE_MAX; i++) {
		s = &t->shm->slots[(h + i) & (t->nslots - 1)];
		/* Slots are never emptied: nothing of ours lies beyond. */
		if (!s->used) {
			victim = s;
			break;
		}
		if (memcmp(s->key, key, 16) == 0) {
			refill(l, s, now);
			return s;
		}
		cost = evict_cost(l, s, now);
		if (cost < vcost || (cost == vcost && s->last < victim->last)) {
			victim = s;
			vcost = cost;
		}
	}
	if (!create)
		return NULL;
	memcpy(victim->key, key, 16);
	victim->used = 1;
	victim->conns = 0;
	victim->tokens = l->burst;
	victim->last = now;
	return victim;
}

static int
table_lock(struct limits *l)
{
	int	 rv;

	rv = pthread_mutex_lock(&l->table->shm->lock);
	if (rv == EOWNERDEAD) {
		/* Its holder died; the slots are plain numbers: go on. */
		pthread_mutex_consistent(&l->table->shm->lock);
		return 0;
	}
	if (rv != 0 && !l->lock_failed) {
		errno = rv;
		log_warn("limits table lock: not limiting");
		l->lock_failed = 1;
	}
	return rv == 0 ? 0 : -1;
}

static void
table_unlock(struct limits *l)
{
	pthread_mutex_unlock(&l->table->shm->lock);
}

int
limits_connect(struct limits *l, const struct sockaddr *sa)
{
	struct limit_slot	*s;
	unsigned char		 key[16];
	double			 now = l->clock();
	int			 ok = 1;

	if (limits_key(l, sa, key) == -1 || table_lock(l) == -1)
		return 1;
	s = lookup(l, key, 1, now);
	if (l->per_ip > 0 && s->conns >= l->per_ip)
		ok = 0;
	else
		s->conns++;
	table_unlock(l);
	return ok;
}

void
limits_disconnect(struct limits *l, const struct sockaddr *sa)
{
	struct limit_slot	*s;
	unsigned char		 key[16];
	double			 now = l->clock();

	if (limits_key(l, sa, key) == -1 || table_lock(l) == -1)
		return;
	if ((s = lookup(l, key, 0, now)) != NULL && s->conns > 0)
		s->conns--;
	table_unlock(l);
}

int
limits_request(struct limits *l, const struct sockaddr *sa, int *retry_after)
{
	struct limit_slot	*s;
	unsigned char		 key[16];
	double			 now;
	int			 ok = 1;

	*retry_after = 0;
	if (l->burst <= 0 || limits_key(l, sa, key) == -1)
		return 1;
	now = l->clock();
	if (table_lock(l) == -1)
		return 1;
	s = lookup(l, key, 1, now);
	if (s->tokens >= 1.0)
		s->tokens -= 1.0;
	else {
		*retry_after = (int)ceil((1.0 - s->tokens) / l->per_sec);
		if (*retry_after < 1)
			*retry_after = 1;
		ok = 0;
	}
	table_unlock(l);
	return ok;
}

void
limits_test_lock(struct limits *l)
{
	(void)table_lock(l);
}
