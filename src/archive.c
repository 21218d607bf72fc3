/* broadside: the archive (placeholder until the archive module lands). */
#include "archive.h"

int
archive_start(struct event_base *base, const struct config *conf, int rootfd)
{
	(void)base;
	(void)conf;
	(void)rootfd;
	return 0;
}

void
archive_rebuild_now(void)
{
}

void
archive_stop(void)
{
}

int
archive_gemini(const struct request_ctx *ctx, const char *path,
    const char *query, struct response *r)
{
	(void)ctx;
	(void)path;
	(void)query;
	(void)r;
	return 0;
}

int
archive_gopher(const struct request_ctx *ctx, const char *selector,
    const char *search, int has_search, struct response *r)
{
	(void)ctx;
	(void)selector;
	(void)search;
	(void)has_search;
	(void)r;
	return 0;
}

const char *
archive_lang_for(const char *path)
{
	(void)path;
	return NULL;
}
