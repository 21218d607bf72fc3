/* SPDX-License-Identifier: ISC */
/*
 * broadside: languages of statements.  A translation of
 * "2025-06-09-slug.gmi" is "2025-06-09-slug.es.gmi": a language tag as
 * the last dot-part of the slug.  Its readers are shown the other
 * versions by their languages' own names ("español", "日本語").
 */
#ifndef BROADSIDE_LANG_H
#define BROADSIDE_LANG_H

#include <stddef.h>

#define LANG_TAG_MAX	35	/* bytes of a tag */
#define LANG_LABEL_MAX	(64 + LANG_TAG_MAX)

/*
 * Is slug ("slug.es", "slug.pt-BR") a translation's, by its name: its
 * last dot-part a language tag whose primary subtag is two or three
 * letters and whose other subtags are 1 to 8 letters or digits, with
 * something before the dot?  1 and the length of the slug before the dot
 * in *base; else 0.  "state.of.union" and "v1.2" are not.
 */
int	 lang_suffix(const char *slug, size_t len, size_t *base);

/*
 * What a reader is shown for a tag: its language's own name, with the
 * tag after it when it says more than the language ("português
 * (pt-BR)"); the tag itself when the language is not one this table
 * knows.  Into out (cut to len - 1 bytes at a character boundary).
 */
void	 lang_label(const char *tag, char *out, size_t len);

/* Do two tags name the same language (their primary subtags, in any
 * case: "pt-BR" and "pt")?  A NULL or empty one names none. */
int	 lang_same(const char *, const char *);

/* Has the language of a tag a name here?  The tag may go on with ".":
 * "es.gmi" is es. */
int	 lang_known(const char *tag);

/* The own name of a primary subtag ("es" -> "español"), or NULL. */
const char *lang_endonym(const char *primary, size_t len);

#endif
