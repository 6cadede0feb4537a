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
#include <sys/wait.h>
#include <unistd.h>

#include "common/usock.h"

static char dir[] = "/tmp/pbusock.XXXXXX", path[64], lock[72];
static struct evloop *loop;

static void on_conn(int fd, const struct usock_peer *peer, void *arg)
{
	(void)fd;
	*(uid_t *)arg = peer->uid;
	close(fd);
	evloop_stop(loop);
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
	snprintf(lock, sizeof(lock), "%s.lock", path);
	loop = evloop_new();
	return loop ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	unlink(lock);
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
	/* The lock file stays (owner-only), released: the next server takes it. */
	assert_int_equal(lstat(lock, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	s = listen_at(SOCK_STREAM, &seen, err, sizeof(err));
	assert_non_null(s);
	usock_close(s);
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

/* Each connection comes with the uid of the process that connected (another uid than ours when root). */
static void test_peer_credentials(void **state)
{
	(void)state;
	char err[256];
	uid_t seen = (uid_t)-1;
	struct usock_server *s = listen_at(SOCK_STREAM, &seen, err, sizeof(err));
	assert_non_null(s);
	uid_t want = geteuid() == 0 ? 65534 : geteuid();
	assert_int_equal(chmod(dir, 0711), 0);
	assert_int_equal(chmod(path, 0666), 0);
	pid_t p = fork();
	assert_true(p >= 0);
	if (p == 0) {
		if (setresuid(want, want, want))
			_exit(1);
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
		int c = socket(AF_UNIX, SOCK_STREAM, 0);
		if (connect(c, (struct sockaddr *)&sa, sizeof(sa)))
			_exit(2);
		char b;
		(void)!read(c, &b, 1); /* until the server closes it */
		_exit(0);
	}
	assert_int_equal(evloop_run(loop), 0);
	int st;
	assert_int_equal(waitpid(p, &st, 0), p);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_int_equal(seen, want);
	usock_close(s);
	assert_int_equal(chmod(dir, 0700), 0);
}

#define RACERS 3
#define ROUNDS 150

/*
 * One racer: waits for the start, listens, reports '1' (serving) or '0'
 * (refused: "in use"), then serves until the parent closes `stop`.
 */
static void racer(int go, int report, int stop)
{
	char c;
	if (read(go, &c, 1) != 1)
		_exit(1);
	struct evloop *l = evloop_new();
	char err[256];
	uid_t seen;
	struct usock_server *s = usock_listen(l, "test socket", path, SOCK_STREAM, on_conn, &seen, err, sizeof(err));
	c = s ? '1' : strstr(err, "in use") ? '0' : 'x';
	if (write(report, &c, 1) != 1)
		_exit(1);
	(void)!read(stop, &c, 1);
	usock_close(s);
	evloop_free(l);
	_exit(0);
}

/* Servers starting at once on the same path (over a stale socket): exactly one serves, and it answers. */
static void test_racing_servers(void **state)
{
	(void)state;
	int bad = 0, two = 0, none = 0;
	for (int round = 0; round < ROUNDS; round++) {
		make_stale();
		int go[2], rep[2], stop[2];
		assert_int_equal(pipe(go), 0);
		assert_int_equal(pipe(rep), 0);
		assert_int_equal(pipe(stop), 0);
		pid_t pid[RACERS];
		for (int i = 0; i < RACERS; i++) {
			pid[i] = fork();
			assert_true(pid[i] >= 0);
			if (pid[i] == 0) {
				close(go[1]);
				close(rep[0]);
				close(stop[1]);
				racer(go[0], rep[1], stop[0]);
			}
		}
		close(go[0]);
		close(rep[1]);
		close(stop[0]);
		assert_int_equal(write(go[1], "gggggggg", RACERS), RACERS);
		int serving = 0, refused = 0;
		for (int i = 0; i < RACERS; i++) {
			char c = 0;
			assert_int_equal(read(rep[0], &c, 1), 1);
			serving += c == '1';
			refused += c == '0';
		}
		/* The winner answers on the path. */
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
		int cs = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int answered = connect(cs, (struct sockaddr *)&sa, sizeof(sa)) == 0;
		close(cs);
		close(stop[1]);
		for (int i = 0; i < RACERS; i++)
			waitpid(pid[i], NULL, 0);
		close(go[1]);
		close(rep[0]);
		two += serving > 1;
		none += !answered;
		if (serving != 1 || refused != RACERS - 1 || !answered) {
			if (!bad)
				printf("round %d: %d serving, %d refused, path %s\n", round, serving, refused,
				       answered ? "answers" : "does not answer");
			bad++;
		}
		unlink(path);
	}
	printf("%d of %d rounds of %d servers racing went wrong (%d with several serving, %d nobody answering)\n",
	       bad, ROUNDS, RACERS, two, none);
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_owner_only_and_removed),
		cmocka_unit_test(test_live_refused),
		cmocka_unit_test(test_stale_replaced),
		cmocka_unit_test(test_not_a_socket_left_alone),
		cmocka_unit_test(test_close_removes_only_its_own),
		cmocka_unit_test(test_racing_servers),
		cmocka_unit_test(test_peer_credentials),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
