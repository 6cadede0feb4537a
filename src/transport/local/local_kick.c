/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kick throttle on the local transport (dispatch/kick_throttle.h): a
 * guest that spent its spurious-kick or op budget has its kick eventfd taken
 * out of the event loop until its hold ends, which the transport's connection
 * timer (local_backend.c) sees to.  Kicks written meanwhile accumulate in the
 * eventfd and are seen as one event when it is watched again (epoll reports
 * an eventfd that is already readable when it is modified): an op posted
 * during the hold is answered then.
 */
#include <string.h>

#include "dispatch/dispatch_event.h"
#include "transport/local/local_conn.h"

#define KICK_EVENTS (EPOLLIN | EPOLLET)

void lt_kick_done(struct lt_conn *c, uint64_t hold_until)
{
	if (!hold_until)
		return;
	if (evloop_modify(c->b->loop, c->kick_w, 0)) {
		/* Not held then: the guest stays served, as before the throttle. */
		return;
	}
	c->kick_hold_ms = hold_until;
	lt_conn_timer_arm(c->b);
}

int lt_kick_expire(struct lt_conn *c, uint64_t now_ms)
{
	if (!dispatch_hold_ended(&c->kick_hold_ms, now_ms))
		return 0;
	if (evloop_modify(c->b->loop, c->kick_w, KICK_EVENTS)) {
		lt_conn_drop(c, "cannot watch the kick eventfd again");
		return -1;
	}
	return 0;
}
