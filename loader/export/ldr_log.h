/* ldr_log.h - the loader's diagnostics on stderr: "tpc-loader: LEVEL: msg".
 *
 * Contract: events go to stdout/export files, never through here.  libbpf
 * messages are routed through ldr_log_libbpf(): shown with --verbose, and
 * the reason of the last failure (the verifier's last line before
 * "processed N insns", or libbpf's own message) is kept so a refusal can
 * name it: ldr_log_libbpf_reason() returns "" or "; <reason>".
 */
#ifndef TPC_LDR_LOG_H
#define TPC_LDR_LOG_H

#include <stdarg.h>
#include <stdbool.h>

#include <bpf/libbpf.h>

extern int ldr_verbose;

void ldr_log(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define ldr_err(...) ldr_log("error", __VA_ARGS__)
#define ldr_warn(...) ldr_log("warning", __VA_ARGS__)
#define ldr_info(...) ldr_log("info", __VA_ARGS__)
#define ldr_debug(...)                                   \
	do {                                             \
		if (ldr_verbose > 1)                     \
			ldr_log("debug", __VA_ARGS__);   \
	} while (0)

int ldr_log_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap);
void ldr_log_reset_libbpf(void);
const char *ldr_log_libbpf_reason(void);
/* Name of the program libbpf last reported as failing to load, or "". */
const char *ldr_log_libbpf_failed_prog(void);
/* The verifier log of a failed load, from a buffer of the caller's
 * (libbpf prints only logs in its own buffer): keeps its verdict as the
 * reason, and prints the log with --verbose. */
void ldr_log_verifier(const char *log);

#endif
