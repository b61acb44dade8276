/* usdtset.c - the Set action's workload (tests/vm/guest.sh "usdtset"):
 * fires tpcvm:check(flag, wide) once, both volatile locals, so <sys/sdt.h>
 * records them as memory operands ("-4@12(%rsp)"), the only kind of USDT
 * argument a BPF program can write. Prints "flag=F wide=W" afterwards:
 * what the probe's handler left there (0 0 untouched).
 */
#include <stdio.h>
#include <sys/sdt.h>

int main(void)
{
	volatile int flag = 0;
	volatile long wide = 0;

	STAP_PROBE2(tpcvm, check, flag, wide);
	printf("flag=%d wide=%ld\n", flag, wide);
	return 0;
}
