/* incg CGROUP CMD ARGS...: move this process into the cgroup v2 directory
 * CGROUP (write its pid to cgroup.procs), then exec CMD: the bench runs a
 * workload inside a pod's container cgroup without a shell. */
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char path[4096];
	FILE *f;

	if (argc < 3) {
		fprintf(stderr, "usage: incg CGROUP CMD [ARGS...]\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/cgroup.procs", argv[1]);
	f = fopen(path, "w");
	if (!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f)) {
		perror(path);
		return 1;
	}
	execvp(argv[2], argv + 2);
	perror(argv[2]);
	return 127;
}
