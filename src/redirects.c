/* SPDX-License-Identifier: ISC */
/*
 * broadside: the `.redirects` parser (see redirects.h).  The table is
 * sorted once and searched by halves; loops are found once, at parse
 * time, so a lookup never needs to count.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redirects.h"
#include "utf8.h"

#define STR(x)		#x
#define XSTR(x)		STR(x)

static void	 rd_error(struct redirects *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static void
rd_error(struct redirects *rd, int line, const char *fmt, ...)
{
	va_list	 ap;

	if (rd->nerrors < REDIRECTS_ERRORS_MAX) {
		rd->errors[rd->nerrors].line = line;
		va_start(ap, fmt);
		vsnprintf(rd->errors[rd->nerrors].msg, REDIRECTS_ERRMSG_MAX,
		    fmt, ap);
		va_end(ap);
	}
	rd->nerrors++;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

int
redirects_path_ok(const char *s, size_t len)
{
	size_t	 i, seg = 0;

	if (len == 0 || len > REDIRECTS_PATH_MAX || s[0] == '/' ||
	    !utf8_valid(s, len))
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char	 c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f || c == ' ')
			return 0;
		if (c == '/') {
			if (seg == 0)
				return 0;	/* "a//b" */
			seg = 0;
			continue;
		}
		if (seg == 0 && c == '.')
			return 0;		/* ".x", ".", ".." */
		seg++;
	}
	return 1;
}

/* Why a path is bad, for its message. */
static const char *
path_why(const char *s, size_t len)
{
	size_t	 i;

	if (len > REDIRECTS_PATH_MAX)
		return "path too long";
	if (s[0] == '/')
		return "path starts with '/' (paths are relative to the "
		    "archive folder)";
	if (!utf8_valid(s, len))
		return "path is not valid UTF-8";
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return "control character in path";
	for (i = 0; i + 1 < len; i++)
		if (s[i] == '/' && s[i + 1] == '/')
			return "empty path segment ('//')";
	return "path segment starts with '.' (dotfiles, '.' and '..' are "
	    "never served)";
}

/* The next field of a line: its start and length; 0 when none. */
static size_t
field(const char **p, const char *end, const char **f)
{
	const char	*s = *p;

	while (s < end && is_blank(*s))
		s++;
	*f = s;
	while (s < end && !is_blank(*s))
		s++;
	*p = s;
	return (size_t)(s - *f);
}

static int
add(struct redirects *rd, size_t *cap, const char *from, size_t flen,
    const char *to, size_t tlen, int line)
{
	struct redirect	*n;

	if (rd->n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		if ((n = reallocarray(rd->r, *cap, sizeof(*n))) == NULL)
			return -1;
		rd->r = n;
	}
	n = &rd->r[rd->n];
	memset(n, 0, sizeof(*n));
	n->line = line;
	if ((n->from = strndup(from, flen)) == NULL)
		return -1;
	if ((n->to = strndup(to, tlen)) == NULL) {
		free(n->from);
		return -1;
	}
	rd->n++;
	return 0;
}

/* line: OLD NEW [# comment].  0, or -1: memory. */
static int
parse_line(struct redirects *rd, size_t *cap, const char *s, size_t len,
    int line)
{
	const char	*p = s, *end = s + len, *old, *new, *more;
	size_t		 ol, nl, ml;

	if (len > 0 && s[len - 1] == '\r')
		end--;
	if ((ol = field(&p, end, &old)) == 0 || *old == '#')
		return 0;			/* blank, or a comment */
	if (memchr(s, '\0', len) != NULL) {
		rd_error(rd, line, "NUL byte");
		return 0;
	}
	nl = field(&p, end, &new);
	ml = field(&p, end, &more);
	if (nl == 0 || *new == '#' || (ml > 0 && *more != '#')) {
		rd_error(rd, line, "syntax error (expected OLD NEW)");
		return 0;
	}
	if (!redirects_path_ok(old, ol)) {
		rd_error(rd, line, "OLD: %s", path_why(old, ol));
		return 0;
	}
	if (!redirects_path_ok(new, nl)) {
		rd_error(rd, line, "NEW: %s", path_why(new, nl));
		return 0;
	}
	if (rd->n >= REDIRECTS_MAX) {
		rd_error(rd, line, "more than " XSTR(REDIRECTS_MAX)
		    " redirects (the rest are skipped)");
		return 0;
	}
	return add(rd, cap, old, ol, new, nl, line);
}

/* By OLD, then by line: the first of two with one OLD comes first. */
static int
entry_cmp(const void *a, const void *b)
{
	const struct redirect	*x = a, *y = b;
	int			 c = strcmp(x->from, y->from);

	return c != 0 ? c : (x->line > y->line) - (x->line < y->line);
}

static int
line_cmp(const void *a, const void *b)
{
	const struct redirects_error	*x = a, *y = b;

	return (x->line > y->line) - (x->line < y->line);
}

/* An OLD given twice: the first line wins, the others are errors. */
static void
drop_duplicates(struct redirects *rd)
{
	size_t	 i, o = 0;

	for (i = 0; i < rd->n; i++) {
		if (o > 0 && strcmp(rd->r[o - 1].from, rd->r[i].from) == 0) {
			rd_error(rd, rd->r[i].line, "OLD already redirected "
			    "at line %d", rd->r[o - 1].line);
			free(rd->r[i].from);
			free(rd->r[i].to);
			continue;
		}
		rd->r[o++] = rd->r[i];
	}
	rd->n = o;
}

const struct redirect *
redirects_lookup(const struct redirects *rd, const char *path)
{
	size_t	 lo = 0, hi = rd->n, mid;
	int	 c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((c = strcmp(rd->r[mid].from, path)) == 0)
			return &rd->r[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/*
 * Follow the chain from entry e, marking it bad when it loops or runs
 * longer than REDIRECTS_HOPS_MAX.  A loop of k entries comes back to e
 * within k hops, so counting is enough.
 */
static void
find_loop(struct redirects *rd, struct redirect *e)
{
	const struct redirect	*x = e;
	int			 hops = 0;

	while ((x = redirects_lookup(rd, x->to)) != NULL) {
		if (x == e) {
			e->bad = 1;
			rd_error(rd, e->line, "redirect loop: %.*s comes "
			    "back to itself after %d redirect%s", 64, e->from,
			    hops + 1, hops ? "s" : "");
			return;
		}
		if (++hops >= REDIRECTS_HOPS_MAX) {
			e->bad = 1;
			rd_error(rd, e->line, "more than "
			    XSTR(REDIRECTS_HOPS_MAX) " redirects in a row "
			    "from %.*s (or a loop further on)", 64, e->from);
			return;
		}
	}
}

int
redirects_parse(const char *buf, size_t len, struct redirects *rd)
{
	const char	*p = buf, *end = buf + len, *nl;
	size_t		 cap = 0, ll, i;
	int		 line = 0;

	memset(rd, 0, sizeof(*rd));
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		ll = (size_t)((nl ? nl : end) - p);
		line++;
		if (ll > REDIRECTS_LINE_MAX)
			rd_error(rd, line, "line too long");
		else if (parse_line(rd, &cap, p, ll, line) == -1) {
			redirects_free(rd);
			return -1;
		}
		p = nl ? nl + 1 : end;
	}
	if (rd->n > 0)
		qsort(rd->r, rd->n, sizeof(*rd->r), entry_cmp);
	drop_duplicates(rd);
	for (i = 0; i < rd->n; i++)
		find_loop(rd, &rd->r[i]);
	/* In file order, whatever found them. */
	qsort(rd->errors, rd->nerrors < REDIRECTS_ERRORS_MAX ? rd->nerrors :
	    REDIRECTS_ERRORS_MAX, sizeof(rd->errors[0]), line_cmp);
	return 0;
}

enum redirects_result
redirects_resolve(const struct redirects *rd, const char *path,
    const char **to, int *hops)
{
	const struct redirect	*e;
	int			 n = 0;

	*to = NULL;
	if (hops != NULL)
		*hops = 0;
	if ((e = redirects_lookup(rd, path)) == NULL)
		return REDIRECTS_NONE;
	if (e->bad)
		return REDIRECTS_BAD;
	/* A good entry's chain ends within REDIRECTS_HOPS_MAX. */
	for (;;) {
		n++;
		*to = e->to;
		if ((e = redirects_lookup(rd, e->to)) == NULL)
			break;
		if (e->bad || n >= REDIRECTS_HOPS_MAX)
			return REDIRECTS_BAD;
	}
	if (hops != NULL)
		*hops = n;
	return REDIRECTS_FOUND;
}

void
redirects_free(struct redirects *rd)
{
	size_t	 i;

	for (i = 0; i < rd->n; i++) {
		free(rd->r[i].from);
		free(rd->r[i].to);
	}
	free(rd->r);
	rd->r = NULL;
	rd->n = 0;
}
