/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A fake hypervisor under the Xen interrupt provider (struct xen_irq_hyp):
 * PIRQs are numbers from 100 up, a map call can be made to fail, and every
 * call naming a device is logged in order.
 */
#ifndef PCIBACKD_TESTS_SUPPORT_FAKE_XEN_HYP_H
#define PCIBACKD_TESTS_SUPPORT_FAKE_XEN_HYP_H

#include <stdint.h>

#include "transport/xen/xen_irq.h"

#define FAKE_XEN_HYP_MAX_PIRQS 256

struct fake_xen_hyp {
	struct xen_irq_hyp hyp;
	char log[1024];      /* "map 02:00.0;prepare_msix 03:00.0;..." (unmap names no device: not logged) */
	int next_pirq;       /* the PIRQ the next map returns */
	int fail_at;         /* the n-th map call fails with -ENOSPC (1-based), 0: never */
	int maps;            /* map calls so far, failed ones too */
	int mapped[FAKE_XEN_HYP_MAX_PIRQS]; /* PIRQs mapped and not unmapped */
	unsigned nmapped;
	uint32_t last_domid; /* the last map call's arguments */
	unsigned last_entry;
	uint64_t last_table;
	struct pb_bdf last_dev; /* the device of the last map or restore_msi call */
	int prepare_rc;      /* what prepare_msix answers */
	int prepares, restores;
};

/* Empty log, nothing mapped, next PIRQ 100, every call succeeding. */
void fake_xen_hyp_init(struct fake_xen_hyp *f);

#endif
