/* support.c - see support.h. Reasons are user-facing: say why, and what to
 * use instead when there is an alternative. */
#include "sema/support.h"

#include <string.h>

const char *support__hook(enum hook_kind k)
{
	switch (k) {
	default:
		return NULL;
	}
}

const char *support__net_proto(enum net_proto p)
{
	(void)p; /* tcp, dns and http are all implemented */
	return NULL;
}

const char *support__action(enum action a)
{
	switch (a) {
	case ACT_FOLLOWFD:
	case ACT_UNFOLLOWFD:
	case ACT_COPYFD:
		return "removed from Tetragon after v1.4; 'fd' arguments resolve their path "
		       "without it";
	default:
		return NULL;
	}
}

const char *support__arg_type(enum arg_type t)
{
	switch (t) {
	case ARG_TCP_EVENT:
	case ARG_DNS_QTYPE:
		return "this type belongs to the fixed arguments of tpcNetwork hooks";
	default:
		return NULL;
	}
}

const char *support__op(enum op o)
{
	switch (o) {
	default:
		return NULL;
	}
}

static const struct {
	const char *name;
	const char *why;
} fields[] = {
	{ "returnCopy", "gathering iovec segments at function return is not implemented "
			"(returnCopy on char_buf is)" },
	{ "btfTypeModule", "BTF casts are not compiled yet" },
	{ "source: pt_regs", "reading a register named by 'resolve' is not implemented (tpc "
			     "attaches kprobes as fentry where it can, which has no pt_regs); "
			     "use 'source: current_task', or an argument" },
	{ NULL, NULL },
};

const char *support__field(const char *yaml_name)
{
	for (int i = 0; fields[i].name; i++)
		if (!strcmp(fields[i].name, yaml_name))
			return fields[i].why;
	return NULL;
}

const char *support__selector_field(const char *yaml_name)
{
	return support__field(yaml_name);
}

const char *support__option(const char *name)
{
	if (!strcmp(name, "policy-mode") || !strcmp(name, AST_OPT_MATCH_BINARIES))
		return NULL;
	if (!strcmp(name, "override-method"))
		return "tpc picks the override method itself (LSM return value, or fmod_ret on "
		       "security_* functions)";
	if (!strcmp(name, "sleepable-preload-size"))
		return "tpc generates no sleepable preload programs";
	if (!strcmp(name, "disable-kprobe-multi") || !strcmp(name, "disable-uprobe-multi"))
		return NULL; /* accepted with a note: sema.c check_multi_option */
	return "unknown option; tpc supports 'policy-mode', '" AST_OPT_MATCH_BINARIES "', "
	       "'disable-kprobe-multi' and 'disable-uprobe-multi'";
}
