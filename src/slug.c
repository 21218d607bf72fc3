/* SPDX-License-Identifier: ISC */
/*
 * broadside: slugs (see slug.h).  The folding is search's, so a slug and
 * the words search finds in its title agree; only the ASCII
 * transliteration of Greek and Cyrillic is added here.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "search.h"
#include "slug.h"
#include "utf8.h"

/* U+03B1 .. U+03C9, lower case (search folds capitals and accents). */
static const char *const greek[] = {
	"a", "v", "g", "d", "e", "z", "i", "th",		/* 03B1 */
	"i", "k", "l", "m", "n", "x", "o", "p",			/* 03B9 */
	"r", "s", "s", "t", "y", "f", "ch", "ps",		/* 03C1 */
	"o",							/* 03C9 */
};

/* U+0430 .. U+045F, lower case. */
static const char *const cyrillic[] = {
	"a", "b", "v", "g", "d", "e", "zh", "z",		/* 0430 */
	"i", "y", "k", "l", "m", "n", "o", "p",			/* 0438 */
	"r", "s", "t", "u", "f", "kh", "ts", "ch",		/* 0440 */
	"sh", "shch", "", "y", "", "e", "yu", "ya",		/* 0448 */
	"e", "e", "dj", "g", "ye", "dz", "i", "yi",		/* 0450 */
	"j", "lj", "nj", "c", "k", "i", "u", "dz",		/* 0458 */
};

struct slug_out {
	char	*out;
	size_t	 max;		/* bytes the slug may take */
	size_t	 len;		/* of the slug so far */
	size_t	 word;		/* where the current word starts */
	int	 sep;		/* a separator is due before the next letter */
	int	 full;		/* a word did not fit: stop */
};

/* The ASCII of a folded non-ASCII letter: "" to drop it (the hard and
 * soft signs), NULL: another script, a separator. */
static const char *
ascii_of(uint32_t cp)
{
	if (cp >= 0x3b1 && cp <= 0x3c9)
		return greek[cp - 0x3b1];
	if (cp >= 0x430 && cp <= 0x45f)
		return cyrillic[cp - 0x430];
	if (cp == 0x490 || cp == 0x491)		/* Ukrainian ghe with upturn */
		return "g";
	return NULL;
}

/*
 * Append letters to the slug.  A word that would go over the bound is
 * taken back whole (unless it is the first: then it is cut).
 */
static void
put(struct slug_out *o, const char *s)
{
	size_t	 n = strlen(s);

	if (o->full || n == 0)
		return;
	if (o->sep && o->len > 0) {
		if (o->len + 1 >= o->max) {
			o->full = 1;
			return;
		}
		o->out[o->len++] = '-';
		o->word = o->len;
	}
	o->sep = 0;
	if (o->len + n > o->max) {
		if (o->word > 0)
			o->len = o->word - 1;	/* and its '-' */
		else
			o->len = o->max;	/* a first word: cut it */
		o->full = 1;
		return;
	}
	memcpy(o->out + o->len, s, n);
	o->len += n;
}

/* One code point of the title. */
static void
take(struct slug_out *o, uint32_t cp)
{
	char		 f[UTF8_SEQ_MAX + 1];
	const char	*a;
	uint32_t	 fc;
	int		 k;

	/* "don't", "l’état": one word. */
	if (cp == '\'' || cp == 0x2019 || cp == 0x02bc)
		return;
	if ((k = search_fold_cp(cp, f)) == 0)
		return;			/* a combining mark */
	if (k < 0) {
		o->sep = 1;
		return;
	}
	if ((unsigned char)f[0] < 0x80) {	/* "e", "ss", "oe": ASCII */
		f[k] = '\0';
		put(o, f);
		return;
	}
	if (utf8_decode((const unsigned char *)f, (size_t)k, &fc) != k ||
	    (a = ascii_of(fc)) == NULL) {
		o->sep = 1;		/* another script */
		return;
	}
	put(o, a);
}

size_t
slug_make(const char *title, size_t len, char *out, size_t outsz)
{
	const unsigned char	*u = (const unsigned char *)title;
	struct slug_out		 o;
	uint32_t		 cp;
	size_t			 i = 0;
	int			 r;

	memset(&o, 0, sizeof(o));
	o.out = out;
	o.max = outsz - 1 < SLUG_LEN_MAX ? outsz - 1 : SLUG_LEN_MAX;
	while (i < len && !o.full) {
		if ((r = utf8_decode(u + i, len - i, &cp)) <= 0) {
			o.sep = 1;
			i++;
			continue;
		}
		take(&o, cp);
		i += (size_t)r;
	}
	if (o.len == 0) {
		snprintf(out, outsz, "%s", SLUG_FALLBACK);
		return strlen(out);
	}
	out[o.len] = '\0';
	return o.len;
}
