/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A guest's budgets for the events it sends, the counterpart of what Linux's
 * lateeoi does for XSA-332: every event costs the backend system calls and
 * every op its work, so a guest kicking or posting ops in a loop could keep it
 * busy.  Two token buckets:
 *  - spurious kicks (events that carry no op): KICK_BURST, one more every
 *    KICK_REFILL_MS;
 *  - ops (events that carry one): OP_BURST, op_rate more a second (0:
 *    unlimited), far above what a real guest reaches (a Linux guest's boot
 *    enumeration and lspci -xxxx of a few devices are a few thousand ops).
 * The event that empties either leaves the guest's channel masked (event
 * channel not unmasked, eventfd not watched) until KICK_HOLD_MS later (or
 * until one op token is back, if that is later), by a timer of the transport,
 * never a sleep.  That event itself was served; an op the guest posts while
 * held is served when the hold ends.  Answers to AER steps cost nothing.
 * Transport-independent: both transports ask after each event.
 */
#ifndef PCIBACKD_DISPATCH_KICK_THROTTLE_H
#define PCIBACKD_DISPATCH_KICK_THROTTLE_H

#include <stdbool.h>
#include <stdint.h>

#define KICK_BURST 32
#define KICK_REFILL_MS 4                          /* 250 spurious kicks a second at most */
#define KICK_HOLD_MS (KICK_BURST * KICK_REFILL_MS) /* the bucket is full again when it ends */
#define OP_BURST 8192
#define OP_RATE_DEFAULT 20000                     /* ops a second */
#define OP_RATE_MAX 100000000

/* What an event cost. */
enum kick_cost {
	KICK_FREE = 0,           /* it answered an AER step */
	KICK_SPURIOUS = 1,       /* it carried nothing */
	KICK_OP = 2,             /* it carried an op */
};

struct kick_throttle {
	uint32_t tokens;         /* spurious kicks left */
	uint64_t refilled_ms;    /* the pb_now_ms() time tokens were last counted at */
	uint64_t holds;          /* times the channel was held masked (either budget) */
	uint32_t op_rate;        /* ops a second, 0: unlimited (kick_throttle_init: OP_RATE_DEFAULT) */
	uint64_t op_milli;       /* ops left, in thousandths */
	uint64_t op_refilled_ms;
	uint64_t op_holds;       /* of holds, those the op budget caused */
};

void kick_throttle_init(struct kick_throttle *t);

/*
 * One event handled at now_ms, of the given cost.  Returns 0 when the
 * channel may be unmasked now, else the pb_now_ms() time at which to unmask it.
 */
uint64_t kick_throttle_event(struct kick_throttle *t, enum kick_cost cost, uint64_t now_ms);

#endif
