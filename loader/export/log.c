/* log.c - stderr diagnostics and libbpf message capture. */
#include <stdio.h>
#include <string.h>

#include "export/ldr_log.h"

int ldr_verbose;
/* per thread: objects are loaded in parallel at start-up */
static _Thread_local char reason[320];
static _Thread_local char failed_prog[128];

void ldr_log(const char *level, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "tpc-loader: %s: %s\n", level, buf);
}

void ldr_log_reset_libbpf(void)
{
	reason[0] = 0;
	failed_prog[0] = 0;
}

const char *ldr_log_libbpf_failed_prog(void)
{
	return failed_prog;
}

/* libbpf: "prog 'NAME': BPF program load failed: ..." / "...: failed to load" */
static void keep_failed_prog(const char *msg)
{
	const char *p = strstr(msg, "prog '"), *e;

	if (failed_prog[0] || !p || !strstr(msg, "failed"))
		return;
	p += 6;
	e = strchr(p, '\'');
	if (e && (size_t)(e - p) < sizeof(failed_prog))
		snprintf(failed_prog, sizeof(failed_prog), "%.*s", (int)(e - p), p);
}

const char *ldr_log_libbpf_reason(void)
{
	return reason;
}

/* The verifier's verdict is the last line before "processed N insns". */
static void keep_verifier_reason(const char *msg)
{
	const char *end = strstr(msg, "\nprocessed "), *start;

	if (!end)
		return;
	start = end;
	while (start > msg && start[-1] != '\n')
		start--;
	if (start == end)
		return;
	snprintf(reason, sizeof(reason), "; verifier: %.*s", (int)(end - start), start);
}

void ldr_log_verifier(const char *log)
{
	if (!log || !log[0])
		return;
	keep_verifier_reason(log);
	if (ldr_verbose)
		fprintf(stderr, "-- verifier log --\n%s-- end of verifier log --\n", log);
}

int ldr_log_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char buf[65536];
	size_t n;

	if (level == LIBBPF_DEBUG && ldr_verbose < 2)
		return 0;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (level == LIBBPF_WARN) {
		keep_failed_prog(buf);
		if (strstr(buf, "BEGIN PROG LOAD LOG"))
			keep_verifier_reason(buf);
		else if (!reason[0]) {
			n = strlen(buf);
			while (n && buf[n - 1] == '\n')
				buf[--n] = 0;
			/* cut to fit on purpose (the precision says so to -O1's
			 * truncation warning) */
			snprintf(reason, sizeof(reason), "; %.*s", (int)sizeof(reason) - 3, buf);
		}
	}
	if (ldr_verbose || level == LIBBPF_WARN) {
		if (ldr_verbose)
			fputs(buf, stderr);
	}
	return 0;
}
