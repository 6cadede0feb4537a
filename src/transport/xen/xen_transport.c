/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The Xen transport's glue between the event loop, libxen and the xenbus backend. */
#include "transport/xen/xen_transport.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "config.h"

#if HAVE_XEN
#include "common/deadline_timer.h"
#include "common/log.h"
#include "transport/xen/xen_irq.h"
#include "transport/xen/xen_irq_xen.h"
#include "transport/xen/xen_ring_xen.h"
#include "transport/xen/xenbus_backend.h"
#include "xenstore/xs_xen.h"

struct xen_transport {
	struct pb_transport base;         /* what the daemon holds */
	struct evloop *loop;
	struct pb_xs *xs;
	struct xen_ring *ring;
	struct xb_backend *be;
	struct ev_watch *xs_watch, *evt_watch;
	struct deadline_timer kick_timer; /* the earliest end of a held (masked) port */
	struct deadline_timer op_timer;  /* the earliest deadline of an op waiting for its device */
	struct pb_ratelimit rl;
	struct pb_pool *pool;
	struct xen_irq_hyp *hyp;
	struct xen_irq irq;
	struct xen_libs libs;            /* the process's libxen handles, lent to hyp and ring */
};

bool xen_transport_built(void)
{
	return true;
}

/* Arms the op timer for the earliest op deadline over all guests (or disarms it); the AER timer is the backend's. */
static void arm(struct xen_transport *t)
{
	int rc = deadline_timer_arm(&t->op_timer, xb_backend_op_deadline(t->be));
	if (rc)
		pb_log_rl(&t->rl, PB_LOG_WARN, "xen: cannot arm the op timer: %s", strerror(-rc));
}

static void arm_kicks(struct xen_transport *t)
{
	int rc = deadline_timer_arm(&t->kick_timer, xb_backend_kick_deadline(t->be));
	if (rc)
		pb_log_rl(&t->rl, PB_LOG_WARN, "xen: cannot arm the kick timer: %s", strerror(-rc));
}

static void on_kick_timer(struct ev_watch *w, uint32_t events, void *arg)
{
	struct xen_transport *t = arg;
	int rc = deadline_timer_fired(&t->kick_timer);
	if (rc)
		pb_log_rl(&t->rl, PB_LOG_WARN, "xen: kick timer: %s", strerror(-rc));
	xb_backend_on_kick_timer(t->be);
	arm_kicks(t);
}

static void on_xs(struct ev_watch *w, uint32_t events, void *arg)
{
	struct xen_transport *t = arg;
	xb_backend_on_xenstore(t->be);
	arm(t);
}

static void on_evtchn(struct ev_watch *w, uint32_t events, void *arg)
{
	struct xen_transport *t = arg;
	xb_backend_on_evtchn(t->be);
	arm(t);
	arm_kicks(t);
}

static void on_op_waits(void *arg)
{
	arm(arg);
}

static void on_op_timer(struct ev_watch *w, uint32_t events, void *arg)
{
	struct xen_transport *t = arg;
	int rc = deadline_timer_fired(&t->op_timer);
	if (rc)
		pb_log_rl(&t->rl, PB_LOG_WARN, "xen: op timer: %s", strerror(-rc));
	xb_backend_on_op_timer(t->be);
	arm(t);
}

static struct xen_transport *xen_of(const struct pb_transport *pt)
{
	return (struct xen_transport *)((char *)pt - offsetof(struct xen_transport, base));
}

static int t_guest_state(const struct pb_transport *pt, const struct pb_guest *g)
{
	return xb_backend_guest_state(xen_of(pt)->be, g);
}

static int t_detach(struct pb_transport *pt, struct pb_pool_dev *pd, const char *reason)
{
	struct xen_transport *t = xen_of(pt);
	int rc = xb_backend_detach(t->be, pd, reason);
	arm(t);
	return rc;
}

static int t_aer_inject(struct pb_transport *pt, struct pb_guest *g, struct pb_dev *d, int channel, char *out,
			size_t outlen)
{
	struct xen_transport *t = xen_of(pt);
	int rc = xb_backend_aer_inject(t->be, g, d, channel, out, outlen);
	arm(t);
	return rc;
}

static int t_owner(const struct pb_transport *pt, const char *guest, uid_t *uid, char *err, size_t errlen)
{
	(void)pt, (void)guest, (void)uid;
	snprintf(err, errlen, "owner is for the local transport (Xen guests are domains)");
	return -1;
}

static int t_set_owner(struct pb_transport *pt, const char *guest, uid_t uid, char *err, size_t errlen)
{
	(void)uid;
	return t_owner(pt, guest, NULL, err, errlen);
}

static void t_stop(struct pb_transport *pt);

static const struct pb_transport_ops xen_ops = {
	.name = "xen",
	.guest_state = t_guest_state,
	.attached = NULL, /* nothing to tell: a Xen guest hears of devices from the toolstack (xenbus_reconf.c) */
	.detach = t_detach,
	.aer_inject = t_aer_inject,
	.set_owner = t_set_owner,
	.owner = t_owner,
	.stop = t_stop,
};

static void xen_transport_stop(struct xen_transport *t);

struct pb_transport *xen_transport_start(struct pb_pool *pool, struct evloop *loop, int self_domid, char *err,
					 size_t errlen)
{
	struct xen_transport *t = calloc(1, sizeof(*t));
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->base.ops = &xen_ops;
	deadline_timer_clear(&t->kick_timer);
	deadline_timer_clear(&t->op_timer);
	t->loop = loop;
	t->pool = pool;
	t->rl = (struct pb_ratelimit)PB_RATELIMIT_DEFAULT;
	/* Guests' MSI/MSI-X vectors go through PHYSDEVOP_map_pirq; Xen takes the MSI-X tables now. */
	t->hyp = xen_irq_hyp_open(&t->libs, err, errlen);
	if (!t->hyp)
		goto fail;
	xen_irq_provider_init(&t->irq, t->hyp);
	pool_set_irq_provider(pool, &t->irq.provider);
	t->xs = xs_xen_open(err, errlen);
	if (!t->xs)
		goto fail;
	t->ring = xen_ring_xen_open(&t->libs, err, errlen);
	if (!t->ring)
		goto fail;
	if (self_domid < 0) {
		/* A relative path: our own domain's "domid" node. */
		char *v = NULL;
		self_domid = 0;
		if (!pb_xs_read(t->xs, PB_XS_NO_TX, "domid", &v))
			self_domid = atoi(v);
		free(v);
	}
	t->be = xb_backend_new(pool, t->xs, t->ring, (uint32_t)self_domid, err, errlen);
	if (!t->be)
		goto fail;
	xb_backend_on_op_waits(t->be, on_op_waits, t);
	t->xs_watch = evloop_add(loop, t->xs->ops->watch_fd(t->xs), EPOLLIN, on_xs, t);
	t->evt_watch = evloop_add(loop, t->ring->ops->fd(t->ring), EPOLLIN, on_evtchn, t);
	if (!t->xs_watch || !t->evt_watch) {
		snprintf(err, errlen, "cannot register the Xen fds with the event loop");
		goto fail;
	}
	if (xb_backend_aer_timer(t->be, loop, err, errlen) ||
	    deadline_timer_init(&t->kick_timer, loop, on_kick_timer, t, err, errlen) ||
	    deadline_timer_init(&t->op_timer, loop, on_op_timer, t, err, errlen) || xb_backend_start(t->be, err, errlen))
		goto fail;
	pb_info("xen: serving /local/domain/%d/backend/pci", self_domid);
	return &t->base;
fail:
	xen_transport_stop(t);
	return NULL;
}

static void t_stop(struct pb_transport *pt)
{
	xen_transport_stop(xen_of(pt));
}

static void xen_transport_stop(struct xen_transport *t)
{
	if (!t)
		return;
	evloop_remove(t->loop, t->xs_watch);
	evloop_remove(t->loop, t->evt_watch);
	xb_backend_free(t->be);
	deadline_timer_fini(&t->kick_timer, t->loop);
	deadline_timer_fini(&t->op_timer, t->loop);
	if (t->ring)
		t->ring->ops->close(t->ring);
	pb_xs_close(t->xs);
	if (t->hyp) {
		/* A device still being reset is given back only when its release has decided whether it is quarantined. */
		pool_wait_releases(t->pool);
		xen_irq_give_back_pool(t->hyp, t->pool);
		t->pool->irqp = NULL;
		xen_irq_hyp_close(t->hyp);
	}
	xen_libs_close(&t->libs);
	free(t);
}

#else /* !HAVE_XEN */

bool xen_transport_built(void)
{
	return false;
}

struct pb_transport *xen_transport_start(struct pb_pool *pool, struct evloop *loop, int self_domid, char *err,
					 size_t errlen)
{
	snprintf(err, errlen, "the Xen transport is not built into this pcibackd (rebuild with libxen-dev installed)");
	return NULL;
}

#endif
