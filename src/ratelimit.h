/* SPDX-License-Identifier: ISC */
/*
 * broadside: limits per client address: concurrent connections
 * (max_clients_per_ip) and a request rate (token bucket, `rate`).  IPv6
 * clients are counted per prefix (ipv6_prefix, /64 by default): one
 * customer commonly holds a whole /64.
 *
 * One table serves every worker: the parent makes it in shared memory
 * before it forks them, so the limits are what the config says, whatever
 * the number of workers.
 */
#ifndef BROADSIDE_RATELIMIT_H
#define BROADSIDE_RATELIMIT_H

#include <sys/types.h>
#include <sys/socket.h>
#include <stddef.h>

struct config;
struct limits;
struct limits_table;

/* Parent, before fork: a table for `workers` workers of this config. */
struct limits_table *limits_table_new(const struct config *, int workers);
/* Whether the table is big enough for this config (on reload). */
int		 limits_table_fits(const struct limits_table *,
		    const struct config *, int workers);
size_t		 limits_table_slots(const struct limits_table *);
void		 limits_table_free(struct limits_table *);

/* A worker's view of the table; NULL table: a private one of its own. */
struct limits	*limits_new(const struct config *, struct limits_table *);
void		 limits_free(struct limits *);
/* 1: accept this connection; 0: the address has too many open. */
int		 limits_connect(struct limits *, const struct sockaddr *);
void		 limits_disconnect(struct limits *, const struct sockaddr *);
/* 1: serve; 0: over the rate, *retry_after = seconds until a token. */
int		 limits_request(struct limits *, const struct sockaddr *,
		    int *retry_after);
/* For tests: use this clock (seconds) instead of CLOCK_MONOTONIC. */
void		 limits_set_clock(struct limits *, double (*)(void));
/* For tests: take the table's lock and keep it (then die with it). */
void		 limits_test_lock(struct limits *);
/* For tests: the key an address is counted under (prefix applied). */
int		 limits_key(const struct limits *, const struct sockaddr *,
		    unsigned char [16]);

#endif
