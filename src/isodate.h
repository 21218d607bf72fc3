/* SPDX-License-Identifier: ISC */
/*
 * broadside: ISO 8601 moments written out (scan_parse_moment in
 * archive_scan.h reads them, for the server and the commands alike).  Pure: no I/O, no globals, no
 * time zone database (only UTC and numeric offsets).
 */
#ifndef BROADSIDE_ISODATE_H
#define BROADSIDE_ISODATE_H

#include <stddef.h>
#include <stdint.h>

#define ISODATE_TEXT_MAX	25	/* "YYYY-MM-DDTHH:MM:SS+HH:MM" */

/* t as "YYYY-MM-DDTHH:MM:SSZ" into out (ISODATE_TEXT_MAX + 1 bytes). */
void	 isodate_format(int64_t t, char *out, size_t outsz);


#endif
