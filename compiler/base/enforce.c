/* enforce.c - see enforce.h. A syscall is listed only where the hook is on
 * every path that performs the operation (a path that fails earlier
 * returns the kernel's own error, which is documented). */
#include "base/enforce.h"

#include <string.h>

static const struct {
	const char *syscall;
	const char *hooks[ENFORCE_MAX_HOOKS + 1];
} table[] = {
	{ "link", { "path_link" } },
	{ "linkat", { "path_link" } },
	{ "symlink", { "path_symlink" } },
	{ "symlinkat", { "path_symlink" } },
	{ "unlink", { "path_unlink" } },
	{ "unlinkat", { "path_unlink", "path_rmdir" } },
	{ "rmdir", { "path_rmdir" } },
	{ "mkdir", { "path_mkdir" } },
	{ "mkdirat", { "path_mkdir" } },
	{ "mknod", { "path_mknod" } },
	{ "mknodat", { "path_mknod" } },
	{ "rename", { "path_rename" } },
	{ "renameat", { "path_rename" } },
	{ "renameat2", { "path_rename" } },
	{ "chmod", { "path_chmod" } },
	{ "fchmod", { "path_chmod" } },
	{ "fchmodat", { "path_chmod" } },
	{ "fchmodat2", { "path_chmod" } },
	{ "chown", { "path_chown" } },
	{ "lchown", { "path_chown" } },
	{ "fchown", { "path_chown" } },
	{ "fchownat", { "path_chown" } },
	{ "truncate", { "path_truncate" } },
	{ "chroot", { "path_chroot" } },
	{ "open", { "file_open" } },
	{ "openat", { "file_open" } },
	{ "openat2", { "file_open" } },
	{ "creat", { "file_open" } },
	{ "execve", { "bprm_check_security" } },
	{ "execveat", { "bprm_check_security" } },
	{ "socket", { "socket_create" } },
	{ "connect", { "socket_connect" } },
	{ "bind", { "socket_bind" } },
	{ "listen", { "socket_listen" } },
	{ "accept", { "socket_accept" } },
	{ "accept4", { "socket_accept" } },
	{ "sendto", { "socket_sendmsg" } },
	{ "sendmsg", { "socket_sendmsg" } },
	{ "kill", { "task_kill" } },
	{ "tkill", { "task_kill" } },
	{ "tgkill", { "task_kill" } },
	{ "init_module", { "kernel_load_data" } },
	{ "finit_module", { "kernel_read_file" } },
	{ "mount", { "sb_mount" } },
	{ "umount", { "sb_umount" } }, /* umount2(2) is sys_umount */
	{ "bpf", { "bpf" } },
	{ "capset", { "capset" } },
	{ "ioctl", { "file_ioctl" } },
};

static const char *base(const char *name)
{
	const char *p = strstr(name, "sys_");

	return p ? p + 4 : name;
}

static int find(const char *name)
{
	const char *b = base(name);

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (!strcmp(table[i].syscall, b))
			return (int)i;
	return -1;
}

const char *const *syscall__lsm_hooks(const char *name)
{
	int i = name ? find(name) : -1;

	return i < 0 ? NULL : table[i].hooks;
}

const char *syscall__enforce_name(const char *name)
{
	int i = name ? find(name) : -1;

	return i < 0 ? NULL : table[i].syscall;
}

const char *syscall__enforce_at(unsigned i)
{
	return i < sizeof(table) / sizeof(table[0]) ? table[i].syscall : NULL;
}
