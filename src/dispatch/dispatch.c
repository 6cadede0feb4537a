/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "dispatch.h"

#include <inttypes.h>
#include <string.h>

#include "dispatch/msi_ops.h"
#include "dispatch/trace.h"

void dispatch_guest_init(struct dispatch_guest *g, const char *name, struct topology *topo)
{
	memset(g, 0, sizeof(*g));
	g->name = name;
	g->topo = topo;
	g->rl = (struct pb_ratelimit)PB_RATELIMIT_DEFAULT;
	aer_init(&g->aer);
	kick_throttle_init(&g->kicks);
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
			res->err = cfg_write(d->cfg, op->offset, op->size, op->value);
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

bool dispatch_pending(struct dispatch_guest *g, struct pciif_sharedinfo *sh)
{
	if (!(pciif_flags_load(sh) & PCIIF_FLAG_F_ACTIVE)) {
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

	g->stats.ops++;
	g->stats.by_cmd[op.cmd < PCIIF_OP_COUNT ? op.cmd : PCIIF_OP_COUNT]++;
	if (res.err)
		g->stats.errors++;
	if (op.cmd >= PCIIF_OP_COUNT)
		pb_log_rl(&g->rl, PB_LOG_WARN, "guest %s: unknown op %" PRIu32, g->name, op.cmd);

	/* Selective write-back: only the result fields. */
	__atomic_store_n(&sh->op.err, res.err, __ATOMIC_RELAXED);
	__atomic_store_n(&sh->op.value, res.value, __ATOMIC_RELAXED);
	for (uint32_t i = 0; i < res.nvec && i < PCIIF_MAX_VEC; i++)
		__atomic_store_n(&sh->op.msix_entries[i].vector, res.vectors[i], __ATOMIC_RELAXED);
	if (g->trace)
		trace_op(g->trace, g->name, &op, &res, pb_now_ns() - t0);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	pciif_flags_clear(sh, PCIIF_FLAG_F_ACTIVE);
	return true;
}
