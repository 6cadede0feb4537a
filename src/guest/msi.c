/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcifront: the MSI and MSI-X ops, as Linux's frontend posts and checks them. */
#include <errno.h>
#include <string.h>

#include "guest/pf_conn.h"

static void op_init(struct pciif_op *op, uint32_t cmd, const struct pb_bdf *a)
{
	memset(op, 0, sizeof(*op));
	op->cmd = cmd;
	op->domain = a->domain;
	op->bus = a->bus;
	op->devfn = a->devfn;
}

int pf_enable_msi(struct pf_conn *c, const struct pb_bdf *a, uint32_t *pirq)
{
	struct pciif_op op;
	op_init(&op, PCIIF_OP_ENABLE_MSI, a);
	int r = pf_op(c, &op);
	if (r)
		return r;
	if (op.err)
		return op.err;
	if (op.value == 0)
		return -EINVAL; /* the frontend refuses pirq 0 */
	*pirq = op.value;
	return 0;
}

static int disable(struct pf_conn *c, uint32_t cmd, const struct pb_bdf *a, uint32_t *intx)
{
	struct pciif_op op;
	op_init(&op, cmd, a);
	int r = pf_op(c, &op);
	if (r)
		return r;
	*intx = op.value;
	return op.err;
}

int pf_disable_msi(struct pf_conn *c, const struct pb_bdf *a, uint32_t *intx)
{
	return disable(c, PCIIF_OP_DISABLE_MSI, a, intx);
}

int pf_disable_msix(struct pf_conn *c, const struct pb_bdf *a, uint32_t *intx)
{
	return disable(c, PCIIF_OP_DISABLE_MSIX, a, intx);
}

int pf_enable_msix(struct pf_conn *c, const struct pb_bdf *a, const uint16_t *entries, unsigned n,
		   uint16_t *vectors)
{
	if (n < 1 || n > PCIIF_MAX_VEC)
		return -EINVAL; /* the frontend's own limit, before posting */
	struct pciif_op op;
	op_init(&op, PCIIF_OP_ENABLE_MSIX, a);
	op.value = n;
	for (unsigned i = 0; i < n; i++) {
		op.msix_entries[i].entry = entries[i];
		op.msix_entries[i].vector = 0xffff;
	}
	int r = pf_op(c, &op);
	if (r)
		return r;
	if (op.err)
		return op.err;
	if (op.value)
		return (int)op.value;
	for (unsigned i = 0; i < n; i++) {
		if (op.msix_entries[i].vector == 0)
			return -EINVAL;
		vectors[i] = op.msix_entries[i].vector;
	}
	return 0;
}
