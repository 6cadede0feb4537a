/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Unix-socket server shared by the control socket and the local transport: PATH.lock, an owner-
 * only socket, accept in the event loop (see usock.h).
 */
#include "common/usock.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/log.h"

struct usock_server {
	struct evloop *loop;
	char what[32];
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int fd;
	int lock_fd;                /* PATH.lock, flock()ed for the server's life */
	struct ev_watch *w;
	dev_t dev;                  /* the socket file we bound, to remove only that one */
	ino_t ino;
	usock_accept_cb cb;
	void *arg;
	struct pb_ratelimit rl;
};

static void on_accept(struct ev_watch *w, uint32_t events, void *arg)
{
	(void)w;
	(void)events;
	struct usock_server *s = arg;
	int fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			pb_log_rl(&s->rl, PB_LOG_WARN, "%s: accept failed: %s", s->what, strerror(errno));
		return;
	}
	struct ucred uc;
	socklen_t len = sizeof(uc);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0 || len != sizeof(uc)) {
		pb_log_rl(&s->rl, PB_LOG_WARN, "%s: no peer credentials: %s", s->what, strerror(errno));
		close(fd);
		return;
	}
	struct usock_peer peer = { .pid = uc.pid, .uid = uc.uid, .gid = uc.gid };
	s->cb(fd, &peer, s->arg);
}

/* 0 when nothing is at path any more (a stale socket was removed); -1 + err when it must be left alone. */
static int clear_stale(const char *what, const char *path, int type, char *err, size_t errlen)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return 0;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s %s: the path exists and is not a socket", what, path);
		return -1;
	}
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	int c = socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c < 0) {
		snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
		return -1;
	}
	int r = connect(c, (struct sockaddr *)&sa, sizeof(sa));
	int e = errno;
	close(c);
	if (r == 0 || e == EAGAIN || e == EINPROGRESS || e == EPROTOTYPE) {
		/* Accepted, or a full backlog, or a listener of another type: someone serves it. */
		snprintf(err, errlen, "%s %s is in use by a running server (another pcibackd?)", what, path);
		return -1;
	}
	if (e == ENOENT)
		return 0;
	if (e != ECONNREFUSED) {
		snprintf(err, errlen, "%s %s: cannot tell whether it is in use: %s", what, path, strerror(e));
		return -1;
	}
	/* Nobody listens: a socket left by a server that died. */
	if (unlink(path) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "%s %s: cannot remove the stale socket: %s", what, path, strerror(errno));
		return -1;
	}
	pb_info("%s %s: replaced a stale socket", what, path);
	return 0;
}

/*
 * Takes PATH.lock (created if needed, owner-only) with an exclusive flock held
 * until the returned fd is closed; -1 + err when another server holds it.
 */
static int take_lock(const char *what, const char *path, char *err, size_t errlen)
{
	char lock[sizeof(((struct sockaddr_un *)0)->sun_path) + 8];
	snprintf(lock, sizeof(lock), "%s.lock", path);
	int fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "%s %s: cannot open its lock file %s: %s", what, path, lock, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s %s: its lock file %s is not a regular file", what, path, lock);
		close(fd);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		if (e == EWOULDBLOCK)
			snprintf(err, errlen, "%s %s is in use by a running server (another pcibackd holds %s)", what,
				 path, lock);
		else
			snprintf(err, errlen, "%s %s: cannot lock %s: %s", what, path, lock, strerror(e));
		close(fd);
		return -1;
	}
	return fd;
}

struct usock_server *usock_listen(struct evloop *loop, const char *what, const char *path, int type,
				  usock_accept_cb cb, void *arg, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) + strlen(".new") >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "%s path %s is too long (at most %zu bytes)", what, path,
			 sizeof(sa.sun_path) - 1 - strlen(".new"));
		return NULL;
	}
	/* Held from before the stale check to the end: no other server can remove or replace ours meanwhile. */
	int lock_fd = take_lock(what, path, err, errlen);
	if (lock_fd < 0)
		return NULL;
	if (clear_stale(what, path, type, err, errlen)) {
		close(lock_fd);
		return NULL;
	}
	struct usock_server *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		close(lock_fd);
		return NULL;
	}
	s->loop = loop;
	s->lock_fd = lock_fd;
	snprintf(s->what, sizeof(s->what), "%s", what);
	snprintf(s->path, sizeof(s->path), "%s", path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	s->cb = cb;
	s->arg = arg;
	s->rl = (struct pb_ratelimit)PB_RATELIMIT_DEFAULT;
	s->fd = socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
		close(lock_fd);
		free(s);
		return NULL;
	}
	/*
	 * Bound under PATH.new and linked to PATH only once it listens, so that a
	 * client that sees PATH can connect (no ECONNREFUSED between bind and
	 * listen).  PATH.new is ours while we hold the lock: one left by a server
	 * that died is removed if it is a socket, refused otherwise.
	 */
	char tmp[sizeof(sa.sun_path)];
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	struct stat st;
	if (lstat(tmp, &st) == 0 && (!S_ISSOCK(st.st_mode) || unlink(tmp) < 0)) {
		snprintf(err, errlen, "cannot listen on %s %s: %s exists and %s", what, path, tmp,
			 S_ISSOCK(st.st_mode) ? "cannot be removed" : "is not a socket");
		close(s->fd);
		close(lock_fd);
		free(s);
		return NULL;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", tmp);
	/* Owner-only from the start: no window in which another user could connect. */
	mode_t old = umask(0177);
	int r = bind(s->fd, (struct sockaddr *)&sa, sizeof(sa));
	int e = errno;
	umask(old);
	bool bound = r == 0;
	if (r == 0 && listen(s->fd, 64) < 0) {
		r = -1;
		e = errno;
	}
	if (r == 0 && link(tmp, path) < 0) {
		r = -1;
		e = errno;
	}
	if (bound)
		unlink(tmp); /* linked to path, or never to be: the temporary name goes either way */
	if (r < 0) {
		snprintf(err, errlen, "cannot listen on %s %s: %s", what, path,
			 e == EEXIST ? "another server created it meanwhile" : strerror(e));
		close(s->fd);
		close(lock_fd);
		free(s);
		return NULL;
	}
	/* What closing removes.  Unknown, the socket would never be removed: refuse now (it is ours: locked). */
	if (lstat(s->path, &st) < 0) {
		e = errno;
		snprintf(err, errlen, "cannot listen on %s %s: cannot examine the socket just made: %s", s->what,
			 s->path, strerror(e));
		unlink(s->path);
		close(s->fd);
		close(lock_fd);
		free(s);
		return NULL;
	}
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	if (!(s->w = evloop_add(loop, s->fd, EPOLLIN, on_accept, s))) {
		snprintf(err, errlen, "cannot listen on %s %s: %s", what, path, strerror(errno));
		usock_close(s);
		return NULL;
	}
	return s;
}

void usock_close(struct usock_server *s)
{
	if (!s)
		return;
	evloop_remove(s->loop, s->w);
	close(s->fd);
	struct stat st;
	if (lstat(s->path, &st) == 0 && st.st_dev == s->dev && st.st_ino == s->ino)
		unlink(s->path);
	close(s->lock_fd); /* the lock file stays: removing it could let two servers each lock a different one */
	free(s);
}
