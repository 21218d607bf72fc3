/* SPDX-License-Identifier: ISC */
/* Unit tests: statement file names, dates, title/summary, sidecars. */
#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "archive.h"
#include "archive_route.h"
#include "gemini_archive.h"
#include "gopher_archive.h"
#include "archive_build.h"
#include "archive_scan.h"
#include "config.h"
#include "request.h"
#include "search.h"
#include "utf8.h"

static void
test_dates(void **state)
{
	static const struct {
		const char	*s;
		int		 ok;
	} t[] = {
		{ "2025-06-09", 1 }, { "2024-02-29", 1 }, { "2000-02-29", 1 },
		{ "1900-02-29", 0 }, { "2023-02-29", 0 }, { "2025-13-01", 0 },
		{ "2025-00-10", 0 }, { "2025-04-31", 0 }, { "2025-04-00", 0 },
		{ "0999-01-01", 0 }, { "2025-6-09", 0 }, { "2025/06/09", 0 },
		{ "20250609xx", 0 }, { "2025-06-0a", 0 }, { "", 0 },
		{ "2025-12-31", 1 }, { "9999-12-31", 1 },
	};
	struct scan_date	 d;
	const char		*err;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		err = NULL;
		int rc = scan_parse_date(t[i].s, strlen(t[i].s), &d, &err);
		if (t[i].ok) {
			assert_int_equal(rc, 0);
			assert_string_equal(d.text, t[i].s);
		} else {
			assert_int_equal(rc, -1);
			assert_non_null(err);
		}
	}
	assert_int_equal(scan_parse_date("2025-06-09", 10, &d, &err), 0);
	assert_int_equal(d.year, 2025);
	assert_int_equal(d.month, 6);
	assert_int_equal(d.day, 9);
}

static void
test_names(void **state)
{
	static const struct {
		const char	*name;
		int		 ok;	/* 1 ok, 0 error reported, -1 ignored */
		const char	*slug;
		int		 txt;
	} t[] = {
		{ "2025-06-09-stop-the-attacks.gmi", 1, "stop-the-attacks", 0 },
		{ "2025-06-09-x.txt", 1, "x", 1 },
		{ "2025-06-09-a b.gmi", 1, "a b", 0 },
		{ "2025-06-09-.gmi", 0, NULL, 0 },
		{ "2025-06-09.gmi", 0, NULL, 0 },
		{ "2025-13-09-bad.gmi", 0, NULL, 0 },
		{ "2025-02-30-bad.gmi", 0, NULL, 0 },
		{ "2025-06-09-x.ini", -1, NULL, 0 },
		{ "index.gmi", -1, NULL, 0 },
		{ "about.txt", -1, NULL, 0 },
		{ "2025-06-09-x.gmi.bak", -1, NULL, 0 },
		{ "2025_06_09-x.gmi", -1, NULL, 0 },
	};
	struct scan_name	 n;
	const char		*err;
	size_t			 i;
	int			 rc;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		err = "unset";
		rc = scan_parse_name(t[i].name, &n, &err);
		if (t[i].ok == 1) {
			assert_int_equal(rc, 0);
			assert_string_equal(n.slug, t[i].slug);
			assert_int_equal(n.is_txt, t[i].txt);
			assert_string_equal(n.date.text, "2025-06-09");
		} else {
			assert_int_equal(rc, -1);
			if (t[i].ok == 0)
				assert_non_null(err);
			else
				assert_null(err);
		}
	}
	assert_int_equal(scan_parse_name("2025-06-09-stop.gmi", &n, &err), 0);
	assert_string_equal(n.base, "2025-06-09-stop");
}

static void
test_extract_gemtext(void **state)
{
	const char	*g = "# Stop the attacks\n\nJune 9, 2025\n\n"
	    "First paragraph, line one\nline two.\n\nSecond one.\n";
	const char	*pre = "```\n# not a title\n```\n## sub\n=> /x link\n"
	    "# Real title\r\n\r\n* item text\n\nnext\n";
	const char	*none = "no heading here\nat all\n";
	struct scan_text t;

	(void)state;
	scan_extract(g, strlen(g), 0, &t);
	assert_string_equal(t.title, "Stop the attacks");
	assert_string_equal(t.summary, "First paragraph, line one line two.");
	scan_extract(pre, strlen(pre), 0, &t);
	assert_string_equal(t.title, "Real title");
	assert_string_equal(t.summary, "item text");
	scan_extract(none, strlen(none), 0, &t);
	assert_string_equal(t.title, "");
	assert_string_equal(t.summary, "no heading here at all");
	scan_extract("", 0, 0, &t);
	assert_string_equal(t.title, "");
	assert_string_equal(t.summary, "");
	/* The title alone: the same title, no summary. */
	scan_extract_title(g, strlen(g), 0, &t);
	assert_string_equal(t.title, "Stop the attacks");
	assert_string_equal(t.summary, "");
	scan_extract_title(pre, strlen(pre), 0, &t);
	assert_string_equal(t.title, "Real title");
	assert_string_equal(t.summary, "");
	scan_extract_title("\n  Plain  \nbody\n", 17, 1, &t);
	assert_string_equal(t.title, "Plain");
	assert_string_equal(t.summary, "");
}

static void
test_extract_txt_and_limits(void **state)
{
	const char	*txt = "\n  Plain title  \nbody one\nbody two\n\nlater\n";
	char		 big[4000];
	struct scan_text t;

	(void)state;
	scan_extract(txt, strlen(txt), 1, &t);
	assert_string_equal(t.title, "Plain title");
	assert_string_equal(t.summary, "body one body two");
	/* An over-long summary is cut on a UTF-8 boundary. */
	memcpy(big, "# T\n\n", 5);
	for (size_t i = 5; i + 2 < sizeof(big); i += 2)
		memcpy(big + i, "\xc3\xa9", 2);
	scan_extract(big, sizeof(big) - 1, 0, &t);
	assert_true(strlen(t.summary) <= SCAN_SUMMARY_MAX);
	assert_true(strlen(t.summary) % 2 == 0);
	assert_true(utf8_valid(t.summary, strlen(t.summary)));
	/* Invalid bytes are dropped from titles. */
	scan_extract("# a\xff" "b\n", 6, 0, &t);
	assert_string_equal(t.title, "ab");
}

static void
test_sidecar_good(void **state)
{
	const char	*ini = "; comment\n[statement]\n"
	    "title = Another title\nauthor = International Action Center\n"
	    "lang = en\ntags = Migrants, los-angeles, ice ,solidarity,,\n"
	    "date = 2025-06-10\nsummary = A short one.\n";
	const char	*nosect = "lang: fr-CA\n";
	struct scan_sidecar sc;

	(void)state;
	assert_int_equal(scan_parse_sidecar(ini, strlen(ini), &sc), 0);
	assert_int_equal(sc.has, SIDECAR_TITLE | SIDECAR_DATE |
	    SIDECAR_AUTHOR | SIDECAR_LANG | SIDECAR_SUMMARY | SIDECAR_TAGS);
	assert_string_equal(sc.title, "Another title");
	assert_string_equal(sc.author, "International Action Center");
	assert_string_equal(sc.lang, "en");
	assert_string_equal(sc.date.text, "2025-06-10");
	assert_string_equal(sc.summary, "A short one.");
	assert_int_equal(sc.ntags, 4);
	assert_string_equal(sc.tags[0], "migrants");
	assert_string_equal(sc.tags[3], "solidarity");
	assert_int_equal(scan_parse_sidecar(nosect, strlen(nosect), &sc), 0);
	assert_string_equal(sc.lang, "fr-CA");
}

static void
test_sidecar_bad(void **state)
{
	char		 ini[1024];
	struct scan_sidecar sc;
	int		 n;

	(void)state;
	snprintf(ini, sizeof(ini), "title = Kept\n"	/* 1 */
	    "no equals sign\n"				/* 2 */
	    "date = 2025-02-30\n"			/* 3 */
	    "lang = not a tag!\n"			/* 4 */
	    "tags = ok, b@d\n"				/* 5 */
	    "colour = red\n"				/* 6 */
	    "[other]\n"					/* 7 */
	    "author = X\n"				/* 8 */
	    "title = %0300d\n"				/* 9 */
	    "[statement]\n"				/* 10 */
	    "author = Y\xff\n", 0);			/* 11 */
	n = scan_parse_sidecar(ini, strlen(ini), &sc);
	assert_int_equal(n, 8);
	assert_int_equal(sc.errors[0].line, 2);
	assert_int_equal(sc.errors[1].line, 3);
	assert_int_equal(sc.errors[2].line, 4);
	assert_int_equal(sc.errors[3].line, 5);
	assert_int_equal(sc.errors[4].line, 6);
	assert_int_equal(sc.errors[5].line, 8);
	assert_int_equal(sc.errors[6].line, 9);
	assert_int_equal(sc.errors[7].line, 11);
	assert_true(sc.has & SIDECAR_TITLE);
	assert_string_equal(sc.title, "Kept");
	assert_false(sc.has & (SIDECAR_DATE | SIDECAR_LANG | SIDECAR_AUTHOR));
	/* The bad tag is reported alone; the good one of its line is kept. */
	assert_string_equal(sc.errors[3].msg,
	    "tag \"b@d\": '@' is not a letter, digit, '-' or '_'");
	assert_true(sc.has & SIDECAR_TAGS);
	assert_int_equal(sc.ntags, 1);
	assert_string_equal(sc.tags[0], "ok");
	/* Empty and NUL-holding input. */
	assert_int_equal(scan_parse_sidecar("", 0, &sc), 0);
	assert_int_equal(scan_parse_sidecar("a = b\0c\n", 8, &sc), 1);
}

/* Each case: a moment, its Unix time, or NULL and the error. */
static const struct {
	const char	*in;
	long long	 t;
	const char	*err;
} moments[] = {
	{ "2026-12-01T09:00:00Z", 1796115600LL, NULL },
	{ "2026-12-01t09:00:00z", 1796115600LL, NULL },
	{ "2026-12-01T11:00:00+02:00", 1796115600LL, NULL },
	{ "2026-12-01T04:30-04:30", 1796115600LL, NULL },
	{ "2026-12-01T09:00Z", 1796115600LL, NULL },
	{ "2026-12-01", 1796083200LL, NULL },
	{ "1970-01-01T00:00:00Z", 0, NULL },
	{ "2024-02-29T23:59:60Z", 1709251200LL, NULL },	/* a leap second */
	{ "2026-12-01T09:00:00", 0, "time without Z" },
	{ "2026-12-01T09:00", 0, "time without Z" },
	{ "2026-12-01 09:00:00Z", 0, "time is not" },
	{ "2026-12-01T24:00:00Z", 0, "time is not" },
	{ "2026-12-01T09:60:00Z", 0, "time is not" },
	{ "2026-12-01T09:00:61Z", 0, "time is not" },
	{ "2026-12-01T09:00:00+2:00", 0, "time is not" },
	{ "2026-12-01T09:00:00+02", 0, "time is not" },
	{ "2026-12-01T09:00:00+02:00x", 0, "time is not" },
	{ "2026-12-01T09:00:00Zx", 0, "time is not" },
	{ "2026-12-01T9:00:00Z", 0, "time is not" },
	{ "2026-02-30", 0, "day out of range" },
	{ "2026-13-01T00:00:00Z", 0, "month out of range" },
	{ "tomorrow", 0, "date is not" },
	{ "", 0, "date is not" },
};

static void
test_moments(void **state)
{
	const char	*err;
	long long	 t;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(moments) / sizeof(moments[0]); i++) {
		err = NULL;
		t = -1;
		if (moments[i].err == NULL) {
			if (scan_parse_moment(moments[i].in,
			    strlen(moments[i].in), &t, &err) != 0)
				fail_msg("%s: %s", moments[i].in, err);
			if (t != moments[i].t)
				fail_msg("%s: %lld, not %lld", moments[i].in,
				    t, moments[i].t);
		} else {
			if (scan_parse_moment(moments[i].in,
			    strlen(moments[i].in), &t, &err) != -1)
				fail_msg("%s: accepted", moments[i].in);
			if (err == NULL || strstr(err, moments[i].err) == NULL)
				fail_msg("%s: \"%s\"", moments[i].in,
				    err ? err : "");
		}
	}
}

static void
test_sidecar_editorial(void **state)
{
	const char	*good = "draft = YES\n"
	    "publish = 2026-12-01T11:00:00+02:00\nupdated = 2026-01-02\n"
	    "correction = A  figure\twas wrong\n"
	    "withdrawn = 2026-02-03\nreason = Superseded\n";
	const char	*bad = "date = 2026-01-10\n"	/* 1 */
	    "draft = maybe\n"				/* 2 */
	    "publish = 2026-12-01T09:00\n"		/* 3 */
	    "updated = 2026-01-09\n"			/* 4 */
	    "correction = \n"				/* 5 */
	    "withdrawn = 2026-1-11\n"			/* 6 */
	    "reason = Why\n";				/* 7 */
	const char	*orphan = "title = T\ncorrection = Orphan\n";
	const char	*off = "draft = yes\ndraft = no\n";
	const char	*again = "publish = 2026-12-01\n"
	    "publish = 2026-12-01T25:00Z\nupdated = 2026-01-02\n"
	    "updated = 0999-13-01\ncorrection = Kept\ncorrection = ;x\n"
	    "date = 2026-01-01\ndate = 2026-99-01\n";
	struct scan_sidecar sc;

	(void)state;
	assert_int_equal(scan_parse_sidecar(good, strlen(good), &sc), 0);
	assert_int_equal(sc.has, SIDECAR_DRAFT | SIDECAR_PUBLISH |
	    SIDECAR_UPDATED | SIDECAR_CORRECTION | SIDECAR_WITHDRAWN |
	    SIDECAR_REASON);
	assert_int_equal(sc.publish, 1796115600LL);
	assert_string_equal(sc.updated.text, "2026-01-02");
	assert_string_equal(sc.correction, "A figure was wrong");
	assert_string_equal(sc.withdrawn.text, "2026-02-03");
	assert_string_equal(sc.reason, "Superseded");
	assert_false(sc.hold);
	assert_int_equal(scan_parse_sidecar(off, strlen(off), &sc), 0);
	assert_false(sc.has & SIDECAR_DRAFT);
	/* A bad value after a good one leaves the good one (fuzz_sidecar). */
	assert_int_equal(scan_parse_sidecar(again, strlen(again), &sc), 4);
	assert_int_equal(sc.publish, 1796083200LL);
	assert_string_equal(sc.updated.text, "2026-01-02");
	assert_int_equal(sc.updated.year, 2026);
	assert_string_equal(sc.correction, "Kept");
	assert_int_equal(sc.date.month, 1);
	/* Every bad value at its line; what depends on it dropped. */
	assert_int_equal(scan_parse_sidecar(bad, strlen(bad), &sc), 6);
	assert_int_equal(sc.errors[0].line, 2);
	assert_string_equal(sc.errors[0].msg, "draft: not yes or no");
	assert_int_equal(sc.errors[1].line, 3);
	assert_string_equal(sc.errors[1].msg,
	    "publish: time without Z or an offset (+hh:mm)");
	assert_int_equal(sc.errors[2].line, 5);
	assert_string_equal(sc.errors[2].msg, "correction: empty");
	assert_int_equal(sc.errors[3].line, 6);
	assert_string_equal(sc.errors[3].msg,
	    "withdrawn: date is not YYYY-MM-DD");
	assert_int_equal(sc.errors[4].line, 7);
	assert_string_equal(sc.errors[4].msg,
	    "reason without a withdrawn date");
	assert_int_equal(sc.errors[5].line, 4);
	assert_string_equal(sc.errors[5].msg,
	    "updated: before the statement's date");
	assert_int_equal(sc.has, SIDECAR_DATE);
	assert_true(sc.hold);
	assert_int_equal(scan_parse_sidecar(orphan, strlen(orphan), &sc), 1);
	assert_int_equal(sc.errors[0].line, 2);
	assert_string_equal(sc.errors[0].msg,
	    "correction without an updated date");
	assert_int_equal(sc.has, SIDECAR_TITLE);
	assert_false(sc.hold);	/* a bad note alone publishes */
	/* Against the file name's date, for a sidecar without one. */
	assert_int_equal(scan_parse_sidecar(good, strlen(good), &sc), 0);
	assert_int_equal(scan_sidecar_dates(&sc, "2026-01-02"), 0);
	assert_int_equal(scan_sidecar_dates(&sc, "2026-02-01"), 1);
	assert_false(sc.has & (SIDECAR_UPDATED | SIDECAR_CORRECTION));
	assert_true(sc.has & SIDECAR_WITHDRAWN);
	assert_int_equal(scan_sidecar_dates(&sc, "2026-02-04"), 1);
	assert_false(sc.has & (SIDECAR_WITHDRAWN | SIDECAR_REASON));
}

/* Each case: a tags value, the tags kept, the errors (one per bad tag). */
static const struct {
	const char	*value;
	const char	*kept;		/* joined with ',' */
	const char	*errors;	/* joined with '|' */
} tag_cases[] = {
	{ " a , B,a,c_d ", "a,b,c_d", "" },
	{ "", "", "" },
	{ " , ,", "", "" },
	/* Letters of the publisher's language, folded as search folds. */
	{ "Inmigraci\xc3\xb3n, Stra\xc3\x9f" "e, \xc3\x89TICA",
	    "inmigracion,strasse,etica", "" },
	{ "\xd0\x91\xd0\xb5\xd0\xb6\xd0\xb5\xd0\xbd\xd1\x86\xd1\x8b",
	    "\xd0\xb1\xd0\xb5\xd0\xb6\xd0\xb5\xd0\xbd\xd1\x86\xd1\x8b", "" },
	{ "\xce\x95\xce\xbb\xce\xbb\xce\xac\xce\xb4\xce\xb1",
	    "\xce\xb5\xce\xbb\xce\xbb\xce\xb1\xce\xb4\xce\xb1", "" },
	{ "\xe7\xa7\xbb\xe6\xb0\x91, 2025", "\xe7\xa7\xbb\xe6\xb0\x91,2025",
	    "" },
	/* A decomposed accent is the same tag as a composed one. */
	{ "cafe\xcc\x81, caf\xc3\xa9", "cafe", "" },
	/* Bad tags are reported one by one, the others kept. */
	{ "ok, b@d, x/y, fine", "ok,fine",
	    "tag \"b@d\": '@' is not a letter, digit, '-' or '_'|"
	    "tag \"x/y\": '/' is not a letter, digit, '-' or '_'" },
	{ "los angeles, la", "la",
	    "tag \"los angeles\": ' ' is not a letter, digit, '-' or '_'" },
	{ "\xc2\xabquoted\xc2\xbb", "",
	    "tag \"\xc2\xabquoted\xc2\xbb\": '\xc2\xab' is not a letter, "
	    "digit, '-' or '_'" },
	{ "a\xc2\xa0" "b, c", "c",
	    "tag \"a\xc2\xa0" "b\": U+00A0 is not a letter, digit, '-' or "
	    "'_'" },
	{ "a\x01" "b", "",
	    "tag \"a?b\": U+0001 is not a letter, digit, '-' or '_'" },
	{ "\xcc\x81", "", "tag \"\xcc\x81\": no letter or digit" },
	{ "a\xff", "", "tag \"a\xff\": invalid UTF-8" },
	{ "x, 0123456789012345678901234567890123456789012345678",
	    "x", "tag \"01234567890123456789012345678901\xe2\x80\xa6\": "
	    "longer than 48 bytes" },
	{ "t0,t1,t2,t3,t4,t5,t6,t7,t8,t9,t10,t11,t12,t13,t14,t15,t16,t17",
	    "t0,t1,t2,t3,t4,t5,t6,t7,t8,t9,t10,t11,t12,t13,t14,t15",
	    "tag \"t16\": one too many (at most 16; it and the rest are "
	    "dropped)" },
};

static void
test_tags(void **state)
{
	struct scan_sidecar	 sc;
	char			 kept[1024], errs[1024];
	size_t			 i, j;
	int			 bad;

	(void)state;
	for (i = 0; i < sizeof(tag_cases) / sizeof(tag_cases[0]); i++) {
		memset(&sc, 0, sizeof(sc));
		bad = scan_parse_tags(tag_cases[i].value, 7, &sc);
		kept[0] = errs[0] = '\0';
		for (j = 0; j < sc.ntags; j++)
			snprintf(kept + strlen(kept), sizeof(kept) -
			    strlen(kept), "%s%s", j ? "," : "", sc.tags[j]);
		for (j = 0; j < sc.nerrors; j++) {
			assert_int_equal(sc.errors[j].line, 7);
			snprintf(errs + strlen(errs), sizeof(errs) -
			    strlen(errs), "%s%s", j ? "|" : "",
			    sc.errors[j].msg);
		}
		assert_int_equal(bad, (int)sc.nerrors);
		if (strcmp(kept, tag_cases[i].kept) != 0 ||
		    strcmp(errs, tag_cases[i].errors) != 0) {
			print_error("case %zu: kept \"%s\", errors \"%s\"\n",
			    i, kept, errs);
			fail();
		}
	}
	/* A line of bad tags only leaves the earlier tags as they were. */
	memset(&sc, 0, sizeof(sc));
	assert_int_equal(scan_parse_tags("one, two", 1, &sc), 0);
	assert_int_equal(scan_parse_tags("b@d", 2, &sc), 1);
	assert_int_equal(sc.ntags, 2);
	assert_int_equal(scan_parse_tags("three", 3, &sc), 0);
	assert_int_equal(sc.ntags, 1);
	assert_string_equal(sc.tags[0], "three");
}

static void
test_lang(void **state)
{
	(void)state;
	assert_true(scan_lang_ok("en"));
	assert_true(scan_lang_ok("pt-BR"));
	assert_true(scan_lang_ok("zh-Hant-TW"));
	assert_false(scan_lang_ok(""));
	assert_false(scan_lang_ok("e1"));
	assert_false(scan_lang_ok("en-"));
	assert_false(scan_lang_ok("en--us"));
	assert_false(scan_lang_ok("en_US"));
	assert_false(scan_lang_ok("verylongxx"));
}

static void
write_file(const char *path, const char *text)
{
	FILE	*f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A response's bytes into *out (malloc'd), its lent body in *body;
 * the response freed. */
static void
response_bytes(struct response *r, char **out, size_t *len,
    const void **body)
{
	*len = r->out.len + r->body_len;
	*out = malloc(*len + 1);
	assert_non_null(*out);
	if (r->out.len > 0)
		memcpy(*out, r->out.data, r->out.len);
	if (r->body_len > 0)
		memcpy(*out + r->out.len, r->body, r->body_len);
	(*out)[*len] = '\0';
	*body = r->body;
	response_free(r);
}

/* A configuration of the test's archive under dir, and a request
 * context over it with its archive built: the root's descriptor. */
static void
conf_init(struct config *conf, char *dir)
{
	memset(conf, 0, sizeof(*conf));
	conf->hostname = "localhost";
	conf->root = dir;
	conf->archive = "statements";
	conf->title = "Statements";
}

static int
ctx_open(struct request_ctx *ctx, const struct config *conf)
{
	int	 rootfd = open(conf->root, O_RDONLY | O_DIRECTORY);

	assert_true(rootfd != -1);
	memset(ctx, 0, sizeof(*ctx));
	ctx->conf = conf;
	ctx->rootfd = rootfd;
	assert_non_null(ctx->archive = archive_new(conf, rootfd));
	return rootfd;
}

/* A gopher request: 1 when answered; the bytes in *out (malloc'd). */
static int
gopher_get(const struct request_ctx *ctx, const char *sel, char **out,
    size_t *len, const void **body)
{
	struct response	 r;
	struct route	 rt;
	int		 rc;

	response_init(&r);
	archive_route(archive_folder(ctx->archive), sel, ROUTE_GOPHER, &rt);
	rc = gopher_archive_serve(ctx, &rt, NULL, 0, &r);
	response_bytes(&r, out, len, body);
	return rc;
}

/*
 * Gopher pages come from the snapshot's cache: the same bytes (the same
 * memory) on every request, and fresh bytes after a rebuild.
 */
static void
test_gopher_cache(void **state)
{
	static const char *const sels[] = {
		"/statements/2025/2025-01-02-first.gmi", "/statements/",
		"/statements/tags/", "/statements/2025/",
		"/statements/atom.xml",
	};
	char			 dir[] = "/tmp/broadside-test-archive-XXXXXX";
	char			 p[256], *a, *b;
	struct config		 conf;
	struct request_ctx	 ctx;
	const void		*ba, *bb;
	size_t			 la, lb, i;
	int			 rootfd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/statements", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/statements/2025", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/statements/2025/2025-01-02-first.gmi", dir);
	write_file(p, "# First\n\nOld words here.\n");
	conf_init(&conf, dir);
	conf.gopher_port = 70;
	conf.wrap = 70;
	rootfd = ctx_open(&ctx, &conf);
	for (i = 0; i < sizeof(sels) / sizeof(sels[0]); i++) {
		assert_int_equal(gopher_get(&ctx, sels[i], &a, &la, &ba), 1);
		assert_int_equal(gopher_get(&ctx, sels[i], &b, &lb, &bb), 1);
		assert_non_null(ba);
		assert_ptr_equal(ba, bb);
		assert_int_equal(la, lb);
		assert_memory_equal(a, b, la);
		assert_true(la > 3 && memcmp(a + la - 3, ".\r\n", 3) == 0);
		if (i == 0)
			assert_non_null(strstr(a, "Old words"));
		if (i == 4)
			assert_non_null(strstr(a, "<feed"));
		free(a);
		free(b);
	}
	archive_free(ctx.archive);
	write_file(p, "# First\n\nNew words now.\n");
	assert_non_null(ctx.archive = archive_new(&conf, rootfd));
	assert_int_equal(gopher_get(&ctx, sels[0], &a, &la, &ba), 1);
	assert_null(strstr(a, "Old words"));
	assert_non_null(strstr(a, "New words"));
	free(a);
	archive_free(ctx.archive);
	close(rootfd);
	unlink(p);
	snprintf(p, sizeof(p), "%s/statements/2025", dir);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/statements", dir);
	rmdir(p);
	rmdir(dir);
}


/* A Gemini request: 1 when answered; the bytes in *out (malloc'd). */
static int
gemini_get(const struct request_ctx *ctx, const char *path, char **out,
    size_t *len, const void **body)
{
	struct response	 r;
	struct route	 rt;
	int		 rc;

	response_init(&r);
	archive_route(archive_folder(ctx->archive), path, 0, &rt);
	rc = gemini_archive_serve(ctx, &rt, path, NULL, &r);
	response_bytes(&r, out, len, body);
	return rc;
}

/*
 * A statement over Gemini with its footer: rendered once (the same
 * memory lent to each response), its words first; a .txt and, with the
 * footer off, every statement left to the file tree.
 */
static void
test_gemini_statement_footer(void **state)
{
	static const char	 words[] = "# First\n\nThe words.\n";
	char			 dir[] = "/tmp/broadside-test-foot-XXXXXX";
	char			 p[256], *a, *b;
	struct config		 conf;
	struct request_ctx	 ctx;
	const void		*ba, *bb;
	size_t			 la, lb;
	int			 rootfd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/statements", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/statements/2025-01-02-first.gmi", dir);
	write_file(p, words);
	snprintf(p, sizeof(p), "%s/statements/2025-01-02-first.ini", dir);
	write_file(p, "lang = fr\nupdated = 2025-01-03\ncorrection = Oops\n");
	snprintf(p, sizeof(p), "%s/statements/2025-01-03-plain.txt", dir);
	write_file(p, "Plain.\n");
	conf_init(&conf, dir);
	conf.lang = "en";
	conf.statement_footer = 1;
	rootfd = ctx_open(&ctx, &conf);
	assert_int_equal(gemini_get(&ctx, "/statements/2025-01-02-first.gmi",
	    &a, &la, &ba), 1);
	assert_int_equal(gemini_get(&ctx, "/statements/2025-01-02-first.gmi",
	    &b, &lb, &bb), 1);
	assert_non_null(ba);
	assert_ptr_equal(ba, bb);
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, la);
	assert_string_equal(a, "20 text/gemini; charset=utf-8; lang=fr\r\n"
	    "# First\n\nThe words.\n\n---\nDate: 2025-01-02\n"
	    "Corrected 2025-01-03: Oops\n\n"
	    "=> /statements/ All statements\n=> / Home\n");
	free(a);
	free(b);
	assert_int_equal(gemini_get(&ctx, "/statements/2025-01-03-plain.txt",
	    &a, &la, &ba), 0);
	free(a);
	conf.statement_footer = 0;
	assert_int_equal(gemini_get(&ctx, "/statements/2025-01-02-first.gmi",
	    &a, &la, &ba), 0);
	free(a);
	archive_free(ctx.archive);
	close(rootfd);
	snprintf(p, sizeof(p), "rm -rf '%s'", dir);
	assert_int_equal(system(p), 0);
}

/*
 * A build over nested folders with and without sidecars, in two threads:
 * a sidecar applies to the statement of its name in its own folder only,
 * and every statement is loaded once with the right title and tags.
 */
static void
test_build_sidecars(void **state)
{
	static const char *const sub[] = { "statements", "statements/2023",
	    "statements/2024", "statements/2024/deep", "statements/2025" };
	char			 dir[] = "/tmp/broadside-test-build-XXXXXX";
	char			 p[512], want[64];
	struct build_conf	 bc;
	struct catalog		*s;
	const struct stmt	*st;
	size_t			 i, k, seen = 0;
	int			 rootfd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	for (i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, sub[i]);
		assert_int_equal(mkdir(p, 0755), 0);
	}
	/* 90 statements, every third with a sidecar, sizes all different. */
	for (i = 0; i < 90; i++) {
		snprintf(p, sizeof(p), "%s/statements/2023/"
		    "2023-01-%02zu-s%zu.gmi", dir, 1 + i % 28, i);
		write_file(p, i % 2 ? "# Body title\n\nSome words.\n" :
		    "# Body title\n\nMore words, and more, and more.\n");
		if (i % 3 == 0) {
			snprintf(p, sizeof(p), "%s/statements/2023/"
			    "2023-01-%02zu-s%zu.ini", dir, 1 + i % 28, i);
			snprintf(want, sizeof(want), "title = Side %zu\n"
			    "tags = t%zu\n", i, i);
			write_file(p, want);
		}
	}
	snprintf(p, sizeof(p), "%s/statements/2024/2024-05-05-c.gmi", dir);
	write_file(p, "# C body\n");
	/* The right name in the wrong folder: not C's sidecar. */
	snprintf(p, sizeof(p), "%s/statements/2025/2024-05-05-c.ini", dir);
	write_file(p, "title = Wrong folder\n");
	snprintf(p, sizeof(p), "%s/statements/2024/deep/2024-06-06-d.txt", dir);
	write_file(p, "D body\n");
	snprintf(p, sizeof(p), "%s/statements/2024/deep/2024-06-06-d.ini", dir);
	write_file(p, "title = D side\ntags = deep\n");
	rootfd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(rootfd != -1);
	memset(&bc, 0, sizeof(bc));
	bc.rootfd = rootfd;
	bc.archive = "statements";
	bc.watchfd = -1;
	bc.threads = 2;
	bc.quiet = 1;
	s = catalog_build(&bc);
	assert_non_null(s);
	assert_int_equal(s->n, 92);
	for (i = 0; i < s->nst; i++) {
		st = &s->st[i];
		assert_true(st->valid);
		if (strcmp(st->rel, "2024/2024-05-05-c.gmi") == 0) {
			assert_string_equal(st->title, "C body");
			assert_string_equal(st->tags, "");
			seen++;
		} else if (strcmp(st->rel, "2024/deep/2024-06-06-d.txt") == 0) {
			assert_string_equal(st->title, "D side");
			assert_string_equal(st->tags, "deep");
			seen++;
		} else {
			assert_int_equal(sscanf(st->rel,
			    "2023/2023-01-%*d-s%zu", &k), 1);
			if (k % 3 == 0) {
				snprintf(want, sizeof(want), "Side %zu", k);
				assert_string_equal(st->title, want);
				snprintf(want, sizeof(want), "t%zu", k);
				assert_string_equal(st->tags, want);
			} else {
				assert_string_equal(st->title, "Body title");
				assert_string_equal(st->tags, "");
			}
			seen++;
		}
	}
	assert_int_equal(seen, 92);
	catalog_free(s);
	close(rootfd);
	snprintf(p, sizeof(p), "rm -rf '%s'", dir);
	assert_int_equal(system(p), 0);
}

static size_t
find_rel(const struct catalog *s, const char *rel)
{
	size_t	 i;

	for (i = 0; i < s->nst; i++)
		if (strcmp(s->st[i].rel, rel) == 0)
			return i;
	fail_msg("%s not in the catalogue", rel);
	return 0;
}

/*
 * Drafts, a scheduled and a withdrawn statement: kept in the catalogue,
 * not published; an update before the moment takes every one as it was,
 * the first at or after it reads the scheduled one again (a new slot)
 * and publishes it.
 */
static void
test_build_editorial(void **state)
{
	static const long long	 moment = 1796115600LL;	/* 2026-12-01T09Z */
	char			 dir[] = "/tmp/broadside-test-edit-XXXXXX";
	char			 p[512];
	struct build_conf	 bc;
	struct catalog		*a, *b, *c;
	size_t			 k;
	int			 rootfd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/statements", dir);
	assert_int_equal(mkdir(p, 0755), 0);
#define PUT(name, text) do {						\
	snprintf(p, sizeof(p), "%s/statements/%s", dir, name);		\
	write_file(p, text);						\
} while (0)
	PUT("2026-01-01-public.gmi", "# Public\n");
	PUT("2026-01-01-public.ini", "updated = 2026-02-02\n"
	    "correction = Fixed\n");
	PUT("2026-01-02-draft.gmi", "# Draft\n");
	PUT("2026-01-02-draft.ini", "draft = yes\npublish = 2026-01-03\n");
	PUT("2026-01-03-sched.gmi", "# Sched\n");
	PUT("2026-01-03-sched.ini", "publish = 2026-12-01T10:00:00+01:00\n");
	PUT("2026-01-04-gone.gmi", "# Gone\n");
	PUT("2026-01-04-gone.ini", "withdrawn = 2026-01-05\nreason = Why\n");
#undef PUT
	rootfd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(rootfd != -1);
	memset(&bc, 0, sizeof(bc));
	bc.rootfd = rootfd;
	bc.archive = "statements";
	bc.watchfd = -1;
	bc.threads = 1;
	bc.quiet = 1;
	bc.force = 1;
	bc.now = moment - 10;
	assert_non_null(a = catalog_build(&bc));
	assert_int_equal(a->n, 1);
	assert_int_equal(a->nhidden, 3);
	assert_int_equal(a->next_publish, moment);
	assert_string_equal(a->st[a->order[0]].rel, "2026-01-01-public.gmi");
	assert_string_equal(a->st[a->order[0]].updated, "2026-02-02");
	assert_string_equal(a->st[a->order[0]].correction, "Fixed");
	k = find_rel(a, "2026-01-02-draft.gmi");
	assert_int_equal(a->st[k].kind, STMT_DRAFT);
	k = find_rel(a, "2026-01-03-sched.gmi");
	assert_int_equal(a->st[k].kind, STMT_SCHEDULED);
	assert_int_equal(a->st[k].publish, moment);
	k = find_rel(a, "2026-01-04-gone.gmi");
	assert_int_equal(a->st[k].kind, STMT_WITHDRAWN);
	assert_string_equal(a->st[k].withdrawn, "2026-01-05");
	assert_string_equal(a->st[k].reason, "Why");
	/* Before the moment: nothing read. */
	bc.prev = a;
	bc.have_prev = 1;
	bc.reuse_below = bc.next_slot = a->nslots;
	bc.now = moment - 1;
	assert_non_null(b = catalog_build(&bc));
	assert_int_equal(b->reused, 4);
	assert_int_equal(b->n, 1);
	assert_int_equal(b->nhidden, 3);
	assert_int_equal(b->next_publish, moment);
	/* At the moment: the scheduled one read again, published. */
	bc.prev = b;
	bc.now = moment;
	assert_non_null(c = catalog_build(&bc));
	assert_int_equal(c->reused, 3);
	assert_int_equal(c->n, 2);
	assert_int_equal(c->nhidden, 2);
	assert_int_equal(c->next_publish, 0);
	k = find_rel(c, "2026-01-03-sched.gmi");
	assert_int_equal(c->st[k].kind, STMT_PUBLIC);
	assert_true(c->st[k].slot >= a->nslots);
	/* A draft first, then scheduled, then withdrawn. */
	c->st[k].withdrawn[0] = '2';
	assert_int_equal(stmt_kind(&c->st[k], moment - 1), STMT_SCHEDULED);
	assert_int_equal(stmt_kind(&c->st[k], moment), STMT_WITHDRAWN);
	c->st[k].draft = 1;
	assert_int_equal(stmt_kind(&c->st[k], moment), STMT_DRAFT);
	search_free(c->search);
	c->search = NULL;
	search_free(b->search);
	b->search = NULL;
	catalog_free(c);
	catalog_free(b);
	catalog_free(a);
	close(rootfd);
	snprintf(p, sizeof(p), "rm -rf '%s'", dir);
	assert_int_equal(system(p), 0);
}


/* An attachment list as a string "name|mime|size;..." for comparing. */
static void
list_text(const char *list, char *out, size_t len)
{
	struct attachment	 a;
	const char		*p = list;
	size_t			 o = 0;

	out[0] = '\0';
	while (p != NULL && attach_next(&p, &a) && o < len)
		o += snprintf(out + o, len - o, "%s|%s|%llu;", a.name, a.mime,
		    (unsigned long long)a.size);
}

/*
 * Attachments: the folder named like a statement, its regular files
 * without dotfiles or bad names, by name, at most ATTACH_MAX; an update
 * reads again only the statement whose folder changed.
 */
static void
test_build_attachments(void **state)
{
	char			 dir[] = "/tmp/broadside-test-att-XXXXXX";
	char			 p[512], got[4096], name[64];
	struct build_conf	 bc;
	struct catalog		*a, *b, *c;
	size_t			 k;
	int			 rootfd, i;

	(void)state;
	assert_non_null(mkdtemp(dir));
#define MK(name) do {							\
	snprintf(p, sizeof(p), "%s/statements/%s", dir, name);		\
	assert_int_equal(mkdir(p, 0755), 0);				\
} while (0)
#define PUT(name, text) do {						\
	snprintf(p, sizeof(p), "%s/statements/%s", dir, name);		\
	write_file(p, text);						\
} while (0)
	snprintf(p, sizeof(p), "%s/statements", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	MK("2025");
	PUT("2025/2025-06-09-a.gmi", "# A\n");
	PUT("2025/2025-06-10-b.gmi", "# B\n");
	PUT("2025/2025-06-11-many.gmi", "# Many\n");
	PUT("2026-01-01-top.gmi", "# Top\n");
	MK("2025/2025-06-09-a");
	PUT("2025/2025-06-09-a/report.pdf", "%PDF-1.4 12345");
	PUT("2025/2025-06-09-a/photo.jpg", "jpg");
	PUT("2025/2025-06-09-a/.hidden", "no");
	PUT("2025/2025-06-09-a/bad\x01name.png", "no");
	PUT("2025/2025-06-09-a/bad\xff.png", "no");
	MK("2025/2025-06-09-a/sub");
	snprintf(p, sizeof(p), "%s/statements/2025/2025-06-09-a/link", dir);
	assert_int_equal(symlink("report.pdf", p), 0);
	MK("2025/2025-06-11-many");
	for (i = 0; i < ATTACH_MAX + 3; i++) {
		snprintf(name, sizeof(name), "2025/2025-06-11-many/f%03d.txt",
		    i);
		PUT(name, "x");
	}
	MK("2026-01-01-top");
	PUT("2026-01-01-top/a.mp3", "ID3");
	rootfd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(rootfd != -1);
	memset(&bc, 0, sizeof(bc));
	bc.rootfd = rootfd;
	bc.archive = "statements";
	bc.watchfd = -1;
	bc.threads = 1;
	bc.quiet = 1;
	bc.force = 1;
	assert_non_null(a = catalog_build(&bc));
	assert_int_equal(a->n, 4);
	assert_int_equal(a->errors, 2);	/* the bad names, the many */
	k = find_rel(a, "2025/2025-06-09-a.gmi");
	list_text(a->st[k].attachments, got, sizeof(got));
	assert_string_equal(got, "photo.jpg|image/jpeg|3;"
	    "report.pdf|application/pdf|14;");
	assert_true(a->st[k].att_sig != 0);
	k = find_rel(a, "2025/2025-06-10-b.gmi");
	assert_null(a->st[k].attachments);
	assert_int_equal(a->st[k].att_sig, 0);
	k = find_rel(a, "2025/2025-06-11-many.gmi");
	list_text(a->st[k].attachments, got, sizeof(got));
	assert_int_equal(strlen(got), ATTACH_MAX * strlen("f000.txt|"
	    "text/plain|1;"));
	assert_memory_equal(got, "f000.txt|text/plain|1;", 22);
	k = find_rel(a, "2026-01-01-top.gmi");
	list_text(a->st[k].attachments, got, sizeof(got));
	assert_string_equal(got, "a.mp3|audio/mpeg|3;");
	/* Nothing changed: everything copied. */
	bc.prev = a;
	bc.have_prev = 1;
	bc.reuse_below = bc.next_slot = a->nslots;
	assert_non_null(b = catalog_build(&bc));
	assert_int_equal(b->reused, 4);
	k = find_rel(b, "2025/2025-06-09-a.gmi");
	assert_string_equal(b->st[k].attachments, a->st[find_rel(a,
	    "2025/2025-06-09-a.gmi")].attachments);
	/* One added, one removed, one folder made: those read again. */
	PUT("2025/2025-06-09-a/more.png", "png!");
	snprintf(p, sizeof(p), "%s/statements/2026-01-01-top/a.mp3", dir);
	assert_int_equal(unlink(p), 0);
	MK("2025/2025-06-10-b");
	PUT("2025/2025-06-10-b/x.zip", "PK");
	bc.prev = b;
	assert_non_null(c = catalog_build(&bc));
	assert_int_equal(c->reused, 1);
	k = find_rel(c, "2025/2025-06-09-a.gmi");
	list_text(c->st[k].attachments, got, sizeof(got));
	assert_string_equal(got, "more.png|image/png|4;photo.jpg|image/jpeg|3;"
	    "report.pdf|application/pdf|14;");
	k = find_rel(c, "2025/2025-06-10-b.gmi");
	list_text(c->st[k].attachments, got, sizeof(got));
	assert_string_equal(got, "x.zip|application/zip|2;");
	k = find_rel(c, "2026-01-01-top.gmi");
	assert_null(c->st[k].attachments);
	assert_true(c->st[k].att_sig != 0);	/* the folder, empty */
#undef PUT
#undef MK
	search_free(c->search);
	c->search = NULL;
	search_free(b->search);
	b->search = NULL;
	catalog_free(c);
	catalog_free(b);
	catalog_free(a);
	close(rootfd);
	snprintf(p, sizeof(p), "rm -rf '%s'", dir);
	assert_int_equal(system(p), 0);
}

/* A list from an image is not trusted: malformed entries are skipped. */
static void
test_attach_next(void **state)
{
	char	 got[1024];

	(void)state;
	list_text("a\x1f" "t/x\x1f" "12\x1e\x1e" "b\x1f" "t/y\x1f" "x\x1e"
	    "\x1f" "t\x1f" "1\x1e" "c\x1f" "t/z\x1f" "9999999999999999999999999"
	    "\x1e" "d\x1f" "\x1f" "0", got, sizeof(got));
	assert_string_equal(got, "a|t/x|12;d||0;");
	list_text("", got, sizeof(got));
	assert_string_equal(got, "");
	list_text(NULL, got, sizeof(got));
	assert_string_equal(got, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_build_attachments),
		cmocka_unit_test(test_attach_next),
		cmocka_unit_test(test_gemini_statement_footer),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_extract_gemtext),
		cmocka_unit_test(test_extract_txt_and_limits),
		cmocka_unit_test(test_sidecar_good),
		cmocka_unit_test(test_sidecar_bad),
		cmocka_unit_test(test_moments),
		cmocka_unit_test(test_sidecar_editorial),
		cmocka_unit_test(test_tags),
		cmocka_unit_test(test_lang),
		cmocka_unit_test(test_gopher_cache),
		cmocka_unit_test(test_build_sidecars),
		cmocka_unit_test(test_build_editorial),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
