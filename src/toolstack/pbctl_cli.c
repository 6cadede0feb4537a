/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcibackctl attach / detach: the command line over pbctl_xs, pbctl_perm and pbctl_xc. */
#include "toolstack/pbctl_cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "proto/xenbus_state.h"
#include "toolstack/pbctl_perm.h"
#include "toolstack/pbctl_xc.h"
#include "toolstack/pbctl_xs.h"
#include "xenstore/xs_xen.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: pcibackctl [--backend-domid N] [--sysfs DIR] [--timeout SECONDS] [--no-hypervisor]\n"
		   "                  attach DOMID DDDD:BB:DD.F[,permissive=1,msitranslate=0,power_mgmt=0,rdm_policy=strict]\n"
		   "       pcibackctl [options] detach DOMID DDDD:BB:DD.F\n");
}

static int parse_domid(const char *s, uint32_t *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v >= 0x7ff0)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

struct ctl {
	struct pb_xs *xs;
	struct pbctl_target t;
	const char *sysfs;
	int timeout_ms;
	bool hypervisor;
	char name[128];
};

/* Waits for Connected while the backend is busy with another reconfigure, then retries. */
static int wait_connected(struct ctl *c)
{
	int rc = pbctl_wait_backend_state(c->xs, &c->t, XB_CONNECTED, c->timeout_ms);
	if (rc)
		fprintf(stderr, "pcibackctl: the backend of domain %u did not become Connected: %s\n", c->t.domid,
			rc == -ETIMEDOUT ? "timed out (is pcibackd running?)" : strerror(-rc));
	return rc;
}

static int do_attach(struct ctl *c, const struct pb_bdf *addr, const struct pbctl_opts *o)
{
	char err[512];
	struct pbctl_devres res;
	struct pbctl_hyp *h = NULL;
	if (c->hypervisor) {
		if (pbctl_read_devres(c->sysfs, addr, &res, err, sizeof(err)) ||
		    !(h = pbctl_xc_open(err, sizeof(err))) ||
		    pbctl_grant(h, c->t.domid, addr, &res, !strcmp(o->rdm_policy, "relaxed"), err, sizeof(err))) {
			fprintf(stderr, "pcibackctl: %s\n", err);
			pbctl_xc_close(h);
			return 1;
		}
	}
	bool hotplug = false;
	int rc;
	for (int attempt = 0;; attempt++) {
		rc = pbctl_attach_xs(c->xs, &c->t, addr, o, &hotplug, err, sizeof(err));
		if (rc != -EAGAIN || attempt == 1 || wait_connected(c))
			break;
	}
	if (rc) {
		fprintf(stderr, "pcibackctl: %s\n", err);
		if (h)
			pbctl_revoke(h, c->t.domid, addr, &res);
		pbctl_xc_close(h);
		return 1;
	}
	pbctl_xc_close(h);
	if (hotplug && pbctl_wait_backend_state(c->xs, &c->t, XB_CONNECTED, c->timeout_ms))
		fprintf(stderr, "pcibackctl: warning: the hot-plug did not complete within the timeout\n");
	return 0;
}

static int do_detach(struct ctl *c, const struct pb_bdf *addr)
{
	char err[512];
	enum pbctl_detach_wait wait = PBCTL_WAIT_CONNECTED;
	int rc;
	for (int attempt = 0;; attempt++) {
		rc = pbctl_detach_begin(c->xs, &c->t, addr, &wait, err, sizeof(err));
		if (rc != -EAGAIN || attempt == 1 || wait_connected(c))
			break;
	}
	if (rc) {
		fprintf(stderr, "pcibackctl: %s\n", err);
		return 1;
	}
	int want = wait == PBCTL_WAIT_CLOSED ? XB_CLOSED : XB_CONNECTED;
	rc = pbctl_wait_backend_state(c->xs, &c->t, want, c->timeout_ms);
	if (rc && wait == PBCTL_WAIT_CONNECTED) {
		fprintf(stderr, "pcibackctl: the backend did not finish removing the device: %s\n",
			rc == -ETIMEDOUT ? "timed out" : strerror(-rc));
		return 1;
	}
	if (rc && rc != -ENOENT)
		fprintf(stderr, "pcibackctl: warning: the backend did not close (%s); removing its nodes anyway\n",
			strerror(-rc));
	if (pbctl_detach_finish(c->xs, &c->t, addr, wait, err, sizeof(err))) {
		fprintf(stderr, "pcibackctl: %s\n", err);
		return 1;
	}
	if (c->hypervisor) {
		struct pbctl_devres res;
		struct pbctl_hyp *h;
		if (pbctl_read_devres(c->sysfs, addr, &res, err, sizeof(err)) || !(h = pbctl_xc_open(err, sizeof(err)))) {
			fprintf(stderr, "pcibackctl: %s\n", err);
			return 1;
		}
		unsigned failed = pbctl_revoke(h, c->t.domid, addr, &res);
		pbctl_xc_close(h);
		if (failed)
			return 1;
	}
	return 0;
}

int pbctl_xen_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "backend-domid", required_argument, NULL, 'b' }, { "sysfs", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },       { "no-hypervisor", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },                { NULL, 0, NULL, 0 },
	};
	struct ctl c = { .sysfs = "/sys", .timeout_ms = 10000, .hypervisor = true };
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "b:s:t:nh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'b':
			if (parse_domid(optarg, &c.t.be_domid)) {
				fprintf(stderr, "pcibackctl: bad backend domid '%s'\n", optarg);
				return 2;
			}
			break;
		case 's':
			c.sysfs = optarg;
			break;
		case 't':
			c.timeout_ms = atoi(optarg) * 1000;
			if (c.timeout_ms <= 0) {
				fprintf(stderr, "pcibackctl: bad timeout '%s'\n", optarg);
				return 2;
			}
			break;
		case 'n':
			c.hypervisor = false;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 3 || (strcmp(argv[optind], "attach") && strcmp(argv[optind], "detach"))) {
		usage(stderr);
		return 2;
	}
	bool attach = !strcmp(argv[optind], "attach");
	if (parse_domid(argv[optind + 1], &c.t.domid) || c.t.domid == 0) {
		fprintf(stderr, "pcibackctl: bad guest domid '%s'\n", argv[optind + 1]);
		return 2;
	}
	struct pb_bdf addr;
	struct pbctl_opts o;
	char err[512];
	if (pbctl_parse_device(argv[optind + 2], &addr, &o, err, sizeof(err))) {
		fprintf(stderr, "pcibackctl: %s\n", err);
		return 2;
	}
	c.xs = xs_xen_open(err, sizeof(err));
	if (!c.xs) {
		fprintf(stderr, "pcibackctl: %s\n", err);
		return 1;
	}
	char dompath[64], *name = NULL;
	snprintf(dompath, sizeof(dompath), "/local/domain/%u", c.t.domid);
	if (pb_xs_read_key(c.xs, PB_XS_NO_TX, dompath, "name", &name) && attach) {
		fprintf(stderr, "pcibackctl: domain %u does not exist\n", c.t.domid);
		pb_xs_close(c.xs);
		return 1;
	}
	snprintf(c.name, sizeof(c.name), "%s", name ? name : "");
	free(name);
	c.t.name = c.name;
	int rc = attach ? do_attach(&c, &addr, &o) : do_detach(&c, &addr);
	pb_xs_close(c.xs);
	return rc;
}
