/* fuzz_loader.c - libFuzzer target for what tpc-loader reads from an
 * untrusted object and its ring buffer: the .tpc.meta JSON and, with that
 * metadata, hook and base-sensor records.  Input: a 2-byte little-endian
 * metadata length, the metadata, then records (2-byte length each). Any
 * input must end in a refusal or a counted decode error, never a crash,
 * leak or out-of-bounds read. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "export/ldr_events.h"
#include "core/ldr_meta.h"
#include "core/ldr_proc.h"

static void sink(void *ctx, const char *line, size_t len)
{
	(void)ctx;
	(void)line;
	(void)len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ldr_proc_table *t;
	struct ldr_events ev;
	struct ldr_meta *m;
	char err[256];
	size_t n, off;

	if (size < 2)
		return 0;
	n = data[0] | data[1] << 8;
	if (n > size - 2)
		n = size - 2;
	m = ldr_meta__parse((const char *)data + 2, n, err, sizeof(err));
	if (!t)
		t = ldr_proc_table__new("fuzz", NULL);
	ldr_events__init(&ev, t, "fuzz");
	ev.emit = sink;
	for (off = 2 + n; off + 2 <= size;) {
		size_t len = data[off] | data[off + 1] << 8;
		uint8_t rec[4096] __attribute__((aligned(8)));

		off += 2;
		if (len > size - off)
			len = size - off;
		if (len > sizeof(rec))
			len = sizeof(rec);
		memcpy(rec, data + off, len);
		off += len;
		for (int fmt = LDR_FMT_JSON; fmt <= LDR_FMT_COMPACT; fmt++) {
			ev.fmt = fmt;
			if (m)
				ldr_events__hook(&ev, m, NULL, rec, len);
			ldr_events__base(&ev, rec, len);
		}
		{
			/* the DNS answer decoder on the same bytes */
			struct ldr_dns_msg dm;

			ldr_dns__decode(rec, len, &dm);
		}
	}
	ldr_events__fini(&ev);
	ldr_meta__free(m);
	/* exited entries pile up otherwise: purge everything now and then */
	ldr_proc_table__purge(t, UINT64_MAX, 0);
	return 0;
}
