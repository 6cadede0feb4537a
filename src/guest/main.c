/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcifront: the guest-side tool over the local transport. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "guest/pcifront.h"

static const char usage[] =
	"usage: pcifront --socket PATH --guest NAME [--aer ANSWER] [--no-aer-handler] COMMAND\n"
	"       pcifront --help | --version\n"
	"commands:\n"
	"  lspci                          every device, in `lspci -xxxx` form (decode with lspci -F FILE -vvv)\n"
	"  read  [DDDD:]BB:DD.F OFF SIZE  one config read (hex)\n"
	"  write [DDDD:]BB:DD.F OFF SIZE VALUE  one config write (hex)\n"
	"  msi-enable  [DDDD:]BB:DD.F     enable MSI; prints the pirq\n"
	"  msi-disable [DDDD:]BB:DD.F     disable MSI; prints the INTx interrupt the backend returns\n"
	"  msix-enable [DDDD:]BB:DD.F N   enable MSI-X entries 0..N-1 (N 1..128); prints each entry's pirq\n"
	"  msix-disable [DDDD:]BB:DD.F    disable MSI-X; prints the INTx interrupt\n"
	"  replay TRACE [GUEST]           post again, in order, the ops GUEST (default: --guest) made in TRACE\n"
	"                                 (a pcibackd trace) and print every answer that differs from the\n"
	"                                 recorded one; exit 0: none differs, 1: some do, 2: not replayed\n"
	"  serve                          stay connected: answer AER steps and follow hot-plug, printing one\n"
	"                                 line per event; run the commands above read from stdin, one a line\n"
	"AER (the guest's driver answer to error_detected; mmio_enabled and slot_reset then answer\n"
	"recovered, resume answers none, as Linux does):\n"
	"  --aer recovered|can-recover|need-reset|disconnect|none|ignore   (default none: no driver handler;\n"
	"        ignore never answers)\n"
	"  --no-aer-handler               do not announce a PV AER handler (_XEN_PCIB_AERHANDLER)\n"
	"Interrupts stay as set across invocations: the backend keeps a guest's device state.\n";

/* ---- AER responder ---- */

#define AER_IGNORE (-1)

static const struct {
	const char *name;
	int result;
} aer_answers[] = {
	{ "recovered", PCIIF_AER_RESULT_RECOVERED },   { "can-recover", PCIIF_AER_RESULT_CAN_RECOVER },
	{ "need-reset", PCIIF_AER_RESULT_NEED_RESET }, { "disconnect", PCIIF_AER_RESULT_DISCONNECT },
	{ "none", PCIIF_AER_RESULT_NONE },             { "ignore", AER_IGNORE },
};
#define N_ANSWERS (sizeof(aer_answers) / sizeof(aer_answers[0]))

static const char *result_name(int r)
{
	for (size_t i = 0; i < N_ANSWERS; i++)
		if (aer_answers[i].result == r)
			return aer_answers[i].name;
	return "?";
}

struct tool {
	struct pf_conn *c;
	int aer_answer;       /* a PCIIF_AER_RESULT_* or AER_IGNORE */
	FILE *events;         /* where event lines go: stdout when serving, else stderr */
	const char *name;     /* the guest's (--guest) */
};

static int aer_step(void *arg, const struct pf_aer_step *s)
{
	struct tool *t = arg;
	int r;
	if (t->aer_answer == AER_IGNORE)
		r = PF_AER_NO_ANSWER;
	else if (s->cmd == PCIIF_OP_AER_DETECTED)
		r = t->aer_answer;
	else if (s->cmd == PCIIF_OP_AER_MMIO || s->cmd == PCIIF_OP_AER_SLOTRESET)
		r = PCIIF_AER_RESULT_RECOVERED;
	else
		r = PCIIF_AER_RESULT_NONE; /* resume, and anything unknown */
	char a[PB_BDF_STRLEN];
	const char *step = s->cmd >= PCIIF_OP_AER_DETECTED && s->cmd <= PCIIF_OP_AER_SLOTRESET ?
				   pciif_cmd_name(s->cmd) + 4 :
				   "unknown";
	pb_bdf_format(&s->addr, a);
	fprintf(t->events, "aer %s %s channel=%d -> %s\n", step, a[0] && !s->addr.domain ? a + 5 : a, s->channel,
		r == PF_AER_NO_ANSWER ? "(no answer)" : result_name(r));
	fflush(t->events);
	return r;
}

/* ---- commands ---- */

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

static void print_devices(struct tool *t, const char *what)
{
	struct pf_device *devs;
	size_t n;
	char err[256];
	if (pf_enumerate(t->c, &devs, &n, err, sizeof(err))) {
		fprintf(t->events, "%s: rescan failed: %s\n", what, err);
		return;
	}
	fprintf(t->events, "%s devices:", what);
	for (size_t i = 0; i < n; i++) {
		char a[PB_BDF_STRLEN];
		pb_bdf_format(&devs[i].addr, a);
		const uint8_t *c = devs[i].cfg;
		fprintf(t->events, " %s=%02x%02x:%02x%02x", devs[i].addr.domain ? a : a + 5, c[1], c[0], c[3], c[2]);
	}
	fputc('\n', t->events);
	fflush(t->events);
	free(devs);
}

static int cmd_lspci(struct tool *t, int argc, char **argv)
{
	if (argc)
		return die_usage("lspci takes no arguments");
	struct pf_device *devs;
	size_t n;
	char err[256];
	if (pf_enumerate(t->c, &devs, &n, err, sizeof(err))) {
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

/* Prints a failed op: the backend's error by name or errno, or the transport's. */
static int op_failed(struct tool *t, const char *what, const char *addr, int r)
{
	char buf[160];
	const char *detail = pf_last_error(t->c);
	fprintf(stderr, "pcifront: %s %s: %s%s%s\n", what, addr, pf_strerror(r, buf, sizeof(buf)),
		*detail && r > 0 ? ": " : "", r > 0 ? detail : "");
	return 1;
}

static int cmd_access(struct tool *t, int write, int argc, char **argv)
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
	int r = write ? pf_write(t->c, &a, (int)off, (int)size, v) : pf_read(t->c, &a, (int)off, (int)size, &v);
	if (r) {
		char what[32];
		snprintf(what, sizeof(what), "%s", write ? "write" : "read");
		char where[64];
		snprintf(where, sizeof(where), "%s+0x%lx", argv[0], off);
		return op_failed(t, what, where, r);
	}
	if (!write)
		printf("%0*x\n", (int)size * 2, v);
	return 0;
}

static int cmd_read(struct tool *t, int argc, char **argv) { return cmd_access(t, 0, argc, argv); }
static int cmd_write(struct tool *t, int argc, char **argv) { return cmd_access(t, 1, argc, argv); }

static int parse_addr(int argc, char **argv, int want, struct pb_bdf *a, const char *usage_line)
{
	char err[128];
	if (argc != want) {
		die_usage(usage_line);
		return -1;
	}
	if (pb_bdf_parse(argv[0], a, err, sizeof(err))) {
		die_usage(err);
		return -1;
	}
	return 0;
}

static int cmd_msi_enable(struct tool *t, int argc, char **argv)
{
	struct pb_bdf a;
	if (parse_addr(argc, argv, 1, &a, "msi-enable needs ADDRESS"))
		return 2;
	uint32_t pirq;
	int r = pf_enable_msi(t->c, &a, &pirq);
	if (r)
		return op_failed(t, "msi-enable", argv[0], r);
	printf("pirq=%u\n", pirq);
	return 0;
}

static int disable_cmd(struct tool *t, bool msix, int argc, char **argv)
{
	const char *name = msix ? "msix-disable" : "msi-disable";
	char use[48];
	snprintf(use, sizeof(use), "%s needs ADDRESS", name);
	struct pb_bdf a;
	if (parse_addr(argc, argv, 1, &a, use))
		return 2;
	uint32_t intx = 0;
	int r = msix ? pf_disable_msix(t->c, &a, &intx) : pf_disable_msi(t->c, &a, &intx);
	if (r)
		return op_failed(t, name, argv[0], r);
	printf("intx=%u\n", intx);
	return 0;
}

static int cmd_msi_disable(struct tool *t, int argc, char **argv) { return disable_cmd(t, false, argc, argv); }
static int cmd_msix_disable(struct tool *t, int argc, char **argv) { return disable_cmd(t, true, argc, argv); }

static int cmd_msix_enable(struct tool *t, int argc, char **argv)
{
	struct pb_bdf a;
	if (parse_addr(argc, argv, 2, &a, "msix-enable needs ADDRESS N"))
		return 2;
	char *end;
	errno = 0;
	unsigned long n = strtoul(argv[1], &end, 10);
	if (!*argv[1] || *end || errno || *argv[1] == '-' || n < 1 || n > PCIIF_MAX_VEC)
		return die_usage("N must be 1..128 (the frontend refuses more itself)");
	uint16_t entries[PCIIF_MAX_VEC], vectors[PCIIF_MAX_VEC];
	for (unsigned i = 0; i < n; i++)
		entries[i] = (uint16_t)i;
	int r = pf_enable_msix(t->c, &a, entries, (unsigned)n, vectors);
	if (r)
		return op_failed(t, "msix-enable", argv[0], r);
	for (unsigned i = 0; i < n; i++)
		printf("entry=%u pirq=%u\n", entries[i], vectors[i]);
	return 0;
}

static int cmd_replay(struct tool *t, int argc, char **argv)
{
	if (argc != 1 && argc != 2)
		return die_usage("replay needs TRACE [GUEST]");
	const char *from = argc == 2 ? argv[1] : t->name;
	struct pf_replay_stats st;
	char err[512];
	if (pf_replay(t->c, argv[0], from, stdout, &st, err, sizeof(err))) {
		fprintf(stderr, "pcifront: replay: %s\n", err);
		return 2;
	}
	printf("replayed %zu ops of guest %s from %s: %zu differ\n", st.ops, from, argv[0], st.differences);
	return st.differences ? 1 : 0;
}

static const struct {
	const char *name;
	int (*run)(struct tool *t, int argc, char **argv);
} commands[] = {
	{ "lspci", cmd_lspci },
	{ "read", cmd_read },
	{ "write", cmd_write },
	{ "msi-enable", cmd_msi_enable },
	{ "msi-disable", cmd_msi_disable },
	{ "msix-enable", cmd_msix_enable },
	{ "msix-disable", cmd_msix_disable },
	{ "replay", cmd_replay },
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

/* argv[0] is the command name. */
static int run_command(struct tool *t, int argc, char **argv)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (!strcmp(commands[i].name, argv[0]))
			return commands[i].run(t, argc - 1, argv + 1);
	fprintf(stderr, "pcifront: unknown command \"%s\" (see --help)\n", argv[0]);
	return 2;
}

/* ---- serve ---- */

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig, stop = 1; }

static void on_removed(void *arg, const struct pb_bdf *a)
{
	struct tool *t = arg;
	char s[PB_BDF_STRLEN];
	pb_bdf_format(a, s);
	fprintf(t->events, "reconfiguring: removed %s\n", a->domain ? s : s + 5);
	fflush(t->events);
}

static void on_reconfigured(void *arg) { print_devices(arg, "reconfigured:"); }

/* Runs each complete line of buf as a command; keeps the rest. */
static void run_lines(struct tool *t, char *buf, size_t *len)
{
	char *nl;
	while ((nl = memchr(buf, '\n', *len))) {
		*nl = 0;
		char *argv[8];
		int argc = 0;
		char *save = NULL;
		for (char *w = strtok_r(buf, " \t", &save); w && argc < 8; w = strtok_r(NULL, " \t", &save))
			argv[argc++] = w;
		if (argc) {
			int rc = run_command(t, argc, argv);
			printf("%s %d\n", rc ? "failed" : "done", rc);
			fflush(stdout);
			fflush(stderr);
		}
		size_t used = (size_t)(nl - buf) + 1;
		memmove(buf, nl + 1, *len - used);
		*len -= used;
	}
}

static int serve(struct tool *t)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	t->events = stdout;
	print_devices(t, "connected:");
	char line[1024];
	size_t len = 0;
	int in = STDIN_FILENO;
	while (!stop) {
		bool ready;
		int r = pf_wait(t->c, -1, in, &ready);
		if (r) {
			printf("disconnected: %s\n", *pf_last_error(t->c) ? pf_last_error(t->c) : strerror(r));
			return 1;
		}
		if (!ready || stop)
			continue;
		ssize_t n = read(in, line + len, sizeof(line) - 1 - len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			in = -1; /* stdin closed: keep serving events until a signal */
			continue;
		}
		len += (size_t)n;
		run_lines(t, line, &len);
		if (len == sizeof(line) - 1)
			len = 0; /* a line too long: dropped */
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "guest", required_argument, NULL, 'g' },
		{ "aer", required_argument, NULL, 'a' },
		{ "no-aer-handler", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock = NULL, *guest = NULL;
	struct tool t = { .aer_answer = PCIIF_AER_RESULT_NONE, .events = stderr };
	bool handler = true;
	int o;
	while ((o = getopt_long(argc, argv, "+s:g:h", opts, NULL)) != -1) {
		switch (o) {
		case 's': sock = optarg; break;
		case 'g': guest = optarg; break;
		case 'n': handler = false; break;
		case 'a': {
			size_t i = 0;
			while (i < N_ANSWERS && strcmp(aer_answers[i].name, optarg))
				i++;
			if (i == N_ANSWERS)
				return die_usage("--aer: expected recovered, can-recover, need-reset, disconnect, none or ignore");
			t.aer_answer = aer_answers[i].result;
			break;
		}
		case 'h': fputs(usage, stdout); return 0;
		case 'V': puts("pcifront " PCIBACKD_VERSION); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (!sock || !guest)
		return die_usage("--socket and --guest are required (see --help)");
	if (optind >= argc)
		return die_usage("no command (see --help)");
	const char *cmd = argv[optind];
	bool serving = !strcmp(cmd, "serve");
	bool known = serving;
	for (size_t i = 0; i < N_COMMANDS; i++)
		known = known || !strcmp(commands[i].name, cmd);
	if (!known) {
		fprintf(stderr, "pcifront: unknown command \"%s\" (see --help)\n", cmd);
		return 2;
	}
	if (serving && optind + 1 != argc)
		return die_usage("serve takes no arguments");
	char err[256];
	t.name = guest;
	t.c = pf_connect_with(sock, guest, handler, err, sizeof(err));
	if (!t.c) {
		fprintf(stderr, "pcifront: %s\n", err);
		return 1;
	}
	if (serving)
		setvbuf(stdout, NULL, _IOLBF, 0);
	struct pf_handlers h = { .aer = aer_step, .removed = on_removed, .reconfigured = on_reconfigured, .arg = &t };
	pf_set_handlers(t.c, &h);
	int rc = serving ? serve(&t) : run_command(&t, argc - optind, argv + optind);
	pf_close(t.c);
	return rc;
}
