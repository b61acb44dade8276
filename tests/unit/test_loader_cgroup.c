/* test_loader_cgroup.c - kubelet cgroup layouts -> {runtime, container id,
 * pod UID, QoS}: a table of real-looking paths for every layout, and paths
 * that must not parse; /proc/PID/cgroup text for v1 and v2; the id -> path
 * map on a private directory tree. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "k8s/ldr_cgroup.h"

#define CID "551e161c47d8ff0eb665438a7bcd5b4e3ef5a297282b40a92b7c77d6bd168eb3"
#define CIDU "551E161C47D8FF0EB665438A7BCD5B4E3EF5A297282B40A92B7C77D6BD168EB3"
#define UID "0e4f7a6b-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
#define UIDS "0e4f7a6b_1c2d_4e5f_8a9b_0c1d2e3f4a5b"
#define STATIC_UID "3f1b2c4d5e6f708192a3b4c5d6e7f809"

/* a path that must not parse */
#define NOPE -1, LDR_RT_UNKNOWN, LDR_QOS_NONE, "", ""

struct row {
	const char *path;
	int ok;
	enum ldr_cg_runtime rt;
	enum ldr_cg_qos qos;
	const char *cid;
	const char *uid;
};

static const struct row rows[] = {
	/* systemd driver, cgroup v2, each QoS class and runtime */
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UIDS
	  ".slice/cri-containerd-" CID ".scope",
	  0, LDR_RT_CONTAINERD, LDR_QOS_BURSTABLE, CID, UID },
	{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UIDS
	  ".slice/crio-" CID ".scope",
	  0, LDR_RT_CRIO, LDR_QOS_BESTEFFORT, CID, UID },
	{ "/kubepods.slice/kubepods-pod" UIDS ".slice/docker-" CID ".scope", 0, LDR_RT_DOCKER,
	  LDR_QOS_GUARANTEED, CID, UID },
	/* upper-case hex is normalised */
	{ "/kubepods.slice/kubepods-pod" UIDS ".slice/cri-containerd-" CIDU ".scope", 0,
	  LDR_RT_CONTAINERD, LDR_QOS_GUARANTEED, CID, UID },
	/* under a private parent (tests, nested runtimes) */
	{ "/tpc-k8sid-1234/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UIDS
	  ".slice/cri-containerd-" CID ".scope",
	  0, LDR_RT_CONTAINERD, LDR_QOS_BURSTABLE, CID, UID },
	/* kind: kubelet.slice/kubelet-kubepods.slice/... */
	{ "/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/"
	  "kubelet-kubepods-besteffort-pod" UIDS ".slice/cri-containerd-" CID ".scope",
	  0, LDR_RT_CONTAINERD, LDR_QOS_BESTEFFORT, CID, UID },
	/* a sub-cgroup inside the container keeps its identity */
	{ "/kubepods.slice/kubepods-pod" UIDS ".slice/cri-containerd-" CID ".scope/init.scope", 0,
	  LDR_RT_CONTAINERD, LDR_QOS_GUARANTEED, CID, UID },
	/* pod-level directory: pod, no container */
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UIDS ".slice", 0,
	  LDR_RT_UNKNOWN, LDR_QOS_BURSTABLE, "", UID },
	/* static pod (config hash UID) */
	{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" STATIC_UID
	  ".slice/cri-containerd-" CID ".scope",
	  0, LDR_RT_CONTAINERD, LDR_QOS_BESTEFFORT, CID, STATIC_UID },
	/* cgroupfs driver (v1 controller path or v2) */
	{ "/kubepods/burstable/pod" UID "/" CID, 0, LDR_RT_UNKNOWN, LDR_QOS_BURSTABLE, CID, UID },
	{ "/kubepods/besteffort/pod" UID "/crio-" CID, 0, LDR_RT_CRIO, LDR_QOS_BESTEFFORT, CID,
	  UID },
	{ "/kubepods/pod" UID "/" CID, 0, LDR_RT_UNKNOWN, LDR_QOS_GUARANTEED, CID, UID },
	{ "/kubepods/pod" UID, 0, LDR_RT_UNKNOWN, LDR_QOS_GUARANTEED, "", UID },
	/* containers outside Kubernetes: id, no pod */
	{ "/system.slice/docker-" CID ".scope", 0, LDR_RT_DOCKER, LDR_QOS_NONE, CID, "" },
	{ "/docker/" CID, 0, LDR_RT_UNKNOWN, LDR_QOS_NONE, CID, "" },
	{ "/machine.slice/libpod-" CID ".scope", 0, LDR_RT_UNKNOWN, LDR_QOS_NONE, CID, "" },
	/* a malformed pod directory: the leaf still names the container */
	{ "/kubepods.slice/kubepods-burstable-pod1.slice/cri-containerd-" CID ".scope", 0,
	  LDR_RT_CONTAINERD, LDR_QOS_NONE, CID, "" },

	/* must NOT parse */
	{ "/", NOPE },
	{ "", NOPE },
	{ "/user.slice/user-0.slice/session-1.scope", NOPE },
	{ "/system.slice/containerd.service", NOPE },
	{ "/kubepods.slice", NOPE },
	{ "/kubepods.slice/kubepods-burstable.slice", NOPE },
	{ "/kubepods/burstable", NOPE },
	/* CRI-O's conmon is not the container */
	{ "/kubepods.slice/kubepods-pod" UIDS ".slice/crio-conmon-" CID ".scope", NOPE },
	/* short, long and non-hex ids */
	{ "/kubepods.slice/kubepods-pod" UIDS ".slice/cri-containerd-551e161c47d8.scope", NOPE },
	{ "/kubepods.slice/kubepods-pod" UIDS ".slice/cri-containerd-" CID "0.scope", NOPE },
	{ "/kubepods.slice/kubepods-pod" UIDS
	  ".slice/cri-containerd-g51e161c47d8ff0eb665438a7bcd5b4e3ef5a297282b40a92b7c77d6bd168eb3"
	  ".scope",
	  NOPE },
	/* malformed UIDs */
	{ "/kubepods.slice/kubepods-pod0e4f7a6b_1c2d_4e5f_8a9b_0c1d2e3f4a5.slice", NOPE },
	{ "/kubepods.slice/kubepods-podzz4f7a6b_1c2d_4e5f_8a9b_0c1d2e3f4a5b.slice", NOPE },
	{ "/kubepods/burstable/pod" UIDS "x", NOPE },
	/* kubepods as part of another word is not kubepods */
	{ "/notkubepods/pod" UID, NOPE },
	{ "/mykubepods.slice/kubepods-pod" UIDS ".slice", NOPE },
};

static void test_table(void **state)
{
	char msg[512];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct ldr_cg_ident id;
		int rc = ldr_cgroup__parse(r->path, &id);

		snprintf(msg, sizeof(msg), "row %zu: %s", i, r->path);
		if ((rc == 0) != (r->ok == 0))
			fail_msg("%s: rc %d", msg, rc);
		if (rc)
			continue;
		if (id.runtime != r->rt || id.qos != r->qos || strcmp(id.container_id, r->cid) ||
		    strcmp(id.pod_uid, r->uid))
			fail_msg("%s: got rt %s qos '%s' cid '%s' uid '%s'", msg,
				 ldr_cg_runtime__name(id.runtime), ldr_cg_qos__name(id.qos),
				 id.container_id, id.pod_uid);
	}
}

static void test_proc_v1_v2(void **state)
{
	struct ldr_cg_ident id;

	/* v2 only */
	assert_int_equal(ldr_cgroup__parse_proc("0::/kubepods.slice/kubepods-pod" UIDS
						".slice/cri-containerd-" CID ".scope\n",
						&id),
			 0);
	assert_string_equal(id.pod_uid, UID);
	/* v1 hybrid: the unified line names nothing, a controller does */
	assert_int_equal(ldr_cgroup__parse_proc("12:pids:/kubepods/burstable/pod" UID "/" CID "\n"
						"11:memory:/kubepods/burstable/pod" UID "/" CID "\n"
						"1:name=systemd:/kubepods/burstable/pod" UID "/" CID
						"\n0::/\n",
						&id),
			 0);
	assert_string_equal(id.container_id, CID);
	assert_int_equal(id.qos, LDR_QOS_BURSTABLE);
	/* host process */
	assert_int_equal(ldr_cgroup__parse_proc("0::/user.slice/user-0.slice/session-3.scope\n", &id),
			 -ENOENT);
	assert_int_equal(ldr_cgroup__parse_proc("", &id), -ENOENT);
	assert_int_equal(ldr_cgroup__parse_proc("garbage without colons\n::\n", &id), -ENOENT);
}

/* Hostile inputs: very long paths and components never crash. */
static void test_long(void **state)
{
	size_t n = 1 << 16;
	char *p = malloc(n + 1);
	struct ldr_cg_ident id;

	memset(p, '/', n);
	p[n] = 0;
	assert_int_equal(ldr_cgroup__parse(p, &id), -ENOENT);
	memset(p, 'a', n);
	assert_int_equal(ldr_cgroup__parse(p, &id), -ENOENT);
	memcpy(p, "/kubepods/pod", 13);
	assert_int_equal(ldr_cgroup__parse(p, &id), -ENOENT);
	free(p);
}

struct found {
	int n;
	int pod_level;
	uint64_t pod_id;
};

static void on_pod_cg(void *ctx, uint64_t id, const char *path, const struct ldr_cg_ident *ident)
{
	struct found *f = ctx;

	f->n++;
	if (!ident->container_id[0]) {
		f->pod_level++;
		f->pod_id = id;
	}
}

/* The id map on a plain directory tree (inode numbers stand in for kernfs
 * ids: the walk reads st_ino either way). */
static void test_cgmap(void **state)
{
	char root[] = "/tmp/tpc-cgtest-XXXXXX", p[512], out[512];
	struct ldr_cgmap *m;
	struct stat st;
	struct found f = { 0 };

	assert_non_null(mkdtemp(root));
	snprintf(p, sizeof(p), "%s/kubepods.slice", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/kubepods.slice/kubepods-pod" UIDS ".slice", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/kubepods.slice/kubepods-pod" UIDS ".slice/cri-containerd-" CID
		 ".scope", root);
	mkdir(p, 0755);
	m = ldr_cgmap__new(root);
	assert_non_null(m);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(ldr_cgmap__path(m, st.st_ino, out, sizeof(out)), 0);
	assert_string_equal(out, p);
	assert_int_equal(ldr_cgmap__pod_cgroups(m, UID, on_pod_cg, &f), 2);
	assert_int_equal(f.pod_level, 1);
	snprintf(out, sizeof(out), "%s/kubepods.slice/kubepods-pod" UIDS ".slice", root);
	assert_int_equal(stat(out, &st), 0);
	assert_true(f.pod_id == st.st_ino);
	assert_int_equal(ldr_cgmap__pod_cgroups(m, "not-a-uid", on_pod_cg, &f), -EINVAL);
	/* an unknown id misses (and the rescan is rate-limited) */
	assert_int_equal(ldr_cgmap__path(m, 1, out, sizeof(out)), -ENOENT);
	ldr_cgmap__free(m);
	ldr_cgmap__free(NULL);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/kubepods.slice/kubepods-pod" UIDS ".slice", root);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/kubepods.slice", root);
	rmdir(p);
	rmdir(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_proc_v1_v2),
		cmocka_unit_test(test_long),
		cmocka_unit_test(test_cgmap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
