/* SPDX-License-Identifier: ISC */
/* broadside: libFuzzer target for the INI configuration loader. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)
#define FUZZ_INPUT_MAX	(64 * 1024)

static void
count(void *arg, const char *file, int line, const char *msg)
{
	int	*n = arg;

	CHECK(file != NULL && msg != NULL && line >= 0);
	(*n)++;
}

static void
check_config(const struct config *c)
{
	CHECK(c->hostname != NULL && c->root != NULL && c->archive != NULL);
	CHECK(c->title != NULL && c->lang != NULL && c->user != NULL);
	CHECK(c->log != NULL && c->access_log != NULL);
	CHECK(c->cert != NULL && c->key != NULL);
	CHECK(c->gemini.nlisten <= CONFIG_LISTEN_MAX);
	CHECK(c->gopher.nlisten <= CONFIG_LISTEN_MAX);
	CHECK(c->gemini.nlisten + c->gopher.nlisten > 0);
	CHECK(c->workers >= 0 && c->workers <= 64);
	CHECK(c->wrap >= 20 && c->wrap <= 200);
	CHECK(c->gopher_port >= 1 && c->gopher_port <= 65535);
	CHECK(c->timeout >= 1 && c->max_clients >= 1);
	CHECK(c->cache_max_file <= 64 * 1024 * 1024);
	CHECK(strlen(c->lang) <= 35);
	CHECK(c->dir == NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config		 c;
	struct config_listen	 l;
	const char		*errstr;
	char			*text;
	int			 n, seen = 0;

	if (size > FUZZ_INPUT_MAX)
		return 0;
	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	n = config_load_string(text, "fuzz.ini", NULL, &c, count, &seen);
	CHECK(n == seen);
	if (n == 0) {
		check_config(&c);
		config_free(&c);
	} else
		CHECK(c.hostname == NULL);	/* freed on errors */

	if (config_parse_listen(text, &l, &errstr) == 0)
		CHECK(l.addrlen > 0 && strcmp(l.text, text) == 0);
	free(text);
	return 0;
}
