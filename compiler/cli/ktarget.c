/* ktarget.c - see ktarget.h */
#include "cli/ktarget.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/tools.h"

static bool is_dir(const char *p)
{
	struct stat st;

	return !stat(p, &st) && S_ISDIR(st.st_mode);
}

/* dir/tracefs if it has an events/ directory, else "" (no formats). */
static char *tracefs_in(const char *dir)
{
	char p[PATH_MAX + 32];

	snprintf(p, sizeof(p), "%s/tracefs/events", dir);
	if (!is_dir(p))
		return strdup("");
	p[strlen(p) - strlen("/events")] = '\0';
	return strdup(p);
}

static int from_path(const char *name, struct ktarget *t, char *err, size_t errlen)
{
	char p[PATH_MAX + 32], *slash;
	struct stat st;

	if (stat(name, &st)) {
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
		return -ENOENT;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(p, sizeof(p), "%s/vmlinux.btf", name);
		if (access(p, R_OK)) {
			snprintf(err, errlen, "%s: no vmlinux.btf in this directory", name);
			return -ENOENT;
		}
		t->btf = strdup(p);
		t->tracefs = tracefs_in(name);
	} else {
		snprintf(p, sizeof(p), "%s", name);
		slash = strrchr(p, '/');
		if (slash)
			*slash = '\0';
		else
			snprintf(p, sizeof(p), ".");
		t->btf = strdup(name);
		t->tracefs = tracefs_in(p);
	}
	return t->btf && t->tracefs ? 0 : -ENOMEM;
}

static int from_cache(const char *name, struct ktarget *t, char *err, size_t errlen)
{
	char scripts[PATH_MAX], ksh[PATH_MAX + 16], *out = NULL;
	char *argv[] = { "bash", ksh, "--target", (char *)name, NULL };
	int rc;

	if (!tools__vm_scripts(scripts, sizeof(scripts))) {
		snprintf(err, errlen,
			 "kernel '%s' needs tpc's scripts/vm (kernel.sh) to fetch it; set "
			 "TPC_VM_SCRIPTS",
			 name);
		return -ENOENT;
	}
	snprintf(ksh, sizeof(ksh), "%s/kernel.sh", scripts);
	/* stdout is the cache directory; kernel.sh's stderr (its reason, or
	 * warnings about a stale package) goes straight to ours */
	rc = tools__run(argv, &out, false, false);
	if (rc || !out || !*out) {
		snprintf(err, errlen, "kernel '%s': %s/kernel.sh --target failed (exit %d)", name,
			 scripts, rc);
		free(out);
		return -ENOENT;
	}
	out[strcspn(out, "\n")] = '\0';
	rc = from_path(out, t, err, errlen);
	free(out);
	return rc;
}

int ktarget__resolve(const char *name, struct ktarget *t, char *err, size_t errlen)
{
	const char *base = strrchr(name, '/');
	int r;

	memset(t, 0, sizeof(*t));
	snprintf(t->label, sizeof(t->label), "%s", base && base[1] ? base + 1 : name);
	if (!strcmp(name, "host"))
		return 0;
	/* a path: has a slash, or names an existing file that is not also a
	 * kernel name (a file called "6.1" in the working directory) */
	if (strchr(name, '/') ||
	    (!access(name, F_OK) && !isdigit((unsigned char)name[0]) &&
	     strncmp(name, "linux-image-", 12)))
		r = from_path(name, t, err, errlen);
	else
		r = from_cache(name, t, err, errlen);
	if (r)
		ktarget__release(t);
	return r;
}

void ktarget__release(struct ktarget *t)
{
	if (!t)
		return;
	free(t->btf);
	free(t->tracefs);
	t->btf = t->tracefs = NULL;
}

int ktargets__resolve(const char *const *names, int n, struct ktarget *ks, const char *cmd)
{
	char err[512];

	if (n > KTARGET_MAX) {
		fprintf(stderr, "%s: error: at most %d --kernel targets\n", cmd, KTARGET_MAX);
		return -E2BIG;
	}
	for (int i = 0; i < n; i++) {
		for (int j = 0; j < i; j++)
			if (!strcmp(names[i], names[j])) {
				fprintf(stderr, "%s: error: --kernel %s given twice\n", cmd, names[i]);
				ktargets__release(ks, i);
				return -EINVAL;
			}
		int r = ktarget__resolve(names[i], &ks[i], err, sizeof(err));

		if (r) {
			fprintf(stderr, "%s: error: --kernel %s: %s\n", cmd, names[i], err);
			ktargets__release(ks, i);
			return r;
		}
	}
	return 0;
}

void ktargets__release(struct ktarget *ks, int n)
{
	for (int i = 0; i < n; i++)
		ktarget__release(&ks[i]);
}
