/* yaml2json.c - YAML stream to JSON lines, for the chart and CRD tests.
 *
 *   yaml2json [FILE]      (standard input without FILE)
 *
 * Every non-empty document of the stream becomes one line of compact JSON
 * (key order kept), so jq and the schema walk see what the Kubernetes API
 * server would: plain scalars are typed as sigs.k8s.io/yaml (go-yaml v2,
 * YAML 1.1) types them, quoted scalars and `!!str` are strings, aliases
 * are expanded and `<<` merge keys are applied. An empty document (a
 * trailing `---`, a file of comments) is skipped. A YAML error prints
 * `FILE:LINE:COL: error: MESSAGE` and exits 1; a bad usage exits 2.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

struct anchor {
	char *name;
	json_t *val;
	struct anchor *next;
};

struct conv {
	yaml_parser_t parser;
	const char *file;
	struct anchor *anchors;
	bool failed;
};

static bool one_of(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (!strcmp(s, *set))
			return true;
	return false;
}

/* Integers as go-yaml v2 reads them (Go's ParseInt with base 0): optional
 * sign, then decimal, 0x hex, 0b binary, 0o or a leading 0 for octal, with
 * '_' separators. */
static bool parse_int(const char *s, long long *out)
{
	char buf[128], *end;
	size_t n = 0;
	int base = 10;
	bool neg = false;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (s[0] == '0' && s[1] && strchr("xXbBoO", s[1])) {
		base = strchr("xX", s[1]) ? 16 : strchr("bB", s[1]) ? 2 : 8;
		s += 2;
	} else if (s[0] == '0' && s[1]) {
		base = 8;
	}
	for (; *s && n < sizeof(buf) - 1; s++)
		if (*s != '_')
			buf[n++] = *s;
	buf[n] = 0;
	if (!n || *s || buf[0] == '-' || buf[0] == '+' || buf[0] == ' ')
		return false;
	errno = 0;
	*out = strtoll(buf, &end, base);
	if (*end || errno)
		return false;
	if (neg)
		*out = -*out;
	return true;
}

static bool parse_float(const char *s, double *out)
{
	static const char *const inf[] = { ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", NULL };
	static const char *const ninf[] = { "-.inf", "-.Inf", "-.INF", NULL };
	static const char *const nan_[] = { ".nan", ".NaN", ".NAN", NULL };
	const char *p = s;
	char *end;
	bool digits = false;

	if (one_of(s, inf) || one_of(s, ninf) || one_of(s, nan_)) {
		*out = one_of(s, nan_) ? NAN : one_of(s, inf) ? INFINITY : -INFINITY;
		return true;
	}
	/* strtod also takes hex, "inf" and "nan": only [-+]?digits[.digits][e..] */
	if (*p == '-' || *p == '+')
		p++;
	for (; *p; p++) {
		if (*p >= '0' && *p <= '9')
			digits = true;
		else if (!strchr("._eE-+", *p))
			return false;
	}
	if (!digits)
		return false;
	*out = strtod(s, &end);
	return !*end;
}

static json_t *scalar(const yaml_event_t *ev)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL", NULL };
	static const char *const yes[] = { "y",	   "Y",	   "yes", "Yes", "YES", "true",
					   "True", "TRUE", "on",  "On",	 "ON",	NULL };
	static const char *const no[] = { "n",	   "N",	    "no", "No", "NO", "false",
					  "False", "FALSE", "off", "Off", "OFF", NULL };
	const char *s = (const char *)ev->data.scalar.value;
	const char *tag = (const char *)ev->data.scalar.tag;
	long long i;
	double d;

	if ((tag && !strcmp(tag, YAML_STR_TAG)) || !ev->data.scalar.plain_implicit)
		return json_stringn(s, ev->data.scalar.length);
	if (one_of(s, nulls))
		return json_null();
	if (one_of(s, yes))
		return json_true();
	if (one_of(s, no))
		return json_false();
	if (parse_int(s, &i))
		return json_integer(i);
	if (parse_float(s, &d))
		return json_real(d);
	return json_stringn(s, ev->data.scalar.length);
}

static void fail(struct conv *c, size_t line, size_t col, const char *msg)
{
	if (!c->failed)
		fprintf(stderr, "%s:%zu:%zu: error: %s\n", c->file, line + 1, col + 1, msg);
	c->failed = true;
}

static bool next(struct conv *c, yaml_event_t *ev)
{
	if (yaml_parser_parse(&c->parser, ev))
		return true;
	fail(c, c->parser.problem_mark.line, c->parser.problem_mark.column,
	     c->parser.problem ? c->parser.problem : "YAML parse error");
	return false;
}

static void remember(struct conv *c, const yaml_char_t *name, json_t *v)
{
	struct anchor *a;

	if (!name || !v || !(a = calloc(1, sizeof(*a))))
		return;
	a->name = strdup((const char *)name);
	a->val = json_incref(v);
	a->next = c->anchors;
	c->anchors = a;
}

static json_t *parse_node(struct conv *c, yaml_event_t *ev);

/* JSON keys are strings: a YAML key 1 or true becomes "1" or "true". */
static const char *key_string(const json_t *k, char *buf, size_t size)
{
	if (json_is_string(k))
		return json_string_value(k);
	if (json_is_integer(k)) {
		snprintf(buf, size, "%lld", (long long)json_integer_value(k));
		return buf;
	}
	return json_is_true(k) ? "true" : json_is_false(k) ? "false" : "null";
}

/* `<<: *base` or `<<: [*a, *b]`: keys of the merged maps that the mapping
 * does not set itself (explicit keys win, earlier merged maps win). */
static void merge(json_t *obj, json_t *src, json_t *explicit_keys)
{
	const char *k;
	json_t *v;

	if (json_is_array(src)) {
		size_t i;

		json_array_foreach(src, i, v)
			merge(obj, v, explicit_keys);
		return;
	}
	json_object_foreach(src, k, v)
		if (!json_object_get(explicit_keys, k) && !json_object_get(obj, k))
			json_object_set(obj, k, v);
}

static json_t *parse_mapping(struct conv *c)
{
	json_t *obj = json_object(), *keys = json_object(), *merges = json_array();
	yaml_event_t ev;

	while (!c->failed && next(c, &ev)) {
		json_t *k, *v;
		yaml_mark_t mark;
		const char *ks;
		char buf[32];

		if (ev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		mark = ev.start_mark;
		k = parse_node(c, &ev);
		yaml_event_delete(&ev);
		if (!k || !next(c, &ev)) {
			json_decref(k);
			break;
		}
		v = parse_node(c, &ev);
		ks = key_string(k, buf, sizeof(buf));
		if (v && !strcmp(ks, "<<") && json_is_string(k)) {
			json_array_append(merges, v);
		} else if (v && json_object_get(keys, ks)) {
			/* sigs.k8s.io/yaml refuses a duplicate key too */
			fail(c, mark.line, mark.column, "duplicate key");
		} else if (v) {
			json_object_set(obj, ks, v);
			json_object_set_new(keys, ks, json_true());
		}
		yaml_event_delete(&ev);
		json_decref(k);
		json_decref(v);
	}
	merge(obj, merges, keys);
	json_decref(keys);
	json_decref(merges);
	return obj;
}

static json_t *parse_sequence(struct conv *c)
{
	json_t *arr = json_array();
	yaml_event_t ev;

	while (!c->failed && next(c, &ev)) {
		json_t *v;

		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		v = parse_node(c, &ev);
		yaml_event_delete(&ev);
		if (v)
			json_array_append_new(arr, v);
	}
	return arr;
}

/* The node that starts with `ev` (the caller deletes ev). */
static json_t *parse_node(struct conv *c, yaml_event_t *ev)
{
	json_t *v = NULL;

	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		v = scalar(ev);
		remember(c, ev->data.scalar.anchor, v);
		return v;
	case YAML_ALIAS_EVENT:
		for (struct anchor *a = c->anchors; a; a = a->next)
			if (!strcmp(a->name, (const char *)ev->data.alias.anchor))
				return json_deep_copy(a->val);
		fail(c, ev->start_mark.line, ev->start_mark.column, "unknown anchor");
		return NULL;
	case YAML_MAPPING_START_EVENT: {
		yaml_char_t *anchor = ev->data.mapping_start.anchor;

		v = parse_mapping(c);
		remember(c, anchor, v);
		return v;
	}
	case YAML_SEQUENCE_START_EVENT: {
		yaml_char_t *anchor = ev->data.sequence_start.anchor;

		v = parse_sequence(c);
		remember(c, anchor, v);
		return v;
	}
	default:
		fail(c, ev->start_mark.line, ev->start_mark.column, "unexpected YAML event");
		return NULL;
	}
}

int main(int argc, char **argv)
{
	struct conv c = { .file = argc > 1 ? argv[1] : "<stdin>" };
	FILE *in = stdin;
	yaml_event_t ev;
	int err = 1;

	if (argc > 2) {
		fputs("usage: yaml2json [FILE]\n", stderr);
		return 2;
	}
	if (argc > 1 && !(in = fopen(argv[1], "rb"))) {
		fprintf(stderr, "%s: error: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (!yaml_parser_initialize(&c.parser)) {
		fputs("yaml2json: error: out of memory\n", stderr);
		goto cleanup;
	}
	yaml_parser_set_input_file(&c.parser, in);
	while (!c.failed && next(&c, &ev)) {
		yaml_event_type_t t = ev.type;

		if (t == YAML_DOCUMENT_START_EVENT) {
			yaml_event_t root;
			json_t *doc = NULL;

			if (next(&c, &root)) {
				if (root.type != YAML_DOCUMENT_END_EVENT) {
					doc = parse_node(&c, &root);
					yaml_event_delete(&root);
					if (!c.failed && next(&c, &root))
						yaml_event_delete(&root); /* document end */
				} else {
					yaml_event_delete(&root);
				}
			}
			if (doc && !json_is_null(doc) && !c.failed) {
				json_dumpf(doc, stdout,
					   JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
				fputc('\n', stdout);
			}
			json_decref(doc);
		}
		yaml_event_delete(&ev);
		if (t == YAML_STREAM_END_EVENT)
			break;
	}
	err = c.failed;
cleanup:
	while (c.anchors) {
		struct anchor *a = c.anchors;

		c.anchors = a->next;
		free(a->name);
		json_decref(a->val);
		free(a);
	}
	yaml_parser_delete(&c.parser);
	if (in != stdin)
		fclose(in);
	return err;
}
