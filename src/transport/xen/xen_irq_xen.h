/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The Xen PIRQ hypervisor calls over libxenctrl (only built with libxen). */
#ifndef PCIBACKD_TRANSPORT_XEN_XEN_IRQ_XEN_H
#define PCIBACKD_TRANSPORT_XEN_XEN_IRQ_XEN_H

#include <stddef.h>

#include "transport/xen/xen_irq.h"
#include "transport/xen/xen_libs.h"

/* The calls on the process's libxenctrl and libxencall handles (opened in libs when not yet); NULL + err. */
struct xen_irq_hyp *xen_irq_hyp_open(struct xen_libs *libs, char *err, size_t errlen);
void xen_irq_hyp_close(struct xen_irq_hyp *h);

#endif
