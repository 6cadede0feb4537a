/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcibackctl: sends one command to pcibackd's control socket and prints the answer. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "config.h"
#if HAVE_XEN
#include "toolstack/pbctl_cli.h"
#endif

static const char ctl_usage[] =
	"usage: pcibackctl --control PATH [--json] COMMAND [ARGS...]   (COMMAND help lists them)\n"
	"       --json: the answer of list, stats, irq, aer-status, quarantine or writes as one JSON document\n";

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--version")) {
		puts("pcibackctl " PCIBACKD_VERSION);
		return 0;
	}
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(ctl_usage, stdout);
		fputs("       pcibackctl --help | --version\n", stdout);
#if HAVE_XEN
		fflush(stdout);
		return pbctl_xen_main(argc, argv); /* attach / detach and their options */
#else
		puts("(attach and detach, the Xen toolstack's part, are not built: rebuild with libxen-dev)");
		return 0;
#endif
	}
#if HAVE_XEN
	/* attach / detach (and their options): the Xen toolstack's part. */
	if (argc >= 2 && strcmp(argv[1], "--control"))
		return pbctl_xen_main(argc, argv);
#else
	if (argc >= 2 && (!strcmp(argv[1], "attach") || !strcmp(argv[1], "detach"))) {
		fprintf(stderr, "pcibackctl: %s needs the Xen toolstack part, which is not built (rebuild with libxen-dev)\n",
			argv[1]);
		return 2;
	}
#endif
	if (argc < 4 || strcmp(argv[1], "--control")) {
		fputs(ctl_usage, stderr);
		return 2;
	}
	/* The words go as they are: --json too, which asks the daemon for its JSON form (control.h). */
	char line[4096];
	size_t len = 0;
	for (int i = 3; i < argc; i++) {
		int n = snprintf(line + len, sizeof(line) - len, "%s%s", i > 3 ? " " : "", argv[i]);
		if (n < 0 || (size_t)n >= sizeof(line) - len - 1) {
			fprintf(stderr, "pcibackctl: command too long\n");
			return 2;
		}
		len += (size_t)n;
	}
	line[len++] = '\n';
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[2]);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "pcibackctl: cannot connect to %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	/* A daemon that refuses this uid answers and closes, maybe before the command is sent: read its answer. */
	ssize_t sent = send(fd, line, len, MSG_NOSIGNAL);
	if (sent != (ssize_t)len && !(sent < 0 && (errno == EPIPE || errno == ECONNRESET))) {
		fprintf(stderr, "pcibackctl: cannot send: %s\n", strerror(errno));
		return 1;
	}
	/* Print lines until the final "ok" or "error: ..." line. */
	FILE *f = fdopen(fd, "r");
	char *l = NULL;
	size_t cap = 0;
	int rc = -1;
	while (rc < 0 && f && getline(&l, &cap, f) > 0) {
		if (!strcmp(l, "ok\n")) {
			rc = 0;
		} else if (!strncmp(l, "error: ", 7)) {
			fprintf(stderr, "pcibackctl: %s", l + 7);
			rc = 1;
		} else {
			fputs(l, stdout);
		}
	}
	if (rc < 0) {
		fprintf(stderr, "pcibackctl: the daemon hung up without an answer\n");
		rc = 1;
	}
	free(l);
	if (f)
		fclose(f);
	return rc;
}
