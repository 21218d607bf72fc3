/* SPDX-License-Identifier: ISC */
/*
 * broadside: ISO 8601 moments, as a sidecar's `publish` key and
 * `broadside new --publish` write them.  Pure: no I/O, no globals, no
 * time zone database (only UTC and numeric offsets).
 */
#ifndef BROADSIDE_ISODATE_H
#define BROADSIDE_ISODATE_H

#include <stddef.h>
#include <stdint.h>

#define ISODATE_TEXT_MAX	25	/* "YYYY-MM-DDTHH:MM:SS+HH:MM" */

/*
 * moment = date [ ( "T" / "t" ) time offset ]
 * date   = 4DIGIT "-" 2DIGIT "-" 2DIGIT	(a real day, 1000..9999)
 * time   = 2DIGIT ":" 2DIGIT [ ":" 2DIGIT ]	(00:00[:00] to 23:59[:59])
 * offset = "Z" / "z" / ( "+" / "-" ) 2DIGIT ":" 2DIGIT	(at most 23:59)
 *
 * A bare date is 00:00 UTC.  A time without an offset is refused: the
 * machine that reads it may not be where it was written.  Sets *t to the
 * seconds since 1970-01-01T00:00:00Z.  0, or -1 with a short static
 * *errstr.
 */
int	 isodate_parse(const char *s, size_t len, int64_t *t,
	    const char **errstr);

/* t as "YYYY-MM-DDTHH:MM:SSZ" into out (ISODATE_TEXT_MAX + 1 bytes). */
void	 isodate_format(int64_t t, char *out, size_t outsz);

/* Days since 1970-01-01 of a proleptic Gregorian date. */
int64_t	 isodate_days(int year, int month, int day);

#endif
