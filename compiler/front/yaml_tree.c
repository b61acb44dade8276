/* yaml_tree.c - libyaml events -> arena tree with byte spans (see yaml_tree.h).
 *
 * The event API is used instead of yaml_parser_load() so that limits are
 * enforced while reading: a 4 MiB file of '[' must stop at depth 64, not
 * after libyaml has built millions of nodes.
 */
#include "front/yaml_tree.h"

#include <errno.h>
#include <string.h>

#include <yaml.h>

struct anchor {
	const char *name;
	struct ynode *node;
};

struct loader {
	struct arena *a;
	const struct srcmap *m;
	const struct srcfile *f;
	struct diag_sink *d;
	uint32_t file;
	/* libyaml marks count characters; c2b maps them to bytes (NULL when
	 * the text is pure ASCII and the two are equal). */
	uint32_t *c2b;
	/* bytes of a UTF-8 byte order mark skipped before libyaml's input
	 * (libyaml only skips it when it detects the encoding itself) */
	uint32_t base;
	size_t nchars;
	struct ynode *stack[YAML_MAX_DEPTH + 1];
	int depth;
	size_t nodes;
	/* open-addressing hash of anchor name -> node; a file may hold
	 * hundreds of thousands of anchors and aliases */
	struct anchor *anchors;
	size_t nanchors, anchor_cap;
	struct ynode *root;
};

static void build_c2b(struct loader *l)
{
	const unsigned char *t = (const unsigned char *)l->f->text + l->base;
	size_t len = l->f->len - l->base, n = 0;
	bool ascii = true;

	for (size_t i = 0; i < len; i++) {
		if (t[i] >= 0x80) {
			ascii = false;
			break;
		}
	}
	if (ascii)
		return;
	for (size_t i = 0; i < len; i++)
		if ((t[i] & 0xc0) != 0x80)
			n++;
	l->c2b = arena__calloc(l->a, n + 2, sizeof(*l->c2b));
	n = 0;
	for (size_t i = 0; i < len; i++)
		if ((t[i] & 0xc0) != 0x80)
			l->c2b[n++] = (uint32_t)i;
	l->c2b[n] = (uint32_t)len;
	l->c2b[n + 1] = (uint32_t)len;
	l->nchars = n;
}

static uint32_t mark_off(const struct loader *l, const yaml_mark_t *mk)
{
	size_t i = mk->index, len = l->f->len - l->base;

	if (l->c2b) {
		if (i > l->nchars)
			i = l->nchars;
		return l->base + l->c2b[i];
	}
	return l->base + (uint32_t)(i > len ? len : i);
}

static struct span mark_span(const struct loader *l, const yaml_mark_t *s, const yaml_mark_t *e)
{
	uint32_t a = mark_off(l, s), b = mark_off(l, e);

	return (struct span){ l->file, a, b < a ? a : b };
}

bool ynode__is_null(const struct ynode *n)
{
	if (!n)
		return true;
	if (n->kind != YN_SCALAR || n->style != YS_PLAIN)
		return false;
	return n->len == 0 || !strcmp(n->s, "~") || !strcmp(n->s, "null") ||
	       !strcmp(n->s, "Null") || !strcmp(n->s, "NULL");
}

static void report_parser_error(struct loader *l, yaml_parser_t *p)
{
	struct span sp;
	uint32_t off;

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		diag__error(l->d, (struct span){ l->file, 0, 0 }, "yaml-syntax",
			    "yaml: out of memory");
		return;
	case YAML_READER_ERROR:
		/* problem_offset counts bytes of the raw input */
		off = l->base + (p->problem_offset > l->f->len - l->base
					 ? (uint32_t)(l->f->len - l->base)
					 : (uint32_t)p->problem_offset);
		sp = (struct span){ l->file, off, off + 1 };
		if (p->problem_value != -1)
			diag__error(l->d, sp, "yaml-encoding", "yaml: %s (byte 0x%02x)",
				    p->problem ? p->problem : "invalid input",
				    (unsigned)p->problem_value & 0xff);
		else
			diag__error(l->d, sp, "yaml-encoding", "yaml: %s",
				    p->problem ? p->problem : "invalid input");
		if (l->f->len >= 2 && ((unsigned char)l->f->text[0] == 0xff ||
				       (unsigned char)l->f->text[0] == 0xfe))
			diag__note(l->d, (struct span){ l->file, 0, 2 },
				   "the file looks like UTF-16; tpc reads UTF-8 only");
		return;
	default:
		off = mark_off(l, &p->problem_mark);
		sp = (struct span){ l->file, off, off + 1 };
		diag__error(l->d, sp, "yaml-syntax", "yaml: %s",
			    p->problem ? p->problem : "syntax error");
		if (off < l->f->len && l->f->text[off] == '\t')
			diag__note(l->d, sp,
				   "YAML does not allow tabs for indentation; use spaces");
		else if (p->context && mark_off(l, &p->context_mark) != off) {
			off = mark_off(l, &p->context_mark);
			diag__note(l->d, (struct span){ l->file, off, off + 1 }, "%s", p->context);
		}
	}
}

static struct ynode *new_node(struct loader *l, enum ynode_kind k, struct span sp)
{
	struct ynode *n;

	if (++l->nodes > YAML_MAX_NODES) {
		diag__error(l->d, sp, "yaml-limit", "too many YAML nodes in one file (limit %u)",
			    YAML_MAX_NODES);
		return NULL;
	}
	n = arena__alloc(l->a, sizeof(*n));
	n->kind = k;
	n->span = sp;
	return n;
}

/* Attach a finished (or alias) node to the open collection. Mapping
 * children alternate key, value. */
static void attach(struct loader *l, struct ynode *child)
{
	struct ynode *p;

	if (l->depth == 0) {
		l->root = child;
		return;
	}
	p = l->stack[l->depth - 1];
	if (p->kind == YN_SEQ) {
		if (p->n == p->cap) {
			size_t nc = p->cap ? p->cap * 2 : 4;

			p->items = arena__realloc(l->a, p->items, p->cap * sizeof(*p->items),
						  nc * sizeof(*p->items));
			p->cap = nc;
		}
		p->items[p->n++] = child;
		return;
	}
	/* mapping: keys[n] is pending while vals[n] is NULL */
	if (p->n < p->cap && p->keys[p->n] && !p->vals[p->n]) {
		p->vals[p->n++] = child;
		return;
	}
	if (p->n == p->cap) {
		size_t nc = p->cap ? p->cap * 2 : 4;

		p->keys = arena__realloc(l->a, p->keys, p->cap * sizeof(*p->keys),
					 nc * sizeof(*p->keys));
		p->vals = arena__realloc(l->a, p->vals, p->cap * sizeof(*p->vals),
					 nc * sizeof(*p->vals));
		p->cap = nc;
	}
	p->keys[p->n] = child;
	p->vals[p->n] = NULL;
}

static uint64_t name_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static struct anchor *anchor_slot(struct anchor *tab, size_t cap, const char *name)
{
	size_t i = (size_t)name_hash(name) & (cap - 1);

	while (tab[i].name && strcmp(tab[i].name, name))
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

static void add_anchor(struct loader *l, const char *name, struct ynode *n)
{
	struct anchor *slot;

	if (!name)
		return;
	if ((l->nanchors + 1) * 2 > l->anchor_cap) {
		size_t nc = l->anchor_cap ? l->anchor_cap * 2 : 64;
		struct anchor *t = arena__calloc(l->a, nc, sizeof(*t));

		for (size_t i = 0; i < l->anchor_cap; i++)
			if (l->anchors[i].name)
				*anchor_slot(t, nc, l->anchors[i].name) = l->anchors[i];
		l->anchors = t;
		l->anchor_cap = nc;
	}
	/* a redefined anchor replaces the old one from here on (YAML 1.2) */
	slot = anchor_slot(l->anchors, l->anchor_cap, name);
	if (!slot->name) {
		slot->name = arena__strdup(l->a, name);
		l->nanchors++;
	}
	slot->node = n;
}

static struct ynode *find_anchor(struct loader *l, const char *name)
{
	struct anchor *slot;

	if (!l->anchor_cap)
		return NULL;
	slot = anchor_slot(l->anchors, l->anchor_cap, name);
	return slot->name ? slot->node : NULL;
}

/* ---- merge keys ------------------------------------------------------ */

static bool is_merge_key(const struct ynode *k)
{
	return k->kind == YN_SCALAR && k->style == YS_PLAIN && k->len == 2 && !memcmp(k->s, "<<", 2);
}

static uint64_t bytes_hash(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

struct keyset {
	const struct ynode **slot;
	size_t cap;
};

/* Adds k; returns false if an equal scalar key was already there. */
static bool keyset_add(struct keyset *ks, const struct ynode *k)
{
	size_t i;

	if (k->kind != YN_SCALAR)
		return true;
	i = (size_t)bytes_hash(k->s, k->len) & (ks->cap - 1);
	while (ks->slot[i]) {
		if (ks->slot[i]->len == k->len && !memcmp(ks->slot[i]->s, k->s, k->len))
			return false;
		i = (i + 1) & (ks->cap - 1);
	}
	ks->slot[i] = k;
	return true;
}

static void push_pair(struct loader *l, struct ynode *m, struct ynode *k, struct ynode *v)
{
	if (m->n == m->cap) {
		size_t nc = m->cap ? m->cap * 2 : 4;

		m->keys = arena__realloc(l->a, m->keys, m->cap * sizeof(*m->keys),
					 nc * sizeof(*m->keys));
		m->vals = arena__realloc(l->a, m->vals, m->cap * sizeof(*m->vals),
					 nc * sizeof(*m->vals));
		m->cap = nc;
	}
	m->keys[m->n] = k;
	m->vals[m->n++] = v;
}

/* YAML 1.1 merge keys ("<<: *base" or "<<: [*a, *b]"), which Kubernetes
 * accepts: the merged mappings' pairs are appended unless the mapping (or an
 * earlier merged mapping) already has the key. Pairs keep their own spans,
 * so a diagnostic about a merged value points into the anchored mapping.
 * The pairs examined count against the node limit: merging one big mapping
 * through many aliases must not become quadratic. Returns true after an
 * error that stops the stream. */
static bool merge_keys(struct loader *l, struct ynode *m)
{
	struct ynode **keys = m->keys, **vals = m->vals;
	size_t n = m->n, total = 0;
	struct keyset ks;
	bool any = false;

	for (size_t i = 0; i < n; i++) {
		if (!is_merge_key(keys[i]))
			continue;
		any = true;
		if (vals[i]->kind == YN_MAP)
			total += vals[i]->n;
		else if (vals[i]->kind == YN_SEQ)
			for (size_t j = 0; j < vals[i]->n; j++)
				total += vals[i]->items[j]->kind == YN_MAP ? vals[i]->items[j]->n : 0;
	}
	if (!any)
		return false;
	l->nodes += total;
	if (l->nodes > YAML_MAX_NODES) {
		diag__error(l->d, m->span, "yaml-limit",
			    "merge keys ('<<') expand to too many YAML nodes (limit %u)",
			    YAML_MAX_NODES);
		return true;
	}
	ks.cap = 16;
	while (ks.cap < 2 * (n + total))
		ks.cap *= 2;
	ks.slot = arena__calloc(l->a, ks.cap, sizeof(*ks.slot));
	m->keys = m->vals = NULL;
	m->n = m->cap = 0;
	for (size_t i = 0; i < n; i++) {
		if (is_merge_key(keys[i]))
			continue;
		keyset_add(&ks, keys[i]);
		push_pair(l, m, keys[i], vals[i]);
	}
	for (size_t i = 0; i < n; i++) {
		struct ynode *v = vals[i];
		size_t nsrc = v->kind == YN_SEQ ? v->n : 1;

		if (!is_merge_key(keys[i]))
			continue;
		for (size_t j = 0; j < nsrc; j++) {
			struct ynode *src = v->kind == YN_SEQ ? v->items[j] : v;

			if (src->kind != YN_MAP) {
				diag__error(l->d, src->span, "wrong-type",
					    "'<<' merges a mapping or a list of mappings");
				continue;
			}
			for (size_t k = 0; k < src->n; k++)
				if (keyset_add(&ks, src->keys[k]))
					push_pair(l, m, src->keys[k], src->vals[k]);
		}
	}
	return false;
}

static enum yscalar_style style_of(yaml_scalar_style_t s)
{
	switch (s) {
	case YAML_SINGLE_QUOTED_SCALAR_STYLE: return YS_SINGLE;
	case YAML_DOUBLE_QUOTED_SCALAR_STYLE: return YS_DOUBLE;
	case YAML_LITERAL_SCALAR_STYLE: return YS_LITERAL;
	case YAML_FOLDED_SCALAR_STYLE: return YS_FOLDED;
	default: return YS_PLAIN;
	}
}

int yaml_tree__load_all(struct arena *a, const struct srcmap *m, struct diag_sink *d, uint32_t file,
			ydoc_fn fn, void *ctx)
{
	struct loader l = { .a = a, .m = m, .d = d, .file = file };
	char *anchor_names[YAML_MAX_DEPTH + 1] = { 0 };
	yaml_parser_t p;
	yaml_event_t ev;
	struct ydoc doc = { 0 };
	bool in_doc = false, done = false;
	int ndocs = 0, err = 0;

	l.f = srcmap__file(m, file);
	if (!l.f)
		return -EINVAL;
	if (l.f->len >= 3 && !memcmp(l.f->text, "\xef\xbb\xbf", 3))
		l.base = 3;
	build_c2b(&l);
	if (!yaml_parser_initialize(&p)) {
		diag__error(d, (struct span){ file, 0, 0 }, "yaml-syntax", "yaml: out of memory");
		return -ENOMEM;
	}
	/* Force UTF-8 so marks stay byte-convertible; UTF-16 input is then
	 * reported as invalid UTF-8 instead of silently re-encoded. */
	yaml_parser_set_encoding(&p, YAML_UTF8_ENCODING);
	yaml_parser_set_input_string(&p, (const unsigned char *)l.f->text + l.base,
				     l.f->len - l.base);

	while (!done) {
		struct ynode *n = NULL;
		struct span sp;

		if (!yaml_parser_parse(&p, &ev)) {
			report_parser_error(&l, &p);
			err = -EINVAL;
			break;
		}
		sp = mark_span(&l, &ev.start_mark, &ev.end_mark);
		switch (ev.type) {
		case YAML_STREAM_END_EVENT: done = true; break;
		case YAML_DOCUMENT_START_EVENT:
			if (ndocs >= YAML_MAX_DOCS) {
				diag__error(d, sp, "yaml-limit",
					    "too many YAML documents in one file (limit %d)",
					    YAML_MAX_DOCS);
				err = -EINVAL;
				done = true;
				break;
			}
			in_doc = true;
			doc = (struct ydoc){ .span = sp, .index = (unsigned)ndocs };
			l.root = NULL;
			/* anchors are scoped to their document */
			l.anchors = NULL;
			l.nanchors = l.anchor_cap = 0;
			break;
		case YAML_DOCUMENT_END_EVENT:
			doc.root = l.root;
			doc.span.end = sp.end > doc.span.start ? sp.end : doc.span.start;
			if (l.root && l.root->span.end > doc.span.end)
				doc.span.end = l.root->span.end;
			doc.nodes_total = l.nodes;
			in_doc = false;
			ndocs++;
			fn(ctx, &doc);
			break;
		case YAML_SCALAR_EVENT:
			if (ev.data.scalar.length > YAML_MAX_SCALAR) {
				diag__error(d, sp, "yaml-limit",
					    "scalar of %zu bytes is too long (limit %u bytes)",
					    ev.data.scalar.length, YAML_MAX_SCALAR);
				err = -EINVAL;
				done = true;
				break;
			}
			n = new_node(&l, YN_SCALAR, sp);
			if (!n) {
				err = -EINVAL;
				done = true;
				break;
			}
			n->s = arena__strndup(a, (const char *)ev.data.scalar.value,
					      ev.data.scalar.length);
			n->len = ev.data.scalar.length;
			n->style = style_of(ev.data.scalar.style);
			add_anchor(&l, (const char *)ev.data.scalar.anchor, n);
			attach(&l, n);
			break;
		case YAML_ALIAS_EVENT:
			n = find_anchor(&l, (const char *)ev.data.alias.anchor);
			if (!n) {
				diag__error(d, sp, "yaml-syntax", "yaml: unknown anchor '%s'",
					    diag_quote((const char *)ev.data.alias.anchor,
						       strlen((const char *)ev.data.alias.anchor)));
				err = -EINVAL;
				done = true;
				break;
			}
			attach(&l, n);
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (l.depth >= YAML_MAX_DEPTH) {
				diag__error(d, sp, "yaml-limit",
					    "YAML nesting is too deep (limit %d levels)",
					    YAML_MAX_DEPTH);
				err = -EINVAL;
				done = true;
				break;
			}
			n = new_node(&l, ev.type == YAML_SEQUENCE_START_EVENT ? YN_SEQ : YN_MAP,
				     sp);
			if (!n) {
				err = -EINVAL;
				done = true;
				break;
			}
			{
				const yaml_char_t *an = ev.type == YAML_SEQUENCE_START_EVENT
								? ev.data.sequence_start.anchor
								: ev.data.mapping_start.anchor;

				anchor_names[l.depth] =
					an ? arena__strdup(a, (const char *)an) : NULL;
			}
			attach(&l, n);
			l.stack[l.depth++] = n;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (l.depth > 0) {
				n = l.stack[--l.depth];
				if (sp.end > n->span.end)
					n->span.end = sp.end;
				if (n->kind == YN_MAP && merge_keys(&l, n)) {
					err = -EINVAL;
					done = true;
				}
				add_anchor(&l, anchor_names[l.depth], n);
				anchor_names[l.depth] = NULL;
			}
			break;
		default: break;
		}
		yaml_event_delete(&ev);
	}
	(void)in_doc;
	yaml_parser_delete(&p);
	return err ? err : ndocs;
}

/* ---- offset maps ---------------------------------------------------- */

static bool is_ws(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_nl(char c)
{
	return c == '\n' || c == '\r';
}

struct omap {
	uint32_t *map;
	char *out; /* decoded bytes, compared with the node value at the end */
	size_t n, cap;
};

static void emit(struct omap *o, char c, uint32_t off)
{
	if (o->n < o->cap) {
		o->out[o->n] = c;
		o->map[o->n] = off;
	}
	o->n++;
}

/* Line folding shared by plain and quoted flow scalars: at a line break
 * inside the scalar, trailing blanks are dropped, one break becomes a
 * space and n > 1 breaks become n - 1 newlines; leading blanks of the next
 * line are dropped. Returns the position after the folded run. */
static size_t fold(struct omap *o, const char *t, size_t i, size_t end)
{
	size_t j = i, breaks = 0;
	uint32_t first_nl = 0;

	while (j < end && (is_ws(t[j]) || is_nl(t[j]))) {
		if (is_nl(t[j])) {
			if (!breaks)
				first_nl = (uint32_t)j;
			breaks++;
			if (t[j] == '\r' && j + 1 < end && t[j + 1] == '\n')
				j++;
		}
		j++;
	}
	if (!breaks) {
		for (size_t k = i; k < j; k++)
			emit(o, t[k], (uint32_t)k);
		return j;
	}
	if (breaks == 1)
		emit(o, ' ', first_nl);
	else
		for (size_t k = 1; k < breaks; k++)
			emit(o, '\n', first_nl);
	return j;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void emit_utf8(struct omap *o, unsigned long cp, uint32_t off)
{
	if (cp < 0x80) {
		emit(o, (char)cp, off);
	} else if (cp < 0x800) {
		emit(o, (char)(0xc0 | (cp >> 6)), off);
		emit(o, (char)(0x80 | (cp & 0x3f)), off);
	} else if (cp < 0x10000) {
		emit(o, (char)(0xe0 | (cp >> 12)), off);
		emit(o, (char)(0x80 | ((cp >> 6) & 0x3f)), off);
		emit(o, (char)(0x80 | (cp & 0x3f)), off);
	} else {
		emit(o, (char)(0xf0 | (cp >> 18)), off);
		emit(o, (char)(0x80 | ((cp >> 12) & 0x3f)), off);
		emit(o, (char)(0x80 | ((cp >> 6) & 0x3f)), off);
		emit(o, (char)(0x80 | (cp & 0x3f)), off);
	}
}

static void decode_flow(struct omap *o, const char *t, size_t start, size_t end,
			enum yscalar_style st)
{
	size_t i = start;

	if (st != YS_PLAIN) {
		i++;   /* opening quote */
		end--; /* closing quote */
	}
	while (i < end) {
		char c = t[i];

		if (is_ws(c) || is_nl(c)) {
			i = fold(o, t, i, end);
			continue;
		}
		if (st == YS_SINGLE && c == '\'' && i + 1 < end && t[i + 1] == '\'') {
			emit(o, '\'', (uint32_t)i);
			i += 2;
			continue;
		}
		if (st == YS_DOUBLE && c == '\\' && i + 1 < end) {
			uint32_t at = (uint32_t)i;
			char e = t[i + 1];
			int digits = 0;
			static const char simple_in[] = "0abt\tnvfre \"/\\N_LP";
			const char *hit;

			if (is_nl(e)) {
				/* escaped line break: join without a space */
				i += 2;
				if (e == '\r' && i < end && t[i] == '\n')
					i++;
				while (i < end && (is_ws(t[i]) || is_nl(t[i])))
					i++;
				continue;
			}
			if (e == 'x')
				digits = 2;
			else if (e == 'u')
				digits = 4;
			else if (e == 'U')
				digits = 8;
			if (digits) {
				unsigned long cp = 0;

				if (i + 2 + (size_t)digits > end)
					return;
				for (int k = 0; k < digits; k++) {
					int h = hexval(t[i + 2 + k]);

					if (h < 0)
						return;
					cp = cp * 16 + (unsigned long)h;
				}
				emit_utf8(o, cp, at);
				i += 2 + (size_t)digits;
				continue;
			}
			hit = strchr(simple_in, e);
			if (!hit || !e)
				return;
			switch (e) {
			case '0': emit(o, '\0', at); break;
			case 'a': emit(o, '\a', at); break;
			case 'b': emit(o, '\b', at); break;
			case 't':
			case '\t': emit(o, '\t', at); break;
			case 'n': emit(o, '\n', at); break;
			case 'v': emit(o, '\v', at); break;
			case 'f': emit(o, '\f', at); break;
			case 'r': emit(o, '\r', at); break;
			case 'e': emit(o, 0x1b, at); break;
			case 'N': emit_utf8(o, 0x85, at); break;
			case '_': emit_utf8(o, 0xa0, at); break;
			case 'L': emit_utf8(o, 0x2028, at); break;
			case 'P': emit_utf8(o, 0x2029, at); break;
			default: emit(o, e, at); break;
			}
			i += 2;
			continue;
		}
		emit(o, c, (uint32_t)i);
		i++;
	}
}

/* Block scalars: after the header line, the value's non-blank bytes appear
 * in the source in order, so match them greedily; blanks and newlines map
 * to the next source byte of the same kind when there is one. */
static void decode_block(struct omap *o, const char *t, size_t start, size_t end, const char *val,
			 size_t len)
{
	size_t i = start;

	while (i < end && !is_nl(t[i]))
		i++;
	for (size_t k = 0; k < len; k++) {
		size_t j = i;

		while (j < end && t[j] != val[k])
			j++;
		if (j >= end) {
			/* folded newline became a space, or chomping: keep i */
			emit(o, val[k], (uint32_t)(i < end ? i : start));
			continue;
		}
		emit(o, val[k], (uint32_t)j);
		i = j + 1;
	}
}

uint32_t *yaml_tree__offmap(struct arena *a, const struct srcmap *m, const struct ynode *n)
{
	const struct srcfile *f = srcmap__file(m, n->span.file);
	uint32_t *map = arena__calloc(a, n->len + 1, sizeof(*map));
	struct omap o = { .map = map, .cap = n->len };
	size_t start = n->span.start, end = n->span.end;
	bool ok;

	o.out = arena__alloc(a, n->len + 1);
	if (f && end <= f->len && start < end) {
		if (n->style == YS_LITERAL || n->style == YS_FOLDED)
			decode_block(&o, f->text, start, end, n->s, n->len);
		else
			decode_flow(&o, f->text, start, end, n->style);
	}
	ok = o.n == n->len && !memcmp(o.out, n->s, n->len);
	if (!ok) {
		/* unknown layout: everything points at the scalar */
		for (size_t i = 0; i < n->len; i++)
			map[i] = n->span.start;
	}
	/* End of input: where the last visible byte's source ends, so
	 * "expression ends too early" points at the end of the text, not at
	 * the line after a block scalar. */
	map[n->len] = n->span.end;
	if (ok && n->len) {
		size_t k = n->len;
		bool quoted = n->style == YS_SINGLE || n->style == YS_DOUBLE;

		while (k > 0 && (is_ws(n->s[k - 1]) || is_nl(n->s[k - 1])))
			k--;
		if (k && k < n->len)
			map[n->len] = map[k]; /* the first trailing blank */
		else if (k && quoted)
			map[n->len] = n->span.end - 1; /* the closing quote (after escapes) */
		else if (k && n->style != YS_PLAIN)
			map[n->len] = map[k - 1] + 1;
	}
	return map;
}
