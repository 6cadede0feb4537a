/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCIe error recovery with the guest's driver: the
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
	/*
	 * Resets d before slot_reset is posted, and restores what the guest
	 * enabled (NULL: nothing).  True when the reset goes on off the loop:
	 * slot_reset is then posted by aer_links_reset_done once it is over.
	 */
	bool (*slot_reset)(struct aer_state *a, struct pb_dev *d);
	uint32_t timeout_ms;
	enum aer_policy policy;
	bool busy;
	/*
	 * The device reset the guest asked for runs off the loop: slot_reset is
	 * not posted yet, and no deadline runs (the reset's time is not the
	 * guest's: slot_reset gets its whole timeout once posted).
	 */
	bool resetting;
	struct aer_event cur;
	uint32_t step;                /* PCIIF_OP_AER_* being waited for (or to be posted next) */
	uint64_t deadline_ms;         /* saturates at UINT64_MAX */
	struct aer_event queue[AER_QUEUE];
	unsigned nqueued;
	/* What happened, for operators and tests. */
	uint64_t recovered, failed, timeouts, dropped;
	char last[160];               /* "detected:3 slot_reset:5 resume:1 -> recovered" */
	/* The connection the plumbing knows the guest by (NULL: not connected). */
	struct aer_links *links;
	struct aer_link *link;
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
	      bool (*slot_reset)(struct aer_state *a, struct pb_dev *d));

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
/*
 * The reset slot_reset started off the loop is over: posts slot_reset (when
 * the recovery still waits for it; a device that left meanwhile lets the next
 * queued event start).
 */
void aer_reset_done(struct aer_state *a, struct pciif_sharedinfo *sh, uint64_t now_ms, struct aer_actions *act);
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

/*
 * ---- The plumbing both transports share ----
 *
 * A transport has one struct aer_links over its guests and one struct
 * aer_link per guest connection.  The links keep the earliest deadline over
 * every connected guest (one timer in the event loop), drain a guest's
 * recoveries when its page goes away, and apply what an engine call asked:
 * notify the guest, tell the transport a recovery failed, and under the
 * detach policy have the transport take each failed device from its guest,
 * quarantined with AER_FAILED_REASON.  Nothing here waits for a guest.
 */

#define AER_FAILED_REASON "AER recovery failed"

/* One guest connection as the plumbing sees it (aer_link_init). */
struct aer_link {
	struct aer_state *a;
	struct pciif_sharedinfo *sh;  /* the guest's page; NULL while not connected */
	struct aer_link *next;        /* among the connected links */
};

/* What the transport does for its links; arg is aer_links_init's. */
struct aer_hooks {
	/* Notifies l's guest: 0, or -1 when that dropped the connection (l is gone then). */
	int (*notify)(void *arg, struct aer_link *l);
	/* A recovery with l's guest failed (NULL: nothing to do). */
	void (*failed)(void *arg, struct aer_link *l);
	/* d leaves its guest quarantined with reason; the transport tells the guest if it can. */
	void (*quarantine)(void *arg, struct pb_dev *d, const char *reason);
	/*
	 * An op of l's guest now waits for its device (dispatch_deadline), begun
	 * outside the transport's own handlers (at the end of a reset): the
	 * transport arms its op timer.
	 */
	void (*op_waits)(void *arg, struct aer_link *l);
};

struct aer_links {
	struct aer_link *up;          /* the connected links */
	const struct aer_hooks *hooks;
	void *arg;
	const char *what;             /* the transport, for its log lines ("local transport", "xen") */
	struct evloop *loop;          /* NULL: no timer; the owner calls aer_links_run when the deadline passes */
	struct deadline_timer timer;  /* armed to aer_links_deadline */
	struct pb_ratelimit rl;
};

/* Sets p up without a timer (aer_links_start_timer adds one); never fails. */
void aer_links_init(struct aer_links *p, const char *what, const struct aer_hooks *hooks, void *arg);
/* Keeps a timer in loop at the earliest deadline: 0, or -1 + err. */
int aer_links_start_timer(struct aer_links *p, struct evloop *loop, char *err, size_t errlen);
/* Removes the timer (the links must all be down). */
void aer_links_fini(struct aer_links *p);
/* The earliest deadline over the connected links (0: none), and re-arming the timer to it. */
uint64_t aer_links_deadline(const struct aer_links *p);
void aer_links_arm(struct aer_links *p);
/* Advances every connected guest whose deadline has passed by now_ms, and applies. */
void aer_links_run(struct aer_links *p, uint64_t now_ms);

void aer_link_init(struct aer_link *l, struct aer_state *a);
/* l's guest connected with page sh. */
void aer_link_up(struct aer_links *p, struct aer_link *l, struct pciif_sharedinfo *sh);
/*
 * l's page is about to go away: every recovery in progress or queued with
 * its guest fails now (aer_disconnect; nothing is notified, the policy
 * applies), and l is no longer connected.  Nothing when it is not.
 */
void aer_link_down(struct aer_links *p, struct aer_link *l);
/*
 * On an event of l's connected guest: advances its recovery (aer_poll); the
 * caller applies act.  True when it moved (the guest answered a step, or
 * one was posted): the event was not spurious.
 */
bool aer_link_poll(struct aer_link *l, uint64_t now_ms, struct aer_actions *act);
/*
 * Applies act for l (NULL: the guest has no connection): notifies a
 * connected guest, calls the failed hook, the policy on each failed device;
 * then re-arms.
 */
void aer_links_apply(struct aer_links *p, struct aer_link *l, const struct aer_actions *act);
/*
 * The operator reports an error on d of a's guest, whose link is l (NULL:
 * none): aer_inject_report with l's page, then aer_links_apply.
 */
/*
 * A reset a's slot_reset hook started off the loop is over.  When it is the
 * one the recovery waits for (current), aer_reset_done with the guest's page
 * if it is connected; then applies, notifying the guest also when answered
 * (an op of its was answered meanwhile), and calls the op_waits hook when
 * waiting (an op of its now waits for its device).
 */
void aer_links_reset_done(struct aer_state *a, uint64_t now_ms, bool current, bool answered, bool waiting);
/* a's guest's page (NULL: not connected). */
struct pciif_sharedinfo *aer_page(const struct aer_state *a);
int aer_links_inject(struct aer_links *p, struct aer_link *l, struct aer_state *a, struct pb_dev *d, int channel,
		     char *out, size_t outlen);

#endif
