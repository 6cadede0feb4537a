/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the daemon and the control commands know of a transport: one ops
 * table, implemented by the local transport (transport/local) and the Xen
 * transport (transport/xen).  Callers hold a struct pb_transport * and never
 * ask which transport it is.
 */
#ifndef PCIBACKD_CORE_TRANSPORT_H
#define PCIBACKD_CORE_TRANSPORT_H

#include <stddef.h>
#include <sys/types.h>

#include "core/pool.h"

struct pb_transport;

struct pb_transport_ops {
	const char *name;
	/* The XenbusState of g's connection on this transport: XB_CLOSED when none. */
	int (*guest_state)(const struct pb_transport *t, const struct pb_guest *g);
	/*
	 * A device was just assigned to g (pool_assign): a connected guest hears
	 * of it.  NULL when the transport cannot tell its guests (on Xen the
	 * toolstack announces devices through xenstore).
	 */
	void (*attached)(struct pb_transport *t, struct pb_guest *g);
	/*
	 * Takes pd from its guest through pool_release (and quarantines it with
	 * `reason` when not NULL); the guest hears of it if the transport can
	 * tell.  Returns what pool_release returned.
	 */
	int (*detach)(struct pb_transport *t, struct pb_pool_dev *pd, const char *reason);
	/*
	 * Reports a PCIe error on d (assigned to g, channel PCIIF_AER_IO_*): the
	 * guest's recovery starts (or is queued).  A guest that is not connected,
	 * or has no handler, fails at once and the AER policy applies.  Writes a
	 * one-line summary to out; 0, or -1 when the event was dropped.
	 */
	int (*aer_inject)(struct pb_transport *t, struct pb_guest *g, struct pb_dev *d, int channel, char *out,
			  size_t outlen);
	/*
	 * The uid whose clients may connect as guest, and binding guest to
	 * another uid: 0, or -1 + err (a transport whose guests are not chosen
	 * by their clients, e.g. Xen domains, says so).
	 */
	int (*owner)(const struct pb_transport *t, const char *guest, uid_t *uid, char *err, size_t errlen);
	int (*set_owner)(struct pb_transport *t, const char *guest, uid_t uid, char *err, size_t errlen);
	/* Tears every guest's connection down and frees t. */
	void (*stop)(struct pb_transport *t);
};

struct pb_transport {
	const struct pb_transport_ops *ops;
};

/*
 * Gives pd to g as an operator's attach does: quiesced as at seize time (no
 * interrupts or DMA until the guest enables them), assigned (pool_assign),
 * and the transport told.  0 with the guest-visible address, or -1 + err.
 */
int pb_transport_attach(struct pb_transport *t, struct pb_pool *p, struct pb_guest *g, struct pb_pool_dev *pd,
			struct pb_bdf *vaddr, char *err, size_t errlen);

/* t->ops->stop(t) when t is not NULL. */
void pb_transport_stop(struct pb_transport *t);

#endif
