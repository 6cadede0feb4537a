/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The backend side of the xenbus protocol for device type "pci", as the
 * Linux kernel's xen-pciback does it: one backend device per
 * /local/domain/<self>/backend/pci/<fe-domid>/<devid>, probed when its state
 * is Initialising, then InitWait -> export -> Initialised -> (frontend
 * Initialised) map + bind -> Connected, hot-plug through Reconfiguring /
 * Reconfigured, and teardown on Closing / Closed / a vanished frontend or
 * backend / a dead domain.
 *
 * Driven only through the xenstore interface and the ring interface: no
 * libxen call happens here.  Devices come from the pool by real address;
 * each frontend domain is the pool guest "dom<domid>".  Nothing here blocks.
 */
#ifndef PCIBACKD_TRANSPORT_XEN_XENBUS_BACKEND_H
#define PCIBACKD_TRANSPORT_XEN_XENBUS_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "common/evloop.h"
#include "core/pool.h"
#include "transport/xen/xen_ring.h"
#include "xenstore/xs.h"

struct xb_backend;

/* Keeps pointers to pool, xs and ring (all owned by the caller). NULL + err. */
struct xb_backend *xb_backend_new(struct pb_pool *pool, struct pb_xs *xs, struct xen_ring *ring, uint32_t self_domid,
				  char *err, size_t errlen);
/* Registers the watches (backend/pci and @releaseDomain); 0 or -1 + err. */
int xb_backend_start(struct xb_backend *b, char *err, size_t errlen);
/* Handles every queued xenstore watch event. */
void xb_backend_on_xenstore(struct xb_backend *b);
/* Handles every fired event channel: answers the posted op and notifies. */
void xb_backend_on_evtchn(struct xb_backend *b);
/*
 * PCIe error recovery with the guest (dispatch/aer.h): posts error_detected
 * for dev (assigned to g, a guest of this backend) or queues it; a summary
 * for the operator goes to out.  Steps advance on the guest's events and on
 * xb_backend_on_timer once xb_backend_aer_deadline (a pb_now_ms time, 0:
 * none) has passed.  A failed recovery writes aerState = "aerfail" and,
 * under the detach policy, quarantines the device.  -1 when the event was
 * dropped (queue full).
 */
int xb_backend_aer_inject(struct xb_backend *b, struct pb_guest *g, struct pb_dev *dev, int channel, char *out,
			  size_t outlen);
uint64_t xb_backend_aer_deadline(const struct xb_backend *b);
void xb_backend_on_timer(struct xb_backend *b);
/* Has a timer in loop call xb_backend_on_timer at xb_backend_aer_deadline: 0, or -1 + err. */
int xb_backend_aer_timer(struct xb_backend *b, struct evloop *loop, char *err, size_t errlen);
/*
 * An op waiting for its device (a D-state change) is answered and notified
 * by xb_backend_on_op_timer once xb_backend_op_deadline (a pb_now_ms time,
 * 0: none) has passed.
 */
uint64_t xb_backend_op_deadline(const struct xb_backend *b);
void xb_backend_on_op_timer(struct xb_backend *b);
/*
 * fn(arg) is called when an op starts waiting for its device outside the
 * xb_backend_* calls (at the end of an AER reset run off the loop): the
 * owner re-arms its op timer to xb_backend_op_deadline.
 */
void xb_backend_on_op_waits(struct xb_backend *b, void (*fn)(void *arg), void *arg);
/*
 * The kick throttle (dispatch/kick_throttle.h): a guest that spent its
 * spurious-event or op budget has its port left masked (an event it sends
 * meanwhile stays pending and is delivered when the port is unmasked); xb_backend_kick_deadline
 * is the earliest time one must be unmasked (a pb_now_ms time, 0: none) and
 * xb_backend_on_kick_timer unmasks those whose hold has ended.
 */
uint64_t xb_backend_kick_deadline(const struct xb_backend *b);
void xb_backend_on_kick_timer(struct xb_backend *b);
/* The XenbusState of g's backend device (the state we last switched to): XB_CLOSED when g has none. */
int xb_backend_guest_state(const struct xb_backend *b, const struct pb_guest *g);
/*
 * The operator takes pd from its guest, as the toolstack's removal does: a
 * recovery of it gives the page's step back (aer_forget), then pool_release
 * (pool_quarantine with `reason` when not NULL).  The guest is not told: the
 * PV protocol has no backend-initiated unplug; its next op on the device
 * gets "device not found".  Returns what pool_release returned.
 */
int xb_backend_detach(struct xb_backend *b, struct pb_pool_dev *pd, const char *reason);
/* Tears every device down (unbind, unmap, release) and frees b. */
void xb_backend_free(struct xb_backend *b);

/* Introspection (tests, status): number of backend devices and one's cached state (-1: none). */
size_t xb_backend_count(const struct xb_backend *b);
int xb_backend_state(const struct xb_backend *b, uint32_t fe_domid, uint32_t devid);
/* The local port and mapped page of a device (-1 / NULL when not connected). */
int xb_backend_port(const struct xb_backend *b, uint32_t fe_domid, uint32_t devid);

#endif
