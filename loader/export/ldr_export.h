/* ldr_export.h - where event lines go: stdout and/or a file with size-based
 * rotation (PATH, PATH.1 … PATH.N, like Tetragon's export file).
 *
 * Contract: ldr_out__line() buffers; ldr_out__flush() writes (the run loop
 * flushes after every drain cycle, so a line is out within one poll
 * interval).  Rotation happens before a write would push the file past
 * max_bytes; backups beyond N are deleted.  Write errors are counted, never
 * fatal: the loader keeps enforcing when the disk is full.
 */
#ifndef TPC_LDR_EXPORT_H
#define TPC_LDR_EXPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "jbuf.h"

struct ldr_out {
	FILE *std; /* NULL: no stdout output */
	char *path;
	int fd;
	uint64_t size;
	uint64_t max_bytes; /* 0: never rotate */
	unsigned backups;
	struct jbuf buf;
	uint64_t lines;
	uint64_t write_errors;
	uint64_t rotations;
};

void ldr_out__init(struct ldr_out *o, FILE *std);
int ldr_out__open_file(struct ldr_out *o, const char *path, uint64_t max_bytes, unsigned backups);
void ldr_out__line(void *o, const char *line, size_t len);
/* only to stdout / only to the export file (compact stdout, JSON file) */
void ldr_out__line_std(void *o, const char *line, size_t len);
void ldr_out__line_file(void *o, const char *line, size_t len);
void ldr_out__flush(struct ldr_out *o);
void ldr_out__close(struct ldr_out *o);

#endif
