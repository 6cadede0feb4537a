/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The Xen interrupt provider maps all or nothing and always unmaps what it mapped. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "transport/xen/xen_irq.h"

struct fake_hyp {
	struct xen_irq_hyp hyp;
	int next_pirq;
	int fail_at;                 /* the n-th map call fails (1-based), 0: never */
	int calls;
	int mapped[256];
	unsigned nmapped;
	uint32_t last_domid;
	unsigned last_entry;
	uint64_t last_table;
};

static int f_map(struct xen_irq_hyp *h, uint32_t domid, const struct pb_bdf *dev, unsigned entry, uint64_t table,
		 int *pirq)
{
	struct fake_hyp *f = (struct fake_hyp *)h;
	f->calls++;
	f->last_domid = domid;
	f->last_entry = entry;
	f->last_table = table;
	if (f->fail_at && f->calls == f->fail_at)
		return -ENOSPC;
	*pirq = f->next_pirq++;
	f->mapped[f->nmapped++] = *pirq;
	return 0;
}

static int f_unmap(struct xen_irq_hyp *h, uint32_t domid, int pirq)
{
	struct fake_hyp *f = (struct fake_hyp *)h;
	for (unsigned i = 0; i < f->nmapped; i++)
		if (f->mapped[i] == pirq) {
			f->mapped[i] = f->mapped[--f->nmapped];
			return 0;
		}
	return -ENOENT;
}

static const struct xen_irq_hyp_ops fops = { .map = f_map, .unmap = f_unmap };

static void init(struct fake_hyp *f, struct xen_irq_dev *d)
{
	memset(f, 0, sizeof(*f));
	f->hyp.ops = &fops;
	f->next_pirq = 100;
	struct pb_bdf a = { 0, 3, PB_DEVFN(0, 0) };
	xen_irq_dev_init(d, &f->hyp, 9, &a);
}

static void test_msi(void **state)
{
	struct fake_hyp f;
	struct xen_irq_dev d;
	init(&f, &d);
	int p;
	assert_int_equal(xen_irq_provider.map_msi(&d, &p), 0);
	assert_int_equal(p, 100);
	assert_int_equal(f.last_domid, 9); /* the guest's PIRQ space */
	assert_int_equal(xen_irq_provider.map_msi(&d, &p), -EALREADY);
	uint16_t e = 0;
	int pirqs[1];
	assert_int_equal(xen_irq_provider.map_msix(&d, 0xfe000000, 1, &e, pirqs), -EALREADY);
	assert_int_equal(xen_irq_provider.unmap_all(&d), 0);
	assert_int_equal(f.nmapped, 0);
	assert_int_equal(d.kind, XEN_IRQ_NONE);
}

static void test_msix_all_or_nothing(void **state)
{
	struct fake_hyp f;
	struct xen_irq_dev d;
	init(&f, &d);
	uint16_t entries[8] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	int pirqs[8];
	f.fail_at = 5;
	assert_int_equal(xen_irq_map_msix(&d, 0xfe001000, 8, entries, pirqs), -ENOSPC);
	assert_int_equal(f.nmapped, 0); /* the 4 mapped before the failure were unmapped */
	assert_int_equal(d.n, 0);
	f.fail_at = 0;
	assert_int_equal(xen_irq_map_msix(&d, 0xfe001000, 8, entries, pirqs), 0);
	assert_int_equal(f.nmapped, 8);
	assert_int_equal(f.last_entry, 7);
	assert_int_equal(f.last_table, 0xfe001000);
	for (int i = 0; i < 8; i++)
		assert_true(pirqs[i] > 0);
	assert_int_equal(xen_irq_map_msix(&d, 0, 0, entries, pirqs), -EINVAL);
	assert_int_equal(xen_irq_map_msix(&d, 0, PCIIF_MAX_VEC + 1, entries, pirqs), -EINVAL);
	xen_irq_unmap_all(&d);
	assert_int_equal(f.nmapped, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_msi),
		cmocka_unit_test(test_msix_all_or_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
