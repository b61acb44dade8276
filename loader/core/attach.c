/* attach.c - attach by kind; tracefs, bpffs and cgroup v2 discovery. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "core/ldr_attach.h"
#include "export/ldr_log.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

bool ldr_tracefs__ok(void)
{
	return !access(LDR_TRACEFS "/events", F_OK) ||
	       !access("/sys/kernel/debug/tracing/events", F_OK);
}

bool ldr_bpffs__ok(const char *dir)
{
	struct statfs st;
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", dir);
	/* the pin dir may not exist yet: check the closest existing parent */
	while (statfs(tmp, &st)) {
		char *s = strrchr(tmp, '/');

		if (!s || s == tmp)
			return false;
		*s = 0;
	}
	return st.f_type == BPF_FS_MAGIC;
}

int ldr_mount__tracefs(void)
{
	if (ldr_tracefs__ok())
		return 0;
	if (mount("nodev", LDR_TRACEFS, "tracefs", 0, NULL))
		return -errno;
	return 0;
}

int ldr_mount__bpffs(const char *dir)
{
	if (ldr_bpffs__ok(dir))
		return 0;
	if (mount("bpf", LDR_BPFFS, "bpf", 0, NULL))
		return -errno;
	return ldr_bpffs__ok(dir) ? 0 : -ENOTDIR;
}

int ldr_cgroup2__root(char *out, size_t outlen)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[4096];
	int err = -ENOENT;

	if (!f)
		return -errno;
	/* "36 25 0:31 / /sys/fs/cgroup/unified rw,... shared:9 - cgroup2 cgroup2 rw" */
	while (fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - "), *p;
		int i;

		if (!sep || strncmp(sep + 3, "cgroup2 ", 8))
			continue;
		p = line;
		for (i = 0; i < 4 && p; i++) {
			p = strchr(p, ' ');
			if (p)
				p++;
		}
		if (!p)
			continue;
		*strchrnul(p, ' ') = 0;
		snprintf(out, outlen, "%s", p);
		err = 0;
		break;
	}
	fclose(f);
	return err;
}

static void split(const char *target, int sep, char *a, size_t alen, const char **b)
{
	const char *s = strrchr(target, sep);
	size_t n = s ? (size_t)(s - target) : strlen(target);

	if (n >= alen)
		n = alen - 1;
	memcpy(a, target, n);
	a[n] = 0;
	*b = s ? s + 1 : "";
}

int ldr_attach__prog(struct bpf_program *prog, const struct ldr_meta_prog *mp,
		     const struct ldr_attach_env *env, struct bpf_link **out, char *err,
		     size_t errlen)
{
	struct bpf_link *link = NULL;
	char first[PATH_MAX];
	const char *second;

	*out = NULL;
	errno = 0;
	switch (mp->attach) {
	case LDR_AT_TRACEPOINT:
		if (!ldr_tracefs__ok()) {
			snprintf(err, errlen,
				 "program '%s': tracefs is not mounted: run 'mount -t tracefs nodev "
				 LDR_TRACEFS "' or start tpc-loader with --mount",
				 ldr_quote(mp->name));
			return -ENOENT;
		}
		split(mp->target, '/', first, sizeof(first), &second);
		link = bpf_program__attach_tracepoint(prog, first, second);
		break;
	case LDR_AT_RAW_TP:
		link = bpf_program__attach_raw_tracepoint(prog, mp->target);
		break;
	case LDR_AT_TP_BTF:
	case LDR_AT_FENTRY:
	case LDR_AT_FEXIT:
		link = bpf_program__attach_trace(prog);
		break;
	case LDR_AT_LSM:
		link = bpf_program__attach_lsm(prog);
		break;
	case LDR_AT_KPROBE:
	case LDR_AT_KRETPROBE:
		link = bpf_program__attach_kprobe(prog, mp->attach == LDR_AT_KRETPROBE, mp->target);
		break;
	case LDR_AT_UPROBE:
	case LDR_AT_URETPROBE: {
		LIBBPF_OPTS(bpf_uprobe_opts, uo, .retprobe = mp->attach == LDR_AT_URETPROBE);

		split(mp->target, ':', first, sizeof(first), &second);
		uo.func_name = second;
		link = bpf_program__attach_uprobe_opts(prog, -1, first, 0, &uo);
		break;
	}
	case LDR_AT_USDT: {
		const char *provider, *name;

		/* libbpf finds the probe in the ELF notes, sets up its arg
		 * specs and passes the semaphore as the uprobe's ref_ctr_offset */
		if (ldr_usdt__split(mp->target, first, sizeof(first), &provider, &name)) {
			errno = EINVAL;
			break;
		}
		ldr_debug("usdt: %s provider %s name %s", first, provider, name);
		link = bpf_program__attach_usdt(prog, -1, first, provider, name, NULL);
		break;
	}
	case LDR_AT_CGROUP:
		if (env->cgroup_fd < 0) {
			snprintf(err, errlen, "program '%s': no cgroup v2 hierarchy to attach to "
				 "(mount one or pass --cgroup PATH)", ldr_quote(mp->name));
			return -ENOENT;
		}
		link = bpf_program__attach_cgroup(prog, env->cgroup_fd);
		break;
	}
	if (!link) {
		int e = errno ? errno : EINVAL;

		snprintf(err, errlen, "program '%s': %s attach to '%s' failed: %s%s",
			 ldr_quote(mp->name), mp->attach_name,
			 mp->attach == LDR_AT_CGROUP ? env->cgroup_path : ldr_quote(mp->target),
			 strerror(e),
			 e == E2BIG && mp->attach == LDR_AT_TRACEPOINT
				 ? " (the kernel allows 64 programs per tracepoint; fuse policies "
				   "into fewer objects)"
				 : "");
		return -e;
	}
	*out = link;
	return 0;
}
