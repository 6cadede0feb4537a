/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The device pool and its guests: adding devices, assigning them to guests, and the one release path
 * (pool_release) with quarantine.
 */
#include "pool.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "dispatch/trace.h"
#include "proto/pci_regs.h"

void pool_init(struct pb_pool *p, enum topo_mode mode)
{
	memset(p, 0, sizeof(*p));
	p->mode = mode;
	p->aer_timeout_ms = AER_DEFAULT_TIMEOUT_MS;
	p->aer_policy = AER_POLICY_DETACH;
	p->op_rate = OP_RATE_DEFAULT;
}

/* Before any guest can have it: a device whose MSI-X table stays unprotected is never handed out. */
static void prepare_irq(struct pb_pool *p, struct pb_pool_dev *pd)
{
	if (!p->irqp || !p->irqp->ops->prepare || pd->quarantined || pd->releasing)
		return;
	int rc = p->irqp->ops->prepare(p->irqp, pd->dev.host);
	if (!rc)
		return;
	char a[PB_BDF_STRLEN];
	pd->quarantined = true;
	snprintf(pd->reason, sizeof(pd->reason), "the hypervisor cannot protect its MSI-X table: %s", strerror(-rc));
	pb_err("%s quarantined: %s", pb_bdf_format(&pd->dev.host->addr, a), pd->reason);
}

void pool_set_irq_provider(struct pb_pool *p, struct irq_provider *irqp)
{
	p->irqp = irqp;
	for (size_t i = 0; i < p->ndevs; i++)
		prepare_irq(p, p->devs[i]);
}

struct pb_pool_dev *pool_add_device(struct pb_pool *p, struct hostdev *hd, const struct cfg_options *opts,
				    char *err, size_t errlen)
{
	if (p->ndevs >= POOL_MAX_DEVS) {
		snprintf(err, errlen, "%s: too many devices (at most %d)", hd->source, POOL_MAX_DEVS);
		hostdev_destroy(hd);
		return NULL;
	}
	struct pb_pool_dev *pd = calloc(1, sizeof(*pd));
	if (!pd) {
		snprintf(err, errlen, "out of memory");
		hostdev_destroy(hd);
		return NULL;
	}
	pd->dev.host = hd;
	/* Seized: no interrupts, no DMA until a guest enables them. */
	hostdev_quiesce(hd);
	pd->dev.cfg = cfg_dev_new(hd, opts, err, errlen);
	if (!pd->dev.cfg) {
		hostdev_destroy(hd);
		free(pd);
		return NULL;
	}
	p->devs[p->ndevs++] = pd;
	prepare_irq(p, pd);
	return pd;
}

struct pb_pool_dev *pool_find_by_addr(struct pb_pool *p, const struct pb_bdf *addr)
{
	for (size_t i = 0; i < p->ndevs; i++)
		if (pb_bdf_equal(&p->devs[i]->dev.host->addr, addr))
			return p->devs[i];
	return NULL;
}

struct pb_pool_dev *pool_dev_of(struct pb_dev *d)
{
	return (struct pb_pool_dev *)((char *)d - offsetof(struct pb_pool_dev, dev));
}

struct pb_guest *pool_guest(struct pb_pool *p, const char *name, bool create)
{
	for (size_t i = 0; i < p->nguests; i++)
		if (!strcmp(p->guests[i]->name, name))
			return p->guests[i];
	if (!create || p->nguests >= POOL_MAX_GUESTS || strlen(name) >= sizeof(p->guests[0]->name))
		return NULL;
	struct pb_guest *g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	snprintf(g->name, sizeof(g->name), "%s", name);
	topo_init(&g->topo, p->mode);
	dispatch_guest_init(&g->dg, g->name, &g->topo);
	g->dg.trace = p->trace;
	g->dg.irqp = p->irqp;
	g->dg.aer.timeout_ms = p->aer_timeout_ms;
	g->dg.aer.policy = p->aer_policy;
	g->dg.kicks.op_rate = p->op_rate;
	g->dg.exact_msi_ops = p->exact_msi_ops;
	g->dg.bgw = p->relw;
	p->guests[p->nguests++] = g;
	return g;
}

int pool_guest_trace(struct pb_pool *p, struct pb_guest *g, const char *to, char *err, size_t errlen)
{
	struct trace_file *t = NULL;
	FILE *f = NULL;
	/* A FILE is an absolute path (trace_file_open says so): nothing relative is even looked at. */
	bool named = strcmp(to, "on") && strcmp(to, "off") && to[0] == '/';
	bool on = !strcmp(to, "on") || (named && trace_file_is(p->trace, to));
	if (on && !p->trace) {
		snprintf(err, errlen, "pcibackd runs without --trace: give trace %s FILE", g->name);
		return -1;
	}
	if (on) {
		f = p->trace;
	} else if (strcmp(to, "off")) {
		for (size_t i = 0; i < p->nguests && !t && named; i++) {
			struct trace_file *o = p->guests[i]->trace_file;
			if (o && trace_file_is(o->f, to)) {
				t = o;
				t->refs++;
			}
		}
		if (!t && !(t = trace_file_open(to, err, errlen)))
			return -1;
		f = t->f;
	}
	trace_file_put(g->trace_file);
	g->trace_file = t;
	g->dg.trace = f;
	return 0;
}

void pool_guest_destroy(struct pb_pool *p, struct pb_guest *g)
{
	while (g->topo.count > 0)
		pool_release(p, pool_dev_of(g->topo.e[g->topo.count - 1].priv));
	for (size_t i = 0; i < p->nguests; i++)
		if (p->guests[i] == g) {
			p->guests[i] = p->guests[--p->nguests];
			break;
		}
	dispatch_guest_fini(&g->dg);
	trace_file_put(g->trace_file);
	free(g);
}

int pool_dev_assignable(const struct pb_pool_dev *pd, char *err, size_t errlen)
{
	char a[PB_BDF_STRLEN];
	pb_bdf_format(&pd->dev.host->addr, a);
	if (pd->quarantined) {
		snprintf(err, errlen, "%s is quarantined (%s)", a, pd->reason);
		return -1;
	}
	if (pd->owner) {
		snprintf(err, errlen, "%s is already assigned to guest %s", a, pd->owner->name);
		return -1;
	}
	if (pd->releasing) {
		snprintf(err, errlen, "%s is being reset after leaving its guest, try again", a);
		return -1;
	}
	return 0;
}

int pool_assign(struct pb_pool *p, struct pb_guest *g, struct pb_pool_dev *pd, struct pb_bdf *vaddr, char *err,
		size_t errlen)
{
	(void)p;
	if (pool_dev_assignable(pd, err, errlen))
		return -1;
	if (topo_add(&g->topo, pd->dev.host, &pd->dev, vaddr, err, errlen))
		return -1;
	pd->owner = g;
	return 0;
}

/* The host layer's release: quiesce, reset, restore.  Touches only pd's hostdev (the worker may run it). */
static void release_host(struct pb_pool_dev *pd)
{
	struct hostdev *hd = pd->dev.host;
	char *why = pd->release_why;
	size_t whylen = sizeof(pd->release_why);
	int rc = 0;
	why[0] = '\0';
	if (hd->ops->release) {
		/* The host layer's own sequence (real devices: quiesce, reset, restore, check). */
		rc = hd->ops->release(hd, why, whylen);
	} else {
		hostdev_quiesce(hd);
		if (hd->ops->disable)
			hd->ops->disable(hd);
		if (hd->ops->reset)
			rc = hd->ops->reset(hd);
		if (rc)
			snprintf(why, whylen, "reset failed: %s", strerror(-rc));
	}
	pd->release_rc = rc;
}

/* Marks pd quarantined with reason, put before a reason it already had. */
static void apply_quarantine(struct pb_pool_dev *pd, const char *reason)
{
	char why[2 * sizeof(pd->reason)];
	if (pd->quarantined && pd->reason[0])
		snprintf(why, sizeof(why), "%s; %s", reason, pd->reason);
	else
		snprintf(why, sizeof(why), "%s", reason);
	snprintf(pd->reason, sizeof(pd->reason), "%.*s", (int)sizeof(pd->reason) - 1, why);
	if (!pd->quarantined) {
		char a[PB_BDF_STRLEN];
		pd->quarantined = true;
		pb_err("%s quarantined: %s", pb_bdf_format(&pd->dev.host->addr, a), pd->reason);
	}
}

/* After release_host, on the loop: the config engine's state, the XSA-302 check, the device free or quarantined. */
static int release_finish(struct pb_pool_dev *pd)
{
	struct hostdev *hd = pd->dev.host;
	int rc = pd->release_rc;
	char *why = pd->release_why;
	cfg_dev_release(pd->dev.cfg);
	/*
	 * Whatever the reset and the restore left, the device goes back with no
	 * DMA and no interrupts (XSA-302); one that will not stop is quarantined.
	 */
	if (!rc) {
		int q = hostdev_quiesce(hd);
		uint32_t cmd;
		if (q != -EROFS && (hostdev_read(hd, PCI_COMMAND, 2, &cmd) || (cmd & PCI_COMMAND_MASTER))) {
			rc = -EIO;
			snprintf(why, sizeof(pd->release_why), "bus mastering still on after reset");
		}
	}
	if (rc) {
		char a[PB_BDF_STRLEN];
		pd->quarantined = true;
		snprintf(pd->reason, sizeof(pd->reason), "%s", why[0] ? why : strerror(-rc));
		pb_err("%s quarantined: %s", pb_bdf_format(&hd->addr, a), pd->reason);
	}
	if (pd->quarantine_reason[0]) {
		apply_quarantine(pd, pd->quarantine_reason);
		pd->quarantine_reason[0] = '\0';
	}
	/* Only now, reset and restored (or quarantined), is the device free again. */
	pd->owner = NULL;
	pd->releasing = false;
	return rc ? -1 : 0;
}

static void release_work(struct bgw_job *j)
{
	release_host((struct pb_pool_dev *)((char *)j - offsetof(struct pb_pool_dev, release_job)));
}

static void release_done(struct bgw_job *j)
{
	struct pb_pool_dev *pd = (struct pb_pool_dev *)((char *)j - offsetof(struct pb_pool_dev, release_job));
	struct pb_pool *p = pd->release_pool;
	char a[PB_BDF_STRLEN];
	if (!release_finish(pd))
		pb_info("%s released: reset and restored", pb_bdf_format(&pd->dev.host->addr, a));
	if (p->on_released)
		p->on_released(p->on_released_arg, pd);
}

int pool_start_release_worker(struct pb_pool *p, struct evloop *l, char *err, size_t errlen)
{
	if (p->relw)
		return 0;
	p->relw = bgw_new(l, err, errlen);
	if (!p->relw)
		return -1;
	for (size_t i = 0; i < p->nguests; i++) /* their AER resets too */
		p->guests[i]->dg.bgw = p->relw;
	return 0;
}

void pool_wait_releases(struct pb_pool *p)
{
	if (p->relw)
		bgw_drain(p->relw);
}

int pool_release(struct pb_pool *p, struct pb_pool_dev *pd)
{
	if (!pd->owner)
		return 0;
	dispatch_irq_release(&pd->owner->dg, &pd->dev);
	/* An op waiting for this device is still answered, but the device is the release path's now. */
	dispatch_dev_gone(&pd->owner->dg, &pd->dev);
	/* No recovery may point at a device the guest no longer has (the transport clears its page's bit first). */
	aer_forget(&pd->owner->dg.aer, NULL, &pd->dev);
	topo_remove(&pd->owner->topo, &pd->dev);
	if (p->relw && pd->dev.host->slow_reset) {
		/* The reset may take long: the worker runs it, the loop goes on serving everyone else. */
		char a[PB_BDF_STRLEN];
		pb_info("%s left guest %s: being reset", pb_bdf_format(&pd->dev.host->addr, a), pd->owner->name);
		pd->owner = NULL;
		pd->releasing = true;
		pd->release_pool = p;
		pd->release_job = (struct bgw_job){ .work = release_work, .done = release_done };
		bgw_submit(p->relw, &pd->release_job);
		return POOL_RELEASING;
	}
	release_host(pd);
	return release_finish(pd);
}

int pool_quarantine(struct pb_pool *p, struct pb_pool_dev *pd, const char *reason)
{
	if (pd->owner || pd->releasing) {
		/* Marked once its release is over, after the release's own verdict. */
		snprintf(pd->quarantine_reason, sizeof(pd->quarantine_reason), "%s", reason);
		if (pd->releasing)
			return POOL_RELEASING;
		return pool_release(p, pd);
	}
	apply_quarantine(pd, reason);
	return 0;
}

void pool_fini(struct pb_pool *p)
{
	while (p->nguests)
		pool_guest_destroy(p, p->guests[p->nguests - 1]);
	/* Every device back from its reset (or quarantined) before anything is freed. */
	bgw_free(p->relw);
	p->relw = NULL;
	for (size_t i = 0; i < p->ndevs; i++) {
		cfg_dev_free(p->devs[i]->dev.cfg);
		hostdev_destroy(p->devs[i]->dev.host);
		free(p->devs[i]);
	}
	p->ndevs = 0;
}
