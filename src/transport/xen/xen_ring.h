/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the xenbus backend needs from the hypervisor to connect a frontend:
 * map its granted page, bind its event channel, notify it, and tell whether a
 * domain still exists.  xen_ring_xen.c implements it with libxengnttab,
 * libxenevtchn and libxenctrl; tests use a fake backed by ordinary memory.
 *
 * One instance serves every guest: pending() returns the local ports that
 * fired, one at a time, and each must be unmask()ed after it is handled.
 */
#ifndef PCIBACKD_TRANSPORT_XEN_XEN_RING_H
#define PCIBACKD_TRANSPORT_XEN_XEN_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct xen_ring;

struct xen_ring_ops {
	/* Maps one granted page read-write; NULL + err. */
	void *(*map)(struct xen_ring *r, uint32_t domid, uint32_t gref, char *err, size_t errlen);
	void (*unmap)(struct xen_ring *r, void *page);
	/* Binds the frontend's unbound port; returns the local port or -errno. */
	int (*bind)(struct xen_ring *r, uint32_t domid, uint32_t remote_port);
	void (*unbind)(struct xen_ring *r, uint32_t local_port);
	int (*notify)(struct xen_ring *r, uint32_t local_port);
	/* The fd the event loop polls for event-channel events (-1: none). */
	int (*fd)(struct xen_ring *r);
	/* A fired local port, or -1 when none is pending. */
	int (*pending)(struct xen_ring *r);
	int (*unmask)(struct xen_ring *r, uint32_t local_port);
	/* False once the domain is gone (dying domains count as gone). */
	bool (*domain_alive)(struct xen_ring *r, uint32_t domid);
	void (*close)(struct xen_ring *r);
};

struct xen_ring {
	const struct xen_ring_ops *ops;
};

#endif
