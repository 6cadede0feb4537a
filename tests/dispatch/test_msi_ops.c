/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * MSI / MSI-X ops as scripted op sequences (XSA-157 rules): each expects the
 * kernel backend's error code, no state change on failure, and balanced
 * map/unmap counts on the interrupt provider.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dispatch/dispatch.h"
#include "dispatch/trace.h"
#include "host/sim_irq.h"
#include "host/simdev.h"
#include "one_guest.h"

static const char *fixtures;

struct fixture {
	struct one_guest og;
	struct sim_irq irq;
	unsigned msi_cap, msix_cap;
	struct hostdev *hd; /* og.hd */
};

/* Myricom NIC: MSI at 0x44 and MSI-X (128 entries) at 0xd0. */
static int setup(void **state)
{
	static struct fixture f;
	memset(&f, 0, sizeof(f));
	one_guest_init(&f.og, fixtures, "cap-address-xlation.lspci#02:00.0");
	f.hd = f.og.hd;
	hostdev_quiesce(f.hd);
	f.hd->ops->enable(f.hd); /* memory decoding on, as after the guest's command write */
	sim_irq_init(&f.irq);
	f.og.g.irqp = &f.irq.provider;
	f.og.g.domid = 5;
	f.msi_cap = hostdev_find_cap(f.hd, 0x05);
	f.msix_cap = hostdev_find_cap(f.hd, 0x11);
	assert_int_equal(f.msi_cap, 0x44);
	assert_int_equal(f.msix_cap, 0xd0);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	dispatch_irq_release(&f->og.g, &f->og.dev);
	assert_int_equal(sim_irq_live(&f->irq), 0);
	one_guest_fini(&f->og);
	return 0;
}

static void op(struct fixture *f, uint32_t cmd, uint32_t value)
{
	memset(&f->og.sh.op, 0, sizeof(f->og.sh.op));
	f->og.sh.op.cmd = cmd;
	f->og.sh.op.value = value;
	for (unsigned i = 0; i < PCIIF_MAX_VEC; i++) {
		f->og.sh.op.msix_entries[i].entry = (uint16_t)i;
		f->og.sh.op.msix_entries[i].vector = 0xffff;
	}
	f->og.sh.flags = PCIIF_FLAG_F_ACTIVE;
	assert_true(dispatch_pending(&f->og.g, &f->og.sh));
}

/* op, which must succeed. */
static void op_ok(struct fixture *f, uint32_t cmd, uint32_t value)
{
	op(f, cmd, value);
	assert_int_equal(f->og.sh.op.err, 0);
}

static uint32_t ctl(struct fixture *f, unsigned cap)
{
	uint32_t v;
	hostdev_read(f->hd, cap + 2, 2, &v);
	return v;
}

static void test_enable_msi_twice(void **state)
{
	struct fixture *f = *state;
	op(f, PCIIF_OP_ENABLE_MSI, 0);
	assert_int_equal(f->og.sh.op.err, 0);
	uint32_t pirq = f->og.sh.op.value;
	assert_int_not_equal(pirq, 0);
	assert_true(ctl(f, f->msi_cap) & 1);
	op(f, PCIIF_OP_ENABLE_MSI, 0);
	assert_int_equal(f->og.sh.op.err, PCIIF_ERR_OP_FAILED);
	assert_int_equal(f->og.sh.op.value, 0);
	assert_int_equal(sim_irq_live(&f->irq), 1);
	assert_true(f->og.dev.irq.msi_on);
	assert_int_equal(f->og.dev.irq.msi_pirq, pirq);
	op(f, PCIIF_OP_DISABLE_MSI, 0);
	assert_int_equal(f->og.sh.op.err, 0);
	assert_int_equal(f->og.sh.op.value, f->hd->irq); /* INTx comes back */
	assert_false(ctl(f, f->msi_cap) & 1);
	assert_int_equal(f->irq.maps, f->irq.unmaps);
}

static void test_msix_while_msi(void **state)
{
	struct fixture *f = *state;
	op(f, PCIIF_OP_ENABLE_MSI, 0);
	assert_int_equal(f->og.sh.op.err, 0);
	op(f, PCIIF_OP_ENABLE_MSIX, 4);
	assert_int_equal(f->og.sh.op.err, -ENXIO);
	assert_int_equal(f->og.sh.op.value, 4); /* early refusals leave value = nvec */
	assert_false(f->og.dev.irq.msix_on);
	assert_false(ctl(f, f->msix_cap) & 0x8000);
	assert_int_equal(sim_irq_live(&f->irq), 1);
	/* And MSI while MSI-X is on. */
	op(f, PCIIF_OP_DISABLE_MSI, 0);
	op(f, PCIIF_OP_ENABLE_MSIX, 4);
	assert_int_equal(f->og.sh.op.err, 0);
	op(f, PCIIF_OP_ENABLE_MSI, 0);
	assert_int_equal(f->og.sh.op.err, PCIIF_ERR_OP_FAILED);
	assert_int_equal(sim_irq_live(&f->irq), 4);
}

static void test_msix_memory_decoding_off(void **state)
{
	struct fixture *f = *state;
	uint32_t cmd;
	hostdev_read(f->hd, 4, 2, &cmd);
	hostdev_write(f->hd, 4, 2, cmd & ~2u);
	op(f, PCIIF_OP_ENABLE_MSIX, 8);
	assert_int_equal(f->og.sh.op.err, -ENXIO);
	assert_int_equal(f->og.sh.op.value, 8);
	assert_int_equal(f->irq.maps, 0);
	assert_false(ctl(f, f->msix_cap) & 0x8000);
}

static void test_msix_vf_checks_pf_memory(void **state)
{
	struct fixture *f = *state;
	char spec[512], err[300];
	snprintf(spec, sizeof(spec), "%s/cap-pcie-2.lspci#01:00.0", fixtures);
	struct hostdev *pf = simdev_load(spec, err, sizeof(err));
	uint32_t cmd;
	hostdev_read(pf, 4, 2, &cmd);
	hostdev_write(pf, 4, 2, cmd & ~2u);
	f->hd->physfn = pf; /* the VF's own decoding is on, its PF's is off */
	op(f, PCIIF_OP_ENABLE_MSIX, 2);
	assert_int_equal(f->og.sh.op.err, -ENXIO);
	hostdev_write(pf, 4, 2, cmd | 2u);
	op(f, PCIIF_OP_ENABLE_MSIX, 2);
	assert_int_equal(f->og.sh.op.err, 0);
	f->hd->physfn = NULL;
	hostdev_destroy(pf);
}

static void test_nvec_129(void **state)
{
	struct fixture *f = *state;
	op(f, PCIIF_OP_ENABLE_MSIX, 129);
	assert_int_equal(f->og.sh.op.err, -EINVAL);
	assert_int_equal(f->og.sh.op.value, 129);
	assert_int_equal(f->irq.maps, 0);
	op(f, PCIIF_OP_ENABLE_MSIX, 0xffffffff);
	assert_int_equal(f->og.sh.op.err, -EINVAL);
	op(f, PCIIF_OP_ENABLE_MSIX, 0);
	assert_int_equal(f->og.sh.op.err, -EINVAL);
	assert_int_equal(f->og.sh.op.value, (uint32_t)-EINVAL);
	assert_int_equal(f->irq.maps, 0);
	/* 128 is allowed, with one vector per entry. */
	op(f, PCIIF_OP_ENABLE_MSIX, 128);
	assert_int_equal(f->og.sh.op.err, 0);
	assert_int_equal(f->og.sh.op.value, 0);
	for (unsigned i = 0; i < 128; i++)
		assert_int_not_equal(f->og.sh.op.msix_entries[i].vector, 0xffff);
	assert_int_equal(sim_irq_live(&f->irq), 128);
}

static void test_table_of_2048(void **state)
{
	struct fixture *f = *state;
	simdev_poke(f->hd, f->msix_cap + 2, 2, 0x07ff); /* the device claims 2048 entries */
	op(f, PCIIF_OP_ENABLE_MSIX, 128);
	assert_int_equal(f->og.sh.op.err, 0);
	assert_int_equal(sim_irq_live(&f->irq), 128);
	op(f, PCIIF_OP_DISABLE_MSIX, 0);
	/* A small table bounds the entries: entry 2 of a 2-entry table is refused. */
	simdev_poke(f->hd, f->msix_cap + 2, 2, 0x0001);
	op(f, PCIIF_OP_ENABLE_MSIX, 3);
	assert_int_equal(f->og.sh.op.err, -EINVAL);
	assert_int_equal(sim_irq_live(&f->irq), 0);
	assert_false(f->og.dev.irq.msix_on);
}

static void test_duplicate_entries(void **state)
{
	struct fixture *f = *state;
	memset(&f->og.sh.op, 0, sizeof(f->og.sh.op));
	f->og.sh.op.cmd = PCIIF_OP_ENABLE_MSIX;
	f->og.sh.op.value = 2;
	f->og.sh.op.msix_entries[0].entry = 1;
	f->og.sh.op.msix_entries[1].entry = 1;
	f->og.sh.flags = PCIIF_FLAG_F_ACTIVE;
	assert_true(dispatch_pending(&f->og.g, &f->og.sh));
	assert_int_equal(f->og.sh.op.err, -EINVAL);
	assert_int_equal(f->irq.maps, 0);
}

static void test_disable_without_enable(void **state)
{
	struct fixture *f = *state;
	op(f, PCIIF_OP_DISABLE_MSI, 0);
	assert_int_equal(f->og.sh.op.err, 0);
	assert_int_equal(f->og.sh.op.value, f->hd->irq);
	op(f, PCIIF_OP_DISABLE_MSIX, 0);
	assert_int_equal(f->og.sh.op.err, 0);
	assert_int_equal(f->og.sh.op.value, f->hd->irq);
	assert_int_equal(f->irq.maps + f->irq.unmaps, 0);
	size_t n;
	simdev_writes(f->hd, &n);
	(void)n;
	assert_false(ctl(f, f->msi_cap) & 1);
	assert_false(ctl(f, f->msix_cap) & 0x8000);
}

static void test_provider_fails_halfway(void **state)
{
	struct fixture *f = *state;
	f->irq.fail_after = 5;
	op(f, PCIIF_OP_ENABLE_MSIX, 8);
	assert_int_equal(f->og.sh.op.err, -ENOSPC);
	assert_int_equal(f->og.sh.op.value, (uint32_t)-ENOSPC);
	assert_int_equal(f->irq.maps, 5);
	assert_int_equal(f->irq.unmaps, 5);
	assert_false(f->og.dev.irq.msix_on);
	assert_false(ctl(f, f->msix_cap) & 0x8000);
	/* Vectors are not written back on failure. */
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(f->og.sh.op.msix_entries[i].vector, 0xffff);
	/* And the device can still be enabled afterwards. */
	op(f, PCIIF_OP_ENABLE_MSIX, 8);
	assert_int_equal(f->og.sh.op.err, 0);
	assert_true(ctl(f, f->msix_cap) & 0x8000);
	assert_int_equal(sim_irq_live(&f->irq), 8);
}

static void test_writeback_only_nvec_vectors(void **state)
{
	struct fixture *f = *state;
	op(f, PCIIF_OP_ENABLE_MSIX, 3);
	assert_int_equal(f->og.sh.op.err, 0);
	for (unsigned i = 0; i < 3; i++)
		assert_int_not_equal(f->og.sh.op.msix_entries[i].vector, 0xffff);
	for (unsigned i = 3; i < PCIIF_MAX_VEC; i++)
		assert_int_equal(f->og.sh.op.msix_entries[i].vector, 0xffff);
	op(f, PCIIF_OP_ENABLE_MSIX, 3);
	assert_int_equal(f->og.sh.op.err, -EALREADY);
	assert_int_equal(f->og.sh.op.value, 3);
	assert_int_equal(sim_irq_live(&f->irq), 3);
}

/* enable_msix's trace line carries the entries asked for and the vectors answered; they read back. */
static void test_trace_msix(void **state)
{
	struct fixture *f = *state;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	f->og.g.trace = mem;
	op(f, PCIIF_OP_ENABLE_MSIX, 3);
	uint16_t got[3];
	for (unsigned i = 0; i < 3; i++)
		got[i] = f->og.sh.op.msix_entries[i].vector;
	fclose(mem);
	f->og.g.trace = NULL;
	assert_int_equal(f->og.sh.op.err, 0);
	assert_non_null(strstr(buf, "\"op\":\"enable_msix\",\"cmd\":4,"));
	assert_non_null(strstr(buf, "\"entries\":[0,1,2],\"vectors\":["));
	struct trace_rec r;
	char err[200];
	buf[strcspn(buf, "\n")] = 0;
	if (trace_read_line(buf, &r, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(r.op.cmd, PCIIF_OP_ENABLE_MSIX);
	assert_int_equal(r.op.value, 3);
	assert_int_equal(r.nvec, 3);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(r.op.msix_entries[i].entry, i);
		assert_int_equal(r.vectors[i], got[i]);
	}
	free(buf);
}

static void test_release_unmaps(void **state)
{
	struct fixture *f = *state;
	op(f, PCIIF_OP_ENABLE_MSIX, 6);
	assert_int_equal(sim_irq_live(&f->irq), 6);
	dispatch_irq_release(&f->og.g, &f->og.dev);
	assert_int_equal(sim_irq_live(&f->irq), 0);
	assert_false(ctl(f, f->msix_cap) & 0x8000);
}

static void test_no_provider(void **state)
{
	struct fixture *f = *state;
	f->og.g.irqp = NULL;
	op(f, PCIIF_OP_ENABLE_MSI, 0);
	assert_int_equal(f->og.sh.op.err, PCIIF_ERR_NOT_IMPLEMENTED);
	f->og.g.irqp = &f->irq.provider;
}

/*
 * Linux's pcifront tears MSI-X down with disable_msi (its msix_enabled check
 * runs after the PCI core cleared the flag): taken as the disable_msix it
 * meant, so the driver's next enable_msix works instead of -EALREADY.
 */
static void test_disable_msi_after_msix_disables_msix(void **state)
{
	struct fixture *f = *state;
	op_ok(f, PCIIF_OP_ENABLE_MSIX, 4);
	op_ok(f, PCIIF_OP_DISABLE_MSI, 0);
	assert_int_equal(f->og.sh.op.value, f->hd->irq);
	assert_false(f->og.dev.irq.msix_on);
	assert_false(ctl(f, f->msix_cap) & 0x8000);
	assert_int_equal(sim_irq_live(&f->irq), 0);
	op_ok(f, PCIIF_OP_ENABLE_MSIX, 4);
	assert_true(ctl(f, f->msix_cap) & 0x8000);
	assert_int_equal(sim_irq_live(&f->irq), 4);
}

/* --exact-msi-ops: the kernel backend's answers, bug included. */
static void test_exact_msi_ops_keeps_msix(void **state)
{
	struct fixture *f = *state;
	f->og.g.exact_msi_ops = true;
	op_ok(f, PCIIF_OP_ENABLE_MSIX, 4);
	op_ok(f, PCIIF_OP_DISABLE_MSI, 0);
	assert_int_equal(f->og.sh.op.value, f->hd->irq);
	assert_true(f->og.dev.irq.msix_on);
	assert_true(ctl(f, f->msix_cap) & 0x8000);
	op(f, PCIIF_OP_ENABLE_MSIX, 4);
	assert_int_equal(f->og.sh.op.err, -EALREADY);
	assert_int_equal(sim_irq_live(&f->irq), 4);
}

/* MSI on: disable_msi disables MSI, whatever the flag. */
static void test_disable_msi_with_msi_on_is_msi(void **state)
{
	struct fixture *f = *state;
	op_ok(f, PCIIF_OP_ENABLE_MSI, 0);
	op(f, PCIIF_OP_DISABLE_MSI, 0);
	assert_false(f->og.dev.irq.msi_on);
	assert_false(ctl(f, f->msi_cap) & 1);
	assert_int_equal(sim_irq_live(&f->irq), 0);
}

/*
 * MSI on in hardware (a permissive guest's flags write), MSI-X enabled by an
 * op: disable_msi is an MSI disable, MSI-X and its vectors stay.
 */
static void test_disable_msi_with_msi_on_in_hw_keeps_msix(void **state)
{
	struct fixture *f = *state;
	op_ok(f, PCIIF_OP_ENABLE_MSIX, 4);
	hostdev_write(f->hd, f->msix_cap + 2, 2, ctl(f, f->msix_cap) & ~0x8000u);
	hostdev_write(f->hd, f->msi_cap + 2, 2, ctl(f, f->msi_cap) | 1u);
	op_ok(f, PCIIF_OP_DISABLE_MSI, 0);
	assert_false(ctl(f, f->msi_cap) & 1);
	assert_true(f->og.dev.irq.msix_on);
	assert_int_equal(sim_irq_live(&f->irq), 4);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
int main(int argc, char **argv)
{
	fixtures = argc > 1 ? argv[1] : "fixtures/lspci";
	const struct CMUnitTest tests[] = {
		T(test_enable_msi_twice), T(test_msix_while_msi), T(test_msix_memory_decoding_off),
		T(test_msix_vf_checks_pf_memory), T(test_nvec_129), T(test_table_of_2048), T(test_duplicate_entries),
		T(test_disable_without_enable), T(test_provider_fails_halfway), T(test_writeback_only_nvec_vectors), T(test_trace_msix),
		T(test_release_unmaps), T(test_no_provider), T(test_disable_msi_after_msix_disables_msix),
		T(test_exact_msi_ops_keeps_msix), T(test_disable_msi_with_msi_on_is_msi),
		T(test_disable_msi_with_msi_on_in_hw_keeps_msix),
	};
	return cmocka_run_group_tests_name("msi_ops", tests, NULL, NULL);
}
