/* broadside: the Gopher protocol (placeholder until the gopher module lands). */
#include <string.h>

#include "gopher.h"

int
gopher_parse(const char *line, size_t len, struct gopher_request *req,
    const char **errstr)
{
	(void)line;
	(void)len;
	memset(req, 0, sizeof(*req));
	*errstr = "not implemented";
	return -1;
}

void
gopher_error(const struct request_ctx *ctx, struct response *r,
    const char *reason)
{
	(void)ctx;
	r->status = 3;
	buf_printf(&r->out, "3%s\terror\terror.host\t1\r\n.\r\n", reason);
}

void
gopher_handle(const struct request_ctx *ctx, const char *line, size_t len,
    struct response *r)
{
	(void)line;
	(void)len;
	gopher_error(ctx, r, "Not implemented");
}
