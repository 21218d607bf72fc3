/* SPDX-License-Identifier: ISC */
/*
 * broadside: a statement's slug from its title, for `broadside new`.
 * Pure: no I/O, no globals.
 */
#ifndef BROADSIDE_SLUG_H
#define BROADSIDE_SLUG_H

#include <stddef.h>

#define SLUG_LEN_MAX	80	/* bytes; longer ones are cut at a word */
#define SLUG_FALLBACK	"statement"	/* a title with no usable letter */

/*
 * slug = word *( "-" word ); word = 1*( a-z / 0-9 )
 *
 * The title's letters and digits, folded as search folds words (ASCII
 * lower-cased; Latin accents removed: e for é, ss for ß, oe for œ, ae for
 * æ, th for þ), then Greek and Cyrillic transliterated to ASCII (ELOT 743
 * and a common romanisation of Cyrillic, one table for Russian, Ukrainian,
 * Serbian..., so и is i everywhere; simplified: θ th,
 * χ ch, ж zh, щ shch, ю yu...).  Apostrophes are dropped ("don't" is
 * "dont"); any other character, and letters of other scripts, separate
 * words.  At most SLUG_LEN_MAX bytes, cut before the word that would go
 * over (a first word longer than that is cut there).  Invalid UTF-8 bytes
 * separate words.  A title with no usable letter or digit gives
 * SLUG_FALLBACK.  Writes out (outsz >= SLUG_LEN_MAX + 1) NUL-terminated;
 * returns its length.
 */
size_t	 slug_make(const char *title, size_t len, char *out, size_t outsz);

#endif
