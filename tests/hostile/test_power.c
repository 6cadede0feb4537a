/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Power-state changes a guest asks for through PMCSR (issue 15, item 2):
 * they must not defeat the command-register and MSI/MSI-X protections.  A
 * device in D3hot decodes nothing whatever COMMAND says, so MSI and MSI-X
 * enables are refused outside D0; a device that soft-resets on D3hot -> D0
 * (the simulated device's soft-reset option, No_Soft_Reset clear) gets back
 * what the guest and the backend believe: BARs, decoding and bus mastering,
 * MSI/MSI-X as enabled through the ops (or left disabled).
 */
#include <errno.h>
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
#define CMD_MASTER 0x0004u
#define NVME_PM 0x40u   /* cap-dev3 01:00.0: PM (NoSoftRst-), MSI 64-bit maskable, MSI-X 16 */
#define NVME_MSI 0x50u
#define NVME_MSIX 0xb0u
#define PMCSR_NO_SOFT_RESET 0x0008u
#define PMCSR_PME_STATUS 0x8000u

static struct henv *nvme(void)
{
	const char *specs[] = { HENV_NVME, NULL };
	struct henv *e = henv_new(specs, NULL);
	assert_non_null(e);
	assert_int_equal(hostdev_find_cap(e->hd[0], 0x01), NVME_PM);
	return e;
}

/* The guest writes D-state d into PMCSR (PME status written as 0, as a read-modify-write of Linux does). */
static int32_t set_dstate(struct henv *e, unsigned d)
{
	uint32_t pmcsr = 0;
	assert_int_equal(henv_read(e, 0, NVME_PM + 4, 2, &pmcsr), 0);
	return henv_write(e, 0, NVME_PM + 4, 2, (pmcsr & ~(3u | PMCSR_PME_STATUS)) | d);
}

static unsigned hw_dstate(struct henv *e) { return henv_hw(e, 0, NVME_PM + 4, 2) & 3u; }

static int32_t enable_msix1(struct henv *e)
{
	uint32_t v = 1; /* one vector, entry 0 */
	return henv_op(e, PCIIF_OP_ENABLE_MSIX, 0, 0, 0, &v);
}

/* D3hot: COMMAND.MEM still reads 1, but the device decodes nothing: no MSI or MSI-X enable then. */
static void d3hot_refuses_interrupt_enables(void **state)
{
	(void)state;
	struct henv *e = nvme();
	uint32_t v = 0;
	assert_int_equal(henv_write(e, 0, 0x04, 2, CMD_MEM), 0);
	assert_int_equal(set_dstate(e, 3), 0);
	assert_int_equal(hw_dstate(e), 3);
	assert_true(henv_hw(e, 0, 0x04, 2) & CMD_MEM);
	assert_int_equal(enable_msix1(e), -ENXIO);
	assert_int_equal(henv_hw(e, 0, NVME_MSIX + 2, 2) & 0x8000, 0);
	assert_int_equal(henv_op(e, PCIIF_OP_ENABLE_MSI, 0, 0, 0, &v), PCIIF_ERR_OP_FAILED);
	assert_int_equal(henv_hw(e, 0, NVME_MSI + 2, 2) & 1, 0);
	assert_int_equal(sim_irq_live(&e->irq), 0);
	assert_false(e->dev[0].irq.msix_on || e->dev[0].irq.msi_on);
	/* Back in D0 the same enable works. */
	assert_int_equal(set_dstate(e, 0), 0);
	assert_int_equal(enable_msix1(e), 0);
	assert_int_equal(sim_irq_live(&e->irq), 1);
	henv_free(e);
}

/* The same through config space, for a device whose guest may toggle the enables. */
static void d3hot_refuses_flag_enables(void **state)
{
	(void)state;
	const char *specs[] = { HENV_NVME, NULL };
	struct cfg_options o = { .allow_interrupt_control = true };
	struct henv *e = henv_new(specs, &o);
	assert_non_null(e);
	assert_int_equal(set_dstate(e, 3), 0);
	uint32_t flags = henv_hw(e, 0, NVME_MSI + 2, 2);
	assert_int_equal(henv_write(e, 0, NVME_MSI + 2, 2, flags | 1), PCIIF_ERR_ACCESS_DENIED);
	assert_int_equal(henv_hw(e, 0, NVME_MSI + 2, 2) & 1, 0);
	assert_int_equal(set_dstate(e, 0), 0);
	assert_int_equal(henv_write(e, 0, NVME_MSI + 2, 2, flags | 1), 0);
	assert_int_equal(henv_hw(e, 0, NVME_MSI + 2, 2) & 1, 1);
	henv_free(e);
}

/* The BAR registers hold the host resources (low dword with its flag bits, the upper half of a 64-bit BAR). */
static void assert_bars_are_host_resources(struct henv *e)
{
	const struct hostdev *hd = e->hd[0];
	for (unsigned i = 0; i < HOSTDEV_NUM_BARS; i++) {
		const struct hostdev_res *r = &hd->res[i];
		uint32_t hw = henv_hw(e, 0, 0x10 + 4 * i, 4);
		if (r->flags & HOSTDEV_RES_UPPER)
			assert_int_equal(hw, (uint32_t)(hd->res[i - 1].start >> 32));
		else if (r->size)
			assert_int_equal(hw & ~0xfu, (uint32_t)r->start & ~0xfu);
	}
}

/* A soft reset on D3hot -> D0: what the guest and the backend believe comes back. */
static void soft_reset_restores_guest_and_backend_state(void **state)
{
	(void)state;
	struct henv *e = nvme();
	simdev_set_soft_reset(e->hd[0], true);
	assert_int_equal(henv_hw(e, 0, NVME_PM + 4, 2) & PMCSR_NO_SOFT_RESET, 0);
	assert_int_equal(henv_write(e, 0, 0x04, 2, CMD_MEM | CMD_MASTER), 0);
	assert_int_equal(enable_msix1(e), 0);
	assert_true(henv_hw(e, 0, NVME_MSIX + 2, 2) & 0x8000);

	assert_int_equal(set_dstate(e, 3), 0);
	assert_int_equal(set_dstate(e, 0), 0);
	assert_int_equal(simdev_counters(e->hd[0])->soft_resets, 1);
	assert_int_equal(hw_dstate(e), 0);
	/* Decoding and bus mastering as before, the BARs at the host's addresses, MSI-X on as the backend thinks. */
	assert_int_equal(henv_hw(e, 0, 0x04, 2) & (CMD_MEM | CMD_MASTER), CMD_MEM | CMD_MASTER);
	assert_bars_are_host_resources(e);
	assert_true(e->dev[0].irq.msix_on);
	assert_true(henv_hw(e, 0, NVME_MSIX + 2, 2) & 0x8000);
	uint32_t cmd = 0;
	assert_int_equal(henv_read(e, 0, 0x04, 2, &cmd), 0);
	assert_int_equal(cmd & (CMD_MEM | CMD_MASTER), CMD_MEM | CMD_MASTER);

	/* The guest's disable holds too: MSI-X off before, off after; then MSI comes back on. */
	uint32_t v = 0;
	assert_int_equal(henv_op(e, PCIIF_OP_DISABLE_MSIX, 0, 0, 0, &v), 0);
	assert_int_equal(henv_op(e, PCIIF_OP_ENABLE_MSI, 0, 0, 0, &v), 0);
	assert_int_equal(set_dstate(e, 3), 0);
	assert_int_equal(set_dstate(e, 0), 0);
	assert_int_equal(simdev_counters(e->hd[0])->soft_resets, 2);
	assert_int_equal(henv_hw(e, 0, NVME_MSIX + 2, 2) & 0x8000, 0);
	assert_true(henv_hw(e, 0, NVME_MSI + 2, 2) & 1);
	assert_true(e->dev[0].irq.msi_on && !e->dev[0].irq.msix_on);
	assert_int_equal(henv_hw(e, 0, 0x04, 2) & (CMD_MEM | CMD_MASTER), CMD_MEM | CMD_MASTER);
	assert_bars_are_host_resources(e);
	henv_free(e);
}

/* No_Soft_Reset set: the device keeps its state, and nothing is rewritten. */
static void no_soft_reset_keeps_state(void **state)
{
	(void)state;
	struct henv *e = nvme();
	simdev_set_soft_reset(e->hd[0], true);
	simdev_poke(e->hd[0], NVME_PM + 4, 2, henv_hw(e, 0, NVME_PM + 4, 2) | PMCSR_NO_SOFT_RESET);
	assert_int_equal(henv_write(e, 0, 0x04, 2, CMD_MEM), 0);
	simdev_clear_writes(e->hd[0]);
	assert_int_equal(set_dstate(e, 3), 0);
	assert_int_equal(set_dstate(e, 0), 0);
	assert_int_equal(simdev_counters(e->hd[0])->soft_resets, 0);
	assert_int_equal(henv_writes_in(e, 0, 0x04, 2), 0);
	assert_int_equal(henv_writes_in(e, 0, 0x10, 0x18), 0);
	assert_true(henv_hw(e, 0, 0x04, 2) & CMD_MEM);
	henv_free(e);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		henv_fixtures = argv[1];
	pb_log_set_level(PB_LOG_ERR);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(d3hot_refuses_interrupt_enables),
		cmocka_unit_test(d3hot_refuses_flag_enables),
		cmocka_unit_test(soft_reset_restores_guest_and_backend_state),
		cmocka_unit_test(no_soft_reset_keeps_state),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
