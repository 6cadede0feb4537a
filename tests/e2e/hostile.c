/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * e2e-hostile SECONDS: a hostile PCI frontend, run in a PV guest that has not
 * loaded xen-pcifront.  It plays pcifront's part from userspace: shares a page
 * with the backend domain (gntalloc), allocates an unbound event channel,
 * publishes pci-op-ref, event-channel and magic "7" and switches its frontend
 * to Initialised, exactly as pcifront does.  Once the backend is Connected it
 * posts malformed ops, rewrites the op while it is in flight, and floods the
 * event channel for SECONDS, then checks whether the backend still answers.
 * Prints "HOSTILE: ..." lines; the verdict belongs to dom0 (the backend must
 * keep serving the other guest and stay alive).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xenevtchn.h>
#include <xengnttab.h>
#include <xenstore.h>

#include "proto/pciif.h"
#include "proto/xenbus_state.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *xs_get(struct xs_handle *xs, const char *path)
{
	unsigned int len;
	return xs_read(xs, XBT_NULL, path, &len);
}

static int xs_put(struct xs_handle *xs, const char *dir, const char *key, const char *val)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", dir, key);
	return xs_write(xs, XBT_NULL, p, val, (unsigned int)strlen(val)) ? 0 : -1;
}

/* Waits until PATH reads WANT; 0 on success. */
static int wait_value(struct xs_handle *xs, const char *path, const char *want, double secs)
{
	double end = now_s() + secs;
	while (now_s() < end) {
		char *v = xs_get(xs, path);
		int ok = v && !strcmp(v, want);
		free(v);
		if (ok)
			return 0;
		usleep(100000);
	}
	return -1;
}

struct front {
	volatile struct pciif_sharedinfo *sh;
	xenevtchn_handle *xce;
	evtchn_port_t port;
};

/* Posts the op currently in the page and waits up to 2 s for the backend; 0 answered. */
static int post(struct front *f)
{
	__atomic_or_fetch(&f->sh->flags, PCIIF_FLAG_F_ACTIVE, __ATOMIC_SEQ_CST);
	xenevtchn_notify(f->xce, f->port);
	double end = now_s() + 2.0;
	while (now_s() < end) {
		if (!(__atomic_load_n(&f->sh->flags, __ATOMIC_SEQ_CST) & PCIIF_FLAG_F_ACTIVE))
			return 0;
		usleep(200);
	}
	/* As pcifront does on its deadline: take the op back. */
	__atomic_and_fetch(&f->sh->flags, ~PCIIF_FLAG_F_ACTIVE, __ATOMIC_SEQ_CST);
	return -1;
}

static void set_op(struct front *f, uint32_t cmd, uint32_t dom, uint32_t bus, uint32_t devfn, int32_t off, int32_t size,
		   uint32_t value)
{
	volatile struct pciif_op *op = &f->sh->op;
	op->cmd = cmd;
	op->err = 0;
	op->domain = dom;
	op->bus = bus;
	op->devfn = devfn;
	op->offset = off;
	op->size = size;
	op->value = value;
	op->info = 0;
}

/* A well-formed read of the vendor/device ID of guest 0000:00:00.0. */
static int probe(struct front *f, uint32_t *id)
{
	set_op(f, PCIIF_OP_CONF_READ, 0, 0, 0, 0, 4, 0);
	if (post(f))
		return -1;
	*id = f->sh->op.value;
	return f->sh->op.err;
}

int main(int argc, char **argv)
{
	int secs = argc > 1 ? atoi(argv[1]) : 20;
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct xs_handle *xs = xs_open(0);
	if (!xs) {
		printf("HOSTILE: cannot open xenstore: %s\n", strerror(errno));
		return 1;
	}
	const char *fe = "device/pci/0";
	char bepath[128], *be = NULL;
	for (int i = 0; i < 300 && !(be = xs_get(xs, "device/pci/0/backend")); i++)
		usleep(100000);
	if (!be) {
		printf("HOSTILE: no device/pci/0/backend node\n");
		return 1;
	}
	snprintf(bepath, sizeof(bepath), "%s/state", be);

	xengntshr_handle *gs = xengntshr_open(NULL, 0);
	struct front f = { 0 };
	f.xce = xenevtchn_open(NULL, 0);
	if (!gs || !f.xce) {
		printf("HOSTILE: cannot open gntalloc/evtchn: %s\n", strerror(errno));
		return 1;
	}
	uint32_t ref;
	f.sh = xengntshr_share_pages(gs, 0, 1, &ref, 1);
	xenevtchn_port_or_error_t port = xenevtchn_bind_unbound_port(f.xce, 0);
	if (!f.sh || port < 0) {
		printf("HOSTILE: cannot share a page or allocate a port: %s\n", strerror(errno));
		return 1;
	}
	f.port = (evtchn_port_t)port;
	memset((void *)f.sh, 0, 4096);
	char v[32];
	snprintf(v, sizeof(v), "%u", ref);
	xs_put(xs, fe, "pci-op-ref", v);
	snprintf(v, sizeof(v), "%u", f.port);
	xs_put(xs, fe, "event-channel", v);
	xs_put(xs, fe, "magic", PCIIF_MAGIC);
	snprintf(v, sizeof(v), "%d", XB_INITIALISED);
	xs_put(xs, fe, "state", v);
	snprintf(v, sizeof(v), "%d", XB_CONNECTED);
	if (wait_value(xs, bepath, v, 30)) {
		char *s = xs_get(xs, bepath);
		printf("HOSTILE: the backend did not connect (state %s)\n", s ? s : "none");
		return 1;
	}
	uint32_t id = 0;
	int err = probe(&f, &id);
	printf("HOSTILE: connected; vendor/device read err=%d value=%08x\n", err, id);

	/* 1. Malformed ops, each posted properly. */
	static const struct {
		const char *what;
		uint32_t cmd, dom, bus, devfn;
		int32_t off, size;
		uint32_t value;
	} bad[] = {
		{ "unknown command", 99, 0, 0, 0, 0, 4, 0 },
		{ "command 0xffffffff", 0xffffffffu, 0, 0, 0, 0, 4, 0 },
		{ "absent segment", PCIIF_OP_CONF_READ, 0xffff, 0, 0, 0, 4, 0 },
		{ "absent bus", PCIIF_OP_CONF_READ, 0, 0xff, 0, 0, 4, 0 },
		{ "devfn 0xffffffff", PCIIF_OP_CONF_READ, 0, 0, 0xffffffffu, 0, 4, 0 },
		{ "negative offset", PCIIF_OP_CONF_READ, 0, 0, 0, -4, 4, 0 },
		{ "offset past 4 KiB", PCIIF_OP_CONF_READ, 0, 0, 0, 0x1000, 4, 0 },
		{ "read crossing 4 KiB", PCIIF_OP_CONF_READ, 0, 0, 0, 0xffe, 4, 0 },
		{ "size 3", PCIIF_OP_CONF_READ, 0, 0, 0, 0, 3, 0 },
		{ "size 0", PCIIF_OP_CONF_READ, 0, 0, 0, 0, 0, 0 },
		{ "size -1", PCIIF_OP_CONF_READ, 0, 0, 0, 0, -1, 0 },
		{ "unaligned write", PCIIF_OP_CONF_WRITE, 0, 0, 0, 0x11, 4, 0xffffffffu },
		{ "BAR write all ones", PCIIF_OP_CONF_WRITE, 0, 0, 0, 0x10, 4, 0xffffffffu },
		{ "command register all ones", PCIIF_OP_CONF_WRITE, 0, 0, 0, 0x04, 2, 0xffff },
		{ "MSI enable without MSI", PCIIF_OP_ENABLE_MSI, 0, 0, 0, 0, 0, 0 },
		{ "MSI-X enable nvec 2^31", PCIIF_OP_ENABLE_MSIX, 0, 0, 0, 0, 0, 0x80000000u },
		{ "MSI-X enable nvec 129", PCIIF_OP_ENABLE_MSIX, 0, 0, 0, 0, 0, 129 },
		{ "MSI-X disable when off", PCIIF_OP_DISABLE_MSIX, 0, 0, 0, 0, 0, 0 },
		{ "AER op from the frontend", PCIIF_OP_AER_DETECTED, 0, 0, 0, 0, 0, 0 },
	};
	unsigned answered = 0, lost = 0;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		set_op(&f, bad[i].cmd, bad[i].dom, bad[i].bus, bad[i].devfn, bad[i].off, bad[i].size, bad[i].value);
		for (int e = 0; e < PCIIF_MAX_VEC; e++) {
			f.sh->op.msix_entries[e].entry = (uint16_t)(0xffff - e);
			f.sh->op.msix_entries[e].vector = 0xffff;
		}
		if (post(&f)) {
			lost++;
			printf("HOSTILE: %s: no answer within 2 s\n", bad[i].what);
		} else {
			answered++;
			printf("HOSTILE: %s: err=%d value=%08x\n", bad[i].what, f.sh->op.err, f.sh->op.value);
		}
	}

	/* 2. For the rest of the time: ops rewritten in flight, and event floods. */
	double end = now_s() + secs;
	unsigned long notifies = 0, races = 0;
	uint32_t x = 0x12345678;
	while (now_s() < end) {
		set_op(&f, PCIIF_OP_CONF_READ, 0, 0, 0, 0, 4, 0);
		__atomic_or_fetch(&f.sh->flags, PCIIF_FLAG_F_ACTIVE, __ATOMIC_SEQ_CST);
		xenevtchn_notify(f.xce, f.port);
		for (int k = 0; k < 64; k++) {
			x = x * 1103515245u + 12345u;
			f.sh->op.cmd = x % 12;
			f.sh->op.offset = (int32_t)(x >> 8);
			f.sh->op.size = (int32_t)(x >> 20) % 9;
			f.sh->op.value = x;
			f.sh->op.msix_entries[0].entry = (uint16_t)x;
			f.sh->op.info = x;
		}
		races++;
		for (int k = 0; k < 2000; k++, notifies++)
			xenevtchn_notify(f.xce, f.port);
		__atomic_and_fetch(&f.sh->flags, ~PCIIF_FLAG_F_ACTIVE, __ATOMIC_SEQ_CST);
		/* Garbage in the flags word too: the backend's own bits and reserved ones. */
		__atomic_or_fetch(&f.sh->flags, 0xfffffff0u, __ATOMIC_SEQ_CST);
		xenevtchn_notify(f.xce, f.port);
		__atomic_and_fetch(&f.sh->flags, 0xfu & ~PCIIF_FLAG_F_ACTIVE, __ATOMIC_SEQ_CST);
	}
	printf("HOSTILE: malformed ops answered=%u unanswered=%u; %lu in-flight rewrites, %lu notifications\n", answered,
	       lost, races, notifies);
	usleep(500000);
	err = probe(&f, &id);
	printf("HOSTILE: after the attack: %s (err=%d value=%08x)\n",
	       err < 0 && id == 0 ? "no answer or refused" : "still served", err, id);
	printf("HOSTILE: done\n");
	return 0;
}
