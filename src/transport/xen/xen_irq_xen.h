/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The Xen PIRQ hypervisor calls over libxenctrl (only built with libxen). */
#ifndef PCIBACKD_TRANSPORT_XEN_XEN_IRQ_XEN_H
#define PCIBACKD_TRANSPORT_XEN_XEN_IRQ_XEN_H

#include <stddef.h>

#include "transport/xen/xen_irq.h"

/* Opens libxenctrl; NULL + err. */
struct xen_irq_hyp *xen_irq_hyp_open(char *err, size_t errlen);
void xen_irq_hyp_close(struct xen_irq_hyp *h);

#endif
