/* watch.c - inotify for --policy-dir. */
#include <errno.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "core/ldr_watch.h"

bool ldr_is_object_name(const char *name)
{
	size_t n = strlen(name);

	return n > 6 && name[0] != '.' && !strcmp(name + n - 6, ".bpf.o");
}

int ldr_watch__open(const char *dir)
{
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (inotify_add_watch(fd, dir, IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM) <
	    0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

int ldr_watch__drain(int fd, void (*cb)(void *ctx, const char *name, bool changed), void *ctx)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	int n = 0;

	for (;;) {
		ssize_t len = read(fd, buf, sizeof(buf));

		if (len <= 0)
			return len < 0 && errno != EAGAIN ? -errno : n;
		for (char *p = buf; p < buf + len;) {
			struct inotify_event *e = (struct inotify_event *)p;

			p += sizeof(*e) + e->len;
			if (!e->len || !ldr_is_object_name(e->name))
				continue;
			cb(ctx, e->name, e->mask & (IN_CLOSE_WRITE | IN_MOVED_TO));
			n++;
		}
	}
}
