/* SPDX-License-Identifier: ISC */
/* broadside: response lifecycle. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "request.h"

void
response_init(struct response *r)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->out, RESPONSE_MEM_MAX);
	r->fd = -1;
}

void
response_free(struct response *r)
{
	buf_free(&r->out);
	if (r->body_release != NULL)
		r->body_release(r->body_ref);
	if (r->fd != -1)
		close(r->fd);
	free(r->filter_state);
	response_init(r);
}
