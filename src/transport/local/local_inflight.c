/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Ops that wait for their device (a D-state change, dispatch.h) on the local
 * transport: one timerfd in the event loop, armed to the earliest deadline
 * over every guest.  When it fires, every due op completes and its guest is
 * notified, exactly as a synchronous answer would have been; meanwhile the
 * loop serves everyone else.  A guest whose connection went away still gets
 * its device's work done; a new connection's op posted meanwhile is served
 * then.
 */
#include <string.h>

#include "dispatch/dispatch_event.h"
#include "transport/local/local_backend.h"
#include "transport/local/local_conn.h"

static void on_timer(struct ev_watch *w, uint32_t events, void *arg)
{
	(void)w;
	(void)events;
	struct lt_backend *b = arg;
	int rc = deadline_timer_fired(&b->op_timer);
	if (rc)
		pb_log_rl(&b->rl, PB_LOG_WARN, "local transport: op timer: %s", strerror(-rc));
	uint64_t now = pb_now_ms();
	for (size_t i = 0; i < b->pool->nguests; i++) {
		struct pb_guest *g = b->pool->guests[i];
		struct lt_conn *c = lt_conn_of(g);
		if (dispatch_timer(&g->dg, c ? c->page : NULL, now))
			lt_conn_notify(c); /* may drop c; the guest stays */
	}
	lt_inflight_arm(b);
}

int lt_inflight_init(struct lt_backend *b, char *err, size_t errlen)
{
	return deadline_timer_init(&b->op_timer, b->loop, on_timer, b, err, errlen);
}

void lt_inflight_fini(struct lt_backend *b)
{
	deadline_timer_fini(&b->op_timer, b->loop);
}

void lt_inflight_arm(struct lt_backend *b)
{
	uint64_t first = 0;
	for (size_t i = 0; i < b->pool->nguests; i++)
		first = dispatch_earliest(first, dispatch_deadline(&b->pool->guests[i]->dg));
	int rc = deadline_timer_arm(&b->op_timer, first);
	if (rc)
		pb_log_rl(&b->rl, PB_LOG_WARN, "local transport: cannot arm the op timer: %s", strerror(-rc));
}
