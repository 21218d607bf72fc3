/* SPDX-License-Identifier: ISC */
/*
 * broadside: generated gemtext pages of the archive.  See render_gemtext.h.
 * Entry lines follow the Gemini subscription companion specification:
 * "=> URL YYYY-MM-DD Title" under a first "# " heading.
 */
#include <stdio.h>
#include <string.h>

#include "archive_build.h"
#include "lang.h"
#include "render_gemtext.h"
#include "site.h"
#include "uri.h"
#include "utf8.h"

#define RG_RESERVE	2048	/* room kept for the links after the lists */
#define RG_TAG_URL_MAX	512	/* a tag percent-encoded: 3 x its bytes */
#define RG_HEAD_MAX	256	/* a year or tag page's heading, intro */

/*
 * Titles, summaries, snippets, tags and file names are the publisher's
 * bytes, and a generated page goes to a reader's terminal: a run of
 * control characters (C0 with TAB, CR and LF, DEL, C1: they would end the
 * line or start an escape sequence) becomes one space, and each byte of
 * invalid UTF-8 becomes U+FFFD.
 */
void
rg_text(struct buf *b, const char *s)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 len = strlen(s), i = 0;
	uint32_t		 cp;
	int			 n, space = 0;

	while (i < len) {
		n = utf8_decode(u + i, len - i, &cp);
		if (n > 0 && (cp < ' ' || (cp >= 0x7f && cp <= 0x9f))) {
			space = 1;
			i += (size_t)n;
			continue;
		}
		if (space)
			buf_putc(b, ' ');
		space = 0;
		if (n <= 0) {
			buf_puts(b, "\xef\xbf\xbd");	/* U+FFFD */
			i++;
		} else {
			buf_append(b, s + i, (size_t)n);
			i += (size_t)n;
		}
	}
}

void
rg_link(struct buf *b, const char *base, const char *path, const char *label)
{
	buf_puts(b, "=> ");
	if (base != NULL)
		buf_puts(b, base);
	buf_puts(b, path);
	if (label != NULL && *label != '\0') {
		buf_putc(b, ' ');
		rg_text(b, label);
	}
	buf_putc(b, '\n');
}

/* "=> URL español" (": Title" with titles) for each version. */
static void
versions(struct buf *b, const char *base, const struct stmt_version *v,
    size_t n, int titles)
{
	char	 label[LANG_LABEL_MAX + 1];
	size_t	 i;

	for (i = 0; i < n; i++) {
		lang_label(v[i].lang, label, sizeof(label));
		buf_puts(b, "=> ");
		if (base != NULL)
			buf_puts(b, base);
		buf_puts(b, v[i].url);
		buf_putc(b, ' ');
		rg_text(b, label);
		if (titles && v[i].title != NULL && *v[i].title != '\0') {
			buf_puts(b, ": ");
			rg_text(b, v[i].title);
		}
		buf_putc(b, '\n');
	}
}

/* " (español)" after the title of a statement not in the site's
 * language. */
static void
other_lang(struct buf *b, const struct rg_site *site, const char *lang)
{
	char	 label[LANG_LABEL_MAX + 1];

	if (lang == NULL || *lang == '\0' || lang_same(lang, site->lang))
		return;
	lang_label(lang, label, sizeof(label));
	buf_puts(b, " (");
	rg_text(b, label);
	buf_putc(b, ')');
}

void
rg_entry(struct buf *b, const struct rg_site *site, const struct rg_item *it)
{
	buf_puts(b, "=> ");
	buf_puts(b, site->base);
	buf_puts(b, it->path);
	buf_putc(b, ' ');
	buf_puts(b, it->date);
	buf_putc(b, ' ');
	rg_text(b, it->title);
	other_lang(b, site, it->lang);
	if (it->corrected != NULL && *it->corrected != '\0') {
		buf_puts(b, " (corrected ");
		rg_text(b, it->corrected);
		buf_putc(b, ')');
	}
	buf_putc(b, '\n');
	if (it->corrected != NULL && *it->corrected != '\0' &&
	    it->correction != NULL && *it->correction != '\0') {
		buf_puts(b, "Correction: ");
		rg_text(b, it->correction);
		buf_putc(b, '\n');
	}
	versions(b, site->base, it->ver, it->nver, 1);
}

static void
heading(struct buf *b, const char *marker, const char *s)
{
	buf_puts(b, marker);
	rg_text(b, s);
	buf_puts(b, "\n\n");
}

static void
site_links(struct buf *b, const struct rg_site *site)
{
	char	 path[512];
	size_t	 al = strlen(site->archive);

	buf_putc(b, '\n');
	rg_link(b, NULL, site->archive, "All statements, by year");
	if (al + sizeof("atom.xml") < sizeof(path)) {
		memcpy(path, site->archive, al);
		memcpy(path + al, "atom.xml", sizeof("atom.xml"));
		rg_link(b, NULL, path, "Atom feed");
		memcpy(path + al, "tags/", sizeof("tags/"));
		rg_link(b, NULL, path, "Tags");
	}
	rg_link(b, NULL, "/search", "Search the statements");
}

/* The last line of every generated page but the home page. */
static void
home_link(struct buf *b)
{
	rg_link(b, NULL, "/", "Home");
}

int
rg_home(const struct rg_site *site, const struct rg_item *items, size_t n,
    struct buf *b)
{
	size_t	 i;

	heading(b, "# ", site->title);
	if (n == 0)
		buf_puts(b, "No statements published yet.\n");
	else
		buf_puts(b, "## Latest statements\n\n");
	for (i = 0; i < n && i < RG_HOME_LATEST; i++)
		rg_entry(b, site, &items[i]);
	site_links(b, site);
	if (site->gopher != NULL)
		rg_link(b, NULL, site->gopher, "The same site over Gopher");
	return b->failed ? -1 : 0;
}

static size_t
year_end(const struct rg_item *items, size_t n, size_t i)
{
	size_t	 j;

	for (j = i; j < n && strncmp(items[j].date, items[i].date, 4) == 0; j++)
		;
	return j;
}

int
rg_archive(const struct rg_site *site, const struct rg_item *items,
    size_t n, size_t budget, struct buf *b)
{
	char	 path[512];
	size_t	 i, j, k, mark;
	int	 full = 0;

	/* The page title; the site's own is the home page's. */
	heading(b, "# ", "All statements");
	if (n == 0)
		buf_puts(b, "No statements published yet.\n");
	if (budget < RG_RESERVE * 2)
		budget = RG_RESERVE * 2;
	for (i = 0; i < n; i = j) {
		j = year_end(items, n, i);
		buf_printf(b, "## %.4s\n\n", items[i].date);
		if (!full) {
			for (k = i; k < j; k++) {
				mark = b->len;
				rg_entry(b, site, &items[k]);
				if (b->len + RG_RESERVE > budget) {
					b->len = mark;
					if (b->data != NULL)
						b->data[mark] = '\0';
					full = 1;
					break;
				}
			}
			if (!full) {
				buf_putc(b, '\n');
				continue;
			}
		}
		/* Over budget: this and older years only as links. */
		snprintf(path, sizeof(path), "%s%.4s/", site->archive,
		    items[i].date);
		buf_printf(b, "=> %s %s%.4s: %zu statements%s\n\n", path,
		    k > i && k < j ? "More of " : "", items[i].date, j - i,
		    k > i && k < j ? " in all" : "");
		k = j;
	}
	site_links(b, site);
	home_link(b);
	return b->failed ? -1 : 0;
}

size_t
rg_list(const struct rg_site *site, const char *head, const char *intro,
    const struct rg_item *items, size_t n, size_t budget, const char *prev,
    const char *next, struct buf *b)
{
	size_t	 i, mark;

	heading(b, "# ", head);
	if (intro != NULL) {
		rg_text(b, intro);
		buf_puts(b, "\n\n");
	}
	for (i = 0; i < n; i++) {
		mark = b->len;
		rg_entry(b, site, &items[i]);
		if (i > 0 && b->len + RG_RESERVE > budget) {
			b->len = mark;
			if (b->data != NULL)
				b->data[mark] = '\0';
			break;
		}
	}
	if (prev != NULL || next != NULL)
		buf_putc(b, '\n');
	if (prev != NULL)
		rg_link(b, NULL, prev, "Newer statements");
	if (next != NULL && i < n)
		rg_link(b, NULL, next, "Older statements");
	site_links(b, site);
	home_link(b);
	return i;
}

size_t
rg_group(const struct rg_site *site, enum rg_group_kind kind,
    const char *key, size_t page, const struct rg_item *items, size_t n,
    size_t budget, const char *prev, const char *next, struct buf *b)
{
	char	 head[RG_HEAD_MAX], intro[RG_HEAD_MAX], more[32] = "";

	if (page > 1)
		snprintf(more, sizeof(more), ", page %zu", page);
	if (kind == RG_TAG) {
		snprintf(head, sizeof(head), "Tag: %s%s", key, more);
		snprintf(intro, sizeof(intro), "Statements tagged %s.", key);
	} else {
		snprintf(head, sizeof(head), "%s%s", key, more);
		snprintf(intro, sizeof(intro), "Statements of %s.", key);
	}
	return rg_list(site, head, page > 1 ? NULL : intro, items, n, budget,
	    prev, next, b);
}

int
rg_tags(const struct rg_site *site, const char *const *names,
    const char *const *labels, const size_t *counts, size_t n, struct buf *b)
{
	char	 enc[RG_TAG_URL_MAX];
	size_t	 i;

	heading(b, "# ", "Tags");
	if (n == 0)
		buf_puts(b, "No tags yet.\n");
	for (i = 0; i < n; i++) {
		/* A tag may hold any letter: the URL has it percent-encoded. */
		if (uri_encode_path(names[i], enc, sizeof(enc)) == -1)
			continue;
		buf_printf(b, "=> %stags/%s/ ", site->archive, enc);
		rg_text(b, labels[i]);
		buf_printf(b, " (%zu)\n", counts[i]);
	}
	site_links(b, site);
	home_link(b);
	return b->failed ? -1 : 0;
}

int
rg_search(const struct rg_site *site, const char *query,
    const struct rg_item *items, const char *const *snippets, size_t n,
    size_t total, struct buf *b)
{
	size_t	 i;

	buf_puts(b, "# Search: ");
	rg_text(b, query);
	buf_puts(b, "\n\n");
	if (total == 0)
		buf_puts(b, "No statement matches all of these words.\n");
	else if (total == 1)
		buf_puts(b, "One statement matches.\n");
	else if (total > n)
		buf_printf(b, "%zu statements match; the best %zu are shown.\n",
		    total, n);
	else
		buf_printf(b, "%zu statements match.\n", total);
	for (i = 0; i < n; i++) {
		buf_putc(b, '\n');
		rg_entry(b, site, &items[i]);
		if (snippets != NULL && snippets[i] != NULL &&
		    snippets[i][0] != '\0') {
			buf_puts(b, "> ");
			rg_text(b, snippets[i]);
			buf_putc(b, '\n');
		}
	}
	buf_putc(b, '\n');
	rg_link(b, NULL, "/search", "Search again");
	rg_link(b, NULL, site->archive, "All statements");
	home_link(b);
	return b->failed ? -1 : 0;
}

int
rg_search_notice(const char *text, struct buf *b)
{
	heading(b, "# ", "Search");
	rg_text(b, text);
	buf_puts(b, "\n\n");
	rg_link(b, NULL, "/search", "Search again");
	home_link(b);
	return b->failed ? -1 : 0;
}

void
rg_size(char *out, size_t outsz, unsigned long long bytes)
{
	static const char *const	 unit[] = { "KiB", "MiB", "GiB",
					    "TiB" };
	double				 v = (double)bytes;
	int				 u = -1;

	if (bytes < 1024) {
		snprintf(out, outsz, "%llu byte%s", bytes, bytes == 1 ? "" :
		    "s");
		return;
	}
	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	snprintf(out, outsz, "%.1f %s", v, unit[u]);
}

/* 1 when the text leaves a preformatted block open ("```" toggles). */
static int
pre_open(const char *text, size_t len)
{
	const char	*p = text, *end = text + len, *nl;
	int		 pre = 0;

	while (p < end) {
		if ((size_t)(end - p) >= 3 && memcmp(p, "```", 3) == 0)
			pre = !pre;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			break;
		p = nl + 1;
	}
	return pre;
}

/* "=> URL NAME (TYPE, SIZE)" for each attachment. */
static void
footer_attachments(struct buf *b, const struct rg_footer *f)
{
	struct attachment	 a;
	const char		*p = f->attachments;
	char			 enc[3 * SITE_NAME_MAX + 1], size[32];
	int			 first = 1;

	while (p != NULL && attach_next(&p, &a)) {
		/* The index lists no such names; an image is not trusted. */
		if (a.name[0] == '\0' || a.name[0] == '.' ||
		    strchr(a.name, '/') != NULL ||
		    uri_encode_path(a.name, enc, sizeof(enc)) == -1)
			continue;
		if (first)
			buf_puts(b, "Attachments:\n");
		first = 0;
		rg_size(size, sizeof(size), (unsigned long long)a.size);
		buf_puts(b, "=> ");
		buf_puts(b, f->attach_url);
		buf_puts(b, enc);
		buf_putc(b, ' ');
		rg_text(b, a.name);
		buf_puts(b, " (");
		rg_text(b, a.mime);
		buf_printf(b, ", %s)\n", size);
	}
}

int
rg_statement(const struct rg_site *site, const char *text, size_t len,
    const struct rg_footer *f, struct buf *b)
{
	buf_append(b, text, len);
	if (f == NULL)
		return b->failed ? -1 : 0;
	if (len > 0 && text[len - 1] != '\n')
		buf_putc(b, '\n');
	if (pre_open(text, len))
		buf_puts(b, "```\n");	/* the footer is not preformatted */
	buf_puts(b, "\n---\nDate: ");
	rg_text(b, f->date);
	buf_putc(b, '\n');
	if (f->corrected != NULL && *f->corrected != '\0') {
		buf_puts(b, "Corrected ");
		rg_text(b, f->corrected);
		if (f->correction != NULL && *f->correction != '\0') {
			buf_puts(b, ": ");
			rg_text(b, f->correction);
		}
		buf_putc(b, '\n');
	}
	if (f->nver > 0) {
		buf_puts(b, "Other languages:\n");
		versions(b, NULL, f->ver, f->nver, 0);
	}
	footer_attachments(b, f);
	buf_putc(b, '\n');
	rg_link(b, NULL, site->archive, "All statements");
	home_link(b);
	return b->failed ? -1 : 0;
}
