/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCIe error recovery on the local transport (research notes §2.3): the
 * engine (dispatch/aer.h) posts steps on the guest's page; this file
 * notifies the guest, polls the engine on every kick and when the earliest
 * deadline over all guests passes (one timerfd in the event loop), and
 * applies the policy to a device whose recovery failed: the device leaves
 * the guest through pool_release, quarantined, and the guest hears of it
 * through hot-unplug.  Nothing here ever waits for a guest.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "transport/local/local_backend.h"
#include "transport/local/local_conn.h"

#define AER_FAILED_REASON "AER recovery failed"

static void on_timer(struct ev_watch *w, uint32_t events, void *arg)
{
	(void)w;
	(void)events;
	struct lt_backend *b = arg;
	int rc = deadline_timer_fired(&b->aer_timer);
	if (rc)
		pb_log_rl(&b->rl, PB_LOG_WARN, "local transport: AER timer: %s", strerror(-rc));
	struct lt_conn *next;
	for (struct lt_conn *c = b->conns; c; c = next) {
		next = c->next;
		if (!c->guest || !c->page || !aer_deadline(&c->guest->dg.aer))
			continue;
		struct aer_actions act;
		lt_aer_poll(c, &act);
		lt_aer_apply(b, c, &act);
	}
	lt_aer_arm(b);
}

int lt_aer_init(struct lt_backend *b, char *err, size_t errlen)
{
	return deadline_timer_init(&b->aer_timer, b->loop, on_timer, b, err, errlen);
}

void lt_aer_fini(struct lt_backend *b)
{
	deadline_timer_fini(&b->aer_timer, b->loop);
}

void lt_aer_arm(struct lt_backend *b)
{
	uint64_t first = 0;
	for (struct lt_conn *c = b->conns; c; c = c->next) {
		uint64_t d = c->guest && c->page ? aer_deadline(&c->guest->dg.aer) : 0;
		if (d && (!first || d < first))
			first = d;
	}
	int rc = deadline_timer_arm(&b->aer_timer, first);
	if (rc)
		pb_log_rl(&b->rl, PB_LOG_WARN, "local transport: cannot arm the AER timer: %s", strerror(-rc));
}

void lt_aer_poll(struct lt_conn *c, struct aer_actions *act)
{
	aer_poll(&c->guest->dg.aer, c->page, pb_now_ms(), act);
}

void lt_aer_apply(struct lt_backend *b, struct lt_conn *c, const struct aer_actions *act)
{
	if (c && act->notify && lt_conn_notify(c))
		c = NULL; /* dropped; the policy still applies */
	/* The engine names devices only under the detach policy: release, quarantine, hot-unplug. */
	for (unsigned i = 0; i < act->nfailed; i++)
		lt_release(b, pool_dev_of(act->failed[i]), AER_FAILED_REASON);
}

void lt_aer_conn_gone(struct lt_conn *c)
{
	struct pb_guest *g = c->guest;
	if (!c->page || !g->dg.aer.busy)
		return;
	pb_log_rl(&g->dg.rl, PB_LOG_WARN, "guest %s disconnected during AER recovery: it fails", g->name);
	/* Every recovery in progress or queued ends at once; the guest is gone, nothing is notified. */
	struct aer_actions act;
	aer_disconnect(&g->dg.aer, c->page, &act);
	lt_aer_apply(c->b, NULL, &act);
}

int lt_backend_aer_inject(struct lt_backend *b, struct pb_guest *g, struct pb_dev *d, int channel, char *out,
			  size_t outlen)
{
	struct lt_conn *c = lt_conn_of(g);
	struct aer_actions act;
	int rc = aer_inject_report(&g->dg.aer, c ? c->page : NULL, d, channel, pb_now_ms(), &act, out, outlen);
	lt_aer_apply(b, c, &act);
	lt_aer_arm(b);
	return rc;
}
