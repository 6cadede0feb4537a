/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A Unix-socket server in the event loop, for the control socket and the
 * local transport alike.  The socket is created owner-only (mode 0600).
 * Before anything else the server takes an exclusive flock on PATH.lock
 * (created owner-only if needed) and holds it for its life: a second server
 * on the same path is refused at once, and servers starting together cannot
 * remove or replace each other's socket.  Holding the lock, a socket file
 * already at the path is replaced only when nobody answers on it (a daemon
 * that died); when a server answers, or the path is anything but a socket,
 * listening fails and the path is left alone.  Closing removes the path only
 * if it is still the socket this server created, and releases the lock; the
 * lock file itself stays (harmless, reused by the next server: removing it
 * would let two servers lock two different files).  Each accepted
 * connection comes with its peer's credentials (SO_PEERCRED).
 */
#ifndef PCIBACKD_COMMON_USOCK_H
#define PCIBACKD_COMMON_USOCK_H

#include <stddef.h>
#include <sys/types.h>

#include "common/evloop.h"

struct usock_server;

/* Who connected, as the kernel recorded it at connect(). */
struct usock_peer {
	pid_t pid;
	uid_t uid;
	gid_t gid;
};

/* A new connection (non-blocking, close-on-exec); the callback owns fd. */
typedef void (*usock_accept_cb)(int fd, const struct usock_peer *peer, void *arg);

/*
 * Listens on path with a socket of `type` (SOCK_STREAM, SOCK_SEQPACKET).
 * what names the socket in messages ("control socket").  NULL + err.
 */
struct usock_server *usock_listen(struct evloop *loop, const char *what, const char *path, int type,
				  usock_accept_cb cb, void *arg, char *err, size_t errlen);
/* Stops listening and removes the path if it is still ours.  NULL is accepted. */
void usock_close(struct usock_server *s);

#endif
