/* SPDX-License-Identifier: ISC */
/*
 * broadside: writing ISO 8601 moments (see isodate.h).  Calendar arithmetic by
 * hand, not timegm(3): it is not POSIX, and mktime(3) reads the local
 * time zone.
 */
#include <stdio.h>
#include <string.h>

#include "archive_scan.h"
#include "isodate.h"

void
isodate_format(int64_t t, char *out, size_t outsz)
{
	int64_t	 days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	int64_t	 rem = t - days * 86400;
	/* Civil from days (Hinnant), the inverse of scan_days_from_civil. */
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
