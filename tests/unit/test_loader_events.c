/* test_loader_events.c - exec_id, JSON escaping, record decoding into
 * Tetragon-shaped JSON (parsed back with jansson), compact lines, hostile
 * records, the process table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>
#include <unistd.h>

#include "export/ldr_events.h"
#include "jbuf.h"
#include "core/ldr_meta.h"
#include "core/ldr_proc.h"
#include "core/ldr_syms.h"
#include "tpc_abi.h"

static char last[8192];
static int nlines;

static void capture(void *sink, const char *line, size_t len)
{
	snprintf(last, sizeof(last), "%.*s", (int)len, line);
	nlines++;
}

static void test_exec_id(void **state)
{
	char id[LDR_EXEC_ID_MAX];

	/* the documented Tetragon example decodes to node:ktime:pid */
	ldr_exec_id(id, sizeof(id), "gke-john-632-default-pool-7041cac0-9s95", 13548674321373ull,
		    52699);
	assert_string_equal(id, "Z2tlLWpvaG4tNjMyLWRlZmF1bHQtcG9vbC03MDQxY2FjMC05czk1OjEzNTQ4Njc0MzIxMzczOjUyNjk5");
	ldr_exec_id(id, sizeof(id), "kind-control-plane", 9079225623269ull, 43872);
	assert_string_equal(id, "a2luZC1jb250cm9sLXBsYW5lOjkwNzkyMjU2MjMyNjk6NDM4NzI=");
	ldr_exec_id(id, 8, "node", 1, 1); /* too small: empty, no overflow */
	assert_string_equal(id, "");
}

static void test_jbuf(void **state)
{
	struct jbuf b = { 0 };

	jbuf__str(&b, "a\"b\\c\n\t\x01\x7f", 9);
	jbuf__ch(&b, ' ');
	jbuf__str(&b, "\xc3\xa9\xff\xe2\x82", 5); /* é, a bad byte, a cut sequence */
	jbuf__ch(&b, ' ');
	jbuf__str(&b, "\xed\xa0\x80", 3); /* a UTF-16 surrogate is not UTF-8 */
	jbuf__ch(&b, ' ');
	jbuf__u64(&b, 18446744073709551615ull);
	jbuf__ch(&b, ' ');
	jbuf__i64(&b, INT64_MIN);
	jbuf__ch(&b, ' ');
	jbuf__b64(&b, "ab", 2);
	jbuf__ch(&b, 0);
	assert_string_equal(b.p, "\"a\\\"b\\\\c\\n\\t\\u0001\x7f\" \"\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd"
				 "\xef\xbf\xbd\" \"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\" "
				 "18446744073709551615 -9223372036854775808 \"YWI=\"");
	jbuf__free(&b);
}

static void test_args_join_docker(void **state)
{
	char *s = ldr_args_join("bash\0-c\0curl https://x\0", 24), d[32];

	assert_string_equal(s, "-c \"curl https://x\"");
	free(s);
	s = ldr_args_join("ls", 2);
	assert_string_equal(s, "");
	free(s);
	s = ldr_args_join("a\0say \"hi\"\0", 11);
	assert_string_equal(s, "\"say \\\"hi\\\"\"");
	free(s);
	ldr_docker_id("/kubepods.slice/kubepods-burstable-pod1.slice/cri-containerd-"
		      "551e161c47d8ff0eb665438a7bcd5b4e3ef5a297282b40a92b7c77d6bd168eb3.scope", d);
	assert_string_equal(d, "551e161c47d8ff0eb665438a7bcd5b4");
	ldr_docker_id("/docker/1fb931d2f6e5e4cfdbaf30fdb8e2fdd81320bdb3047ded50120a4f82838209ce", d);
	assert_string_equal(d, "1fb931d2f6e5e4cfdbaf30fdb8e2fdd");
	ldr_docker_id("/user.slice/session-1.scope", d);
	assert_string_equal(d, "");
}

static const char meta_json[] =
	"{\"tpc_meta_version\":1,\"abi_version\":1,\"policies\":[{\"name\":\"pol\\\"x\"}],"
	"\"hooks\":[{\"event\":\"process_kprobe\",\"function_name\":\"security_socket_connect\","
	"\"message\":\"m\",\"tags\":[\"t1\"],\"args\":[{\"type\":\"int\",\"enc\":\"int\",\"label\":\"fd\"},"
	"{\"type\":\"size_t\",\"enc\":\"int\"},{\"type\":\"file\",\"enc\":\"str\"},"
	"{\"type\":\"sockaddr\",\"enc\":\"sa\"},{\"type\":\"char_buf\",\"enc\":\"str\"}]},"
	"{\"event\":\"process_tracepoint\",\"subsys\":\"syscalls\",\"tracepoint\":\"sys_enter_openat\","
	"\"args\":[{\"type\":\"string\",\"enc\":\"str\"}]}],"
	"\"rules\":[{\"policy\":0,\"hook\":0,\"actions\":[\"Override\"]},"
	"{\"policy\":0,\"hook\":1,\"actions\":[\"Post\"]}],"
	"\"programs\":[{\"name\":\"x\",\"attach\":\"cgroup/connect4\"}]}";

struct rec {
	char b[1024];
	size_t n;
};

static void put(struct rec *r, const void *p, size_t n)
{
	memcpy(r->b + r->n, p, n);
	r->n += n;
}

static void put_str(struct rec *r, const char *s, size_t n)
{
	struct tpc_ev_str st = { .len = n, .orig = n };

	put(r, &st, sizeof(st));
	put(r, s, n);
	r->n = (r->n + 7) & ~7ul;
}

static void hdr(struct rec *r, uint32_t rule, uint32_t action)
{
	struct tpc_ev_hdr h = { .kind = TPC_EV_HOOK, .rule = rule, .ktime = 1000000000, .pid = 77,
				.tid = 78, .uid = 1000, .action = action };

	memcpy(h.comm, "curl", 5);
	r->n = 0;
	put(r, &h, sizeof(h));
}

static void fix_size(struct rec *r)
{
	((struct tpc_ev_hdr *)r->b)->size = r->n;
}

static void exec_rec(struct rec *r, uint32_t pid, uint32_t ppid, const char *bin,
		     const char *args, size_t alen, const char *cwd)
{
	struct tpc_ev_exec e = { .hdr = { .kind = TPC_EV_EXEC, .pid = pid, .tid = pid,
					  .ktime = 5000 + pid },
				 .ppid = ppid, .auid = 4294967295u };

	e.path_len = strlen(bin);
	e.args_len = alen;
	e.cwd_len = strlen(cwd);
	r->n = 0;
	put(r, &e, sizeof(e));
	put(r, bin, e.path_len);
	put(r, args, alen);
	put(r, cwd, e.cwd_len);
	fix_size(r);
}

static void test_decode(void **state)
{
	char err[256];
	struct ldr_meta *m = ldr_meta__parse(meta_json, strlen(meta_json), err, sizeof(err));
	struct ldr_proc_table *t = ldr_proc_table__new("node1", NULL);
	struct tpc_ev_sockaddr sa = { .family = 2, .port = 443, .addr = { 10, 0, 0, 1 } };
	struct ldr_events ev;
	struct rec r;
	int64_t v;
	json_t *j, *k, *a;

	assert_non_null(m);
	ldr_events__init(&ev, t, "node1");
	ev.boot_to_real = 0;
	ev.emit = capture;
	/* parent then child exec: the table links them */
	exec_rec(&r, 10, 1, "/usr/bin/bash", "bash\0", 5, "/");
	assert_int_equal(ldr_events__base(&ev, r.b, r.n), 0);
	exec_rec(&r, 77, 10, "/usr/bin/curl", "curl\0-s\0", 8, "/tmp");
	assert_int_equal(ldr_events__base(&ev, r.b, r.n), 0);
	j = json_loads(last, 0, NULL);
	assert_non_null(j);
	k = json_object_get(j, "process_exec");
	assert_string_equal(json_string_value(json_object_get(json_object_get(k, "process"), "binary")),
			    "/usr/bin/curl");
	assert_string_equal(json_string_value(json_object_get(json_object_get(k, "parent"), "flags")),
			    "execve rootcwd");
	assert_string_equal(json_string_value(json_object_get(json_object_get(k, "process"), "parent_exec_id")),
			    json_string_value(json_object_get(json_object_get(k, "parent"), "exec_id")));
	assert_string_equal(json_string_value(json_object_get(j, "time")), "1970-01-01T00:00:00.000005077Z");
	json_decref(j);

	hdr(&r, 0, TPC_ACT_POST | TPC_ACT_OVERRIDE);
	v = -3;
	put(&r, &v, 8);
	v = 1ll << 40;
	put(&r, &v, 8);
	put_str(&r, "/etc/pass\"wd", 12);
	put(&r, &sa, sizeof(sa));
	put_str(&r, "\x00\x01", 2);
	fix_size(&r);
	assert_int_equal(ldr_events__hook(&ev, m, NULL, r.b, r.n), 0);
	j = json_loads(last, 0, NULL);
	assert_non_null(j);
	k = json_object_get(j, "process_kprobe");
	assert_non_null(k);
	assert_string_equal(json_string_value(json_object_get(k, "function_name")), "security_socket_connect");
	assert_string_equal(json_string_value(json_object_get(k, "action")), "KPROBE_ACTION_OVERRIDE");
	assert_string_equal(json_string_value(json_object_get(k, "policy_name")), "pol\"x");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(k, "process"), "tid")), 78);
	a = json_object_get(k, "args");
	assert_int_equal(json_array_size(a), 5);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(a, 0), "int_arg")), -3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(a, 0), "label")), "fd");
	assert_string_equal(json_string_value(json_object_get(json_array_get(a, 1), "size_arg")), "1099511627776");
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_array_get(a, 2), "file_arg"), "path")),
			    "/etc/pass\"wd");
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_array_get(a, 3), "sockaddr_arg"), "addr")),
			    "10.0.0.1");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(json_array_get(a, 3), "sockaddr_arg"), "port")),
			 443);
	assert_string_equal(json_string_value(json_object_get(json_array_get(a, 4), "bytes_arg")), "AAE=");
	assert_string_equal(json_string_value(json_array_get(json_object_get(k, "tags"), 0)), "t1");
	json_decref(j);

	/* a buffer copied shorter than it was: Tetragon's truncated_bytes_arg */
	hdr(&r, 0, TPC_ACT_POST);
	v = 1;
	put(&r, &v, 8);
	put(&r, &v, 8);
	put_str(&r, "/f", 2);
	put(&r, &sa, sizeof(sa));
	{
		struct tpc_ev_str st = { .len = 3, .flags = TPC_STR_TRUNCATED, .orig = 1000 };

		put(&r, &st, sizeof(st));
		put(&r, "abc", 3);
		r.n = (r.n + 7) & ~7ul;
	}
	fix_size(&r);
	assert_int_equal(ldr_events__hook(&ev, m, NULL, r.b, r.n), 0);
	j = json_loads(last, 0, NULL);
	assert_non_null(j);
	a = json_object_get(json_object_get(j, "process_kprobe"), "args");
	k = json_object_get(json_array_get(a, 4), "truncated_bytes_arg");
	assert_non_null(k);
	assert_null(json_object_get(json_array_get(a, 4), "bytes_arg"));
	assert_string_equal(json_string_value(json_object_get(k, "bytes_arg")), "YWJj");
	assert_string_equal(json_string_value(json_object_get(k, "orig_size")), "1000");
	json_decref(j);

	/* compact */
	ev.fmt = LDR_FMT_COMPACT;
	hdr(&r, 1, TPC_ACT_POST);
	put_str(&r, "/etc/hostname\n", 14);
	fix_size(&r);
	assert_int_equal(ldr_events__hook(&ev, m, NULL, r.b, r.n), 0);
	assert_string_equal(last, "\xf0\x9f\x94\x8d syscalls/sys_enter_openat 77 /usr/bin/curl -s "
				  "/etc/hostname? [pol\"x] POST");
	ldr_events__fini(&ev);
	ldr_proc_table__free(t);
	ldr_meta__free(m);
}

/* The returnArg is the event's "return" (Tetragon's process_kprobe.return),
 * not an item of args[]; a hook posting only the return value has no args. */
static void test_return_value(void **state)
{
	static const char meta[] =
		"{\"tpc_meta_version\":1,\"abi_version\":1,\"policies\":[{\"name\":\"p\"}],"
		"\"hooks\":[{\"event\":\"process_kprobe\",\"function_name\":\"f\",\"args\":["
		"{\"type\":\"int\",\"enc\":\"int\",\"label\":\"fd\"},"
		"{\"type\":\"int\",\"enc\":\"int\",\"signed\":true,\"return\":true}]},"
		"{\"event\":\"process_kprobe\",\"function_name\":\"g\",\"args\":["
		"{\"type\":\"int\",\"enc\":\"int\",\"return\":true}]}],"
		"\"rules\":[{\"policy\":0,\"hook\":0,\"actions\":[\"Post\"]},"
		"{\"policy\":0,\"hook\":1,\"actions\":[\"Post\"]}],"
		"\"programs\":[{\"name\":\"x\",\"attach\":\"fexit\",\"target\":\"f\"}]}";
	char err[256];
	struct ldr_meta *m = ldr_meta__parse(meta, strlen(meta), err, sizeof(err));
	struct ldr_proc_table *t = ldr_proc_table__new("node1", NULL);
	struct ldr_events ev;
	struct rec r;
	int64_t v;
	json_t *j, *k;

	if (!m)
		fail_msg("%s", err);
	assert_non_null(m);
	ldr_events__init(&ev, t, "node1");
	ev.emit = capture;
	hdr(&r, 0, TPC_ACT_POST);
	v = 5;
	put(&r, &v, 8);
	v = -2;
	put(&r, &v, 8);
	fix_size(&r);
	assert_int_equal(ldr_events__hook(&ev, m, NULL, r.b, r.n), 0);
	j = json_loads(last, 0, NULL);
	k = json_object_get(j, "process_kprobe");
	assert_int_equal(json_array_size(json_object_get(k, "args")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(json_object_get(k, "args"), 0),
							    "int_arg")), 5);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(k, "return"), "int_arg")), -2);
	assert_null(json_object_get(json_object_get(k, "return"), "label"));
	json_decref(j);
	hdr(&r, 1, TPC_ACT_POST);
	v = 0;
	put(&r, &v, 8);
	fix_size(&r);
	assert_int_equal(ldr_events__hook(&ev, m, NULL, r.b, r.n), 0);
	j = json_loads(last, 0, NULL);
	k = json_object_get(j, "process_kprobe");
	assert_null(json_object_get(k, "args"));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(k, "return"), "int_arg")), 0);
	json_decref(j);
	ldr_events__fini(&ev);
	ldr_proc_table__free(t);
	ldr_meta__free(m);
}

/* file_arg/path_arg/linux_binprm_arg from enc "path": permission from the
 * inode mode (ls -l style, as Tetragon), flags for a path cut at the root. */
static void test_path_args(void **state)
{
	static const char meta[] =
		"{\"tpc_meta_version\":1,\"abi_version\":1,\"policies\":[{\"name\":\"p\"}],"
		"\"hooks\":[{\"event\":\"process_lsm\",\"function_name\":\"f\",\"args\":["
		"{\"type\":\"file\",\"enc\":\"path\"},{\"type\":\"linux_binprm\",\"enc\":\"path\"},"
		"{\"type\":\"dentry\",\"enc\":\"path\"}]}],"
		"\"rules\":[{\"policy\":0,\"hook\":0,\"actions\":[\"Post\"]}],"
		"\"programs\":[{\"name\":\"x\",\"attach\":\"lsm\",\"target\":\"f\"}]}";
	static const struct {
		uint32_t mode;
		const char *s;
	} modes[] = {
		{ 0100644, "-rw-r--r--" }, { 0104755, "-rwsr-xr-x" }, { 041777, "drwxrwxrwt" },
		{ 0102644, "-rw-r-Sr--" }, { 0120777, "lrwxrwxrwx" }, { 020620, "crw--w----" },
		{ 0140755, "srwxr-xr-x" }, { 010600, "prw-------" }, { 060660, "brw-rw----" },
		{ 01000, "--------T" },
	};
	char err[256], buf[11];
	struct ldr_meta *m = ldr_meta__parse(meta, strlen(meta), err, sizeof(err));
	struct ldr_proc_table *t = ldr_proc_table__new("node1", NULL);
	struct ldr_events ev;
	struct tpc_ev_path ph;
	struct rec r;
	json_t *j, *a;

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		ldr_mode_str(buf, modes[i].mode);
		assert_string_equal(buf, modes[i].s);
	}
	if (!m)
		fail_msg("%s", err);
	ldr_events__init(&ev, t, "node1");
	ev.emit = capture;
	hdr(&r, 0, TPC_ACT_POST);
	ph = (struct tpc_ev_path){ .len = 11, .mode = 0100640 };
	put(&r, &ph, sizeof(ph));
	put(&r, "/etc/shadow", 11);
	r.n = (r.n + 7) & ~7ul;
	ph = (struct tpc_ev_path){ .len = 8, .mode = 0104755 };
	put(&r, &ph, sizeof(ph));
	put(&r, "/bin/su!", 8);
	ph = (struct tpc_ev_path){ .len = 7, .mode = 0 };
	put(&r, &ph, sizeof(ph));
	put(&r, "deep/x!", 7);
	r.n = (r.n + 7) & ~7ul;
	fix_size(&r);
	assert_int_equal(ldr_events__hook(&ev, m, NULL, r.b, r.n), 0);
	j = json_loads(last, 0, NULL);
	a = json_object_get(json_object_get(j, "process_lsm"), "args");
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_array_get(a, 0), "file_arg"), "permission")),
			    "-rw-r-----");
	assert_null(json_object_get(json_object_get(json_array_get(a, 0), "file_arg"), "flags"));
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_array_get(a, 1), "linux_binprm_arg"), "permission")),
			    "-rwsr-xr-x");
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_array_get(a, 1), "linux_binprm_arg"), "path")),
			    "/bin/su!");
	/* unknown mode: no permission; a path cut at the root: flagged */
	assert_null(json_object_get(json_object_get(json_array_get(a, 2), "path_arg"), "permission"));
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_array_get(a, 2), "path_arg"), "flags")),
			    "unresolvedPathComponents");
	json_decref(j);
	ldr_events__fini(&ev);
	ldr_proc_table__free(t);
	ldr_meta__free(m);
}

#define PCID "551e161c47d8ff0eb665438a7bcd5b4e3ef5a297282b40a92b7c77d6bd168eb3"
#define PUID "0e4f7a6b-1c2d-4e5f-8a9b-0c1d2e3f4a5b"

/* A tracepoint event of pid 77 (rule 1 of meta_json); its process.pod. */
static json_t *hook_pod(struct ldr_events *ev, struct ldr_meta *m, struct rec *r)
{
	json_t *j, *pod;

	hdr(r, 1, TPC_ACT_POST);
	put_str(r, "/etc/hostname", 13);
	fix_size(r);
	assert_int_equal(ldr_events__hook(ev, m, NULL, r->b, r->n), 0);
	j = json_loads(last, 0, NULL);
	assert_non_null(j);
	pod = json_object_get(json_object_get(json_object_get(j, "process_tracepoint"), "process"),
			      "pod");
	json_incref(pod);
	json_decref(j);
	return pod;
}

/* process.pod: hostile strings from the API stay inside their JSON strings,
 * a store change shows in the next event, a pod whose status does not list
 * the container yet is found by the cgroup's pod UID. */
static void test_pod_enrichment(void **state)
{
	struct ldr_proc_table *t = ldr_proc_table__new("node1", NULL);
	struct ldr_pods *pods = pods__new();
	char err[256];
	struct ldr_meta *m = ldr_meta__parse(meta_json, strlen(meta_json), err, sizeof(err));
	struct ldr_events ev;
	struct ldr_proc *p;
	struct rec r;
	json_t *pod;
	const char *evil = "{\"metadata\":{\"name\":\"n\\\"1\",\"namespace\":\"ns\",\"uid\":\"" PUID "\","
			   "\"labels\":{\"a\\\"b\":\"x\\ny\"}},\"status\":{\"containerStatuses\":[{"
			   "\"name\":\"c\",\"containerID\":\"ev\\\"il://" PCID "\\\"x\"}]}}";
	const char *pending = "{\"metadata\":{\"name\":\"n1\",\"namespace\":\"ns\",\"uid\":\"" PUID
			      "\",\"labels\":{\"app\":\"v2\"}}}";

	ldr_events__init(&ev, t, "node1");
	ev.emit = capture;
	ev.pods = pods;
	/* the process runs in a container of a pod, as its cgroup says */
	exec_rec(&r, 77, 1, "/usr/bin/curl", "curl\0", 5, "/");
	assert_int_equal(ldr_events__base(&ev, r.b, r.n), 0);
	p = ldr_proc_table__lookup(t, 77);
	assert_non_null(p);
	assert_int_equal(ldr_cgroup__parse("/kubepods.slice/kubepods-pod0e4f7a6b_1c2d_4e5f_8a9b_"
					   "0c1d2e3f4a5b.slice/cri-containerd-" PCID ".scope",
					   &p->cg),
			 0);
	memcpy(p->docker, PCID, 31);
	p->docker[31] = 0;
	/* no pod known: docker only */
	assert_null(hook_pod(&ev, m, &r));
	assert_int_equal(pods__upsert_json(pods, evil, strlen(evil)), 0);
	pod = hook_pod(&ev, m, &r);
	assert_non_null(pod);
	assert_string_equal(json_string_value(json_object_get(pod, "name")), "n\"1");
	assert_string_equal(json_string_value(json_object_get(json_object_get(pod, "container"), "id")),
			    "ev\"il://" PCID "\"x");
	assert_string_equal(json_string_value(json_object_get(json_object_get(pod, "pod_labels"), "a\"b")),
			    "x\ny");
	json_decref(pod);
	/* the status loses the container (restart): found by pod UID */
	assert_int_equal(pods__upsert_json(pods, pending, strlen(pending)), 0);
	pod = hook_pod(&ev, m, &r);
	assert_non_null(pod);
	assert_string_equal(json_string_value(json_object_get(json_object_get(pod, "pod_labels"), "app")),
			    "v2");
	assert_string_equal(json_string_value(json_object_get(json_object_get(pod, "container"), "id")),
			    "containerd://" PCID);
	json_decref(pod);
	assert_int_equal(pods__delete(pods, PUID), 0);
	assert_null(hook_pod(&ev, m, &r));
	assert_non_null(strstr(last, "\"docker\":\"551e161c47d8ff0eb665438a7bcd5b4\""));
	ldr_events__fini(&ev);
	ldr_proc_table__free(t);
	pods__free(pods);
	ldr_meta__free(m);
}

static void test_hostile_records(void **state)
{
	char err[256];
	struct ldr_meta *m = ldr_meta__parse(meta_json, strlen(meta_json), err, sizeof(err));
	struct ldr_proc_table *t = ldr_proc_table__new("n", NULL);
	struct ldr_events ev;
	struct rec r;
	int64_t v = 0;
	uint64_t before;

	ldr_events__init(&ev, t, "n");
	ev.emit = capture;
	nlines = 0;
	hdr(&r, 9, 0); /* rule out of range */
	fix_size(&r);
	assert_int_equal(ldr_events__hook(&ev, m, NULL, r.b, r.n), -1);
	hdr(&r, 1, 0); /* string length beyond the record */
	{
		struct tpc_ev_str st = { .len = 500 };

		put(&r, &st, sizeof(st));
	}
	fix_size(&r);
	assert_int_equal(ldr_events__hook(&ev, m, NULL, r.b, r.n), -1);
	hdr(&r, 0, 0); /* args cut short */
	put(&r, &v, 8);
	fix_size(&r);
	assert_int_equal(ldr_events__hook(&ev, m, NULL, r.b, r.n), -1);
	hdr(&r, 0, 0); /* size field larger than the record */
	((struct tpc_ev_hdr *)r.b)->size = 4000;
	assert_int_equal(ldr_events__hook(&ev, m, NULL, r.b, r.n), -1);
	assert_int_equal(ldr_events__base(&ev, r.b, 10), -1);
	exec_rec(&r, 5, 1, "/bin/x", "x", 1, "/");
	((struct tpc_ev_exec *)r.b)->args_len = 900; /* lengths beyond the record */
	assert_int_equal(ldr_events__base(&ev, r.b, r.n), -1);
	before = ev.decode_errors;
	assert_int_equal(before, 6);
	assert_int_equal(nlines, 0);
	ldr_events__fini(&ev);
	ldr_proc_table__free(t);
	ldr_meta__free(m);
}

/* TPC_EV_NET: hdr + tpc_ev_net + tpc_ev_tcp -> network_tcp JSON; short or
 * mismatched records are decode errors. */
static const char net_meta_json[] =
	"{\"tpc_meta_version\":1,\"abi_version\":1,\"policies\":[{\"name\":\"net\"}],"
	"\"hooks\":[{\"event\":\"network_tcp\",\"type\":\"network\",\"function_name\":\"tcp\","
	"\"args\":[]},{\"event\":\"process_kprobe\",\"function_name\":\"f\",\"args\":[]}],"
	"\"rules\":[{\"policy\":0,\"hook\":0,\"actions\":[\"Block\"]},"
	"{\"policy\":0,\"hook\":1,\"actions\":[\"Post\"]}],"
	"\"programs\":[{\"name\":\"x\",\"attach\":\"tp_btf\",\"target\":\"inet_sock_set_state\"}]}";

static void net_rec(struct rec *r, uint32_t rule, uint16_t event, uint32_t action, bool body)
{
	struct tpc_ev_net n = { .proto = TPC_NET_TCP, .event = event,
				.flags = TPC_NET_F_OWNER_LISTENER, .cookie = 1ull << 40 };
	struct tpc_ev_tcp t = { .duration_ns = 5000000000ull, .bytes_sent = 12345,
				.bytes_received = 6789, .segs_out = 9, .segs_in = 8,
				.data_segs_out = 3, .data_segs_in = 2 };

	hdr(r, rule, action);
	((struct tpc_ev_hdr *)r->b)->kind = TPC_EV_NET;
	((struct tpc_ev_hdr *)r->b)->ret = action & TPC_ACT_OVERRIDE ? -1 : 0;
	n.src = (struct tpc_ev_sockaddr){ .family = 2, .protocol = 6, .port = 47311,
					  .addr = { 127, 0, 0, 1 } };
	n.dst = (struct tpc_ev_sockaddr){ .family = 2, .protocol = 6, .port = 50000,
					  .addr = { 10, 1, 2, 3 } };
	put(r, &n, sizeof(n));
	if (body)
		put(r, &t, sizeof(t));
	fix_size(r);
}

static void test_network(void **state)
{
	char err[256];
	struct ldr_meta *m = ldr_meta__parse(net_meta_json, strlen(net_meta_json), err, sizeof(err));
	struct ldr_proc_table *t = ldr_proc_table__new("node1", NULL);
	struct ldr_events ev;
	struct rec r;
	json_t *j, *k, *so;

	assert_non_null(m);
	ldr_events__init(&ev, t, "node1");
	ev.emit = capture;
	net_rec(&r, 0, TPC_TCP_CLOSE, TPC_ACT_POST, true);
	assert_int_equal(ldr_events__hook(&ev, m, NULL, r.b, r.n), 0);
	j = json_loads(last, 0, NULL);
	k = json_object_get(j, "network_tcp");
	assert_non_null(k);
	assert_string_equal(json_string_value(json_object_get(k, "event")), "CLOSE");
	assert_string_equal(json_string_value(json_object_get(k, "owner")), "listener");
	assert_string_equal(json_string_value(json_object_get(k, "duration_ns")), "5000000000");
	assert_string_equal(json_string_value(json_object_get(k, "bytes_sent")), "12345");
	assert_string_equal(json_string_value(json_object_get(k, "bytes_received")), "6789");
	assert_int_equal(json_integer_value(json_object_get(k, "data_segs_in")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(k, "process"), "pid")), 77);
	so = json_object_get(k, "socket");
	assert_string_equal(json_string_value(json_object_get(so, "saddr")), "127.0.0.1");
	assert_int_equal(json_integer_value(json_object_get(so, "sport")), 47311);
	assert_string_equal(json_string_value(json_object_get(so, "daddr")), "10.1.2.3");
	assert_int_equal(json_integer_value(json_object_get(so, "dport")), 50000);
	assert_string_equal(json_string_value(json_object_get(so, "cookie")), "1099511627776");
	assert_null(json_object_get(k, "error"));
	json_decref(j);
	/* a Block: the errno is reported */
	net_rec(&r, 0, TPC_TCP_CONNECT, TPC_ACT_POST | TPC_ACT_OVERRIDE, true);
	assert_int_equal(ldr_events__hook(&ev, m, NULL, r.b, r.n), 0);
	j = json_loads(last, 0, NULL);
	k = json_object_get(j, "network_tcp");
	assert_string_equal(json_string_value(json_object_get(k, "action")), "KPROBE_ACTION_OVERRIDE");
	assert_int_equal(json_integer_value(json_object_get(k, "error")), 1);
	assert_null(json_object_get(k, "duration_ns"));
	json_decref(j);
	/* hostile: no tcp body, a net record on a kprobe hook, a hook record
	 * on a network hook, a record shorter than tpc_ev_net */
	ev.decode_errors = 0;
	net_rec(&r, 0, TPC_TCP_CLOSE, TPC_ACT_POST, false);
	assert_int_equal(ldr_events__hook(&ev, m, NULL, r.b, r.n), -1);
	net_rec(&r, 1, TPC_TCP_CLOSE, TPC_ACT_POST, true);
	assert_int_equal(ldr_events__hook(&ev, m, NULL, r.b, r.n), -1);
	hdr(&r, 0, TPC_ACT_POST);
	fix_size(&r);
	assert_int_equal(ldr_events__hook(&ev, m, NULL, r.b, r.n), -1);
	net_rec(&r, 0, TPC_TCP_CLOSE, TPC_ACT_POST, true);
	((struct tpc_ev_hdr *)r.b)->size = sizeof(struct tpc_ev_hdr) + 8;
	assert_int_equal(ldr_events__hook(&ev, m, NULL, r.b, r.n), -1);
	assert_int_equal(ev.decode_errors, 4);
	/* compact */
	ev.fmt = LDR_FMT_COMPACT;
	net_rec(&r, 0, TPC_TCP_ACCEPT, TPC_ACT_POST, true);
	assert_int_equal(ldr_events__hook(&ev, m, NULL, r.b, r.n), 0);
	assert_non_null(strstr(last, "tcp/ACCEPT 77 curl 127.0.0.1:47311 > 10.1.2.3:50000 [net] POST"));
	ldr_events__fini(&ev);
	ldr_proc_table__free(t);
	ldr_meta__free(m);
}

static void test_actions_time(void **state)
{
	struct ldr_meta_rule r = { 0 };
	char *acts[] = { "Sigkill" }, *notify[] = { "NotifyEnforcer" };
	struct ldr_events ev;
	char t[40];

	assert_int_equal(ldr_action__of(TPC_ACT_POST | TPC_ACT_SIGKILL, NULL), LDR_A_SIGKILL);
	assert_int_equal(ldr_action__of(TPC_ACT_OVERRIDE, NULL), LDR_A_OVERRIDE);
	assert_int_equal(ldr_action__of(0, NULL), LDR_A_POST);
	r.actions = acts;
	r.nactions = 1;
	assert_int_equal(ldr_action__of(0, &r), LDR_A_SIGKILL);
	/* NotifyEnforcer's signal or deny is reported as that action; its
	 * rule's plain post stays a post */
	r.actions = notify;
	assert_int_equal(ldr_action__of(TPC_ACT_POST | TPC_ACT_SIGKILL, &r),
			 LDR_A_NOTIFY_ENFORCER);
	assert_int_equal(ldr_action__of(TPC_ACT_POST | TPC_ACT_OVERRIDE, &r),
			 LDR_A_NOTIFY_ENFORCER);
	assert_int_equal(ldr_action__of(TPC_ACT_POST, &r), LDR_A_POST);
	assert_string_equal(ldr_action_names[LDR_A_NOTIFY_ENFORCER],
			    "KPROBE_ACTION_NOTIFYENFORCER");
	ldr_events__init(&ev, NULL, "n");
	ldr_events__time(&ev, 1696629837700326678ull, t);
	assert_string_equal(t, "2023-10-06T22:03:57.700326678Z");
	ldr_events__time(&ev, 1696629837000000001ull, t);
	assert_string_equal(t, "2023-10-06T22:03:57.000000001Z");
	ldr_events__fini(&ev);
}

static void test_proc_table(void **state)
{
	struct ldr_proc_table *t = ldr_proc_table__new("n", NULL);
	struct tpc_ev_fork f = { .hdr = { .kind = TPC_EV_FORK, .pid = 200, .ktime = 10 }, .ppid = 100 };
	struct tpc_ev_exit x = { .hdr = { .kind = TPC_EV_EXIT, .pid = 200, .ktime = 20 } };
	struct ldr_proc *p;
	int n = ldr_proc_table__scan(t, "/proc");

	assert_true(n > 0);
	p = ldr_proc_table__lookup(t, getpid());
	assert_non_null(p);
	assert_non_null(strstr(p->binary, "test_loader_events"));
	assert_non_null(strstr(p->flags, "procFS"));
	assert_int_not_equal(p->parent_exec_id[0], 0);
	p = ldr_proc_table__fork(t, &f);
	assert_string_equal(p->flags, "clone");
	assert_non_null(ldr_proc_table__exit(t, &x));
	ldr_proc_table__purge(t, 20 + 5, 10); /* too young to purge */
	assert_non_null(ldr_proc_table__lookup(t, 200));
	ldr_proc_table__purge(t, 20 + 50, 10);
	assert_null(ldr_proc_table__lookup(t, 200));
	ldr_proc_table__free(t);
}

/* A kernel and a user stack trace at the record's end: symbols from a
 * kallsyms file (a module's symbol too) and from this test's own ELF
 * symbols through /proc/self/maps; a lost trace says why; a trailer that
 * does not fit the record is a decode error. */
static void test_stack_traces(void **state)
{
	static const char meta[] =
		"{\"tpc_meta_version\":1,\"abi_version\":1,\"policies\":[{\"name\":\"p\"}],"
		"\"hooks\":[{\"event\":\"process_kprobe\",\"function_name\":\"f\",\"args\":["
		"{\"type\":\"int\",\"enc\":\"int\"}]}],"
		"\"rules\":[{\"policy\":0,\"hook\":0,\"actions\":[\"Post\"],"
		"\"kernel_stack\":true,\"user_stack\":true}],"
		"\"programs\":[{\"name\":\"x\",\"attach\":\"kprobe\",\"target\":\"f\"}]}";
	char err[256], ks[] = "/tmp/tpc-kallsyms.XXXXXX";
	struct ldr_meta *m = ldr_meta__parse(meta, strlen(meta), err, sizeof(err));
	struct ldr_proc_table *t = ldr_proc_table__new("node1", NULL);
	struct ldr_events ev;
	struct tpc_ev_stacks st;
	struct rec r;
	uint64_t v;
	json_t *j, *k, *e;
	int fd = mkstemp(ks);
	static const char kallsyms[] = "ffffffff81000000 T do_thing\n"
				       "ffffffff81000040 D some_data\n"
				       "ffffffff81000100 t other\t[mymod]\n";

	(void)state;
	assert_non_null(m);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, kallsyms, sizeof(kallsyms) - 1), (ssize_t)sizeof(kallsyms) - 1);
	close(fd);
	ldr_events__init(&ev, t, "node1");
	ev.emit = capture;
	ev.syms = ldr_syms__new(ks);
	hdr(&r, 0, TPC_ACT_POST);
	((struct tpc_ev_hdr *)r.b)->pid = (uint32_t)getpid();
	v = 9;
	put(&r, &v, 8);
	v = 0xffffffff81000010ull; /* do_thing+0x10 (innermost: not a return address) */
	put(&r, &v, 8);
	v = 0xffffffff81000105ull; /* other+5, in mymod (not some_data: data) */
	put(&r, &v, 8);
	v = (uint64_t)(uintptr_t)&test_stack_traces + 4;
	put(&r, &v, 8);
	st = (struct tpc_ev_stacks){ .kernel = 16, .user = 8 };
	put(&r, &st, sizeof(st));
	fix_size(&r);
	assert_int_equal(ldr_events__hook(&ev, m, NULL, r.b, r.n), 0);
	j = json_loads(last, 0, NULL);
	k = json_object_get(j, "process_kprobe");
	assert_int_equal(json_array_size(json_object_get(k, "args")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(json_object_get(k, "args"), 0),
							    "int_arg")), 9);
	e = json_object_get(k, "kernel_stack_trace");
	assert_int_equal(json_array_size(e), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(e, 0), "symbol")),
			    "do_thing");
	assert_string_equal(json_string_value(json_object_get(json_array_get(e, 0), "offset")), "16");
	assert_null(json_object_get(json_array_get(e, 0), "address")); /* not exposed */
	assert_null(json_object_get(json_array_get(e, 0), "module"));
	assert_string_equal(json_string_value(json_object_get(json_array_get(e, 1), "symbol")),
			    "other");
	assert_string_equal(json_string_value(json_object_get(json_array_get(e, 1), "offset")), "5");
	assert_string_equal(json_string_value(json_object_get(json_array_get(e, 1), "module")),
			    "mymod");
	e = json_object_get(k, "user_stack_trace");
	assert_int_equal(json_array_size(e), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(e, 0), "symbol")),
			    "test_stack_traces");
	assert_string_equal(json_string_value(json_object_get(json_array_get(e, 0), "offset")), "4");
	assert_non_null(strstr(json_string_value(json_object_get(json_array_get(e, 0), "module")),
			       "test_loader_events"));
	json_decref(j);

	/* lost kernel trace, empty user trace; addresses exposed */
	ev.stack_addresses = true;
	hdr(&r, 0, TPC_ACT_POST);
	v = 1;
	put(&r, &v, 8);
	st = (struct tpc_ev_stacks){ .kernel = -7 /* E2BIG */, .user = 0 };
	put(&r, &st, sizeof(st));
	fix_size(&r);
	assert_int_equal(ldr_events__hook(&ev, m, NULL, r.b, r.n), 0);
	j = json_loads(last, 0, NULL);
	k = json_object_get(j, "process_kprobe");
	e = json_object_get(k, "kernel_stack_trace");
	assert_int_equal(json_array_size(e), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(e, 0), "symbol")),
			    "[stack trace lost: E2BIG]");
	assert_null(json_object_get(k, "user_stack_trace"));
	json_decref(j);

	/* a trailer claiming more frames than the record has; a length that
	 * is not whole frames */
	hdr(&r, 0, TPC_ACT_POST);
	v = 1;
	put(&r, &v, 8);
	st = (struct tpc_ev_stacks){ .kernel = 64, .user = 0 };
	put(&r, &st, sizeof(st));
	fix_size(&r);
	assert_int_equal(ldr_events__hook(&ev, m, NULL, r.b, r.n), -1);
	hdr(&r, 0, TPC_ACT_POST);
	v = 1;
	put(&r, &v, 8);
	st = (struct tpc_ev_stacks){ .kernel = 4, .user = 0 };
	put(&r, &st, sizeof(st));
	fix_size(&r);
	assert_int_equal(ldr_events__hook(&ev, m, NULL, r.b, r.n), -1);
	assert_int_equal(ev.decode_errors, 2);
	ldr_events__fini(&ev);
	ldr_proc_table__free(t);
	ldr_meta__free(m);
	unlink(ks);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec_id),		 cmocka_unit_test(test_jbuf),
		cmocka_unit_test(test_args_join_docker), cmocka_unit_test(test_decode),
		cmocka_unit_test(test_hostile_records),
		cmocka_unit_test(test_pod_enrichment),	 cmocka_unit_test(test_actions_time),
		cmocka_unit_test(test_proc_table),
		cmocka_unit_test(test_network),
		cmocka_unit_test(test_return_value),
		cmocka_unit_test(test_path_args),
		cmocka_unit_test(test_stack_traces),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
