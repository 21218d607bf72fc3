/* SPDX-License-Identifier: ISC */
/*
 * broadside: language tags of translations and their own names (see
 * lang.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lang.h"

/*
 * The languages' names in themselves, by ISO 639-1 code (and a few
 * three-letter ones without one), sorted by code for bsearch.
 */
static const struct endonym {
	const char	*code;
	const char	*name;
} endonyms[] = {
	{ "af", "Afrikaans" },
	{ "am", "አማርኛ" },
	{ "ar", "العربية" },
	{ "as", "অসমীয়া" },
	{ "ast", "asturianu" },
	{ "az", "azərbaycan" },
	{ "be", "беларуская" },
	{ "bg", "български" },
	{ "bn", "বাংলা" },
	{ "bo", "བོད་སྐད་" },
	{ "br", "brezhoneg" },
	{ "bs", "bosanski" },
	{ "ca", "català" },
	{ "ckb", "کوردیی ناوەندی" },
	{ "co", "corsu" },
	{ "cs", "čeština" },
	{ "cy", "Cymraeg" },
	{ "da", "dansk" },
	{ "de", "Deutsch" },
	{ "dv", "ދިވެހި" },
	{ "el", "Ελληνικά" },
	{ "en", "English" },
	{ "eo", "Esperanto" },
	{ "es", "español" },
	{ "et", "eesti" },
	{ "eu", "euskara" },
	{ "fa", "فارسی" },
	{ "ff", "Pulaar" },
	{ "fi", "suomi" },
	{ "fil", "Filipino" },
	{ "fo", "føroyskt" },
	{ "fr", "français" },
	{ "fy", "Frysk" },
	{ "ga", "Gaeilge" },
	{ "gd", "Gàidhlig" },
	{ "gl", "galego" },
	{ "gn", "avañe'ẽ" },
	{ "gu", "ગુજરાતી" },
	{ "ha", "Hausa" },
	{ "haw", "ʻŌlelo Hawaiʻi" },
	{ "he", "עברית" },
	{ "hi", "हिन्दी" },
	{ "hr", "hrvatski" },
	{ "ht", "kreyòl ayisyen" },
	{ "hu", "magyar" },
	{ "hy", "հայերեն" },
	{ "ia", "interlingua" },
	{ "id", "Indonesia" },
	{ "ig", "Igbo" },
	{ "is", "íslenska" },
	{ "it", "italiano" },
	{ "iu", "ᐃᓄᒃᑎᑐᑦ" },
	{ "ja", "日本語" },
	{ "jv", "Jawa" },
	{ "ka", "ქართული" },
	{ "kk", "қазақ тілі" },
	{ "kl", "kalaallisut" },
	{ "km", "ខ្មែរ" },
	{ "kn", "ಕನ್ನಡ" },
	{ "ko", "한국어" },
	{ "ku", "kurdî" },
	{ "ky", "кыргызча" },
	{ "la", "Latina" },
	{ "lb", "Lëtzebuergesch" },
	{ "lo", "ລາວ" },
	{ "lt", "lietuvių" },
	{ "lv", "latviešu" },
	{ "mg", "Malagasy" },
	{ "mi", "Māori" },
	{ "mk", "македонски" },
	{ "ml", "മലയാളം" },
	{ "mn", "монгол" },
	{ "mr", "मराठी" },
	{ "ms", "Melayu" },
	{ "mt", "Malti" },
	{ "my", "မြန်မာ" },
	{ "nb", "norsk bokmål" },
	{ "ne", "नेपाली" },
	{ "nl", "Nederlands" },
	{ "nn", "norsk nynorsk" },
	{ "no", "norsk" },
	{ "oc", "occitan" },
	{ "or", "ଓଡ଼ିଆ" },
	{ "pa", "ਪੰਜਾਬੀ" },
	{ "pl", "polski" },
	{ "ps", "پښتو" },
	{ "pt", "português" },
	{ "qu", "runasimi" },
	{ "rm", "rumantsch" },
	{ "ro", "română" },
	{ "ru", "русский" },
	{ "rw", "Kinyarwanda" },
	{ "sa", "संस्कृत भाषा" },
	{ "sc", "sardu" },
	{ "sd", "سنڌي" },
	{ "se", "davvisámegiella" },
	{ "si", "සිංහල" },
	{ "sk", "slovenčina" },
	{ "sl", "slovenščina" },
	{ "so", "Soomaali" },
	{ "sq", "shqip" },
	{ "sr", "српски" },
	{ "st", "Sesotho" },
	{ "sv", "svenska" },
	{ "sw", "Kiswahili" },
	{ "ta", "தமிழ்" },
	{ "te", "తెలుగు" },
	{ "tg", "тоҷикӣ" },
	{ "th", "ไทย" },
	{ "ti", "ትግርኛ" },
	{ "tk", "türkmen dili" },
	{ "tl", "Tagalog" },
	{ "tr", "Türkçe" },
	{ "tt", "татар" },
	{ "ug", "ئۇيغۇرچە" },
	{ "uk", "українська" },
	{ "ur", "اردو" },
	{ "uz", "oʻzbek" },
	{ "vi", "Tiếng Việt" },
	{ "wo", "Wolof" },
	{ "xh", "isiXhosa" },
	{ "yi", "ייִדיש" },
	{ "yo", "Èdè Yorùbá" },
	{ "yue", "粵語" },
	{ "zh", "中文" },
	{ "zu", "isiZulu" },
};

#define NENDONYMS	(sizeof(endonyms) / sizeof(endonyms[0]))

/* A tag: ALPHA{2,3} *( "-" alphanum{1,8} ), at most LANG_TAG_MAX bytes. */
static int
tag_ok(const char *s, size_t len)
{
	size_t	 i, run = 0, primary = 0;
	int	 first = 1;

	if (len == 0 || len > LANG_TAG_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] == '-') {
			if (run == 0)
				return 0;
			if (first)
				primary = run;
			first = 0;
			run = 0;
			continue;
		}
		if (first ? !isalpha((unsigned char)s[i]) :
		    !isalnum((unsigned char)s[i]))
			return 0;
		if (++run > 8)
			return 0;
	}
	if (run == 0)
		return 0;
	if (first)
		primary = run;
	return primary == 2 || primary == 3;
}

int
lang_suffix(const char *slug, size_t len, size_t *base)
{
	const char	*dot = NULL;
	size_t		 i;

	for (i = len; i > 0; i--)
		if (slug[i - 1] == '.') {
			dot = slug + i - 1;
			break;
		}
	if (dot == NULL || dot == slug ||
	    !tag_ok(dot + 1, len - (size_t)(dot + 1 - slug)))
		return 0;
	*base = (size_t)(dot - slug);
	return 1;
}

static int
endonym_cmp(const void *key, const void *elem)
{
	const struct endonym	*k = key, *e = elem;

	return strcmp(k->code, e->code);
}

const char *
lang_endonym(const char *primary, size_t len)
{
	struct endonym		 key;
	const struct endonym	*e;
	char			 code[4];
	size_t			 i;

	if (len < 2 || len > 3)
		return NULL;
	for (i = 0; i < len; i++)
		code[i] = (char)tolower((unsigned char)primary[i]);
	code[len] = '\0';
	key.code = code;
	key.name = NULL;
	e = bsearch(&key, endonyms, NENDONYMS, sizeof(endonyms[0]),
	    endonym_cmp);
	return e != NULL ? e->name : NULL;
}

int
lang_known(const char *tag)
{
	return lang_endonym(tag, strcspn(tag, "-.")) != NULL;
}

int
lang_same(const char *a, const char *b)
{
	size_t	 n;

	if (a == NULL || b == NULL || *a == '\0' || *b == '\0')
		return 0;
	n = strcspn(a, "-");
	return n == strcspn(b, "-") && strncasecmp(a, b, n) == 0;
}

/* s cut to at most max bytes, not inside a UTF-8 sequence. */
static size_t
utf8_cut(const char *s, size_t max)
{
	size_t	 n = strlen(s);

	if (n <= max)
		return n;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

void
lang_label(const char *tag, char *out, size_t len)
{
	const char	*name, *dash;
	char		 buf[LANG_LABEL_MAX + 1];
	size_t		 plen;
	int		 tlen;

	if (len == 0)
		return;
	if (tag == NULL)
		tag = "";
	tlen = (int)utf8_cut(tag, LANG_TAG_MAX);
	dash = strchr(tag, '-');
	plen = dash != NULL ? (size_t)(dash - tag) : strlen(tag);
	if ((name = lang_endonym(tag, plen)) == NULL)
		snprintf(buf, sizeof(buf), "%.*s", tlen, tag);
	else if (dash != NULL)
		snprintf(buf, sizeof(buf), "%s (%.*s)", name, tlen, tag);
	else
		snprintf(buf, sizeof(buf), "%s", name);
	plen = utf8_cut(buf, len - 1);
	memcpy(out, buf, plen);
	out[plen] = '\0';
}
