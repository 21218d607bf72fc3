/* SPDX-License-Identifier: ISC */
/*
 * broadside: limits per client address: concurrent connections
 * (max_clients_per_ip) and a request rate (token bucket, `rate`).
 */
#ifndef BROADSIDE_RATELIMIT_H
#define BROADSIDE_RATELIMIT_H

#include <sys/types.h>
#include <sys/socket.h>

struct config;
struct limits;

struct limits	*limits_new(const struct config *);
void		 limits_free(struct limits *);
/* 1: accept this connection; 0: the address has too many open. */
int		 limits_connect(struct limits *, const struct sockaddr *);
void		 limits_disconnect(struct limits *, const struct sockaddr *);
/* 1: serve; 0: over the rate, *retry_after = seconds until a token. */
int		 limits_request(struct limits *, const struct sockaddr *,
		    int *retry_after);
/* For tests: use this clock (seconds) instead of CLOCK_MONOTONIC. */
void		 limits_set_clock(struct limits *, double (*)(void));

#endif
