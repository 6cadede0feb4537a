/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A budget for a guest's spurious kicks (events that carry no op), the
 * counterpart of what Linux's lateeoi does for XSA-332: every event costs the
 * backend system calls, so a guest kicking in a loop could keep it busy.  A
 * token bucket holds KICK_BURST spurious kicks and gains one every
 * KICK_REFILL_MS; the kick that empties it leaves the guest's channel masked
 * (event channel not unmasked, eventfd not watched) until KICK_HOLD_MS
 * later, by a timer of the transport, never a sleep.  Kicks that carry an op
 * cost nothing, so a guest posting real ops back to back is never held.
 * Transport-independent: both transports ask after each event.
 */
#ifndef PCIBACKD_DISPATCH_KICK_THROTTLE_H
#define PCIBACKD_DISPATCH_KICK_THROTTLE_H

#include <stdbool.h>
#include <stdint.h>

#define KICK_BURST 32
#define KICK_REFILL_MS 4                          /* 250 spurious kicks a second at most */
#define KICK_HOLD_MS (KICK_BURST * KICK_REFILL_MS) /* the bucket is full again when it ends */

struct kick_throttle {
	uint32_t tokens;
	uint64_t refilled_ms;   /* the pb_now_ms() time tokens were last counted at */
	uint64_t holds;         /* times the channel was held masked */
};

void kick_throttle_init(struct kick_throttle *t);

/*
 * One event handled at now_ms; spurious when it carried no op (nor an
 * answer to an AER step).  Returns 0 when the channel may be unmasked now,
 * else the pb_now_ms() time at which to unmask it.
 */
uint64_t kick_throttle_event(struct kick_throttle *t, bool spurious, uint64_t now_ms);

#endif
