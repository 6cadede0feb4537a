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
#include <sys/timerfd.h>
#include <unistd.h>

#include "transport/local/local_backend.h"
#include "transport/local/local_conn.h"

#define AER_FAILED_REASON "AER recovery failed"

static void on_timer(struct ev_watch *w, uint32_t events, void *arg)
{
	(void)w;
	(void)events;
	struct lt_backend *b = arg;
	uint64_t n;
	b->timer_armed_ms = 0; /* expired: re-arm even to the same deadline */
	if (read(b->timer_fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		pb_log_rl(&b->rl, PB_LOG_WARN, "local transport: AER timer: %s", strerror(errno));
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
	b->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (b->timer_fd < 0 || !(b->timer_w = evloop_add(b->loop, b->timer_fd, EPOLLIN, on_timer, b))) {
		snprintf(err, errlen, "cannot set up the AER timer: %s", strerror(errno));
		if (b->timer_fd >= 0)
			close(b->timer_fd);
		b->timer_fd = -1;
		return -1;
	}
	return 0;
}

void lt_aer_fini(struct lt_backend *b)
{
	if (b->timer_fd < 0)
		return;
	evloop_remove(b->loop, b->timer_w);
	close(b->timer_fd);
	b->timer_fd = -1;
}

void lt_aer_arm(struct lt_backend *b)
{
	uint64_t first = 0;
	for (struct lt_conn *c = b->conns; c; c = c->next) {
		uint64_t d = c->guest && c->page ? aer_deadline(&c->guest->dg.aer) : 0;
		if (d && (!first || d < first))
			first = d;
	}
	if (first == b->timer_armed_ms)
		return;
	b->timer_armed_ms = first;
	/* pb_now_ms() is CLOCK_MONOTONIC too; 0 disarms, so a due deadline becomes 1 ns. */
	struct itimerspec its = { 0 };
	if (first) {
		its.it_value.tv_sec = (time_t)(first / 1000);
		its.it_value.tv_nsec = (long)(first % 1000) * 1000000L;
		if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
			its.it_value.tv_nsec = 1;
	}
	if (timerfd_settime(b->timer_fd, first ? TFD_TIMER_ABSTIME : 0, &its, NULL) < 0) {
		b->timer_armed_ms = 0;
		pb_log_rl(&b->rl, PB_LOG_WARN, "local transport: cannot arm the AER timer: %s", strerror(errno));
	}
}

void lt_aer_poll(struct lt_conn *c, struct aer_actions *act)
{
	aer_poll(&c->guest->dg, c->page, pb_now_ms(), act);
}

void lt_aer_apply(struct lt_backend *b, struct lt_conn *c, const struct aer_actions *act)
{
	if (c && act->notify && lt_conn_notify(c))
		c = NULL; /* dropped; the policy still applies */
	/* The engine names a device only under the detach policy: release, quarantine, hot-unplug. */
	if (act->failed)
		lt_release(b, pool_dev_of(act->failed), AER_FAILED_REASON);
}

void lt_aer_conn_gone(struct lt_conn *c)
{
	struct pb_guest *g = c->guest;
	if (!c->page || !g->dg.aer.busy)
		return;
	pb_log_rl(&g->dg.rl, PB_LOG_WARN, "guest %s disconnected during AER recovery: it fails", g->name);
	/* Every step in progress or queued times out at once; the guest is gone, nothing is notified. */
	for (unsigned i = 0; g->dg.aer.busy && i <= AER_QUEUE; i++) {
		struct aer_actions act;
		aer_poll(&g->dg, c->page, UINT64_MAX, &act);
		if (act.failed)
			lt_release(c->b, pool_dev_of(act.failed), AER_FAILED_REASON);
	}
}

int lt_backend_aer_inject(struct lt_backend *b, struct pb_guest *g, struct pb_dev *d, int channel, char *out,
			  size_t outlen)
{
	struct lt_conn *c = lt_conn_of(g);
	struct aer_state *a = &g->dg.aer;
	uint64_t dropped = a->dropped;
	struct aer_actions act;
	if (c) {
		aer_inject(&g->dg, c->page, d, channel, pb_now_ms(), &act);
	} else {
		/* No page: like a guest without a handler (the kernel's sh_info == NULL path). */
		struct pciif_sharedinfo none;
		memset(&none, 0, sizeof(none));
		aer_inject(&g->dg, &none, d, channel, pb_now_ms(), &act);
	}
	if (act.outcome == AER_OUT_FAILED)
		snprintf(out, outlen, "failed at once (%s): %s", c ? "no guest handler" : "guest not connected",
			 act.failed ? "device detached and quarantined" : "device kept");
	else if (a->dropped != dropped)
		snprintf(out, outlen, "dropped: %u recoveries already queued", AER_QUEUE);
	else if (a->busy && a->cur.dev == d)
		snprintf(out, outlen, "posted error_detected");
	else
		snprintf(out, outlen, "queued behind the recovery in progress");
	lt_aer_apply(b, c, &act);
	lt_aer_arm(b);
	return a->dropped != dropped ? -1 : 0;
}
