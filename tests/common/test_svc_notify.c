/* SPDX-License-Identifier: GPL-2.0-or-later */
/* systemd's notify protocol (common/svc_notify.h): what arrives at $NOTIFY_SOCKET, path or abstract. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/svc_notify.h"

static char dir[] = "/tmp/pbnotify.XXXXXX";

/* A datagram socket bound to NAME (a path, or '@' + an abstract name), as systemd binds its own. */
static int bind_dgram(const char *name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = strlen(name);
	memcpy(sa.sun_path, name, n);
	if (name[0] == '@')
		sa.sun_path[0] = 0;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa,
			      (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (name[0] != '@'))), 0);
	return fd;
}

/* What the socket holds: one datagram, or "" when none arrived. */
static void recv_msg(int fd, char *buf, size_t len)
{
	ssize_t r = recv(fd, buf, len - 1, 0);
	buf[r > 0 ? r : 0] = 0;
}

static void test_path_socket(void **state)
{
	char path[64], buf[256];
	snprintf(path, sizeof(path), "%s/notify", dir);
	int fd = bind_dgram(path);
	setenv("NOTIFY_SOCKET", path, 1);
	assert_int_equal(svc_notify("READY=1\nSTATUS=serving"), 1);
	recv_msg(fd, buf, sizeof(buf));
	assert_string_equal(buf, "READY=1\nSTATUS=serving");
	svc_notify_ready("serving 2 devices");
	recv_msg(fd, buf, sizeof(buf));
	assert_string_equal(buf, "READY=1\nSTATUS=serving 2 devices");
	svc_notify_stopping();
	recv_msg(fd, buf, sizeof(buf));
	assert_string_equal(buf, "STOPPING=1");
	close(fd);
	unlink(path);
}

static void test_abstract_socket(void **state)
{
	char name[64], buf[256];
	snprintf(name, sizeof(name), "@pcibackd-test-%d", (int)getpid());
	int fd = bind_dgram(name);
	setenv("NOTIFY_SOCKET", name, 1);
	assert_int_equal(svc_notify("READY=1"), 1);
	recv_msg(fd, buf, sizeof(buf));
	assert_string_equal(buf, "READY=1");
	/* The same name as a path is another socket: nothing there. */
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", dir, name + 1);
	setenv("NOTIFY_SOCKET", path, 1);
	assert_int_equal(svc_notify("READY=1"), -ENOENT);
	recv_msg(fd, buf, sizeof(buf));
	assert_string_equal(buf, "");
	close(fd);
}

static void test_no_manager(void **state)
{
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(svc_notify("READY=1"), 0);
	setenv("NOTIFY_SOCKET", "", 1);
	assert_int_equal(svc_notify("READY=1"), 0);
	setenv("NOTIFY_SOCKET", "vsock:2:1234", 1);
	assert_int_equal(svc_notify("READY=1"), -EAFNOSUPPORT);
	char longname[200];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[0] = '/';
	longname[sizeof(longname) - 1] = 0;
	setenv("NOTIFY_SOCKET", longname, 1);
	assert_int_equal(svc_notify("READY=1"), -ENAMETOOLONG);
	unsetenv("NOTIFY_SOCKET");
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_socket),
		cmocka_unit_test(test_abstract_socket),
		cmocka_unit_test(test_no_manager),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(dir);
	return rc;
}
