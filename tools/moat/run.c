// SPDX-License-Identifier: MIT
/* run.c - `moat run --bundle DIR ID` (in progress). */
#include <stdio.h>

#include "err.h"
#include "tools/moat/moat.h"

int cmd_run(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "moat run: not implemented yet\n");
	return MOAT_EXIT_FAILURE;
}
