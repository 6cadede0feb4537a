/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A misbehaving local-transport client for the integration tests.
 *   rogue_client SOCKET MODE [GUEST]
 * Protocol-violation modes wait for the daemon to drop the connection and
 * exit 0 if it did (printing the error it sent), 1 if it did not.
 * "hold" connects properly, prints "connected" and waits to be killed;
 * "post-and-wait" posts an op without kicking, prints "posted" and waits to
 * be killed; "kick-and-die" posts an op, kicks and kills itself at once;
 * "aer-preanswer" announces a PV AER handler, prints "connected", answers the
 * first AER step posted (can recover) without kicking, prints "answered" and
 * waits to be killed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "dispatch/dispatch.h"
#include "proto/pciif.h"
#include "transport/local/local_msg.h"

static int sock;

static void send_raw(const void *buf, size_t len)
{
	if (send(sock, buf, len, MSG_NOSIGNAL) < 0)
		perror("rogue: send");
}

static void send_kv(const char *text, const int *fds, int nfds)
{
	struct lt_msg m;
	char err[128];
	if (lt_msg_parse(text, strlen(text), &m, err, sizeof(err))) {
		fprintf(stderr, "rogue: bad test message: %s\n", err);
		exit(3);
	}
	int r = lt_send(sock, &m, fds, nfds);
	if (r)
		fprintf(stderr, "rogue: send: %s\n", strerror(-r));
}

/* Receives one message (3 s); returns 1 with m, 0 on hang-up, -1 on timeout. */
static int recv_one(struct lt_msg *m)
{
	struct pollfd p = { .fd = sock, .events = POLLIN };
	if (poll(&p, 1, 3000) <= 0)
		return -1;
	int fds[LT_FDS_MAX], nfds;
	char err[128];
	int r = lt_recv(sock, m, fds, &nfds, err, sizeof(err));
	return r == 1 ? 1 : r == 0 || r == -ECONNRESET ? 0 : -1;
}

/* Waits until the daemon drops us. */
static int expect_drop(void)
{
	for (;;) {
		struct lt_msg m;
		int r = recv_one(&m);
		if (r == 0) {
			printf("dropped\n");
			return 0;
		}
		if (r < 0) {
			printf("not dropped\n");
			return 1;
		}
		const char *e = lt_msg_get(&m, LT_K_ERROR);
		if (e)
			printf("error: %s\n", e);
	}
}

static void hello(const char *guest)
{
	char buf[128];
	snprintf(buf, sizeof(buf), "name=%s\nstate=1\n", guest);
	send_kv(buf, NULL, 0);
	struct lt_msg m;
	if (recv_one(&m) != 1 || lt_msg_get_num(&m, LT_K_STATE, 99) != 3) {
		fprintf(stderr, "rogue: handshake failed\n");
		exit(3);
	}
}

static int make_page(off_t size, unsigned seals)
{
	int fd = memfd_create("rogue", MFD_ALLOW_SEALING);
	if (fd < 0 || ftruncate(fd, size) < 0 || (seals && fcntl(fd, F_ADD_SEALS, seals) < 0)) {
		perror("rogue: memfd");
		exit(3);
	}
	return fd;
}

static void send_channels(const char *magic, int page, int kick, int notify)
{
	char buf[64];
	snprintf(buf, sizeof(buf), "magic=%s\nstate=3\n", magic);
	int fds[3] = { page, kick, notify };
	send_kv(buf, fds, 3);
}

/* A proper connection; returns the mapped page, fills the kick fd. */
static struct pciif_sharedinfo *connect_fully(const char *guest, int *kick)
{
	hello(guest);
	int page = make_page(4096, F_SEAL_SHRINK | F_SEAL_SEAL);
	*kick = eventfd(0, 0);
	int notify = eventfd(0, 0);
	send_channels("7", page, *kick, notify);
	struct lt_msg m;
	if (recv_one(&m) != 1 || lt_msg_get_num(&m, LT_K_STATE, 99) != 4) {
		fprintf(stderr, "rogue: connect failed\n");
		exit(3);
	}
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, page, 0);
	if (p == MAP_FAILED)
		exit(3);
	return p;
}

static void post(struct pciif_sharedinfo *sh, int kick, int do_kick)
{
	memset(&sh->op, 0, sizeof(sh->op));
	sh->op.cmd = PCIIF_OP_CONF_READ;
	sh->op.size = 2;
	pciif_flags_set(sh, PCIIF_FLAG_F_ACTIVE);
	uint64_t one = 1;
	if (do_kick && write(kick, &one, sizeof(one)) < 0)
		exit(3);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: rogue_client SOCKET MODE [GUEST]\n");
		return 2;
	}
	const char *mode = argv[2], *guest = argc > 3 ? argv[3] : "g3";
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]);
	sock = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	if (sock < 0 || connect(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("rogue: connect");
		return 3;
	}
	if (!strcmp(mode, "garbage")) {
		unsigned char buf[200];
		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = (unsigned char)(i * 37 + 11);
		send_raw(buf, sizeof(buf));
	} else if (!strcmp(mode, "not-kv")) {
		send_raw("hello backend\n", 14);
	} else if (!strcmp(mode, "huge")) {
		static char big[20000];
		memset(big, 'a', sizeof(big));
		send_raw(big, sizeof(big));
	} else if (!strcmp(mode, "unknown-guest")) {
		send_kv("name=nobody\nstate=1\n", NULL, 0);
	} else if (!strcmp(mode, "fds-early")) {
		int fds[1] = { eventfd(0, 0) };
		send_kv("name=g3\nstate=1\n", fds, 1);
	} else if (!strcmp(mode, "bad-magic")) {
		hello(guest);
		send_channels("8", make_page(4096, F_SEAL_SHRINK | F_SEAL_SEAL), eventfd(0, 0), eventfd(0, 0));
	} else if (!strcmp(mode, "no-seals")) {
		hello(guest);
		send_channels("7", make_page(4096, 0), eventfd(0, 0), eventfd(0, 0));
	} else if (!strcmp(mode, "small-page")) {
		hello(guest);
		send_channels("7", make_page(100, F_SEAL_SHRINK | F_SEAL_SEAL), eventfd(0, 0), eventfd(0, 0));
	} else if (!strcmp(mode, "not-eventfd")) {
		int p[2];
		if (pipe(p))
			return 3;
		hello(guest);
		send_channels("7", make_page(4096, F_SEAL_SHRINK | F_SEAL_SEAL), p[0], eventfd(0, 0));
	} else if (!strcmp(mode, "garbage-connected")) {
		int kick;
		connect_fully(guest, &kick);
		send_kv("foo=bar\n", NULL, 0);
	} else if (!strcmp(mode, "hold")) {
		int kick;
		connect_fully(guest, &kick);
		printf("connected\n");
		fflush(stdout);
		for (;;)
			pause();
	} else if (!strcmp(mode, "post-and-wait")) {
		int kick;
		struct pciif_sharedinfo *sh = connect_fully(guest, &kick);
		post(sh, kick, 0);
		printf("posted\n");
		fflush(stdout);
		for (;;)
			pause();
	} else if (!strcmp(mode, "kick-and-die")) {
		int kick;
		struct pciif_sharedinfo *sh = connect_fully(guest, &kick);
		post(sh, kick, 1);
		raise(SIGKILL);
	} else if (!strcmp(mode, "aer-preanswer")) {
		int kick;
		struct pciif_sharedinfo *sh = connect_fully(guest, &kick);
		pciif_flags_set(sh, PCIIF_FLAG_B_AERHANDLER);
		printf("connected\n");
		fflush(stdout);
		for (int i = 0; !(pciif_flags_load(sh) & PCIIF_FLAG_B_ACTIVE); i++) {
			if (i == 10000)
				return 1;
			usleep(1000);
		}
		sh->aer_op.err = PCIIF_AER_RESULT_CAN_RECOVER;
		pciif_flags_clear(sh, PCIIF_FLAG_B_ACTIVE);
		printf("answered\n");
		fflush(stdout);
		for (;;)
			pause();
	} else {
		fprintf(stderr, "rogue: unknown mode %s\n", mode);
		return 2;
	}
	return expect_drop();
}
