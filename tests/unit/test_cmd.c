/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for the publisher's commands' pure parts: the slug maker
 * (slug.c) and ISO 8601 moments (isodate.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "archive_scan.h"
#include "isodate.h"
#include "slug.h"

static const struct {
	const char	*title;
	const char	*slug;
} slug_cases[] = {
	{ "Stop the attacks on migrants", "stop-the-attacks-on-migrants" },
	{ "  Leading, trailing!  ", "leading-trailing" },
	{ "Don't stop: L’état, c’est nous", "dont-stop-letat-cest-nous" },
	{ "Café Straße Œuvre Æsir Þing", "cafe-strasse-oeuvre-aesir-thing" },
	{ "Ça va? Ñandú — “quoted” …", "ca-va-nandu-quoted" },
	{ "Łódź Škoda Ærø", "lodz-skoda-aero" },
	{ "Καλημέρα κόσμε", "kalimera-kosme" },
	{ "ΘΈΜΑ ψυχή", "thema-psychi" },
	{ "Привет, мир", "privet-mir" },
	{ "Щука и Ёж; Ґанок", "shchuka-i-ezh-ganok" },
	/* One table for all Cyrillic: и is i, as in Russian. */
	{ "Київ, Београд, Љубав", "kiyiv-beograd-ljubav" },
	{ "объявление", "obyavlenie" },
	{ "東京 2025 Tokyo", "2025-tokyo" },
	{ "東京", SLUG_FALLBACK },
	{ "!!! ???", SLUG_FALLBACK },
	{ "", SLUG_FALLBACK },
	{ "a\xff" "b\xc3", "a-b" },		/* invalid bytes separate */
	{ "e\xcc\x81t\xcc\x81", "et" },	/* combining marks dropped */
	{ "A--B__C..D", "a-b-c-d" },
	{ "2025/06/09 statement #3", "2025-06-09-statement-3" },
};

static void
test_slug(void **state)
{
	char	 out[SLUG_LEN_MAX + 1];
	size_t	 i, n;

	(void)state;
	for (i = 0; i < sizeof(slug_cases) / sizeof(slug_cases[0]); i++) {
		n = slug_make(slug_cases[i].title, strlen(slug_cases[i].title),
		    out, sizeof(out));
		if (strcmp(out, slug_cases[i].slug) != 0)
			fail_msg("slug of \"%s\": \"%s\", want \"%s\"",
			    slug_cases[i].title, out, slug_cases[i].slug);
		assert_int_equal(n, strlen(out));
	}
}

/* Bounded: cut before the word that goes over; a long first word cut. */
static void
test_slug_bound(void **state)
{
	char	 title[1024], out[SLUG_LEN_MAX + 1], small[8];
	size_t	 i, n;

	(void)state;
	for (i = 0, title[0] = '\0'; i < 30; i++)
		strcat(title, "abcd ");		/* 5 bytes a word with '-' */
	n = slug_make(title, strlen(title), out, sizeof(out));
	assert_int_equal(n, 79);		/* 16 words */
	assert_true(out[n - 1] == 'd');
	memset(title, 'x', 200);
	n = slug_make(title, 200, out, sizeof(out));
	assert_int_equal(n, SLUG_LEN_MAX);
	/* Exactly 80 bytes fits. */
	memset(title, 'y', 80);
	assert_int_equal(slug_make(title, 80, out, sizeof(out)), 80);
	memcpy(title, "ab ", 3);
	memset(title + 3, 'y', 77);
	assert_int_equal(slug_make(title, 80, out, sizeof(out)), 80);
	memset(title + 3, 'y', 78);		/* "ab-" + 78: over */
	assert_int_equal(slug_make(title, 81, out, sizeof(out)), 2);
	assert_string_equal(out, "ab");
	/* Never a trailing '-', whatever the room. */
	n = slug_make("ab cd ef", 8, small, sizeof(small));
	assert_string_equal(small, "ab-cd");
	assert_int_equal(n, 5);
	/* Only a-z, 0-9, '-' come out, whatever comes in. */
	for (i = 0; i < 256; i++) {
		char	 in[3] = { (char)i, (char)(255 - i), 'q' };
		size_t	 k;

		n = slug_make(in, 3, out, sizeof(out));
		for (k = 0; k < n; k++)
			assert_non_null(strchr("abcdefghijklmnopqrstuvwxyz"
			    "0123456789-", out[k]));
		assert_true(out[0] != '-' && out[n - 1] != '-');
	}
}

static const struct {
	const char	*s;
	int64_t		 t;		/* when ok */
	const char	*err;		/* NULL: ok */
} iso_cases[] = {
	{ "1970-01-01", 0, NULL },
	{ "2026-12-01T09:00:00Z", 1796115600, NULL },
	{ "2026-12-01t09:00:00z", 1796115600, NULL },
	{ "2026-12-01T11:00:00+02:00", 1796115600, NULL },
	{ "2026-12-01T04:30:00-04:30", 1796115600, NULL },
	{ "2026-12-01T09:00Z", 1796115600, NULL },
	{ "2026-12-01", 1796083200, NULL },
	{ "2000-02-29T23:59:59Z", 951868799, NULL },
	{ "1969-12-31T23:59:59Z", -1, NULL },
	{ "2038-01-19T03:14:08Z", 2147483648LL, NULL },
	{ "9999-12-31T23:59:59Z", 253402300799LL, NULL },
	{ "2026-12-01T09:00:00", 0, "time without an offset (add Z or "
	    "+HH:MM)" },
	{ "2026-12-01 09:00:00Z", 0, "expected T between the date and the "
	    "time" },
	{ "2026-12-01T9:00:00Z", 0, "time is not HH:MM or HH:MM:SS" },
	{ "2026-12-01T24:00:00Z", 0, "time out of range" },
	{ "2026-12-01T23:60:00Z", 0, "time out of range" },
	{ "2026-12-01T09:00:00+2:00", 0, "offset is not Z or +HH:MM" },
	{ "2026-12-01T09:00:00+0200", 0, "offset is not Z or +HH:MM" },
	{ "2026-12-01T09:00:00+24:00", 0, "offset out of range" },
	{ "2026-12-01T09:00:00Zjunk", 0, "offset is not Z or +HH:MM" },
	{ "2026-12-01T", 0, "time is not HH:MM or HH:MM:SS" },
	{ "2025-02-29", 0, "day out of range" },
	{ "2025-13-01", 0, "month out of range" },
	{ "0999-01-01", 0, "year out of range" },
	{ "2025-1-01", 0, "date is not YYYY-MM-DD" },
	{ "2025", 0, "date is not YYYY-MM-DD" },
	{ "", 0, "date is not YYYY-MM-DD" },
};

static void
test_isodate(void **state)
{
	const char	*err;
	long long	 t;
	size_t		 i;
	int		 rc;

	(void)state;
	for (i = 0; i < sizeof(iso_cases) / sizeof(iso_cases[0]); i++) {
		err = NULL;
		t = 42;
		rc = scan_parse_moment(iso_cases[i].s, strlen(iso_cases[i].s),
		    &t, &err);
		if (iso_cases[i].err == NULL) {
			if (rc != 0)
				fail_msg("\"%s\": %s", iso_cases[i].s, err);
			if (t != iso_cases[i].t)
				fail_msg("\"%s\": %lld, want %lld",
				    iso_cases[i].s, (long long)t,
				    (long long)iso_cases[i].t);
		} else {
			if (rc != -1)
				fail_msg("\"%s\" accepted", iso_cases[i].s);
			assert_non_null(err);	/* the server's words */
		}
	}
	/* Only len bytes are read. */
	assert_int_equal(scan_parse_moment("2026-12-01T09:00:00Zjunk", 20, &t,
	    &err), 0);
	assert_int_equal(t, 1796115600);
}

static void
test_isodate_format(void **state)
{
	char	 out[ISODATE_TEXT_MAX + 1];
	long long t, back;
	const char *err;
	int64_t	 samples[] = { 0, -1, 1796115600, 951868799, 253402300799LL,
		    -30610224000LL /* 1000-01-01 */, 86399, 86400 };
	size_t	 i;

	(void)state;
	isodate_format(1796115600, out, sizeof(out));
	assert_string_equal(out, "2026-12-01T09:00:00Z");
	isodate_format(-1, out, sizeof(out));
	assert_string_equal(out, "1969-12-31T23:59:59Z");
	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		isodate_format(samples[i], out, sizeof(out));
		assert_int_equal(scan_parse_moment(out, strlen(out), &back, &err),
		    0);
		assert_int_equal(back, samples[i]);
	}
	/* Every day from 1000 to 9999 comes back (a sparse walk). */
	for (t = -30610224000LL; t < 253402300799LL; t += 86400 * 97 + 3607) {
		isodate_format(t, out, sizeof(out));
		assert_int_equal(scan_parse_moment(out, strlen(out), &back, &err),
		    0);
		assert_int_equal(back, t);
	}
	assert_int_equal(scan_days_from_civil(2000, 3, 1), 11017);
	assert_int_equal(scan_days_from_civil(1970, 1, 1), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slug),
		cmocka_unit_test(test_slug_bound),
		cmocka_unit_test(test_isodate),
		cmocka_unit_test(test_isodate_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
