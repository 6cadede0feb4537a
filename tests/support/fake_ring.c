/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A fake xen_ring for the Xen transport tests: grants are pages the test owns, ports are numbers,
 * every call is logged.
 */
#include "fake_ring.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static struct fake_ring *F(struct xen_ring *r)
{
	return (struct fake_ring *)r;
}

static void logw(struct fake_ring *f, const char *w)
{
	size_t l = strlen(f->log);
	snprintf(f->log + l, sizeof(f->log) - l, "%s%s", l ? " " : "", w);
}

static void *f_map(struct xen_ring *r, uint32_t domid, uint32_t gref, char *err, size_t errlen)
{
	struct fake_ring *f = F(r);
	f->maps++;
	if (f->fail_map) {
		snprintf(err, errlen, "injected failure");
		return NULL;
	}
	for (unsigned i = 0; i < f->ngrants; i++)
		if (f->grants[i].domid == domid && f->grants[i].gref == gref) {
			logw(f, "map");
			f->nmapped++;
			return f->grants[i].page;
		}
	snprintf(err, errlen, "no such grant");
	return NULL;
}

static void f_unmap(struct xen_ring *r, void *page)
{
	struct fake_ring *f = F(r);
	f->unmaps++;
	f->nmapped--;
	logw(f, "unmap");
	if (f->on_unmap)
		f->on_unmap(f->on_unmap_arg);
}

static int f_bind(struct xen_ring *r, uint32_t domid, uint32_t remote)
{
	struct fake_ring *f = F(r);
	f->binds++;
	if (f->fail_bind)
		return -EINVAL;
	for (int i = 1; i < FAKE_MAX; i++)
		if (!f->bound[i]) {
			f->bound[i] = 1;
			logw(f, "bind");
			return 40 + i;
		}
	return -ENOSPC;
}

static void f_unbind(struct xen_ring *r, uint32_t port)
{
	struct fake_ring *f = F(r);
	f->unbinds++;
	if (port >= 41 && port < 40 + FAKE_MAX)
		f->bound[port - 40] = 0;
	logw(f, "unbind");
}

static int f_notify(struct xen_ring *r, uint32_t port)
{
	F(r)->notifies++;
	return 0;
}

static int f_fd(struct xen_ring *r)
{
	return -1;
}

static int f_pending(struct xen_ring *r)
{
	struct fake_ring *f = F(r);
	if (!f->npending)
		return -1;
	int p = f->pending[0];
	memmove(f->pending, f->pending + 1, --f->npending * sizeof(int));
	return p;
}

static int f_unmask(struct xen_ring *r, uint32_t port)
{
	F(r)->unmasks++;
	return 0;
}

static bool f_alive(struct xen_ring *r, uint32_t domid)
{
	struct fake_ring *f = F(r);
	for (unsigned i = 0; i < f->ndead; i++)
		if (f->dead[i] == domid)
			return false;
	return true;
}

static void f_close(struct xen_ring *r)
{
}

static const struct xen_ring_ops fake_ops = {
	.map = f_map, .unmap = f_unmap, .bind = f_bind, .unbind = f_unbind, .notify = f_notify,
	.fd = f_fd, .pending = f_pending, .unmask = f_unmask, .domain_alive = f_alive, .close = f_close,
};

void fake_ring_init(struct fake_ring *r)
{
	memset(r, 0, sizeof(*r));
	r->ring.ops = &fake_ops;
}

void fake_ring_grant(struct fake_ring *r, uint32_t domid, uint32_t gref, void *page)
{
	r->grants[r->ngrants].domid = domid;
	r->grants[r->ngrants].gref = gref;
	r->grants[r->ngrants].page = page;
	r->ngrants++;
}

void fake_ring_kick(struct fake_ring *r, int local_port)
{
	r->pending[r->npending++] = local_port;
}

void fake_ring_kill(struct fake_ring *r, uint32_t domid)
{
	r->dead[r->ndead++] = domid;
}
