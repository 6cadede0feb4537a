/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcibackd's command line. */
#ifndef PCIBACKD_DAEMON_OPTIONS_H
#define PCIBACKD_DAEMON_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/log.h"
#include "dispatch/aer.h"
#include "host/host_options.h"
#include "topology/topology.h"

#define DAEMON_MAX_DEVICES 1024
#define DAEMON_MAX_QUIRKS 256
#define DAEMON_MAX_GUEST_UIDS 256

struct daemon_device_arg {
	const char *arg;      /* the whole GUEST=SOURCE, for messages */
	char guest[64];       /* empty: pool only (--transport xen assigns from xenstore) */
	const char *source;   /* points into arg */
	bool permissive;
};

/* --guest-uid GUEST=UID: only clients of that uid may connect as GUEST (local transport). */
struct daemon_guest_uid {
	char guest[64];
	uid_t uid;
};

enum daemon_transport { DAEMON_TRANSPORT_LOCAL = 0, DAEMON_TRANSPORT_XEN };

struct daemon_opts {
	enum daemon_transport transport;
	int xen_domid;             /* --xen-domid; -1: read from xenstore */
	const char *socket_path;
	const char *control_path;  /* NULL: no control socket */
	const char *trace_path;    /* NULL: no trace; "-": stdout */
	enum topo_mode mode;
	enum pb_log_level log_level;
	uint32_t aer_timeout_ms;   /* each AER step's wait for the guest */
	uint32_t op_rate;          /* --op-rate: each guest's ops a second beyond its burst, 0: unlimited */
	bool exact_msi_ops;        /* --exact-msi-ops */
	enum aer_policy aer_policy;
	size_t ndevices;
	struct daemon_device_arg devices[DAEMON_MAX_DEVICES];
	struct host_options host;  /* host: sources (--read-only, --force-seize, --sysfs, --stub) */
	const char *hide;          /* --hide: host devices put in the pool (xen transport) */
	size_t nquirks;
	const char *quirks[DAEMON_MAX_QUIRKS]; /* --quirk DDDD:BB:SS.F-REG:SIZE:MASK */
	size_t nguest_uids;
	struct daemon_guest_uid guest_uids[DAEMON_MAX_GUEST_UIDS];
	uint32_t handshake_timeout_ms; /* --handshake-timeout: local clients' time to connect */
	bool syslog;               /* --syslog: log lines to syslog, not stderr */
	bool help;
	bool version;
};

extern const char daemon_usage[];

/* A uid given as a number or a user name: 0, or -1 when it is neither. */
int daemon_parse_uid(const char *s, uid_t *uid);

/* Returns 0, or -1 with a one-line message naming the problem. */
int daemon_parse_args(int argc, char **argv, struct daemon_opts *o, char *err, size_t errlen);

#endif
