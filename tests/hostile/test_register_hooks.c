/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Register hooks that merge the guest's bits with the device's: a bit the
 * device reads back with another meaning than the one written (VPD F, BIST
 * START) never reaches it unless the guest wrote it and may, and a bit the
 * guest controls through its own view (INTx disable) is written only when
 * the guest changes it.  Every assertion is on what the device received (the
 * simulated device's write record and registers).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "hostile_env.h"
#include "proto/pciif.h"

/* RTL8101E: VPD at 0xcc, its address register reads 0x8000 */
static const char *const vpd_dev[] = { "cap-vc-and-rcl.lspci#01:00.0", NULL };
static const char *const virtio_dev[] = { HENV_VIRTIO, NULL };
#define VPD_ADDR 0xceu
#define VPD_F 0x8000u

#define CMD_MEM 0x0002u
#define CMD_MASTER 0x0004u
#define CMD_INTX_DISABLE 0x0400u

/* The device's record since the last clear must be exactly one write: at off, of size, with value. */
static void one_write(struct henv *e, unsigned off, unsigned size, uint32_t value)
{
	size_t n;
	const struct simdev_write *w = simdev_writes(e->hd[0], &n);
	if (n != 1 || w[0].off != off || w[0].size != size || w[0].value != value)
		fail_msg("device received %zu write(s), first 0x%x/%u = 0x%x; want one 0x%x/%u = 0x%x", n,
			 n ? w[0].off : 0u, n ? w[0].size : 0u, n ? w[0].value : 0u, off, size, value);
	simdev_clear_writes(e->hd[0]);
}

/*
 * VPD address with F already set (a completed read, as the dump shows): a
 * read request from the guest, by word or by either byte, reaches the device
 * with F clear; it never becomes a write request.
 */
static void test_vpd_f_set_never_written(void **state)
{
	(void)state;
	struct henv *e = henv_new(vpd_dev, NULL);
	assert_non_null(e);
	assert_int_equal(henv_hw(e, 0, VPD_ADDR, 2), VPD_F);

	assert_int_equal(henv_write(e, 0, VPD_ADDR, 2, 0x0020), 0); /* word: read request at 0x20 */
	one_write(e, VPD_ADDR, 2, 0x0020);

	simdev_poke(e->hd[0], VPD_ADDR, 2, VPD_F | 0x0020); /* the read completed */
	assert_int_equal(henv_write(e, 0, VPD_ADDR, 1, 0x40), 0); /* low byte: read request at 0x40 */
	one_write(e, VPD_ADDR, 2, 0x0040);

	simdev_poke(e->hd[0], VPD_ADDR, 2, VPD_F | 0x0040);
	assert_int_equal(henv_write(e, 0, VPD_ADDR + 1, 1, 0x01), 0); /* high byte, F clear: read at 0x140 */
	one_write(e, VPD_ADDR, 2, 0x0140);

	/* A write request (F set by the guest) is refused, by word or by high byte, and nothing is written. */
	simdev_poke(e->hd[0], VPD_ADDR, 2, VPD_F | 0x0140);
	assert_int_equal(henv_write(e, 0, VPD_ADDR, 2, VPD_F | 0x0010), PCIIF_ERR_ACCESS_DENIED);
	assert_int_equal(henv_write(e, 0, VPD_ADDR + 1, 1, 0x80), PCIIF_ERR_ACCESS_DENIED);
	assert_int_equal(henv_writes_in(e, 0, 0, 4096), 0);
	henv_free(e);
}

/*
 * The same as a driver reads VPD from a device that completes requests (F
 * reads 1 once the data is there): every read request reaches it with F
 * clear, and the guest sees F set after each one, as on real hardware.
 */
static void test_vpd_reads_on_completing_device(void **state)
{
	(void)state;
	struct henv *e = henv_new(vpd_dev, NULL);
	assert_non_null(e);
	simdev_set_vpd_completion(e->hd[0], true);
	for (uint32_t addr = 0; addr < 0x40; addr += 4) {
		uint32_t v;
		if (addr & 4)
			assert_int_equal(henv_write(e, 0, VPD_ADDR, 2, addr), 0);
		else
			assert_int_equal(henv_write(e, 0, VPD_ADDR, 1, addr), 0);
		one_write(e, VPD_ADDR, 2, addr);
		assert_int_equal(henv_read(e, 0, VPD_ADDR, 2, &v), 0);
		assert_int_equal(v, VPD_F | addr); /* the read completed */
		assert_int_equal(henv_read(e, 0, VPD_ADDR + 2, 4, &v), 0); /* the data */
	}
	henv_free(e);
}

/*
 * BIST START reads 1 while the self-test runs: a guest write of the other
 * BIST bits as they are (here in a dword write from the cache line size on)
 * never starts it again.
 */
static void test_bist_start_not_rewritten(void **state)
{
	(void)state;
	struct henv *e = henv_new(virtio_dev, NULL);
	assert_non_null(e);
	simdev_poke(e->hd[0], 0x0f, 1, 0xc0); /* BIST capable, running */
	uint32_t v;
	assert_int_equal(henv_read(e, 0, 0x0c, 4, &v), 0);
	assert_int_equal(henv_write(e, 0, 0x0c, 4, v & ~0x40000000u), 0); /* BIST byte 0x80: START clear */
	size_t n;
	const struct simdev_write *w = simdev_writes(e->hd[0], &n);
	for (size_t k = 0; k < n; k++)
		if (w[k].off <= 0x0f && w[k].off + w[k].size > 0x0f)
			assert_int_equal((w[k].value >> (8 * (0x0f - w[k].off))) & 0x40, 0);
	henv_free(e);
}

/*
 * With allow-interrupt-control, INTx disable reaches the device when the
 * guest changes it in its view, and only then: a write of the command
 * register that leaves the bit as the guest last wrote it does not write the
 * guest's stored bit over the device's (changed since by a reset or by the
 * host).
 */
static void test_intx_disable_only_on_change(void **state)
{
	(void)state;
	const struct cfg_options o = { .allow_interrupt_control = true };
	struct henv *e = henv_new(virtio_dev, &o);
	assert_non_null(e);
	assert_int_equal(henv_write(e, 0, 0x04, 2, CMD_INTX_DISABLE | CMD_MASTER | CMD_MEM), 0);
	assert_int_equal(henv_hw(e, 0, 0x04, 2) & CMD_INTX_DISABLE, CMD_INTX_DISABLE);

	/* The device's bit goes off under the guest's view. */
	simdev_poke(e->hd[0], 0x04, 2, henv_hw(e, 0, 0x04, 2) & ~CMD_INTX_DISABLE);
	simdev_clear_writes(e->hd[0]);

	assert_int_equal(henv_write(e, 0, 0x04, 1, CMD_MEM), 0); /* low byte: bus master off */
	assert_int_equal(henv_hw(e, 0, 0x04, 2) & (CMD_INTX_DISABLE | CMD_MASTER), 0);
	assert_int_equal(henv_write(e, 0, 0x04, 2, CMD_INTX_DISABLE | CMD_MASTER | CMD_MEM), 0); /* same bit */
	assert_int_equal(henv_hw(e, 0, 0x04, 2) & (CMD_INTX_DISABLE | CMD_MASTER), CMD_MASTER);

	/* A change in the guest's view reaches the device, both ways. */
	assert_int_equal(henv_write(e, 0, 0x04, 2, CMD_MASTER | CMD_MEM), 0);
	assert_int_equal(henv_hw(e, 0, 0x04, 2) & CMD_INTX_DISABLE, 0);
	assert_int_equal(henv_write(e, 0, 0x05, 1, CMD_INTX_DISABLE >> 8), 0);
	assert_int_equal(henv_hw(e, 0, 0x04, 2) & CMD_INTX_DISABLE, CMD_INTX_DISABLE);
	uint32_t v;
	assert_int_equal(henv_read(e, 0, 0x04, 2, &v), 0);
	assert_int_equal(v & CMD_INTX_DISABLE, CMD_INTX_DISABLE);
	henv_free(e);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		henv_fixtures = argv[1];
	pb_log_set_level(PB_LOG_ERR);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vpd_f_set_never_written),
		cmocka_unit_test(test_vpd_reads_on_completing_device),
		cmocka_unit_test(test_bist_start_not_rewritten),
		cmocka_unit_test(test_intx_disable_only_on_change),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
