/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Faulty devices: reads that fail (-EIO), reads that return all ones (a
 * device that fell off the bus), writes that fail.  The guest gets error
 * codes (never a crash), the other device of the same guest keeps answering,
 * nothing is written to a device whose reads fail, and the release path
 * still leaves no device bus-mastering.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/pool.h"
#include "hostile_env.h"

static const char *const specs[] = { HENV_NVME, HENV_VIRTIO, NULL };

static void sweep(struct henv *e, size_t dev, unsigned *errors)
{
	for (int32_t off = 0; off < 0x100; off += 4) {
		uint32_t v;
		*errors += henv_read(e, dev, off, 4, &v) != 0;
		henv_write(e, dev, off, 4, 0xffffffff);
		henv_write(e, dev, off, 2, 0);
	}
	uint32_t v = 0;
	henv_op(e, PCIIF_OP_ENABLE_MSI, PB_DEVFN(dev, 0), 0, 0, &v);
	v = 4;
	henv_op(e, PCIIF_OP_ENABLE_MSIX, PB_DEVFN(dev, 0), 0, 0, &v);
	henv_op(e, PCIIF_OP_DISABLE_MSIX, PB_DEVFN(dev, 0), 0, 0, &v);
	henv_op(e, PCIIF_OP_DISABLE_MSI, PB_DEVFN(dev, 0), 0, 0, &v);
}

static void other_device_answers(struct henv *e)
{
	uint32_t v;
	assert_int_equal(henv_read(e, 1, 0, 2, &v), 0);
	assert_int_equal(v, 0x1af4);
}

static void test_read_eio(void **state)
{
	(void)state;
	struct henv *e = henv_new(specs, NULL);
	assert_non_null(e);
	simdev_set_fault(e->hd[0], SIMDEV_FAULT_READ_EIO);
	unsigned errors = 0;
	sweep(e, 0, &errors);
	assert_true(errors > 0);                 /* hardware-backed registers fail visibly */
	assert_int_equal(henv_writes_in(e, 0, 0, 4096), 0); /* no write based on a value never read */
	assert_int_equal(sim_irq_live(&e->irq), 0);
	other_device_answers(e);
	simdev_set_fault(e->hd[0], SIMDEV_FAULT_NONE);
	henv_free(e);
}

static void test_read_all_ones(void **state)
{
	(void)state;
	struct henv *e = henv_new(specs, NULL);
	assert_non_null(e);
	simdev_set_fault(e->hd[0], SIMDEV_FAULT_READ_ONES);
	unsigned errors = 0;
	sweep(e, 0, &errors);
	/* Whatever was mapped against a device reading all ones was unmapped again. */
	assert_int_equal(sim_irq_live(&e->irq), 0);
	other_device_answers(e);
	simdev_set_fault(e->hd[0], SIMDEV_FAULT_NONE);
	henv_free(e);
}

static void test_write_eio(void **state)
{
	(void)state;
	struct henv *e = henv_new(specs, NULL);
	assert_non_null(e);
	simdev_set_fault(e->hd[0], SIMDEV_FAULT_WRITE_EIO);
	uint8_t before[4096];
	memcpy(before, simdev_config(e->hd[0]), 4096);
	/* A write the engine passes on fails with op_failed; the device is unchanged. */
	assert_int_equal(henv_write(e, 0, 0x04, 2, 0x0004), PCIIF_ERR_OP_FAILED);
	unsigned errors = 0;
	sweep(e, 0, &errors);
	assert_memory_equal(before + 0x40, simdev_config(e->hd[0]) + 0x40, 4096 - 0x40);
	assert_int_equal(sim_irq_live(&e->irq), 0);
	other_device_answers(e);
	simdev_set_fault(e->hd[0], SIMDEV_FAULT_NONE);
	henv_free(e);
}

/* The release path on a device whose reads fail: it is not handed out again bus-mastering. */
static void test_release_faulty(void **state)
{
	(void)state;
	struct pb_pool pool;
	pool_init(&pool, TOPO_VPCI);
	struct pb_pool_dev *pd = henv_pool_assign(&pool, HENV_NVME, "faulty");
	struct hostdev *hd = pd->dev.host;
	simdev_poke(hd, 0x04, 2, 0x0006); /* the guest's driver had it bus-mastering */
	simdev_set_fault(hd, SIMDEV_FAULT_READ_ONES);
	pool_release(&pool, pd);
	simdev_set_fault(hd, SIMDEV_FAULT_NONE);
	assert_null(pd->owner);
	if (!pd->quarantined)
		assert_int_equal(simdev_config(hd)[0x04] & 0x04, 0);
	pool_fini(&pool);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		henv_fixtures = argv[1];
	pb_log_set_level(PB_LOG_ERR);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_eio),
		cmocka_unit_test(test_read_all_ones),
		cmocka_unit_test(test_write_eio),
		cmocka_unit_test(test_release_faulty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
