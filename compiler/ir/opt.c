/* opt.c - IR optimizations that never change a policy's meaning:
 *  - cost ordering: children of every AND/OR are stably sorted by the
 *    cost class of their subtree, so a cheap test (pid, uid, the cached
 *    binary bit) rejects an event before a string copy or a dentry walk is
 *    paid for. Leaves have no side effects, so order cannot change results.
 *  - set lowering: a set of at most IR_INLINE_MAX values stays inline
 *    (word compares, a few instructions each); larger sets go to a hash map
 *    (equality) or an LPM trie (prefixes), whose per-event cost does not
 *    grow with the number of values.
 *  - matchBinaries In/NotIn always use a map: the loader adds each path's
 *    canonical form as resolved on the node (symlinks followed), which a
 *    build machine cannot know.
 */
#include "ir/ir.h"

#include <stdio.h>
#include <string.h>

#include "tpc_abi.h"

static enum ir_cost order(struct ir_pred *p)
{
	enum ir_cost max = COST_CTX;

	if (!p)
		return COST_CTX;
	if (p->kind == P_LEAF || p->kind == P_TRUE)
		return p->cost;
	for (size_t i = 0; i < p->nkids; i++) {
		enum ir_cost c = order(p->kids[i]);

		if (c > max)
			max = c;
	}
	/* stable insertion sort by cost */
	for (size_t i = 1; i < p->nkids; i++) {
		struct ir_pred *k = p->kids[i];
		size_t j = i;

		while (j > 0 && p->kids[j - 1]->cost > k->cost) {
			p->kids[j] = p->kids[j - 1];
			j--;
		}
		p->kids[j] = k;
	}
	p->cost = max;
	return max;
}

static int map_add(struct arena *a, struct ir_object *o, enum ir_map_kind kind,
		   const char *purpose, uint32_t key_size)
{
	struct ir_map m = { 0 };

	m.name = arena__sprintf(a, "tpc_m%zu", o->maps.n);
	m.kind = kind;
	m.purpose = purpose;
	m.key_size = key_size;
	VEC_PUSH(a, o->maps, m);
	return (int)o->maps.n - 1;
}

static void lower_sets(struct arena *a, struct ir_object *o, struct ir_prog *prog,
		       struct ir_rule *r, struct ir_pred *p)
{
	struct ir_map *m;

	if (!p)
		return;
	for (size_t i = 0; i < p->nkids; i++)
		lower_sets(a, o, prog, r, p->kids[i]);
	if (p->kind != P_LEAF)
		return;
	if ((p->test == T_STR_EQ || p->test == T_STR_PREFIX) && p->nstrs > IR_INLINE_MAX) {
		bool eq = p->test == T_STR_EQ;
		uint32_t key = TPC_STR_MAX + 4;

		if (eq) {
			/* An Equal key only needs the longest literal and its NUL:
			 * the hash cost grows with the key (kernel-facts.md: a
			 * 256-byte key costs ~430 ns, a 64-byte one ~310 ns), and a
			 * longer string cannot be in the set, which the emitter
			 * checks before the lookup. */
			size_t max = 0;

			for (size_t i = 0; i < p->nstrs; i++)
				max = p->strs[i].len > max ? p->strs[i].len : max;
			key = (uint32_t)((max + 1 + 7) & ~(size_t)7);
			if (key > TPC_STR_MAX)
				key = TPC_STR_MAX;
		}
		p->map = map_add(a, o, eq ? MAP_STR_SET : MAP_PREFIX_SET,
				 arena__sprintf(a, "%s set of %zu strings, rule %d",
						eq ? "Equal" : "Prefix", p->nstrs, r->id),
				 key);
		m = &o->maps.v[p->map];
		for (size_t i = 0; i < p->nstrs; i++)
			VEC_PUSH(a, m->strs, p->strs[i]);
		m->max_entries = (uint32_t)p->nstrs;
		p->cost = COST_MAP > p->cost ? COST_MAP : p->cost;
	} else if (p->test == T_IN && p->nvals > IR_INLINE_MAX) {
		p->map = map_add(a, o, MAP_INT_SET,
				 arena__sprintf(a, "integer set of %zu values, rule %d", p->nvals,
						r->id),
				 8);
		m = &o->maps.v[p->map];
		for (size_t i = 0; i < p->nvals; i++)
			VEC_PUSH(a, m->ints, p->vals[i]);
		m->max_entries = (uint32_t)p->nvals;
	}
}

void ir__optimize(struct arena *a, struct ir_object *o)
{
	for (size_t i = 0; i < o->progs.n; i++) {
		struct ir_prog *p = o->progs.v[i];

		for (size_t s = 0; s < p->specs.n; s++) {
			for (size_t r = 0; r < p->specs.v[s].rules.n; r++) {
				struct ir_rule *rule = &p->specs.v[s].rules.v[r];

				lower_sets(a, o, p, rule, rule->pred);
				order(rule->pred);
			}
		}
	}
	for (size_t i = 0; i < o->binsets.n; i++) {
		struct ir_binset *b = &o->binsets.v[i];

		if (b->op != OP_IN && b->op != OP_NOT_IN)
			continue;
		if (b->ident)
			b->map = map_add(a, o, MAP_IDENT_SET,
					 arena__sprintf(a,
							"matchBinaries set %d (%zu files by device "
							"and inode)",
							b->bit, b->values.n),
					 16 /* struct tpc_ident_key */);
		else
			b->map = map_add(a, o, MAP_PATH_SET,
					 arena__sprintf(a, "matchBinaries set %d (%zu paths)",
							b->bit, b->values.n),
					 8 /* tpc_path_hash() */);
		o->maps.v[b->map].resolve_realpath = !b->ident;
		for (size_t k = 0; k < b->values.n; k++)
			VEC_PUSH(a, o->maps.v[b->map].strs, b->values.v[k]);
		/* room for each path and its canonical form; ident: for a file's
		 * old and new identity while the loader's rescan replaces it */
		o->maps.v[b->map].max_entries = (uint32_t)b->values.n * 2;
	}
}
