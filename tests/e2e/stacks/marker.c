/* marker.c - the workload of tests/e2e/stacks.sh: one getpgid(2) made by
 * tpc_stack_marker itself (inline syscall, not libc's wrapper), so the
 * user stack's innermost frame is that function and its caller main() is
 * the next one (built with -O0 -fno-omit-frame-pointer: the leaf keeps
 * its frame). It then sleeps, so its
 * /proc/PID/maps is still there when tpc-loader symbolizes the event. */
#include <sys/syscall.h>
#include <unistd.h>

__attribute__((noinline)) long tpc_stack_marker(void)
{
	long r;

	__asm__ volatile("syscall" : "=a"(r) : "a"((long)SYS_getpgid), "D"(0L) : "rcx", "r11", "memory");
	return r;
}

int main(void)
{
	long r = tpc_stack_marker();

	sleep(1);
	return r < 0;
}
