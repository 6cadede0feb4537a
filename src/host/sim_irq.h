/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The simulated interrupt provider: counts maps and unmaps, fails on demand. */
#ifndef PCIBACKD_HOST_SIM_IRQ_H
#define PCIBACKD_HOST_SIM_IRQ_H

#include "host/irq_provider.h"

struct sim_irq {
	struct irq_provider provider;
	uint32_t next_pirq;
	unsigned maps, unmaps;        /* every successful map and unmap */
	int fail_after;               /* >= 0: the map after this many more succeeds fails with -ENOSPC */
};

void sim_irq_init(struct sim_irq *s);
/* Live mappings (maps - unmaps). */
static inline unsigned sim_irq_live(const struct sim_irq *s) { return s->maps - s->unmaps; }

#endif
