/* SPDX-License-Identifier: ISC */
/*
 * broadside: per-address limits.  An open-addressing table sized from
 * max_clients; entries whose client has no connection and a full bucket
 * are stale and may be reused.  When no slot can be found within a short
 * probe the client is let through: limits protect the server, they must
 * never lock out everybody.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "ratelimit.h"

#define LIMITS_PROBE_MAX	64
#define LIMITS_SLOTS_MIN	1024
#define LIMITS_SLOTS_MAX	(1u << 18)

struct limit_entry {
	unsigned char	 addr[16];
	unsigned char	 used;
	unsigned int	 conns;
	double		 tokens;
	double		 last;
};

struct limits {
	struct limit_entry	*slots;
	size_t			 nslots;	/* a power of two */
	unsigned int		 per_ip;	/* 0 = unlimited */
	double			 burst;		/* bucket size; 0 = no rate */
	double			 per_sec;	/* refill */
	double			(*clock)(void);
};

static double
mono_seconds(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct limits *
limits_new(const struct config *conf)
{
	struct limits	*l;
	size_t		 want = (size_t)conf->max_clients * 2;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	l->nslots = LIMITS_SLOTS_MIN;
	while (l->nslots < want && l->nslots < LIMITS_SLOTS_MAX)
		l->nslots *= 2;
	if ((l->slots = calloc(l->nslots, sizeof(*l->slots))) == NULL) {
		free(l);
		return NULL;
	}
	l->per_ip = conf->max_clients_per_ip > 0 ?
	    (unsigned int)conf->max_clients_per_ip : 0;
	if (conf->rate_requests > 0 && conf->rate_seconds > 0) {
		l->burst = conf->rate_requests;
		l->per_sec = (double)conf->rate_requests / conf->rate_seconds;
	}
	l->clock = mono_seconds;
	return l;
}

void
limits_free(struct limits *l)
{
	if (l == NULL)
		return;
	free(l->slots);
	free(l);
}

void
limits_set_clock(struct limits *l, double (*clock)(void))
{
	l->clock = clock;
}

/* IPv4 as v4-mapped IPv6, so one key type serves both. */
static int
addr_key(const struct sockaddr *sa, unsigned char key[16])
{
	memset(key, 0, 16);
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		key[10] = key[11] = 0xff;
		memcpy(key + 12, &in->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		memcpy(key, &in6->sin6_addr, 16);
		return 0;
	}
	return -1;
}

static size_t
addr_hash(const unsigned char key[16])
{
	uint64_t	 h = 1469598103934665603ULL;	/* FNV-1a */
	int		 i;

	for (i = 0; i < 16; i++)
		h = (h ^ key[i]) * 1099511628211ULL;
	return (size_t)(h ^ (h >> 29));
}

static void
refill(struct limits *l, struct limit_entry *e, double now)
{
	if (l->burst <= 0)
		return;
	e->tokens = fmin(l->burst, e->tokens + (now - e->last) * l->per_sec);
	e->last = now;
}

static int
stale(struct limits *l, struct limit_entry *e, double now)
{
	if (e->conns > 0)
		return 0;
	if (l->burst <= 0)
		return 1;
	return e->tokens + (now - e->last) * l->per_sec >= l->burst;
}

/* The entry for an address, created when absent; NULL: table crowded. */
static struct limit_entry *
lookup(struct limits *l, const struct sockaddr *sa, int create)
{
	unsigned char		 key[16];
	struct limit_entry	*e, *spare = NULL;
	size_t			 i, h;
	double			 now = l->clock();

	if (addr_key(sa, key) == -1)
		return NULL;
	h = addr_hash(key);
	for (i = 0; i < LIMITS_PROBE_MAX; i++) {
		e = &l->slots[(h + i) & (l->nslots - 1)];
		if (!e->used) {
			if (spare == NULL)
				spare = e;
			break;
		}
		if (memcmp(e->addr, key, 16) == 0) {
			refill(l, e, now);
			return e;
		}
		if (spare == NULL && stale(l, e, now))
			spare = e;
	}
	if (!create || spare == NULL)
		return NULL;
	memcpy(spare->addr, key, 16);
	spare->used = 1;
	spare->conns = 0;
	spare->tokens = l->burst;
	spare->last = now;
	return spare;
}

int
limits_connect(struct limits *l, const struct sockaddr *sa)
{
	struct limit_entry	*e;

	if ((e = lookup(l, sa, 1)) == NULL)
		return 1;
	if (l->per_ip > 0 && e->conns >= l->per_ip)
		return 0;
	e->conns++;
	return 1;
}

void
limits_disconnect(struct limits *l, const struct sockaddr *sa)
{
	struct limit_entry	*e;

	if ((e = lookup(l, sa, 0)) != NULL && e->conns > 0)
		e->conns--;
}

int
limits_request(struct limits *l, const struct sockaddr *sa, int *retry_after)
{
	struct limit_entry	*e;

	*retry_after = 0;
	if (l->burst <= 0 || (e = lookup(l, sa, 1)) == NULL)
		return 1;
	if (e->tokens >= 1.0) {
		e->tokens -= 1.0;
		return 1;
	}
	*retry_after = (int)ceil((1.0 - e->tokens) / l->per_sec);
	if (*retry_after < 1)
		*retry_after = 1;
	return 0;
}
