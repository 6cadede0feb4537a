/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The op dispatcher: copy the op from the shared page once, validate the copy, execute it on the
 * guest's device, write back only the result.
 */
#include "dispatch.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/bg_worker.h"
#include "dispatch/msi_ops.h"
#include "dispatch/trace.h"

/*
 * The reset before an AER slot_reset.  Like dom0's pci_restore_state
 * afterwards, the interrupts the guest had enabled through the MSI ops are
 * switched back on: their vectors stay mapped, the provider writes them into
 * the device again (on Xen the reset erased what Xen had programmed), so
 * hardware and bookkeeping agree again.
 *
 * A slow_reset device (the kernel's reset, hundreds of milliseconds) is reset
 * on the worker while the loop serves everyone else; the guest's own ops wait
 * until it is over (it is recovering that device: as the kernel blocks config
 * accesses during a reset), then the restore runs on the loop, the waiting op
 * is answered and slot_reset posted.
 */
struct aer_reset_job {
	struct bgw_job job;
	struct dispatch_guest *g;     /* NULL once the guest is gone */
	struct pb_dev *d;
	int rc;                       /* the reset's */
	struct aer_reset_job *next;   /* among g->aer_resets */
};

static struct dispatch_guest *guest_of(struct aer_state *a)
{
	return (struct dispatch_guest *)((char *)a - offsetof(struct dispatch_guest, aer));
}

static void aer_reset_work(struct bgw_job *j)
{
	struct aer_reset_job *r = (struct aer_reset_job *)j;
	r->rc = r->d->host->ops->reset(r->d->host);
}

/*
 * A reset is over.  Only the one the guest's recovery waits for (g->aer_reset)
 * restores the device and advances the recovery; one whose device left the
 * guest meanwhile (its release queued behind it on the same worker) just
 * ends.  Once none of the guest's resets runs (a slot or bus reset reaches
 * its other functions too), the op it posted meanwhile is served, and an op
 * that waits for its device (a D-state change, held during the resets or
 * begun now) has the transport arm its op timer.
 */
static void aer_reset_finished(struct bgw_job *j)
{
	struct aer_reset_job *r = (struct aer_reset_job *)j;
	struct dispatch_guest *g = r->g;
	if (g) {
		for (struct aer_reset_job **pp = &g->aer_resets; *pp; pp = &(*pp)->next)
			if (*pp == r) {
				*pp = r->next;
				break;
			}
		bool current = g->aer_reset == r;
		if (current) {
			g->aer_reset = NULL;
			/*
			 * The device is still the guest's (leaving makes its job not
			 * current): hardware and bookkeeping agree again, also when
			 * the recovery ended meanwhile and the device stayed
			 * (--aer-policy keep).
			 */
			if (!r->rc)
				dispatch_irq_restore(g, r->d, NULL);
		}
		bool answered = false;
		struct pciif_sharedinfo *sh = aer_page(&g->aer);
		if (!g->aer_resets && sh && (pciif_flags_load(sh) & PCIIF_FLAG_F_ACTIVE))
			answered = dispatch_pending(g, sh);
		aer_links_reset_done(&g->aer, pb_now_ms(), current, answered, g->inflight.busy);
	}
	free(r);
}

static bool aer_slot_reset(struct aer_state *a, struct pb_dev *d)
{
	struct dispatch_guest *g = guest_of(a);
	struct hostdev *hd = d->host;
	if (!hd->ops->reset)
		return false;
	if (g->bgw && hd->slow_reset) {
		/* One job per device: an earlier one, for a device that left meanwhile, may still run. */
		struct aer_reset_job *r = calloc(1, sizeof(*r));
		if (r) {
			*r = (struct aer_reset_job){ .job = { .work = aer_reset_work, .done = aer_reset_finished },
						     .g = g, .d = d, .next = g->aer_resets };
			g->aer_resets = r;
			g->aer_reset = r;
			bgw_submit(g->bgw, &r->job);
			return true;
		}
	}
	if (hd->ops->reset(hd))
		return false;
	dispatch_irq_restore(g, d, NULL);
	return false;
}

bool dispatch_dev_resetting(const struct dispatch_guest *g, const struct pb_dev *d)
{
	for (const struct aer_reset_job *r = g->aer_resets; r; r = r->next)
		if (r->d == d)
			return true;
	return false;
}

void dispatch_guest_init(struct dispatch_guest *g, const char *name, struct topology *topo)
{
	memset(g, 0, sizeof(*g));
	g->name = name;
	g->topo = topo;
	g->rl = (struct pb_ratelimit)PB_RATELIMIT_DEFAULT;
	aer_init(&g->aer, name, topo, &g->rl, aer_slot_reset);
	kick_throttle_init(&g->kicks);
}

void dispatch_guest_fini(struct dispatch_guest *g)
{
	for (struct aer_reset_job *r = g->aer_resets; r; r = r->next)
		r->g = NULL;
	g->aer_resets = NULL;
	g->aer_reset = NULL;
}

static struct pb_dev *lookup(struct dispatch_guest *g, const struct pciif_op *op)
{
	/* Full-width comparison against valid addresses: nothing aliases. */
	if (op->domain > 0xffff || op->bus > 0xff || op->devfn > 0xff)
		return NULL;
	const struct topo_entry *e = topo_get(g->topo, op->domain, op->bus, op->devfn);
	return e ? e->priv : NULL;
}

void dispatch_execute(struct dispatch_guest *g, const struct pciif_op *op, struct dispatch_result *res)
{
	res->err = PCIIF_ERR_SUCCESS;
	res->value = op->value;
	res->nvec = 0;
	res->wait_us = 0;
	res->wait_dev = NULL;

	switch (op->cmd) {
	case PCIIF_OP_CONF_READ:
	case PCIIF_OP_CONF_WRITE: {
		struct pb_dev *d = lookup(g, op);
		if (!d) {
			res->err = PCIIF_ERR_DEV_NOT_FOUND;
			res->value = op->cmd == PCIIF_OP_CONF_READ ? 0 : op->value;
			return;
		}
		if (op->cmd == PCIIF_OP_CONF_READ) {
			uint32_t v = 0;
			res->err = cfg_read(d->cfg, op->offset, op->size, &v);
			res->value = v;
		} else {
			unsigned wait_us;
			res->err = cfg_write(d->cfg, op->offset, op->size, op->value);
			if (cfg_pm_pending(d->cfg, &wait_us)) {
				if (!wait_us) {
					dispatch_after_wait(g, d);
				} else {
					res->wait_us = wait_us;
					res->wait_dev = d;
				}
			}
		}
		return;
	}
	case PCIIF_OP_ENABLE_MSI:
	case PCIIF_OP_DISABLE_MSI:
	case PCIIF_OP_ENABLE_MSIX:
	case PCIIF_OP_DISABLE_MSIX: {
		if (!g->irqp) {
			res->err = PCIIF_ERR_NOT_IMPLEMENTED;
			return;
		}
		struct pb_dev *d = lookup(g, op);
		if (!d) {
			res->err = PCIIF_ERR_DEV_NOT_FOUND;
			return;
		}
		msi_op(g, d, op, res);
		return;
	}
	default:
		res->err = PCIIF_ERR_NOT_IMPLEMENTED;
		return;
	}
}

void dispatch_after_wait(struct dispatch_guest *g, struct pb_dev *d)
{
	struct cfg_irq_hw was;
	if (cfg_pm_finish(d->cfg, &was))
		dispatch_irq_restore(g, d, &was);
}

/* Counts, writes back only the result fields (sh NULL: nowhere), traces, and clears _XEN_PCIF_active. */
static void answer(struct dispatch_guest *g, struct pciif_sharedinfo *sh, const struct pciif_op *op,
		   const struct dispatch_result *res, uint64_t t0)
{
	g->stats.ops++;
	g->stats.by_cmd[op->cmd < PCIIF_OP_COUNT ? op->cmd : PCIIF_OP_COUNT]++;
	if (res->err)
		g->stats.errors++;
	if (op->cmd >= PCIIF_OP_COUNT)
		pb_log_rl(&g->rl, PB_LOG_WARN, "guest %s: unknown op %" PRIu32, g->name, op->cmd);
	/* Off, the trace costs this test only: no clock, no formatting (t0 is 0 when it was off at the fetch). */
	if (g->trace)
		trace_op(g->trace, g->name, op, res, t0 ? pb_now_ns() - t0 : 0);
	if (!sh)
		return;
	/* Selective write-back: only the result fields. */
	__atomic_store_n(&sh->op.err, res->err, __ATOMIC_RELAXED);
	__atomic_store_n(&sh->op.value, res->value, __ATOMIC_RELAXED);
	for (uint32_t i = 0; i < res->nvec && i < PCIIF_MAX_VEC; i++)
		__atomic_store_n(&sh->op.msix_entries[i].vector, res->vectors[i], __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	pciif_flags_clear(sh, PCIIF_FLAG_F_ACTIVE);
}

bool dispatch_pending(struct dispatch_guest *g, struct pciif_sharedinfo *sh)
{
	if (g->inflight.busy || g->aer_resets || !(pciif_flags_load(sh) & PCIIF_FLAG_F_ACTIVE)) {
		g->stats.spurious++;
		return false;
	}
	/* The single fetch: everything below uses only this private copy. */
	struct pciif_op op;
	memcpy(&op, (const void *)&sh->op, sizeof(op));
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	__asm__ __volatile__("" ::: "memory");
	if (g->after_fetch)
		g->after_fetch(g->after_fetch_arg);

	uint64_t t0 = g->trace ? pb_now_ns() : 0;
	struct dispatch_result res;
	dispatch_execute(g, &op, &res);
	if (res.wait_us) {
		/* Answered later, from the transport's timer; +1: pb_now_ms() truncates. */
		struct dispatch_inflight *f = &g->inflight;
		f->busy = true;
		f->op = op;
		f->res = res;
		f->dev = res.wait_dev;
		f->sh = sh;
		f->due_ms = pb_now_ms() + (res.wait_us + 999) / 1000 + 1;
		f->t0 = t0;
		return false;
	}
	answer(g, sh, &op, &res, t0);
	return true;
}

/*
 * While one of the guest's AER resets runs, its op in flight waits too: what
 * follows a D-state change (dispatch_after_wait) writes to the device, which
 * is the worker's meanwhile; the reset's end arms the timer again (op_waits).
 */
uint64_t dispatch_deadline(const struct dispatch_guest *g)
{
	return g->inflight.busy && !g->aer_resets ? g->inflight.due_ms : 0;
}

struct pciif_sharedinfo *dispatch_complete(struct dispatch_guest *g, uint64_t now_ms)
{
	struct dispatch_inflight *f = &g->inflight;
	uint64_t due = dispatch_deadline(g);
	if (!due || now_ms < due)
		return NULL;
	f->busy = false;
	if (f->dev)
		dispatch_after_wait(g, f->dev);
	/*
	 * The answer lands on whatever op the guest has posted by now, as the
	 * kernel backend's does: a guest that took its op back and posted another
	 * gets that one answered with this result, without it running (it only
	 * misleads itself; doc/config-space.md).
	 */
	answer(g, f->sh, &f->op, &f->res, f->t0);
	return f->sh;
}

void dispatch_page_gone(struct dispatch_guest *g, const struct pciif_sharedinfo *sh)
{
	if (g->inflight.busy && g->inflight.sh == sh)
		g->inflight.sh = NULL;
}

void dispatch_dev_gone(struct dispatch_guest *g, const struct pb_dev *d)
{
	if (g->inflight.busy && g->inflight.dev == d)
		g->inflight.dev = NULL;
	/* Its reset runs on (dispatch_dev_resetting), but no longer advances the guest's recovery. */
	if (g->aer_reset && g->aer_reset->d == d)
		g->aer_reset = NULL;
}
