/* hold OBJ.bpf.o...: load every object, attach every program with libbpf's
 * auto-attach (SEC name), print "prog NAME ID" for each and "ready" on
 * stdout, then drain every ring buffer of the objects every millisecond
 * until SIGINT/SIGTERM, and print "events=N" on stderr at the end and on
 * every SIGUSR1 (after a last drain, so a case's count is complete when
 * the line appears). It carries the bench's baselines (the
 * empty program, the hand-written program) without involving tpc-loader,
 * so they pay no loader costs the tpc cases would not also pay.
 *
 * For tpc objects it also fills the maps listed in `.tpc.meta` (path_hash,
 * str_set, prefix_set, int_set, per docs/object-format.md) exactly as the
 * values are written, without realpath resolution: the bench needs every
 * fill kind to measure set scaling, whichever kinds tpc-loader supports.
 * Objects are loaded without the programs `.tpc.meta` does not attach
 * only if they have no SEC() auto-attach name (libbpf skips those).
 * Programs in cgroup/ sections are attached to the cgroup v2 root
 * ($HOLD_CGROUP, default /sys/fs/cgroup). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <gelf.h>
#include <jansson.h>

#include "tpc_abi.h"

static volatile sig_atomic_t stop, report;

/* cgroup programs have no auto-attach: they go on the cgroup v2 root
 * ($HOLD_CGROUP, default /sys/fs/cgroup), as tpc-loader attaches them */
static struct bpf_link *hold__attach(struct bpf_program *p)
{
	static int cgfd = -1;

	switch (bpf_program__type(p)) {
	case BPF_PROG_TYPE_CGROUP_SOCK_ADDR:
	case BPF_PROG_TYPE_CGROUP_SOCK:
	case BPF_PROG_TYPE_CGROUP_SKB:
	case BPF_PROG_TYPE_SOCK_OPS:
		if (cgfd < 0)
			cgfd = open(getenv("HOLD_CGROUP") ?: "/sys/fs/cgroup", O_RDONLY | O_DIRECTORY);
		return cgfd < 0 ? NULL : bpf_program__attach_cgroup(p, cgfd);
	default:
		return bpf_program__attach(p);
	}
}
static unsigned long long events;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		report = 1;
	else
		stop = 1;
}

static int on_event(void *ctx, void *data, size_t size)
{
	(void)ctx;
	(void)data;
	(void)size;
	events++;
	return 0;
}

#define MAX_OBJS 64

/* The `.tpc.meta` JSON of an ELF object, or NULL if it has none. */
static json_t *meta__read(const char *path)
{
	json_t *j = NULL;
	Elf *elf = NULL;
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	int fd;

	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_getshdrstrndx(elf, &shstrndx))
		goto cleanup;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		const char *name;

		if (!gelf_getshdr(scn, &sh))
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!name || strcmp(name, ".tpc.meta"))
			continue;
		d = elf_getdata(scn, NULL);
		if (d && d->d_buf)
			j = json_loadb(d->d_buf, d->d_size, 0, NULL);
		break;
	}
cleanup:
	elf_end(elf);
	close(fd);
	return j;
}

/* Insert one fill value; key layouts follow compiler/emit.c. */
static int fill__one(struct bpf_map *m, const char *kind, const char *v)
{
	uint32_t ksz = bpf_map__key_size(m);
	uint8_t key[4 + 4096] = { 0 }, one = 1;
	size_t len = strlen(v);

	if (ksz > sizeof(key))
		return -E2BIG;
	if (!strcmp(kind, "path_hash")) {
		struct tpc_path_val pv;
		__u64 h;

		if (tpc_path_val__init(&pv, &h, v, (uint32_t)len))
			return -E2BIG;
		return bpf_map_update_elem(bpf_map__fd(m), &h, &pv, BPF_ANY) ? -errno : 0;
	}
	if (!strcmp(kind, "int_set")) {
		uint64_t x = (uint64_t)strtoll(v, NULL, 0);

		memcpy(key, &x, ksz < 8 ? ksz : 8);
	} else if (!strcmp(kind, "prefix_set")) {
		uint32_t bits = (uint32_t)len * 8;

		if (len > ksz - 4)
			return -E2BIG;
		memcpy(key, &bits, 4);
		memcpy(key + 4, v, len);
	} else {
		if (len >= ksz)
			return -E2BIG;
		memcpy(key, v, len);
	}
	return bpf_map_update_elem(bpf_map__fd(m), key, &one, BPF_ANY) ? -errno : 0;
}

static int fill__object(struct bpf_object *o, json_t *meta)
{
	json_t *maps = json_object_get(meta, "maps"), *mj;
	size_t i, k;

	json_array_foreach(maps, i, mj) {
		json_t *fill = json_object_get(mj, "fill"), *vj;
		const char *name = json_string_value(json_object_get(mj, "name"));
		const char *kind = json_string_value(json_object_get(fill, "kind"));
		struct bpf_map *m = name ? bpf_object__find_map_by_name(o, name) : NULL;

		if (!m || !kind) {
			fprintf(stderr, "hold: fill of map '%s' does not fit the object\n",
				name ? name : "?");
			return -EINVAL;
		}
		json_array_foreach(json_object_get(fill, "values"), k, vj) {
			int err = fill__one(m, kind, json_string_value(vj) ?: "");

			if (err) {
				fprintf(stderr, "hold: fill %s: %s\n", name, strerror(-err));
				return err;
			}
		}
	}
	return 0;
}

/* "prog NAME ID" on stdout: the bench reads bpf_stats of exactly these
 * programs, whatever else is attached to the same hook. */
static void print_id(struct bpf_program *p)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);

	if (!bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len))
		printf("prog %s %u\n", bpf_program__name(p), info.id);
}

int main(int argc, char **argv)
{
	struct bpf_object *objs[MAX_OBJS] = { 0 };
	struct ring_buffer *rb = NULL;
	int nobj = 0, err = 0, i;

	if (argc < 2 || argc - 1 > MAX_OBJS) {
		fprintf(stderr, "usage: hold OBJ.bpf.o...\n");
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGUSR1, on_signal);
	for (i = 1; i < argc; i++) {
		struct bpf_object *o = bpf_object__open_file(argv[i], NULL);
		struct bpf_program *p;
		struct bpf_map *m;
		json_t *meta;

		if (!o) {
			err = -errno;
			fprintf(stderr, "hold: open %s: %s\n", argv[i], strerror(errno));
			goto cleanup;
		}
		objs[nobj++] = o;
		err = bpf_object__load(o);
		if (err) {
			fprintf(stderr, "hold: load %s: %s\n", argv[i], strerror(-err));
			goto cleanup;
		}
		meta = meta__read(argv[i]);
		err = meta ? fill__object(o, meta) : 0;
		json_decref(meta);
		if (err)
			goto cleanup;
		bpf_object__for_each_program(p, o) {
			if (!bpf_program__autoload(p))
				continue;
			if (!hold__attach(p)) {
				err = -errno;
				fprintf(stderr, "hold: attach %s: %s\n", bpf_program__name(p),
					strerror(errno));
				goto cleanup;
			}
			print_id(p);
		}
		bpf_object__for_each_map(m, o) {
			if (bpf_map__type(m) != BPF_MAP_TYPE_RINGBUF)
				continue;
			if (!rb)
				rb = ring_buffer__new(bpf_map__fd(m), on_event, NULL, NULL);
			else if (ring_buffer__add(rb, bpf_map__fd(m), on_event, NULL))
				rb = NULL;
			if (!rb) {
				err = -errno;
				fprintf(stderr, "hold: ring buffer: %s\n", strerror(errno));
				goto cleanup;
			}
		}
	}
	printf("ready\n");
	fflush(stdout);
	while (!stop) {
		/* producers submit with BPF_RB_NO_WAKEUP, so epoll would never
		 * fire: consume on a 1 ms timer, like the loader */
		if (rb) {
			usleep(1000);
			ring_buffer__consume(rb);
		} else
			usleep(100000); /* a signal cuts it short */
		if (report) {
			report = 0;
			if (rb)
				ring_buffer__consume(rb);
			fprintf(stderr, "events=%llu\n", events);
		}
	}
	if (rb)
		ring_buffer__consume(rb);
	fprintf(stderr, "events=%llu\n", events);
cleanup:
	ring_buffer__free(rb);
	for (i = 0; i < nobj; i++)
		bpf_object__close(objs[i]);
	return err ? 1 : 0;
}
