/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The op dispatcher: takes the op a guest posted on its shared page, copies
 * it out exactly once, validates the private copy, executes it against the
 * guest's devices and writes back only the result fields (err, value and, for
 * enable_msix, the vectors of the validated count).  Transport-independent:
 * the local and the Xen transports both call dispatch_pending().
 */
#ifndef PCIBACKD_DISPATCH_DISPATCH_H
#define PCIBACKD_DISPATCH_DISPATCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cfgspace/cfgspace.h"
#include "common/log.h"
#include "dispatch/aer.h"
#include "dispatch/kick_throttle.h"
#include "host/irq_provider.h"
#include "proto/pciif.h"
#include "topology/topology.h"

struct bg_worker;
struct aer_reset_job;

/* Interrupts a guest enabled through the MSI ops. */
struct pb_irq_state {
	bool msi_on;
	bool msix_on;
	uint32_t msi_pirq;
	uint16_t nmsix;                      /* vectors mapped for MSI-X, <= PCIIF_MAX_VEC */
	uint32_t msix_pirqs[PCIIF_MAX_VEC];
	uint16_t msix_entries[PCIIF_MAX_VEC]; /* the table entry of each */
};

/* One device as assigned to a guest; topology entries' priv points to it. */
struct pb_dev {
	struct hostdev *host;
	struct cfg_dev *cfg;
	struct pb_irq_state irq;
};

struct dispatch_stats {
	uint64_t ops;
	uint64_t by_cmd[PCIIF_OP_COUNT + 1]; /* last slot: unknown commands */
	uint64_t errors;
	uint64_t spurious;                   /* kicks with no op posted */
};

struct dispatch_result {
	int32_t err;
	uint32_t value;
	uint32_t nvec;                       /* vectors to write back (enable_msix success) */
	uint16_t vectors[PCIIF_MAX_VEC];
	unsigned wait_us;                    /* > 0: wait_dev needs this long (a D-state change) before */
	struct pb_dev *wait_dev;             /*       dispatch_after_wait runs and the op is done */
};

/*
 * An op the device needs time for (a D-state change) stays in flight until
 * that time has passed: _XEN_PCIF_active stays set, the guest's further
 * kicks are spurious, and only this private copy is ever used.  The
 * transport arms a timer to dispatch_deadline and calls dispatch_complete.
 */
struct dispatch_inflight {
	bool busy;
	struct pciif_op op;                  /* the private copy */
	struct dispatch_result res;
	struct pb_dev *dev;                  /* NULL once the device left the guest */
	struct pciif_sharedinfo *sh;         /* where the answer goes; NULL once the page is gone */
	uint64_t due_ms;                     /* pb_now_ms() time from which it may complete */
	uint64_t t0;                         /* for the trace */
};

struct dispatch_guest {
	const char *name;
	struct topology *topo;
	FILE *trace;                         /* one line per op when set */
	struct dispatch_stats stats;
	struct pb_ratelimit rl;              /* for every guest-caused log line */
	struct irq_provider *irqp;           /* NULL: MSI ops answer not_implemented */
	bool exact_msi_ops;                  /* no absorbing of pcifront bugs (msi_ops.c): as xen-pciback */
	unsigned domid;                      /* the guest's domain, for interrupt mapping */
	struct aer_state aer;                /* error recovery in progress with this guest */
	struct dispatch_inflight inflight;   /* the op waiting for its device, if any */
	struct kick_throttle kicks;          /* its spurious-kick budget (both transports) */
	struct bg_worker *bgw;               /* runs a slow_reset device's AER reset (NULL: in place) */
	struct aer_reset_job *aer_resets;    /* those resets while they run, one per device: the guest's ops wait */
	struct aer_reset_job *aer_reset;     /* the one the recovery waits for */
	/* Test hook: called after the op was copied, before it is used. */
	void (*after_fetch)(void *arg);
	void *after_fetch_arg;
};

void dispatch_guest_init(struct dispatch_guest *g, const char *name, struct topology *topo);
/* True while the worker resets d for g's AER recovery: the device is not the loop's to touch meanwhile. */
bool dispatch_dev_resetting(const struct dispatch_guest *g, const struct pb_dev *d);
/* g goes away: an AER reset still running for it completes without it. */
void dispatch_guest_fini(struct dispatch_guest *g);

/*
 * If the guest has posted an op (_XEN_PCIF_active), handles it, clears the
 * bit and returns true: the caller must then notify the guest.  Returns false
 * for a spurious kick (also while an op is in flight), and for an op that
 * now waits for its device (then dispatch_deadline is set).  Never blocks,
 * never trusts the page.
 */
bool dispatch_pending(struct dispatch_guest *g, struct pciif_sharedinfo *sh);

/*
 * When the op in flight may complete (a pb_now_ms() time), 0: none in flight,
 * or it waits for the guest's AER resets (their end calls the op_waits hook).
 */
uint64_t dispatch_deadline(const struct dispatch_guest *g);

/*
 * Completes the op in flight if its time has come (now_ms >= deadline, no AER reset of the guest running): runs
 * what follows the device's change (dispatch_after_wait), writes the answer
 * as dispatch_pending would and clears _XEN_PCIF_active.  Returns the page
 * answered (the caller notifies that guest), or NULL: nothing was due, or the
 * page went away meanwhile (the device work is still done).
 */
struct pciif_sharedinfo *dispatch_complete(struct dispatch_guest *g, uint64_t now_ms);

/* The page sh is about to be unmapped: an op in flight from it will not be answered there. */
void dispatch_page_gone(struct dispatch_guest *g, const struct pciif_sharedinfo *sh);

/* d leaves the guest: an op in flight on it is still answered, without touching d. */
void dispatch_dev_gone(struct dispatch_guest *g, const struct pb_dev *d);

/*
 * Executes an already private and stable op.  With res->wait_us set, the
 * caller waits that long, then calls dispatch_after_wait(g, res->wait_dev).
 */
void dispatch_execute(struct dispatch_guest *g, const struct pciif_op *op, struct dispatch_result *res);
void dispatch_after_wait(struct dispatch_guest *g, struct pb_dev *d);

/*
 * After the device was reset: the MSI / MSI-X the guest enabled through the
 * ops are switched back on (their vectors stay mapped; the provider has them
 * written into the device again), so hardware and bookkeeping agree.  With
 * was (the hardware state captured before a D-state change), only those that
 * were on in hardware then, and MSI-X's Mask-All as it was.
 */
void dispatch_irq_restore(struct dispatch_guest *g, struct pb_dev *d, const struct cfg_irq_hw *was);

/* Disables whatever MSI / MSI-X the guest left enabled and unmaps its vectors. */
void dispatch_irq_release(struct dispatch_guest *g, struct pb_dev *d);

#endif
