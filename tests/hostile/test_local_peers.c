/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Who may connect over the local transport,
 * against the built daemon:
 *  - a guest belongs to the uid --guest-uid names, or else to the daemon's own
 *    uid (the operator); a client of another uid (SO_PEERCRED) cannot take its
 *    name, nor learn whether a guest of that name exists; the control command
 *    `owner` hands a guest to another uid at run time;
 *  - clients that never finish the handshake neither lock a real guest out
 *    (pending connections are capped, the excess evicted) nor stay (the
 *    handshake times out);
 *  - connect and disconnect lines are rate-limited, the lines about clients
 *    not yet connected on a limiter per uid (one uid's noise hides nothing
 *    about another uid's clients).
 *   test_local_peers PCIBACKD FIXTURES_DIR   (as root: it plays other uids with setresuid)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon_run.h"
#include "guest/pcifront.h"

static const char *pcibackd, *fixtures;
static struct daemon_run d; /* each test's daemon, stopped by teardown even when the test fails */
static char dev_a[512], dev_b[512];

#define UID_A 65534
#define UID_B 65533

static int idle_client(const char *path);

static void start(const char *const *extra)
{
	const char *args[16] = { "--device", dev_a, "--device", dev_b };
	size_t n = 4;
	for (size_t i = 0; extra && extra[i]; i++)
		args[n++] = extra[i];
	args[n] = NULL;
	assert_int_equal(daemon_run_start(&d, pcibackd, args), 0);
	/* The operator lets other users' guests reach the socket (it is created owner-only). */
	assert_int_equal(chmod(d.dir, 0711), 0);
	assert_int_equal(chmod(d.sock, 0666), 0);
}

enum { CONNECTED = 0, REFUSED_UID = 1, REFUSED_OTHER = 2, NO_SOCKET = 3 };

/* Connects as guest `name` under uid (-1: as we are), disconnects; one of the codes above. */
static int try_as(int uid, const char *name)
{
	pid_t p = fork();
	assert_true(p >= 0);
	if (p == 0) {
		if (uid >= 0 && setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid))
			_exit(NO_SOCKET);
		char err[256];
		struct pf_conn *c = pf_connect(d.sock, name, err, sizeof(err));
		if (c) {
			pf_close(c);
			_exit(CONNECTED);
		}
		fprintf(stderr, "uid %d as %s: %s\n", uid, name, err);
		if (strstr(err, "cannot connect"))
			_exit(NO_SOCKET);
		_exit(strstr(err, "backend:") && strstr(err, "uid") ? REFUSED_UID : REFUSED_OTHER);
	}
	int st;
	assert_int_equal(waitpid(p, &st, 0), p);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

/* A guest nobody named belongs to the daemon's uid (root here): no other uid can claim it, even first. */
static void test_unnamed_guest_operator_only(void **state)
{
	(void)state;
	start(NULL);
	assert_int_equal(try_as(UID_A, "a"), REFUSED_UID);
	assert_int_equal(try_as(UID_B, "a"), REFUSED_UID);
	assert_int_equal(try_as(UID_A, "b"), REFUSED_UID);
	/* Refusing claimed nothing: the operator still connects, and the others are still refused. */
	assert_int_equal(try_as(-1, "a"), CONNECTED);
	assert_int_equal(try_as(-1, "b"), CONNECTED);
	assert_int_equal(try_as(UID_A, "a"), REFUSED_UID);
	assert_true(daemon_run_log_count(&d, "uid 65534") >= 1);
}

/* --guest-uid binds a guest to that uid only (the operator included), before anyone connects. */
static void test_configured_uid(void **state)
{
	(void)state;
	char opt[32];
	snprintf(opt, sizeof(opt), "b=%d", UID_B);
	const char *extra[] = { "--guest-uid", opt, NULL };
	start(extra);
	assert_int_equal(try_as(-1, "b"), REFUSED_UID);
	assert_int_equal(try_as(UID_A, "b"), REFUSED_UID);
	assert_int_equal(try_as(UID_B, "b"), CONNECTED);
	assert_int_equal(try_as(-1, "a"), CONNECTED);
	assert_int_equal(try_as(UID_B, "a"), REFUSED_UID);
}

/* The control command `owner` rebinds a guest at run time; a connection of the old owner is dropped. */
static void test_owner_command(void **state)
{
	(void)state;
	start(NULL);
	char out[512], err[256], cmd[64];
	assert_int_equal(daemon_run_ctl(&d, "owner a", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "guest a uid=0"));
	struct pf_conn *held = pf_connect(d.sock, "a", err, sizeof(err));
	if (!held)
		fail_msg("operator as a: %s", err);
	snprintf(cmd, sizeof(cmd), "owner a %d", UID_A);
	assert_int_equal(daemon_run_ctl(&d, cmd, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "ok"));
	/* The operator's connection was dropped: its next op fails on the transport. */
	struct pb_bdf a0 = { 0 };
	uint32_t v;
	assert_true(pf_read(held, &a0, 0, 2, &v) > 0);
	pf_close(held);
	assert_int_equal(try_as(UID_A, "a"), CONNECTED);
	assert_int_equal(try_as(-1, "a"), REFUSED_UID);
	assert_int_equal(try_as(UID_B, "a"), REFUSED_UID);
	assert_int_equal(daemon_run_ctl(&d, "owner a", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "guest a uid=65534"));
	/* By user name too, and for a guest that has no device yet (attached later). */
	assert_int_equal(daemon_run_ctl(&d, "owner later root", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "ok"));
	/* Nonsense is refused with a reason and changes nothing. */
	assert_int_equal(daemon_run_ctl(&d, "owner a no-such-user-xyz", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "error: "));
	assert_int_equal(daemon_run_ctl(&d, "owner bad/name 0", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "error: "));
	assert_int_equal(try_as(UID_A, "a"), CONNECTED);
}

/* A uid that may not connect as a name cannot tell whether a guest of that name exists. */
static void test_no_name_oracle(void **state)
{
	(void)state;
	start(NULL);
	assert_int_equal(try_as(UID_A, "a"), REFUSED_UID);
	assert_int_equal(try_as(UID_A, "nosuchguest"), REFUSED_UID);
	/* The operator is told (it may connect as any unnamed guest). */
	assert_int_equal(try_as(-1, "nosuchguest"), REFUSED_OTHER);
}

/* n hellos as uid for a guest that uid may not have, each refused. */
static void refused_hellos_as(int uid, int n)
{
	pid_t p = fork();
	assert_true(p >= 0);
	if (p == 0) {
		if (setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid))
			_exit(1);
		for (int i = 0; i < n; i++) {
			char err[256];
			struct pf_conn *c = pf_connect(d.sock, "a", err, sizeof(err));
			if (c)
				_exit(2);
			if (!strstr(err, "uid")) {
				fprintf(stderr, "hello %d as uid %d: %s\n", i, uid, err);
				_exit(3);
			}
		}
		_exit(0);
	}
	int st;
	assert_int_equal(waitpid(p, &st, 0), p);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* One uid's stream of refused hellos does not hide what happens to another uid's clients. */
static void test_rate_limit_per_uid(void **state)
{
	(void)state;
	const char *extra[] = { "--handshake-timeout", "200", "--guest-uid", "a=0", NULL };
	start(extra);
	refused_hellos_as(UID_B, 50);
	/* They were rate-limited (a burst of 10 in 5 s): the flood is real. */
	long refused = daemon_run_log_count(&d, "uid 65533");
	printf("lines about uid %d's 50 refused hellos: %ld\n", UID_B, refused);
	assert_true(refused >= 1 && refused <= 10);
	pid_t p = fork();
	assert_true(p >= 0);
	if (p == 0) {
		if (setresuid(UID_A, UID_A, UID_A))
			_exit(1);
		int s = idle_client(d.sock);
		if (s < 0)
			_exit(2);
		usleep(600000); /* past the 200 ms handshake timeout */
		_exit(0);
	}
	int st;
	assert_int_equal(waitpid(p, &st, 0), p);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	long lines = daemon_run_log_count(&d, "handshake not finished");
	printf("lines about uid %d's timed-out client after uid %d's refused hellos: %ld\n", UID_A, UID_B, lines);
	assert_int_equal(lines, 1);
}

static int idle_client(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa))) {
		if (s >= 0)
			close(s);
		return -1;
	}
	return s;
}

/* True once the daemon has hung up on s (a Closing message first is fine). */
static int hung_up(int s)
{
	char buf[4096];
	for (;;) {
		ssize_t n = recv(s, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return 1;
		if (n < 0)
			return 0;
	}
}

#define IDLE 600 /* more than the daemon's 512 connections */

/* Clients that connect and never say a word: a real guest still connects; they are dropped later. */
static void test_idle_clients(void **state)
{
	(void)state;
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < IDLE + 64) {
		rl.rlim_cur = rl.rlim_max < IDLE + 64 ? rl.rlim_max : IDLE + 64;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	start(NULL);
	static int idle[IDLE];
	int nidle = 0;
	for (int i = 0; i < IDLE; i++) {
		idle[i] = idle_client(d.sock);
		nidle += idle[i] >= 0;
	}
	assert_int_equal(nidle, IDLE);
	/* Give the daemon time to accept them all. */
	usleep(300000);
	unsigned long long t0 = daemon_run_now_ns();
	assert_int_equal(try_as(-1, "a"), CONNECTED);
	double secs = (double)(daemon_run_now_ns() - t0) / 1e9;
	printf("a real guest connected in %.3f s past %d idle clients\n", secs, IDLE);
	/* Well before any handshake timeout: the cap let it in, not the timeout. */
	assert_true(secs < 2.0);
	/* Every idle client is dropped within the handshake timeout (5 s) and some slack. */
	int left = IDLE;
	for (int t = 0; t < 100 && left; t++) {
		left = 0;
		for (int i = 0; i < IDLE; i++)
			if (idle[i] >= 0 && !hung_up(idle[i]))
				left++;
		if (left)
			usleep(100000);
	}
	printf("idle clients still connected after %.1f s: %d\n",
	       (double)(daemon_run_now_ns() - t0) / 1e9, left);
	assert_int_equal(left, 0);
	for (int i = 0; i < IDLE; i++)
		if (idle[i] >= 0)
			close(idle[i]);
	/* The daemon said little about it. */
	long lines = daemon_run_log_count(&d, "local");
	printf("daemon lines about local clients: %ld\n", lines);
	assert_true(lines <= 40);
}

#define CYCLES 300

/* A guest that connects and disconnects in a loop does not flood the log. */
static void test_connect_lines_rate_limited(void **state)
{
	(void)state;
	start(NULL);
	for (int i = 0; i < CYCLES; i++) {
		char err[256];
		struct pf_conn *c = pf_connect(d.sock, "a", err, sizeof(err));
		if (!c)
			fail_msg("cycle %d: %s", i, err);
		pf_close(c);
	}
	/* The daemon has seen every disconnect once a new connection of the same guest succeeds. */
	assert_int_equal(try_as(-1, "a"), CONNECTED);
	long lines = daemon_run_log_count(&d, "connected");
	printf("%d connect/disconnect cycles: %ld log lines\n", CYCLES + 1, lines);
	/* Rate limit: 10 lines at once, one per 5 s after that (the test takes well under 60 s). */
	assert_true(lines <= 30);
}

static int teardown(void **state)
{
	(void)state;
	daemon_run_stop(&d);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: test_local_peers PCIBACKD FIXTURES_DIR\n");
		return 2;
	}
	pcibackd = argv[1];
	fixtures = argv[2];
	if (geteuid() != 0) {
		printf("skipped: needs root to play other uids\n");
		return 77;
	}
	snprintf(dev_a, sizeof(dev_a), "a=sim:%s/microvm-virtio.lspci#00:02.0", fixtures);
	snprintf(dev_b, sizeof(dev_b), "b=sim:%s/cap-dev3.lspci", fixtures);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_unnamed_guest_operator_only, teardown),
		cmocka_unit_test_teardown(test_configured_uid, teardown),
		cmocka_unit_test_teardown(test_owner_command, teardown),
		cmocka_unit_test_teardown(test_no_name_oracle, teardown),
		cmocka_unit_test_teardown(test_rate_limit_per_uid, teardown),
		cmocka_unit_test_teardown(test_idle_clients, teardown),
		cmocka_unit_test_teardown(test_connect_lines_rate_limited, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
