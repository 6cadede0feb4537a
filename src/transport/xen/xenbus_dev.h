/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The xenbus backend's internals, shared by its files: xenbus_backend.c
 * (probe, watches, the state machine, connecting and teardown) and
 * xenbus_reconf.c (exporting devices, publishing the roots, reconfiguring
 * and removing devices).
 */
#ifndef PCIBACKD_TRANSPORT_XEN_XENBUS_DEV_H
#define PCIBACKD_TRANSPORT_XEN_XENBUS_DEV_H

#include <stdbool.h>
#include <stdint.h>

#include "common/log.h"
#include "core/pool.h"
#include "dispatch/aer.h"
#include "transport/xen/xen_ring.h"
#include "xenstore/xs.h"

#define XB_PATH 256

struct xb_dev {
	uint32_t fe_domid, devid;
	char nodename[64];            /* "backend/pci/<fe>/<devid>", relative to our home */
	char be_path[XB_PATH];        /* absolute */
	char fe_path[XB_PATH];        /* the frontend's directory, from "frontend" */
	char fe_state_path[XB_PATH + 8];
	char fe_token[64];
	bool fe_watched;
	int state;                    /* our state as last switched (xenbus dev->state) */
	struct pb_guest *guest;
	struct pciif_sharedinfo *page;
	int port;                     /* local event-channel port, -1 when unbound */
	uint64_t kick_hold_ms;        /* port left masked until then (spurious events); 0: unmasked */
	struct aer_link aer;          /* its guest's recoveries, connected while page is mapped */
	struct pb_ratelimit rl;
	/*
	 * Releases this backend device waits for (devices it removed, or
	 * must export, still being reset): until the last is over, its
	 * Reconfigured, or its export and Initialised, wait (xb_resume).
	 */
	struct pb_pool_dev *waiting[TOPO_MAX_DEVS];
	unsigned nwaiting;
	int resume_state;             /* XB_INITWAIT: setup resumes at dev-resume_from; else xb_reconfigure(state) */
	unsigned resume_from;
	bool resume_exports;          /* an export was put off (else only the switch to Reconfigured is due) */
	struct xb_dev *next;
};

struct xb_backend {
	struct pb_pool *pool;
	struct pb_xs *xs;
	struct xen_ring *ring;
	uint32_t self;
	char home[48];                /* /local/domain/<self> */
	char base[96];                /* <home>/backend/pci */
	bool started;
	struct xb_dev *devs;
	struct aer_links aer;         /* error recovery over every connected guest (dispatch/aer.h) */
	struct pb_ratelimit rl;
	/* The pool's release hook before ours, called first (the control socket's). */
	void (*prev_on_released)(void *arg, struct pb_pool_dev *pd);
	void *prev_on_released_arg;
	/* Told when an op starts waiting outside xb_backend_on_* (xb_backend_on_op_waits). */
	void (*op_waits)(void *arg);
	void *op_waits_arg;
};

/* xenbus_backend.c */
/* The backend device serving g, or NULL. */
struct xb_dev *xb_dev_of_guest(const struct xb_backend *b, const struct pb_guest *g);
/* A directory's "state" node, XB_UNKNOWN when unreadable. */
int xb_read_state(struct xb_backend *b, const char *dir);
/* xenbus_dev_error + switch to Closing: the error node under our home, then the state. */
void xb_dev_fatal(struct xb_backend *b, struct xb_dev *d, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/*
 * xenbus_switch_state: nothing when unchanged; otherwise, in a transaction,
 * only if our state node still exists (a removed backend is not recreated).
 */
int xb_switch_state(struct xb_backend *b, struct xb_dev *d, int state);
/* d goes on only once pd's release (POOL_RELEASING) is over: pd joins d->waiting. */
void xb_wait_release(struct xb_dev *d, struct pb_pool_dev *pd);

/* xb_export_device's answer for a device still being reset: its export waits for the release (xb_wait_release). */
#define XB_EXPORT_DEFERRED 1

/* xenbus_reconf.c */
/*
 * Reads dev-i, assigns that device to the guest, writes vdev-i.  0,
 * XB_EXPORT_DEFERRED when the device is still being reset (d waits for it),
 * or a fatal error was raised.
 */
int xb_export_device(struct xb_backend *b, struct xb_dev *d, unsigned i);
/* Appends the guest's roots that root-0..root_num-1 don't list yet. */
int xb_publish_roots(struct xb_backend *b, struct xb_dev *d);
/* Writes state-i; a fatal error was raised when it fails. */
int xb_write_substate(struct xb_backend *b, struct xb_dev *d, unsigned i, int state);
/*
 * 0 with num_devs (0..TOPO_MAX_DEVS) in *num when our stored state is
 * `state`; -1 when it is not, or num_devs is unreadable (a fatal error was
 * raised then).
 */
int xb_num_devs_in_state(struct xb_backend *b, struct xb_dev *d, int state, int *num);
/*
 * xen_pcibk_reconfigure: acts only when our stored state is `state`, and d
 * waits for no release.  Reconfigured only once the releases of the devices
 * it removed are over; an export of a device being reset waits for it.
 */
void xb_reconfigure(struct xb_backend *b, struct xb_dev *d, int state);

#endif
