/* SPDX-License-Identifier: ISC */
/* broadside check: (work in progress) */
#include <stdio.h>

#include "cmd.h"

int
cmd_check(int argc, char *argv[])
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "broadside check: not yet\n");
	return CMD_EXIT_FAIL;
}
