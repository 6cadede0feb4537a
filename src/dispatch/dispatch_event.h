/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What an event on a guest's channel (an evtchn event on Xen, a kick on the
 * local transport) and the op timer mean, the same for both transports: the
 * event is classified (an op answered, an op now in flight for its device,
 * only an answer to an AER step, or spurious), the guest's kick throttle
 * (dispatch/kick_throttle.h) is consulted, and the transport is told whether
 * to notify the guest and until when its channel stays masked.  The
 * transports keep only their mechanics: how to notify, mask and unmask.
 */
#ifndef PCIBACKD_DISPATCH_DISPATCH_EVENT_H
#define PCIBACKD_DISPATCH_DISPATCH_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include "dispatch/dispatch.h"

enum dispatch_event_kind {
	DISPATCH_EV_OP,          /* an op was answered */
	DISPATCH_EV_INFLIGHT,    /* an op now waits for its device: the transport arms its op timer */
	DISPATCH_EV_AER,         /* the event only answered an AER step */
	DISPATCH_EV_SPURIOUS,    /* nothing posted */
};

struct dispatch_event_out {
	enum dispatch_event_kind kind;
	bool notify;             /* an answer was written: notify the guest */
	uint64_t hold_until;     /* 0: unmask the channel now; else keep it masked until then (pb_now_ms) */
};

/*
 * An event of g, whose page is sh, at now_ms.  aer_moved: the transport
 * already advanced g's AER recovery for this event and it moved (an answer
 * or a step posted).  Never blocks; logs a (rate-limited) line when the
 * channel is to be held.
 */
void dispatch_event(struct dispatch_guest *g, struct pciif_sharedinfo *sh, bool aer_moved, uint64_t now_ms,
		    struct dispatch_event_out *out);

/*
 * The op timer fired at now_ms: completes g's op in flight if it is due, then
 * serves an op posted meanwhile on sh (the page connected now, NULL: none).
 * True when the guest on sh must be notified.
 */
bool dispatch_timer(struct dispatch_guest *g, struct pciif_sharedinfo *sh, uint64_t now_ms);

/* The earlier of two deadlines, 0 meaning none: for the transports' scans over their guests. */
static inline uint64_t dispatch_earliest(uint64_t a, uint64_t b)
{
	return !a || (b && b < a) ? b : a;
}

/* A channel held until *hold_until: true (and *hold_until reset) when that time has come by now_ms. */
bool dispatch_hold_ended(uint64_t *hold_until, uint64_t now_ms);

#endif
