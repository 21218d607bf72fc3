/* SPDX-License-Identifier: ISC */
/*
 * broadside: Gopher output.  Menu lines (RFC 1436), gemtext rendered as
 * readable plain text, gemtext rendered as a menu, and the gopher text
 * filter for streamed files.  Pure functions over byte buffers.
 */
#ifndef BROADSIDE_RENDER_GOPHER_H
#define BROADSIDE_RENDER_GOPHER_H

#include <stddef.h>

#include "buf.h"
#include "config.h"

struct stmt_version;

struct gopher_style {
	const char		*host;		/* [server] hostname */
	int			 port;		/* [gopher] port */
	int			 wrap;		/* columns */
	enum config_charset	 charset;
};

/*
 * "TYPE DISPLAY\tSELECTOR\tHOST\tPORT\r\n".  A display longer than the
 * wrap width is cut on the last blank before it (at the width when that
 * keeps less than half of it) and ends with "\u2026" (utf-8) or "..."
 * (ascii, latin1); the whole display, mark included, fits in the width.
 */
void	 gopher_item(struct buf *, char type, const char *display,
	    const char *selector, const struct gopher_style *);
/* An external link: 'h' item with "URL:" selector, or a gopher:// item. */
void	 gopher_link(struct buf *, const char *url, const char *display,
	    const struct gopher_style *);
/*
 * Info lines "i<text>\t\t<host>\t<port>\r\n": the text is word-wrapped at
 * wrap columns into as many lines as needed (a '\n' also starts a line).
 */
void	 gopher_info(struct buf *, const char *text, const struct gopher_style *);
void	 gopher_menu_end(struct buf *);
/* A whole error menu: type '3' first line, then the end line. */
void	 gopher_error_menu(struct buf *, const char *reason,
	    const struct gopher_style *);

/* Item type for a MIME type: 0 1 9 g I s d h (text/gemini: 1, a menu). */
char	 gopher_type_for_mime(const char *mime);

/* 1 if a gemtext file name is a dated statement, read as text (type 0). */
int	 gopher_gmi_is_text(const char *name);

/*
 * A statement or page as plain text for reading: title and date first,
 * headings underlined, paragraphs wrapped, link lines as [n] references
 * listed at the end, CRLF line ends, dots doubled, ends with ".\r\n".
 * `title`/`date` may be NULL (taken from the text).  0 or -1.
 */
int	 gopher_render_text(const char *gemtext, size_t len, const char *title,
	    const char *date, const struct gopher_style *, struct buf *out);

/*
 * A gemtext page as a menu: text as wrapped 'i' lines, links as items of
 * the right type.  `base` is the page's selector, for relative links.
 * Ends with ".\r\n".  0 or -1.
 */
int	 gopher_render_menu(const char *gemtext, size_t len, const char *base,
	    const struct gopher_style *, struct buf *out);

/* What a statement's renderings tell besides its words. */
struct gopher_stmt {
	const char	*title;		/* NULL: from the text */
	const char	*date;		/* may be NULL */
	const char	*corrected;	/* "YYYY-MM-DD", or NULL or "" */
	const char	*correction;	/* its note, may be NULL */
	const char	*attachments;	/* the list (archive_build.h:
					   attach_next), or NULL */
	const char	*attach_sel;	/* selector of their folder, with its
					   final '/' */
	const struct stmt_version *ver;	/* its other versions */
	size_t		 nver;
	const char	*archive_sel;	/* the archive's selector, with its
					   final '/': theirs is it and rel */
};

/*
 * A statement as text (gopher_render_text), the correction under the
 * date ("Corrected YYYY-MM-DD: note") and the other languages ("Also in:
 * español, français"), the attachments and then the other versions in
 * the References after the links: "[n] NAME (TYPE, SIZE)" or "[n]
 * español: Título", and its URL.
 */
int	 gopher_render_statement(const char *gemtext, size_t len,
	    const struct gopher_stmt *, const struct gopher_style *,
	    struct buf *out);
/*
 * A statement as a menu (gopher_render_menu), its attachments after
 * its words: an item each, of the type of its MIME type (I an image,
 * s a sound, d a PDF, 9 other binaries), "NAME (TYPE, SIZE)".
 */
int	 gopher_render_statement_menu(const char *gemtext, size_t len,
	    const char *base, const struct gopher_stmt *,
	    const struct gopher_style *, struct buf *out);
/* The attachment items alone (a plain-text statement's menu), the other
 * versions ("Other languages:", an item each) and the correction as 'i'
 * lines; no end line. */
void	 gopher_stmt_items(const struct gopher_stmt *,
	    const struct gopher_style *, struct buf *out);

/*
 * A '0' item for each version ("español: Título" after `indent`, its
 * selector archive_sel and its rel), after an empty line and `heading`
 * when that is not NULL and there is one; how many.
 */
size_t	 gopher_version_items(const struct stmt_version *, size_t n,
	    const char *archive_sel, const char *indent, const char *heading,
	    const struct gopher_style *, struct buf *out);

/*
 * Filter for streamed text files (matches response_filter_fn): CRLF line
 * ends, dots doubled, converted to the charset; controls are blanks and
 * invalid UTF-8 '?' in every charset (charset_put_cp, charset_convert).
 */
void	*gopher_text_filter_new(enum config_charset);
int	 gopher_text_filter(void *state, const char *in, size_t len,
	    struct buf *out, int eof);

/* Write `s` converted to the charset (charset_convert: no controls). */
void	 gopher_put_text(struct buf *, const char *s, size_t len,
	    enum config_charset);

#endif
