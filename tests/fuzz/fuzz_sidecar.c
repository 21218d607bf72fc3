/* SPDX-License-Identifier: ISC */
/* libFuzzer target: the statement sidecar INI parser, editorial keys
 * (moments, dates, notes) among them. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "archive_scan.h"
#include "utf8.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * A kept tag: non-empty, bounded, valid UTF-8, its ASCII bytes only
 * [a-z0-9_-], not a duplicate, and already folded (parsed again, it comes
 * back the same, with no error).
 */
static void
check_tag(char tags[][SCAN_TAG_MAX + 1], size_t i)
{
	static struct scan_sidecar	 again;
	const char			*t = tags[i];
	size_t				 j, len = strlen(t);

	if (len == 0 || len > SCAN_TAG_MAX || !utf8_valid(t, len))
		__builtin_trap();
	for (j = 0; j < len; j++)
		if ((unsigned char)t[j] < 0x80 && strchr("abcdefghijklmnopqrstu"
		    "vwxyz0123456789-_", t[j]) == NULL)
			__builtin_trap();
	for (j = 0; j < i; j++)
		if (strcmp(tags[j], t) == 0)
			__builtin_trap();
	memset(&again, 0, sizeof(again));
	if (scan_parse_tags(t, 1, &again) != 0 || again.ntags != 1 ||
	    strcmp(again.tags[0], t) != 0)
		__builtin_trap();
}

/* A kept date is a real one, written as it was read. */
static void
check_date(const struct scan_date *d)
{
	struct scan_date	 again;
	const char		*err;

	if (scan_parse_date(d->text, strlen(d->text), &again, &err) != 0 ||
	    again.year != d->year || again.month != d->month ||
	    again.day != d->day)
		__builtin_trap();
}

/*
 * The editorial values: a note is one line of valid text, never empty,
 * never without its date; dates are real and not before the sidecar's
 * date; a moment lies within the years a date may have (with an offset
 * of less than a day either side).
 */
static void
check_editorial(const struct scan_sidecar *sc)
{
	static const long long	 lo = -30610224000LL - 86400;	/* 1000 */
	static const long long	 hi = 253402300800LL + 86400;	/* 10000 */
	const char		*n;

	if ((sc->has & SIDECAR_CORRECTION) && !(sc->has & SIDECAR_UPDATED))
		__builtin_trap();
	if ((sc->has & SIDECAR_REASON) && !(sc->has & SIDECAR_WITHDRAWN))
		__builtin_trap();
	for (n = sc->correction; n != NULL; n = n == sc->correction ?
	    sc->reason : NULL)
		if (strlen(n) > SCAN_NOTE_MAX || !utf8_valid(n, strlen(n)) ||
		    strchr(n, '\n') != NULL || strchr(n, '\r') != NULL)
			__builtin_trap();
	if ((sc->has & SIDECAR_CORRECTION) && sc->correction[0] == '\0')
		__builtin_trap();
	if ((sc->has & SIDECAR_REASON) && sc->reason[0] == '\0')
		__builtin_trap();
	if (sc->has & SIDECAR_UPDATED) {
		check_date(&sc->updated);
		if ((sc->has & SIDECAR_DATE) &&
		    strcmp(sc->updated.text, sc->date.text) < 0)
			__builtin_trap();
	}
	if (sc->has & SIDECAR_WITHDRAWN) {
		check_date(&sc->withdrawn);
		if ((sc->has & SIDECAR_DATE) &&
		    strcmp(sc->withdrawn.text, sc->date.text) < 0)
			__builtin_trap();
	}
	if ((sc->has & SIDECAR_PUBLISH) && (sc->publish < lo ||
	    sc->publish > hi))
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct scan_sidecar	 sc;
	size_t			 i;
	int			 n;

	n = scan_parse_sidecar((const char *)data, len, &sc);
	if (n < 0 || (size_t)n != sc.nerrors)
		__builtin_trap();
	/* Whatever was kept is valid, bounded, NUL-terminated text. */
	if (strlen(sc.title) > SCAN_TITLE_MAX ||
	    !utf8_valid(sc.title, strlen(sc.title)) ||
	    !utf8_valid(sc.author, strlen(sc.author)) ||
	    !utf8_valid(sc.summary, strlen(sc.summary)))
		__builtin_trap();
	if ((sc.has & SIDECAR_LANG) && !scan_lang_ok(sc.lang))
		__builtin_trap();
	if (sc.ntags > SCAN_TAGS_MAX)
		__builtin_trap();
	for (i = 0; i < sc.ntags; i++)
		check_tag(sc.tags, i);
	check_editorial(&sc);
	return 0;
}
