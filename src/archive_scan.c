/* SPDX-License-Identifier: ISC */
/*
 * broadside: statement metadata parsers (file names, dates, title and
 * summary, sidecar INI).  Pure: no I/O, no logging, no globals.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <ini.h>

#include "archive_scan.h"
#include "search.h"
#include "utf8.h"

#define TAG_QUOTE_MAX	32	/* bytes of a bad tag quoted in its error */
/* SCAN_TAG_MAX and SCAN_TAGS_MAX as text, for the messages. */
#define STR(x)		#x
#define XSTR(x)		STR(x)
#define TAG_MAX_TEXT	XSTR(SCAN_TAG_MAX)
#define TAGS_MAX_TEXT	XSTR(SCAN_TAGS_MAX)

struct sidecar_stream {
	const char		*p;
	const char		*end;
	int			 lineno;
	int			 skipped;	/* this line already reported */
	struct scan_sidecar	*out;
};

static void	 sc_error(struct scan_sidecar *, int, const char *);
static int	 sc_handler(void *, const char *, const char *, const char *);
static char	*sc_reader(char *, int, void *);
static int	 line_ok(const char *, size_t);
static void	 copy_trim(char *, size_t, const char *, size_t);
static int	 is_date_line(const char *, size_t);
static int	 fold_tag(const char *, size_t, char *, const char **,
		    size_t *, size_t *);
static int	 shows(uint32_t);
static void	 sidecar_pairs(struct scan_sidecar *);
static void	 tag_error(struct scan_sidecar *, int, const char *, size_t,
		    const char *, size_t, size_t);

static int
digits(const char *s, size_t n, int *v)
{
	size_t	 i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

/* date = 4DIGIT "-" 2DIGIT "-" 2DIGIT */
int
scan_parse_date(const char *s, size_t len, struct scan_date *d,
    const char **errstr)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int	 leap, max;

	if (len != 10 || s[4] != '-' || s[7] != '-' ||
	    digits(s, 4, &d->year) == -1 || digits(s + 5, 2, &d->month) == -1 ||
	    digits(s + 8, 2, &d->day) == -1) {
		*errstr = "date is not YYYY-MM-DD";
		return -1;
	}
	if (d->year < 1000) {
		*errstr = "year out of range";
		return -1;
	}
	if (d->month < 1 || d->month > 12) {
		*errstr = "month out of range";
		return -1;
	}
	leap = (d->year % 4 == 0 && d->year % 100 != 0) || d->year % 400 == 0;
	max = mdays[d->month - 1] + (d->month == 2 && leap);
	if (d->day < 1 || d->day > max) {
		*errstr = "day out of range";
		return -1;
	}
	memcpy(d->text, s, 10);
	d->text[10] = '\0';
	return 0;
}

/* See archive_scan.h (H. Hinnant's algorithm). */
long long
scan_days_from_civil(long long y, unsigned m, unsigned d)
{
	long long	 era;
	unsigned	 yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

long long
scan_date_time(const struct scan_date *d)
{
	return scan_days_from_civil(d->year, (unsigned)d->month,
	    (unsigned)d->day) * 86400;
}

/* 2DIGIT at s, at most max. */
static int
two_digits(const char *s, int max, int *v)
{
	return digits(s, 2, v) == 0 && *v <= max ? 0 : -1;
}

/*
 * moment = date [ ( "T" / "t" ) hh ":" mm [ ":" ss ] offset ]
 * offset = "Z" / "z" / ( "+" / "-" ) hh ":" mm
 */
int
scan_parse_moment(const char *s, size_t len, long long *t,
    const char **errstr)
{
	struct scan_date	 d;
	size_t			 i;
	int			 hh, mm, ss = 0, oh, om, sign;

	if (len < 10 || scan_parse_date(s, 10, &d, errstr) == -1) {
		if (len < 10)
			*errstr = "date is not YYYY-MM-DD";
		return -1;
	}
	*t = scan_date_time(&d);
	if (len == 10)
		return 0;
	*errstr = "time is not Thh:mm[:ss] with Z or an offset (+hh:mm)";
	if ((s[10] != 'T' && s[10] != 't') || len < 16 || s[13] != ':' ||
	    two_digits(s + 11, 23, &hh) == -1 ||
	    two_digits(s + 14, 59, &mm) == -1)
		return -1;
	i = 16;
	if (i < len && s[i] == ':') {
		if (len < i + 3 || two_digits(s + i + 1, 60, &ss) == -1)
			return -1;
		i += 3;
	}
	if (i == len) {
		*errstr = "time without Z or an offset (+hh:mm)";
		return -1;
	}
	if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == len) {
		*t += hh * 3600 + mm * 60 + ss;
		return 0;
	}
	if ((s[i] != '+' && s[i] != '-') || len != i + 6 ||
	    s[i + 3] != ':' || two_digits(s + i + 1, 23, &oh) == -1 ||
	    two_digits(s + i + 4, 59, &om) == -1)
		return -1;
	sign = s[i] == '+' ? 1 : -1;
	/* 09:00+02:00 is 07:00 UTC. */
	*t += hh * 3600 + mm * 60 + ss - sign * (oh * 3600 + om * 60);
	return 0;
}

/* name = date "-" slug ( ".gmi" / ".txt" ) */
int
scan_parse_name(const char *name, struct scan_name *n, const char **errstr)
{
	size_t	 len, slen;
	int	 dummy;

	memset(n, 0, sizeof(*n));
	len = strlen(name);
	if (len < 5 || digits(name, 4, &dummy) == -1 || name[4] != '-') {
		*errstr = NULL;
		return -1;
	}
	if (len < 4 || (strcmp(name + len - 4, ".gmi") != 0 &&
	    strcmp(name + len - 4, ".txt") != 0)) {
		*errstr = NULL;		/* a sidecar or another file */
		return -1;
	}
	n->is_txt = name[len - 3] == 't';
	if (len < 10 + 1 + 1 + 4 || name[10] != '-') {
		*errstr = "name is not YYYY-MM-DD-slug.gmi";
		return -1;
	}
	if (scan_parse_date(name, 10, &n->date, errstr) == -1)
		return -1;
	slen = len - 11 - 4;
	if (slen == 0) {
		*errstr = "empty slug";
		return -1;
	}
	if (slen > SCAN_SLUG_MAX) {
		*errstr = "slug too long";
		return -1;
	}
	if (memchr(name, '/', len) != NULL) {
		*errstr = "slash in name";
		return -1;
	}
	memcpy(n->slug, name + 11, slen);
	n->slug[slen] = '\0';
	memcpy(n->base, name, len - 4);
	n->base[len - 4] = '\0';
	return 0;
}

/*
 * Copy s[0..len) into dst (size dsz): blanks trimmed, control bytes and
 * runs of blanks made one space, invalid UTF-8 dropped, cut on a
 * character boundary.
 */
static void
copy_trim(char *dst, size_t dsz, const char *s, size_t len)
{
	const unsigned char	*u = (const unsigned char *)s;
	uint32_t		 cp;
	size_t			 i = 0, o = 0, n;
	int			 space = 0, r;

	while (i < len && (u[i] <= ' ' || u[i] == 0x7f))
		i++;
	while (i < len) {
		if (u[i] > ' ' && u[i] < 0x7f) {	/* the common case */
			if (o + space + 1 >= dsz)
				break;
			if (space && o > 0)
				dst[o++] = ' ';
			space = 0;
			dst[o++] = s[i++];
			continue;
		}
		if (u[i] <= ' ' || u[i] == 0x7f) {
			space = 1;
			i++;
			continue;
		}
		if ((r = utf8_decode(u + i, len - i, &cp)) <= 0) {
			i++;
			continue;
		}
		n = (size_t)r;
		if (o + space + n >= dsz)
			break;
		if (space && o > 0)
			dst[o++] = ' ';
		space = 0;
		memcpy(dst + o, s + i, n);
		o += n;
		i += n;
	}
	dst[o] = '\0';
}

/* A short line holding a year, like "June 9, 2025" or "2025-06-09". */
static int
is_date_line(const char *s, size_t len)
{
	size_t	 i, run = 0;

	if (len > 40)
		return 0;
	for (i = 0; i < len; i++) {
		if (isdigit((unsigned char)s[i])) {
			if (++run == 4)
				return 1;
		} else
			run = 0;
	}
	return 0;
}

static void
summary_add(struct scan_text *t, size_t *slen, const char *s, size_t len)
{
	char	 tmp[SCAN_SUMMARY_MAX + 1];
	size_t	 n;

	if (*slen + 2 >= sizeof(t->summary))
		return;
	copy_trim(tmp, sizeof(t->summary) - *slen - (*slen > 0), s, len);
	if ((n = strlen(tmp)) == 0)
		return;
	if (*slen > 0)
		t->summary[(*slen)++] = ' ';
	memcpy(t->summary + *slen, tmp, n + 1);
	*slen += n;
}

static void
extract(const char *buf, size_t len, int is_txt, int want_summary,
    struct scan_text *t)
{
	const char	*p = buf, *end = buf + len, *nl, *l;
	size_t		 ll, slen = 0;
	int		 pre = 0, have_title = 0, in_par = 0, done = 0;

	memset(t, 0, sizeof(*t));
	while (p < end && !done) {
		nl = memchr(p, '\n', end - p);
		l = p;
		ll = (nl ? nl : end) - p;
		p = nl ? nl + 1 : end;
		if (ll > 0 && l[ll - 1] == '\r')
			ll--;
		if (!is_txt && ll >= 3 && memcmp(l, "```", 3) == 0) {
			pre = !pre;
			if (in_par)
				done = 1;
			continue;
		}
		if (pre)
			continue;
		while (ll > 0 && (l[ll - 1] == ' ' || l[ll - 1] == '\t'))
			ll--;
		if (ll == 0) {
			if (in_par)
				done = 1;
			continue;
		}
		if (!have_title && (is_txt || (ll >= 2 && l[0] == '#' &&
		    l[1] != '#'))) {
			if (!is_txt) {
				l++;
				ll--;
			}
			copy_trim(t->title, sizeof(t->title), l, ll);
			have_title = 1;
			continue;
		}
		if (!is_txt && (l[0] == '#' || (ll >= 2 && l[0] == '=' &&
		    l[1] == '>'))) {
			if (in_par)
				done = 1;
			continue;
		}
		if (!in_par && is_date_line(l, ll))
			continue;
		if (!is_txt && (l[0] == '>' || l[0] == '*')) {
			l++;
			ll--;
		}
		in_par = 1;
		if (want_summary)
			summary_add(t, &slen, l, ll);
	}
}

void
scan_extract(const char *buf, size_t len, int is_txt, struct scan_text *t)
{
	extract(buf, len, is_txt, 1, t);
}

void
scan_extract_title(const char *buf, size_t len, int is_txt,
    struct scan_text *t)
{
	extract(buf, len, is_txt, 0, t);
}

int
scan_lang_ok(const char *s)
{
	size_t	 n = 0, sub = 0, total = 0;

	for (; *s != '\0'; s++, total++) {
		if (*s == '-') {
			if (n == 0)
				return 0;
			sub++;
			n = 0;
			continue;
		}
		if (!isalnum((unsigned char)*s) || ++n > 8)
			return 0;
		if (sub == 0 && !isalpha((unsigned char)*s))
			return 0;
	}
	return n > 0 && total <= SCAN_LANG_MAX;
}

/*
 * tag = 1*( letter / digit / "-" / "_" ), folded into out (SCAN_TAG_MAX
 * bytes and a NUL) as search folds words.  A non-ASCII code point is a
 * letter unless search_fold_cp() takes it for a separator.  0, or -1 with
 * *why and, for a bad character, *at and *n (its offset and length in s).
 */
static int
fold_tag(const char *s, size_t len, char *out, const char **why, size_t *at,
    size_t *n)
{
	const unsigned char	*u = (const unsigned char *)s;
	uint32_t		 cp;
	size_t			 i = 0, o = 0;
	char			 f[UTF8_SEQ_MAX];
	int			 r, k;

	*at = *n = 0;
	while (i < len) {
		r = 1;
		if (u[i] == '-' || u[i] == '_') {
			f[0] = (char)u[i];
			k = 1;
		} else if (u[i] < 0x80)
			k = search_fold_cp(u[i], f);
		else if ((r = utf8_decode(u + i, len - i, &cp)) <= 0) {
			*why = "invalid UTF-8";
			return -1;
		} else
			k = search_fold_cp(cp, f);
		if (k < 0) {
			*why = "not a letter, digit, '-' or '_'";
			*at = i;
			*n = (size_t)r;
			return -1;
		}
		if (o + (size_t)k > SCAN_TAG_MAX) {
			*why = "longer than " TAG_MAX_TEXT " bytes";
			return -1;
		}
		memcpy(out + o, f, (size_t)k);
		o += (size_t)k;
		i += (size_t)r;
	}
	out[o] = '\0';
	if (o == 0) {
		*why = "no letter or digit";
		return -1;
	}
	return 0;
}

/* Does cp show in a message?  Controls and odd blanks do not. */
static int
shows(uint32_t cp)
{
	return cp >= ' ' && cp != 0x7f && !(cp >= 0x80 && cp <= 0xa0) &&
	    !(cp >= 0x2000 && cp <= 0x200f) && cp != 0x2028 &&
	    cp != 0x2029 && cp != 0x202f && cp != 0x205f && cp != 0x3000 &&
	    cp != 0xfeff;
}

/*
 * A bad tag's error: 'tag "b@d": '@' is not a letter, digit, '-' or '_''.
 * The tag is quoted up to TAG_QUOTE_MAX bytes, control characters as '?';
 * a bad character that would not show is named by its code point.
 */
static void
tag_error(struct scan_sidecar *sc, int line, const char *s, size_t len,
    const char *why, size_t at, size_t n)
{
	char		 q[TAG_QUOTE_MAX + 4], c[16], msg[SCAN_ERRMSG_MAX];
	uint32_t	 cp;
	size_t		 i, ql;

	ql = utf8_cut(s, len, TAG_QUOTE_MAX);
	for (i = 0; i < ql; i++)
		q[i] = (unsigned char)s[i] < ' ' || s[i] == 0x7f ? '?' : s[i];
	if (ql < len) {
		memcpy(q + ql, "\xe2\x80\xa6", 3);
		ql += 3;
	}
	q[ql] = '\0';
	if (n == 0) {
		snprintf(msg, sizeof(msg), "tag \"%s\": %s", q, why);
		sc_error(sc, line, msg);
		return;
	}
	cp = 0xfffd;	/* fold_tag() decoded it: this is not used */
	(void)utf8_decode((const unsigned char *)s + at, n, &cp);
	if (shows(cp))
		snprintf(c, sizeof(c), "'%.*s'", (int)n, s + at);
	else
		snprintf(c, sizeof(c), "U+%04X", (unsigned)cp);
	snprintf(msg, sizeof(msg), "tag \"%s\": %s is %s", q, c, why);
	sc_error(sc, line, msg);
}

/* tags = tag *( "," tag ) */
int
scan_parse_tags(const char *s, int line, struct scan_sidecar *sc)
{
	char		 tags[SCAN_TAGS_MAX][SCAN_TAG_MAX + 1];
	char		 labels[SCAN_TAGS_MAX][SCAN_TAG_LABEL_MAX + 1];
	const char	*e, *why;
	size_t		 len, j, n = 0, at, cn;
	int		 bad = 0;

	for (; s != NULL; s = e != NULL ? e + 1 : NULL) {
		while (*s == ' ' || *s == '\t')
			s++;
		e = strchr(s, ',');
		len = e ? (size_t)(e - s) : strlen(s);
		while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
			len--;
		if (len == 0)
			continue;
		if (n == SCAN_TAGS_MAX) {
			tag_error(sc, line, s, len, "one too many (at most "
			    TAGS_MAX_TEXT "; it and the rest are dropped)", 0,
			    0);
			bad++;
			break;
		}
		if (fold_tag(s, len, tags[n], &why, &at, &cn) == -1) {
			tag_error(sc, line, s, len, why, at, cn);
			bad++;
			continue;
		}
		for (j = 0; j < n && strcmp(tags[j], tags[n]) != 0; j++)
			;
		if (j < n)		/* a duplicate */
			continue;
		if (len <= SCAN_TAG_LABEL_MAX)
			snprintf(labels[n], sizeof(labels[n]), "%.*s", (int)len,
			    s);
		else
			memcpy(labels[n], tags[n], sizeof(tags[n]));
		n++;
	}
	/* A line of bad tags only leaves the tags as they were. */
	if (n > 0 || bad == 0) {
		memcpy(sc->tags, tags, n * sizeof(tags[0]));
		memcpy(sc->labels, labels, n * sizeof(labels[0]));
		sc->ntags = n;
		sc->has |= SIDECAR_TAGS;
	}
	return bad;
}

static void
sc_error(struct scan_sidecar *sc, int line, const char *msg)
{
	if (sc->nerrors < SCAN_ERRORS_MAX) {
		sc->errors[sc->nerrors].line = line;
		snprintf(sc->errors[sc->nerrors].msg, SCAN_ERRMSG_MAX, "%s",
		    msg);
	}
	sc->nerrors++;
}

/*
 * line = blank / comment / "[" section "]" / key ( "=" / ":" ) value /
 * continuation (starts with a blank).  inih reports only the first bad
 * line, so bad ones are caught here, every one of them.
 */
static int
line_ok(const char *s, size_t len)
{
	size_t	 i = 0;

	if (len > 0 && s[len - 1] == '\r')
		len--;
	if (len == 0 || s[0] == ' ' || s[0] == '\t')
		return 1;
	if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	if (i == len || s[i] == ';' || s[i] == '#')
		return 1;
	if (s[i] == '[')
		return memchr(s + i, ']', len - i) != NULL;
	return memchr(s + i, '=', len - i) != NULL ||
	    memchr(s + i, ':', len - i) != NULL;
}

/*
 * The line reader for ini_parse_stream: counts lines, reports over-long
 * lines, NUL bytes and invalid UTF-8, and hands inih an empty line instead.
 */
static char *
sc_reader(char *str, int num, void *arg)
{
	struct sidecar_stream	*st = arg;
	const char		*nl;
	size_t			 len, take;

	if (st->p >= st->end || num < 2)
		return NULL;
	nl = memchr(st->p, '\n', st->end - st->p);
	len = (nl ? nl : st->end) - st->p;
	take = len + (nl != NULL);
	st->lineno++;
	if (len > SCAN_LINE_MAX || len + 2 > (size_t)num) {
		sc_error(st->out, st->lineno, "line too long");
		len = 0;
	} else if (memchr(st->p, '\0', len) != NULL ||
	    !utf8_valid(st->p, len)) {
		sc_error(st->out, st->lineno, "invalid UTF-8 or NUL byte");
		len = 0;
	} else if (!line_ok(st->p, len)) {
		sc_error(st->out, st->lineno,
		    "syntax error (expected key = value)");
		len = 0;
	}
	memcpy(str, st->p, len);
	str[len] = '\n';
	str[len + 1] = '\0';
	st->p += take;
	return str;
}

/* "key: why" at the stream's line. */
static void
key_error(struct sidecar_stream *st, const char *key, const char *why)
{
	char	 msg[SCAN_ERRMSG_MAX];

	snprintf(msg, sizeof(msg), "%s: %s", key, why);
	sc_error(st->out, st->lineno, msg);
}

/* yes, true, on, 1 / no, false, off, 0, any case: broadside.ini(5)'s. */
static int
parse_bool(const char *v, int *out)
{
	if (strcasecmp(v, "yes") == 0 || strcasecmp(v, "true") == 0 ||
	    strcasecmp(v, "on") == 0 || strcmp(v, "1") == 0)
		*out = 1;
	else if (strcasecmp(v, "no") == 0 || strcasecmp(v, "false") == 0 ||
	    strcasecmp(v, "off") == 0 || strcmp(v, "0") == 0)
		*out = 0;
	else
		return -1;
	return 0;
}

/* A one-line note (correction, reason) into dst; SCAN_NOTE_MAX bytes. */
static int
note(struct sidecar_stream *st, const char *key, char *dst,
    const char *value, int *line)
{
	char	 tmp[SCAN_NOTE_MAX + 1];

	/* An empty one leaves a good one of an earlier line. */
	copy_trim(tmp, sizeof(tmp), value, strlen(value));
	if (tmp[0] == '\0') {
		key_error(st, key, "empty");
		return 0;
	}
	memcpy(dst, tmp, sizeof(tmp));
	*line = st->lineno;
	return 1;
}

/* draft, publish, updated, correction, withdrawn, reason: 1 if it was
 * one of them. */
static int
sc_editorial(struct sidecar_stream *st, const char *name, const char *value)
{
	struct scan_sidecar	*sc = st->out;
	struct scan_date	 d;
	const char		*err;
	long long		 t;
	size_t			 vlen = strlen(value);
	int			 b;

	if (strcmp(name, "draft") == 0) {
		if (parse_bool(value, &b) == -1) {
			key_error(st, name, "not yes or no");
			sc->hold = 1;
		} else if (b)
			sc->has |= SIDECAR_DRAFT;
		else
			sc->has &= ~SIDECAR_DRAFT;
	} else if (strcmp(name, "publish") == 0) {
		/* A bad value leaves a good one of an earlier line. */
		if (scan_parse_moment(value, vlen, &t, &err) == -1) {
			key_error(st, name, err);
			sc->hold = 1;
		} else {
			sc->publish = t;
			sc->has |= SIDECAR_PUBLISH;
		}
	} else if (strcmp(name, "updated") == 0 ||
	    strcmp(name, "withdrawn") == 0) {
		b = name[0] == 'u';
		if (scan_parse_date(value, vlen, &d, &err) == -1) {
			key_error(st, name, err);
			sc->hold |= !b;
		} else if (b) {
			sc->updated = d;
			sc->has |= SIDECAR_UPDATED;
			sc->line_updated = st->lineno;
		} else {
			sc->withdrawn = d;
			sc->has |= SIDECAR_WITHDRAWN;
			sc->line_withdrawn = st->lineno;
		}
	} else if (strcmp(name, "correction") == 0) {
		if (note(st, name, sc->correction, value, &sc->line_correction))
			sc->has |= SIDECAR_CORRECTION;
	} else if (strcmp(name, "reason") == 0) {
		if (note(st, name, sc->reason, value, &sc->line_reason))
			sc->has |= SIDECAR_REASON;
	} else
		return 0;
	return 1;
}

static int
sc_handler(void *arg, const char *section, const char *name,
    const char *value)
{
	struct sidecar_stream	*st = arg;
	struct scan_sidecar	*sc = st->out;
	struct scan_date	 d;
	const char		*err;
	size_t			 vlen = strlen(value);

	if (*section != '\0' && strcmp(section, "statement") != 0) {
		sc_error(sc, st->lineno, "unknown section (use [statement])");
		return 1;
	}
	if (strcmp(name, "title") == 0) {
		copy_trim(sc->title, sizeof(sc->title), value, vlen);
		if (sc->title[0] == '\0')
			sc_error(sc, st->lineno, "empty title");
		else
			sc->has |= SIDECAR_TITLE;
	} else if (strcmp(name, "date") == 0) {
		if (scan_parse_date(value, vlen, &d, &err) == -1)
			sc_error(sc, st->lineno, err);
		else {
			sc->date = d;
			sc->has |= SIDECAR_DATE;
		}
	} else if (strcmp(name, "author") == 0) {
		copy_trim(sc->author, sizeof(sc->author), value, vlen);
		sc->has |= SIDECAR_AUTHOR;
	} else if (strcmp(name, "lang") == 0) {
		if (!scan_lang_ok(value))
			sc_error(sc, st->lineno, "lang is not a BCP 47 tag");
		else {
			snprintf(sc->lang, sizeof(sc->lang), "%s", value);
			sc->has |= SIDECAR_LANG;
		}
	} else if (strcmp(name, "summary") == 0) {
		copy_trim(sc->summary, sizeof(sc->summary), value, vlen);
		sc->has |= SIDECAR_SUMMARY;
	} else if (strcmp(name, "tags") == 0)
		scan_parse_tags(value, st->lineno, sc);
	else if (!sc_editorial(st, name, value))
		sc_error(sc, st->lineno, "unknown key");
	return 1;
}

int
scan_parse_sidecar(const char *buf, size_t len, struct scan_sidecar *sc)
{
	struct sidecar_stream	 st;
	int			 rc;

	memset(sc, 0, sizeof(*sc));
	memset(&st, 0, sizeof(st));
	st.p = buf;
	st.end = buf + len;
	st.out = sc;
	rc = ini_parse_stream(sc_reader, &st, sc_handler, &st);
	/*
	 * inih returns the first line it could not parse (no '=' or ']') and
	 * goes on; the handler never sees such lines.  Report it once, if the
	 * reader did not already.
	 */
	if (rc > 0) {
		size_t	 i, dup = 0;

		for (i = 0; i < sc->nerrors && i < SCAN_ERRORS_MAX; i++)
			if (sc->errors[i].line == rc)
				dup = 1;
		if (!dup)
			sc_error(sc, rc, "syntax error (expected key = value)");
	} else if (rc < 0)
		sc_error(sc, 0, "cannot parse");
	sidecar_pairs(sc);
	if (sc->has & SIDECAR_DATE)
		scan_sidecar_dates(sc, sc->date.text);
	return (int)sc->nerrors;
}

/* A note says what its date is about: alone, it is dropped. */
static void
sidecar_pairs(struct scan_sidecar *sc)
{
	if ((sc->has & SIDECAR_CORRECTION) && !(sc->has & SIDECAR_UPDATED)) {
		sc_error(sc, sc->line_correction,
		    "correction without an updated date");
		sc->has &= ~SIDECAR_CORRECTION;
	}
	if ((sc->has & SIDECAR_REASON) && !(sc->has & SIDECAR_WITHDRAWN)) {
		sc_error(sc, sc->line_reason,
		    "reason without a withdrawn date");
		sc->has &= ~SIDECAR_REASON;
	}
}

int
scan_sidecar_dates(struct scan_sidecar *sc, const char *date)
{
	size_t	 n0 = sc->nerrors;

	if ((sc->has & SIDECAR_UPDATED) &&
	    strcmp(sc->updated.text, date) < 0) {
		sc_error(sc, sc->line_updated, "updated: before the "
		    "statement's date");
		sc->has &= ~(SIDECAR_UPDATED | SIDECAR_CORRECTION);
	}
	if ((sc->has & SIDECAR_WITHDRAWN) &&
	    strcmp(sc->withdrawn.text, date) < 0) {
		sc_error(sc, sc->line_withdrawn, "withdrawn: before the "
		    "statement's date");
		sc->has &= ~(SIDECAR_WITHDRAWN | SIDECAR_REASON);
	}
	return (int)(sc->nerrors - n0);
}
