/* SPDX-License-Identifier: ISC */
/*
 * broadside: Gopher output: RFC 1436 menu lines, gemtext rendered as
 * readable plain text or as a menu, and the text filter for streamed files.
 *
 * Choices written down here:
 * - Info lines ('i') carry all four fields, with an empty selector and this
 *   server's host and port: "i<text>\t\t<host>\t<port>".  Clients that
 *   check the field count accept them, and a client that follows one anyway
 *   lands on the root menu of this server instead of a dead host.
 * - Display strings are converted to the charset first and then cut (items,
 *   on a word boundary, with a mark) or word-wrapped (info lines) at `wrap`
 *   characters, never inside a UTF-8 sequence.
 * - In rendered text, local links with an absolute path become
 *   gopher://host:port/<type><path>; relative links are listed as written
 *   (the text renderer has no base).  Menus resolve relative links against
 *   the page's selector.
 * - The item type of a local link follows its name: a trailing '/' or no
 *   extension at all is a menu (1), otherwise the MIME type of the
 *   extension, and 9 when the extension is unknown; "/search" (the
 *   archive's search route) is a search item (7).
 */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "archive_build.h"
#include "charset.h"
#include "lang.h"
#include "mime.h"
#include "request.h"
#include "render_gemtext.h"
#include "render_gopher.h"
#include "uri.h"
#include "utf8.h"

#define WRAP_MIN	20
#define WRAP_MAX	1000
#define LINE_MAX_BYTES	(WRAP_MAX * 4 + 64)
#define PARA_MEM_MAX	(16u * 1024 * 1024)	/* a converted line */

struct emitter {
	struct buf			*out;
	const struct gopher_style	*st;
	int				 menu;	/* 'i' lines, else text */
	int				 blank;	/* last line was empty */
	int				 wrote;	/* any line written */
};

struct text_filter {
	enum config_charset	 cs;
	struct charset_stream	 conv;
	struct buf		*out;		/* this chunk's output */
	int			 bol;		/* at the start of a line */
	int			 cr;		/* a CR waits for its LF */
};

static int	 style_wrap(const struct gopher_style *);
static void	 put_clean(struct buf *, const char *, size_t, int keep_tab,
		    enum config_charset);
static size_t	 cut_chars(const char *, size_t, size_t,
		    enum config_charset);
static void	 cut_display(struct buf *, size_t, enum config_charset);
static void	 item_display(struct buf *, const char *,
		    const struct gopher_style *);
static void	 put_menu_line(struct buf *, char, const char *, size_t,
		    const char *, const char *, int);
static void	 put_selector(struct buf *, const char *);
static void	 emit(struct emitter *, const char *, size_t);
static void	 wrap_para(struct emitter *, const char *, size_t,
		    const char *, const char *);
static void	 emit_underline(struct emitter *, const char *, size_t, char);
static int	 has_scheme(const char *);
static char	 type_for_path(const char *);
static int	 selector_decode(const char *, size_t, struct buf *);
static int	 resolve_local(const char *, const char *, struct buf *);
static void	 gopher_url_item(struct buf *, const char *, const char *,
		    const struct gopher_style *);

static int
style_wrap(const struct gopher_style *st)
{
	int	 w = st->wrap;

	if (w < WRAP_MIN)
		w = WRAP_MIN;
	if (w > WRAP_MAX)
		w = WRAP_MAX;
	return w;
}

/*
 * Convert UTF-8 to the charset, replacing control bytes (and TAB unless
 * keep_tab) with spaces: they would break a menu line or a text line.
 */
static void
put_clean(struct buf *b, const char *s, size_t len, int keep_tab,
    enum config_charset cs)
{
	size_t	 start = b->len, i;

	charset_convert(b, s, len, cs);
	if (b->failed)
		return;
	for (i = start; i < b->len; i++) {
		unsigned char c = (unsigned char)b->data[i];

		if ((c < 0x20 && !(keep_tab && c == '\t')) || c == 0x7f)
			b->data[i] = ' ';
	}
}

/* Bytes spanned by the first `max` characters of s. */
static size_t
cut_chars(const char *s, size_t len, size_t max, enum config_charset cs)
{
	size_t	 i = 0, n = 0;

	while (i < len && n < max) {
		i += charset_char_len(s + i, len - i, cs);
		n++;
	}
	return i;
}

/*
 * Cut a display that does not fit in w columns (characters, not bytes)
 * and mark the cut: "\u2026" in UTF-8; "..." in ASCII and Latin-1, which
 * have no ellipsis.  The mark is counted in the width.  The cut falls on
 * the last blank before the limit, unless that keeps less than half the
 * width (a long word), then at the limit, on a character boundary.
 */
static void
cut_display(struct buf *d, size_t w, enum config_charset cs)
{
	const char	*mark = cs == CHARSET_UTF8 ? "\xe2\x80\xa6" : "...";
	size_t		 markw = cs == CHARSET_UTF8 ? 1 : 3, lim, i;

	if (d->data == NULL || d->failed ||
	    charset_width(d->data, d->len, cs) <= w)
		return;
	lim = cut_chars(d->data, d->len, w - markw, cs);
	/* d->data[lim] is the first character left out: a blank there too. */
	for (i = lim; i > 0 && d->data[i] != ' '; i--)
		;
	while (i > 0 && d->data[i - 1] == ' ')
		i--;
	if (i > 0 && charset_width(d->data, i, cs) >= w / 2)
		lim = i;
	d->len = lim;
	d->data[lim] = '\0';
	buf_puts(d, mark);
}

/* An item's display: converted to the charset, cleaned, cut to fit. */
static void
item_display(struct buf *d, const char *display,
    const struct gopher_style *st)
{
	put_clean(d, display, strlen(display), 0, st->charset);
	cut_display(d, (size_t)style_wrap(st), st->charset);
}

/*
 * A selector is raw bytes, but TAB, CR and LF would break the line and
 * other C0 controls and DEL reach a terminal.  (Bytes 0x80..0x9F are kept:
 * they are the second byte of many UTF-8 letters.)
 */
static void
put_selector(struct buf *b, const char *sel)
{
	for (; *sel != '\0'; sel++) {
		if ((unsigned char)*sel < 0x20 || *sel == 0x7f)
			buf_putc(b, ' ');
		else
			buf_putc(b, *sel);
	}
}

/* `disp` is already converted and clean. */
static void
put_menu_line(struct buf *b, char type, const char *disp, size_t len,
    const char *sel, const char *host, int port)
{
	/* The type is one printable character: anything else breaks the line. */
	if (type < '!' || type > '~')
		type = '3';
	buf_putc(b, type);
	buf_append(b, disp, len);
	buf_putc(b, '\t');
	put_selector(b, sel);
	buf_putc(b, '\t');
	put_selector(b, host);
	buf_printf(b, "\t%d\r\n", port);
}

void
gopher_item(struct buf *b, char type, const char *display,
    const char *selector, const struct gopher_style *st)
{
	struct buf	 d;

	if (display == NULL)
		display = "";
	if (selector == NULL)
		selector = "";
	buf_init(&d, LINE_MAX_BYTES * 4);
	item_display(&d, display, st);
	put_menu_line(b, type, d.data ? d.data : "", d.len, selector, st->host,
	    st->port);
	if (d.failed)
		b->failed = 1;
	buf_free(&d);
}

void
gopher_info(struct buf *b, const char *text, const struct gopher_style *st)
{
	struct emitter	 em;
	const char	*nl;
	size_t		 len, n;

	if (text == NULL)
		text = "";
	len = strlen(text);
	memset(&em, 0, sizeof(em));
	em.out = b;
	em.st = st;
	em.menu = 1;
	do {
		nl = memchr(text, '\n', len);
		n = nl ? (size_t)(nl - text) : len;
		wrap_para(&em, text, n, "", "");
		if (nl == NULL)
			break;
		text += n + 1;
		len -= n + 1;
	} while (1);
}

void
gopher_menu_end(struct buf *b)
{
	buf_puts(b, ".\r\n");
}

void
gopher_error_menu(struct buf *b, const char *reason,
    const struct gopher_style *st)
{
	gopher_item(b, '3', reason, "", st);
	gopher_menu_end(b);
}

char
gopher_type_for_mime(const char *mime)
{
	if (mime == NULL)
		return '9';
	if (strcmp(mime, "inode/directory") == 0)
		return '1';
	if (strcmp(mime, "text/html") == 0)
		return 'h';
	if (strcmp(mime, "text/gemini") == 0)
		return '1';	/* pages are menus; statements: gopher_gmi_is_text */
	if (strncmp(mime, "text/", 5) == 0 || strcmp(mime,
	    "application/atom+xml") == 0 || strcmp(mime, "application/xml") == 0)
		return '0';
	if (strcmp(mime, "image/gif") == 0)
		return 'g';
	if (strncmp(mime, "image/", 6) == 0)
		return 'I';
	if (strncmp(mime, "audio/", 6) == 0)
		return 's';
	if (strcmp(mime, "application/pdf") == 0)
		return 'd';
	return '9';
}

/* One output line: a text line (dot doubled) or an 'i' menu line. */
static void
emit(struct emitter *em, const char *s, size_t len)
{
	if (em->menu) {
		put_menu_line(em->out, 'i', s, len, "", em->st->host,
		    em->st->port);
	} else {
		if (len > 0 && s[0] == '.')
			buf_putc(em->out, '.');
		buf_append(em->out, s, len);
		buf_puts(em->out, "\r\n");
	}
	em->blank = (len == 0);
	em->wrote = 1;
}

static int
is_ws(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Word-wrap UTF-8 text `s` at the wrap width: converted to the charset
 * first, then cut on spaces; a word longer than the line is split on a
 * character boundary.  `first` starts the first line, `cont` the others.
 */
static void
wrap_para(struct emitter *em, const char *s, size_t len, const char *first,
    const char *cont)
{
	enum config_charset	 cs = em->st->charset;
	struct buf		 t, line;
	size_t			 w = (size_t)style_wrap(em->st), col, i, j;
	size_t			 wl, wc, take, nwords = 0;
	const char		*p;

	buf_init(&t, PARA_MEM_MAX);
	buf_init(&line, LINE_MAX_BYTES);
	put_clean(&t, s, len, 0, cs);
	p = t.data ? t.data : "";
	buf_puts(&line, first);
	col = charset_width(first, strlen(first), cs);
	for (i = 0; i < t.len;) {
		while (i < t.len && is_ws(p[i]))
			i++;
		if (i >= t.len)
			break;
		for (j = i; j < t.len && !is_ws(p[j]); j++)
			;
		wl = j - i;
		wc = charset_width(p + i, wl, cs);
		if (nwords > 0 && col + 1 + wc <= w) {
			buf_putc(&line, ' ');
			buf_append(&line, p + i, wl);
			col += 1 + wc;
			i = j;
			continue;
		}
		if (nwords > 0) {
			emit(em, line.data, line.len);
			buf_reset(&line);
			buf_puts(&line, cont);
			col = charset_width(cont, strlen(cont), cs);
			nwords = 0;
		}
		/* The word starts a line; split it while it is too long. */
		while (wc > (col < w ? w - col : 1)) {
			take = cut_chars(p + i, wl, col < w ? w - col : 1, cs);
			buf_append(&line, p + i, take);
			emit(em, line.data, line.len);
			buf_reset(&line);
			buf_puts(&line, cont);
			col = charset_width(cont, strlen(cont), cs);
			i += take;
			wl -= take;
			wc = charset_width(p + i, wl, cs);
		}
		buf_append(&line, p + i, wl);
		col += wc;
		nwords++;
		i = j;
	}
	if (nwords > 0 || t.len == 0 || line.len > strlen(cont)) {
		/* Trailing blanks of an empty prefix are not worth sending. */
		while (nwords == 0 && line.len > 0 &&
		    line.data[line.len - 1] == ' ')
			line.len--;
		emit(em, line.data ? line.data : "", line.len);
	}
	if (t.failed || line.failed)
		em->out->failed = 1;
	buf_free(&t);
	buf_free(&line);
}

/* The underline of a heading: as wide as its widest line. */
static void
emit_underline(struct emitter *em, const char *s, size_t len, char c)
{
	struct buf	 t;
	char		 u[WRAP_MAX];
	size_t		 n, w = (size_t)style_wrap(em->st);

	buf_init(&t, PARA_MEM_MAX);
	put_clean(&t, s, len, 0, em->st->charset);
	n = charset_width(t.data ? t.data : "", t.len, em->st->charset);
	if (n > w)
		n = w;
	if (n == 0)
		n = 1;
	memset(u, c, n);
	emit(em, u, n);
	buf_free(&t);
}

static int
has_scheme(const char *url)
{
	const char	*p = url;

	if (!isalpha((unsigned char)*p))
		return 0;
	while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' ||
	    *p == '.')
		p++;
	return *p == ':';
}

static char
type_for_path(const char *path)
{
	const char	*name, *t;
	size_t		 len = strlen(path);

	if (len == 0 || path[len - 1] == '/')
		return '1';
	if (strcmp(path, "/search") == 0)	/* the archive's search item */
		return '7';
	name = strrchr(path, '/');
	name = name ? name + 1 : path;
	if (strchr(name, '.') == NULL)
		return '1';
	if ((t = mime_from_name(name)) == NULL)
		return '9';
	if (strcmp(t, "text/gemini") == 0 && gopher_gmi_is_text(name))
		return '0';
	return gopher_type_for_mime(t);
}

/*
 * A gemtext file named like a statement ("YYYY-MM-DD-slug.gmi") is read as
 * text; any other gemtext page is a menu (DESIGN: "other .gmi pages").
 */
int
gopher_gmi_is_text(const char *name)
{
	static const char	 shape[] = "dddd-dd-dd-";
	size_t			 i;

	for (i = 0; shape[i] != '\0'; i++) {
		if (shape[i] == 'd' ? !isdigit((unsigned char)name[i]) :
		    name[i] != shape[i])
			return 0;
	}
	return 1;
}

/*
 * Append s percent-decoded as a selector: a '%' without two hex digits
 * is kept as written.  -1 (nothing appended) for %00, which no file or
 * selector can hold.
 */
static int
selector_decode(const char *s, size_t len, struct buf *out)
{
	size_t	 n;

	if (buf_reserve_more(out, len) == -1 || uri_pct_decode(s, len,
	    out->data + out->len, len + 1, &n, URI_PCT_LENIENT) == -1)
		return -1;
	out->len += n;
	return 0;
}

/*
 * A local link (no scheme) as a selector: resolved against the directory
 * of `base`, query and fragment dropped, percent-decoded, dot-segments
 * removed.  0 or -1.
 */
static int
resolve_local(const char *base, const char *url, struct buf *out)
{
	struct buf	 raw;
	const char	*slash;
	size_t		 ulen;
	int		 rv = 0;

	buf_init(&raw, URI_MAX * 4);
	ulen = strcspn(url, "?#");
	if (url[0] != '/') {
		if (base == NULL || base[0] != '/')
			buf_putc(&raw, '/');
		if (base != NULL && (slash = strrchr(base, '/')) != NULL)
			buf_append(&raw, base, (size_t)(slash - base) + 1);
	}
	if (selector_decode(url, ulen, &raw) == -1 || raw.failed ||
	    raw.data == NULL) {
		rv = -1;
		goto done;
	}
	uri_remove_dot_segments(raw.data);
	if (raw.data[0] != '/')
		buf_putc(out, '/');
	buf_puts(out, raw.data);
	rv = out->failed ? -1 : 0;
done:
	buf_free(&raw);
	return rv;
}

/* gopher://host[:port][/Tselector] (RFC 4266) as a menu item. */
static void
gopher_url_item(struct buf *b, const char *url, const char *display,
    const struct gopher_style *st)
{
	struct buf	 d, sel;
	char		 host[URI_HOST_MAX + 1], type = '1';
	const char	*p = url + 9, *e, *path;
	size_t		 hl;
	long		 port = 70;

	if (*p == '[') {
		e = strchr(p, ']');
		if (e == NULL)
			goto fallback;
		hl = (size_t)(e - p - 1);
		p++;
		e++;
	} else {
		e = p + strcspn(p, ":/?#");
		hl = (size_t)(e - p);
	}
	if (hl == 0 || hl > URI_HOST_MAX)
		goto fallback;
	memcpy(host, p, hl);
	host[hl] = '\0';
	if (*e == ':') {
		char	*end;

		port = strtol(e + 1, &end, 10);
		if (end == e + 1)
			port = 70;
		if (port < 1 || port > 65535)
			goto fallback;
		e = end;
	}
	path = e;
	buf_init(&sel, URI_MAX * 4);
	if (path[0] == '/' && path[1] != '\0' && path[1] != '?' &&
	    path[1] != '#') {
		type = path[1];
		if (type < '!' || type > '~') {	/* not an item type */
			buf_free(&sel);
			goto fallback;
		}
		if (selector_decode(path + 2, strcspn(path + 2, "#"),
		    &sel) == -1) {
			buf_free(&sel);
			goto fallback;
		}
	}
	if (sel.data != NULL)
		sel.data[strcspn(sel.data, "\t\r\n")] = '\0';
	buf_init(&d, LINE_MAX_BYTES * 4);
	item_display(&d, display, st);
	put_menu_line(b, type, d.data ? d.data : "", d.len,
	    sel.data ? sel.data : "", host, (int)port);
	buf_free(&d);
	buf_free(&sel);
	return;
fallback:
	/* Not a usable gopher URL: an 'h' item like any other URL. */
	buf_init(&sel, URI_MAX * 4 + 8);
	buf_puts(&sel, "URL:");
	buf_puts(&sel, url);
	gopher_item(b, 'h', display, sel.data ? sel.data : "URL:", st);
	buf_free(&sel);
}

void
gopher_link(struct buf *b, const char *url, const char *display,
    const struct gopher_style *st)
{
	struct buf	 sel;

	if (display == NULL || display[0] == '\0')
		display = url;
	if (strncasecmp(url, "gopher://", 9) == 0) {
		gopher_url_item(b, url, display, st);
		return;
	}
	buf_init(&sel, URI_MAX * 4 + 8);
	if (has_scheme(url) || strncmp(url, "//", 2) == 0) {
		buf_puts(&sel, "URL:");
		buf_puts(&sel, url);
		gopher_item(b, 'h', display, sel.data ? sel.data : "URL:",
		    st);
	} else if (resolve_local("/", url, &sel) == 0)
		gopher_item(b, type_for_path(sel.data), display, sel.data, st);
	else
		gopher_item(b, '3', display, "", st);
	buf_free(&sel);
}

/* The text of a gemtext line after its marker, blanks trimmed. */
static void
trim(const char **s, size_t *len)
{
	while (*len > 0 && is_ws(**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && is_ws((*s)[*len - 1]))
		(*len)--;
}

/* "=>[ws]URL[ws label]": URL and label spans, 0 or -1 (no URL). */
static int
parse_link(const char *s, size_t len, const char **url, size_t *ulen,
    const char **label, size_t *llen)
{
	size_t	 i = 2, j;

	while (i < len && is_ws(s[i]))
		i++;
	for (j = i; j < len && !is_ws(s[j]); j++)
		;
	if (j == i)
		return -1;
	*url = s + i;
	*ulen = j - i;
	*label = s + j;
	*llen = len - j;
	trim(label, llen);
	return 0;
}

/* Split gemtext into lines: LF ends a line, a CR before it is dropped. */
static int
next_line(const char *text, size_t len, size_t *pos, const char **line,
    size_t *llen)
{
	const char	*nl;
	size_t		 n;

	if (*pos >= len)
		return 0;
	*line = text + *pos;
	nl = memchr(*line, '\n', len - *pos);
	n = nl ? (size_t)(nl - *line) : len - *pos;
	*pos += n + (nl ? 1 : 0);
	if (n > 0 && (*line)[n - 1] == '\r')
		n--;
	*llen = n;
	return 1;
}

static int
heading_level(const char *s, size_t len)
{
	size_t	 n = 0;

	while (n < len && n < 3 && s[n] == '#')
		n++;
	return (int)n;
}

static void
heading_text(const char *s, size_t len, const char **t, size_t *tlen)
{
	size_t	 n = (size_t)heading_level(s, len);

	*t = s + n;
	*tlen = len - n;
	trim(t, tlen);
}

/* The first level-1 heading outside preformatted blocks, or -1. */
static int
first_h1(const char *text, size_t len, const char **t, size_t *tlen)
{
	const char	*line;
	size_t		 pos = 0, n;
	int		 pre = 0;

	while (next_line(text, len, &pos, &line, &n)) {
		if (n >= 3 && strncmp(line, "```", 3) == 0) {
			pre = !pre;
			continue;
		}
		if (!pre && heading_level(line, n) == 1) {
			heading_text(line, n, t, tlen);
			return 0;
		}
	}
	return -1;
}

/* A reference URL as a reader can use it from a Gopher client. */
static void
ref_url(struct buf *b, const char *url, size_t len,
    const struct gopher_style *st)
{
	struct buf	 u, sel;
	int		 v6 = strchr(st->host, ':') != NULL;

	buf_init(&u, URI_MAX * 4);
	buf_init(&sel, URI_MAX * 4);
	buf_append(&u, url, len);
	if (u.data != NULL && u.data[0] == '/' && u.data[1] != '/' &&
	    resolve_local("/", u.data, &sel) == 0) {
		buf_printf(b, "gopher://%s%s%s:%d/%c%s", v6 ? "[" : "",
		    st->host, v6 ? "]" : "", st->port, type_for_path(sel.data),
		    sel.data);
	} else
		buf_append(b, url, len);
	buf_free(&u);
	buf_free(&sel);
}

/* "Corrected YYYY-MM-DD: note" into b, or nothing. */
static void
corrected_line(struct buf *b, const struct gopher_stmt *m)
{
	if (m == NULL || m->corrected == NULL || *m->corrected == '\0')
		return;
	buf_printf(b, "Corrected %s", m->corrected);
	if (m->correction != NULL && *m->correction != '\0')
		buf_printf(b, ": %s", m->correction);
}

/* "Also in: español, français" into b, or nothing. */
static void
also_in_line(struct buf *b, const struct gopher_stmt *m)
{
	char	 label[LANG_LABEL_MAX + 1];
	size_t	 i;

	for (i = 0; m != NULL && i < m->nver; i++) {
		lang_label(m->ver[i].lang, label, sizeof(label));
		buf_puts(b, i == 0 ? "Also in: " : ", ");
		buf_puts(b, label);
	}
}

/* "español: Título" */
static void
version_label(const struct stmt_version *v, char *out, size_t len)
{
	char	 label[LANG_LABEL_MAX + 1];

	lang_label(v->lang, label, sizeof(label));
	if (v->title != NULL && *v->title != '\0')
		snprintf(out, len, "%s: %s", label, v->title);
	else
		snprintf(out, len, "%s", label);
}

/* A version's selector ("/statements/" and its rel) into sel. */
static int
version_selector(const struct gopher_stmt *m, const struct stmt_version *v,
    char *sel, size_t len)
{
	if (m->archive_sel == NULL || v->rel == NULL)
		return -1;
	return snprintf(sel, len, "%s%s", m->archive_sel, v->rel) <
	    (int)len ? 0 : -1;
}

static void
render_header(struct emitter *em, const char *title, size_t tlen,
    const char *date, const struct gopher_stmt *m)
{
	struct buf	 c;

	if (title != NULL && tlen > 0) {
		wrap_para(em, title, tlen, "", "");
		emit_underline(em, title, tlen, '=');
	}
	if (date != NULL && date[0] != '\0')
		wrap_para(em, date, strlen(date), "", "");
	buf_init(&c, PARA_MEM_MAX);
	corrected_line(&c, m);
	if (c.len > 0)
		wrap_para(em, c.data, c.len, "", "");
	buf_reset(&c);
	also_in_line(&c, m);
	if (c.len > 0)
		wrap_para(em, c.data, c.len, "", "");
	buf_free(&c);
	if (em->wrote)
		emit(em, "", 0);
}

/* An attachment's selector (the folder's and its name) into sel. */
static int
attach_selector(const struct gopher_stmt *m, const struct attachment *a,
    char *sel, size_t len)
{
	if (m->attach_sel == NULL || strchr(a->name, '/') != NULL ||
	    a->name[0] == '\0' || a->name[0] == '.')
		return -1;
	return snprintf(sel, len, "%s%s", m->attach_sel, a->name) <
	    (int)len ? 0 : -1;
}

/* "NAME (TYPE, SIZE)" */
static void
attach_label(const struct attachment *a, char *out, size_t len)
{
	char	 size[32];

	rg_size(size, sizeof(size), (unsigned long long)a->size);
	snprintf(out, len, "%s (%s, %s)", a->name, a->mime, size);
}

/* A reference's URL on a line of its own, not wrapped: a URL cut in two
 * cannot be copied.  (It is ASCII, percent-encoded.) */
static void
emit_ref_url(struct emitter *em, const char *cont, char type, const char *enc)
{
	const struct gopher_style *st = em->st;
	int		 v6 = strchr(st->host, ':') != NULL;
	struct buf	 u;

	buf_init(&u, URI_MAX * 8);
	buf_printf(&u, "%sgopher://%s%s%s:%d/%c%s", cont, v6 ? "[" : "",
	    st->host, v6 ? "]" : "", st->port, type, enc);
	if (u.data != NULL)
		emit(em, u.data, u.len);
	buf_free(&u);
}

/* The other versions as references [n], after the attachments'. */
static void
render_version_refs(struct emitter *em, const struct gopher_stmt *m, int n)
{
	char	 sel[PATH_MAX], enc[3 * PATH_MAX + 1];
	char	 label[LANG_LABEL_MAX + SCAN_TITLE_MAX + 8];
	char	 pre[32], cont[32];
	size_t	 i;

	for (i = 0; m != NULL && i < m->nver; i++) {
		if (version_selector(m, &m->ver[i], sel, sizeof(sel)) == -1 ||
		    uri_encode_path(sel, enc, sizeof(enc)) == -1)
			continue;
		snprintf(pre, sizeof(pre), "[%d] ", ++n);
		memset(cont, ' ', strlen(pre));
		cont[strlen(pre)] = '\0';
		version_label(&m->ver[i], label, sizeof(label));
		wrap_para(em, label, strlen(label), pre, cont);
		emit_ref_url(em, cont, '0', enc);
	}
}

/* The attachments as references [n], after the links' [1]..[n-1]: the
 * number of the last. */
static int
render_attachment_refs(struct emitter *em, const struct gopher_stmt *m,
    int n)
{
	struct attachment	 a;
	const char		*p = m != NULL ? m->attachments : NULL;
	char			 sel[PATH_MAX], enc[3 * PATH_MAX + 1];
	char			 label[SITE_NAME_MAX + MIME_MAX + 40];
	char			 pre[32], cont[32];

	while (p != NULL && attach_next(&p, &a)) {
		if (attach_selector(m, &a, sel, sizeof(sel)) == -1 ||
		    uri_encode_path(sel, enc, sizeof(enc)) == -1)
			continue;
		snprintf(pre, sizeof(pre), "[%d] ", ++n);
		memset(cont, ' ', strlen(pre));
		cont[strlen(pre)] = '\0';
		attach_label(&a, label, sizeof(label));
		wrap_para(em, label, strlen(label), pre, cont);
		emit_ref_url(em, cont, gopher_type_for_mime(a.mime), enc);
	}
	return n;
}

/* 1 when a list holds an attachment worth a reference. */
static int
has_attachments(const struct gopher_stmt *m)
{
	struct attachment	 a;
	const char		*p = m != NULL ? m->attachments : NULL;

	return p != NULL && attach_next(&p, &a);
}

static void
render_references(struct emitter *em, const struct buf *refs, int nrefs,
    const struct gopher_stmt *m, const struct gopher_style *st)
{
	struct buf	 u;
	const char	*p, *nl;
	char		 pre[32], cont[32];
	int		 i;
	size_t		 n;

	if (nrefs == 0 && !has_attachments(m) && (m == NULL || m->nver == 0))
		return;
	if (!em->blank)
		emit(em, "", 0);
	emit(em, "References", 10);
	emit(em, "----------", 10);
	buf_init(&u, URI_MAX * 8);
	p = refs->data;
	for (i = 1; i <= nrefs && p != NULL; i++) {
		nl = strchr(p, '\n');
		n = nl ? (size_t)(nl - p) : strlen(p);
		buf_reset(&u);
		ref_url(&u, p, n, st);
		snprintf(pre, sizeof(pre), "[%d] ", i);
		memset(cont, ' ', strlen(pre));
		cont[strlen(pre)] = '\0';
		wrap_para(em, u.data ? u.data : "", u.len, pre, cont);
		p = nl ? nl + 1 : NULL;
	}
	buf_free(&u);
	render_version_refs(em, m, render_attachment_refs(em, m, nrefs));
}

/* One gemtext line of the body, outside preformatted blocks. */
static void
render_text_line(struct emitter *em, const char *line, size_t n,
    struct buf *refs, int *nrefs)
{
	const char	*t, *url, *label;
	size_t		 tn, ulen, llen;
	char		 pre[32], cont[32];
	struct buf	 tmp;
	int		 level;

	if (n >= 2 && strncmp(line, "=>", 2) == 0 &&
	    parse_link(line, n, &url, &ulen, &label, &llen) == 0) {
		(*nrefs)++;
		buf_append(refs, url, ulen);
		buf_putc(refs, '\n');
		snprintf(pre, sizeof(pre), "[%d] ", *nrefs);
		memset(cont, ' ', strlen(pre));
		cont[strlen(pre)] = '\0';
		buf_init(&tmp, PARA_MEM_MAX);
		buf_append(&tmp, llen > 0 ? label : url, llen > 0 ? llen : ulen);
		wrap_para(em, tmp.data ? tmp.data : "", tmp.len, pre, cont);
		buf_free(&tmp);
	} else if ((level = heading_level(line, n)) > 0) {
		heading_text(line, n, &t, &tn);
		if (em->wrote && !em->blank)
			emit(em, "", 0);
		wrap_para(em, t, tn, "", "");
		emit_underline(em, t, tn, level == 1 ? '=' : '-');
	} else if (n >= 2 && strncmp(line, "* ", 2) == 0) {
		t = line + 2;
		tn = n - 2;
		trim(&t, &tn);
		wrap_para(em, t, tn, "* ", "  ");
	} else if (n >= 1 && line[0] == '>') {
		t = line + 1;
		tn = n - 1;
		trim(&t, &tn);
		wrap_para(em, t, tn, "> ", "> ");
	} else {
		t = line;
		tn = n;
		trim(&t, &tn);
		if (tn == 0) {
			if (em->wrote && !em->blank)
				emit(em, "", 0);
		} else
			wrap_para(em, t, tn, "", "");
	}
}

/* A preformatted line: converted, verbatim, never wrapped. */
static void
emit_verbatim(struct emitter *em, const char *line, size_t n)
{
	struct buf	 t;
	size_t		 len;

	buf_init(&t, PARA_MEM_MAX);
	put_clean(&t, line, n, !em->menu, em->st->charset);
	len = t.len;
	if (em->menu)
		len = cut_chars(t.data ? t.data : "", t.len,
		    (size_t)style_wrap(em->st), em->st->charset);
	emit(em, t.data ? t.data : "", len);
	if (t.failed)
		em->out->failed = 1;
	buf_free(&t);
}

int
gopher_render_text(const char *text, size_t len, const char *title,
    const char *date, const struct gopher_style *st, struct buf *out)
{
	struct gopher_stmt	 m;

	memset(&m, 0, sizeof(m));
	m.title = title;
	m.date = date;
	return gopher_render_statement(text, len, &m, st, out);
}

int
gopher_render_statement(const char *text, size_t len,
    const struct gopher_stmt *m, const struct gopher_style *st,
    struct buf *out)
{
	struct emitter	 em;
	struct buf	 refs;
	const char	*line, *h1 = NULL, *t;
	const char	*title = m->title, *date = m->date;
	size_t		 pos = 0, n, h1len = 0, tn;
	int		 pre = 0, nrefs = 0, skip_h1;

	memset(&em, 0, sizeof(em));
	em.out = out;
	em.st = st;
	buf_init(&refs, RESPONSE_MEM_MAX);
	skip_h1 = first_h1(text, len, &h1, &h1len) == 0;
	if (title != NULL) {
		/* Drop the first heading only when it repeats the title. */
		if (skip_h1 && (h1len != strlen(title) ||
		    memcmp(h1, title, h1len) != 0))
			skip_h1 = 0;
		render_header(&em, title, strlen(title), date, m);
	} else
		render_header(&em, h1, h1len, date, m);
	while (next_line(text, len, &pos, &line, &n)) {
		if (n >= 3 && strncmp(line, "```", 3) == 0) {
			pre = !pre;
			continue;
		}
		if (pre) {
			emit_verbatim(&em, line, n);
			continue;
		}
		if (skip_h1 && heading_level(line, n) == 1) {
			heading_text(line, n, &t, &tn);
			if (t == h1) {
				skip_h1 = 0;
				continue;
			}
		}
		render_text_line(&em, line, n, &refs, &nrefs);
	}
	render_references(&em, &refs, nrefs, m, st);
	gopher_menu_end(out);
	if (refs.failed)
		out->failed = 1;
	buf_free(&refs);
	return out->failed ? -1 : 0;
}

/* A link line of a page rendered as a menu. */
static void
menu_link(struct buf *out, const char *url, size_t ulen, const char *label,
    size_t llen, const char *base, const struct gopher_style *st)
{
	struct buf	 u, d, sel;

	buf_init(&u, URI_MAX * 4);
	buf_init(&d, PARA_MEM_MAX);
	buf_init(&sel, URI_MAX * 4);
	buf_append(&u, url, ulen);
	buf_append(&d, llen > 0 ? label : url, llen > 0 ? llen : ulen);
	if (u.failed || d.failed)
		out->failed = 1;
	else if (has_scheme(u.data) || strncmp(u.data, "//", 2) == 0)
		gopher_link(out, u.data, d.data, st);
	else if (resolve_local(base, u.data, &sel) == 0)
		gopher_item(out, type_for_path(sel.data), d.data, sel.data,
		    st);
	else
		gopher_item(out, '3', d.data, "", st);
	buf_free(&u);
	buf_free(&d);
	buf_free(&sel);
}

static void	 render_menu_body(const char *, size_t, const char *,
		    const struct gopher_style *, struct buf *);

int
gopher_render_menu(const char *text, size_t len, const char *base,
    const struct gopher_style *st, struct buf *out)
{
	render_menu_body(text, len, base, st, out);
	gopher_menu_end(out);
	return out->failed ? -1 : 0;
}

size_t
gopher_version_items(const struct stmt_version *ver, size_t n,
    const char *archive_sel, const char *indent, const char *heading,
    const struct gopher_style *st, struct buf *out)
{
	struct gopher_stmt	 m;
	char			 sel[PATH_MAX];
	char			 label[LANG_LABEL_MAX + SCAN_TITLE_MAX + 8];
	char			 disp[LANG_LABEL_MAX + SCAN_TITLE_MAX + 16];
	size_t			 i, k = 0;

	memset(&m, 0, sizeof(m));
	m.archive_sel = archive_sel;
	for (i = 0; i < n; i++) {
		if (version_selector(&m, &ver[i], sel, sizeof(sel)) == -1)
			continue;
		if (k++ == 0 && heading != NULL) {
			gopher_info(out, "", st);
			gopher_info(out, heading, st);
		}
		version_label(&ver[i], label, sizeof(label));
		snprintf(disp, sizeof(disp), "%s%s", indent, label);
		gopher_item(out, '0', disp, sel, st);
	}
	return k;
}

void
gopher_stmt_items(const struct gopher_stmt *m, const struct gopher_style *st,
    struct buf *out)
{
	struct attachment	 a;
	struct buf		 c;
	const char		*p = m->attachments;
	char			 sel[PATH_MAX];
	char			 label[SITE_NAME_MAX + MIME_MAX + 40];
	int			 first = 1;

	buf_init(&c, PARA_MEM_MAX);
	corrected_line(&c, m);
	if (c.len > 0) {
		gopher_info(out, "", st);
		gopher_info(out, c.data, st);
	}
	buf_free(&c);
	(void)gopher_version_items(m->ver, m->nver, m->archive_sel, "",
	    "Other languages:", st, out);
	while (p != NULL && attach_next(&p, &a)) {
		if (attach_selector(m, &a, sel, sizeof(sel)) == -1)
			continue;
		if (first) {
			gopher_info(out, "", st);
			gopher_info(out, "Attachments:", st);
		}
		first = 0;
		attach_label(&a, label, sizeof(label));
		gopher_item(out, gopher_type_for_mime(a.mime), label, sel, st);
	}
}

int
gopher_render_statement_menu(const char *text, size_t len, const char *base,
    const struct gopher_stmt *m, const struct gopher_style *st,
    struct buf *out)
{
	render_menu_body(text, len, base, st, out);
	gopher_stmt_items(m, st, out);
	gopher_menu_end(out);
	return out->failed ? -1 : 0;
}

static void
render_menu_body(const char *text, size_t len, const char *base,
    const struct gopher_style *st, struct buf *out)
{
	struct emitter	 em;
	const char	*line, *t, *url, *label;
	size_t		 pos = 0, n, tn, ulen, llen;
	int		 pre = 0;

	memset(&em, 0, sizeof(em));
	em.out = out;
	em.st = st;
	em.menu = 1;
	while (next_line(text, len, &pos, &line, &n)) {
		if (n >= 3 && strncmp(line, "```", 3) == 0) {
			pre = !pre;
			continue;
		}
		if (pre)
			emit_verbatim(&em, line, n);
		else if (n >= 2 && strncmp(line, "=>", 2) == 0 &&
		    parse_link(line, n, &url, &ulen, &label, &llen) == 0)
			menu_link(out, url, ulen, label, llen, base, st);
		else if (heading_level(line, n) > 0) {
			heading_text(line, n, &t, &tn);
			wrap_para(&em, t, tn, "", "");
		} else if (n >= 2 && strncmp(line, "* ", 2) == 0) {
			t = line + 2;
			tn = n - 2;
			trim(&t, &tn);
			wrap_para(&em, t, tn, "* ", "  ");
		} else if (n >= 1 && line[0] == '>') {
			t = line + 1;
			tn = n - 1;
			trim(&t, &tn);
			wrap_para(&em, t, tn, "> ", "> ");
		} else {
			t = line;
			tn = n;
			trim(&t, &tn);
			wrap_para(&em, t, tn, "", "");
		}
	}
}

void
gopher_put_text(struct buf *b, const char *s, size_t len,
    enum config_charset cs)
{
	charset_convert(b, s, len, cs);
}

void *
gopher_text_filter_new(enum config_charset cs)
{
	struct text_filter	*f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	f->cs = cs;
	charset_stream_init(&f->conv, cs);
	f->bol = 1;
	return f;
}

/*
 * One character of a streamed text file: CRLF line ends (a bare LF or CR
 * becomes CRLF), then the character in the charset, where a control is a
 * blank (charset_put_cp: ESC, BEL, C1 would reach the reader's terminal),
 * then a dot that starts a line doubled.  The dot is checked after
 * conversion, since transliteration may start a line with one ("...").
 */
static void
filter_cp(void *arg, uint32_t cp)
{
	struct text_filter	*f = arg;
	struct buf		*out = f->out;
	size_t			 start;

	if (f->cr) {
		f->cr = 0;
		buf_puts(out, "\r\n");
		f->bol = 1;
		if (cp == '\n')
			return;
	}
	if (cp == '\r') {
		f->cr = 1;
		return;
	}
	if (cp == '\n') {
		buf_puts(out, "\r\n");
		f->bol = 1;
		return;
	}
	start = out->len;
	charset_put_cp(out, cp, f->cs);
	/* A character written as nothing (U+200B in ASCII) keeps bol. */
	if (out->failed || out->len == start)
		return;
	if (f->bol && out->data[start] == '.' && buf_putc(out, '.') == 0) {
		memmove(out->data + start + 1, out->data + start,
		    out->len - start - 1);
		out->data[start] = '.';
	}
	f->bol = 0;
}

/*
 * The leading bytes of s that UTF-8 output copies as they are: printable
 * ASCII, TAB, and whole well-formed sequences that are not C1 controls.
 */
static size_t
utf8_plain_run(const char *s, size_t len)
{
	const unsigned char	*u = (const unsigned char *)s;
	uint32_t		 cp;
	size_t			 i = 0;
	int			 n;

	while (i < len) {
		if ((u[i] >= 0x20 && u[i] < 0x7f) || u[i] == '\t') {
			i++;
			continue;
		}
		if (u[i] < 0x80 ||
		    (n = utf8_decode(u + i, len - i, &cp)) <= 0 || cp <= 0x9f)
			break;
		i += (size_t)n;
	}
	return i;
}

/*
 * UTF-8 to UTF-8: plain runs are copied in one go (most of a text); the
 * characters between them (line ends, controls, invalid or cut
 * sequences) go through filter_cp() one at a time, as in other charsets.
 */
static void
filter_utf8(struct text_filter *f, const char *in, size_t len, int eof)
{
	const unsigned char	*u = (const unsigned char *)in;
	uint32_t		 cp;
	size_t			 i = 0, run, k;
	int			 n;

	while (i < len) {
		if (f->conv.ncarry == 0 && !f->cr &&
		    (run = utf8_plain_run(in + i, len - i)) > 0) {
			if (f->bol && in[i] == '.')
				buf_putc(f->out, '.');
			buf_append(f->out, in + i, run);
			f->bol = 0;
			i += run;
			continue;
		}
		/* One byte completes (or refutes) a carried sequence. */
		if (f->conv.ncarry > 0)
			k = 1;
		else if ((n = utf8_decode(u + i, len - i, &cp)) == 0)
			k = len - i;	/* cut by the chunk: carried over */
		else
			k = n > 0 ? (size_t)n : 1;
		charset_stream_decode(&f->conv, in + i, k, 0, filter_cp, f);
		i += k;
	}
	if (eof)
		charset_stream_decode(&f->conv, in + len, 0, 1, filter_cp, f);
}

int
gopher_text_filter(void *state, const char *in, size_t len, struct buf *out,
    int eof)
{
	struct text_filter	*f = state;

	/* Every charset is decoded: UTF-8 output is valid UTF-8 too. */
	f->out = out;
	if (f->cs == CHARSET_UTF8)
		filter_utf8(f, in, len, eof);
	else
		charset_stream_decode(&f->conv, in, len, eof, filter_cp, f);
	if (eof) {
		if (f->cr) {
			f->cr = 0;
			buf_puts(out, "\r\n");
			f->bol = 1;
		}
		if (!f->bol)
			buf_puts(out, "\r\n");
		buf_puts(out, ".\r\n");
		f->bol = 1;
	}
	return out->failed ? -1 : 0;
}
