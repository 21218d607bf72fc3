/* SPDX-License-Identifier: ISC */
/* broadside: error log and access log. */
#ifndef BROADSIDE_LOG_H
#define BROADSIDE_LOG_H

#include <sys/types.h>
#include <sys/socket.h>
#include <stddef.h>

struct config;

/*
 * Before the config is read everything goes to stderr.  log_open copies
 * what it needs (the config may be freed afterwards) and may be called
 * again on reload.  Lines on stderr or in a file look like
 *   2026-11-27T22:50:14Z broadside[pid] procname: message
 * and each is written with one write(2); a write that fails, or a pipe
 * that stays full for 100 ms, drops the line.  The caller must ignore
 * SIGPIPE (a closed stderr pipe would otherwise kill the process).
 */
int	 log_open(const struct config *);	/* 0 ok, -1 (reason on stderr) */
int	 log_reopen(void);			/* SIGUSR1: logrotate */
void	 log_set_procname(const char *);	/* "parent", "worker 1" ... */
void	 log_set_verbose(int);

void	 log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	 fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

struct log_access_entry {
	const char	*proto;		/* "gemini" | "gopher" */
	const struct sockaddr *peer;
	const char	*request;	/* as received; escaped when written */
	size_t		 request_len;
	int		 status;	/* gemini status; gopher: 0 ok, 3 error */
	unsigned long long body_bytes;
	double		 ms;
};

/*
 * One line per request, in the configured log_format:
 *   default:  TIME ADDR PROTO "REQUEST" STATUS BYTES MS
 *   common:   ADDR - - [27/Nov/2026:22:50:14 +0000] "REQUEST" STATUS BYTES
 *   combined: common + ` "-" "PROTO"`
 * REQUEST is cut at 1024 bytes ("..." marks the cut); bytes outside
 * printable ASCII, '"' and '\' are written as \xHH.
 */
void	 log_access(const struct log_access_entry *);

/* Address as text, honouring log_ip (full | anonymized | off). */
void	 log_format_addr(const struct sockaddr *, char *, size_t);

#endif
