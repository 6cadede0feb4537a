/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a restart needs of the pool, in the state file (state_file.h): per
 * device its source and identity, its guest and guest-visible address, the
 * guest view the config-space engine keeps (emulated registers, options,
 * quirks), the interrupts the guest enabled, whether it is quarantined,
 * and for a simulated device its contents, write record and MSI-X table.
 * doc/restart.md describes every record.
 *
 * Reading validates every record as untrusted input; giving a saved device
 * back checks it is the same device first and writes nothing to it.
 */
#ifndef PCIBACKD_CORE_POOL_STATE_H
#define PCIBACKD_CORE_POOL_STATE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/pool.h"
#include "host/simdev.h"

/* One saved device. */
struct ps_dev {
	char source[128];
	struct pb_bdf addr;
	uint16_t vendor, device;
	char guest[64];            /* "": free */
	struct pb_bdf vaddr;
	bool quarantined;
	char reason[128];
	struct cfg_saved *cfg;     /* malloc'ed */
	struct pb_irq_state irq;
	bool sim;
	struct simdev_saved simst;
	bool taken;                /* given back (or refused) already */
	/* Reading: which records were seen. */
	bool have_addr, have_ids, have_vaddr;
	unsigned nmsix_announced;
};

struct pool_state {
	char transport[16];        /* which transport saved it */
	char where[4096];          /* and where it served (the local transport's socket, absolute) */
	enum topo_mode mode;
	size_t ndevs;
	struct ps_dev *devs;
};

/* Writes p's state to path atomically; 0, or -1 with a message (path unchanged). */
int pool_state_save(const struct pb_pool *p, const char *transport, const char *where, const char *path,
		    char *err, size_t errlen);
/* Reads and validates path; 0, -ENOENT (no file), or another negative value with a one-line message. */
int pool_state_load(const char *path, struct pool_state *st, char *err, size_t errlen);
void pool_state_free(struct pool_state *st);

/* The saved device with that source (hostdev source), or NULL. */
struct ps_dev *pool_state_find(struct pool_state *st, const char *source);
/*
 * Before hd joins the pool: checks it is the saved device (address, IDs, for
 * a simulated one its dump) and gives a simulated device its saved
 * contents, recording nothing.  0, or -1 + err with hd unchanged.
 */
int pool_state_give_host(const struct ps_dev *r, struct hostdev *hd, char *err, size_t errlen);
/*
 * After it joined (pool_adopt_device): its guest view, its interrupts, its
 * quarantine, and its guest at its saved address.  Nothing is written to
 * the device.  0, or -1 + err (the device is then left free).
 */
int pool_state_give_dev(struct pb_pool *p, struct pb_pool_dev *pd, const struct ps_dev *r, char *err,
			size_t errlen);

#endif
