/* cmd_explain.c - `tpc explain` (placeholder; replaced below in this series) */
#include <stdio.h>

#include "cmd.h"

int do_explain(int argc, char **argv)
{
	fprintf(stderr, "tpc explain: not implemented yet\n");
	return 2;
}
