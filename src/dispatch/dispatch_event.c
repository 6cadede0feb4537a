/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What one event on a guest's channel means: answer or hold the op, charge the kick throttle, tell the
 * transport whether to notify and how long to mask.
 */
#include "dispatch/dispatch_event.h"

#include <inttypes.h>

void dispatch_event(struct dispatch_guest *g, struct pciif_sharedinfo *sh, bool aer_moved, uint64_t now_ms,
		    struct dispatch_event_out *out)
{
	bool waiting = dispatch_deadline(g) != 0;
	/* A kick that only answered an AER step is not a spurious op kick. */
	bool op = (!aer_moved || (pciif_flags_load(sh) & PCIIF_FLAG_F_ACTIVE)) && dispatch_pending(g, sh);
	out->notify = op;
	if (op)
		out->kind = DISPATCH_EV_OP;
	else if (!waiting && dispatch_deadline(g))
		out->kind = DISPATCH_EV_INFLIGHT;
	else if (aer_moved)
		out->kind = DISPATCH_EV_AER;
	else
		out->kind = DISPATCH_EV_SPURIOUS;
	static const enum kick_cost cost[] = {
		[DISPATCH_EV_OP] = KICK_OP,
		[DISPATCH_EV_INFLIGHT] = KICK_OP,
		[DISPATCH_EV_AER] = KICK_FREE,
		[DISPATCH_EV_SPURIOUS] = KICK_SPURIOUS,
	};
	out->hold_until = kick_throttle_event(&g->kicks, cost[out->kind], now_ms);
	if (!out->hold_until)
		return;
	if (cost[out->kind] == KICK_OP)
		pb_log_rl(&g->rl, PB_LOG_WARN, "guest %s: ops beyond a burst of %d and %" PRIu32
			  " a second, channel held %" PRIu64 " ms", g->name, OP_BURST, g->kicks.op_rate,
			  out->hold_until - now_ms);
	else
		pb_log_rl(&g->rl, PB_LOG_WARN,
			  "guest %s: spurious kicks beyond a burst of %d or %d a second, channel held %d ms", g->name,
			  KICK_BURST, 1000 / KICK_REFILL_MS, KICK_HOLD_MS);
}

bool dispatch_timer(struct dispatch_guest *g, struct pciif_sharedinfo *sh, uint64_t now_ms)
{
	uint64_t due = dispatch_deadline(g);
	if (!due || due > now_ms)
		return false;
	struct pciif_sharedinfo *done = dispatch_complete(g, now_ms);
	if (!sh)
		return false; /* disconnected meanwhile: the device's work is done, nobody to answer */
	bool notify = done == sh;
	if ((pciif_flags_load(sh) & PCIIF_FLAG_F_ACTIVE) && dispatch_pending(g, sh))
		notify = true;
	return notify;
}

bool dispatch_hold_ended(uint64_t *hold_until, uint64_t now_ms)
{
	if (!*hold_until || *hold_until > now_ms)
		return false;
	*hold_until = 0;
	return true;
}
