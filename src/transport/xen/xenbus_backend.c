/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The xenbus "pci" backend state machine (see xenbus_backend.h). */
#include "transport/xen/xenbus_backend.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "dispatch/dispatch.h"
#include "dispatch/dispatch_event.h"
#include "proto/pciif.h"
#include "proto/xenbus_state.h"
#include "transport/xen/xenbus_dev.h"

#define TOKEN_BACKEND "pcibackd:be"
#define TOKEN_RELEASE "pcibackd:release"
#define TOKEN_FE_PREFIX "pcibackd:fe:"

/* ---- small helpers ---- */

static struct xb_dev *dev_find(const struct xb_backend *b, uint32_t fe, uint32_t devid)
{
	for (struct xb_dev *d = b->devs; d; d = d->next)
		if (d->fe_domid == fe && d->devid == devid)
			return d;
	return NULL;
}

struct xb_dev *xb_dev_of_guest(const struct xb_backend *b, const struct pb_guest *g)
{
	for (struct xb_dev *d = b->devs; d; d = d->next)
		if (d->guest == g)
			return d;
	return NULL;
}

int xb_read_state(struct xb_backend *b, const char *dir)
{
	int v;
	if (pb_xs_read_int(b->xs, PB_XS_NO_TX, dir, "state", &v))
		return XB_UNKNOWN;
	return v;
}

void xb_dev_fatal(struct xb_backend *b, struct xb_dev *d, int err, const char *fmt, ...)
{
	/* The error node reads "ERRNO text", as xenbus_dev_fatal writes it; the log spells the errno out. */
	char msg[512], dir[XB_PATH];
	int n = snprintf(msg, sizeof(msg), "%i ", -err);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	pb_log_rl(&d->rl, PB_LOG_ERR, "xen: %s: %s: %s", d->nodename, msg + n, strerror(-err));
	snprintf(dir, sizeof(dir), "%s/error/%s", b->home, d->nodename);
	int rc = pb_xs_printf(b->xs, PB_XS_NO_TX, dir, "error", "%s", msg);
	if (rc)
		pb_log_rl(&d->rl, PB_LOG_ERR, "xen: %s: cannot write the error node: %s", d->nodename, strerror(-rc));
	/*
	 * Written even when we were Closing already: if the toolstack has put
	 * another state there since, our reaction to it must not run again on
	 * every event our own writes raise (a fuzzer found that loop).
	 */
	d->state = XB_UNKNOWN;
	xb_switch_state(b, d, XB_CLOSING);
}

int xb_switch_state(struct xb_backend *b, struct xb_dev *d, int state)
{
	if (d->state == state)
		return 0;
	for (int attempt = 0; attempt < 16; attempt++) {
		pb_xs_tx tx;
		int rc = b->xs->ops->tx_start(b->xs, &tx);
		if (rc)
			return rc;
		int cur;
		rc = pb_xs_read_int(b->xs, tx, d->be_path, "state", &cur);
		if (rc) {
			b->xs->ops->tx_end(b->xs, tx, true);
			return rc;
		}
		rc = pb_xs_printf(b->xs, tx, d->be_path, "state", "%d", state);
		if (rc) {
			b->xs->ops->tx_end(b->xs, tx, true);
			return rc;
		}
		rc = b->xs->ops->tx_end(b->xs, tx, false);
		if (rc == -EAGAIN)
			continue;
		if (rc)
			return rc;
		pb_debug("xen: %s: %s -> %s", d->nodename, xb_state_name(d->state), xb_state_name(state));
		d->state = state;
		return 0;
	}
	pb_log_rl(&d->rl, PB_LOG_ERR, "xen: %s: cannot switch to %s: xenstore keeps conflicting", d->nodename,
		  xb_state_name(state));
	return -EAGAIN;
}

/* ---- connecting ---- */

static void disconnect(struct xb_backend *b, struct xb_dev *d)
{
	aer_link_down(&b->aer, &d->aer);
	if (d->port >= 0) {
		b->ring->ops->unbind(b->ring, (uint32_t)d->port);
		d->port = -1;
	}
	d->kick_hold_ms = 0;
	if (d->page) {
		/*
		 * An op the frontend posted before the channel went away is still
		 * answered, unless an op of its is in flight or an AER reset of its
		 * device holds its ops: the frontend is going away and gets none.
		 */
		dispatch_pending(&d->guest->dg, d->page);
		dispatch_page_gone(&d->guest->dg, d->page); /* unless it waits for its device */
		b->ring->ops->unmap(b->ring, d->page);
		d->page = NULL;
		pb_info("xen: %s: disconnected", d->nodename);
	}
}

static void attach(struct xb_backend *b, struct xb_dev *d)
{
	if (xb_read_state(b, d->be_path) != XB_INITIALISED || xb_read_state(b, d->fe_path) != XB_INITIALISED)
		return;
	if (d->page)
		return;
	char *ref = NULL, *port = NULL, *magic = NULL;
	int rc = pb_xs_read_key(b->xs, PB_XS_NO_TX, d->fe_path, "pci-op-ref", &ref);
	if (!rc)
		rc = pb_xs_read_key(b->xs, PB_XS_NO_TX, d->fe_path, "event-channel", &port);
	if (!rc)
		rc = pb_xs_read_key(b->xs, PB_XS_NO_TX, d->fe_path, "magic", &magic);
	unsigned long gref = 0, remote = 0;
	char *end1 = NULL, *end2 = NULL;
	if (!rc) {
		gref = strtoul(ref, &end1, 10);
		remote = strtoul(port, &end2, 10);
		if (end1 == ref || end2 == port || gref > UINT32_MAX || remote > UINT32_MAX)
			rc = -EINVAL;
	}
	if (rc) {
		xb_dev_fatal(b, d, rc, "reading pci-op-ref, event-channel and magic from %s", d->fe_path);
		goto out;
	}
	if (strcmp(magic, PCIIF_MAGIC)) {
		xb_dev_fatal(b, d, -EFAULT, "frontend protocol version %.16s, backend %s: refusing to connect", magic,
			  PCIIF_MAGIC);
		goto out;
	}
	char err[256] = "";
	void *page = b->ring->ops->map(b->ring, d->fe_domid, (uint32_t)gref, err, sizeof(err));
	if (!page) {
		xb_dev_fatal(b, d, -ENOMEM, "mapping grant %lu of domain %u: %s", gref, d->fe_domid, err);
		goto out;
	}
	int lport = b->ring->ops->bind(b->ring, d->fe_domid, (uint32_t)remote);
	if (lport < 0) {
		b->ring->ops->unmap(b->ring, page);
		xb_dev_fatal(b, d, lport, "binding event channel %lu of domain %u", remote, d->fe_domid);
		goto out;
	}
	d->page = page;
	aer_link_up(&b->aer, &d->aer, page);
	d->port = lport;
	xb_switch_state(b, d, XB_CONNECTED);
	pb_info("xen: %s: connected (grant %lu, port %lu -> %d)", d->nodename, gref, remote, lport);
out:
	free(ref);
	free(port);
	free(magic);
}

/*
 * setup_backend: only from InitWait; exports dev-from..num_devs-1, then
 * Initialised, then attach.  A device still being reset stops it there
 * until its release is over (xb_resume goes on from it).
 */
static void setup_backend(struct xb_backend *b, struct xb_dev *d, unsigned from)
{
	int num;
	if (d->nwaiting || xb_num_devs_in_state(b, d, XB_INITWAIT, &num))
		return;
	for (unsigned i = from; i < (unsigned)num; i++) {
		int rc = xb_export_device(b, d, i);
		if (rc == XB_EXPORT_DEFERRED) {
			d->resume_state = XB_INITWAIT;
			d->resume_from = i;
			return;
		}
		if (rc || xb_write_substate(b, d, i, XB_INITIALISED))
			return;
	}
	if (xb_publish_roots(b, d) || xb_switch_state(b, d, XB_INITIALISED))
		return;
	attach(b, d);
}

/* ---- releases a backend device waits for ---- */

void xb_wait_release(struct xb_dev *d, struct pb_pool_dev *pd)
{
	for (unsigned i = 0; i < d->nwaiting; i++)
		if (d->waiting[i] == pd)
			return;
	/* A device is in one guest's topology at a time: at most TOPO_MAX_DEVS of them. */
	if (d->nwaiting < TOPO_MAX_DEVS)
		d->waiting[d->nwaiting++] = pd;
}

/* The last release d waited for is over: what it put off goes on. */
static void xb_resume(struct xb_backend *b, struct xb_dev *d)
{
	/* Used once: a round that failed before recording what it put off resumes nothing. */
	int state = d->resume_state;
	bool exports = d->resume_exports;
	d->resume_state = XB_UNKNOWN;
	d->resume_exports = false;
	if (state == XB_INITWAIT)
		setup_backend(b, d, d->resume_from);
	else if (exports)
		xb_reconfigure(b, d, state);
	else if (state == XB_RECONFIGURING && xb_read_state(b, d->be_path) == XB_RECONFIGURING)
		xb_switch_state(b, d, XB_RECONFIGURED);
}

/* The pool's on_released: pd is free (or quarantined); backend devices waiting only for it go on. */
static void on_released(void *arg, struct pb_pool_dev *pd)
{
	struct xb_backend *b = arg;
	if (b->prev_on_released)
		b->prev_on_released(b->prev_on_released_arg, pd);
	for (struct xb_dev *d = b->devs; d; d = d->next) {
		unsigned i = 0;
		while (i < d->nwaiting && d->waiting[i] != pd)
			i++;
		if (i == d->nwaiting)
			continue;
		d->waiting[i] = d->waiting[--d->nwaiting];
		if (!d->nwaiting)
			xb_resume(b, d);
	}
}

/* ---- device lifetime ---- */

static void dev_free(struct xb_backend *b, struct xb_dev *d, bool switch_closed)
{
	if (d->fe_watched)
		b->xs->ops->unwatch(b->xs, d->fe_state_path, d->fe_token);
	disconnect(b, d);
	if (d->guest) {
		d->guest->transport = NULL;
		pool_guest_destroy(b->pool, d->guest);
		d->guest = NULL;
	}
	/* The xenbus core's last word, if the toolstack hasn't removed our directory. */
	if (switch_closed)
		xb_switch_state(b, d, XB_CLOSED);
	for (struct xb_dev **pp = &b->devs; *pp; pp = &(*pp)->next)
		if (*pp == d) {
			*pp = d->next;
			break;
		}
	pb_info("xen: %s: removed", d->nodename);
	free(d);
}

static void dev_remove(struct xb_backend *b, struct xb_dev *d)
{
	dev_free(b, d, true);
}

/* A probe that failed leaves no device behind; the error node and Closing stay. */
static void probe_fail(struct xb_backend *b, struct xb_dev *d, int err, const char *what)
{
	xb_dev_fatal(b, d, err, "%s", what);
	dev_free(b, d, false);
}

static void be_changed(struct xb_backend *b, struct xb_dev *d)
{
	int s = xb_read_state(b, d->be_path);
	if (s == XB_INITWAIT)
		setup_backend(b, d, 0);
	else if (s == XB_INITIALISED)
		xb_reconfigure(b, d, XB_INITIALISED);
}

static void fe_changed(struct xb_backend *b, struct xb_dev *d)
{
	int s = xb_read_state(b, d->fe_path);
	pb_log_rl(&d->rl, PB_LOG_DEBUG, "xen: %s: frontend %s", d->nodename, xb_state_name(s));
	switch (s) {
	case XB_INITIALISED:
		attach(b, d);
		break;
	case XB_RECONFIGURING:
		xb_reconfigure(b, d, XB_RECONFIGURING);
		break;
	case XB_CONNECTED:
		xb_switch_state(b, d, XB_CONNECTED);
		break;
	case XB_CLOSING:
		disconnect(b, d);
		xb_switch_state(b, d, XB_CLOSING);
		break;
	case XB_CLOSED: {
		disconnect(b, d);
		xb_switch_state(b, d, XB_CLOSED);
		int online = 0;
		if (pb_xs_read_int(b->xs, PB_XS_NO_TX, d->be_path, "online", &online) == 0 && online)
			break;
		dev_remove(b, d);
		break;
	}
	case XB_UNKNOWN:
		dev_remove(b, d);
		break;
	default:
		break;
	}
}

/* A backend directory in state Initialising appeared: the xenbus probe. */
static void dev_probe(struct xb_backend *b, uint32_t fe, uint32_t devid)
{
	char be_path[XB_PATH];
	snprintf(be_path, sizeof(be_path), "%s/%u/%u", b->base, fe, devid);
	if (xb_read_state(b, be_path) != XB_INITIALISING)
		return;
	struct xb_dev *d = calloc(1, sizeof(*d));
	if (!d) {
		pb_err("xen: out of memory probing %s", be_path);
		return;
	}
	d->fe_domid = fe;
	d->devid = devid;
	d->port = -1;
	d->state = XB_UNKNOWN;
	d->rl = (struct pb_ratelimit)PB_RATELIMIT_DEFAULT;
	snprintf(d->be_path, sizeof(d->be_path), "%s", be_path);
	snprintf(d->nodename, sizeof(d->nodename), "backend/pci/%u/%u", fe, devid);
	d->next = b->devs;
	b->devs = d;

	/* The other end: frontend path and id, which must name the domain of our path. */
	char *fe_path = NULL;
	int fe_id = -1;
	int rc = pb_xs_read_key(b->xs, PB_XS_NO_TX, be_path, "frontend", &fe_path);
	if (!rc)
		rc = pb_xs_read_int(b->xs, PB_XS_NO_TX, be_path, "frontend-id", &fe_id);
	if (!rc && (fe_id < 0 || (uint32_t)fe_id != fe || !fe_path[0] || strlen(fe_path) >= sizeof(d->fe_path) - 8))
		rc = -EINVAL;
	char *probe_val = NULL;
	if (!rc && pb_xs_read(b->xs, PB_XS_NO_TX, fe_path, &probe_val))
		rc = -ENOENT;
	free(probe_val);
	if (rc) {
		free(fe_path);
		probe_fail(b, d, rc, "the frontend is missing or inconsistent");
		return;
	}
	snprintf(d->fe_path, sizeof(d->fe_path), "%s", fe_path);
	free(fe_path);
	snprintf(d->fe_state_path, sizeof(d->fe_state_path), "%s/state", d->fe_path);
	snprintf(d->fe_token, sizeof(d->fe_token), TOKEN_FE_PREFIX "%u/%u", fe, devid);

	char gname[32];
	snprintf(gname, sizeof(gname), "dom%u", fe);
	struct pb_guest *g = pool_guest(b->pool, gname, false);
	if (g) {
		probe_fail(b, d, -EBUSY, "the guest already exists in pcibackd");
		return;
	}
	g = pool_guest(b->pool, gname, true);
	if (!g) {
		probe_fail(b, d, -ENOMEM, "cannot create the guest");
		return;
	}
	g->transport = d;
	g->dg.domid = fe; /* MSI/MSI-X vectors are mapped into this domain's PIRQ space */
	d->guest = g;
	aer_link_init(&d->aer, &g->dg.aer);
	rc = xb_switch_state(b, d, XB_INITWAIT);
	if (rc) {
		probe_fail(b, d, rc, "cannot switch to InitWait");
		return;
	}
	rc = b->xs->ops->watch(b->xs, d->fe_state_path, d->fe_token);
	if (rc) {
		probe_fail(b, d, rc, "cannot watch the frontend state");
		return;
	}
	d->fe_watched = true;
	pb_info("xen: %s: probed for %s (frontend %s)", d->nodename, gname, d->fe_path);
	be_changed(b, d);
}

/* Something under <base>/<fe>/<devid> changed (or the watch was just set). */
static void refresh(struct xb_backend *b, uint32_t fe, uint32_t devid)
{
	struct xb_dev *d = dev_find(b, fe, devid);
	if (!d) {
		dev_probe(b, fe, devid);
		return;
	}
	char *v = NULL;
	if (pb_xs_read(b->xs, PB_XS_NO_TX, d->be_path, &v)) {
		/* The toolstack removed our directory: the device goes away. */
		dev_remove(b, d);
		return;
	}
	free(v);
	be_changed(b, d);
}

static bool parse_u32(const char *s, const char **end, uint32_t *out)
{
	char *e;
	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	unsigned long v = strtoul(s, &e, 10);
	if (errno || v > UINT32_MAX || (*e && *e != '/'))
		return false;
	*out = (uint32_t)v;
	*end = e;
	return true;
}

static void scan(struct xb_backend *b, bool have_fe, uint32_t only_fe)
{
	char **fes = NULL;
	unsigned nfe = 0;
	if (b->xs->ops->directory(b->xs, PB_XS_NO_TX, b->base, &fes, &nfe))
		nfe = 0;
	for (unsigned i = 0; i < nfe; i++) {
		uint32_t fe;
		const char *end;
		if (!parse_u32(fes[i], &end, &fe) || *end || (have_fe && fe != only_fe))
			continue;
		char dir[XB_PATH], **ids = NULL;
		unsigned nid = 0;
		snprintf(dir, sizeof(dir), "%s/%u", b->base, fe);
		if (b->xs->ops->directory(b->xs, PB_XS_NO_TX, dir, &ids, &nid))
			nid = 0;
		for (unsigned j = 0; j < nid; j++) {
			uint32_t devid;
			if (parse_u32(ids[j], &end, &devid) && !*end)
				refresh(b, fe, devid);
		}
		pb_xs_free_names(ids, nid);
	}
	pb_xs_free_names(fes, nfe);
	/* Devices whose directories vanished with a whole subtree. */
	for (struct xb_dev *d = b->devs, *next; d; d = next) {
		next = d->next;
		if (!have_fe || d->fe_domid == only_fe) {
			char *v = NULL;
			if (pb_xs_read(b->xs, PB_XS_NO_TX, d->be_path, &v))
				dev_remove(b, d);
			free(v);
		}
	}
}

static void on_backend_event(struct xb_backend *b, const char *path)
{
	size_t l = strlen(b->base);
	if (strncmp(path, b->base, l) || (path[l] && path[l] != '/'))
		return;
	const char *p = path + l;
	uint32_t fe, devid;
	const char *end;
	if (!*p || !p[1]) {
		scan(b, false, 0);
		return;
	}
	if (!parse_u32(p + 1, &end, &fe))
		return;
	if (!*end || !end[1]) {
		scan(b, true, fe);
		return;
	}
	if (!parse_u32(end + 1, &end, &devid))
		return;
	refresh(b, fe, devid);
}

static void on_release_domain(struct xb_backend *b)
{
	for (struct xb_dev *d = b->devs, *next; d; d = next) {
		next = d->next;
		if (!b->ring->ops->domain_alive(b->ring, d->fe_domid)) {
			pb_info("xen: %s: domain %u is gone", d->nodename, d->fe_domid);
			dev_remove(b, d);
		}
	}
}

void xb_backend_on_xenstore(struct xb_backend *b)
{
	char *path, *token;
	/* Bounded per call so one busy store can't starve the event channels. */
	for (int n = 0; n < 256 && b->xs->ops->next_event(b->xs, &path, &token) == 1; n++) {
		if (!strcmp(token, TOKEN_BACKEND)) {
			on_backend_event(b, path);
		} else if (!strcmp(token, TOKEN_RELEASE)) {
			on_release_domain(b);
		} else if (!strncmp(token, TOKEN_FE_PREFIX, strlen(TOKEN_FE_PREFIX))) {
			unsigned fe, devid;
			if (sscanf(token + strlen(TOKEN_FE_PREFIX), "%u/%u", &fe, &devid) == 2) {
				struct xb_dev *d = dev_find(b, fe, devid);
				if (d && !strcmp(path, d->fe_state_path))
					fe_changed(b, d);
			}
		}
		free(path);
		free(token);
	}
}

/* ---- error recovery (dispatch/aer.h): what the links ask of this backend ---- */

static struct xb_dev *dev_of_link(struct aer_link *l)
{
	return (struct xb_dev *)((char *)l - offsetof(struct xb_dev, aer));
}

static int aer_notify(void *arg, struct aer_link *l)
{
	struct xen_ring *ring = ((struct xb_backend *)arg)->ring;
	struct xb_dev *d = dev_of_link(l);
	if (d->port >= 0)
		ring->ops->notify(ring, (uint32_t)d->port);
	return 0;
}

/*
 * A failed recovery: aerState = "aerfail" in the backend directory, the
 * kernel backend's signal to the toolstack (it writes it under domain 0's
 * backend/pci/<fe>/0; ours is the same path when we run in domain 0).
 */
static void aer_failed(void *arg, struct aer_link *l)
{
	struct xb_backend *b = arg;
	struct xb_dev *d = dev_of_link(l);
	int rc = pb_xs_printf(b->xs, PB_XS_NO_TX, d->be_path, "aerState", "aerfail");
	if (rc)
		pb_log_rl(&d->rl, PB_LOG_ERR, "xen: %s: cannot write aerState: %s", d->nodename, strerror(-rc));
}

/*
 * Under the detach policy the device also leaves the guest, quarantined.
 * The PV protocol has no backend-initiated unplug: the guest's next op on it
 * gets "device not found", and the toolstack sees aerState.
 */
static void aer_quarantine(void *arg, struct pb_dev *dev, const char *reason)
{
	xb_backend_detach(arg, pool_dev_of(dev), reason);
}

static void aer_op_waits(void *arg, struct aer_link *l)
{
	(void)l;
	struct xb_backend *b = arg;
	if (b->op_waits)
		b->op_waits(b->op_waits_arg);
}

static const struct aer_hooks aer_hooks = { .notify = aer_notify,
					    .failed = aer_failed,
					    .quarantine = aer_quarantine,
					    .op_waits = aer_op_waits };

void xb_backend_on_op_waits(struct xb_backend *b, void (*fn)(void *arg), void *arg)
{
	b->op_waits = fn;
	b->op_waits_arg = arg;
}

int xb_backend_aer_inject(struct xb_backend *b, struct pb_guest *g, struct pb_dev *dev, int channel, char *out,
			  size_t outlen)
{
	struct xb_dev *d = xb_dev_of_guest(b, g);
	return aer_links_inject(&b->aer, d ? &d->aer : NULL, &g->dg.aer, dev, channel, out, outlen);
}

uint64_t xb_backend_aer_deadline(const struct xb_backend *b)
{
	return aer_links_deadline(&b->aer);
}

void xb_backend_on_timer(struct xb_backend *b)
{
	aer_links_run(&b->aer, pb_now_ms());
}

int xb_backend_aer_timer(struct xb_backend *b, struct evloop *loop, char *err, size_t errlen)
{
	return aer_links_start_timer(&b->aer, loop, err, errlen);
}

/* ---- ops that wait for their device (a D-state change) ---- */

uint64_t xb_backend_op_deadline(const struct xb_backend *b)
{
	uint64_t first = 0;
	for (const struct xb_dev *d = b->devs; d; d = d->next)
		if (d->guest)
			first = dispatch_earliest(first, dispatch_deadline(&d->guest->dg));
	return first;
}

void xb_backend_on_op_timer(struct xb_backend *b)
{
	uint64_t now = pb_now_ms();
	for (struct xb_dev *d = b->devs; d; d = d->next)
		if (d->guest && dispatch_timer(&d->guest->dg, d->page, now) && d->port >= 0)
			b->ring->ops->notify(b->ring, (uint32_t)d->port);
}

void xb_backend_on_evtchn(struct xb_backend *b)
{
	int port;
	for (int n = 0; n < 1024 && (port = b->ring->ops->pending(b->ring)) >= 0; n++) {
		struct xb_dev *d = b->devs;
		while (d && d->port != port)
			d = d->next;
		/* The guest may have answered an AER step (it clears _XEN_PCIB_active and notifies): first that. */
		bool aer_moved = false;
		if (d && d->page) {
			struct aer_actions act;
			aer_moved = aer_link_poll(&d->aer, pb_now_ms(), &act);
			aer_links_apply(&b->aer, &d->aer, &act);
		}
		struct dispatch_event_out ev = { .kind = DISPATCH_EV_SPURIOUS, .notify = false, .hold_until = 0 };
		if (d && d->page)
			dispatch_event(&d->guest->dg, d->page, aer_moved, pb_now_ms(), &ev);
		if (ev.notify)
			b->ring->ops->notify(b->ring, (uint32_t)port);
		/* Only a device still connected on this port is held. */
		if (ev.hold_until && d && d->page && d->port == port) {
			d->kick_hold_ms = ev.hold_until;
			continue;
		}
		b->ring->ops->unmask(b->ring, (uint32_t)port);
	}
}

uint64_t xb_backend_kick_deadline(const struct xb_backend *b)
{
	uint64_t first = 0;
	for (const struct xb_dev *d = b->devs; d; d = d->next)
		first = dispatch_earliest(first, d->kick_hold_ms);
	return first;
}

void xb_backend_on_kick_timer(struct xb_backend *b)
{
	uint64_t now = pb_now_ms();
	for (struct xb_dev *d = b->devs; d; d = d->next)
		if (dispatch_hold_ended(&d->kick_hold_ms, now) && d->port >= 0)
			b->ring->ops->unmask(b->ring, (uint32_t)d->port);
}

struct xb_backend *xb_backend_new(struct pb_pool *pool, struct pb_xs *xs, struct xen_ring *ring, uint32_t self_domid,
				  char *err, size_t errlen)
{
	struct xb_backend *b = calloc(1, sizeof(*b));
	if (!b) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	b->pool = pool;
	b->xs = xs;
	b->ring = ring;
	b->self = self_domid;
	b->rl = (struct pb_ratelimit)PB_RATELIMIT_DEFAULT;
	aer_links_init(&b->aer, "xen", &aer_hooks, b);
	b->prev_on_released = pool->on_released;
	b->prev_on_released_arg = pool->on_released_arg;
	pool->on_released = on_released;
	pool->on_released_arg = b;
	snprintf(b->home, sizeof(b->home), "/local/domain/%u", self_domid);
	snprintf(b->base, sizeof(b->base), "%s/backend/pci", b->home);
	return b;
}

int xb_backend_start(struct xb_backend *b, char *err, size_t errlen)
{
	int rc = b->xs->ops->watch(b->xs, b->base, TOKEN_BACKEND);
	if (rc) {
		snprintf(err, errlen, "cannot watch %s: %s", b->base, strerror(-rc));
		return -1;
	}
	rc = b->xs->ops->watch(b->xs, "@releaseDomain", TOKEN_RELEASE);
	if (rc) {
		b->xs->ops->unwatch(b->xs, b->base, TOKEN_BACKEND);
		snprintf(err, errlen, "cannot watch @releaseDomain: %s", strerror(-rc));
		return -1;
	}
	b->started = true;
	return 0;
}

void xb_backend_free(struct xb_backend *b)
{
	if (!b)
		return;
	while (b->devs)
		dev_remove(b, b->devs);
	if (b->started) {
		b->xs->ops->unwatch(b->xs, b->base, TOKEN_BACKEND);
		b->xs->ops->unwatch(b->xs, "@releaseDomain", TOKEN_RELEASE);
	}
	aer_links_fini(&b->aer);
	if (b->pool->on_released_arg == b) {
		b->pool->on_released = b->prev_on_released;
		b->pool->on_released_arg = b->prev_on_released_arg;
	}
	free(b);
}

size_t xb_backend_count(const struct xb_backend *b)
{
	size_t n = 0;
	for (const struct xb_dev *d = b->devs; d; d = d->next)
		n++;
	return n;
}

int xb_backend_guest_state(const struct xb_backend *b, const struct pb_guest *g)
{
	const struct xb_dev *d = xb_dev_of_guest(b, g);
	return d ? d->state : XB_CLOSED;
}

int xb_backend_state(const struct xb_backend *b, uint32_t fe_domid, uint32_t devid)
{
	const struct xb_dev *d = dev_find(b, fe_domid, devid);
	return d ? d->state : -1;
}

int xb_backend_port(const struct xb_backend *b, uint32_t fe_domid, uint32_t devid)
{
	const struct xb_dev *d = dev_find(b, fe_domid, devid);
	return d ? d->port : -1;
}
