/* SPDX-License-Identifier: ISC */
/* broadside: tests for the protocol descriptions server.c calls through. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "gemini.h"
#include "gopher.h"
#include "protocol.h"

struct refusal_case {
	enum refusal	 why;
	const char	*gemini;	/* the whole reply */
	const char	*gopher;	/* the type 3 line's text */
};

static const struct refusal_case refusal_cases[] = {
	{ REFUSE_TOO_LONG, "59 Request too long\r\n", "Selector too long" },
	{ REFUSE_MALFORMED, "59 Request must end with CRLF\r\n",
	    "Bad request" },
	{ REFUSE_RATE, "44 17\r\n", "Too many requests: slow down" },
	{ REFUSE_TEMPORARY, "40 Temporary failure\r\n", "Temporary failure" },
};

static void
ctx_init(struct request_ctx *ctx, struct config *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->hostname = "gopher.example";
	conf->gopher_port = 7070;
	conf->wrap = 70;
	memset(ctx, 0, sizeof(*ctx));
	ctx->conf = conf;
	ctx->rootfd = -1;
	ctx->retry_after = 17;
}

static void
test_descriptions(void **state)
{
	(void)state;
	assert_string_equal(gemini_protocol.name, "gemini");
	assert_int_equal(gemini_protocol.line_max, GEMINI_URI_MAX);
	assert_true(gemini_protocol.tls && gemini_protocol.crlf_required);
	assert_false(gemini_protocol.eof_ends_line);
	assert_string_equal(gopher_protocol.name, "gopher");
	assert_int_equal(gopher_protocol.line_max, GOPHER_SELECTOR_MAX);
	assert_false(gopher_protocol.tls || gopher_protocol.crlf_required);
	assert_true(gopher_protocol.eof_ends_line);
	assert_true(gemini_protocol.line_max <= PROTOCOL_LINE_MAX);
	assert_true(gopher_protocol.line_max <= PROTOCOL_LINE_MAX);
}

/* A Gemini refusal is a header only, and says where it ends. */
static void
test_gemini_refusals(void **state)
{
	struct config		 conf;
	struct request_ctx	 ctx;
	struct response		 r;
	size_t			 i;

	(void)state;
	ctx_init(&ctx, &conf);
	for (i = 0; i < sizeof(refusal_cases) / sizeof(refusal_cases[0]);
	    i++) {
		response_init(&r);
		gemini_protocol.refuse(&ctx, refusal_cases[i].why, &r);
		assert_string_equal(r.out.data, refusal_cases[i].gemini);
		assert_int_equal(r.head_len, r.out.len);
		assert_int_equal(r.status, atoi(refusal_cases[i].gemini));
		response_free(&r);
	}
}

/* A Gopher refusal names the configured host and port, no header. */
static void
test_gopher_refusals(void **state)
{
	struct config		 conf;
	struct request_ctx	 ctx;
	struct response		 r;
	char			 want[128];
	size_t			 i;

	(void)state;
	ctx_init(&ctx, &conf);
	for (i = 0; i < sizeof(refusal_cases) / sizeof(refusal_cases[0]);
	    i++) {
		response_init(&r);
		gopher_protocol.refuse(&ctx, refusal_cases[i].why, &r);
		snprintf(want, sizeof(want),
		    "3%s\t\tgopher.example\t7070\r\n.\r\n",
		    refusal_cases[i].gopher);
		assert_string_equal(r.out.data, want);
		assert_int_equal(r.head_len, 0);
		assert_int_equal(r.status, 3);
		response_free(&r);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_descriptions),
		cmocka_unit_test(test_gemini_refusals),
		cmocka_unit_test(test_gopher_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
