/* SPDX-License-Identifier: ISC */
/*
 * broadside: ISO 8601 moments (see isodate.h).  Calendar arithmetic by
 * hand, not timegm(3): it is not POSIX, and mktime(3) reads the local
 * time zone.
 */
#include <stdio.h>
#include <string.h>

#include "archive_scan.h"
#include "isodate.h"

static int
two(const char *s, int *v)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return -1;
	*v = (s[0] - '0') * 10 + (s[1] - '0');
	return 0;
}

/*
 * Days from civil (H. Hinnant's algorithm): exact for every proleptic
 * Gregorian date, with no table and no loop.
 */
int64_t
isodate_days(int year, int month, int day)
{
	int64_t	 y = year - (month <= 2);
	int64_t	 era = (y >= 0 ? y : y - 399) / 400;
	int64_t	 yoe = y - era * 400;
	int64_t	 doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
	int64_t	 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

/* time = 2DIGIT ":" 2DIGIT [ ":" 2DIGIT ]; the length read, or -1. */
static int
parse_time(const char *s, size_t len, int64_t *secs, const char **errstr)
{
	int	 h, m, sec = 0;
	size_t	 n = 5;

	if (len < 5 || two(s, &h) == -1 || s[2] != ':' || two(s + 3, &m) ==
	    -1) {
		*errstr = "time is not HH:MM or HH:MM:SS";
		return -1;
	}
	if (len >= 8 && s[5] == ':') {
		if (two(s + 6, &sec) == -1) {
			*errstr = "time is not HH:MM or HH:MM:SS";
			return -1;
		}
		n = 8;
	}
	if (h > 23 || m > 59 || sec > 59) {
		*errstr = "time out of range";
		return -1;
	}
	*secs = (int64_t)h * 3600 + m * 60 + sec;
	return (int)n;
}

/* offset = "Z" / ( "+" / "-" ) 2DIGIT ":" 2DIGIT, and nothing after. */
static int
parse_offset(const char *s, size_t len, int64_t *off, const char **errstr)
{
	int	 h, m;

	if (len == 0) {
		*errstr = "time without an offset (add Z or +HH:MM)";
		return -1;
	}
	if ((s[0] == 'Z' || s[0] == 'z') && len == 1) {
		*off = 0;
		return 0;
	}
	if (len != 6 || (s[0] != '+' && s[0] != '-') || two(s + 1, &h) == -1 ||
	    s[3] != ':' || two(s + 4, &m) == -1) {
		*errstr = "offset is not Z or +HH:MM";
		return -1;
	}
	if (h > 23 || m > 59) {
		*errstr = "offset out of range";
		return -1;
	}
	*off = ((int64_t)h * 3600 + m * 60) * (s[0] == '-' ? -1 : 1);
	return 0;
}

int
isodate_parse(const char *s, size_t len, int64_t *t, const char **errstr)
{
	struct scan_date	 d;
	int64_t			 secs, off;
	int			 n;

	if (len < 10 || scan_parse_date(s, 10, &d, errstr) == -1) {
		if (len < 10)
			*errstr = "date is not YYYY-MM-DD";
		return -1;
	}
	*t = isodate_days(d.year, d.month, d.day) * 86400;
	if (len == 10)
		return 0;
	if (s[10] != 'T' && s[10] != 't') {
		*errstr = "expected T between the date and the time";
		return -1;
	}
	if ((n = parse_time(s + 11, len - 11, &secs, errstr)) == -1 ||
	    parse_offset(s + 11 + n, len - 11 - (size_t)n, &off, errstr) == -1)
		return -1;
	/* 2026-12-01T09:00:00+02:00 is 07:00 UTC. */
	*t += secs - off;
	return 0;
}

void
isodate_format(int64_t t, char *out, size_t outsz)
{
	int64_t	 days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	int64_t	 rem = t - days * 86400;
	/* Civil from days (Hinnant), the inverse of isodate_days. */
	int64_t	 z = days + 719468;
	int64_t	 era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t	 doe = z - era * 146097;
	int64_t	 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t	 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t	 mp = (5 * doy + 2) / 153;
	int64_t	 d = doy - (153 * mp + 2) / 5 + 1;
	int64_t	 m = mp + (mp < 10 ? 3 : -9);
	int64_t	 y = yoe + era * 400 + (m <= 2);

	snprintf(out, outsz, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ",
	    (long long)y, (long long)m, (long long)d, (long long)(rem / 3600),
	    (long long)(rem / 60 % 60), (long long)(rem % 60));
}
