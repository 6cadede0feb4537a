/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcibackd's command line: the usage text, and parsing every option into struct daemon_opts. */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transport/local/local_backend.h"
#include "transport/local/local_msg.h"

const char daemon_usage[] =
	"usage: pcibackd --socket PATH [--mode vpci|passthrough] --device GUEST=SOURCE ...\n"
	"       pcibackd --transport xen [--xen-domid N] [--mode vpci|passthrough] --device SOURCE ...\n"
	"                [--permissive GUEST=SOURCE ...] [--control PATH] [--trace FILE|-]\n"
	"                [--log-level err|warn|info|debug] [--aer-timeout MS] [--aer-policy detach|keep]\n"
	"                [--quirk DDDD:BB:SS.F-REG:SIZE:MASK ...] [--hide '(DDDD:BB:SS.F)...']\n"
	"                [--read-only] [--force-seize] [--strict-reset] [--sysfs DIR] [--stub DRIVER]\n"
	"                [--guest-uid GUEST=UID|USER ...] [--handshake-timeout MS] [--op-rate OPS_PER_S]\n"
	"                [--syslog] [--exact-msi-ops]\n"
	"       pcibackd --help | --version\n"
	"  SOURCE: sim:FILE (the first device of an lspci -vvv -xxxx dump),\n"
	"          sim:FILE#BB:DD.F or sim:FILE#DDDD:BB:DD.F (a chosen device of the dump),\n"
	"          host:DDDD:BB:DD.F (a real device of this host: seized from its driver, pci-stub bound)\n"
	"  --quirk: a field whose writes reach the device through MASK (the kernel's quirks syntax; the\n"
	"          device is named by its real address).  Also at run time: control command quirk.\n"
	"  --hide: xen-pciback's hide grammar; every matching host device (never a bridge) joins the\n"
	"          pool (--transport xen).\n"
	"  --read-only: host devices are only read, never written (no seizing, reset or config write):\n"
	"          for inspecting a live host safely.  --force-seize: seize devices whose driver is in use.\n"
	"  --exact-msi-ops: answer MSI ops exactly as xen-pciback (by default a disable_msi on a device\n"
	"          whose MSI-X the guest enabled and whose MSI is off disables MSI-X: a pcifront bug).\n"
	"  --strict-reset: quarantine a released host device the kernel cannot reset (by default it is\n"
	"          quiesced and restored, as xen-pciback does; a reset that fails always quarantines).\n"
	"  --sysfs DIR: the PCI bus directory (default /sys/bus/pci).  --stub: the holding driver (pci-stub).\n"
	"  --permissive exports the device like --device, with permissive config-space writes.\n"
	"  --transport xen serves the Xen guests whose backend nodes name this domain; their\n"
	"          devices come from the pool by real address (attach them with pcibackctl).\n"
	"  --aer-timeout MS: how long each AER recovery step waits for the guest (default 300000, the kernel's).\n"
	"  --guest-uid: only clients of that uid (SO_PEERCRED) may connect as GUEST over the local\n"
	"          transport.  A guest not named here belongs to the daemon's own uid: no other uid\n"
	"          may connect as it.  At run time: control command owner GUEST UID|USER.\n"
	"          The sockets are owner-only (0600): grant other users access to --socket yourself.\n"
	"  --handshake-timeout MS: a local client that has not connected within MS is dropped\n"
	"          (default 5000); at most 64 clients are in their handshake at once.\n"
	"  --op-rate OPS_PER_S: each guest's op budget: beyond a burst of 8192 ops and this many a second\n"
	"          (default 20000; 0: unlimited) its event channel is held 128 ms, its ops answered after.\n"
	"  --aer-policy: when a recovery fails (no guest handler, timeout, answer none or disconnect),\n"
	"          detach (default) takes the device from the guest and quarantines it; keep only logs.\n"
	"  --syslog: log to syslog (facility daemon) instead of stderr.  Under systemd, lines on stderr\n"
	"          carry their priority to the journal.  Readiness: READY=1 to $NOTIFY_SOCKET, or else\n"
	"          one line \"pcibackd: ready: ...\" on stderr once every device and transport serves.\n";

#define AER_TIMEOUT_MAX_MS 86400000ul
#define HANDSHAKE_TIMEOUT_MAX_MS 600000ul

/* "1-MAX milliseconds" into *ms; -1 with err naming opt otherwise. */
static int parse_ms(const char *opt, const char *arg, unsigned long max, uint32_t *ms, char *err, size_t errlen)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(arg, &end, 10);
	if (!*arg || *end || errno || *arg == '-' || v < 1 || v > max) {
		snprintf(err, errlen, "%s %s: expected milliseconds, 1 to %lu", opt, arg, max);
		return -1;
	}
	*ms = (uint32_t)v;
	return 0;
}

int daemon_parse_uid(const char *s, uid_t *uid)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (!*s || *end || errno || *s == '-' || v >= (uid_t)-1) {
		const struct passwd *pw = getpwnam(s);
		if (!pw)
			return -1;
		v = pw->pw_uid;
	}
	*uid = (uid_t)v;
	return 0;
}

static int add_guest_uid(struct daemon_opts *o, const char *arg, char *err, size_t errlen)
{
	if (o->nguest_uids >= DAEMON_MAX_GUEST_UIDS) {
		snprintf(err, errlen, "too many --guest-uid (at most %d)", DAEMON_MAX_GUEST_UIDS);
		return -1;
	}
	struct daemon_guest_uid *gu = &o->guest_uids[o->nguest_uids];
	const char *eq = strchr(arg, '=');
	size_t n = eq ? (size_t)(eq - arg) : 0;
	if (!eq || !n || n >= sizeof(gu->guest) || !eq[1]) {
		snprintf(err, errlen, "--guest-uid %s: expected GUEST=UID or GUEST=USER", arg);
		return -1;
	}
	memcpy(gu->guest, arg, n);
	gu->guest[n] = 0;
	if (!lt_guest_name_ok(gu->guest)) {
		snprintf(err, errlen, "--guest-uid %s: bad guest name \"%s\" (1-63 of A-Z a-z 0-9 _ . -)", arg, gu->guest);
		return -1;
	}
	if (daemon_parse_uid(eq + 1, &gu->uid)) {
		snprintf(err, errlen, "--guest-uid %s: no user %s", arg, eq + 1);
		return -1;
	}
	o->nguest_uids++;
	return 0;
}

static int add_device(struct daemon_opts *o, const char *arg, bool permissive, char *err, size_t errlen)
{
	const char *opt = permissive ? "--permissive" : "--device";
	if (o->ndevices >= DAEMON_MAX_DEVICES) {
		snprintf(err, errlen, "too many devices (at most %d)", DAEMON_MAX_DEVICES);
		return -1;
	}
	const char *eq = strchr(arg, '=');
	if (!eq && arg[0]) {
		/* SOURCE alone: into the pool, unassigned (checked against the transport later). */
		struct daemon_device_arg *d = &o->devices[o->ndevices++];
		d->arg = arg;
		d->guest[0] = 0;
		d->source = arg;
		d->permissive = permissive;
		return 0;
	}
	if (!eq || eq == arg || !eq[1]) {
		snprintf(err, errlen, "%s %s: expected GUEST=SOURCE", opt, arg);
		return -1;
	}
	struct daemon_device_arg *d = &o->devices[o->ndevices];
	size_t n = (size_t)(eq - arg);
	if (n >= sizeof(d->guest)) {
		snprintf(err, errlen, "%s %s: guest name too long", opt, arg);
		return -1;
	}
	memcpy(d->guest, arg, n);
	d->guest[n] = 0;
	if (!lt_guest_name_ok(d->guest)) {
		snprintf(err, errlen, "%s %s: bad guest name \"%s\" (1-63 of A-Z a-z 0-9 _ . -)", opt, arg, d->guest);
		return -1;
	}
	d->arg = arg;
	d->source = eq + 1;
	d->permissive = permissive;
	o->ndevices++;
	return 0;
}

/* What each --transport takes on the command line (indexed by enum daemon_transport), and why not. */
static const struct transport_args {
	bool pool;                      /* --device SOURCE alone (the transport assigns); else GUEST=SOURCE */
	const char *device_form;        /* a --device in the other form */
	const char *hide_refused;       /* --hide (NULL: taken) */
	const char *guest_uid_refused;  /* --guest-uid (NULL: taken) */
	bool socket;                    /* --socket required */
	const char *no_devices;
} transport_args[] = {
	[DAEMON_TRANSPORT_LOCAL] = {
		.device_form = "expected GUEST=SOURCE",
		.hide_refused = "--hide puts devices in the pool for --transport xen; with the local transport "
				"give --device GUEST=host:DDDD:BB:DD.F",
		.socket = true,
		.no_devices = "no devices: give at least one --device GUEST=SOURCE (see --help)",
	},
	[DAEMON_TRANSPORT_XEN] = {
		.pool = true,
		.device_form = "with --transport xen give SOURCE alone",
		.guest_uid_refused = "--guest-uid is for the local transport (Xen guests are domains)",
		.no_devices = "no devices: give at least one --device SOURCE (see --help)",
	},
};

int daemon_parse_args(int argc, char **argv, struct daemon_opts *o, char *err, size_t errlen)
{
	static const struct option lopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "mode", required_argument, NULL, 'm' },
		{ "device", required_argument, NULL, 'd' },
		{ "permissive", required_argument, NULL, 'p' },
		{ "control", required_argument, NULL, 'c' },
		{ "trace", required_argument, NULL, 't' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "aer-timeout", required_argument, NULL, 'A' },
		{ "aer-policy", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ "transport", required_argument, NULL, 'T' },
		{ "xen-domid", required_argument, NULL, 'X' },
		{ "quirk", required_argument, NULL, 'Q' },
		{ "hide", required_argument, NULL, 'H' },
		{ "read-only", no_argument, NULL, 'R' },
		{ "force-seize", no_argument, NULL, 'F' },
		{ "strict-reset", no_argument, NULL, 'Z' },
		{ "sysfs", required_argument, NULL, 'S' },
		{ "stub", required_argument, NULL, 'U' },
		{ "guest-uid", required_argument, NULL, 'G' },
		{ "handshake-timeout", required_argument, NULL, 'W' },
		{ "op-rate", required_argument, NULL, 'O' },
		{ "syslog", no_argument, NULL, 'L' },
		{ "exact-msi-ops", no_argument, NULL, 'E' },
		{ "version", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	memset(o, 0, sizeof(*o));
	o->mode = TOPO_VPCI;
	o->log_level = PB_LOG_INFO;
	o->aer_timeout_ms = AER_DEFAULT_TIMEOUT_MS;
	o->aer_policy = AER_POLICY_DETACH;
	o->xen_domid = -1;
	o->handshake_timeout_ms = LT_HANDSHAKE_TIMEOUT_MS;
	o->op_rate = OP_RATE_DEFAULT;
	opterr = 0;
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, ":h", lopts, NULL)) != -1) {
		switch (c) {
		case 's': o->socket_path = optarg; break;
		case 'c': o->control_path = optarg; break;
		case 't': o->trace_path = optarg; break;
		case 'h': o->help = true; return 0;
		case 'v': o->version = true; return 0;
		case 'L': o->syslog = true; break;
		case 'E': o->exact_msi_ops = true; break;
		case 'R': o->host.read_only = true; break;
		case 'F': o->host.force = true; break;
		case 'Z': o->host.strict_reset = true; break;
		case 'S': o->host.sysfs_path = optarg; break;
		case 'U': o->host.stub_driver = optarg; break;
		case 'H': o->hide = optarg; break;
		case 'Q':
			if (o->nquirks >= DAEMON_MAX_QUIRKS) {
				snprintf(err, errlen, "too many quirks (at most %d)", DAEMON_MAX_QUIRKS);
				return -1;
			}
			o->quirks[o->nquirks++] = optarg;
			break;
		case 'T':
			if (!strcmp(optarg, "local")) {
				o->transport = DAEMON_TRANSPORT_LOCAL;
			} else if (!strcmp(optarg, "xen")) {
				o->transport = DAEMON_TRANSPORT_XEN;
			} else {
				snprintf(err, errlen, "--transport %s: expected local or xen", optarg);
				return -1;
			}
			break;
		case 'X': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (end == optarg || *end || v < 0 || v >= 0x7ff0) {
				snprintf(err, errlen, "--xen-domid %s: expected a domain id", optarg);
				return -1;
			}
			o->xen_domid = (int)v;
			break;
		}
		case 'm':
			if (topo_parse_mode(optarg, &o->mode)) {
				snprintf(err, errlen, "--mode %s: expected vpci or passthrough", optarg);
				return -1;
			}
			break;
		case 'l': {
			int l = pb_log_parse_level(optarg);
			if (l < 0) {
				snprintf(err, errlen, "--log-level %s: expected err, warn, info or debug", optarg);
				return -1;
			}
			o->log_level = (enum pb_log_level)l;
			break;
		}
		case 'A':
			if (parse_ms("--aer-timeout", optarg, AER_TIMEOUT_MAX_MS, &o->aer_timeout_ms, err, errlen))
				return -1;
			break;
		case 'W':
			if (parse_ms("--handshake-timeout", optarg, HANDSHAKE_TIMEOUT_MAX_MS, &o->handshake_timeout_ms,
				     err, errlen))
				return -1;
			break;
		case 'O': {
			char *end;
			errno = 0;
			unsigned long v = strtoul(optarg, &end, 10);
			if (!*optarg || *end || errno || *optarg == '-' || v > OP_RATE_MAX) {
				snprintf(err, errlen, "--op-rate %s: expected ops a second, 0 (unlimited) to %d", optarg,
					 OP_RATE_MAX);
				return -1;
			}
			o->op_rate = (uint32_t)v;
			break;
		}
		case 'G':
			if (add_guest_uid(o, optarg, err, errlen))
				return -1;
			break;
		case 'P':
			if (aer_parse_policy(optarg, &o->aer_policy)) {
				snprintf(err, errlen, "--aer-policy %s: expected detach or keep", optarg);
				return -1;
			}
			break;
		case 'd':
		case 'p':
			if (add_device(o, optarg, c == 'p', err, errlen))
				return -1;
			break;
		case ':':
			snprintf(err, errlen, "%s needs an argument", argv[optind - 1]);
			return -1;
		default:
			snprintf(err, errlen, "unknown option %s (see --help)", argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument \"%s\" (see --help)", argv[optind]);
		return -1;
	}
	const struct transport_args *t = &transport_args[o->transport];
	for (size_t i = 0; i < o->ndevices; i++) {
		bool pool_only = !o->devices[i].guest[0];
		if (pool_only != t->pool) {
			snprintf(err, errlen, "--device %s: %s", o->devices[i].arg, t->device_form);
			return -1;
		}
	}
	const char *refused = o->hide && t->hide_refused ? t->hide_refused
			      : o->nguest_uids && t->guest_uid_refused ? t->guest_uid_refused
			      : t->socket && !o->socket_path ? "--socket PATH is required (see --help)"
			      : o->ndevices == 0 && !o->hide ? t->no_devices : NULL;
	if (refused) {
		snprintf(err, errlen, "%s", refused);
		return -1;
	}
	return 0;
}
