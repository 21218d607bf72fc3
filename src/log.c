/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The broadside authors.  ISC licence.
 *
 * broadside: error log and access log.
 *
 * Each target is stderr, syslog or a file opened O_APPEND.  Every line is
 * built in a bounded buffer and written with one write(2), so processes
 * appending to the same file never interleave inside a line.  A failed
 * write is dropped: logging never stops the server.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "utf8.h"

#define LOG_LINE_MAX		8192
#define LOG_REQUEST_MAX		1024	/* request bytes kept in the log */
#define LOG_PROCNAME_MAX	32
#define LOG_POLL_MSEC		100	/* wait at most this for a full pipe */

enum log_target {
	TARGET_STDERR = 0,
	TARGET_SYSLOG,
	TARGET_FILE,
	TARGET_OFF,
};

struct log_dest {
	enum log_target	 target;
	int		 fd;
	int		 regular;	/* a regular file: never waits */
	char		*path;		/* TARGET_FILE */
};

static struct {
	struct log_dest		 err;
	struct log_dest		 acc;
	enum config_log_format	 format;
	enum config_log_ip	 ip;
	int			 verbose;
	int			 syslog_open;
	char			 procname[LOG_PROCNAME_MAX];
} L = {
	{ TARGET_STDERR, STDERR_FILENO, 0, NULL },
	{ TARGET_STDERR, STDERR_FILENO, 0, NULL },
	LOG_FORMAT_DEFAULT, LOG_IP_FULL, 0, 0, "main",
};

static const char *const months[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

static void	 log_vlog(int, const char *, va_list, int)
		    __attribute__((format(printf, 2, 0)));
static void	 escape_text(const char *, char *, size_t);

static int
dest_open_file(struct log_dest *d, const char *path)
{
	struct stat	 st;
	int		 fd;

	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd == -1)
		return -1;
	d->regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	d->fd = fd;
	return 0;
}

static void
dest_close(struct log_dest *d)
{
	if (d->target == TARGET_FILE && d->fd != -1)
		close(d->fd);
	free(d->path);
	d->path = NULL;
	d->target = TARGET_STDERR;
	d->fd = STDERR_FILENO;
	d->regular = 0;
}

static int
dest_set(struct log_dest *d, const char *spec, int allow_off)
{
	struct log_dest	 n = { TARGET_STDERR, STDERR_FILENO, 0, NULL };

	if (spec == NULL || strcmp(spec, "stderr") == 0)
		;
	else if (strcmp(spec, "syslog") == 0)
		n.target = TARGET_SYSLOG;
	else if (allow_off && strcmp(spec, "off") == 0)
		n.target = TARGET_OFF;
	else {
		n.target = TARGET_FILE;
		if ((n.path = strdup(spec)) == NULL)
			return -1;
		if (dest_open_file(&n, spec) == -1) {
			free(n.path);
			return -1;
		}
	}
	dest_close(d);
	*d = n;
	if (d->target == TARGET_STDERR) {
		struct stat	 st;

		d->regular = fstat(d->fd, &st) == 0 && S_ISREG(st.st_mode);
	}
	return 0;
}

int
log_open(const struct config *conf)
{
	if (dest_set(&L.err, conf->log, 0) == -1) {
		fprintf(stderr, "broadside: log %s: %s\n", conf->log,
		    strerror(errno));
		return -1;
	}
	if (dest_set(&L.acc, conf->access_log, 1) == -1) {
		fprintf(stderr, "broadside: access_log %s: %s\n",
		    conf->access_log, strerror(errno));
		return -1;
	}
	L.format = conf->log_format;
	L.ip = conf->log_ip;
	if ((L.err.target == TARGET_SYSLOG || L.acc.target == TARGET_SYSLOG) &&
	    !L.syslog_open) {
		/* LOG_NDELAY: connect now, before a chroot hides /dev/log */
		openlog("broadside", LOG_PID | LOG_NDELAY, LOG_DAEMON);
		L.syslog_open = 1;
	}
	return 0;
}

static int
dest_reopen(struct log_dest *d)
{
	struct log_dest	 n = *d;

	if (d->target != TARGET_FILE)
		return 0;
	if (dest_open_file(&n, d->path) == -1)
		return -1;	/* keep writing to the old file */
	close(d->fd);
	d->fd = n.fd;
	d->regular = n.regular;
	return 0;
}

int
log_reopen(void)
{
	int	 rc = 0;

	if (dest_reopen(&L.err) == -1) {
		log_warn("reopen %s", L.err.path);
		rc = -1;
	}
	if (dest_reopen(&L.acc) == -1) {
		log_warn("reopen %s", L.acc.path);
		rc = -1;
	}
	return rc;
}

void
log_set_procname(const char *name)
{
	(void)snprintf(L.procname, sizeof(L.procname), "%s", name);
}

void
log_set_verbose(int v)
{
	L.verbose = v;
}

/*
 * One write(2) for the whole line.  A pipe or terminal that stays full is
 * given LOG_POLL_MSEC, then the line is dropped.
 */
static void
dest_write(const struct log_dest *d, const char *line, size_t len)
{
	struct pollfd	 pfd;
	ssize_t		 n;
	int		 saved = errno;

	if (!d->regular) {
		pfd.fd = d->fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, LOG_POLL_MSEC) <= 0 ||
		    (pfd.revents & POLLOUT) == 0)
			goto out;
	}
	do {
		n = write(d->fd, line, len);
	} while (n == -1 && errno == EINTR);
out:
	errno = saved;
}

static void
iso_time(char *buf, size_t len)
{
	struct tm	 tm;
	time_t		 now = time(NULL);

	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		(void)snprintf(buf, len, "-");
}

/* Append to a bounded line; a line that does not fit is cut. */
static void
line_add(char *line, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
line_add(char *line, size_t *len, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;
	size_t	 room = LOG_LINE_MAX - 1 - *len;	/* keep one for '\n' */

	if (room == 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line + *len, room + 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	*len += (size_t)n < room ? (size_t)n : room;
}

/*
 * A message carries request paths and publishers' file names: bytes a
 * client or a file system chose.  Every control byte (C0, DEL, the two
 * bytes of a C1 character), every byte of invalid UTF-8 and '\\' itself
 * are written as \xHH, so that a line is one line, nothing reaches the
 * terminal of whoever reads the log, and the escape is unambiguous.  Valid
 * UTF-8 is kept.  `out` holds `outsz` bytes; a message that does not fit
 * is cut before the character that would not fit.
 */
static void
escape_text(const char *in, char *out, size_t outsz)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*u = (const unsigned char *)in;
	size_t			 len = strlen(in), i = 0, o = 0, k, n;
	uint32_t		 cp;
	int			 d, esc;

	while (i < len) {
		d = utf8_decode(u + i, len - i, &cp);
		n = d > 0 ? (size_t)d : 1;
		esc = d <= 0 || cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ||
		    cp == '\\';
		if (o + (esc ? 4 * n : n) >= outsz)
			break;
		for (k = 0; k < n; k++, i++) {
			if (!esc) {
				out[o++] = (char)u[i];
				continue;
			}
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[u[i] >> 4];
			out[o++] = hex[u[i] & 0xf];
		}
	}
	out[o] = '\0';
}

static void
log_vlog(int pri, const char *fmt, va_list ap, int with_errno)
{
	char	 line[LOG_LINE_MAX + 1], raw[LOG_LINE_MAX];
	char	 msg[LOG_LINE_MAX], ts[32];
	size_t	 len = 0;
	int	 saved = errno;

	(void)vsnprintf(raw, sizeof(raw), fmt, ap);
	escape_text(raw, msg, sizeof(msg));
	if (L.err.target == TARGET_SYSLOG) {
		if (with_errno)
			syslog(pri, "%s: %s: %s", L.procname, msg,
			    strerror(saved));
		else
			syslog(pri, "%s: %s", L.procname, msg);
		errno = saved;
		return;
	}
	iso_time(ts, sizeof(ts));
	line_add(line, &len, "%s broadside[%ld] %s: %s", ts, (long)getpid(),
	    L.procname, msg);
	if (with_errno)
		line_add(line, &len, ": %s", strerror(saved));
	line[len++] = '\n';
	dest_write(&L.err, line, len);
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vlog(LOG_ERR, fmt, ap, 1);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vlog(LOG_WARNING, fmt, ap, 0);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vlog(LOG_INFO, fmt, ap, 0);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	if (!L.verbose)
		return;
	va_start(ap, fmt);
	log_vlog(LOG_DEBUG, fmt, ap, 0);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vlog(LOG_CRIT, fmt, ap, 1);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vlog(LOG_CRIT, fmt, ap, 0);
	va_end(ap);
	exit(1);
}

/*
 * Addresses: full, anonymized (IPv4 /24, IPv6 /48: the last octet or the
 * last 80 bits zeroed) or "-".  IPv4-mapped IPv6 addresses are shown as
 * IPv4.
 */
void
log_format_addr(const struct sockaddr *sa, char *buf, size_t len)
{
	struct in_addr	 in4;
	struct in6_addr	 in6;
	const void	*src = NULL;
	int		 af = 0;

	if (len == 0)
		return;
	if (sa != NULL && sa->sa_family == AF_INET) {
		memcpy(&in4, &((const struct sockaddr_in *)(const void *)sa)->
		    sin_addr, sizeof(in4));
		af = AF_INET;
	} else if (sa != NULL && sa->sa_family == AF_INET6) {
		memcpy(&in6, &((const struct sockaddr_in6 *)(const void *)sa)->
		    sin6_addr, sizeof(in6));
		af = AF_INET6;
		if (IN6_IS_ADDR_V4MAPPED(&in6)) {
			memcpy(&in4, &in6.s6_addr[12], sizeof(in4));
			af = AF_INET;
		}
	}
	if (af == 0 || L.ip == LOG_IP_OFF) {
		(void)snprintf(buf, len, "-");
		return;
	}
	if (af == AF_INET) {
		if (L.ip == LOG_IP_ANONYMIZED)
			((unsigned char *)&in4)[3] = 0;
		src = &in4;
	} else {
		if (L.ip == LOG_IP_ANONYMIZED)
			memset(&in6.s6_addr[6], 0, 10);
		src = &in6;
	}
	if (inet_ntop(af, src, buf, (socklen_t)len) == NULL)
		(void)snprintf(buf, len, "-");
}

/*
 * Copy the request for the log: printable ASCII as it is, anything else
 * and '"' and '\' as \xHH, cut after LOG_REQUEST_MAX bytes ("..." marks
 * the cut).  `out` holds at least 4 * LOG_REQUEST_MAX + 4 bytes.
 */
static void
escape_request(const char *req, size_t len, char *out)
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 c;
	size_t			 i, o = 0;

	if (req == NULL) {
		memcpy(out, "-", 2);
		return;
	}
	for (i = 0; i < len && i < LOG_REQUEST_MAX; i++) {
		c = (unsigned char)req[i];
		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 0xf];
		} else
			out[o++] = (char)c;
	}
	if (len > LOG_REQUEST_MAX) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

static void
common_time(char *buf, size_t len)
{
	struct tm	 tm;
	time_t		 now = time(NULL);

	if (gmtime_r(&now, &tm) == NULL) {
		(void)snprintf(buf, len, "-");
		return;
	}
	(void)snprintf(buf, len, "%02d/%s/%04d:%02d:%02d:%02d +0000",
	    tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
}

void
log_access(const struct log_access_entry *e)
{
	char		 line[LOG_LINE_MAX + 1], ts[40], addr[INET6_ADDRSTRLEN];
	char		 req[4 * LOG_REQUEST_MAX + 4];
	const char	*proto = e->proto != NULL ? e->proto : "-";
	double		 ms = e->ms >= 0 && e->ms < 1e12 ? e->ms : 0;
	size_t		 len = 0;

	if (L.acc.target == TARGET_OFF)
		return;
	log_format_addr(e->peer, addr, sizeof(addr));
	escape_request(e->request, e->request_len, req);

	switch (L.format) {
	case LOG_FORMAT_COMMON:
	case LOG_FORMAT_COMBINED:
		common_time(ts, sizeof(ts));
		line_add(line, &len, "%s - - [%s] \"%s\" %d %llu", addr, ts,
		    req, e->status, e->body_bytes);
		if (L.format == LOG_FORMAT_COMBINED)
			line_add(line, &len, " \"-\" \"%s\"", proto);
		break;
	default:
		iso_time(ts, sizeof(ts));
		line_add(line, &len, "%s %s %s \"%s\" %d %llu %.1f", ts, addr,
		    proto, req, e->status, e->body_bytes, ms);
		break;
	}
	if (L.acc.target == TARGET_SYSLOG) {
		syslog(LOG_INFO, "%s", line);
		return;
	}
	line[len++] = '\n';
	dest_write(&L.acc, line, len);
}
