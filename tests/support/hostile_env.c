/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hostile-guest test environment: simulated devices behind a dispatcher with a shared page to post ops
 * on (see hostile_env.h).
 */
#include "hostile_env.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "core/pool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *henv_fixtures = ".";

struct henv *henv_new(const char *const *specs, const struct cfg_options *opts)
{
	struct henv *e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	topo_init(&e->topo, TOPO_VPCI);
	for (; specs[e->n] && e->n < HENV_MAX; e->n++) {
		char spec[512], err[300];
		snprintf(spec, sizeof(spec), "%s/%s", henv_fixtures, specs[e->n]);
		struct hostdev *hd = simdev_load(spec, err, sizeof(err));
		if (!hd) {
			fprintf(stderr, "%s\n", err);
			henv_free(e);
			return NULL;
		}
		e->hd[e->n] = hd;
		hostdev_quiesce(hd); /* as pool_add_device does on seize */
		e->dev[e->n].host = hd;
		e->dev[e->n].cfg = cfg_dev_new(hd, opts, err, sizeof(err));
		if (!e->dev[e->n].cfg || topo_add(&e->topo, hd, &e->dev[e->n], NULL, err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			e->n++;
			henv_free(e);
			return NULL;
		}
		simdev_clear_writes(hd);
	}
	dispatch_guest_init(&e->g, "hostile", &e->topo);
	sim_irq_init(&e->irq);
	e->g.irqp = &e->irq.provider;
	return e;
}

void henv_free(struct henv *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n; i++) {
		if (e->dev[i].cfg) {
			dispatch_irq_release(&e->g, &e->dev[i]);
			cfg_dev_free(e->dev[i].cfg);
		}
		hostdev_destroy(e->hd[i]);
	}
	free(e);
}

void henv_wait_inflight(struct henv *e)
{
	uint64_t due;
	while ((due = dispatch_deadline(&e->g)) != 0) {
		uint64_t now = pb_now_ms();
		if (now < due) {
			struct timespec ts = { 0, (long)(due - now) * 1000000L };
			nanosleep(&ts, NULL);
		}
		dispatch_complete(&e->g, pb_now_ms());
	}
}

int32_t henv_op(struct henv *e, uint32_t cmd, unsigned devfn, int32_t off, int32_t size, uint32_t *value)
{
	memset(&e->sh.op, 0, sizeof(e->sh.op));
	e->sh.op.cmd = cmd;
	e->sh.op.devfn = devfn;
	e->sh.op.offset = off;
	e->sh.op.size = size;
	e->sh.op.value = value ? *value : 0;
	pciif_flags_set(&e->sh, PCIIF_FLAG_F_ACTIVE);
	dispatch_pending(&e->g, &e->sh);
	henv_wait_inflight(e);
	if (value)
		*value = e->sh.op.value;
	return e->sh.op.err;
}

int32_t henv_read(struct henv *e, size_t i, int32_t off, int32_t size, uint32_t *val)
{
	*val = 0;
	return henv_op(e, PCIIF_OP_CONF_READ, PB_DEVFN(i, 0), off, size, val);
}

int32_t henv_write(struct henv *e, size_t i, int32_t off, int32_t size, uint32_t val)
{
	return henv_op(e, PCIIF_OP_CONF_WRITE, PB_DEVFN(i, 0), off, size, &val);
}

uint32_t henv_hw(struct henv *e, size_t i, unsigned off, unsigned size)
{
	const uint8_t *c = simdev_config(e->hd[i]);
	uint32_t v = 0;
	for (unsigned b = 0; b < size; b++)
		v |= (uint32_t)c[off + b] << (8 * b);
	return v;
}

size_t henv_writes_in(struct henv *e, size_t i, unsigned off, unsigned len)
{
	size_t n, hits = 0;
	const struct simdev_write *w = simdev_writes(e->hd[i], &n);
	for (size_t k = 0; k < n; k++)
		if (w[k].off < off + len && w[k].off + w[k].size > off)
			hits++;
	return hits;
}

struct pb_pool_dev *henv_pool_assign(struct pb_pool *pool, const char *spec, const char *guest)
{
	char path[512], err[300];
	snprintf(path, sizeof(path), "%s/%s", henv_fixtures, spec);
	struct hostdev *hd = simdev_load(path, err, sizeof(err));
	if (!hd)
		fail_msg("%s", err);
	struct pb_pool_dev *pd = pool_add_device(pool, hd, NULL, err, sizeof(err));
	if (!pd)
		fail_msg("%s", err);
	struct pb_guest *g = pool_guest(pool, guest, true);
	struct pb_bdf va;
	if (!g || pool_assign(pool, g, pd, &va, err, sizeof(err)))
		fail_msg("assigning %s to %s: %s", spec, guest, err);
	return pd;
}
