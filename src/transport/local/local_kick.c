/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kick throttle on the local transport (dispatch/kick_throttle.h): a
 * guest that spent its spurious-kick budget has its kick eventfd taken out of
 * the event loop until its hold ends; one timerfd, armed to the earliest end,
 * puts it back.  Kicks written meanwhile accumulate in the eventfd and are
 * seen as one event when it is watched again (epoll reports an eventfd that
 * is already readable when it is modified).
 */
#include <string.h>

#include "transport/local/local_conn.h"

#define KICK_EVENTS (EPOLLIN | EPOLLET)

static void arm(struct lt_backend *b)
{
	uint64_t first = 0;
	for (struct lt_conn *c = b->conns; c; c = c->next)
		if (c->kick_hold_ms && (!first || c->kick_hold_ms < first))
			first = c->kick_hold_ms;
	int rc = deadline_timer_arm(&b->kick_timer, first);
	if (rc)
		pb_log_rl(&b->rl, PB_LOG_WARN, "local transport: cannot arm the kick timer: %s", strerror(-rc));
}

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
	arm(c->b);
}

static void on_timer(struct ev_watch *w, uint32_t events, void *arg)
{
	(void)w;
	(void)events;
	struct lt_backend *b = arg;
	int rc = deadline_timer_fired(&b->kick_timer);
	if (rc)
		pb_log_rl(&b->rl, PB_LOG_WARN, "local transport: kick timer: %s", strerror(-rc));
	uint64_t now = pb_now_ms();
	struct lt_conn *next;
	for (struct lt_conn *c = b->conns; c; c = next) {
		next = c->next;
		if (!c->kick_hold_ms || c->kick_hold_ms > now)
			continue;
		c->kick_hold_ms = 0;
		if (evloop_modify(b->loop, c->kick_w, KICK_EVENTS))
			lt_conn_drop(c, "cannot watch the kick eventfd again");
	}
	arm(b);
}

int lt_kick_init(struct lt_backend *b, char *err, size_t errlen)
{
	return deadline_timer_init(&b->kick_timer, b->loop, on_timer, b, err, errlen);
}

void lt_kick_fini(struct lt_backend *b)
{
	deadline_timer_fini(&b->kick_timer, b->loop);
}
