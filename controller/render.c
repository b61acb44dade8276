/* render.c - API objects as `kubectl get -o yaml` shows them (libyaml's
 * emitter, which go-yaml's is a port of), see ctl_render.h. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "ctl_render.h"

/* a value that cannot come from the API, replaced by an empty line */
#define BLANK_MARK "tpc-controller-blank-line-7f3a"

static const char *const volatile_keys[] = {
	"creationTimestamp", "deletionGracePeriodSeconds", "deletionTimestamp", "generation",
	"resourceVersion",   "uid",
};

static bool is_volatile(const char *key)
{
	for (size_t i = 0; i < sizeof(volatile_keys) / sizeof(volatile_keys[0]); i++)
		if (!strcmp(key, volatile_keys[i]))
			return true;
	return false;
}

int ctl_render__key_cmp(const char *a, const char *b)
{
	size_t i = 0;

	for (; a[i] && b[i]; i++) {
		unsigned char ca = a[i], cb = b[i];
		bool al, bl;
		unsigned long long an = 0, bn = 0;
		size_t ai, bi;

		if (ca == cb)
			continue;
		al = isalpha(ca);
		bl = isalpha(cb);
		if (al && bl)
			return ca < cb ? -1 : 1;
		if (al || bl)
			return bl ? -1 : 1; /* the non-letter first */
		if (ca == '0' || cb == '0') {
			/* leading zeros of a number that started earlier count */
			for (size_t j = i; j-- > 0 && isdigit((unsigned char)a[j]);)
				if (a[j] != '0') {
					an = bn = 1;
					break;
				}
		}
		for (ai = i; isdigit((unsigned char)a[ai]); ai++)
			an = an * 10 + (unsigned)(a[ai] - '0');
		for (bi = i; isdigit((unsigned char)b[bi]); bi++)
			bn = bn * 10 + (unsigned)(b[bi] - '0');
		if (an != bn)
			return an < bn ? -1 : 1;
		if (ai != bi)
			return ai < bi ? -1 : 1;
		return ca < cb ? -1 : 1;
	}
	return a[i] ? 1 : b[i] ? -1 : 0;
}

/* --- would a plain scalar read as something other than a string (YAML 1.1,
 * as go-yaml v2 resolves it)? ------------------------------------------------ */

static bool one_of(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return true;
	return false;
}

static bool is_number(const char *s)
{
	char buf[128], *end;
	size_t n = 0;

	if (strlen(s) >= sizeof(buf))
		return false;
	for (const char *p = s; *p; p++)
		if (*p != '_')
			buf[n++] = *p;
	buf[n] = 0;
	if (!n)
		return false;
	errno = 0;
	(void)strtoll(buf, &end, 0);
	if (!*end)
		return true;
	(void)strtoull(buf, &end, 0);
	if (!*end)
		return true;
	/* a float, but not what strtod reads beyond YAML (hex floats, inf) */
	if (strpbrk(buf, "xXpP") || strpbrk(buf, "iInN"))
		return false;
	(void)strtod(buf, &end);
	return !*end && end != buf;
}

/* [-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)? */
static bool is_base60(const char *s)
{
	const char *p = s;
	int groups = 0;

	if (*p == '+' || *p == '-')
		p++;
	if (!isdigit((unsigned char)*p))
		return false;
	while (isdigit((unsigned char)*p) || *p == '_')
		p++;
	while (*p == ':') {
		p++;
		if (!isdigit((unsigned char)*p))
			return false;
		if (isdigit((unsigned char)p[1])) {
			if (*p > '5')
				return false;
			p++;
		}
		p++;
		groups++;
	}
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p) || *p == '_'; p++)
			;
	return groups > 0 && !*p;
}

/* YYYY-MM-DD, optionally followed by a time: what go-yaml reads as a
 * timestamp */
static bool is_timestamp(const char *s)
{
	for (int i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? s[i] != '-' : !isdigit((unsigned char)s[i]))
			return false;
	return !s[10] || s[10] == 'T' || s[10] == 't' || s[10] == ' ' || s[10] == '\t';
}

static bool reads_as_other_type(const char *s)
{
	static const char *const special[] = {
		"",	"~",	 "null", "Null", "NULL", "y",	  "Y",	   "yes",   "Yes",  "YES",
		"n",	"N",	 "no",	 "No",	 "NO",	 "true",  "True",  "TRUE",  "false", "False",
		"FALSE", "on",	 "On",	 "ON",	 "off",	 "Off",	  "OFF",   ".inf",  ".Inf",  ".INF",
		"-.inf", "-.Inf", "-.INF", "+.inf", "+.Inf", "+.INF", ".nan",  ".NaN",  ".NAN",  "<<",
		NULL,
	};

	return one_of(s, special) || is_number(s) || is_base60(s) || is_timestamp(s);
}

/* --- emitting ------------------------------------------------------------------ */

struct out {
	char *buf;
	size_t len, cap;
	bool oom;
};

static int write_out(void *data, unsigned char *p, size_t n)
{
	struct out *o = data;

	if (o->len + n + 1 > o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 4096;
		char *nb;

		while (cap < o->len + n + 1)
			cap *= 2;
		nb = realloc(o->buf, cap);
		if (!nb) {
			o->oom = true;
			return 0;
		}
		o->buf = nb;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
	o->buf[o->len] = 0;
	return 1;
}

static int scalar(yaml_emitter_t *e, const char *s, yaml_scalar_style_t style)
{
	yaml_event_t ev;

	if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)strlen(s), 1, 1,
					  style))
		return -ENOMEM;
	return yaml_emitter_emit(e, &ev) ? 0 : -EINVAL;
}

static int string(yaml_emitter_t *e, const char *s)
{
	if (strchr(s, '\n'))
		return scalar(e, s, YAML_LITERAL_SCALAR_STYLE);
	if (reads_as_other_type(s))
		return scalar(e, s, YAML_DOUBLE_QUOTED_SCALAR_STYLE);
	return scalar(e, s, YAML_PLAIN_SCALAR_STYLE); /* the emitter quotes when it must */
}

static int cmp_keys(const void *a, const void *b)
{
	return ctl_render__key_cmp(*(const char *const *)a, *(const char *const *)b);
}

static int node(yaml_emitter_t *e, json_t *v, enum ctl_render_mode mode, int depth,
		bool in_metadata);

static int mapping(yaml_emitter_t *e, json_t *v, enum ctl_render_mode mode, int depth,
		   bool is_metadata)
{
	size_t n = json_object_size(v), i = 0;
	const char **keys = NULL, *k;
	json_t *x;
	yaml_event_t ev;
	int err = -ENOMEM;

	if (!yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
						 n ? YAML_BLOCK_MAPPING_STYLE
						   : YAML_FLOW_MAPPING_STYLE))
		return -ENOMEM;
	if (!yaml_emitter_emit(e, &ev))
		return -EINVAL;
	keys = calloc(n ? n : 1, sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	json_object_foreach(v, k, x)
		keys[i++] = k;
	qsort(keys, n, sizeof(*keys), cmp_keys);
	for (i = 0; i < n; i++) {
		x = json_object_get(v, keys[i]);
		if (depth == 0 && mode == CTL_RENDER_SOURCE && !strcmp(keys[i], "status"))
			continue;
		if (is_metadata && !strcmp(keys[i], "managedFields"))
			continue;
		err = scalar(e, keys[i], reads_as_other_type(keys[i]) ?
						 YAML_DOUBLE_QUOTED_SCALAR_STYLE :
						 YAML_PLAIN_SCALAR_STYLE);
		if (err)
			goto cleanup;
		if (is_metadata && mode == CTL_RENDER_SOURCE && is_volatile(keys[i]))
			err = scalar(e, BLANK_MARK, YAML_PLAIN_SCALAR_STYLE);
		else
			err = node(e, x, mode, depth + 1,
				   depth == 0 && !strcmp(keys[i], "metadata"));
		if (err)
			goto cleanup;
	}
	err = -EINVAL;
	if (!yaml_mapping_end_event_initialize(&ev) || !yaml_emitter_emit(e, &ev))
		goto cleanup;
	err = 0;
cleanup:
	free(keys);
	return err;
}

static int node(yaml_emitter_t *e, json_t *v, enum ctl_render_mode mode, int depth,
		bool is_metadata)
{
	char num[64];
	yaml_event_t ev;
	size_t i;
	json_t *x;
	int err;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return mapping(e, v, mode, depth, is_metadata);
	case JSON_ARRAY:
		if (!yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
							  json_array_size(v) ?
								  YAML_BLOCK_SEQUENCE_STYLE :
								  YAML_FLOW_SEQUENCE_STYLE) ||
		    !yaml_emitter_emit(e, &ev))
			return -EINVAL;
		json_array_foreach(v, i, x) {
			err = node(e, x, mode, depth + 1, false);
			if (err)
				return err;
		}
		if (!yaml_sequence_end_event_initialize(&ev) || !yaml_emitter_emit(e, &ev))
			return -EINVAL;
		return 0;
	case JSON_STRING:
		return string(e, json_string_value(v));
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return scalar(e, num, YAML_PLAIN_SCALAR_STYLE);
	case JSON_REAL:
		/* go's strconv 'g' with the shortest exact digits */
		for (int prec = 1; prec <= 17; prec++) {
			snprintf(num, sizeof(num), "%.*g", prec, json_real_value(v));
			if (strtod(num, NULL) == json_real_value(v))
				break;
		}
		return scalar(e, num, YAML_PLAIN_SCALAR_STYLE);
	case JSON_TRUE:
		return scalar(e, "true", YAML_PLAIN_SCALAR_STYLE);
	case JSON_FALSE:
		return scalar(e, "false", YAML_PLAIN_SCALAR_STYLE);
	case JSON_NULL:
	default:
		return scalar(e, "null", YAML_PLAIN_SCALAR_STYLE);
	}
}

/* BLANK_MARK lines become empty lines */
static void blank_marked(struct out *o)
{
	char *p = o->buf, *w = o->buf;

	while (*p) {
		char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p + 1) : strlen(p);
		size_t m = strlen(BLANK_MARK);

		if (n > m && !strncmp(p + n - m - (nl ? 1 : 0), BLANK_MARK, m)) {
			if (nl)
				*w++ = '\n';
		} else {
			memmove(w, p, n);
			w += n;
		}
		p += n;
	}
	*w = 0;
	o->len = (size_t)(w - o->buf);
}

int ctl_render__yaml(json_t *obj, enum ctl_render_mode mode, char **out, size_t *len)
{
	yaml_emitter_t e;
	yaml_event_t ev;
	struct out o = { 0 };
	int err = -EINVAL;

	*out = NULL;
	*len = 0;
	if (!json_is_object(obj))
		return -EINVAL;
	if (!yaml_emitter_initialize(&e))
		return -ENOMEM;
	yaml_emitter_set_output(&e, write_out, &o);
	yaml_emitter_set_indent(&e, 2);
	yaml_emitter_set_width(&e, -1);
	yaml_emitter_set_unicode(&e, 1);
	if (!yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) ||
	    !yaml_emitter_emit(&e, &ev))
		goto cleanup;
	if (!yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) ||
	    !yaml_emitter_emit(&e, &ev))
		goto cleanup;
	err = node(&e, obj, mode, 0, false);
	if (err)
		goto cleanup;
	err = -EINVAL;
	if (!yaml_document_end_event_initialize(&ev, 1) || !yaml_emitter_emit(&e, &ev))
		goto cleanup;
	if (!yaml_stream_end_event_initialize(&ev) || !yaml_emitter_emit(&e, &ev) ||
	    !yaml_emitter_flush(&e))
		goto cleanup;
	err = o.oom ? -ENOMEM : 0;
cleanup:
	yaml_emitter_delete(&e);
	if (err || !o.buf) {
		free(o.buf);
		return err ? err : -EINVAL;
	}
	if (mode == CTL_RENDER_SOURCE)
		blank_marked(&o);
	*out = o.buf;
	*len = o.len;
	return 0;
}
