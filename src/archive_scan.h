/* SPDX-License-Identifier: ISC */
/*
 * broadside: statement metadata.  Pure parsers for the archive: file names
 * (YYYY-MM-DD-slug.gmi|.txt), dates, the title and summary of a statement
 * text, and the optional INI sidecar.  No I/O, no logging, no globals.
 */
#ifndef BROADSIDE_ARCHIVE_SCAN_H
#define BROADSIDE_ARCHIVE_SCAN_H

#include <stddef.h>

#define SCAN_SLUG_MAX		200	/* bytes */
#define SCAN_TITLE_MAX		300
#define SCAN_SUMMARY_MAX	600
#define SCAN_AUTHOR_MAX		200
#define SCAN_LANG_MAX		35
#define SCAN_TAGS_MAX		16	/* tags per statement */
#define SCAN_TAG_MAX		48	/* bytes per tag, folded */
#define SCAN_TAG_LABEL_MAX	96	/* bytes per tag as written */
#define SCAN_ERRORS_MAX		8	/* sidecar errors kept (all counted) */
#define SCAN_ERRMSG_MAX		96
#define SCAN_NOTE_MAX		200	/* a correction note, a reason */

struct scan_date {
	int	 year, month, day;
	char	 text[11];		/* "YYYY-MM-DD" */
};

struct scan_name {
	struct scan_date date;
	char	 slug[SCAN_SLUG_MAX + 1];
	char	 base[SCAN_SLUG_MAX + 12];	/* name without extension */
	int	 is_txt;
};

/* date = 4DIGIT "-" 2DIGIT "-" 2DIGIT, a real calendar day (1000..9999). */
int	 scan_parse_date(const char *s, size_t len, struct scan_date *,
	    const char **errstr);

/*
 * A moment, ISO 8601 as RFC 3339 has it, or a bare date:
 *   moment = date [ ( "T" / "t" ) hh ":" mm [ ":" ss ] offset ]
 *   offset = "Z" / "z" / ( "+" / "-" ) hh ":" mm
 * A bare date is 00:00 UTC; a time needs its offset (a time without one
 * is a local time of no known place).  *t gets the Unix time.
 */
int	 scan_parse_moment(const char *s, size_t len, long long *t,
	    const char **errstr);
/* Unix time of 00:00 UTC on a valid date (proleptic Gregorian). */
long long scan_date_time(const struct scan_date *);
/* Days from 1970-01-01 to y-m-d, any proleptic Gregorian date. */
long long scan_days_from_civil(long long y, unsigned m, unsigned d);

/*
 * name = date "-" slug ( ".gmi" / ".txt" ); slug = 1*( any byte but "/"
 * and NUL ).  Returns 0, or -1 with errstr.  A name that does not even
 * start with four digits and a '-' sets *errstr to NULL (not a statement,
 * nothing to report).
 */
int	 scan_parse_name(const char *name, struct scan_name *,
	    const char **errstr);

struct scan_text {
	char	 title[SCAN_TITLE_MAX + 1];	/* "" when none */
	char	 summary[SCAN_SUMMARY_MAX + 1];	/* "" when none */
};

/*
 * Title: the first "# " heading of gemtext (the first non-blank line of
 * plain text).  Summary: the first paragraph of ordinary text lines after
 * it, joined with spaces, skipping headings, links, preformatted blocks and
 * a short date line ("June 9, 2025"); cut on a UTF-8 boundary.  Invalid
 * UTF-8 bytes are dropped.
 */
void	 scan_extract(const char *buf, size_t len, int is_txt,
	    struct scan_text *);
/* The same title, without the summary ("" in t). */
void	 scan_extract_title(const char *buf, size_t len, int is_txt,
	    struct scan_text *);

enum {
	SIDECAR_TITLE	= 1 << 0,
	SIDECAR_DATE	= 1 << 1,
	SIDECAR_AUTHOR	= 1 << 2,
	SIDECAR_LANG	= 1 << 3,
	SIDECAR_SUMMARY	= 1 << 4,
	SIDECAR_TAGS	= 1 << 5,
	SIDECAR_DRAFT	= 1 << 6,	/* draft = yes (no: the bit unset) */
	SIDECAR_PUBLISH	= 1 << 7,
	SIDECAR_UPDATED	= 1 << 8,
	SIDECAR_CORRECTION = 1 << 9,
	SIDECAR_WITHDRAWN = 1 << 10,
	SIDECAR_REASON	= 1 << 11,
};

struct scan_error {
	int	 line;
	char	 msg[SCAN_ERRMSG_MAX];
};

struct scan_sidecar {
	unsigned		 has;	/* SIDECAR_* bits of valid values */
	char			 title[SCAN_TITLE_MAX + 1];
	struct scan_date	 date;
	char			 author[SCAN_AUTHOR_MAX + 1];
	char			 lang[SCAN_LANG_MAX + 1];
	char			 summary[SCAN_SUMMARY_MAX + 1];
	char			 tags[SCAN_TAGS_MAX][SCAN_TAG_MAX + 1];
	/* Each tag as the publisher wrote it (the folded one when that
	 * is longer than SCAN_TAG_LABEL_MAX). */
	char			 labels[SCAN_TAGS_MAX][SCAN_TAG_LABEL_MAX + 1];
	size_t			 ntags;
	/* The editorial keys (see broadside-content(5)). */
	long long		 publish;	/* Unix time */
	struct scan_date	 updated;
	char			 correction[SCAN_NOTE_MAX + 1];
	struct scan_date	 withdrawn;
	char			 reason[SCAN_NOTE_MAX + 1];
	int			 line_updated, line_correction;	/* where */
	int			 line_withdrawn, line_reason;
	/* A bad draft, publish or withdrawn value: held back, as a draft,
	 * until it is fixed (a typo must not break an embargo). */
	int			 hold;
	size_t			 nerrors;	/* all errors, kept or not */
	struct scan_error	 errors[SCAN_ERRORS_MAX];
};

/*
 * The sidecar: "key = value" lines before any section or under
 * [statement]; keys title, date, author, lang, summary, tags, and the
 * editorial ones: draft (yes/no, true/false, on/off, 1/0), publish (a
 * moment), updated (a date) with correction (one line), withdrawn (a
 * date) with reason (one line).  Every bad line (syntax, unknown key or
 * section, bad value, invalid UTF-8, over SCAN_LINE_MAX bytes) is
 * recorded with its line number and skipped; the good values are kept
 * (a bad value does not undo a good one of an earlier line).  A
 * correction without updated, a reason without withdrawn, an updated or
 * withdrawn date before the sidecar's date are errors too (the note or
 * date is dropped).  A bad draft, publish or withdrawn value sets hold.
 * Returns the number of errors.
 */
#define SCAN_LINE_MAX		198
int	 scan_parse_sidecar(const char *buf, size_t len, struct scan_sidecar *);
/*
 * The statement's own date known (the sidecar's, or the file name's when
 * the sidecar has none): an updated or withdrawn date before it is an
 * error at its line, and dropped.  scan_parse_sidecar checks against a
 * date the sidecar gives.  Returns the errors added.
 */
int	 scan_sidecar_dates(struct scan_sidecar *, const char *date);

/*
 * tags = tag *( "," tag ); blanks around tags ignored, empty ones skipped,
 * duplicates merged; tag = 1*( letter / digit / "-" / "_" ), letters and
 * digits of any script, folded as search folds words (search_fold_cp: ASCII
 * lower-cased, Latin accents removed, Greek and Cyrillic lower-cased), at
 * most SCAN_TAG_MAX bytes once folded, at most SCAN_TAGS_MAX tags.  Each
 * bad tag is skipped and recorded in sc->errors at `line`, quoted, with
 * the reason; the other tags of the line are kept and replace sc->tags
 * (SIDECAR_TAGS set), unless every tag of the line was bad.  Returns the
 * number of bad tags.
 */
int	 scan_parse_tags(const char *s, int line, struct scan_sidecar *);

/* lang = BCP 47 shape: 2-8 letters, then "-" 1-8 alphanumerics ... */
int	 scan_lang_ok(const char *);

#endif
