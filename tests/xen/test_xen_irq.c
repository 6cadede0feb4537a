/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Xen interrupt provider under the op dispatcher: vectors are mapped in
 * the guest's PIRQ space with the MSI-X table's host address, the guest gets
 * those PIRQs, and a hypercall failing half-way leaves nothing mapped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>

#include "dispatch/dispatch.h"
#include "host/simdev.h"
#include "transport/xen/xen_irq.h"

#include "fake_xen_hyp.h"

static const char *fixtures;

struct fixture {
	struct fake_xen_hyp hyp;
	struct xen_irq xirq;
	struct hostdev *hd;
	struct pb_dev dev;
	struct topology topo;
	struct dispatch_guest g;
	struct pciif_sharedinfo sh;
};

/* Myricom NIC: MSI, and MSI-X with its table in BAR 2 (see the dump). */
static int setup(void **state)
{
	static struct fixture f;
	memset(&f, 0, sizeof(f));
	fake_xen_hyp_init(&f.hyp);
	xen_irq_provider_init(&f.xirq, &f.hyp.hyp);
	char spec[512], err[300];
	snprintf(spec, sizeof(spec), "%s/cap-address-xlation.lspci#02:00.0", fixtures);
	f.hd = simdev_load(spec, err, sizeof(err));
	assert_non_null(f.hd);
	hostdev_quiesce(f.hd);
	f.hd->ops->enable(f.hd);
	f.dev.host = f.hd;
	f.dev.cfg = cfg_dev_new(f.hd, NULL, err, sizeof(err));
	topo_init(&f.topo, TOPO_VPCI);
	assert_int_equal(topo_add(&f.topo, f.hd, &f.dev, NULL, err, sizeof(err)), 0);
	dispatch_guest_init(&f.g, "dom9", &f.topo);
	f.g.irqp = &f.xirq.provider;
	f.g.domid = 9;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	dispatch_irq_release(&f->g, &f->dev);
	assert_int_equal(f->hyp.nmapped, 0);
	cfg_dev_free(f->dev.cfg);
	hostdev_destroy(f->hd);
	return 0;
}

static void op(struct fixture *f, uint32_t cmd, uint32_t value)
{
	memset(&f->sh.op, 0, sizeof(f->sh.op));
	f->sh.op.cmd = cmd;
	f->sh.op.value = value;
	for (unsigned i = 0; i < PCIIF_MAX_VEC; i++)
		f->sh.op.msix_entries[i] = (struct pciif_msix_entry){ 0xffff, (uint16_t)i };
	f->sh.flags = PCIIF_FLAG_F_ACTIVE;
	assert_true(dispatch_pending(&f->g, &f->sh));
}

static void test_msi_in_guest_pirq_space(void **state)
{
	struct fixture *f = *state;
	op(f, PCIIF_OP_ENABLE_MSI, 0);
	assert_int_equal(f->sh.op.err, 0);
	assert_int_equal(f->sh.op.value, 100);
	assert_int_equal(f->hyp.last_domid, 9);
	assert_int_equal(f->hyp.last_table, 0);
	assert_true(pb_bdf_equal(&f->hyp.last_dev, &f->hd->addr));
	op(f, PCIIF_OP_DISABLE_MSI, 0);
	assert_int_equal(f->hyp.nmapped, 0);
}

static void test_msix_table_base(void **state)
{
	struct fixture *f = *state;
	uint64_t base;
	assert_int_equal(hostdev_msix_table_base(f->hd, &base), 0);
	uint32_t tbl;
	unsigned cap = hostdev_find_cap(f->hd, 0x11);
	hostdev_read(f->hd, cap + 4, 4, &tbl);
	assert_int_equal(base, f->hd->res[tbl & 7].start + (tbl & ~7u));
	op(f, PCIIF_OP_ENABLE_MSIX, 8);
	assert_int_equal(f->sh.op.err, 0);
	assert_int_equal(f->hyp.nmapped, 8);
	assert_int_equal(f->hyp.last_entry, 7);
	assert_int_equal(f->hyp.last_table, base);
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(f->sh.op.msix_entries[i].vector, 100 + i);
	op(f, PCIIF_OP_DISABLE_MSIX, 0);
	assert_int_equal(f->hyp.nmapped, 0);
}

static void test_hypercall_fails_halfway(void **state)
{
	struct fixture *f = *state;
	f->hyp.fail_at = 5;
	op(f, PCIIF_OP_ENABLE_MSIX, 8);
	assert_int_equal(f->sh.op.err, -ENOSPC);
	assert_int_equal(f->hyp.nmapped, 0); /* the 4 mapped before the failure were unmapped */
	assert_false(f->dev.irq.msix_on);
}

/* Xen learns the MSI-X table once per device, before the first vector; a refusal maps nothing. */
static void test_prepare_msix_once(void **state)
{
	struct fixture *f = *state;
	f->hyp.prepare_rc = -ENODEV;
	op(f, PCIIF_OP_ENABLE_MSIX, 2);
	assert_int_equal(f->sh.op.err, -ENODEV);
	assert_int_equal(f->hyp.maps, 0);
	f->hyp.prepare_rc = -EBUSY; /* already prepared: fine */
	op(f, PCIIF_OP_ENABLE_MSIX, 2);
	assert_int_equal(f->sh.op.err, 0);
	op(f, PCIIF_OP_DISABLE_MSIX, 0);
	op(f, PCIIF_OP_ENABLE_MSIX, 4);
	assert_int_equal(f->sh.op.err, 0);
	assert_int_equal(f->hyp.prepares, 2); /* not again once it succeeded */
	op(f, PCIIF_OP_DISABLE_MSIX, 0);
	/* MSI needs no preparation. */
	op(f, PCIIF_OP_ENABLE_MSI, 0);
	assert_int_equal(f->hyp.prepares, 2);
	op(f, PCIIF_OP_DISABLE_MSI, 0);
}

/* An AER slot reset erases what Xen programmed: Xen is asked to write the vectors back. */
static void test_slot_reset_restores_vectors(void **state)
{
	struct fixture *f = *state;
	op(f, PCIIF_OP_ENABLE_MSIX, 4);
	assert_int_equal(f->sh.op.err, 0);
	f->sh.flags = PCIIF_FLAG_B_AERHANDLER;
	struct aer_actions act;
	aer_inject(&f->g.aer, &f->sh, &f->dev, PCIIF_AER_IO_FROZEN, 0, &act);
	assert_int_equal(f->sh.aer_op.cmd, PCIIF_OP_AER_DETECTED);
	assert_int_equal(f->hyp.restores, 0);
	f->sh.aer_op.err = PCIIF_AER_RESULT_NEED_RESET;
	pciif_flags_clear(&f->sh, PCIIF_FLAG_B_ACTIVE);
	aer_poll(&f->g.aer, &f->sh, 1, &act);
	assert_int_equal(f->sh.aer_op.cmd, PCIIF_OP_AER_SLOTRESET);
	assert_int_equal(f->hyp.restores, 1);
	assert_true(pb_bdf_equal(&f->hyp.last_dev, &f->hd->addr));
	assert_int_equal(f->hyp.nmapped, 4); /* the vectors stay the guest's */
	aer_forget(&f->g.aer, &f->sh, &f->dev);
	op(f, PCIIF_OP_DISABLE_MSIX, 0);
}

int main(int argc, char **argv)
{
	fixtures = argc > 1 ? argv[1] : "fixtures/lspci";
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_msi_in_guest_pirq_space, setup, teardown),
		cmocka_unit_test_setup_teardown(test_msix_table_base, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hypercall_fails_halfway, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prepare_msix_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slot_reset_restores_vectors, setup, teardown),
	};
	return cmocka_run_group_tests_name("xen_irq", tests, NULL, NULL);
}
