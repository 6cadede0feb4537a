/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Power-state changes a guest asks for through PMCSR:
 * they must not defeat the command-register and MSI/MSI-X protections.  A
 * device in D3hot decodes nothing whatever COMMAND says, so MSI and MSI-X
 * enables are refused outside D0; a device that soft-resets on D3hot -> D0
 * (the simulated device's soft-reset option, No_Soft_Reset clear) gets back
 * what the guest and the backend believe: BARs, decoding and bus mastering,
 * MSI/MSI-X as enabled through the ops (or left disabled).
 * And the transition's time is waited for without blocking: the
 * guest's op stays in flight until then, on the private copy only, and a
 * device or page that goes away meanwhile is never touched afterwards.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "common/log.h"
#include "core/pool.h"
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

#define MSIX_ENABLE 0x8000u
#define MSIX_MASKALL 0x4000u

static struct henv *nvme_permissive_msix(void)
{
	struct henv *e = nvme();
	simdev_set_soft_reset(e->hd[0], true);
	const struct cfg_options o = { .permissive = true, .allow_interrupt_control = true };
	cfg_set_options(e->dev[0].cfg, &o);
	assert_int_equal(henv_write(e, 0, 0x04, 2, CMD_MEM | CMD_MASTER), 0);
	assert_int_equal(enable_msix1(e), 0);
	return e;
}

/*
 * A permissive guest that switched MSI-X off through config space
 * (the backend's bookkeeping still says on) keeps it off across D3hot -> D0
 * on a soft-resetting device: the restore follows the hardware as it was.
 */
static void soft_reset_restore_follows_hardware_enable(void **state)
{
	(void)state;
	struct henv *e = nvme_permissive_msix();
	uint32_t ctl = 0;
	assert_int_equal(henv_read(e, 0, NVME_MSIX + 2, 2, &ctl), 0);
	assert_int_equal(henv_write(e, 0, NVME_MSIX + 2, 2, ctl & ~MSIX_ENABLE), 0);
	assert_int_equal(henv_hw(e, 0, NVME_MSIX + 2, 2) & MSIX_ENABLE, 0);
	assert_true(e->dev[0].irq.msix_on);
	assert_int_equal(set_dstate(e, 3), 0);
	assert_int_equal(set_dstate(e, 0), 0);
	assert_int_equal(simdev_counters(e->hd[0])->soft_resets, 1);
	assert_int_equal(henv_hw(e, 0, NVME_MSIX + 2, 2) & MSIX_ENABLE, 0);
	henv_free(e);
}

/* MSI-X's Mask-All, set by the guest, is set again after the soft reset, MSI-X on. */
static void soft_reset_restores_msix_maskall(void **state)
{
	(void)state;
	struct henv *e = nvme_permissive_msix();
	uint32_t ctl = 0;
	assert_int_equal(henv_read(e, 0, NVME_MSIX + 2, 2, &ctl), 0);
	assert_int_equal(henv_write(e, 0, NVME_MSIX + 2, 2, ctl | MSIX_MASKALL), 0);
	assert_int_equal(set_dstate(e, 3), 0);
	assert_int_equal(set_dstate(e, 0), 0);
	assert_int_equal(simdev_counters(e->hd[0])->soft_resets, 1);
	assert_int_equal(henv_hw(e, 0, NVME_MSIX + 2, 2) & (MSIX_ENABLE | MSIX_MASKALL), MSIX_ENABLE | MSIX_MASKALL);
	henv_free(e);
}

/*
 * A PMCSR write while a D-state change is still pending (a caller
 * of the engine that did not finish it) is refused and changes nothing; it
 * used to finish the pending D3hot -> D0 itself and drop its "restore the
 * interrupts" result, leaving MSI-X off after the soft reset.
 */
static void pmcsr_write_while_pending_refused(void **state)
{
	(void)state;
	struct henv *e = nvme_permissive_msix();
	struct cfg_dev *cd = e->dev[0].cfg;
	uint32_t pmcsr = henv_hw(e, 0, NVME_PM + 4, 2) & ~(3u | PMCSR_PME_STATUS);
	unsigned wait_us;
	assert_int_equal(cfg_write(cd, NVME_PM + 4, 2, pmcsr | 3), 0);
	assert_true(cfg_pm_pending(cd, &wait_us));
	assert_false(cfg_pm_finish(cd, NULL));
	assert_int_equal(cfg_write(cd, NVME_PM + 4, 2, pmcsr), 0);
	assert_true(cfg_pm_pending(cd, &wait_us));
	/* D3hot -> D0 pending: another change is refused, the pending one stays. */
	assert_int_equal(cfg_write(cd, NVME_PM + 4, 2, pmcsr | 3), PCIIF_ERR_ACCESS_DENIED);
	assert_true(cfg_pm_pending(cd, &wait_us));
	assert_int_equal(hw_dstate(e), 0);
	struct cfg_irq_hw was;
	assert_true(cfg_pm_finish(cd, &was));
	assert_true(was.msix_on);
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

static void sleep_until_ms(uint64_t due)
{
	uint64_t now = pb_now_ms();
	if (now < due) {
		struct timespec ts = { 0, (long)(due - now) * 1000000L };
		nanosleep(&ts, NULL);
	}
}

/* Posts a PMCSR write of D-state d on sh for device devfn, as a guest does, and dispatches it once. */
static bool post_dstate(struct dispatch_guest *g, struct pciif_sharedinfo *sh, unsigned devfn, uint32_t pmcsr,
			unsigned d)
{
	memset(&sh->op, 0, sizeof(sh->op));
	sh->op.cmd = PCIIF_OP_CONF_WRITE;
	sh->op.devfn = devfn;
	sh->op.offset = NVME_PM + 4;
	sh->op.size = 2;
	sh->op.value = (pmcsr & ~(3u | PMCSR_PME_STATUS)) | d;
	pciif_flags_set(sh, PCIIF_FLAG_F_ACTIVE);
	return dispatch_pending(g, sh);
}

/* The op waits the device's time in flight, without the dispatcher sleeping; only its private copy counts. */
static void transition_waits_for_the_device(void **state)
{
	(void)state;
	struct henv *e = nvme();
	uint32_t pmcsr = henv_hw(e, 0, NVME_PM + 4, 2);
	uint64_t t0 = pb_now_ms();
	assert_false(post_dstate(&e->g, &e->sh, 0, pmcsr, 3));
	assert_true(pb_now_ms() - t0 < 5); /* nobody slept */
	assert_true(pciif_flags_load(&e->sh) & PCIIF_FLAG_F_ACTIVE);
	uint64_t due = dispatch_deadline(&e->g);
	assert_true(due >= t0 + 10);
	/* The guest rewrites the op and kicks again: spurious, nothing fetched. */
	uint32_t wanted = e->sh.op.value;
	e->sh.op.offset = 0x04;
	e->sh.op.value = 0;
	uint64_t spurious = e->g.stats.spurious;
	assert_false(dispatch_pending(&e->g, &e->sh));
	assert_int_equal(e->g.stats.spurious, spurious + 1);
	assert_null(dispatch_complete(&e->g, due - 1));
	assert_true(pciif_flags_load(&e->sh) & PCIIF_FLAG_F_ACTIVE);
	sleep_until_ms(due);
	assert_ptr_equal(dispatch_complete(&e->g, pb_now_ms()), &e->sh);
	assert_false(pciif_flags_load(&e->sh) & PCIIF_FLAG_F_ACTIVE);
	assert_int_equal(e->sh.op.err, 0);
	assert_int_equal(e->sh.op.value, wanted); /* the private copy's answer */
	assert_int_equal(e->sh.op.offset, 0x04);   /* never written back */
	assert_int_equal(dispatch_deadline(&e->g), 0);
	assert_int_equal(hw_dstate(e), 3);
	assert_int_equal(simdev_counters(e->hd[0])->early_accesses, 0);
	/* Back to D0 through the ordinary path: the device was never touched before it was ready. */
	assert_int_equal(set_dstate(e, 0), 0);
	assert_int_equal(hw_dstate(e), 0);
	assert_int_equal(simdev_counters(e->hd[0])->early_accesses, 0);
	henv_free(e);
}

/* The page goes away during the wait: the device's work is still done, nothing is written to the page. */
static void page_gone_while_waiting(void **state)
{
	(void)state;
	struct henv *e = nvme();
	simdev_set_soft_reset(e->hd[0], true);
	assert_int_equal(henv_write(e, 0, 0x04, 2, CMD_MEM | CMD_MASTER), 0);
	assert_int_equal(set_dstate(e, 3), 0);
	assert_false(post_dstate(&e->g, &e->sh, 0, henv_hw(e, 0, NVME_PM + 4, 2), 0));
	dispatch_page_gone(&e->g, &e->sh);
	e->sh.op.err = 77;
	sleep_until_ms(dispatch_deadline(&e->g));
	assert_null(dispatch_complete(&e->g, pb_now_ms()));
	assert_int_equal(e->sh.op.err, 77);
	assert_true(pciif_flags_load(&e->sh) & PCIIF_FLAG_F_ACTIVE);
	assert_int_equal(simdev_counters(e->hd[0])->soft_resets, 1);
	assert_int_equal(henv_hw(e, 0, 0x04, 2) & (CMD_MEM | CMD_MASTER), CMD_MEM | CMD_MASTER);
	/* A new page's op is served again. */
	pciif_flags_clear(&e->sh, PCIIF_FLAG_F_ACTIVE);
	uint32_t v = 0;
	assert_int_equal(henv_read(e, 0, 0, 2, &v), 0);
	assert_int_equal(v, e->hd[0]->vendor_id);
	henv_free(e);
}

/* The device leaves the guest during the wait: the guest still gets its answer; the device is not touched again. */
static void device_released_while_waiting(void **state)
{
	(void)state;
	struct sim_irq irq;
	struct pb_pool pool;
	sim_irq_init(&irq);
	pool_init(&pool, TOPO_VPCI);
	pool.irqp = &irq.provider;
	struct pb_pool_dev *pd = henv_pool_assign(&pool, HENV_NVME, "pm");
	struct pb_guest *g = pd->owner;
	struct hostdev *hd = pd->dev.host;
	simdev_set_soft_reset(hd, true);
	struct pciif_sharedinfo sh;
	memset(&sh, 0, sizeof(sh));
	unsigned devfn = topo_find(&g->topo, &pd->dev)->vaddr.devfn;
	uint32_t pmcsr = simdev_config(hd)[NVME_PM + 4] | (uint32_t)simdev_config(hd)[NVME_PM + 5] << 8;
	assert_false(post_dstate(&g->dg, &sh, devfn, pmcsr, 3));
	assert_int_equal(pool_release(&pool, pd), 0);
	assert_null(pd->owner);
	size_t writes;
	simdev_writes(hd, &writes);
	sleep_until_ms(dispatch_deadline(&g->dg));
	assert_ptr_equal(dispatch_complete(&g->dg, pb_now_ms()), &sh);
	assert_false(pciif_flags_load(&sh) & PCIIF_FLAG_F_ACTIVE);
	assert_int_equal(sh.op.err, 0);
	size_t after;
	simdev_writes(hd, &after);
	assert_int_equal(after, writes);
	/* A guest destroyed with an op in flight leaves nothing behind (ASan checks). */
	pd = henv_pool_assign(&pool, HENV_NVME, "pm2");
	g = pd->owner;
	devfn = topo_find(&g->topo, &pd->dev)->vaddr.devfn;
	assert_false(post_dstate(&g->dg, &sh, devfn, pmcsr, 3));
	pool_guest_destroy(&pool, g);
	pool_fini(&pool);
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
		cmocka_unit_test(soft_reset_restore_follows_hardware_enable),
		cmocka_unit_test(soft_reset_restores_msix_maskall),
		cmocka_unit_test(pmcsr_write_while_pending_refused),
		cmocka_unit_test(transition_waits_for_the_device),
		cmocka_unit_test(page_gone_while_waiting),
		cmocka_unit_test(device_released_while_waiting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
