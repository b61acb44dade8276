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
/* cmd_build.c: everything up to generated C and metadata, shared with
 * `tpc explain`: the front end (per --kernel target), a check that every
 * target gets the same programs, and the optimizer. *ir is target 0's IR;
 * the caller releases fout (frontend_out__release) after using it. */
struct arena;
struct srcmap;
struct diag_sink;
struct frontend_opts;
struct frontend_out;
struct ir_object;
int build__compile(struct arena *a, struct srcmap *m, struct diag_sink *d, char **files,
		   int nfiles, const struct frontend_opts *fo, struct ir_object *ir,
		   struct frontend_out *fout);
int do_explain(int argc, char **argv); /* cmd_explain.c */
int do_verify(int argc, char **argv);  /* cmd_verify.c */
int do_test(int argc, char **argv);    /* cmd_test.c */
int do_keygen(int argc, char **argv);  /* cmd_sign.c */
int do_verify_signature(int argc, char **argv); /* cmd_sign.c */

#endif
