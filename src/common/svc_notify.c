/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * systemd's notify protocol spoken directly (READY=1, STATUS=...), or one readiness line on stderr
 * without $NOTIFY_SOCKET (see svc_notify.h).
 */
#include "svc_notify.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/log.h"

int svc_notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	if (!path || !*path)
		return 0;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = strlen(path);
	if (path[0] != '/' && path[0] != '@')
		return -EAFNOSUPPORT; /* e.g. systemd's vsock: addresses */
	if (n > sizeof(sa.sun_path) || (path[0] == '/' && n == sizeof(sa.sun_path)))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, n);
	if (path[0] == '@')
		sa.sun_path[0] = 0; /* abstract: the name is the n bytes, no terminator */
	socklen_t salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (path[0] == '/'));
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	size_t len = strlen(state);
	ssize_t w = sendto(fd, state, len, MSG_NOSIGNAL, (struct sockaddr *)&sa, salen);
	int rc = w == (ssize_t)len ? 1 : w < 0 ? -errno : -EMSGSIZE;
	close(fd);
	return rc;
}

void svc_notify_ready(const char *status)
{
	char msg[512];
	snprintf(msg, sizeof(msg), "READY=1\nSTATUS=%s", status);
	int rc = svc_notify(msg);
	if (rc > 0) {
		pb_info("%s", status);
		return;
	}
	if (rc < 0)
		pb_warn("cannot notify the service manager at $NOTIFY_SOCKET (%s): %s", getenv("NOTIFY_SOCKET"),
			strerror(-rc));
	fprintf(stderr, "pcibackd: ready: %s\n", status);
}

void svc_notify_stopping(void)
{
	svc_notify("STOPPING=1");
}
