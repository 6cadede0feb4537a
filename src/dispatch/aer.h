/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCIe error recovery with the guest's driver (research notes §2.3): the
 * backend posts aer_op steps (error_detected, mmio_enabled, slot_reset,
 * resume) on the shared page with _XEN_PCIB_active, and the guest answers by
 * clearing the bit.  The engine never waits: transports call aer_poll() on
 * every guest kick and when aer_deadline() passes, so config ops keep being
 * served meanwhile and other guests never notice.
 *
 * The recovery follows the PCI core's order:
 *   detected -> CAN_RECOVER -> mmio -> RECOVERED/CAN_RECOVER -> resume
 *            -> NEED_RESET  -> (device reset) slot_reset -> RECOVERED -> resume
 *            -> RECOVERED   -> resume
 * A guest without a PV AER handler, a timeout, or an answer of NONE,
 * DISCONNECT (or anything else) fails the recovery: the policy then applies,
 * to every device whose recovery failed, however many end in one call.
 */
#ifndef PCIBACKD_DISPATCH_AER_H
#define PCIBACKD_DISPATCH_AER_H

#include <stdbool.h>
#include <stdint.h>

#include "common/deadline_timer.h"
#include "common/log.h"
#include "proto/pciif.h"

struct pb_dev;
struct topology;

enum aer_policy {
	AER_POLICY_DETACH = 0, /* default: take the device from the guest and quarantine it */
	AER_POLICY_KEEP,       /* log only; the guest keeps the device */
};

#define AER_DEFAULT_TIMEOUT_MS 300000u /* the kernel backend waits 300 s per step */
#define AER_QUEUE 4

enum aer_outcome { AER_OUT_NONE = 0, AER_OUT_RECOVERED, AER_OUT_FAILED };

struct aer_event {
	struct pb_dev *dev;
	int channel; /* PCIIF_AER_IO_* */
};

/*
 * busy: a recovery is in progress, or queued events wait to start (queued
 * implies busy).  cur.dev NULL while busy: the device under recovery left the
 * guest (aer_forget); the queue's head starts at the next aer_poll, due at once.
 */
struct aer_state {
	/* Who the recoveries are with (aer_init). */
	const char *name;             /* the guest's, for log lines */
	const struct topology *topo;  /* its devices' guest addresses, named in each step */
	struct pb_ratelimit *rl;      /* its limit for log lines */
	/* Resets d before slot_reset is posted, and restores what the guest enabled (NULL: nothing). */
	void (*slot_reset)(struct aer_state *a, struct pb_dev *d);
	uint32_t timeout_ms;
	enum aer_policy policy;
	bool busy;
	struct aer_event cur;
	uint32_t step;                /* PCIIF_OP_AER_* being waited for (or to be posted next) */
	uint64_t deadline_ms;         /* saturates at UINT64_MAX */
	struct aer_event queue[AER_QUEUE];
	unsigned nqueued;
	/* What happened, for operators and tests. */
	uint64_t recovered, failed, timeouts, dropped;
	char last[160];               /* "detected:3 slot_reset:5 resume:1 -> recovered" */
};

/* One call ends at most the recovery in progress and every queued one. */
#define AER_MAX_FAILED (AER_QUEUE + 1)

/* What the transport must do after a call. */
struct aer_actions {
	bool notify;                  /* notify the guest's event channel */
	/* Apply the policy to each of these devices (their queued events are dropped already). */
	struct pb_dev *failed[AER_MAX_FAILED];
	unsigned nfailed;
	enum aer_outcome outcome;     /* of the recoveries that just ended: FAILED if any failed */
};

void aer_init(struct aer_state *a, const char *name, const struct topology *topo, struct pb_ratelimit *rl,
	      void (*slot_reset)(struct aer_state *a, struct pb_dev *d));

/* Reports an error on d (assigned to a's guest); starts recovery or queues it. */
void aer_inject(struct aer_state *a, struct pciif_sharedinfo *sh, struct pb_dev *d, int channel,
		uint64_t now_ms, struct aer_actions *act);
/*
 * aer_inject for the operator: sh NULL when the guest is not connected (the
 * recovery fails at once, as for a guest without a handler, the kernel's
 * sh_info == NULL path); one line about what happened goes to out.  0, or
 * -1 when the event was dropped (queue full).
 */
int aer_inject_report(struct aer_state *a, struct pciif_sharedinfo *sh, struct pb_dev *d, int channel,
		      uint64_t now_ms, struct aer_actions *act, char *out, size_t outlen);
/* Advances on a guest answer or a timeout; cheap when idle. */
void aer_poll(struct aer_state *a, struct pciif_sharedinfo *sh, uint64_t now_ms, struct aer_actions *act);
/* When aer_poll must be called at the latest (0: no deadline). */
uint64_t aer_deadline(const struct aer_state *a);
/*
 * Forgets d (it left the guest): drops its queued events, ends a recovery of
 * it (taking the page's step back when sh is given).  The next queued event
 * then starts at the next aer_poll, which aer_deadline says is due at once.
 */
void aer_forget(struct aer_state *a, struct pciif_sharedinfo *sh, const struct pb_dev *d);
/*
 * The guest's page goes away: the recovery in progress ends at its current
 * step without reading the page (a step already answered does not count;
 * one waiting at resume has recovered, as for a timeout there), every queued
 * one fails as for a guest that is not connected, and nothing is notified.
 * Afterwards nothing is busy.
 */
void aer_disconnect(struct aer_state *a, struct pciif_sharedinfo *sh, struct aer_actions *act);

int aer_parse_policy(const char *s, enum aer_policy *p);

#endif
