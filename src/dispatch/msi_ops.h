/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The MSI / MSI-X ops, with the kernel backend's checks, order and return values. */
#ifndef PCIBACKD_DISPATCH_MSI_OPS_H
#define PCIBACKD_DISPATCH_MSI_OPS_H

#include "dispatch/dispatch.h"

/* op->cmd is one of enable/disable msi/msix; op is the validated private copy. */
void msi_op(struct dispatch_guest *g, struct pb_dev *d, const struct pciif_op *op, struct dispatch_result *res);

#endif
