/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A guest's two token buckets (spurious kicks, ops) and the hold that masks its channel when one is
 * empty (see kick_throttle.h).
 */
#include "dispatch/kick_throttle.h"

void kick_throttle_init(struct kick_throttle *t)
{
	t->tokens = KICK_BURST;
	t->refilled_ms = 0;
	t->holds = 0;
	t->op_rate = OP_RATE_DEFAULT;
	t->op_milli = (uint64_t)OP_BURST * 1000;
	t->op_refilled_ms = 0;
	t->op_holds = 0;
}

static uint64_t spurious_kick(struct kick_throttle *t, uint64_t now_ms)
{
	if (now_ms > t->refilled_ms) {
		uint64_t gained = (now_ms - t->refilled_ms) / KICK_REFILL_MS;
		if (gained >= KICK_BURST - t->tokens) {
			t->tokens = KICK_BURST;
			t->refilled_ms = now_ms;
		} else {
			t->tokens += (uint32_t)gained;
			t->refilled_ms += gained * KICK_REFILL_MS;
		}
	} else if (now_ms < t->refilled_ms) {
		t->refilled_ms = now_ms; /* a clock that never goes back; kept sane anyway */
	}
	if (t->tokens > 1) {
		t->tokens--;
		return 0;
	}
	t->tokens = 0;
	t->holds++;
	return now_ms + KICK_HOLD_MS;
}

static uint64_t op_kick(struct kick_throttle *t, uint64_t now_ms)
{
	if (!t->op_rate)
		return 0;
	const uint64_t full = (uint64_t)OP_BURST * 1000;
	if (now_ms > t->op_refilled_ms) {
		/* op_rate ops a second are op_rate thousandths a millisecond. */
		uint64_t ms = now_ms - t->op_refilled_ms;
		uint64_t gained = ms >= full ? full : ms * t->op_rate;
		t->op_milli = gained >= full - t->op_milli ? full : t->op_milli + gained;
	}
	t->op_refilled_ms = now_ms;
	if (t->op_milli >= 2000) {
		t->op_milli -= 1000;
		return 0;
	}
	t->op_milli = 0;
	t->holds++;
	t->op_holds++;
	/* Until one op is back, and never shorter than a spurious-kick hold. */
	uint64_t one_ms = (1000 + t->op_rate - 1) / t->op_rate;
	return now_ms + (one_ms > KICK_HOLD_MS ? one_ms : KICK_HOLD_MS);
}

uint64_t kick_throttle_event(struct kick_throttle *t, enum kick_cost cost, uint64_t now_ms)
{
	switch (cost) {
	case KICK_SPURIOUS:
		return spurious_kick(t, now_ms);
	case KICK_OP:
		return op_kick(t, now_ms);
	default:
		return 0;
	}
}
