/* cmd_build.c - `tpc build` (placeholder until the back end lands) */
#include <stdio.h>

#include "cmd.h"

int do_build(int argc, char **argv)
{
	fprintf(stderr, "tpc build: not implemented yet\n");
	return 2;
}

int do_explain(int argc, char **argv)
{
	fprintf(stderr, "tpc explain: not implemented yet\n");
	return 2;
}
