/* SPDX-License-Identifier: ISC */
/* broadside: the Gemini response header (see gemini_reply.h). */
#include <stdio.h>
#include <string.h>

#include "gemini_reply.h"
#include "utf8.h"

void
gemini_reply(struct response *r, int code, const char *meta)
{
	size_t	 len = strlen(meta);

	/* Cut an over-long meta on a UTF-8 character boundary. */
	len = utf8_cut(meta, len, GEMINI_META_MAX);
	r->status = code;
	buf_printf(&r->out, "%02d %.*s\r\n", code, (int)len, meta);
	r->head_len = r->out.len;
}

const char *
gemini_mime(char *buf, size_t len, const char *lang)
{
	if (lang == NULL || *lang == '\0')
		snprintf(buf, len, "text/gemini; charset=utf-8");
	else
		snprintf(buf, len, strchr(lang, ',') != NULL ?
		    "text/gemini; charset=utf-8; lang=\"%s\"" :
		    "text/gemini; charset=utf-8; lang=%s", lang);
	return buf;
}
