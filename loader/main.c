/* main.c - tpc-loader (placeholder until the loader lands) */
#include <stdio.h>

int main(void)
{
	fprintf(stderr, "tpc-loader: not implemented yet\n");
	return 2;
}
