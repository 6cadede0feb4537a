/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The Unix-socket server (common/usock.h): what it replaces, what it refuses, what it removes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/usock.h"

static char dir[] = "/tmp/pbusock.XXXXXX", path[64];
static struct evloop *loop;

static void on_conn(int fd, const struct usock_peer *peer, void *arg)
{
	(void)fd;
	*(uid_t *)arg = peer->uid;
	close(fd);
}

static struct usock_server *listen_at(int type, uid_t *seen, char *err, size_t errlen)
{
	return usock_listen(loop, "test socket", path, type, on_conn, seen, err, errlen);
}

/* A socket file bound and closed without listening: what a killed server leaves. */
static void make_stale(void)
{
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(s);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/sock", dir);
	loop = evloop_new();
	return loop ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	rmdir(dir);
	evloop_free(loop);
	return 0;
}

static void test_owner_only_and_removed(void **state)
{
	(void)state;
	char err[256];
	uid_t seen = (uid_t)-1;
	struct usock_server *s = listen_at(SOCK_STREAM, &seen, err, sizeof(err));
	assert_non_null(s);
	struct stat st;
	assert_int_equal(lstat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	usock_close(s);
	assert_int_equal(lstat(path, &st), -1);
}

/* A live server (of either socket type) is never replaced; its path stays. */
static void test_live_refused(void **state)
{
	(void)state;
	char err[256];
	uid_t seen;
	struct usock_server *a = listen_at(SOCK_SEQPACKET, &seen, err, sizeof(err));
	assert_non_null(a);
	struct stat before, after;
	assert_int_equal(lstat(path, &before), 0);
	assert_null(listen_at(SOCK_SEQPACKET, &seen, err, sizeof(err)));
	assert_non_null(strstr(err, "in use"));
	assert_null(listen_at(SOCK_STREAM, &seen, err, sizeof(err)));
	assert_non_null(strstr(err, "in use"));
	assert_int_equal(lstat(path, &after), 0);
	assert_int_equal(before.st_ino, after.st_ino);
	usock_close(a);
}

static void test_stale_replaced(void **state)
{
	(void)state;
	char err[256];
	uid_t seen;
	make_stale();
	struct usock_server *s = listen_at(SOCK_STREAM, &seen, err, sizeof(err));
	assert_non_null(s);
	usock_close(s);
}

static void test_not_a_socket_left_alone(void **state)
{
	(void)state;
	char err[256];
	uid_t seen;
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_null(listen_at(SOCK_STREAM, &seen, err, sizeof(err)));
	assert_non_null(strstr(err, "not a socket"));
	struct stat st;
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	unlink(path);
}

/* Closing never removes a path that another server has taken over since. */
static void test_close_removes_only_its_own(void **state)
{
	(void)state;
	char err[256];
	uid_t seen;
	struct usock_server *s = listen_at(SOCK_STREAM, &seen, err, sizeof(err));
	assert_non_null(s);
	unlink(path);
	make_stale();
	usock_close(s);
	struct stat st;
	assert_int_equal(lstat(path, &st), 0);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_owner_only_and_removed),
		cmocka_unit_test(test_live_refused),
		cmocka_unit_test(test_stale_replaced),
		cmocka_unit_test(test_not_a_socket_left_alone),
		cmocka_unit_test(test_close_removes_only_its_own),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
