/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcifront: the guest-side tool over the local transport. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest/pcifront.h"

static const char usage[] =
	"usage: pcifront --socket PATH --guest NAME COMMAND\n"
	"commands:\n"
	"  lspci                          every device, in `lspci -xxxx` form (decode with lspci -F FILE -vvv)\n"
	"  read  [DDDD:]BB:DD.F OFF SIZE  one config read (hex)\n"
	"  write [DDDD:]BB:DD.F OFF SIZE VALUE  one config write (hex)\n";

static int die_usage(const char *what)
{
	fprintf(stderr, "pcifront: %s\n", what);
	return 2;
}

static int parse_hex(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 16);
	if (!*s || *end || errno || v > max || *s == '-')
		return -1;
	*out = v;
	return 0;
}

static int cmd_lspci(struct pf_conn *c)
{
	struct pf_device *devs;
	size_t n;
	char err[256];
	if (pf_enumerate(c, &devs, &n, err, sizeof(err))) {
		fprintf(stderr, "pcifront: %s\n", err);
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		if (i)
			putchar('\n');
		pf_print_lspci(stdout, &devs[i]);
	}
	free(devs);
	return 0;
}

static int cmd_access(struct pf_conn *c, int write, char **argv, int argc)
{
	if (argc != (write ? 4 : 3))
		return die_usage(write ? "write needs ADDRESS OFFSET SIZE VALUE" : "read needs ADDRESS OFFSET SIZE");
	struct pb_bdf a;
	char err[128];
	if (pb_bdf_parse(argv[0], &a, err, sizeof(err)))
		return die_usage(err);
	unsigned long off, size, val = 0;
	if (parse_hex(argv[1], 0xfff, &off))
		return die_usage("OFFSET must be hex 0..fff");
	if (parse_hex(argv[2], 4, &size) || (size != 1 && size != 2 && size != 4))
		return die_usage("SIZE must be 1, 2 or 4");
	if (write && parse_hex(argv[3], size == 4 ? 0xffffffffUL : (1UL << (8 * size)) - 1, &val))
		return die_usage("VALUE must be hex and fit in SIZE bytes");
	uint32_t v = (uint32_t)val;
	int r = write ? pf_write(c, &a, (int)off, (int)size, v) : pf_read(c, &a, (int)off, (int)size, &v);
	if (r) {
		char buf[160];
		const char *detail = pf_last_error(c);
		fprintf(stderr, "pcifront: %s %s+0x%lx: %s%s%s\n", write ? "write" : "read", argv[0], off,
			pf_strerror(r, buf, sizeof(buf)), *detail && r > 0 ? ": " : "", r > 0 ? detail : "");
		return 1;
	}
	if (!write)
		printf("%0*x\n", (int)size * 2, v);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "guest", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock = NULL, *guest = NULL;
	int o;
	while ((o = getopt_long(argc, argv, "+s:g:h", opts, NULL)) != -1) {
		switch (o) {
		case 's': sock = optarg; break;
		case 'g': guest = optarg; break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (!sock || !guest)
		return die_usage("--socket and --guest are required (see --help)");
	if (optind >= argc)
		return die_usage("no command (lspci, read, write)");
	const char *cmd = argv[optind];
	if (strcmp(cmd, "lspci") && strcmp(cmd, "read") && strcmp(cmd, "write")) {
		fprintf(stderr, "pcifront: unknown command \"%s\" (lspci, read, write)\n", cmd);
		return 2;
	}
	if (!strcmp(cmd, "lspci") && optind + 1 != argc)
		return die_usage("lspci takes no arguments");
	char err[256];
	struct pf_conn *c = pf_connect(sock, guest, err, sizeof(err));
	if (!c) {
		fprintf(stderr, "pcifront: %s\n", err);
		return 1;
	}
	int rc;
	if (!strcmp(cmd, "lspci"))
		rc = cmd_lspci(c);
	else
		rc = cmd_access(c, !strcmp(cmd, "write"), argv + optind + 1, argc - optind - 1);
	pf_close(c);
	return rc;
}
