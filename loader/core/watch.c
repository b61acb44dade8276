/* watch.c - inotify for --policy-dir (files, and the kubelet's ..data swap). */
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
	if (inotify_add_watch(fd, dir, IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM |
				      IN_CREATE) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

int ldr_watch__drain(int fd, ldr_watch_fn cb, void *ctx)
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
			if (!e->len)
				continue;
			if (!strcmp(e->name, LDR_WATCH_DATA_LINK)) {
				if (e->mask & IN_MOVED_TO) {
					cb(ctx, e->name, LDR_WATCH_SWAPPED);
					n++;
				}
				continue;
			}
			if (!ldr_is_object_name(e->name))
				continue;
			if (e->mask & (IN_CLOSE_WRITE | IN_MOVED_TO))
				cb(ctx, e->name, LDR_WATCH_WRITTEN);
			else if (e->mask & IN_CREATE)
				cb(ctx, e->name, LDR_WATCH_CREATED);
			else
				cb(ctx, e->name, LDR_WATCH_REMOVED);
			n++;
		}
	}
}
