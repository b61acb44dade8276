/* syscalls.c - the generated syscall table and Tetragon's list-value forms. */
#include "base/syscalls.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/diag.h"

struct sc {
	int abi;
	const char *name; /* without "sys_" */
	const char *sysname; /* with it, for "did you mean" */
	int nr;
};

static const struct sc table[] = {
#define TPC_SYSCALL(abi, name, nr) { abi, name, "sys_" name, nr },
#include "syscall_table.h"
#undef TPC_SYSCALL
};

#define NTABLE (sizeof(table) / sizeof(table[0]))

int syscall__lookup(enum syscall_abi abi, const char *name, int *nr)
{
	for (size_t i = 0; i < NTABLE; i++)
		if (table[i].abi == (int)abi && !strcmp(table[i].name, name)) {
			*nr = table[i].nr;
			return 0;
		}
	return -ENOENT;
}

const char *syscall__name(enum syscall_abi abi, int nr)
{
	for (size_t i = 0; i < NTABLE; i++)
		if (table[i].abi == (int)abi && table[i].nr == nr)
			return table[i].name;
	return NULL;
}

int syscall__count(enum syscall_abi abi)
{
	int n = 0;

	for (size_t i = 0; i < NTABLE; i++)
		n += table[i].abi == (int)abi;
	return n;
}

/* "sys_"-prefixed names of one ABI, NULL-terminated, for diag_suggest. */
static const char *const *names_of(enum syscall_abi abi)
{
	static const char *names[2][NTABLE + 1];
	static int done[2];
	size_t n = 0;

	if (!done[abi]) {
		for (size_t i = 0; i < NTABLE; i++)
			if (table[i].abi == (int)abi)
				names[abi][n++] = table[i].sysname;
		names[abi][n] = NULL;
		done[abi] = 1;
	}
	return names[abi];
}

int syscall__parse(const char *value, int64_t *id, const char **why, const char **suggest)
{
	static const struct {
		const char *prefix;
		enum syscall_abi abi;
	} archp[] = { { "__x64_", SYSCALL_ABI_X64 }, { "__ia32_", SYSCALL_ABI_I386 } };
	static char sug[160];
	const char *name = value, *slash = strchr(value, '/'), *abi_prefix = "";
	enum syscall_abi abi = SYSCALL_ABI_X64;
	char query[96];
	int nr;

	*suggest = NULL;
	if (slash) {
		/* "x64/sys_dup", "i386/sys_dup" */
		size_t n = (size_t)(slash - value);

		if (n == 3 && !strncmp(value, "x64", 3))
			abi = SYSCALL_ABI_X64;
		else if (n == 4 && !strncmp(value, "i386", 4))
			abi = SYSCALL_ABI_I386;
		else {
			*why = "unknown ABI (x64 and i386 are the ABIs of x86-64)";
			return -ENOENT;
		}
		name = slash + 1;
		abi_prefix = abi == SYSCALL_ABI_X64 ? "x64/" : "i386/";
	}
	for (size_t i = 0; i < sizeof(archp) / sizeof(archp[0]); i++) {
		size_t n = strlen(archp[i].prefix);

		if (!strncmp(name, archp[i].prefix, n)) {
			if (slash && archp[i].abi != abi) {
				*why = "the ABI before '/' contradicts the symbol's prefix";
				return -ENOENT;
			}
			abi = archp[i].abi;
			name += n;
			abi_prefix = archp[i].prefix;
			break;
		}
	}
	if (!strncmp(name, "sys_", 4))
		name += 4;
	if (syscall__lookup(abi, name, &nr) == 0) {
		*id = abi == SYSCALL_ABI_I386 ? (int64_t)(nr | SYSCALL_ID_32BIT) : nr;
		return 0;
	}
	*why = abi == SYSCALL_ABI_I386 ? "no such i386 syscall" : "no such x86-64 syscall";
	snprintf(query, sizeof(query), "sys_%s", name);
	{
		const char *s = diag_suggest(query, names_of(abi));

		if (s) {
			snprintf(sug, sizeof(sug), "%s%s", abi_prefix, s);
			*suggest = sug;
		}
	}
	return -ENOENT;
}
