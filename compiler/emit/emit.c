/* emit.c - IR -> BPF C (see emit.h).
 *
 * Shape of the output (its fixed pieces are the files of templates/):
 *   banner; #include "tpc.bpf.h"; maps; tpc_binsets__eval() (none without
 *   matchBinaries sets: TPC_NO_BINSETS); #include
 *   "tpc_proc.bpf.h"; then per prog one always-inline body
 *   `tpc_pN(ctx, v)` and one SEC() entry per variant calling it with a
 *   constant v, so clang folds each variant's argument reads.
 * Inside a body, argument reads are lazy: A<slot>() (integers) and
 * L<slot>() (string/path length, reading on first use) are macros over
 * local state; a rule's test is one C expression over them, so && and ||
 * short-circuit exactly like the IR says. The body is written first, then
 * its prologue declares only the state the body names (text_uses()), and
 * the macros are #undef'd after it for the next prog.
 */
#include "emit/emit.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "tpc_abi.h"
#include "tpc_templates.h"

static void span_comment(FILE *out, const struct srcmap *m, struct span sp)
{
	const struct srcfile *f = srcmap__file(m, sp.file);
	unsigned line, col;

	if (!f)
		return;
	srcmap__linecol(m, sp.file, sp.start, &line, &col);
	tpl__comment(out, f->name);
	fprintf(out, ":%u", line);
}

/* Little-endian 64-bit word i of a literal, and the mask of its bytes. */
static void lit_word(const struct ir_strlit *l, uint32_t nbytes, uint32_t i, uint64_t *w,
		     uint64_t *mask)
{
	*w = 0;
	*mask = 0;
	for (uint32_t b = 0; b < 8; b++) {
		uint32_t k = i * 8 + b;

		if (k >= nbytes)
			break;
		*w |= (uint64_t)(uint8_t)(k < l->len ? l->s[k] : 0) << (8 * b);
		*mask |= (uint64_t)0xff << (8 * b);
	}
}

/* (p[0..n) == lit[0..n)) a word at a time. ptr is a C expression. */
static void emit_words(FILE *out, const char *ptr, const struct ir_strlit *l, uint32_t n)
{
	uint32_t words = (n + 7) / 8;

	if (!words) {
		fputs("1", out);
		return;
	}
	for (uint32_t i = 0; i < words; i++) {
		uint64_t w, m;

		lit_word(l, n, i, &w, &m);
		if (i)
			fputs(" && ", out);
		if (m == ~0ull)
			fprintf(out, "TPC_W(%s, %u) == 0x%016" PRIx64 "ull", ptr, i * 8, w);
		else
			fprintf(out, "(TPC_W(%s, %u) & 0x%" PRIx64 "ull) == 0x%" PRIx64 "ull", ptr,
				i * 8, m, w);
	}
}

/* "tcp", "dns", "http": the runtime prefix of a network prog's functions. */
static const char *net_name(enum net_proto p)
{
	return p == NET_TCP ? "tcp" : p == NET_DNS ? "dns" : "http";
}

struct body {
	FILE *out;
	const struct ir_object *o;
	const struct ir_prog *p;
	const struct srcmap *m;
	int bufs[64]; /* slot -> abuf index, -1 for ints */
	bool head[64]; /* slot's Prefix/Equal literals are tested on its head (H<slot>) */
	bool testrun; /* emit_opts.testrun */
	/* a rule condition's outer && / ||: the kernel-style continuation
	 * (aligned one past the group's open paren), "" inside (one line) */
	char brk[24];
	int err; /* the first template that could not be filled */
};

/* Keep the first error of a template fill (tpl.h); later output is
 * discarded by emit__c's caller. */
static void tpl_check(struct body *B, int err)
{
	if (err && !B->err)
		B->err = err;
}

/* emit_opts.testrun of the emission under way: the few places that add the
 * test entry's reads (TPC_TESTV) take no body. Set and cleared by emit__c. */
static bool emit_testrun;

static const char *cmp_op(enum ir_test t)
{
	switch (t) {
	case T_LT:
		return "<";
	case T_LE:
		return "<=";
	case T_GT:
		return ">";
	case T_GE:
		return ">=";
	default:
		return "==";
	}
}

static void emit_int_value(struct body *B, const struct ir_pred *p)
{
	/* network events: the socket owner's identity (lower.c refuses the
	 * sources that only describe current) */
	if (B->p->net) {
		static const char *const own[] = { [SRC_PID] = "nc->own.tgid",
						   [SRC_TID] = "nc->own.tid",
						   [SRC_UID] = "nc->own.uid",
						   [SRC_GID] = "nc->own.gid",
						   [SRC_CGROUP] = "nc->own.cgroup_id" };

		if (p->src < sizeof(own) / sizeof(own[0]) && own[p->src]) {
			fputs(own[p->src], B->out);
			return;
		}
	}
	switch (p->src) {
	case SRC_PID:
		fputs("TPC_PID()", B->out);
		break;
	case SRC_TID:
		fputs("TPC_TID()", B->out);
		break;
	case SRC_UID:
		fputs("TPC_UID()", B->out);
		break;
	case SRC_GID:
		fputs("TPC_GID()", B->out);
		break;
	case SRC_EUID:
		fputs("TPC_EUID()", B->out);
		break;
	case SRC_CGROUP:
		fputs("TPC_CGROUP()", B->out);
		break;
	case SRC_PPID:
		fputs("TPC_PPID()", B->out);
		break;
	case SRC_EGID:
		fputs("TPC_EGID()", B->out);
		break;
	case SRC_CAPS:
		fprintf(B->out, "tpc_caps(%d)", p->bit);
		break;
	case SRC_NS:
		fprintf(B->out, "TPC_NS(%d)", p->bit);
		break;
	case SRC_NSPID:
		fputs("TPC_NSPID()", B->out);
		break;
	default:
		fprintf(B->out, "A%d()", p->slot);
	}
}

static bool leaf_signed(struct body *B, const struct ir_pred *p)
{
	return p->src == SRC_ARG && B->p->args.v[p->slot].is_signed;
}

static void emit_int_leaf(struct body *B, const struct ir_pred *p)
{
	FILE *out = B->out;
	const char *ty = leaf_signed(B, p) ? "s64" : "u64";

	if (p->map >= 0) {
		fprintf(out, "({ u64 _k = (u64)(");
		emit_int_value(B, p);
		fprintf(out, "); bpf_map_lookup_elem(&%s, &_k) != 0; })", B->o->maps.v[p->map].name);
		return;
	}
	if (!p->nvals) {
		fputs("0", out);
		return;
	}
	fputs("(", out);
	for (size_t i = 0; i < p->nvals; i++) {
		if (i)
			fputs(" || ", out);
		switch (p->test) {
		case T_MASK:
			fputs("((u64)", out);
			emit_int_value(B, p);
			fprintf(out, " & 0x%" PRIx64 "ull) != 0", (uint64_t)p->vals[i]);
			break;
		case T_RANGE:
			fprintf(out, "((%s)", ty);
			emit_int_value(B, p);
			fprintf(out, " >= (%s)%" PRId64 "ll && (%s)", ty, p->vals[i], ty);
			emit_int_value(B, p);
			fprintf(out, " <= (%s)%" PRId64 "ll)", ty, p->his[i]);
			break;
		default:
			fprintf(out, "(%s)", ty);
			emit_int_value(B, p);
			if (p->src == SRC_NS && p->vals[i] == -1)
				fprintf(out, " == (%s)TPC_HOST_NS(%d)", ty, p->bit);
			else
				fprintf(out, " %s (%s)%" PRId64 "ll",
					p->test == T_IN ? "==" : cmp_op(p->test), ty, p->vals[i]);
		}
	}
	fputs(")", out);
}

static void emit_str_leaf(struct body *B, const struct ir_pred *p)
{
	FILE *out = B->out;
	char ptr[96];

	if (p->map >= 0) {
		const struct ir_map *m = &B->o->maps.v[p->map];

		if (m->kind == MAP_STR_SET)
			fprintf(out,
				"(L%d() >= 0 && L%d() < %u && ({ tpc_str__to_key_n(s->key, P%d(), "
				"L%d(), %u); bpf_map_lookup_elem(&%s, s->key) != 0; }))",
				p->slot, p->slot, m->key_size, p->slot, p->slot, m->key_size,
				m->name);
		else
			fprintf(out,
				"(L%d() >= 0 && ({ struct tpc_lpm_key *_k = (void *)s->key; "
				"_k->prefixlen = (u32)L%d() * 8; "
				"bpf_probe_read_kernel(_k->data, L%d() & TPC_STR_MASK, P%d()); "
				"bpf_map_lookup_elem(&%s, _k) != 0; }))",
				p->slot, p->slot, p->slot, p->slot, m->name);
		return;
	}
	fputs("(", out);
	for (size_t i = 0; i < p->nstrs; i++) {
		const struct ir_strlit *l = &p->strs[i];

		if (i)
			fputs(" || ", out);
		switch (p->test) {
		case T_STR_EQ:
			/* on the head: a cut head (TPC_STR_HEAD - 1) is longer
			 * than any literal head_slots() let through */
			fprintf(out, "(%c%d() == %u && ", B->head[p->slot] ? 'H' : 'L', p->slot,
				l->len);
			snprintf(ptr, sizeof(ptr), "%c%d()", B->head[p->slot] ? 'Q' : 'P', p->slot);
			emit_words(out, ptr, l, l->len);
			break;
		case T_STR_PREFIX:
			fprintf(out, "(%c%d() >= %u && ", B->head[p->slot] ? 'H' : 'L', p->slot,
				l->len);
			snprintf(ptr, sizeof(ptr), "%c%d()", B->head[p->slot] ? 'Q' : 'P', p->slot);
			emit_words(out, ptr, l, l->len);
			if (!B->head[p->slot])
				break;
			/* a cut head decides nothing: the whole string, as read
			 * (a fault past the head fails the test, and the event
			 * shows what was tested) */
			fprintf(out, " && (H%d() < TPC_STR_HEAD - 1 || (L%d() >= %u && ", p->slot,
				p->slot, l->len);
			snprintf(ptr, sizeof(ptr), "P%d()", p->slot);
			emit_words(out, ptr, l, l->len);
			fputs("))", out);
			break;
		case T_STR_SUBSTR:
		case T_STR_SUBSTR_ICASE:
			/* the needle as bytes, never as C text */
			/* L() first: it sets the offset P() depends on */
			fprintf(out,
				"({ int _l = L%d(); struct tpc_substr _x = { .nlen = %u, .icase = %d, "
				".needle = { ",
				p->slot, l->len, p->test == T_STR_SUBSTR_ICASE);
			for (uint32_t k = 0; k < l->len; k++)
				fprintf(out, "%s0x%02x", k ? ", " : "", (unsigned char)l->s[k]);
			fprintf(out, " } }; tpc_str__contains(&_x, P%d(), _l); }", p->slot);
			break;
		default: /* suffix: compare at the tail */
			fprintf(out, "(L%d() >= %u && ", p->slot, l->len);
			snprintf(ptr, sizeof(ptr), "T%d(%u)", p->slot, l->len);
			emit_words(out, ptr, l, l->len);
		}
		fputs(")", out);
	}
	if (!p->nstrs)
		fputs("0", out);
	fputs(")", out);
}

static void emit_sa_leaf(struct body *B, const struct ir_pred *p)
{
	FILE *out = B->out;

	fputs("(", out);
	if (p->test == T_CIDR) {
		for (size_t i = 0; i < p->ncidrs; i++) {
			const uint8_t *c = p->cidrs[i];
			int bits = c[16];
			bool v4 = !memcmp(c, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) && bits >= 96;
			uint8_t mask[16] = { 0 };
			uint64_t nh = 0, nl = 0, mh = 0, ml = 0;

			for (int b = 0; b < bits && b < 128; b++)
				mask[b / 8] |= (uint8_t)(0x80 >> (b % 8));
			for (int b = 0; b < 8; b++) {
				nh |= (uint64_t)(c[b] & mask[b]) << (8 * b);
				mh |= (uint64_t)mask[b] << (8 * b);
				nl |= (uint64_t)(c[8 + b] & mask[8 + b]) << (8 * b);
				ml |= (uint64_t)mask[8 + b] << (8 * b);
			}
			if (i)
				fputs(" || ", out);
			fprintf(out,
				"tpc_sa__in(&S%d()[%d], 0x%" PRIx64 "ull, 0x%" PRIx64 "ull, 0x%" PRIx64
				"ull, 0x%" PRIx64 "ull, %d)",
				p->slot, p->bit, nh, nl, mh, ml, v4);
		}
	} else {
		for (size_t i = 0; i < p->nvals; i++) {
			if (i)
				fputs(" || ", out);
			/* cast and parenthesized: a lone comparison as an if's whole condition
			 * trips clang's -Wparentheses-equality */
			if (p->test == T_FAMILY)
				fprintf(out, "((u32)S%d()->family == %" PRId64 ")", p->slot, p->vals[i]);
			else if (p->test == T_PROTO)
				fprintf(out, "((u32)S%d()->protocol == %" PRId64 ")", p->slot, p->vals[i]);
			else
				fprintf(out, "(S%d()[%d].port >= %" PRId64 " && S%d()[%d].port <= %" PRId64 ")",
					p->slot, p->bit, p->vals[i], p->slot, p->bit, p->his[i]);
		}
	}
	fputs(")", out);
}

static void emit_raw_switch(FILE *out, const struct ir_prog *p, const struct ir_arg *a);

/* i_mode of the inode behind a path-kind argument, as a C expression. */
static void emit_imode(FILE *out, const struct ir_prog *p, const struct ir_arg *a)
{
	fputs(a->kind == AK_FILE   ? "tpc_imode__of_file((struct file *)("
	      : a->kind == AK_PATH ? "tpc_imode__of_path((struct path *)("
	      : a->kind == AK_FD   ? "tpc_imode__of_fd((long)("
	      : a->kind == AK_BPRM ? "tpc_imode__of_bprm((struct linux_binprm *)("
				   : "tpc_imode__of_dentry((struct dentry *)(",
	      out);
	emit_raw_switch(out, p, a);
	fputs("))", out);
}

/* Tests on the object behind a pointer argument rather than its path or
 * address: FileType (inode mode), Unlinked (inode link count) and TCP
 * State. */
static void emit_raw_leaf(struct body *B, const struct ir_pred *p)
{
	FILE *out = B->out;
	const struct ir_arg *a = &B->p->args.v[p->slot];

	const char *fn = NULL;

	if (p->test == T_FILETYPE)
		fn = a->kind == AK_FILE	  ? "tpc_mode__of_file((struct file *)"
		     : a->kind == AK_PATH ? "tpc_mode__of_path((struct path *)"
		     : a->kind == AK_FD	  ? "tpc_mode__of_fd((long)"
		     : a->kind == AK_BPRM ? "tpc_mode__of_bprm((struct linux_binprm *)"
					  : "tpc_mode__of_dentry((struct dentry *)";
	else if (p->test == T_NLINK)
		fn = a->kind == AK_FILE	  ? "tpc_nlink__of_file((struct file *)"
		     : a->kind == AK_PATH ? "tpc_nlink__of_path((struct path *)"
					  : "tpc_nlink__of_bprm((struct linux_binprm *)";
	fputs("({ u32 _v = ", out);
	if (B->testrun)
		fprintf(out, "v == TPC_TESTV ? tpc_test__%s(%d) : ",
			p->test == T_FILETYPE ? "mode" : p->test == T_NLINK ? "nlink" : "state",
			p->slot);
	if (fn) {
		fputs(fn, out);
		fputs("(", out);
		emit_raw_switch(out, B->p, a);
		fputs("))", out);
	} else if (a->type == ARG_SOCKET) {
		fputs("BPF_CORE_READ((struct socket *)(", out);
		emit_raw_switch(out, B->p, a);
		fputs("), sk, __sk_common.skc_state)", out);
	} else {
		fputs("BPF_CORE_READ((struct sock *)(", out);
		emit_raw_switch(out, B->p, a);
		fputs("), __sk_common.skc_state)", out);
	}
	fputs("; (", out);
	for (size_t i = 0; i < p->nvals; i++)
		fprintf(out, "%s_v == %" PRId64 "u", i ? " || " : "", p->vals[i]);
	if (!p->nvals)
		fputs("0", out);
	fputs("); })", out);
}

/* Is the task in scope map `map`? A network prog reads the verdict
 * recorded with the socket's owner (tpc_net_owner.scope): its current
 * task is not the owner in softirq and state-change contexts. */
static void emit_scope_test(struct body *B, int map)
{
	const struct ir_map *m = &B->o->maps.v[map];

	if (B->p->net)
		fprintf(B->out, "(nc->own.scope & (1ull << %d))", m->scope.index);
	else
		fprintf(B->out, "tpc_scope__in(&%s, %d)", m->name, m->scope.index);
}

static void emit_pred(struct body *B, const struct ir_pred *p)
{
	FILE *out = B->out;
	char brk[sizeof(B->brk)];

	if (!p) {
		fputs("1", out);
		return;
	}
	switch (p->kind) {
	case P_TRUE:
		fputs("1", out);
		return;
	case P_NOT:
		fputs("!", out);
		if (B->brk[0]) /* its group opens one column further */
			strcat(B->brk, " ");
		emit_pred(B, p->kids[0]);
		return;
	case P_AND:
	case P_OR:
		if (!p->nkids) {
			fputs(p->kind == P_AND ? "1" : "0", out);
			return;
		}
		fputs("(", out);
		strcpy(brk, B->brk);
		B->brk[0] = '\0';
		for (size_t i = 0; i < p->nkids; i++) {
			if (i)
				fprintf(out, " %s%s", p->kind == P_AND ? "&&" : "||", brk[0] ? brk : " ");
			emit_pred(B, p->kids[i]);
		}
		fputs(")", out);
		return;
	case P_LEAF:
		break;
	}
	if (p->negate)
		fputs("!", out);
	if (p->src == SRC_BINARY) {
		fprintf(out, "(TPC_BITS() & (1ull << %d))", p->bit);
		return;
	}
	if (p->src == SRC_PBINARY) {
		fprintf(out, "(TPC_PBITS() & (1ull << %d))", p->bit);
		return;
	}
	if (p->src == SRC_SCOPE) {
		emit_scope_test(B, p->map);
		return;
	}
	if (p->src == SRC_FOLLOW) {
		fprintf(out, "(TPC_FBITS() & (1ull << %d))", p->bit);
		return;
	}
	if (p->src == SRC_CAPCHG) {
		fprintf(out, "tpc_capchg__changed(%d, 0x%" PRIx64 "ull)", p->bit, (uint64_t)p->vals[0]);
		return;
	}
	if (p->src == SRC_NSCHG) {
		fprintf(out, "tpc_nschg__changed(0x%" PRIx64 "u)", (uint64_t)p->vals[0]);
		return;
	}
	if (p->src == SRC_ARG && p->test == T_GAINED) {
		/* CapabilitiesGained: the new set has a bit the old lacks */
		fprintf(out, "((A%d() & ~A%d()) != 0)", p->slot2, p->slot);
		return;
	}
	if (p->src == SRC_ARG && (p->test == T_FILETYPE || p->test == T_NLINK || p->test == T_STATE)) {
		emit_raw_leaf(B, p);
		return;
	}
	if (p->src == SRC_ARG) {
		enum ir_argkind k = B->p->args.v[p->slot].kind;

		if (k == AK_SOCKADDR || k == AK_SOCK || k == AK_SKB) {
			emit_sa_leaf(B, p);
			return;
		}
		if (k != AK_INT && k != AK_CAPS) {
			emit_str_leaf(B, p);
			return;
		}
	}
	emit_int_leaf(B, p);
}

/* ---- argument access per variant ------------------------------------ */

static bool is_syscall_tp(const struct ir_variant *v)
{
	return v->at == AT_TRACEPOINT && !strncmp(v->target, "syscalls/sys_enter_", 19);
}

/* The raw 64-bit value of arg a in variant v (pointer or integer). */
static void emit_raw_base(FILE *out, const struct ir_arg *a, const struct ir_variant *v);

/* A resolved slot reads its member through its reader (emit_resolver). */
static void emit_raw(FILE *out, const struct ir_arg *a, const struct ir_variant *v)
{
	/* a capability set passed by address: its 8 bytes (kernel_cap_t is
	 * one u64 since 6.3, two u32 before: the same bytes on x86) */
	if (a->cap_ref)
		fputs("tpc_caps__at(", out);
	/* a kiocb is read through its file (after resolve, if both) */
	if (a->via_kiocb)
		fputs("(u64)BPF_CORE_READ((struct kiocb *)", out);
	if (a->rsv)
		fprintf(out, "tpc_r%d(", a->rsv_id);
	emit_raw_base(out, a, v);
	if (a->rsv)
		fputs(")", out);
	if (a->via_kiocb)
		fputs(", ki_filp)", out);
	if (a->cap_ref)
		fputs(")", out);
}

static void emit_raw_base(FILE *out, const struct ir_arg *a, const struct ir_variant *v)
{
	static const char *const regs[] = { "PT_REGS_PARM1", "PT_REGS_PARM2", "PT_REGS_PARM3",
					    "PT_REGS_PARM4", "PT_REGS_PARM5" };
	/* ctx loads go through tpc_ctx__load (tpc_core.bpf.h): clang
	 * cannot merge them into one load at a register offset */
	int i = a->index < 0 ? 0 : a->index > 4 ? 4 : a->index;

	switch (a->from) {
	case AF_TP_FIELD:
		if (a->kind == AK_DATALOC)
			fprintf(out, "((u64)ctx + (tpc_ctx__load(32, ctx, %u) & 0xffff))", a->offset);
		else if (a->kind == AK_INT)
			fprintf(out, "(u64)(%s%u)tpc_ctx__load(%u, ctx, %u)", a->is_signed ? "s" : "u",
				a->size * 8, a->size * 8, a->offset);
		else
			fprintf(out, "tpc_ctx__load(64, ctx, %u)", a->offset);
		return;
	case AF_CTX_U64:
		/* sched_process_exec(struct task_struct *, pid_t, struct linux_binprm *) */
		if (a->kind == AK_BPRM && v->at == AT_TP_BTF)
			fputs("tpc_ctx__arg(ctx, 2)", out);
		else
			fprintf(out, "tpc_ctx__arg(ctx, %d)", a->index);
		return;
	case AF_PT_REGS:
		if (is_syscall_tp(v)) {
			/* sys_enter_*: common header, __syscall_nr, then args */
			fprintf(out, "tpc_ctx__load(64, ctx, %d)", 16 + 8 * a->index);
		} else if (a->syscall_regs && (v->at == AT_FENTRY || v->at == AT_FEXIT)) {
			fprintf(out, "(u64)%s_CORE_SYSCALL((struct pt_regs *)tpc_ctx__arg(ctx, 0))", regs[i]);
		} else if (a->syscall_regs) {
			fprintf(out,
				"(u64)%s_CORE_SYSCALL((struct pt_regs *)tpc_regs__arg(ctx, 0))",
				regs[i]);
		} else if (v->at == AT_FENTRY || v->at == AT_FEXIT || v->at == AT_LSM) {
			fprintf(out, "tpc_ctx__arg(ctx, %d)", a->index);
		} else if (v->at == AT_USDT) {
			fprintf(out, "tpc_usdt__arg((struct pt_regs *)ctx, %d)", a->index);
		} else {
			fprintf(out, "tpc_regs__arg(ctx, %d)", i);
		}
		return;
	case AF_SOCK_ADDR:
		fputs("0", out);
		return;
	case AF_COMM:
		fputs("0", out);
		return;
	case AF_NET:
		fprintf(out, "(u64)tpc_%s__arg_int(nc, %d)", net_name(v->net), a->index);
		return;
	case AF_TASK:
		fputs("(u64)bpf_get_current_task()", out);
		return;
	case AF_RET:
		/* an LSM program's ctx[nargs]: the verdict so far (the hook's
		 * result when it does not deny: BPF runs last of the LSMs) */
		if (v->at == AT_FEXIT || v->at == AT_LSM)
			fprintf(out, "tpc_ctx__arg(ctx, %d)", v->lsm_nargs);
		else
			fputs("tpc_regs__rc(ctx)", out);
		return;
	}
}

static void emit_raw_switch(FILE *out, const struct ir_prog *p, const struct ir_arg *a)
{
	if (emit_testrun)
		fprintf(out, "(v == TPC_TESTV ? tpc_test__int(%d) : ", a->slot);
	if (p->variants.n == 1) {
		emit_raw(out, a, &p->variants.v[0]);
	} else {
		/* nested in parentheses: clang-format breaks a flat chain of
		 * three or more arms at its last one */
		for (size_t i = 0; i + 1 < p->variants.n; i++) {
			fprintf(out, "(v == %zu ? ", i);
			emit_raw(out, a, &p->variants.v[i]);
			fputs(" : ", out);
		}
		emit_raw(out, a, &p->variants.v[p->variants.n - 1]);
		for (size_t i = 0; i + 1 < p->variants.n; i++)
			fputs(")", out);
	}
	if (emit_testrun)
		fputs(")", out);
}

static const char *int_cast(const struct ir_arg *a)
{
	static const char *const s[] = { "s8", "s16", "s32", "s64" };
	static const char *const u[] = { "u8", "u16", "u32", "u64" };
	int k = a->size == 1 ? 0 : a->size == 2 ? 1 : a->size == 4 ? 2 : 3;

	return a->is_signed ? s[k] : u[k];
}

/* Which scratch buffer (s->abuf[k]) each slot's value lands in: every
 * argument but integers and kernel-object pointers has one, given in slot
 * order whether the body reads it or not. Returns how many. */
static int assign_bufs(struct body *B)
{
	int nbuf = 0;

	for (size_t i = 0; i < B->p->args.n; i++) {
		const struct ir_arg *a = &B->p->args.v[i];

		B->bufs[a->slot] =
			a->kind == AK_INT || a->kind == AK_CAPS || a->kind == AK_KOBJ ? -1 : nbuf++;
	}
	return nbuf;
}

/* A user string slot whose inline Prefix/Equal literals fit on its head
 * (tpc_str__read_head_user): the stack buffer h<slot> (zeroed, so the
 * verifier sees it written on every path), its lazy length H<slot>() and
 * Q<slot>(), the head as P<slot>() is the string. */
static void emit_head_state(struct body *B, FILE *out, const struct ir_arg *a)
{
	int sl = a->slot, k = B->bufs[sl];

	fprintf(out, "\tchar h%d[TPC_STR_HEAD] __attribute__((aligned(8))) = { 0 };\n", sl);
	fprintf(out, "#define H%d() TPC_LAZY_LEN(TPC_LZ_HEAD(%d), (", sl, k);
	if (B->testrun)
		fprintf(out, "v == TPC_TESTV ? tpc_test__head(h%d, %d) : ", sl, sl);
	fprintf(out, "tpc_str__read_head_user(h%d, (const void *)(", sl);
	emit_raw_switch(out, B->p, a);
	fputs("))))\n", out);
	fprintf(out, "#define Q%d() ((const char *)h%d)\n", sl, sl);
}

/* Which user string slots test their Prefix/Equal literals on the head
 * (B->head): every inline literal of the slot fits (a Prefix of n bytes
 * needs n + 1 head bytes with the NUL, an Equal n + 2, so that a cut
 * head is longer than the literal), and the slot has a buffer. */
static void head_scan(struct body *B, const struct ir_pred *p, bool *bad)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nkids; i++)
		head_scan(B, p->kids[i], bad);
	if (p->kind != P_LEAF || p->src != SRC_ARG || p->slot < 0 || p->slot >= 64 ||
	    B->p->args.v[p->slot].kind != AK_USTR || p->map >= 0)
		return;
	if (p->test != T_STR_EQ && p->test != T_STR_PREFIX)
		return;
	for (size_t i = 0; i < p->nstrs; i++)
		if (p->strs[i].len + (p->test == T_STR_EQ ? 2 : 1) > 64 /* TPC_STR_HEAD */)
			bad[p->slot] = true;
	if (!bad[p->slot])
		B->head[p->slot] = true;
}

static void head_slots(struct body *B)
{
	bool bad[64] = { false };

	memset(B->head, 0, sizeof(B->head));
	for (size_t si = 0; si < B->p->specs.n; si++)
		for (size_t r = 0; r < B->p->specs.v[si].rules.n; r++)
			head_scan(B, B->p->specs.v[si].rules.v[r].pred, bad);
	for (int sl = 0; sl < 64; sl++)
		B->head[sl] = B->head[sl] && !bad[sl];
}

/* One slot's lazy state and accessor macros (A/L/P/T/S/K<slot>). */
static void emit_arg_state(struct body *B, FILE *out, const struct ir_arg *a)
{
	const struct ir_prog *p = B->p;
	int sl = a->slot;

	{
		switch (a->kind) {
		case AK_INT:
		case AK_CAPS:
			fprintf(out, "#define A%d() TPC_LAZY(TPC_LZ_SLOT(%d), %s(u64)(%s)(", sl, sl,
				/* syscall64: bit 31 marks a 32-bit (compat) syscall */
				a->type == ARG_SYSCALL64 ? "tpc_kobj__syscall64(" : "", int_cast(a));
			emit_raw_switch(out, p, a);
			fputs(a->type == ARG_SYSCALL64 ? ")))\n" : "))\n", out);
			break;
		case AK_KOBJ:
			/* read at the event only (tpc_kobj__put): the pointer */
			fprintf(out, "#define K%d() ((u64)(", sl);
			emit_raw_switch(out, p, a);
			fputs("))\n", out);
			break;
		case AK_SKB: {
			int k = B->bufs[sl];

			/* the packet record in abuf[k]; its sa[2] serves the
			 * address and port tests as a sock's would */
			fprintf(out,
				"#define S%d() ((struct tpc_ev_sockaddr *)(s->lz.ok[TPC_LZ_SLOT(%d)] ? (void *)s->abuf[%d] : "
				"(s->lz.ok[TPC_LZ_SLOT(%d)] = 1, tpc_kobj__skb((void *)s->abuf[%d], (const struct sk_buff *)(",
				sl, sl, k, sl, k);
			emit_raw_switch(out, p, a);
			fprintf(out, ")), (void *)s->abuf[%d])))\n", k);
			break;
		}
		case AK_SOCKADDR:
		case AK_SOCK: {
			int k = B->bufs[sl];

			if (a->kind == AK_SOCK && a->from != AF_NET && B->o->needs_socktrack) {
				/* the struct sock pointer: socket tracking's key */
				fprintf(out, "#define K%d() ((u64)%s(", sl,
					a->type == ARG_SOCKET ? "BPF_CORE_READ((struct socket *)" : "");
				emit_raw_switch(out, p, a);
				fputs(a->type == ARG_SOCKET ? "), sk))\n" : "))\n", out);
			}
			if (a->from == AF_NET) {
				fprintf(out, "#define S%d() tpc_%s__arg_sa(nc, %d)\n", sl, net_name(p->net),
					a->index);
				break;
			}
			fprintf(out,
				"#define S%d() ((struct tpc_ev_sockaddr *)(s->lz.ok[TPC_LZ_SLOT(%d)] ? (void *)s->abuf[%d] : "
				"(s->lz.ok[TPC_LZ_SLOT(%d)] = 1, ({ ",
				sl, sl, k, sl);
			if (B->testrun)
				fprintf(out, "if (v == TPC_TESTV) tpc_test__sa((void *)s->abuf[%d], %d); ",
					k, sl);
			for (size_t vi = 0; vi < p->variants.n; vi++) {
				const struct ir_variant *v = &p->variants.v[vi];

				fprintf(out, "if (v == %zu) ", vi);
				if (v->at == AT_CGROUP_CONNECT4 || v->at == AT_CGROUP_CONNECT6) {
					fprintf(out, "tpc_sa__from_connect%c((void *)s->abuf[%d], ctx); ",
						v->at == AT_CGROUP_CONNECT4 ? '4' : '6', k);
				} else if (a->kind == AK_SOCK) {
					fprintf(out, "tpc_sa__from_sock((void *)s->abuf[%d], %s(", k,
						a->type == ARG_SOCKET ? "BPF_CORE_READ((struct socket *)" : "(struct sock *)");
					emit_raw(out, a, v);
					fputs(a->type == ARG_SOCKET ? "), sk)); " : ")); ", out);
				} else {
					fprintf(out, "tpc_sa__read((void *)s->abuf[%d], (const void *)(", k);
					emit_raw(out, a, v);
					/* a syscall's sockaddr is user memory, a hook's kernel memory */
					fprintf(out, "), %s); ",
						a->kind == AK_SOCKADDR && a->syscall_regs ? "true" : "false");
				}
			}
			fprintf(out, "}), (void *)s->abuf[%d])))\n", k);
			break;
		}
		default: {
			int k = B->bufs[sl];
			const char *rd;

			if (a->kind == AK_COMM) {
				fprintf(out, "#define L%d() TPC_LAZY_LEN(TPC_LZ_SLOT(%d), tpc_str__comm(s->abuf[%d]))\n",
					sl, sl, k);
				fprintf(out, "#define P%d() (&s->abuf[%d][0])\n", sl, k);
				fprintf(out, "#define T%d(n) (&s->abuf[%d][(L%d() - (n)) & TPC_STR_MASK])\n",
					sl, k, sl);
				break;
			}
			switch (a->kind) {
			case AK_USTR:
				rd = "tpc_str__read_user(s->abuf[%d], (const void *)(";
				if (B->head[sl])
					emit_head_state(B, out, a);
				break;
			case AK_KSTR:
			case AK_DATALOC:
				rd = "tpc_str__read_kernel(s->abuf[%d], (const void *)(";
				break;
			case AK_UBUF:
			case AK_KBUF:
				rd = "tpc_buf__read(s->abuf[%d], (const void *)(";
				break;
			case AK_ITER:
				rd = "tpc_iter__read(s->abuf[%d], (const void *)(";
				break;
			case AK_UIOV:
			case AK_KIOV:
				rd = "tpc_iov__gather(s->abuf[%d], (const void *)(";
				break;
			case AK_NETDEV:
				rd = "tpc_str__read_kernel(s->abuf[%d], tpc_kobj__netdev_name((const "
				     "struct net_device *)(";
				break;
			default:
				rd = NULL;
			}
			if (a->kind == AK_ITER || a->kind == AK_UIOV || a->kind == AK_KIOV) {
				/* the gather's state stays local: its "read yet" is then a
				 * constant the verifier follows, and it walks the gather's
				 * loops once, not again at every use (1M instructions for
				 * a writev with four uses otherwise) */
				fprintf(out, "\tint l%d = -2;\n\tu64 z%d = 0; /* bytes the segments hold */\n",
					sl, sl);
				fprintf(out, "#define L%d() (l%d != -2 ? l%d : (l%d = ", sl, sl, sl, sl);
			} else {
				fprintf(out, "#define L%d() TPC_LAZY_LEN(TPC_LZ_SLOT(%d), (", sl, sl);
			}
			if (B->head[sl])
				/* the head holds the whole string: no second read */
				fprintf(out, "s->lz.ok[TPC_LZ_HEAD(%d)] && H%d() < TPC_STR_HEAD - 1 ? "
					     "tpc_str__from_head(s->abuf[%d], h%d, H%d()) : ",
					k, sl, k, sl, sl);
			if (B->testrun && a->from != AF_NET)
				fprintf(out, "v == TPC_TESTV ? tpc_test__str(s->abuf[%d], %d) : ", k, sl);
			if (a->from == AF_NET) {
				/* the parser's copy: length, or -1 when absent */
				fprintf(out, "tpc_%s__arg_str(nc, %d, s->abuf[%d])))\n", net_name(p->net),
					a->index, k);
			} else if (rd && a->kind == AK_ITER) {
				fprintf(out, rd, k);
				emit_raw_switch(out, p, a);
				fprintf(out, "), &z%d)))\n", sl);
			} else if (rd && (a->kind == AK_UIOV || a->kind == AK_KIOV)) {
				bool u = a->kind == AK_UIOV;

				fprintf(out, rd, k);
				emit_raw_switch(out, p, a);
				fprintf(out, "), A%d(), %s, &z%d)))\n", a->size_slot,
					u ? "true" : "false", sl);
			} else if (rd && (a->kind == AK_UBUF || a->kind == AK_KBUF)) {
				fprintf(out, rd, k);
				emit_raw_switch(out, p, a);
				fprintf(out, "), A%d(), %s)))\n", a->size_slot,
					a->kind == AK_UBUF ? "true" : "false");
			} else if (rd) {
				fprintf(out, rd, k);
				emit_raw_switch(out, p, a);
				fputs(a->kind == AK_NETDEV ? ")))))\n" : "))))\n", out);
			} else {
				const char *fn = a->kind == AK_FILE     ? "tpc_path__of_file"
						 : a->kind == AK_PATH   ? "tpc_path__resolve"
						 : a->kind == AK_BPRM   ? "tpc_path__of_bprm"
						 : a->kind == AK_FD     ? "tpc_path__of_fd"
									: "tpc_path__of_dentry";
				const char *ty = a->kind == AK_FILE     ? "struct file *"
						 : a->kind == AK_PATH   ? "struct path *"
						 : a->kind == AK_BPRM   ? "struct linux_binprm *"
						 : a->kind == AK_FD     ? "long"
									: "struct dentry *";

				/* a failed resolution reads as length -1: no string test matches */
				fprintf(out, "({ u32 _len; s->lz.o[%d] = %s((%s)(", sl, fn, ty);
				emit_raw_switch(out, p, a);
				fprintf(out, "), s->abuf[%d], &_len); s->lz.o[%d] < 0 ? -1 : (int)_len; })))\n", k, sl);
			}
			if (rd || a->from == AF_NET) {
				/* the string starts the buffer */
				fprintf(out, "#define P%d() (&s->abuf[%d][0])\n", sl, k);
				fprintf(out, "#define T%d(n) (&s->abuf[%d][(L%d() - (n)) & TPC_STR_MASK])\n",
					sl, k, sl);
				break;
			}
			/* a path ends the buffer: its offset, set by L() (which
			 * every use of P() or T() follows) */
			fprintf(out, "#define P%d() (&s->abuf[%d][s->lz.o[%d] & TPC_STR_MASK])\n", sl, k, sl);
			fprintf(out, "#define T%d(n) (&s->abuf[%d][(s->lz.o[%d] + L%d() - (n)) & TPC_STR_MASK])\n",
				sl, k, sl, sl);
		}
		}
	}
}

/* The struct sock * of a sock/socket argument in each variant; 0 where
 * the variant has none (cgroup connect: only the addresses). */
static void emit_sock_ptr(FILE *out, const struct ir_prog *p, const struct ir_arg *a)
{
	fputs("(", out);
	for (size_t vi = 0; vi < p->variants.n; vi++) {
		const struct ir_variant *v = &p->variants.v[vi];

		if (vi + 1 < p->variants.n)
			fprintf(out, "v == %zu ? ", vi);
		if (v->at == AT_CGROUP_CONNECT4 || v->at == AT_CGROUP_CONNECT6) {
			fputs("(const struct sock *)0", out);
		} else {
			fputs(a->type == ARG_SOCKET ? "BPF_CORE_READ((struct socket *)(" : "(const struct sock *)(", out);
			emit_raw(out, a, v);
			fputs(a->type == ARG_SOCKET ? "), sk)" : ")", out);
		}
		if (vi + 1 < p->variants.n)
			fputs(" : ", out);
	}
	fputs(")", out);
}

/* The tpc_kobj__put reader of a kernel-object argument type. */
static const char *kobj_reader(enum arg_type t)
{
	switch (t) {
	case ARG_CRED: return "TPC_OBJ_CRED";
	case ARG_USER_NAMESPACE: return "TPC_OBJ_USERNS";
	case ARG_BPF_ATTR: return "TPC_OBJ_BPF_ATTR";
	case ARG_BPF_PROG: return "TPC_OBJ_BPF_PROG";
	case ARG_BPF_MAP: return "TPC_OBJ_BPF_MAP";
	case ARG_PERF_EVENT: return "TPC_OBJ_PERF_EVENT";
	case ARG_MODULE: return "TPC_OBJ_MODULE";
	case ARG_LOAD_INFO: return "TPC_KOBJ_LOAD_INFO";
	default: return "0";
	}
}

static void emit_deny_cond(FILE *out, const struct ir_prog *p)
{
	bool any = false;

	fputs("(", out);
	for (size_t i = 0; i < p->variants.n; i++) {
		if (!p->variants.v[i].deny_capable)
			continue;
		fprintf(out, "%sv == %zu", any ? " || " : "", i);
		any = true;
	}
	/* the test entry stands for the variant that denies, when one does */
	if (any && emit_testrun)
		fputs(" || v == TPC_TESTV", out);
	fputs(any ? ")" : "0)", out);
}

/* Socket tracking: a hook with a sock argument reports the tracked owner
 * of its first sock argument (not the returned one, which the hook itself
 * may be tracking) instead of the current task. */
static void emit_sock_owner(struct body *B, const struct ir_spec *sp)
{
	if (!B->o->needs_socktrack)
		return;
	for (size_t i = 0; i < sp->event_args.n; i++) {
		const struct ir_arg *a = &B->p->args.v[sp->event_args.v[i]];

		if (a->kind == AK_SOCK && a->from != AF_NET && !a->is_return) {
			fprintf(B->out, "\t\ttpc_socktrack__owner(h, K%d());\n", a->slot);
			return;
		}
	}
}

static void emit_sock_ops(FILE *out, const struct ir_action *act)
{
	for (size_t i = 0; i < act->nsockops; i++)
		fprintf(out, "\t\ttpc_socktrack__%s(K%d());\n",
			act->sockops[i].untrack ? "untrack" : "track", act->sockops[i].slot);
}

static void emit_event(struct body *B, const struct ir_spec *sp, const struct ir_rule *r)
{
	FILE *out = B->out;

	if (B->p->net) {
		/* the owner's header, then tpc_ev_net and the protocol body */
		fprintf(out, "\t\th = (void *)s->ev;\n\t\ttpc_net__hdr_fill(h, %d, nc);\n", r->id);
		fprintf(out, "\t\to = tpc_%s__put(s, sizeof(*h), nc);\n", net_name(B->p->net));
	} else {
		fprintf(out, "\t\th = (void *)s->ev;\n\t\ttpc_hdr__fill(h, TPC_EV_HOOK, %d);\n", r->id);
		fputs("\t\to = sizeof(*h);\n", out);
		emit_sock_owner(B, sp);
	}
	for (size_t i = 0; i < sp->event_args.n; i++) {
		int sl = sp->event_args.v[i];
		const struct ir_arg *a = &B->p->args.v[sl];

		switch (a->kind) {
		case AK_INT:
		case AK_CAPS:
			if (a->is_return && r->act.deny && !B->p->net) {
				/* return: true on an Override compiled as an LSM program:
				 * the value returned is the deny's */
				fputs("\t\to = tpc_ev__put_int(s, o, ", out);
				emit_deny_cond(out, B->p);
				fprintf(out, " ? (u64)-%d : A%d());\n", r->act.deny, sl);
				break;
			}
			fprintf(out, "\t\to = tpc_ev__put_int(s, o, A%d());\n", sl);
			break;
		case AK_SOCK:
			if (a->from != AF_NET) {
				/* sock_arg: the addresses and the sock's own fields */
				fputs("\t\to = tpc_kobj__put(s, o, TPC_OBJ_SOCK, (u64)", out);
				emit_sock_ptr(out, B->p, a);
				fprintf(out, ", S%d());\n", sl);
				break;
			}
			/* tpcNetwork's socket is its sockaddr */
			/* fallthrough */
		case AK_SOCKADDR:
			fprintf(out, "\t\to = tpc_ev__put_sa(s, o, S%d());\n", sl);
			break;
		case AK_KOBJ:
			fprintf(out, "\t\to = tpc_kobj__put(s, o, %s, K%d(), 0);\n", kobj_reader(a->type),
				sl);
			break;
		case AK_SKB:
			fprintf(out, "\t\to = tpc_kobj__put(s, o, TPC_OBJ_SKB, 1, S%d());\n", sl);
			break;
		case AK_FILE:
		case AK_PATH:
		case AK_BPRM:
		case AK_FD:
		case AK_DENTRY:
			/* the path and its inode's mode (file_arg.permission) */
			fprintf(out, "\t\t(void)L%d();\n\t\to = tpc_ev__put_path(s, o, P%d(), L%d(), ",
				sl, sl, sl);
			emit_imode(out, B->p, a);
			fputs(");\n", out);
			break;
		case AK_UBUF:
		case AK_KBUF:
			/* the copy and the length asked for (truncation); L() read
			 * the length, so a/l hold both */
			fprintf(out,
				"\t\t(void)L%d();\n\t\to = tpc_ev__put_buf(s, o, P%d(), L%d(), A%d());\n",
				sl, sl, sl, a->size_slot);
			break;
		case AK_ITER:
		case AK_UIOV:
		case AK_KIOV:
			fprintf(out,
				"\t\t(void)L%d();\n\t\to = tpc_ev__put_buf(s, o, P%d(), l%d, z%d);\n",
				sl, sl, sl, sl);
			break;
		default:
			/* L() first: it sets the offset P() depends on */
			fprintf(out, "\t\t(void)L%d();\n\t\to = tpc_ev__put_str(s, o, P%d(), L%d());\n",
				sl, sl, sl);
		}
	}
}


/* "rule N" comment and the opening `if (<pred>) {` */
static void emit_rule_head(struct body *B, const struct ir_rule *r)
{
	FILE *out = B->out;

	fprintf(out, "\t/* rule %d: ", r->id);
	if (r->selector >= 0)
		fprintf(out, "selector %d, ", r->selector);
	span_comment(out, B->m, r->span);
	fputs(" */\n\tif (", out);
	/* "\tif ((": the outer group's terms start at column 13 */
	strcpy(B->brk, "\n\t     ");
	emit_pred(B, r->pred);
	B->brk[0] = '\0';
	fputs(") {\n", out);
}

/* The stack traces a Post asked for, after the arguments (the record's
 * trailer: runtime/tpc.bpf.h tpc_ev__put_stacks) */
static void emit_stacks(FILE *out, const struct ir_action *act, const char *ind)
{
	if (act->kstack || act->ustack)
		fprintf(out, "%so = tpc_ev__put_stacks(ctx, s, o, %d, %d);\n", ind, act->kstack,
			act->ustack);
}

/* Post (rate-limited per thread/process of the event's subject). */
static void emit_post(struct body *B, const struct ir_action *act, int rule, const char *ind)
{
	FILE *out = B->out;

	if (act->post && act->rate_limit_ms) {
		char in2[16];

		snprintf(in2, sizeof(in2), "%s\t", ind);
		fprintf(out, "%sif (tpc_rate__allow_for(%d, %d, %s, %" PRIu64 "ull)) {\n", ind, rule,
			act->rate_scope,
			B->p->net ? "(u64)nc->own.tgid << 32 | nc->own.tid" : "bpf_get_current_pid_tgid()",
			(uint64_t)(act->rate_limit_ms * 1000000ull));
		fprintf(out, "%s\th->action |= TPC_ACT_POST;\n", ind);
		emit_stacks(out, act, in2);
		fprintf(out, "%s\ttpc_event__submit(s, o);\n%s}\n", ind, ind);
	} else if (act->post) {
		fprintf(out, "%sh->action |= TPC_ACT_POST;\n", ind);
		emit_stacks(out, act, ind);
		fprintf(out, "%stpc_event__submit(s, o);\n", ind);
	} else if (act->url || act->fqdn)
		/* NoPost with GetUrl/DnsLookup: the loader acts on the record and
		 * does not print it */
		fprintf(out, "%sh->action |= TPC_ACT_NOPOST;\n%stpc_event__submit(s, o);\n", ind,
			ind);
}

static void emit_rule(struct body *B, const struct ir_spec *sp, const struct ir_rule *r,
		      long si)
{
	FILE *out = B->out;
	const struct ir_action *act = &r->act;
	/* the exec shorthand: one of the two; Override with Sigkill does both */
	bool block = act->block;

	emit_rule_head(B, r);
	if (act->ima)
		/* before the event: the hash may sleep (runtime/tpc_ima.bpf.h) */
		fprintf(out,
			"\t\tstruct tpc_ev_ima ima;\n\n"
			"\t\ttpc_ima__hash(&ima, %s);\n\t\ttpc_lazy__reset(s);\n",
			act->ima == IMA_BPRM
				? "((struct linux_binprm *)tpc_ctx__arg(ctx, 0))->file"
				: "(struct file *)tpc_ctx__arg(ctx, 0)");
	emit_event(B, sp, r);
	if (act->ima)
		fputs("\t\to = tpc_ev__put_ima(s, o, &ima);\n", out);
	if (act->set)
		fprintf(out, "\t\ttpc_usdt__set((struct pt_regs *)ctx, %d, %lldll, h);\n",
			act->set_index, (long long)act->set_value);
	if (block) {
		fputs("\t\tif ", out);
		emit_deny_cond(out, B->p);
		fprintf(out, " {\n\t\t\th->action |= TPC_ACT_OVERRIDE;\n\t\t\th->ret = -%d;\n"
			     "\t\t\tret = -%d;\n\t\t} else {\n\t\t\ttpc_act__signal(h, 9);\n\t\t}\n",
			act->deny, act->deny);
	} else {
		if (act->deny) {
			fputs("\t\tif ", out);
			emit_deny_cond(out, B->p);
			fprintf(out, " {\n\t\t\th->action |= TPC_ACT_OVERRIDE;\n\t\t\th->ret = -%d;\n"
				     "\t\t\tret = -%d;\n\t\t}\n",
				act->deny, act->deny);
		}
		if (act->kill)
			fputs("\t\ttpc_act__signal(h, 9);\n", out);
		if (act->signal)
			fprintf(out, "\t\ttpc_act__signal(h, %d);\n", act->signal);
	}
	if (act->enf_hooks)
		fprintf(out,
			"\t\ttpc_enforce__notify(0x%" PRIx64 "ull, %d);\n"
			"\t\th->action |= TPC_ACT_OVERRIDE;\n\t\th->ret = -%d;\n",
			act->enf_hooks, act->enf_errno, act->enf_errno);
	if (act->cap_update || act->ns_update)
		fprintf(out, "\t\tchg_upd |= %d;\n", (act->cap_update ? 1 : 0) | (act->ns_update ? 2 : 0));
	emit_sock_ops(out, act);
	emit_post(B, act, r->id, "\t\t");
	if (B->testrun)
		fprintf(out, "\t\ttpc_test__decide(%d, h);\n", r->id);
	if (si >= 0)
		fprintf(out, "\t\tgoto spec%ld_done;\n", si);
	fputs("\t}\n", out);
}

/* emit_event one block deeper (inside a network rule's phase test) */
static void emit_event_nested(struct body *B, const struct ir_spec *sp, const struct ir_rule *r)
{
	FILE *out = B->out, *f;
	char *t = NULL;
	size_t n = 0;

	f = open_memstream(&t, &n);
	if (!f) {
		tpl_check(B, -ENOMEM);
		return;
	}
	B->out = f;
	emit_event(B, sp, r);
	B->out = out;
	if (fclose(f)) {
		tpl_check(B, -ENOMEM);
		free(t);
		return;
	}
	for (const char *l = t; *l;) {
		size_t len = strcspn(l, "\n");

		fprintf(out, "%s%.*s\n", len ? "\t" : "", (int)len, l);
		l += len + (l[len] == '\n');
	}
	free(t);
}

/* A network rule acts in one phase (runtime/tpc_net.bpf.h): Block and
 * Sigkill before the operation (PRE: Block in the cgroup connect hooks,
 * Sigkill in the tracing hook, where bpf_send_signal is allowed), Post
 * when it happened (EVENT). A Block/Sigkill rule that matches another
 * event than the one its PRE phase handled (tpc_<proto>__pre_event: tcp's
 * connect) only posts. The first matching rule ends the spec
 * in every phase, so each phase sees Tetragon's first-match order. */
static void emit_net_rule(struct body *B, const struct ir_spec *sp, const struct ir_rule *r,
			  long si)
{
	FILE *out = B->out;
	const struct ir_action *act = &r->act;
	struct ir_action obs = *act;
	bool pre = act->deny || act->kill;

	obs.deny = 0;
	obs.kill = false;
	emit_rule_head(B, r);
	if (pre) {
		fputs("\t\tif ((nc->phase & TPC_NET_PH_PRE) && ", out);
		if (act->deny) {
			emit_deny_cond(out, B->p);
			fputs(") {\n", out);
			emit_event_nested(B, sp, r);
			fprintf(out, "\t\t\th->action |= TPC_ACT_OVERRIDE;\n\t\t\th->ret = -%d;\n"
				     "\t\t\tret = -%d;\n",
				act->deny, act->deny);
		} else if (B->p->net == NET_DNS || B->p->net == NET_HTTP) {
			/* cgroup_skb cannot signal: the loader kills the owner */
			fputs("1) {\n", out);
			emit_event_nested(B, sp, r);
			fputs("\t\t\ttpc_l7__kill(h);\n", out);
		} else {
			fputs("!", out);
			emit_deny_cond(out, B->p);
			fputs(") {\n", out);
			emit_event_nested(B, sp, r);
			fputs("\t\t\ttpc_act__signal(h, 9);\n", out);
		}
		emit_post(B, act, r->id, "\t\t\t");
		fprintf(out,
			"\t\t} else if ((nc->phase & TPC_NET_PH_EVENT) && !tpc_%s__pre_event(nc)) {\n",
			net_name(B->p->net));
	} else {
		fputs("\t\tif (nc->phase & TPC_NET_PH_EVENT) {\n", out);
	}
	emit_event_nested(B, sp, r);
	emit_post(B, &obs, r->id, "\t\t\t");
	fputs("\t\t}\n", out);
	if (si >= 0)
		fprintf(out, "\t\tgoto spec%ld_done;\n", si);
	fputs("\t}\n", out);
}

/* A network variant's entry: the runtime macro for (protocol, attach)
 * fills a tpc_net_ctx and calls the body. */
static int emit_net_entry(FILE *out, const struct ir_prog *p, const struct ir_variant *v, size_t i,
			  const char *sec)
{
	const char *ctype, *mac;
	char up[16];
	size_t k;

	switch (v->at) {
	case AT_TP_BTF:
		ctype = "u64";
		mac = "TP_BTF";
		break;
	case AT_CGROUP_CONNECT4:
	case AT_CGROUP_CONNECT6:
	case AT_CGROUP_SENDMSG4:
	case AT_CGROUP_SENDMSG6:
		ctype = "struct bpf_sock_addr";
		mac = v->at == AT_CGROUP_CONNECT4   ? "CONNECT4"
		      : v->at == AT_CGROUP_CONNECT6 ? "CONNECT6"
		      : v->at == AT_CGROUP_SENDMSG4 ? "SENDMSG4"
						    : "SENDMSG6";
		break;
	case AT_CGROUP_SKB_INGRESS:
	case AT_CGROUP_SKB_EGRESS:
		ctype = "struct __sk_buff";
		mac = v->at == AT_CGROUP_SKB_INGRESS ? "SKB_INGRESS" : "SKB_EGRESS";
		break;
	default:
		ctype = "void";
		mac = "UNKNOWN";
	}
	for (k = 0; net_name(p->net)[k] && k + 1 < sizeof(up); k++)
		up[k] = (char)(net_name(p->net)[k] - 'a' + 'A');
	up[k] = 0;
	return tpl_entry_net__emit(out, &(struct tpl_entry_net){
		.SEC = tpl_str(sec),
		.NAME = tpl_ident(v->name),
		.CTYPE = tpl_type(ctype),
		.PROTO = tpl_ident(up),
		.ATTACH = tpl_ident(mac),
		.PROG = tpl_num(p->id),
		.V = tpl_num((long long)i),
	});
}

/* dns/http: the server ports a policy's hook parses (default 53 / 80) as
 * a C condition on `port`. */
static void emit_net_ports(FILE *out, const struct ast_hook *h)
{
	if (!h->ports.n) {
		fprintf(out, "port == %d", h->proto == NET_DNS ? 53 : 80);
		return;
	}
	for (size_t i = 0; i < h->ports.n; i++)
		fprintf(out, "%sport == %lld", i ? " || " : "", (long long)h->ports.v[i].v);
}

/* tpc_pN_port(): the union of the prog's policies' ports, which the
 * runtime's entries test before parsing a packet at all. */
static void emit_net_port_fn(FILE *out, const struct ir_prog *p)
{
	fprintf(out, "TPC_INLINE bool tpc_p%d_port(u16 port)\n{\n\treturn ", p->id);
	for (size_t si = 0; si < p->specs.n; si++) {
		fputs(si ? " ||\n\t       (" : "(", out);
		emit_net_ports(out, p->specs.v[si].hook);
		fputs(")", out);
	}
	fputs(";\n}\n\n", out);
}

static bool prog_uses_src(const struct ir_prog *p, enum ir_src src)
{
	for (size_t s = 0; s < p->specs.n; s++)
		for (size_t r = 0; r < p->specs.v[s].rules.n; r++)
			if (ir_pred__uses_src(p->specs.v[s].rules.v[r].pred, src))
				return true;
	return false;
}

/* The name of step i of a resolve path (BTF's spelling: the policy's
 * bytes matched a BTF member exactly, so it is a C identifier). */
static void step_name(FILE *out, const struct ir_resolve *r, int i)
{
	fprintf(out, "%.*s", (int)r->steps.steps[i].len, r->path + r->steps.steps[i].off);
}

/* The declaration of the last member of a group: a pointer to the next
 * group's flavor, or the leaf as the kernel types it (sizes only matter
 * locally: libbpf relocates offsets by name). */
static void emit_rsv_member(FILE *out, const struct ir_arg *a, int i, int next_group, int ind)
{
	const struct ir_resolve *r = a->rsv;
	const struct btf_path_step *st = &r->steps.steps[i];

	fprintf(out, "%.*s", ind, "\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t");
	if (next_group >= 0) {
		fprintf(out, "struct %s___tpc_r%d_%d %.*s", r->steps.steps[i + 1].owner, a->rsv_id,
			next_group, r->steps.steps[i + 1].nderef, "***");
	} else {
		switch (st->kind) {
		case BTF_STEP_INT:
			fprintf(out, "%s%d ", st->is_signed ? "__s" : "__u",
				st->size == 1 || st->size == 2 || st->size == 4 ? st->size * 8 : 64);
			break;
		case BTF_STEP_ARRAY:
			fputs("char ", out);
			step_name(out, r, i);
			fprintf(out, "[%d];\n", st->nelems * (st->elem_size ? st->elem_size : 1));
			return;
		case BTF_STEP_COMPOSITE:
			fprintf(out, "struct {\n%.*schar _tpc;\n%.*s} ", ind + 1,
				"\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t", ind,
				"\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t");
			break;
		default:
			fputs("void *", out);
		}
	}
	step_name(out, r, i);
	fputs(";\n", out);
}

/* The CO-RE reader of a resolved slot: one local flavor struct per pointer
 * hop (<kernel struct>___tpc_rN_G: libbpf ignores the suffix and matches
 * the kernel's struct by name), holding only the members on the path;
 * then one bpf_probe_read_kernel per hop. A NULL pointer on the way reads
 * as 0 (a string then fails to read and matches nothing). */
static void emit_resolver(FILE *out, const struct ir_arg *a)
{
	const struct ir_resolve *r = a->rsv;
	const struct btf_path *bp = &r->steps;
	int ngroups = 0, g, first[BTF_PATH_MAX];
	const struct btf_path_step *leaf = &bp->steps[bp->n - 1];
	bool addr = leaf->kind == BTF_STEP_ARRAY || leaf->kind == BTF_STEP_COMPOSITE;
	static const char tabs[] = "\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t";

	for (int i = 0; i < bp->n; i++)
		if (i == 0 || bp->steps[i].deref)
			first[ngroups++] = i;
	fputs("/* resolve: ", out);
	tpl__comment(out, r->path);
	fputs(" */\n#pragma clang attribute push(__attribute__((preserve_access_index)), "
	      "apply_to = record)\n", out);
	for (g = ngroups - 1; g >= 0; g--) {
		int lo = first[g], hi = g + 1 < ngroups ? first[g + 1] - 1 : bp->n - 1;

		fprintf(out, "struct %s___tpc_r%d_%d {\n", bp->steps[lo].owner, a->rsv_id, g);
		for (int i = lo; i < hi; i++)
			fprintf(out, "%.*sstruct {\n", i - lo + 1, tabs);
		emit_rsv_member(out, a, hi, g + 1 < ngroups ? g + 1 : -1, hi - lo + 1);
		for (int i = hi - 1; i >= lo; i--) {
			fprintf(out, "%.*s} ", i - lo + 1, tabs);
			step_name(out, r, i);
			fputs(";\n", out);
		}
		fputs("};\n", out);
	}
	fputs("#pragma clang attribute pop\n", out);
	fprintf(out, "static __always_inline u64 tpc_r%d(u64 p)\n{\n", a->rsv_id);
	fprintf(out, "\tstruct %s___tpc_r%d_0 *r0 = (void *)p;\n", bp->steps[0].owner, a->rsv_id);
	for (g = 1; g < ngroups; g++)
		fprintf(out, "\tstruct %s___tpc_r%d_%d *r%d = 0;\n", bp->steps[first[g]].owner,
			a->rsv_id, g, g);
	if (!addr) {
		fprintf(out, "\t__typeof__(r%d->", ngroups - 1);
		for (int i = first[ngroups - 1]; i < bp->n; i++) {
			if (i > first[ngroups - 1])
				fputs(".", out);
			step_name(out, r, i);
		}
		fputs(") v = 0;\n", out);
	}
	fputs("\n", out);
	for (g = 0; g < ngroups; g++) {
		int lo = first[g], hi = g + 1 < ngroups ? first[g + 1] - 1 : bp->n - 1;
		bool last = g + 1 == ngroups;

		/* a pointer to a pointer (struct cred **): rG holds the
		 * address of the pointer until one more read replaces it with
		 * the pointer itself (no relocation: it is read at offset 0) */
		for (int k = 1; k < bp->steps[lo].nderef; k++)
			fprintf(out,
				"\tif (!r%d)\n\t\treturn 0;\n"
				"\tbpf_probe_read_kernel(&r%d, sizeof(r%d), (void *)r%d);\n",
				g, g, g, g);
		fprintf(out, "\tif (!r%d)\n\t\treturn 0;\n", g);
		if (last && addr)
			fprintf(out, "\treturn (u64)&r%d->", g);
		else if (last)
			fprintf(out, "\tbpf_probe_read_kernel(&v, sizeof(v), &r%d->", g);
		else
			fprintf(out, "\tbpf_probe_read_kernel(&r%d, sizeof(r%d), &r%d->", g + 1, g + 1, g);
		for (int i = lo; i <= hi; i++) {
			if (i > lo)
				fputs(".", out);
			step_name(out, r, i);
		}
		fputs(last && addr ? ";\n" : ");\n", out);
	}
	if (!addr)
		fputs("\treturn (u64)v;\n", out);
	fputs("}\n\n", out);
}

/* One SEC() entry of a prog: the template of its attach kind
 * (templates/entry-*.tpl) calling the body with the variant's index. */
static int emit_entry(struct body *B, const struct ir_variant *v, size_t i)
{
	const struct ir_prog *p = B->p;
	char *sec;
	int err;

	/* libbpf reads "usdt/..." only to auto-attach; tpc-loader attaches
	 * with the target from the metadata */
	if (!v->target[0] || v->at == AT_USDT)
		sec = strdup(ir_attach__sec(v->at));
	else if (asprintf(&sec, "%s%s/%s", ir_attach__sec(v->at),
			  /* imaHash: bpf_ima_file_hash() only in sleepable programs */
			  p->sleepable && v->at == AT_LSM ? ".s" : "", v->target) < 0)
		sec = NULL;
	if (!sec)
		return -ENOMEM;
	if (p->net) {
		err = emit_net_entry(B->out, p, v, i, sec);
	} else {
		struct tpl_entry_lsm a = {
			.SEC = tpl_str(sec),
			.NAME = tpl_ident(v->name),
			.PROG = tpl_num(p->id),
			.V = tpl_num((long long)i),
			.NARGS = tpl_num(v->lsm_nargs),
		};

		/* the entries other than lsm take the same four values */
#define ENTRY(kind)                                                                \
	tpl_entry_##kind##__emit(B->out, &(struct tpl_entry_##kind){                   \
		.SEC = a.SEC, .NAME = a.NAME, .PROG = a.PROG, .V = a.V })
		switch (v->at) {
		case AT_LSM:
			err = tpl_entry_lsm__emit(B->out, &a);
			break;
		case AT_CGROUP_CONNECT4:
		case AT_CGROUP_CONNECT6:
			err = ENTRY(cgroup);
			break;
		case AT_KPROBE:
		case AT_KRETPROBE:
			err = ENTRY(kprobe);
			break;
		case AT_UPROBE:
		case AT_URETPROBE:
		case AT_USDT:
			err = ENTRY(uprobe);
			break;
		case AT_TRACEPOINT:
			err = ENTRY(tracepoint);
			break;
		case AT_FENTRY:
		case AT_FEXIT:
			err = ENTRY(fentry);
			break;
		default: /* raw_tp, tp_btf */
			err = ENTRY(raw_tp);
		}
#undef ENTRY
	}
	free(sec);
	return err;
}

/* Does C text name identifier `id` outside comments and literals? The
 * body is written before its declarations, so these decide what the
 * prologue declares. */
static bool text_uses(const char *t, const char *id)
{
	size_t n = strlen(id);

	while (*t) {
		if (t[0] == '/' && t[1] == '*') {
			const char *e = strstr(t + 2, "*/");

			t = e ? e + 2 : t + strlen(t);
		} else if (*t == '"' || *t == '\'') {
			char q = *t++;

			while (*t && *t != q)
				t += t[0] == '\\' && t[1] ? 2 : 1;
			t += *t != 0;
		} else if ((*t >= 'a' && *t <= 'z') || (*t >= 'A' && *t <= 'Z') || *t == '_' ||
			   (*t >= '0' && *t <= '9')) {
			const char *w = t;

			while ((*t >= 'a' && *t <= 'z') || (*t >= 'A' && *t <= 'Z') || *t == '_' ||
			       (*t >= '0' && *t <= '9'))
				t++;
			if ((size_t)(t - w) == n && !memcmp(w, id, n))
				return true;
		} else {
			t++;
		}
	}
	return false;
}

/* Does the text read slot `sl` (its macros or its state)? */
static bool text_uses_slot(const char *t, int sl)
{
	static const char *const forms[] = { "A%d", "L%d", "P%d", "T%d", "S%d", "K%d", "a%d",
					     "a%d_ok", "l%d", "o%d", "s%d_ok", "z%d", "H%d", "Q%d" };
	char id[32];

	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		snprintf(id, sizeof(id), forms[i], sl);
		if (text_uses(t, id))
			return true;
	}
	return false;
}

/* The lazy state a body reads, as one C text: the binary bits, then each
 * argument the body (or an argument it reads) uses. NULL: no memory. */
static char *emit_prog_state(struct body *B, const char *btext)
{
	const struct ir_prog *p = B->p;
	bool used[64] = { false }, more = true;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	if (!out)
		return NULL;
	if (assign_bufs(B) > 4)
		fputs("#error \"more than 4 string/path/socket arguments in one program\"\n", out);
	if (p->args.n > 61) /* TPC_LZ_SLOT(sl) < TPC_LZ_MAX (runtime/tpc_core.bpf.h) */
		fputs("#error \"more than 61 arguments in one program\"\n", out);
	if (text_uses(btext, "TPC_BITS")) {
		if (p->net)
			fputs("#define TPC_BITS() TPC_LAZY(TPC_LZ_BITS, nc->own.bits)\n",
			      out);
		else if (p->kind == HOOK_EXEC)
			fputs("#define TPC_BITS() TPC_LAZY(TPC_LZ_BITS, v == 0 ? "
			      "tpc_proc__bits_of_file(s, BPF_CORE_READ((struct linux_binprm *)((u64 *)ctx)[0], "
			      "file)) : tpc_proc__bits(s))\n",
			      out);
		else
			fputs("#define TPC_BITS() TPC_LAZY(TPC_LZ_BITS, tpc_proc__bits(s))\n",
			      out);
	}
	if (text_uses(btext, "TPC_PBITS"))
		fprintf(out, "#define TPC_PBITS() TPC_LAZY(TPC_LZ_PBITS, %s)\n",
			p->net ? "nc->own.pbits" : "tpc_proc__parent_bits(s)");
	if (prog_uses_src(p, SRC_FOLLOW) && text_uses(btext, "TPC_FBITS"))
		fputs("#define TPC_FBITS() TPC_LAZY(TPC_LZ_FBITS, tpc_follow__bits())\n",
		      out);
	for (size_t i = 0; i < p->args.n; i++)
		used[p->args.v[i].slot & 63] = text_uses_slot(btext, p->args.v[i].slot);
	/* an argument's read may use another's (a buffer's size) */
	while (more) {
		more = false;
		for (size_t i = 0; i < p->args.n; i++) {
			char *def = NULL;
			size_t dlen = 0;
			FILE *f;

			if (!used[p->args.v[i].slot & 63])
				continue;
			f = open_memstream(&def, &dlen);
			if (!f)
				break;
			emit_arg_state(B, f, &p->args.v[i]);
			fclose(f);
			for (size_t k = 0; def && k < p->args.n; k++)
				if (!used[p->args.v[k].slot & 63] && text_uses_slot(def, p->args.v[k].slot))
					used[p->args.v[k].slot & 63] = more = true;
			free(def);
		}
	}
	for (size_t i = 0; i < p->args.n; i++)
		if (used[p->args.v[i].slot & 63])
			emit_arg_state(B, out, &p->args.v[i]);
	if (fclose(out)) {
		free(text);
		return NULL;
	}
	return text;
}

/* #undef every macro the state text defined: the next prog defines its own. */
static void emit_undefs(FILE *out, const char *state)
{
	for (const char *l = state; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l)) {
		size_t n;

		if (strncmp(l, "#define ", 8))
			continue;
		n = strcspn(l + 8, "( \n");
		fprintf(out, "#undef %.*s\n", (int)n, l + 8);
	}
}

/* One policy's rules in a prog: the first matching rule ends the spec
 * (a goto past the others; none after the last). */
static void emit_spec(struct body *B, const struct ir_spec *sp, size_t si)
{
	const struct ir_prog *p = B->p;
	FILE *out = B->out;
	char *text = NULL, label[32];
	size_t len = 0;

	B->out = open_memstream(&text, &len);
	if (!B->out) {
		B->out = out;
		tpl_check(B, -ENOMEM);
		return;
	}
	fprintf(B->out, "\n\t/* policy '");
	tpl__comment(B->out, B->o->policies.v[sp->policy].name);
	fputs("', ", B->out);
	span_comment(B->out, B->m, sp->span);
	fputs(" */\n", B->out);
	if (sp->scope) {
		fputs("\tif (!", B->out);
		emit_pred(B, sp->scope);
		fprintf(B->out, ")\n\t\tgoto spec%zu_done;\n", si);
	}
	if (p->net == NET_DNS || p->net == NET_HTTP) {
		/* this policy's ports only (the prog parses the union) */
		fputs("\t{\n\t\tu16 port = nc->sa[0].port;\n\n\t\tif (!(", B->out);
		emit_net_ports(B->out, sp->hook);
		fprintf(B->out, "))\n\t\t\tgoto spec%zu_done;\n\t}\n", si);
	}
	for (size_t r = 0; r < sp->rules.n; r++) {
		bool last = r + 1 == sp->rules.n;

		if (p->net)
			emit_net_rule(B, sp, &sp->rules.v[r], last ? -1 : (long)si);
		else
			emit_rule(B, sp, &sp->rules.v[r], last ? -1 : (long)si);
	}
	if (fclose(B->out)) {
		B->out = out;
		tpl_check(B, -ENOMEM);
		free(text);
		return;
	}
	B->out = out;
	fputs(text, out);
	snprintf(label, sizeof(label), "spec%zu_done", si);
	if (text_uses(text, label))
		fprintf(out, "%s:;\n", label);
	free(text);
}

/* ---- the run guard of a fused prog ------------------------------------
 * Many policies fused on one hook run one rule after the other, and on a
 * miss every rule repeats the same first tests (its binary bit, the first
 * words of its Prefix) before it fails. The guard is one test in front of
 * all of them: a condition that every rule's predicate implies (the OR of
 * one conjunct per rule, weakened to one mask of binary bits and, per
 * word of a string slot, the few values any literal has there). When it
 * is false no rule can match and the prog returns at once; when it is
 * true every rule runs exactly as before, so the result never changes.
 * Only leaves without side effects are used (their reads are the lazy,
 * cached ones the rules make anyway). */
#define GUARD_WORD_VALUES 4 /* at most this many distinct values per tested word */
#define GUARD_PAIRS 8	    /* and this many word compares in all */

/* The first top-level conjunct of pred (the pred itself, or a kid of its
 * AND) that ok() accepts. */
static const struct ir_pred *guard_conjunct(const struct ir_pred *pred,
					    bool (*ok)(const struct body *, const struct ir_pred *, int),
					    const struct body *B, int slot)
{
	if (!pred)
		return NULL;
	if (pred->kind == P_LEAF)
		return ok(B, pred, slot) ? pred : NULL;
	if (pred->kind != P_AND)
		return NULL;
	for (size_t i = 0; i < pred->nkids; i++)
		if (pred->kids[i]->kind == P_LEAF && ok(B, pred->kids[i], slot))
			return pred->kids[i];
	return NULL;
}

static bool guard_bit_ok(const struct body *B, const struct ir_pred *p, int slot)
{
	(void)B;
	(void)slot;
	return p->src == SRC_BINARY && p->test == T_BIT;
}

/* An inline Prefix/Equal on a string slot (slot < 0: any), as
 * emit_str_leaf prints it. */
static bool guard_str_ok(const struct body *B, const struct ir_pred *p, int slot)
{
	enum ir_argkind k;

	if (p->src != SRC_ARG || p->negate || p->map >= 0 || !p->nstrs ||
	    (p->test != T_STR_EQ && p->test != T_STR_PREFIX) || (slot >= 0 && p->slot != slot) ||
	    p->slot < 0 || (size_t)p->slot >= B->p->args.n)
		return false;
	k = B->p->args.v[p->slot].kind;
	return k != AK_INT && k != AK_CAPS && k != AK_SOCKADDR && k != AK_SOCK && k != AK_SKB;
}

struct guard_word {
	uint32_t word;
	size_t n;
	uint64_t m[GUARD_WORD_VALUES], v[GUARD_WORD_VALUES];
};

/* The string part of the guard on slot sl: (len >= shortest literal && for
 * each chosen word, the word is one of the values the literals have
 * there). Returns false when no word is selective enough. */
static bool guard_str(struct body *B, FILE *out, int sl, const struct ir_pred **leaves, size_t n)
{
	uint32_t minlen = UINT32_MAX, npairs = 0;
	struct guard_word ws[8];
	size_t nw = 0;

	for (size_t r = 0; r < n; r++)
		for (size_t i = 0; i < leaves[r]->nstrs; i++)
			if (leaves[r]->strs[i].len < minlen)
				minlen = leaves[r]->strs[i].len;
	/* every literal has bytes in words 0 .. (minlen - 1) / 8 */
	for (uint32_t w = 0; minlen && w < (minlen + 7) / 8 && nw < 8; w++) {
		struct guard_word g = { .word = w };
		bool many = false;

		for (size_t r = 0; r < n && !many; r++)
			for (size_t i = 0; i < leaves[r]->nstrs && !many; i++) {
				const struct ir_strlit *l = &leaves[r]->strs[i];
				uint64_t v, m;
				size_t k;

				lit_word(l, l->len, w, &v, &m);
				for (k = 0; k < g.n && (g.m[k] != m || g.v[k] != v); k++)
					;
				if (k < g.n)
					continue;
				if (g.n == GUARD_WORD_VALUES) {
					many = true;
					break;
				}
				g.m[g.n] = m;
				g.v[g.n++] = v;
			}
		if (many || npairs + g.n > GUARD_PAIRS)
			continue;
		npairs += g.n;
		ws[nw++] = g;
	}
	if (!nw)
		return false;
	fprintf(out, "(%c%d() >= %u", B->head[sl] ? 'H' : 'L', sl, minlen);
	/* the deepest words first: paths share their first words */
	for (size_t i = nw; i-- > 0;) {
		fputs(" &&\n\t       (", out);
		for (size_t k = 0; k < ws[i].n; k++) {
			char q = B->head[sl] ? 'Q' : 'P';

			fputs(k ? " || " : "", out);
			if (ws[i].m[k] == ~0ull)
				fprintf(out, "TPC_W(%c%d(), %u) == 0x%016" PRIx64 "ull", q, sl,
					ws[i].word * 8, ws[i].v[k]);
			else
				fprintf(out, "(TPC_W(%c%d(), %u) & 0x%" PRIx64 "ull) == 0x%" PRIx64 "ull",
					q, sl, ws[i].word * 8, ws[i].m[k], ws[i].v[k]);
		}
		fputs(")", out);
	}
	fputs(")", out);
	return true;
}

static void emit_guard(struct body *B)
{
	const struct ir_prog *p = B->p;
	const struct ir_pred **leaves;
	uint64_t pos = 0, neg = 0;
	size_t n = 0, k = 0;
	bool bits = true, any = false;
	char *text = NULL;
	size_t len = 0;
	FILE *out;
	int sl = -1;

	if (p->net)
		return;
	for (size_t si = 0; si < p->specs.n; si++) {
		/* a workload scope is checked first: an event out of scope
		 * must not pay the guard's reads */
		if (p->specs.v[si].scope)
			return;
		n += p->specs.v[si].rules.n;
	}
	if (n < 2)
		return;
	leaves = calloc(n, sizeof(*leaves));
	out = leaves ? open_memstream(&text, &len) : NULL;
	if (!out) {
		free(leaves);
		return; /* no guard: the prog is the same without it */
	}
	for (size_t si = 0; si < p->specs.n; si++)
		for (size_t r = 0; r < p->specs.v[si].rules.n; r++) {
			const struct ir_pred *pred = p->specs.v[si].rules.v[r].pred, *b;

			b = guard_conjunct(pred, guard_bit_ok, B, -1);
			if (!b)
				bits = false;
			else if (b->negate)
				neg |= 1ull << b->bit;
			else
				pos |= 1ull << b->bit;
			leaves[k] = guard_conjunct(pred, guard_str_ok, B, sl);
			if (!leaves[k])
				sl = -2; /* some rule has none: no string part */
			else if (sl == -1)
				sl = leaves[k]->slot;
			k++;
		}
	if (bits) {
		/* a negated bit (NotIn) needs the bit clear */
		if (pos && neg)
			fprintf(out, "((TPC_BITS() & 0x%" PRIx64 "ull) || (~TPC_BITS() & 0x%" PRIx64 "ull))",
				pos, neg);
		else
			fprintf(out, "(%sTPC_BITS() & 0x%" PRIx64 "ull)", neg ? "~" : "", pos | neg);
		any = true;
	}
	if (sl >= 0) {
		long at = ftell(out);

		if (any) /* "\tif (!(": the terms start at column 14 */
			fputs(" &&\n\t      ", out);
		if (guard_str(B, out, sl, leaves, n))
			any = true;
		else
			fseek(out, at, SEEK_SET);
	}
	free(leaves);
	if (fclose(out)) {
		free(text);
		return;
	}
	if (any)
		fprintf(B->out,
			"\n\t/* run guard: no rule below can match unless this holds\n"
			"\t * (one test for a miss of all %zu rules) */\n"
			"\tif (!(%s))\n\t\treturn ret;\n",
			n, text);
	free(text);
}

static void emit_prog(struct body *B)
{
	FILE *out = B->out;
	const struct ir_prog *p = B->p;
	char *btext = NULL, *state;
	size_t blen = 0;
	FILE *body;
	bool event, chg, chg_caps, chg_ns;

	fprintf(out, "/* prog %d: %s */\n", p->id, p->key);
	for (size_t i = 0; i < p->args.n; i++)
		if (p->args.v[i].rsv)
			emit_resolver(out, &p->args.v[i]);
	if (p->net == NET_DNS || p->net == NET_HTTP)
		emit_net_port_fn(out, p);
	body = open_memstream(&btext, &blen);
	if (!body) {
		tpl_check(B, -ENOMEM);
		return;
	}
	B->out = body;
	head_slots(B);
	emit_guard(B);
	for (size_t si = 0; si < p->specs.n; si++)
		emit_spec(B, &p->specs.v[si], si);
	B->out = out;
	if (fclose(body)) {
		tpl_check(B, -ENOMEM);
		free(btext);
		return;
	}
	event = text_uses(btext, "h") || text_uses(btext, "o");
	if (p->net)
		tpl_check(B, tpl_prog_begin_net__emit(out, &(struct tpl_prog_begin_net){
					      .PROG = tpl_num(p->id), .EVENT = tpl_flag(event) }));
	else
		tpl_check(B, tpl_prog_begin__emit(out, &(struct tpl_prog_begin){
					      .PROG = tpl_num(p->id), .EVENT = tpl_flag(event) }));
	state = emit_prog_state(B, btext);
	if (!state) {
		tpl_check(B, -ENOMEM);
		free(btext);
		return;
	}
	fputs(state, out);
	chg = text_uses(btext, "chg_upd");
	chg_caps = strstr(btext, "chg_upd |= 1;") || strstr(btext, "chg_upd |= 3;");
	chg_ns = strstr(btext, "chg_upd |= 2;") || strstr(btext, "chg_upd |= 3;");
	if (chg)
		fputs("\tu32 chg_upd = 0; /* baselines to renew once every rule ran */\n", out);
	fputs("\n\tif (!s)\n\t\treturn 0;\n", out);
	if (strstr(state, "TPC_LAZY") || strstr(state, "s->lz."))
		fputs("\ttpc_lazy__reset(s);\n", out);
	fputs(btext, out);
	free(btext);
	/* A matched change renews its baseline after the rules of every
	 * policy of this prog ran, so each of them sees the change. */
	if (chg_caps)
		fputs("\tif (chg_upd & 1)\n\t\ttpc_capchg__update();\n", out);
	if (chg_ns)
		fputs("\tif (chg_upd & 2)\n\t\ttpc_nschg__update();\n", out);
	tpl_check(B, tpl_prog_end__emit(out));
	emit_undefs(out, state);
	free(state);
	fputs("\n", out);
	for (size_t i = 0; i < p->variants.n; i++)
		tpl_check(B, emit_entry(B, &p->variants.v[i], i));
	if (B->testrun && !p->net)
		tpl_check(B, tpl_entry_test__emit(out, &(struct tpl_entry_test){ .PROG = tpl_num(p->id) }));
}

static void emit_maps(FILE *out, const struct ir_object *o)
{
	for (size_t i = 0; i < o->maps.n; i++) {
		const struct ir_map *m = &o->maps.v[i];
		const char *type, *key;
		char keybuf[32];
		uint32_t max = m->max_entries ? m->max_entries : 1;

		switch (m->kind) {
		case MAP_PREFIX_SET:
			type = "BPF_MAP_TYPE_LPM_TRIE";
			key = "struct tpc_lpm_key";
			break;
		case MAP_INT_SET:
			type = "BPF_MAP_TYPE_HASH";
			key = "u64";
			break;
		case MAP_PATH_SET:
			type = "BPF_MAP_TYPE_HASH";
			key = "u64"; /* tpc_path_hash(); the value holds the path */
			break;
		case MAP_SCOPE:
			type = "BPF_MAP_TYPE_HASH";
			key = "u64";
			break;
		case MAP_IDENT_SET:
			type = "BPF_MAP_TYPE_HASH";
			key = "struct tpc_ident_key";
			break;
		default:
			type = "BPF_MAP_TYPE_HASH";
			snprintf(keybuf, sizeof(keybuf), "char[%u]", m->key_size);
			key = keybuf;
		}
		fputs("/* ", out);
		tpl__comment(out, m->purpose);
		fputs(" */\n", out);
		fprintf(out, "struct {\n\t__uint(type, %s);\n\t__uint(max_entries, %u);\n"
			     "\t__type(key, %s);\n\t__type(value, %s);\n",
			type, max, key, m->kind == MAP_PATH_SET ? "struct tpc_path_val" : "u8");
		/* a scope map is mostly empty: no preallocation of 8192 slots */
		if (m->kind == MAP_PREFIX_SET || m->kind == MAP_SCOPE)
			fputs("\t__uint(map_flags, BPF_F_NO_PREALLOC);\n", out);
		fprintf(out, "} %s SEC(\".maps\");\n\n", m->name);
	}
}

/* The owner's scope bits, evaluated in process context when tpc_net.bpf.h
 * records a socket's owner (lower.c refuses a network hook depending on a
 * map past TPC_NET_SCOPE_MAX). A subprogram, not inlined: the scope walk's
 * locals in their own frame keep the tp_btf program under the 512-byte
 * combined stack on 6.1 (inlined, it needed 544). */
static void emit_net_scope_bits(FILE *out, const struct ir_object *o)
{
	bool any = false;

	for (size_t i = 0; i < o->maps.n; i++) {
		const struct ir_map *m = &o->maps.v[i];

		if (m->kind != MAP_SCOPE || m->scope.index >= TPC_NET_SCOPE_MAX)
			continue;
		if (!any)
			fputs("#define TPC_NET_HAVE_SCOPE 1\n"
			      "static __noinline u64 tpc_net__scope_bits(void)\n{\n\tu64 b = 0;\n\n",
			      out);
		any = true;
		fprintf(out, "\tif (tpc_scope__in(&%s, %d))\n\t\tb |= 1ull << %d;\n", m->name,
			m->scope.index, m->scope.index);
	}
	if (any)
		fputs("\treturn b;\n}\n\n", out);
}

static void binset_comment(FILE *out, const struct ir_binset *b, const struct srcmap *sm)
{
	fprintf(out, "\t/* set %d: %s, ", b->bit, op__name(b->op));
	span_comment(out, sm, b->span);
	fputs(" */\n", out);
}

/* The sets of inode identity mode (tpc-match-binaries: inode): one lookup
 * of the executable's (device, inode) per set, no path walk
 * (runtime/tpc_proc.bpf.h calls it with the key it read). */
static void emit_ident_sets(FILE *out, const struct ir_object *o, const struct srcmap *sm)
{
	fputs("TPC_INLINE u64 tpc_binsets__ident(const struct tpc_ident_key *k)\n{\n"
	      "\tu64 bits = 0;\n\n",
	      out);
	for (size_t i = 0; i < o->binsets.n; i++) {
		const struct ir_binset *b = &o->binsets.v[i];

		if (!b->ident)
			continue;
		binset_comment(out, b, sm);
		fprintf(out, "\tif (bpf_map_lookup_elem(&%s, k))\n\t\tbits |= 1ull << %d;\n",
			o->maps.v[b->map].name, b->bit);
	}
	fputs("\treturn bits;\n}\n\n", out);
}

static void emit_binsets(FILE *out, const struct ir_object *o, const struct srcmap *sm)
{
	bool prefix = false, suffix = false, hashed = false, ident = false, path = false;

	for (size_t i = 0; i < o->binsets.n; i++) {
		bool post = o->binsets.v[i].op == OP_POSTFIX || o->binsets.v[i].op == OP_NOT_POSTFIX;

		ident |= o->binsets.v[i].ident;
		path |= !o->binsets.v[i].ident;
		if (o->binsets.v[i].ident)
			continue;
		hashed |= o->binsets.v[i].map >= 0;
		if (o->binsets.v[i].map < 0 && o->binsets.v[i].values.n) {
			suffix |= post;
			prefix |= !post;
		}
	}
	if (ident) {
		fputs("#define TPC_BINSETS_IDENT 1 /* tpc_binsets__ident() */\n", out);
		if (!path)
			fputs("#define TPC_BINSETS_NO_PATH 1 /* no set needs the path walk */\n",
			      out);
		emit_ident_sets(out, o, sm);
	}
	fputs("TPC_INLINE u64 tpc_binsets__eval(struct tpc_scratch *s, int off, u32 len)\n{\n", out);
	if (prefix || hashed)
		fputs("\tconst char *p = &s->path[off & TPC_PATH_MASK];\n", out);
	if (suffix)
		fputs("\tconst char *tail = &s->path[TPC_PATH_MAX - 1];\n", out);
	/* In/NotIn sets: one hash of the path for all of them (tpc_abi.h) */
	if (hashed)
		fputs("\tu64 h = tpc_path__hash(p, len);\n", out);
	fputs("\tu64 bits = 0;\n\n", out);
	for (size_t i = 0; i < o->binsets.n; i++) {
		const struct ir_binset *b = &o->binsets.v[i];

		if (b->ident)
			continue;
		binset_comment(out, b, sm);
		if (b->map >= 0) {
			fprintf(out,
				"\tif (tpc_path__is(p, len, bpf_map_lookup_elem(&%s, &h)))\n"
				"\t\tbits |= 1ull << %d;\n",
				o->maps.v[b->map].name, b->bit);
			continue;
		}
		fputs("\tif (", out);
		for (size_t k = 0; k < b->values.n; k++) {
			const struct ir_strlit *l = &b->values.v[k];
			bool suffix = b->op == OP_POSTFIX || b->op == OP_NOT_POSTFIX;
			char ptr[64];

			if (k)
				fputs(" ||\n\t    ", out);
			fprintf(out, "(len >= %u && ", l->len);
			if (suffix)
				snprintf(ptr, sizeof(ptr), "(tail - %u)", l->len);
			else
				snprintf(ptr, sizeof(ptr), "p");
			emit_words(out, ptr, l, l->len);
			fputs(")", out);
		}
		if (!b->values.n)
			fputs("0", out);
		fprintf(out, ")\n\t\tbits |= 1ull << %d;\n", b->bit);
	}
	fputs("\treturn bits;\n}\n\n", out);
}

/* Enforcer programs (runtime/tpc_enforce.bpf.h): each LSM hook that
 * carries out a rule's deny request, and each enforced syscall's exit,
 * which ends the request. Hook and syscall names are compiler/base/
 * enforce.c's own strings, never policy text. */
static int emit_enforcers(FILE *out, const struct ir_object *o)
{
	int err = 0;

	for (size_t i = 0; i < o->enf_hooks.n && !err; i++)
		err = tpl_enforce_lsm__emit(out, &(struct tpl_enforce_lsm){
			.LSM = tpl_ident(o->enf_hooks.v[i].lsm),
			.ID = tpl_num((long long)i),
			.NARGS = tpl_num(o->enf_hooks.v[i].nargs),
		});
	for (size_t i = 0; i < o->enf_exits.n && !err; i++)
		err = tpl_enforce_exit__emit(out, &(struct tpl_enforce_exit){
			.SYSCALL = tpl_ident(o->enf_exits.v[i]),
			.ID = tpl_num((long long)i),
		});
	return err;
}

/* followForks pid sets: which sets this process itself is in (its tgid,
 * or its tgid in its own pid namespace); tpc_follow.bpf.h folds the bits
 * over the ancestors. */
static void emit_pidsets(FILE *out, const struct ir_object *o, const struct srcmap *sm)
{
	fputs("TPC_INLINE u64 tpc_pidsets__direct(u32 pid, u32 nspid)\n{\n\tu64 bits = 0;\n\n", out);
	for (size_t i = 0; i < o->pidsets.n; i++) {
		const struct ir_pidset *ps = &o->pidsets.v[i];

		fprintf(out, "\t/* pid set %d%s, ", ps->bit, ps->ns ? " (namespace pids)" : "");
		span_comment(out, sm, ps->span);
		fputs(" */\n\tif (", out);
		for (size_t k = 0; k < ps->pids.n; k++)
			fprintf(out, "%s%s == %" PRId64 "u", k ? " || " : "", ps->ns ? "nspid" : "pid",
				ps->pids.v[k]);
		if (!ps->pids.n)
			fputs("0", out);
		fprintf(out, ")\n\t\tbits |= 1ull << %d;\n", ps->bit);
	}
	fputs("\treturn bits;\n}\n\n#include \"tpc_follow.bpf.h\"\n\n", out);
}

/* Some network rule kills: the tcp entry then runs the body at SYN_SENT. */
/* Does any prog read a kernel object through runtime/tpc_kobj.bpf.h
 * (syscall64 ids, credentials, BPF objects, modules, packets)? */
static bool uses_kobj(const struct ir_object *o)
{
	for (size_t i = 0; i < o->progs.n; i++)
		for (size_t k = 0; k < o->progs.v[i]->args.n; k++) {
			const struct ir_arg *a = &o->progs.v[i]->args.v[k];

			if (a->type == ARG_SYSCALL64 || ir_argkind__is_kobj(a->kind) ||
			    (a->kind == AK_SOCK && a->from != AF_NET && a->in_event))
				return true;
		}
	return false;
}

static bool net_pre_kill(const struct ir_object *o)
{
	for (size_t i = 0; i < o->progs.n; i++)
		for (size_t k = 0; o->progs.v[i]->net && k < o->progs.v[i]->specs.n; k++)
			for (size_t r = 0; r < o->progs.v[i]->specs.v[k].rules.n; r++)
				if (o->progs.v[i]->specs.v[k].rules.v[r].act.kill)
					return true;
	return false;
}

/* Some slot gathers scatter-gather segments (tpc_iov.bpf.h). */
static bool uses_iov(const struct ir_object *o)
{
	for (size_t i = 0; i < o->progs.n; i++)
		for (size_t k = 0; k < o->progs.v[i]->args.n; k++) {
			enum ir_argkind ak = o->progs.v[i]->args.v[k].kind;

			if (ak == AK_ITER || ak == AK_UIOV || ak == AK_KIOV)
				return true;
		}
	return false;
}

static int emit_object(const struct ir_object *o, const struct srcmap *m,
		       const struct emit_opts *opts, FILE *out)
{
	struct body B = { .out = out, .o = o, .m = m, .testrun = opts && opts->testrun };

	emit_testrun = B.testrun;

	{
		char *srcs = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&srcs, &len);

		if (!f)
			return -ENOMEM;
		for (int i = 0; i < opts->nsources; i++)
			fprintf(f, "%s%s", i ? ", " : "", opts->sources[i]);
		if (fclose(f)) {
			free(srcs);
			return -ENOMEM;
		}
		tpl_check(&B, tpl_banner__emit(out, &(struct tpl_banner){
					       .VERSION = tpl_comment(TPC_VERSION),
					       .SOURCES = tpl_comment(srcs),
				       }));
		free(srcs);
	}
	for (size_t i = 0; i < o->policies.n; i++)
		tpl_check(&B, tpl_banner_policy__emit(out, &(struct tpl_banner_policy){
					      .POLICY = tpl_comment(o->policies.v[i].name) }));
	for (size_t i = 0; i < o->progs.n; i++)
		for (size_t k = 0; k < o->progs.v[i]->specs.n; k++)
			for (size_t r = 0; r < o->progs.v[i]->specs.v[k].rules.n; r++)
				if (o->progs.v[i]->specs.v[k].rules.v[r].act.rate_limit_ms) {
					fputs("#define TPC_NEED_RATE 1\n", out);
					goto rate_done;
				}
rate_done:
	if (o->needs_net && !o->binsets.n)
		fputs("#define TPC_NET_NO_BITS 1 /* no binary sets: owners need no bits */\n", out);
	if (net_pre_kill(o))
		fputs("#define TPC_NET_PRE_KILL 1 /* a network rule kills at connect() */\n", out);
	if (B.testrun)
		fputs("#define TPC_TESTRUN 1 /* tpc test --kernel: never a production object */\n", out);
	if (!o->binsets.n)
		fputs("#define TPC_NO_BINSETS 1 /* no matchBinaries: tpc_proc.bpf.h */\n", out);
	if (o->no_bpf_loop)
		fputs("#define TPC_NO_BPF_LOOP 1 /* a target kernel lacks bpf_loop() */\n", out);
	if (o->no_task_btf)
		fputs("#define TPC_NO_TASK_BTF 1 /* ... and bpf_get_current_task_btf() */\n", out);
	fputs("#include \"tpc.bpf.h\"\n", out);
	if (uses_kobj(o))
		fputs("#include \"tpc_kobj.bpf.h\"\n", out);
	if (o->needs_nschg)
		fputs("#define TPC_CHG_NS 1 /* the baseline holds the namespaces too */\n", out);
	if (o->needs_capchg)
		fputs("#include \"tpc_capchg.bpf.h\"\n", out);
	if (uses_iov(o))
		fputs("#include \"tpc_iov.bpf.h\"\n", out);
	if (o->needs_usdt)
		fputs("#include \"tpc_usdt.bpf.h\"\n", out);
	if (o->needs_ima)
		fputs("#include \"tpc_ima.bpf.h\"\n", out);
	if (o->enf_hooks.n)
		fputs("#include \"tpc_enforce.bpf.h\"\n", out);
	if (o->needs_socktrack)
		fputs("#include \"tpc_socktrack.bpf.h\"\n", out);
	{
		int nscopes = 0;

		for (size_t i = 0; i < o->maps.n; i++)
			nscopes += o->maps.v[i].kind == MAP_SCOPE;
		if (nscopes)
			fprintf(out, "#define TPC_NSCOPES %d\n#include \"tpc_scope.bpf.h\"\n",
				nscopes);
	}
	fputs("\n", out);
	emit_maps(out, o);
	if (o->binsets.n)
		emit_binsets(out, o, m);
	fputs("#include \"tpc_proc.bpf.h\"\n\n", out);
	if (o->pidsets.n)
		emit_pidsets(out, o, m);
	if (o->needs_net) {
		bool dns = false, http = false;

		for (size_t i = 0; i < o->progs.n; i++) {
			dns |= o->progs.v[i]->net == NET_DNS;
			http |= o->progs.v[i]->net == NET_HTTP;
		}
		emit_net_scope_bits(out, o);
		fputs("#include \"tpc_net.bpf.h\"\n", out);
		if (dns)
			fputs("#include \"tpc_dns.bpf.h\"\n", out);
		if (http)
			fputs("#include \"tpc_http.bpf.h\"\n", out);
		fputs("\n", out);
	}
	for (size_t i = 0; i < o->progs.n; i++) {
		B.p = o->progs.v[i];
		emit_prog(&B);
	}
	if (o->needs_net)
		tpl_check(&B, tpl_net_sock_create__emit(out));
	if (o->pidsets.n)
		tpl_check(&B, tpl_follow_fork__emit(out));
	if (o->needs_capchg)
		tpl_check(&B, tpl_capchg_exec__emit(out));
	tpl_check(&B, emit_enforcers(out, o));
	if (o->needs_socktrack)
		tpl_check(&B, tpl_socktrack__emit(out));
	if (o->needs_proc || o->pidsets.n || o->needs_capchg)
		tpl_check(&B, tpl_proc_exit__emit(out, &(struct tpl_proc_exit){
					  .PROC = tpl_flag(o->needs_proc),
					  .FOLLOW = tpl_flag(o->pidsets.n),
					  .CAPCHG = tpl_flag(o->needs_capchg),
				  }));
	emit_testrun = false;
	if (B.err)
		return B.err;
	return ferror(out) ? -EIO : 0;
}

/* The object's C; every template ends its part with a blank line, so the
 * file's last one is dropped (kernel style: no blank line at the end). */
int emit__c(const struct ir_object *o, const struct srcmap *m, const struct emit_opts *opts,
	    FILE *out)
{
	char *t = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&t, &n);
	int err;

	if (!f)
		return -ENOMEM;
	err = emit_object(o, m, opts, f);
	if (fclose(f) && !err)
		err = -ENOMEM;
	if (!err) {
		while (n > 1 && t[n - 1] == '\n' && t[n - 2] == '\n')
			n--;
		if (fwrite(t, 1, n, out) != n || ferror(out))
			err = -EIO;
	}
	free(t);
	return err;
}
