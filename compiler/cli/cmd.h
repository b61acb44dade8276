/* cmd.h - subcommands of `tpc`, one file each (do_<verb>). Each takes
 * argc/argv starting at the subcommand name and returns the exit code. */
#ifndef TPC_CMD_H
#define TPC_CMD_H

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

int do_build(int argc, char **argv);   /* cmd_build.c */
int do_explain(int argc, char **argv); /* cmd_explain.c */
int do_verify(int argc, char **argv);  /* cmd_verify.c */
int do_keygen(int argc, char **argv);  /* cmd_sign.c */
int do_verify_signature(int argc, char **argv); /* cmd_sign.c */

#endif
