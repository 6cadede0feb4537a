/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "dispatch/kick_throttle.h"

void kick_throttle_init(struct kick_throttle *t)
{
	t->tokens = KICK_BURST;
	t->refilled_ms = 0;
	t->holds = 0;
}

uint64_t kick_throttle_event(struct kick_throttle *t, bool spurious, uint64_t now_ms)
{
	if (!spurious)
		return 0;
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
