/* sema_loader.c - the loader sensor (`spec.loader: true`): Tetragon's
 * process_loader events, one per executable file mapping.
 *
 * Tetragon builds them from perf mmap2 records through a kprobe on
 * perf_event_mmap_output. tpc expresses the same observation as an
 * ordinary hook of the policy, so the rest of the pipeline (scope,
 * fusion, lowering, the event path) needs nothing new: the entry
 * tracepoint of mmap(2), which attaches on every kernel tpc targets (and on
 * hosts without kprobes), with
 *   args:      fd (index 9, type fd: the mapped file's canonical path,
 *              resolved in BPF) and prot (index 7);
 *   selector:  prot Mask PROT_EXEC, and the fd resolves to a path
 *              (Prefix "/": anonymous and JIT mappings have no file).
 * What the kernel maps for execve itself (the binary, the ELF interpreter)
 * does not go through mmap(2) and is process_exec's business, as in
 * Tetragon. The hook is marked loader_sensor: its event is process_loader,
 * rendered by tpc-loader as Tetragon's ProcessLoader {process, parent,
 * path, buildid}, the build id read from the file's NT_GNU_BUILD_ID note
 * on the node (through /proc/PID/root, so a container's file is the one
 * read). Everything is located at the `loader:` key of the policy.
 */
#include <string.h>

#include "sema/sema_int.h"

/* sys_enter_mmap field indexes, counting the 4 common fields as Tetragon
 * does: __syscall_nr 4, addr 5, len 6, prot 7, flags 8, fd 9, off 10 */
#define MMAP_PROT 7
#define MMAP_FD 9
#define PROT_EXEC_BIT "4"

static struct ast_str str(struct sema *s, const char *v, struct span sp)
{
	return ast_str__make(s->a, v, strlen(v), sp);
}

static struct ast_arg loader_arg(struct sema *s, int index, const char *type, enum arg_type t,
				 struct span sp)
{
	struct ast_arg a;

	memset(&a, 0, sizeof(a));
	a.span = sp;
	a.index = (struct ast_int){ index, sp, true };
	a.type = str(s, type, sp);
	a.type_id = t;
	return a;
}

static struct ast_match_arg loader_match(struct sema *s, int index, const char *op_name,
					 enum op op, const char *value, struct span sp)
{
	struct ast_match_arg m;

	memset(&m, 0, sizeof(m));
	m.span = sp;
	m.index = (struct ast_int){ index, sp, true };
	m.op_name = str(s, op_name, sp);
	m.op = op;
	VEC_PUSH(s->a, m.values, str(s, value, sp));
	return m;
}

void sema_loader_sensor(struct sema *s)
{
	struct ast_policy *p = s->pol;
	struct span sp = p->loader.span;
	struct ast_hook h;
	struct ast_selector sel;

	if (!p->loader.present || !p->loader.v)
		return;
	memset(&h, 0, sizeof(h));
	memset(&sel, 0, sizeof(sel));
	h.kind = HOOK_TRACEPOINT;
	h.span = sp;
	h.subsystem = str(s, "syscalls", sp);
	h.event = str(s, "sys_enter_mmap", sp);
	h.loader_sensor = true;
	/* the path first: the event's only argument is what process_loader
	 * reports */
	VEC_PUSH(s->a, h.args, loader_arg(s, MMAP_FD, "fd", ARG_FD, sp));
	VEC_PUSH(s->a, h.args, loader_arg(s, MMAP_PROT, "uint64", ARG_UINT64, sp));
	sel.span = sp;
	VEC_PUSH(s->a, sel.match_args,
		 loader_match(s, MMAP_PROT, "Mask", OP_MASK, PROT_EXEC_BIT, sp));
	VEC_PUSH(s->a, sel.match_args, loader_match(s, MMAP_FD, "Prefix", OP_PREFIX, "/", sp));
	VEC_PUSH(s->a, h.selectors, sel);
	VEC_PUSH(s->a, p->hooks, h);
}
