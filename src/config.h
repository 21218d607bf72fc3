/* SPDX-License-Identifier: ISC */
/* broadside: the INI configuration, parsed into one read-only struct. */
#ifndef BROADSIDE_CONFIG_H
#define BROADSIDE_CONFIG_H

#define CONFIG_LANG_MAX		35	/* bytes of [server] lang */

#include <sys/types.h>
#include <sys/socket.h>
#include <stddef.h>

#define CONFIG_LISTEN_MAX	8
#define CONFIG_PROXY_FROM_MAX	16	/* prefixes in one proxy_from */
#define CONFIG_LINE_MAX		1024	/* longer config lines are errors */

enum config_charset {
	CHARSET_UTF8 = 0,
	CHARSET_ASCII,
	CHARSET_LATIN1,
};

enum config_log_ip {
	LOG_IP_FULL = 0,
	LOG_IP_ANONYMIZED,
	LOG_IP_OFF,
};

enum config_log_format {
	LOG_FORMAT_DEFAULT = 0,		/* ISO time, addr, proto, request, status, bytes, ms */
	LOG_FORMAT_COMMON,
	LOG_FORMAT_COMBINED,
};

struct config_listen {
	struct sockaddr_storage	 addr;
	socklen_t		 addrlen;
	char			 text[80];	/* as written, for messages */
};

/*
 * An address prefix.  IPv4 is kept as v4-mapped IPv6 (::ffff:a.b.c.d), its
 * length counted from the 128 bits: 10.0.0.0/8 is ::ffff:10.0.0.0/104.
 */
struct config_prefix {
	unsigned char		 addr[16];	/* bits past `bits` are zero */
	int			 bits;		/* 0..128 */
};

struct config_proto {
	struct config_listen	 listen[CONFIG_LISTEN_MAX];
	size_t			 nlisten;
	int			 proxy_protocol;	/* PROXY v1/v2 header required */
	/* Who may send that header; empty: loopback only (config_finish). */
	struct config_prefix	 proxy_from[CONFIG_PROXY_FROM_MAX];
	size_t			 nproxy_from;
};

struct config {
	char		*path;		/* the config file, as given */
	char		*dir;		/* its directory: base of relative paths */

	/* [server] */
	char		*hostname;	/* default "localhost" */
	char		*root;		/* absolute after loading */
	char		*archive;	/* default "statements", relative to root */
	char		*state;		/* the index's directory; NULL: a
					   temporary one, rebuilt at each start */
	char		*title;		/* default "Statements" */
	char		*lang;		/* default "en"; "" = none */
	int		 workers;	/* 0 = auto (one per core) */
	int		 max_clients;	/* per worker; default 1024 */
	int		 max_clients_per_ip;	/* default 32; 0 = unlimited */
	int		 rate_requests;	/* token bucket: requests ... */
	int		 rate_seconds;	/* ... per seconds; 0 = off; default 60/60 */
	int		 ipv6_prefix;	/* IPv6 limits per /N; default 64, 32..128 */
	int		 timeout;	/* seconds; default 10 */
	int		 backlog;	/* listen(2) backlog; default 1024 */
	int		 autoindex;	/* default 1 */
	int		 statement_footer;	/* Gemini; default 1 */
	size_t		 cache_max_file;	/* bytes; files <= this are cached; default 65536 */
	char		*user;		/* NULL or "" = no privilege drop */
	int		 chroot;	/* default 1 when started as root */
	char		*log;		/* "stderr" | "syslog" | path; default stderr */
	char		*access_log;	/* same, or "off"; default stderr */
	enum config_log_format	 log_format;
	enum config_log_ip	 log_ip;

	/* [gemini] */
	struct config_proto	 gemini;
	char		*cert;		/* absolute after loading */
	char		*key;

	/* [gopher] */
	struct config_proto	 gopher;
	int		 gopher_port;	/* advertised in menus; default: first listen port */
	int		 wrap;		/* default 70, 20..200 */
	enum config_charset	 charset;
};

/*
 * Errors are reported through this callback as "file:line: message" (line 0
 * when the error is not tied to a line).  The default prints to stderr.
 */
typedef void (*config_error_fn)(void *arg, const char *file, int line,
    const char *msg);

/*
 * Parse the file at `path`.  Every error is reported, parsing continues, and
 * the number of errors is returned; on 0 `*out` is complete and owned by the
 * caller (config_free).  On errors `*out` is freed already.  A NULL callback
 * prints "file:line: message" lines on stderr.
 * Relative paths (root, cert, key, log files) are made absolute against the
 * real directory of `path`; root must exist and be a directory.
 */
int	 config_load(const char *path, struct config *out, config_error_fn,
	    void *arg);

/*
 * Same, from a NUL-terminated string; `name` (may be NULL) is used in
 * messages.  Relative paths are relative to `basedir`.  With `basedir`
 * NULL nothing touches the filesystem: paths stay as written, `dir` is NULL
 * and root is not checked (for tests and the fuzzer).
 */
int	 config_load_string(const char *text, const char *name,
	    const char *basedir, struct config *out, config_error_fn, void *arg);

void	 config_free(struct config *);

/* Parse "host:port", "[v6]:port", "*:port" into a listen address. */
int	 config_parse_listen(const char *, struct config_listen *,
	    const char **errstr);

/*
 * Parse "a.b.c.d", "a.b.c.d/N", "v6" or "v6/N" (no brackets).  A prefix
 * with bits set past its length is an error (a typo, most likely).
 */
int	 config_parse_prefix(const char *, struct config_prefix *,
	    const char **errstr);

/* An address as 16 bytes, IPv4 v4-mapped.  0, or -1: not IPv4 or IPv6. */
int	 config_addr_key(const struct sockaddr *, unsigned char [16]);

/* Whether `key` (config_addr_key) falls in one of the n prefixes. */
int	 config_prefix_match(const struct config_prefix *, size_t n,
	    const unsigned char [16]);

/* The port a listen address names. */
int	 config_listen_port(const struct config_listen *);

#endif
