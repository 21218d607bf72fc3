/* SPDX-License-Identifier: ISC */
/* broadside: the Gemini response header ("<code> <meta>\r\n"). */
#ifndef BROADSIDE_GEMINI_REPLY_H
#define BROADSIDE_GEMINI_REPLY_H

#include <stddef.h>

#include "request.h"

#define GEMINI_META_MAX		1024

/* Start a reply: "<code> <meta>\r\n" into the empty r->out (meta cut to
 * the limit on a character boundary), and record where the header ends
 * in r->head_len. */
void	 gemini_reply(struct response *, int code, const char *meta);

/* "text/gemini; charset=utf-8; lang=…" (no lang when lang is NULL or ""). */
const char	*gemini_mime(char *buf, size_t len, const char *lang);

#endif
