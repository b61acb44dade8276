/* sysid - the syscall workload of tests/e2e/kobj.sh: one syscall by number
 * through the x86-64 ABI (syscall) or the i386 ABI (int 0x80, which marks
 * the task TS_COMPAT: Tetragon's syscall64 sets bit 31 for it).
 *   sysid x64|i386 NR     (first argument 0, e.g. dup(0))
 * Prints the result; exit 0 always (ENOSYS is a valid workload). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long x64_syscall1(long nr, long a)
{
	long ret;

	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a) : "rcx", "r11", "memory");
	return ret;
}

static long i386_syscall1(long nr, long a)
{
	long ret;

	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a) : "memory");
	return ret;
}

int main(int argc, char **argv)
{
	long nr;

	if (argc != 3)
		return 2;
	nr = strtol(argv[2], NULL, 0);
	if (!strcmp(argv[1], "x64"))
		printf("%ld\n", x64_syscall1(nr, 0));
	else if (!strcmp(argv[1], "i386"))
		printf("%ld\n", i386_syscall1(nr, 0));
	else
		return 2;
	return 0;
}
