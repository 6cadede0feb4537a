/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The backend core: the pool of devices the daemon owns and the guests they
 * are assigned to.  Transports (local, Xen) find guests and devices here; the
 * only way a device leaves a guest is pool_release(), which runs the release
 * path (host reset when offered, config-space state back to seize time).
 */
#ifndef PCIBACKD_CORE_POOL_H
#define PCIBACKD_CORE_POOL_H

#include <stdbool.h>
#include <stddef.h>

#include "cfgspace/cfgspace.h"
#include "common/bg_worker.h"
#include "dispatch/dispatch.h"
#include "host/hostdev.h"
#include "topology/topology.h"

struct pb_guest;

struct pb_pool_dev {
	struct pb_dev dev;            /* host + cfg; dev.host is owned by the pool */
	struct pb_guest *owner;       /* NULL: free */
	bool quarantined;             /* release failed: never handed out again */
	char reason[128];             /* why quarantined */
	/*
	 * Off its guest, its reset still running on the release worker: not
	 * free yet (pool_assign refuses it); the hostdev is the worker's.
	 */
	bool releasing;
	char quarantine_reason[128];  /* pool_quarantine while releasing: applied when the release is done */
	struct bgw_job release_job;   /* the worker's */
	struct pb_pool *release_pool;
	int release_rc;               /* the host release's result, and its message (written by the worker) */
	char release_why[128];
};

struct pb_guest {
	char name[64];
	struct topology topo;         /* entries' priv: struct pb_dev * (inside a pb_pool_dev) */
	struct dispatch_guest dg;
	struct trace_file *trace_file; /* its own trace (pool_guest_trace FILE), NULL: none */
	void *transport;              /* the transport's per-guest state */
};

#define POOL_MAX_DEVS 1024
#define POOL_MAX_GUESTS 256

struct pb_pool {
	enum topo_mode mode;
	size_t ndevs;
	struct pb_pool_dev *devs[POOL_MAX_DEVS];
	size_t nguests;
	struct pb_guest *guests[POOL_MAX_GUESTS];
	FILE *trace;                  /* passed to every guest's dispatcher (--trace) */
	const char *trace_path;       /* its name ("-": standard output) */
	struct irq_provider *irqp;    /* passed to every guest's dispatcher (NULL: no MSI ops) */
	uint32_t aer_timeout_ms;      /* every new guest's AER step timeout (pool_init: the kernel's 300 s) */
	enum aer_policy aer_policy;   /* and what a failed recovery does (pool_init: detach) */
	uint32_t op_rate;             /* every new guest's op budget, ops a second (0: unlimited; pool_init: OP_RATE_DEFAULT) */
	bool exact_msi_ops;           /* every new guest's MSI ops exactly as xen-pciback (dispatch.h) */
	struct bg_worker *relw;       /* releases of slow_reset devices (NULL: every release in place) */
	/* Called on the loop when a release that returned POOL_RELEASING is over (the device is free or quarantined). */
	void (*on_released)(void *arg, struct pb_pool_dev *pd);
	void *on_released_arg;
};

void pool_init(struct pb_pool *p, enum topo_mode mode);
/* Releases every device, waits for the releases in progress, frees every guest and device. */
void pool_fini(struct pb_pool *p);

/*
 * From now on, devices whose reset is slow (hostdev slow_reset: real
 * devices) are released off the event loop l: their host release (quiesce,
 * reset, restore) runs on one worker thread, the rest on l when it is over;
 * so does the reset an AER recovery asks for (dispatch.c).
 * 0, or -1 with a message.
 */
int pool_start_release_worker(struct pb_pool *p, struct evloop *l, char *err, size_t errlen);
/* Waits, blocking, until no release is in progress (finishing them on the caller's thread). */
void pool_wait_releases(struct pb_pool *p);

/*
 * Sets the interrupt provider of guests created from now on and has it
 * prepare every device already in the pool (irq_provider.prepare).
 */
void pool_set_irq_provider(struct pb_pool *p, struct irq_provider *irqp);

/*
 * Takes ownership of hd (also on failure). Returns the pool entry or NULL + err.
 * A device the interrupt provider cannot prepare is kept, quarantined.
 */
struct pb_pool_dev *pool_add_device(struct pb_pool *p, struct hostdev *hd, const struct cfg_options *opts,
				    char *err, size_t errlen);
/* The first device with that real address (free or not), or NULL. */
struct pb_pool_dev *pool_find_by_addr(struct pb_pool *p, const struct pb_bdf *addr);
struct pb_pool_dev *pool_dev_of(struct pb_dev *d);

/* Finds a guest by name; creates it when create is set. */
struct pb_guest *pool_guest(struct pb_pool *p, const char *name, bool create);
/*
 * Switches the guest's trace: "on" (to p->trace, the --trace file), "off",
 * or an absolute FILE of its own (shared with the guests already switched
 * to the same file; a guest switched to the --trace file is simply on).
 * 0, or -1 with a message and the guest's trace unchanged.
 */
int pool_guest_trace(struct pb_pool *p, struct pb_guest *g, const char *to, char *err, size_t errlen);
/* Releases the guest's devices and frees it. */
void pool_guest_destroy(struct pb_pool *p, struct pb_guest *g);

/* 0 if pd may be given to a guest; -1 + err if it is quarantined, assigned or being reset. */
int pool_dev_assignable(const struct pb_pool_dev *pd, char *err, size_t errlen);
/* Gives a free device to a guest (pool_dev_assignable); returns 0 with the guest-visible address, or -1 + err. */
int pool_assign(struct pb_pool *p, struct pb_guest *g, struct pb_pool_dev *pd, struct pb_bdf *vaddr, char *err,
		size_t errlen);
/*
 * Takes the device back from its guest through the release path.  The
 * guest loses it at once (interrupts released, waiting op answered,
 * recovery forgotten, gone from the topology).  Returns 0 when it is free
 * again; -1 if the reset failed (the device is then quarantined, with a
 * message); POOL_RELEASING when its reset runs on the release worker: the
 * device is `releasing` until p->on_released is called for it.
 */
#define POOL_RELEASING 1
int pool_release(struct pb_pool *p, struct pb_pool_dev *pd);

/*
 * Takes the device from its guest (if any) through pool_release and marks it
 * quarantined with `reason` (kept after a reset failure's own message): it is
 * never handed out again.  Returns what pool_release returned; a device
 * releasing is marked when its release is over.
 */
int pool_quarantine(struct pb_pool *p, struct pb_pool_dev *pd, const char *reason);

#endif
