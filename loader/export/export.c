/* export.c - stdout and rotating file output. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "export/ldr_export.h"
#include "export/ldr_log.h"

void ldr_out__init(struct ldr_out *o, FILE *std)
{
	memset(o, 0, sizeof(*o));
	o->std = std;
	o->fd = -1;
}

int ldr_out__open_file(struct ldr_out *o, const char *path, uint64_t max_bytes, unsigned backups)
{
	struct stat st;

	o->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (o->fd < 0)
		return -errno;
	o->path = strdup(path);
	o->size = fstat(o->fd, &st) ? 0 : st.st_size;
	o->max_bytes = max_bytes;
	o->backups = backups;
	return 0;
}

static void rotate(struct ldr_out *o)
{
	char from[PATH_MAX], to[PATH_MAX];

	close(o->fd);
	o->fd = -1;
	if (o->backups == 0) {
		unlink(o->path);
	} else {
		snprintf(to, sizeof(to), "%s.%u", o->path, o->backups);
		unlink(to);
		for (unsigned i = o->backups; i > 1; i--) {
			snprintf(from, sizeof(from), "%s.%u", o->path, i - 1);
			snprintf(to, sizeof(to), "%s.%u", o->path, i);
			rename(from, to);
		}
		snprintf(to, sizeof(to), "%s.1", o->path);
		rename(o->path, to);
	}
	o->fd = open(o->path, O_WRONLY | O_CREAT | O_APPEND | O_TRUNC | O_CLOEXEC, 0640);
	o->size = 0;
	o->rotations++;
	if (o->fd < 0) {
		o->write_errors++;
		ldr_warn("export file %s: reopen after rotation failed: %s", o->path,
			 strerror(errno));
	}
}

void ldr_out__line_std(void *arg, const char *line, size_t len)
{
	struct ldr_out *o = arg;

	if (o->std) {
		fwrite(line, 1, len, o->std);
		fputc('\n', o->std);
	}
}

void ldr_out__line(void *arg, const char *line, size_t len)
{
	struct ldr_out *o = arg;

	o->lines++;
	ldr_out__line_std(o, line, len);
	ldr_out__line_file(o, line, len);
}

void ldr_out__line_file(void *arg, const char *line, size_t len)
{
	struct ldr_out *o = arg;

	if (o->path) {
		/* rotate at line granularity: a line never straddles two files */
		if (o->max_bytes && o->size + o->buf.len + len + 1 > o->max_bytes && o->size + o->buf.len)
			ldr_out__flush(o), rotate(o);
		jbuf__raw(&o->buf, line, len);
		jbuf__ch(&o->buf, '\n');
		if (o->buf.len > (1u << 20))
			ldr_out__flush(o);
	}
}

void ldr_out__flush(struct ldr_out *o)
{
	if (o->std)
		fflush(o->std);
	if (!o->path || !o->buf.len)
		return;
	if (o->fd >= 0) {
		size_t off = 0;

		while (off < o->buf.len) {
			ssize_t n = write(o->fd, o->buf.p + off, o->buf.len - off);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				o->write_errors++;
				break;
			}
			off += n;
		}
		o->size += off;
	} else {
		o->write_errors++;
	}
	jbuf__reset(&o->buf);
}

void ldr_out__close(struct ldr_out *o)
{
	ldr_out__flush(o);
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
	free(o->path);
	o->path = NULL;
	jbuf__free(&o->buf);
}
