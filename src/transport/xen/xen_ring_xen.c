/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Grant mapping, event channels and domain liveness through libxen. */
#include "transport/xen/xen_ring_xen.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* The handles are the process's (xen_libs), lent to the ring. */
struct xen_ring_x {
	struct xen_ring ring;
	xengnttab_handle *gnt;
	xenevtchn_handle *evt;
	xc_interface *xch;
};

static struct xen_ring_x *x_of(struct xen_ring *r)
{
	return (struct xen_ring_x *)r;
}

static void *x_map(struct xen_ring *r, uint32_t domid, uint32_t gref, char *err, size_t errlen)
{
	void *p = xengnttab_map_grant_ref(x_of(r)->gnt, domid, gref, PROT_READ | PROT_WRITE);
	if (!p)
		snprintf(err, errlen, "%s", strerror(errno));
	return p;
}

static void x_unmap(struct xen_ring *r, void *page)
{
	xengnttab_unmap(x_of(r)->gnt, page, 1);
}

static int x_bind(struct xen_ring *r, uint32_t domid, uint32_t remote_port)
{
	errno = 0;
	xenevtchn_port_or_error_t p = xenevtchn_bind_interdomain(x_of(r)->evt, domid, remote_port);
	if (p < 0)
		return errno ? -errno : -EIO;
	return (int)p;
}

static void x_unbind(struct xen_ring *r, uint32_t port)
{
	xenevtchn_unbind(x_of(r)->evt, port);
}

static int x_notify(struct xen_ring *r, uint32_t port)
{
	return xenevtchn_notify(x_of(r)->evt, port) ? -errno : 0;
}

static int x_fd(struct xen_ring *r)
{
	return xenevtchn_fd(x_of(r)->evt);
}

static int x_pending(struct xen_ring *r)
{
	/* The fd was made non-blocking at open: -1 when nothing is pending. */
	xenevtchn_port_or_error_t p = xenevtchn_pending(x_of(r)->evt);
	return p < 0 ? -1 : (int)p;
}

static int x_unmask(struct xen_ring *r, uint32_t port)
{
	return xenevtchn_unmask(x_of(r)->evt, port) ? -errno : 0;
}

static bool x_domain_alive(struct xen_ring *r, uint32_t domid)
{
	xc_domaininfo_t info;
	if (xc_domain_getinfolist(x_of(r)->xch, domid, 1, &info) != 1 || info.domain != domid)
		return false;
	return !(info.flags & XEN_DOMINF_dying);
}

static void x_close(struct xen_ring *r)
{
	free(x_of(r));
}

static const struct xen_ring_ops xen_ring_x_ops = {
	.map = x_map,
	.unmap = x_unmap,
	.bind = x_bind,
	.unbind = x_unbind,
	.notify = x_notify,
	.fd = x_fd,
	.pending = x_pending,
	.unmask = x_unmask,
	.domain_alive = x_domain_alive,
	.close = x_close,
};

struct xen_ring *xen_ring_xen_open(struct xen_libs *libs, char *err, size_t errlen)
{
	if (xen_libs_open(libs, XEN_LIB_GNTTAB | XEN_LIB_EVTCHN | XEN_LIB_CTRL, err, errlen))
		return NULL;
	struct xen_ring_x *x = calloc(1, sizeof(*x));
	if (!x) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	x->ring.ops = &xen_ring_x_ops;
	x->gnt = libs->gnt;
	x->evt = libs->evt;
	x->xch = libs->xch;
	int fd = xenevtchn_fd(x->evt);
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		snprintf(err, errlen, "cannot make the event-channel fd non-blocking: %s", strerror(errno));
		free(x);
		return NULL;
	}
	return &x->ring;
}
