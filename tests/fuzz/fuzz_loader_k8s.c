/* fuzz_loader_k8s.c - libFuzzer target for what tpc-loader reads from the
 * Kubernetes API: the watch stream (newline-delimited JSON, fed in chunks
 * whose sizes come from the input's first byte) into the pod store, and the
 * same bytes as a PodList.  Any input must end in applied, skipped or
 * refused data, never a crash, leak or out-of-bounds read. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "k8s/ldr_k8s.h"
#include "k8s/ldr_pods.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ldr_pods *s = pods__new();
	struct ldr_k8s_stream st;
	size_t chunk, off;
	char err[256];

	if (!s || size < 1) {
		pods__free(s);
		return 0;
	}
	chunk = data[0] % 64 + 1;
	data++;
	size--;
	ldr_k8s_stream__init(&st, s, "1");
	for (off = 0; off < size; off += chunk)
		ldr_k8s_stream__feed(&st, (const char *)data + off,
				     size - off < chunk ? size - off : chunk);
	ldr_k8s_stream__feed(&st, "\n", 1);
	ldr_k8s_stream__fini(&st);
	pods__replace_list_json(s, (const char *)data, size, err, sizeof(err));
	pods__free(s);
	return 0;
}
