/* SPDX-License-Identifier: ISC */
/* broadside: the Atom 1.0 feed (RFC 4287).  See atom.h. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "archive_scan.h"
#include "atom.h"
#include "utf8.h"

/*
 * XML character data: the five special characters escaped; what XML 1.0
 * forbids dropped, since one such character makes a reader refuse the
 * whole feed: bytes below 0x20 other than TAB, CR and LF, U+FFFE and
 * U+FFFF, and invalid UTF-8 (surrogates among it: utf8_decode refuses
 * them).  DEL and C1 controls, allowed but discouraged, are dropped too:
 * feed readers run in terminals.
 */
void
atom_escape(struct buf *b, const char *s)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 len = strlen(s), i = 0;
	uint32_t		 cp;
	int			 n;

	while (i < len) {
		if (u[i] >= 0x80) {
			if ((n = utf8_decode(u + i, len - i, &cp)) <= 0) {
				i++;
				continue;
			}
			if (cp > 0x9f && cp != 0xfffe && cp != 0xffff)
				buf_append(b, s + i, (size_t)n);
			i += (size_t)n;
			continue;
		}
		switch (u[i]) {
		case '&':
			buf_puts(b, "&amp;");
			break;
		case '<':
			buf_puts(b, "&lt;");
			break;
		case '>':
			buf_puts(b, "&gt;");
			break;
		case '"':
			buf_puts(b, "&quot;");
			break;
		case '\'':
			buf_puts(b, "&apos;");
			break;
		default:
			if ((u[i] >= ' ' && u[i] != 0x7f) || u[i] == '\t' ||
			    u[i] == '\n' || u[i] == '\r')
				buf_putc(b, u[i]);
		}
		i++;
	}
}

long long
atom_date_time(const char *date)
{
	int	 y, m, d;

	if (sscanf(date, "%4d-%2d-%2d", &y, &m, &d) != 3)
		return 0;
	return scan_days_from_civil(y, (unsigned)m, (unsigned)d) * 86400;
}

void
atom_time(struct buf *b, long long t)
{
	struct tm	 tm;
	time_t		 tt = (time_t)t;
	char		 s[32];

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
		buf_puts(b, "1970-01-01T00:00:00Z");
		return;
	}
	buf_puts(b, s);
}

/*
 * An entry's <updated>: its correction's date, else its own; never the
 * file's time, which a copy to another machine changes (every entry
 * would then look new to subscribers).
 */
static long long
item_updated(const struct rg_item *it)
{
	long long	 pub = atom_date_time(it->date), up;

	if (it->corrected == NULL || *it->corrected == '\0')
		return pub;
	up = atom_date_time(it->corrected);
	return up > pub ? up : pub;
}

/* ' xml:lang="TAG"': the first of a list ("en,fr" may be configured). */
static void
xml_lang(struct buf *b, const char *lang)
{
	size_t	 n;

	if (lang == NULL || (n = strcspn(lang, ", ")) == 0)
		return;
	buf_puts(b, " xml:lang=\"");
	for (; n > 0; n--, lang++)	/* a tag: letters, digits, '-' */
		if (isalnum((unsigned char)*lang) || *lang == '-')
			buf_putc(b, *lang);
	buf_putc(b, '"');
}

static void
entry(struct buf *b, const struct rg_site *site, const struct rg_item *it)
{
	buf_puts(b, "  <entry");
	xml_lang(b, it->lang);
	buf_puts(b, ">\n    <title>");
	atom_escape(b, it->title);
	buf_puts(b, "</title>\n    <id>");
	atom_escape(b, site->base);
	atom_escape(b, it->id_path != NULL ? it->id_path : it->path);
	buf_puts(b, "</id>\n    <link rel=\"alternate\" href=\"");
	atom_escape(b, site->base);
	atom_escape(b, it->path);
	buf_puts(b, "\"/>\n    <published>");
	atom_time(b, atom_date_time(it->date));
	buf_puts(b, "</published>\n    <updated>");
	atom_time(b, item_updated(it));
	buf_puts(b, "</updated>\n");
	if (it->author != NULL && *it->author != '\0') {
		buf_puts(b, "    <author><name>");
		atom_escape(b, it->author);
		buf_puts(b, "</name></author>\n");
	}
	if (it->summary != NULL && *it->summary != '\0') {
		buf_puts(b, "    <summary>");
		atom_escape(b, it->summary);
		buf_puts(b, "</summary>\n");
	}
	buf_puts(b, "  </entry>\n");
}

int
atom_feed(const struct rg_site *site, const struct rg_item *items, size_t n,
    struct buf *b)
{
	long long	 up = 0, t;
	size_t		 i;

	if (n > ATOM_ENTRIES_MAX)
		n = ATOM_ENTRIES_MAX;
	for (i = 0; i < n; i++)
		if ((t = item_updated(&items[i])) > up)
			up = t;
	buf_puts(b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	    "<feed xmlns=\"http://www.w3.org/2005/Atom\"");
	xml_lang(b, site->lang);
	buf_puts(b, ">\n  <title>");
	atom_escape(b, site->title);
	buf_puts(b, "</title>\n  <id>");
	atom_escape(b, site->base);
	atom_escape(b, site->archive);
	buf_puts(b, "</id>\n  <link rel=\"self\" href=\"");
	atom_escape(b, site->base);
	atom_escape(b, site->archive);
	buf_puts(b, "atom.xml\"/>\n  <link rel=\"alternate\" href=\"");
	atom_escape(b, site->base);
	atom_escape(b, site->archive);
	buf_puts(b, "\"/>\n  <updated>");
	atom_time(b, up);
	buf_puts(b, "</updated>\n  <author><name>");
	atom_escape(b, site->title);
	buf_puts(b, "</name></author>\n  <generator>broadside</generator>\n");
	for (i = 0; i < n; i++)
		entry(b, site, &items[i]);
	buf_puts(b, "</feed>\n");
	return b->failed ? -1 : 0;
}
