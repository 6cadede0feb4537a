/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kick throttle on the local transport (dispatch/kick_throttle.h): a
 * guest that spent its spurious-kick budget has its kick eventfd taken out of
 * the event loop until its hold ends, which the transport's connection timer
 * (local_backend.c) sees to.  Kicks written meanwhile accumulate in the
 * eventfd and are seen as one event when it is watched again (epoll reports
 * an eventfd that is already readable when it is modified).
 */
#include <string.h>

#include "transport/local/local_conn.h"

#define KICK_EVENTS (EPOLLIN | EPOLLET)

void lt_kick_done(struct lt_conn *c, bool spurious)
{
	uint64_t until = kick_throttle_event(&c->guest->dg.kicks, spurious, pb_now_ms());
	if (!until)
		return;
	if (evloop_modify(c->b->loop, c->kick_w, 0)) {
		/* Not held then: the guest stays served, as before the throttle. */
		return;
	}
	c->kick_hold_ms = until;
	pb_log_rl(&c->guest->dg.rl, PB_LOG_WARN, "local guest %s: spurious kicks beyond %d a second, kicks held %d ms",
		  c->guest->name, 1000 / KICK_REFILL_MS, KICK_HOLD_MS);
	lt_conn_timer_arm(c->b);
}

int lt_kick_expire(struct lt_conn *c, uint64_t now_ms)
{
	if (!c->kick_hold_ms || c->kick_hold_ms > now_ms)
		return 0;
	c->kick_hold_ms = 0;
	if (evloop_modify(c->b->loop, c->kick_w, KICK_EVENTS)) {
		lt_conn_drop(c, "cannot watch the kick eventfd again");
		return -1;
	}
	return 0;
}
