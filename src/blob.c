/* SPDX-License-Identifier: ISC */
/* broadside: reference-counted byte blobs (see blob.h). */
#include <stdlib.h>
#include <string.h>

#include "blob.h"
#include "request.h"

struct blob *
blob_from_buf(struct buf *b)
{
	struct blob	*bl;

	if (b->failed || (bl = calloc(1, sizeof(*bl))) == NULL) {
		buf_free(b);
		return NULL;
	}
	if (b->data == NULL && buf_append(b, "", 0) == -1) {
		free(bl);
		buf_free(b);
		return NULL;
	}
	bl->refs = 1;
	bl->data = buf_steal(b, &bl->len);
	return bl;
}

struct blob *
blob_copy(const void *p, size_t len)
{
	struct blob	*bl;

	if ((bl = calloc(1, sizeof(*bl))) == NULL ||
	    (bl->data = malloc(len + 1)) == NULL) {
		free(bl);
		return NULL;
	}
	memcpy(bl->data, p, len);
	bl->data[len] = '\0';
	bl->len = len;
	bl->refs = 1;
	return bl;
}

void
blob_ref(struct blob *bl)
{
	bl->refs++;
}

void
blob_release(void *arg)
{
	struct blob	*bl = arg;

	if (bl != NULL && --bl->refs == 0) {
		free(bl->data);
		free(bl);
	}
}

void
blob_lend(struct blob *bl, struct response *r)
{
	bl->refs++;
	r->body = bl->data;
	r->body_len = bl->len;
	r->body_ref = bl;
	r->body_release = blob_release;
}

void
blob_pages_free(struct blob_pages *rows, size_t count)
{
	size_t	 i, k;

	for (i = 0; rows != NULL && i < count; i++) {
		for (k = 0; k < rows[i].n; k++)
			blob_release(rows[i].page[k]);
		free(rows[i].page);
	}
	free(rows);
}
