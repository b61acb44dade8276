/* test_kobj.c - kernel-object arguments: the generated syscall table and
 * Tetragon's list-value forms (compiler/base/syscalls.c), and the loader's
 * rendering of "obj" records and kernel-typed integers (export/kobj.c)
 * through ldr_events__hook, parsed back with jansson; hostile records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "base/syscalls.h"
#include "core/ldr_meta.h"
#include "core/ldr_proc.h"
#include "export/ldr_events.h"
#include "tpc_abi.h"

static void t_syscall_table(void **st)
{
	int nr;

	(void)st;
	/* numbers from asm/unistd_64.h and unistd_32.h */
	assert_int_equal(syscall__lookup(SYSCALL_ABI_X64, "dup", &nr), 0);
	assert_int_equal(nr, 32);
	assert_int_equal(syscall__lookup(SYSCALL_ABI_I386, "dup", &nr), 0);
	assert_int_equal(nr, 41);
	assert_int_equal(syscall__lookup(SYSCALL_ABI_X64, "execve", &nr), 0);
	assert_int_equal(nr, 59);
	assert_int_not_equal(syscall__lookup(SYSCALL_ABI_X64, "nosuch", &nr), 0);
	assert_string_equal(syscall__name(SYSCALL_ABI_X64, 101), "ptrace");
	assert_true(syscall__count(SYSCALL_ABI_X64) > 300);
	assert_true(syscall__count(SYSCALL_ABI_I386) > 300);
}

static void t_syscall_parse(void **st)
{
	static const struct {
		const char *v;
		int64_t id;
	} ok[] = {
		{ "sys_dup", 32 },	   { "dup", 32 },
		{ "__x64_sys_dup", 32 }, { "x64/sys_dup", 32 },
		{ "i386/sys_dup", 41 | 0x80000000ll }, { "__ia32_sys_dup", 41 | 0x80000000ll },
		{ "i386/__ia32_sys_dup", 41 | 0x80000000ll },
	};
	const char *why, *sug;
	int64_t id;

	(void)st;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(syscall__parse(ok[i].v, &id, &why, &sug), 0);
		assert_int_equal(id, ok[i].id);
	}
	assert_int_not_equal(syscall__parse("sys_ptrac", &id, &why, &sug), 0);
	assert_string_equal(sug, "sys_ptrace");
	assert_int_not_equal(syscall__parse("__x64_sys_opnat", &id, &why, &sug), 0);
	assert_string_equal(sug, "__x64_sys_openat");
	assert_int_not_equal(syscall__parse("x64/__ia32_sys_dup", &id, &why, &sug), 0);
	assert_int_not_equal(syscall__parse("arm64/sys_dup", &id, &why, &sug), 0);
	assert_int_not_equal(syscall__parse("zzzzzzzzzzzz", &id, &why, &sug), 0);
	assert_null(sug);
}

static const char meta_json[] =
	"{\"tpc_meta_version\":1,\"abi_version\":1,\"policies\":[{\"name\":\"p\"}],"
	"\"hooks\":[{\"event\":\"process_kprobe\",\"function_name\":\"commit_creds\","
	"\"args\":[{\"type\":\"cred\",\"enc\":\"obj\"},{\"type\":\"syscall64\",\"enc\":\"int\"},"
	"{\"type\":\"cap_effective\",\"enc\":\"int\"},{\"type\":\"skb\",\"enc\":\"obj\"},"
	"{\"type\":\"bpf_map\",\"enc\":\"obj\",\"label\":\"m\"},{\"type\":\"module\",\"enc\":\"obj\"}]}],"
	"\"rules\":[{\"policy\":0,\"hook\":0,\"actions\":[\"Post\"]}],"
	"\"programs\":[{\"name\":\"x\",\"attach\":\"kprobe\",\"target\":\"commit_creds\"}]}";

static char last[8192];

static void capture(void *sink, const char *line, size_t len)
{
	(void)sink;
	snprintf(last, sizeof(last), "%.*s", (int)len, line);
}

struct rec {
	char b[1024];
	size_t n;
};

static void put(struct rec *r, const void *p, size_t n)
{
	memcpy(r->b + r->n, p, n);
	r->n += n;
}

static void put_obj(struct rec *r, uint16_t kind, const void *p, uint16_t n)
{
	struct tpc_ev_obj h = { .kind = kind, .len = n };

	put(r, &h, sizeof(h));
	put(r, p, n);
	r->n = (r->n + 7) & ~7ul;
}

static json_t *arg(json_t *args, size_t i, const char *key)
{
	return json_object_get(json_array_get(args, i), key);
}

static void t_render(void **st)
{
	char err[256];
	struct ldr_meta *m = ldr_meta__parse(meta_json, strlen(meta_json), err, sizeof(err));
	struct ldr_proc_table *t = ldr_proc_table__new("node1", NULL);
	struct tpc_ev_hdr h = { .kind = TPC_EV_HOOK, .ktime = 1, .pid = 7, .tid = 7 };
	struct tpc_ev_cred c = { .uid = 1000, .euid = 0, .fsuid = 0, .suid = 0, .gid = 100,
				 .securebits = 16 | 1,
				 .cap_effective = (1ull << 21) | 1, .cap_permitted = 1ull << 7,
				 .user_ns = { .level = 0, .inum = 4026531837u } };
	struct tpc_ev_skb k = { .len = 38, .sa = { { .family = 2, .port = 53, .protocol = 17,
						    .addr = { 10, 0, 0, 2 } },
						  { .family = 2, .port = 40000, .protocol = 17,
						    .addr = { 127, 0, 0, 1 } } } };
	struct tpc_ev_bpf_map bm = { .map_type = 27, .key_size = 0, .max_entries = 4096 };
	struct tpc_ev_module mod = { .taints = 4096 | 8192, .flags = TPC_MOD_F_SIG_KNOWN };
	struct ldr_events ev;
	struct rec r = { .n = 0 };
	uint64_t v;
	json_t *j, *a, *o;

	(void)st;
	if (!m)
		fail_msg("meta: %s", err);
	memcpy(bm.name, "a_map_name_16byt", 16); /* no NUL: cut at 16 */
	memcpy(mod.name, "tpc_kobj_mod", 12);
	ldr_events__init(&ev, t, "node1");
	ev.emit = capture;
	put(&r, &h, sizeof(h));
	put_obj(&r, TPC_OBJ_CRED, &c, sizeof(c));
	v = 41 | 0x80000000u;
	put(&r, &v, 8);
	v = 0x00000000a80425fbull;
	put(&r, &v, 8);
	put_obj(&r, TPC_OBJ_SKB, &k, sizeof(k));
	put_obj(&r, TPC_OBJ_BPF_MAP, &bm, sizeof(bm));
	put_obj(&r, 0, &mod, sizeof(mod)); /* a NULL module in the kernel */
	((struct tpc_ev_hdr *)r.b)->size = r.n;
	assert_int_equal(ldr_events__hook(&ev, m, NULL, r.b, r.n), 0);
	j = json_loads(last, 0, NULL);
	assert_non_null(j);
	a = json_object_get(json_object_get(j, "process_kprobe"), "args");
	assert_int_equal(json_array_size(a), 6);
	o = arg(a, 0, "process_credentials_arg");
	assert_int_equal(json_integer_value(json_object_get(o, "uid")), 1000);
	assert_int_equal(json_integer_value(json_object_get(o, "gid")), 100);
	assert_int_equal(json_integer_value(json_object_get(o, "euid")), 0);
	assert_string_equal(json_string_value(json_array_get(json_object_get(o, "securebits"), 1)),
			    "SecBitKeepCaps");
	assert_string_equal(json_string_value(json_array_get(
				    json_object_get(json_object_get(o, "caps"), "effective"), 1)),
			    "CAP_SYS_ADMIN");
	assert_string_equal(json_string_value(json_array_get(
				    json_object_get(json_object_get(o, "caps"), "permitted"), 0)),
			    "CAP_SETUID");
	assert_null(json_object_get(json_object_get(o, "caps"), "inheritable"));
	assert_true(json_is_true(json_object_get(
		json_object_get(json_object_get(o, "user_ns"), "ns"), "is_host")));
	assert_int_equal(json_integer_value(json_object_get(
				 json_object_get(json_object_get(o, "user_ns"), "ns"), "inum")),
			 4026531837u);
	o = arg(a, 1, "syscall_id");
	assert_int_equal(json_integer_value(json_object_get(o, "id")), 41);
	assert_string_equal(json_string_value(json_object_get(o, "abi")), "i386");
	assert_string_equal(json_string_value(arg(a, 2, "cap_effective_arg")), "00000000a80425fb");
	o = arg(a, 3, "skb_arg");
	assert_string_equal(json_string_value(json_object_get(o, "daddr")), "10.0.0.2");
	assert_string_equal(json_string_value(json_object_get(o, "saddr")), "127.0.0.1");
	assert_int_equal(json_integer_value(json_object_get(o, "dport")), 53);
	assert_int_equal(json_integer_value(json_object_get(o, "sport")), 40000);
	assert_int_equal(json_integer_value(json_object_get(o, "len")), 38);
	assert_string_equal(json_string_value(json_object_get(o, "protocol")), "IPPROTO_UDP");
	assert_string_equal(json_string_value(json_object_get(o, "family")), "AF_INET");
	o = arg(a, 4, "bpf_map_arg");
	assert_string_equal(json_string_value(json_object_get(o, "MapType")), "BPF_MAP_TYPE_RINGBUF");
	assert_int_equal(json_integer_value(json_object_get(o, "MaxEntries")), 4096);
	assert_string_equal(json_string_value(json_object_get(o, "MapName")), "a_map_name_16byt");
	assert_string_equal(json_string_value(arg(a, 4, "label")), "m");
	assert_int_equal(json_object_size(arg(a, 5, "module_arg")), 0);
	json_decref(j);

	/* a module record: name, signature, taints */
	r.n = sizeof(h) + 8 + sizeof(c) + 16 + 8 + sizeof(k) + 8 + sizeof(bm);
	put_obj(&r, TPC_OBJ_MODULE, &mod, sizeof(mod));
	((struct tpc_ev_hdr *)r.b)->size = r.n;
	assert_int_equal(ldr_events__hook(&ev, m, NULL, r.b, r.n), 0);
	j = json_loads(last, 0, NULL);
	a = json_object_get(json_object_get(j, "process_kprobe"), "args");
	o = arg(a, 5, "module_arg");
	assert_string_equal(json_string_value(json_object_get(o, "name")), "tpc_kobj_mod");
	assert_true(json_is_false(json_object_get(o, "signature_ok")));
	assert_string_equal(json_string_value(json_array_get(json_object_get(o, "tainted"), 1)),
			    "TAINT_UNSIGNED_MODULE");
	json_decref(j);

	/* hostile: a record shorter than its kind's layout, a length past the end */
	r.n = sizeof(h);
	put_obj(&r, TPC_OBJ_CRED, &c, 8);
	((struct tpc_ev_hdr *)r.b)->size = r.n;
	assert_int_not_equal(ldr_events__hook(&ev, m, NULL, r.b, r.n), 0);
	r.n = sizeof(h);
	{
		struct tpc_ev_obj bad = { .kind = TPC_OBJ_CRED, .len = 900 };

		put(&r, &bad, sizeof(bad));
	}
	((struct tpc_ev_hdr *)r.b)->size = r.n;
	assert_int_not_equal(ldr_events__hook(&ev, m, NULL, r.b, r.n), 0);
	ldr_events__fini(&ev);
	ldr_proc_table__free(t);
	ldr_meta__free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_syscall_table),
		cmocka_unit_test(t_syscall_parse),
		cmocka_unit_test(t_render),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
