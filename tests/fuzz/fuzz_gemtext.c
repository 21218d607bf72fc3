/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target: metadata extraction from statement text (title and
 * summary of gemtext and plain text), the search tokenizer and snippets.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "archive_scan.h"
#include "search.h"
#include "search_flat.h"
#include "utf8.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
tok_cb(void *arg, const char *tok, size_t len, size_t start, size_t end)
{
	size_t	 inlen = *(size_t *)arg;

	(void)tok;
	if (len == 0 || len > SEARCH_TOKEN_MAX || start >= end || end > inlen)
		__builtin_trap();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const char		*s = (const char *)data;
	struct scan_text	 t;
	char			 snip[SEARCH_SNIPPET_MAX * 2];
	size_t			 n, qlen;

	scan_extract(s, len, len > 0 && (data[0] & 1), &t);
	if (strlen(t.title) > SCAN_TITLE_MAX ||
	    strlen(t.summary) > SCAN_SUMMARY_MAX ||
	    !utf8_valid(t.title, strlen(t.title)) ||
	    !utf8_valid(t.summary, strlen(t.summary)) ||
	    strchr(t.title, '\n') != NULL)
		__builtin_trap();
	search_tokenize(s, len, tok_cb, &len);
	/* The first line as a query against the whole text. */
	qlen = 0;
	while (qlen < len && qlen < SEARCH_QUERY_MAX && s[qlen] != '\n')
		qlen++;
	n = search_snippet(s, len, s, qlen, snip, sizeof(snip));
	if (n != strlen(snip) || n >= sizeof(snip))
		__builtin_trap();
	return 0;
}
