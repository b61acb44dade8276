/* support.h - what the tpc back end supports, in one place.
 *
 * Contract: each function returns NULL when the construct is supported, or
 * a short reason string (static, lowercase, no trailing period) saying why
 * not, which sema prints as "'X' is not supported by tpc: <reason>". The
 * front ends parse everything Tetragon accepts; this file decides what is
 * rejected. Widen support here (and in docs/policy-reference.md, which a
 * test keeps honest) when the back end learns a construct.
 */
#ifndef TPC_SUPPORT_H
#define TPC_SUPPORT_H

#include "front/ast.h"
#include "base/tables.h"

const char *support__hook(enum hook_kind k);
/* tpcNetwork protocols (tcp | dns | http) */
const char *support__net_proto(enum net_proto p);
const char *support__action(enum action a);
const char *support__arg_type(enum arg_type t);
const char *support__op(enum op o);
/* YAML field names: selector fields ("matchNamespaceChanges"), hook and
 * arg fields ("returnCopy", "maxData", "resolve", "btfType"), action args
 * ("kernelStackTrace"), spec fields ("loader", "podSelector"). */
const char *support__field(const char *yaml_name);
/* The same table, for selector fields (matchX). */
const char *support__selector_field(const char *yaml_name);
/* spec.options entries by name */
const char *support__option(const char *name);

#endif
