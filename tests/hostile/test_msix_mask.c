/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * MSI-X table entries the guest was not given stay masked whenever pcibackd
 * itself turns MSI-X on: at the guest's enable_msix, and
 * when it switches MSI-X back on after a reset (the D3hot -> D0 soft reset,
 * the AER slot reset).  An unmapped entry left unmasked in the table (by a
 * previous driver, by whoever wrote the BAR, by a device whose reset keeps
 * its table) would let the device send whatever message it holds.  The
 * simulated device models the table; the simulated interrupt provider
 * programs the entries it maps as Xen does, and writes them again after a
 * reset as Xen's PHYSDEVOP_restore_msi_ext does.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/log.h"
#include "hostile_env.h"
#include "proto/pciif.h"

#define CMD_MEM 0x0002u
#define NVME_PM 0x40u   /* cap-dev3 01:00.0: PM (NoSoftRst-), MSI-X with 16 entries at 0xb0 */
#define NVME_MSIX 0xb0u
#define NVME_ENTRIES 16u
#define MSIX_ENABLE 0x8000u
#define PMCSR_PME_STATUS 0x8000u

static const unsigned mapped[] = { 0, 3, 7 };
#define NMAPPED (sizeof(mapped) / sizeof(mapped[0]))

static struct henv *nvme(void)
{
	const char *specs[] = { HENV_NVME, NULL };
	struct henv *e = henv_new(specs, NULL);
	assert_int_equal(henv_write(e, 0, 0x04, 2, CMD_MEM), 0);
	return e;
}

/* Every entry the guest was not given is unmasked, with a message in it, as a stale table would have it. */
static void unmask_unmapped(struct henv *e)
{
	for (unsigned i = 0; i < NVME_ENTRIES; i++) {
		bool is_mapped = false;
		for (size_t k = 0; k < NMAPPED; k++)
			is_mapped = is_mapped || mapped[k] == i;
		if (is_mapped)
			continue;
		const uint32_t stale[4] = { 0xfee01000u, 0, 0x40 + i, 0 };
		assert_int_equal(simdev_msix_set_entry(e->hd[0], i, stale), 0);
	}
}

/* The guest's enable_msix for the entries of mapped[]. */
static void enable_msix(struct henv *e)
{
	memset(&e->sh.op, 0, sizeof(e->sh.op));
	e->sh.op.cmd = PCIIF_OP_ENABLE_MSIX;
	e->sh.op.value = NMAPPED;
	for (size_t k = 0; k < NMAPPED; k++)
		e->sh.op.msix_entries[k].entry = (uint16_t)mapped[k];
	pciif_flags_set(&e->sh, PCIIF_FLAG_F_ACTIVE);
	dispatch_pending(&e->g, &e->sh);
	henv_wait_inflight(e);
	assert_int_equal(e->sh.op.err, 0);
	assert_true(henv_hw(e, 0, NVME_MSIX + 2, 2) & MSIX_ENABLE);
}

/* Mapped entries hold what the provider programmed (its pirq, unmasked); every other entry is masked. */
static void assert_table(struct henv *e)
{
	for (unsigned i = 0; i < NVME_ENTRIES; i++) {
		uint32_t v[4];
		assert_int_equal(simdev_msix_entry(e->hd[0], i, v), 0);
		size_t k = 0;
		while (k < NMAPPED && mapped[k] != i)
			k++;
		if (k < NMAPPED) {
			assert_int_equal(v[0], SIMDEV_MSIX_ADDR);
			assert_int_equal(v[2], e->dev[0].irq.msix_pirqs[k]);
			assert_int_equal(v[3] & 1u, 0);
		} else if (!(v[3] & 1u)) {
			fail_msg("MSI-X entry %u is not mapped for the guest but unmasked (data 0x%x)", i, v[2]);
		}
	}
}

static void guest_enable_masks_unmapped_entries(void **state)
{
	(void)state;
	struct henv *e = nvme();
	unmask_unmapped(e);
	enable_msix(e);
	assert_table(e);
	henv_free(e);
}

/* D3hot -> D0 soft-resets the function; the table written meanwhile; MSI-X back on with only the guest's entries. */
static void soft_reset_restore_masks_unmapped_entries(void **state)
{
	(void)state;
	struct henv *e = nvme();
	simdev_set_soft_reset(e->hd[0], true);
	enable_msix(e);
	uint32_t pmcsr = henv_hw(e, 0, NVME_PM + 4, 2) & ~(3u | PMCSR_PME_STATUS);
	assert_int_equal(henv_write(e, 0, NVME_PM + 4, 2, pmcsr | 3u), 0);
	/* The D0 write: the function resets at once, the restore comes when the transition's time is up. */
	memset(&e->sh.op, 0, sizeof(e->sh.op));
	e->sh.op.cmd = PCIIF_OP_CONF_WRITE;
	e->sh.op.offset = NVME_PM + 4;
	e->sh.op.size = 2;
	e->sh.op.value = pmcsr;
	pciif_flags_set(&e->sh, PCIIF_FLAG_F_ACTIVE);
	dispatch_pending(&e->g, &e->sh);
	assert_int_equal(simdev_counters(e->hd[0])->soft_resets, 1);
	unmask_unmapped(e);
	henv_wait_inflight(e);
	assert_int_equal(e->sh.op.err, 0);
	assert_true(e->dev[0].irq.msix_on);
	assert_true(henv_hw(e, 0, NVME_MSIX + 2, 2) & MSIX_ENABLE);
	assert_table(e);
	henv_free(e);
}

/* The slot reset of an AER recovery, on a device whose reset keeps its table: MSI-X back on, the rest masked. */
static void aer_slot_reset_masks_unmapped_entries(void **state)
{
	(void)state;
	struct henv *e = nvme();
	simdev_set_reset_keeps_msix(e->hd[0], true);
	enable_msix(e);
	unmask_unmapped(e);
	pciif_flags_set(&e->sh, PCIIF_FLAG_B_AERHANDLER);
	struct aer_actions act;
	uint64_t now = 5000;
	aer_inject(&e->g.aer, &e->sh, &e->dev[0], PCIIF_AER_IO_FROZEN, now, &act);
	const int32_t answers[] = { PCIIF_AER_RESULT_NEED_RESET, PCIIF_AER_RESULT_RECOVERED,
				    PCIIF_AER_RESULT_RECOVERED };
	unsigned resets = simdev_counters(e->hd[0])->resets;
	for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		assert_true(pciif_flags_load(&e->sh) & PCIIF_FLAG_B_ACTIVE);
		e->sh.aer_op.err = answers[i];
		pciif_flags_clear(&e->sh, PCIIF_FLAG_B_ACTIVE);
		aer_poll(&e->g.aer, &e->sh, now += 10, &act);
	}
	assert_int_equal(act.outcome, AER_OUT_RECOVERED);
	assert_int_equal(simdev_counters(e->hd[0])->resets, resets + 1);
	assert_true(henv_hw(e, 0, NVME_MSIX + 2, 2) & MSIX_ENABLE);
	assert_table(e);
	henv_free(e);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		henv_fixtures = argv[1];
	pb_log_set_level(PB_LOG_ERR);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(guest_enable_masks_unmapped_entries),
		cmocka_unit_test(soft_reset_restore_masks_unmapped_entries),
		cmocka_unit_test(aer_slot_reset_masks_unmapped_entries),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
