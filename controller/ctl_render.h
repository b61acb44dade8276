/* ctl_render.h - a policy object from the API as `kubectl get -o yaml`
 * shows it, and the source tpc-controller compiles.
 *
 * Contract:
 *  - ctl_render__yaml() writes the object (JSON from the API) as YAML the
 *    way kubectl renders it (sigs.k8s.io/yaml over go-yaml v2): mapping keys
 *    in go-yaml's order (digit runs compared as numbers, non-letters before
 *    letters), block style, sequences not indented under their key, strings
 *    plain unless they would read as another type (then double-quoted) or
 *    need quoting (single-quoted), strings with a newline as literal blocks,
 *    empty collections as {} and [], no line wrapping; metadata.managedFields
 *    left out (kubectl hides them).
 *  - With CTL_RENDER_SOURCE (what is compiled): `status` is left out (it
 *    follows `spec`, so no line moves) and the metadata keys that change
 *    without the policy changing (creationTimestamp, generation,
 *    resourceVersion, uid, deletion*) become empty lines, so every line of
 *    the source is the line kubectl shows (diagnostics point at the object
 *    the user sees) while the object's bytes (which record the source's
 *    sha256) do not change with each status update or a controller restart.
 * Returns 0 with *out malloc'd (NUL-terminated, *len bytes), or -errno.
 */
#ifndef TPC_CTL_RENDER_H
#define TPC_CTL_RENDER_H

#include <stddef.h>

#include <jansson.h>

enum ctl_render_mode {
	CTL_RENDER_KUBECTL,
	CTL_RENDER_SOURCE,
};

int ctl_render__yaml(json_t *obj, enum ctl_render_mode mode, char **out, size_t *len);

/* go-yaml v2's map key order (keyList.Less) for string keys: <0, 0, >0 */
int ctl_render__key_cmp(const char *a, const char *b);

#endif
