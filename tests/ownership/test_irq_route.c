/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The routed INTx of a seized device.  A device no host driver ever enabled
 * (hidden from dom0's drivers from boot: pci-stub.ids, or nothing bound)
 * still shows the firmware's interrupt line in sysfs `irq`; the kernel routes
 * its INTx only when the device is first enabled, as pciback does when it
 * takes a device.  Seizing must do the same, so the guest's interrupt line
 * (cfgspace 0x3c) and the IRQ pcibackctl grants (sysfs `irq`) are the routed
 * one.  The fake kernel routes on `enable` while no driver is bound.
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

#include "cfgspace/cfgspace.h"
#include "fake_sysfs.h"
#include "ownership/host_source.h"

static const char *fixtures;
#define DEV "0000:00:03.0"
#define FIRMWARE_IRQ 11
#define ROUTED_IRQ 20

static int setup_with(void **state, const char *driver)
{
	struct fake_sysfs *fs = calloc(1, sizeof(*fs));
	char f[512], p[512];
	snprintf(f, sizeof(f), "%s/cap-pcie-2.lspci", fixtures);
	if (!fs || fake_sysfs_init(fs) || fake_sysfs_add_driver(fs, "pci-stub") || fake_sysfs_add_driver(fs, "igb") ||
	    fake_sysfs_add_device(fs, f, NULL, DEV, NULL, driver))
		return -1;
	fake_sysfs_path(fs, DEV, "irq", p, sizeof(p));
	FILE *irq = fopen(p, "w");
	if (!irq)
		return -1;
	fprintf(irq, "%d\n", FIRMWARE_IRQ);
	fclose(irq);
	fake_sysfs_set_routed_irq(fs, DEV, ROUTED_IRQ);
	*state = fs;
	return 0;
}

static int setup_stub(void **state) { return setup_with(state, "pci-stub"); }
static int setup_unbound(void **state) { return setup_with(state, NULL); }
static int setup_driver(void **state) { return setup_with(state, "igb"); }

static int teardown(void **state)
{
	fake_sysfs_cleanup(*state);
	free(*state);
	return 0;
}

/* Seizes DEV: the host's interrupt, the guest's interrupt line and sysfs `irq` are the routed IRQ. */
static void check_routed(struct fake_sysfs *fs)
{
	char err[256], v[32];
	struct hostdev *hd = host_source_open("host:" DEV, &fs->opt, err, sizeof(err));
	if (!hd)
		fail_msg("%s", err);
	assert_int_equal(hd->irq, ROUTED_IRQ);
	struct cfg_dev *cd = cfg_dev_new(hd, NULL, err, sizeof(err));
	assert_non_null(cd);
	uint32_t line = 0;
	assert_int_equal(cfg_read(cd, 0x3c, 1, &line), 0);
	assert_int_equal(line, ROUTED_IRQ);
	assert_int_equal(fake_sysfs_attr(fs, DEV, "irq", v, sizeof(v)), 0);
	assert_int_equal(atoi(v), ROUTED_IRQ);
	/* Disabled again at once: the device was enabled only to route its interrupt. */
	assert_int_equal(fake_sysfs_attr(fs, DEV, "enable", v, sizeof(v)), 0);
	assert_int_equal(atoi(v), 0);
	cfg_dev_free(cd);
	hostdev_destroy(hd);
	char drv[64];
	fake_sysfs_driver(fs, DEV, drv, sizeof(drv));
	assert_string_equal(drv, fs->devs[0].native);
}

/* Bound to pci-stub from boot (pci-stub.ids): never enabled by anyone. */
static void test_stub_from_boot(void **state) { check_routed(*state); }

/* No driver at all. */
static void test_unbound(void **state) { check_routed(*state); }

/* Seized from a driver (which would have enabled it on real hardware): routed while unbound. */
static void test_from_driver(void **state) { check_routed(*state); }

int main(int argc, char **argv)
{
	fixtures = argc > 1 ? argv[1] : "fixtures/lspci";
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stub_from_boot, setup_stub, teardown),
		cmocka_unit_test_setup_teardown(test_unbound, setup_unbound, teardown),
		cmocka_unit_test_setup_teardown(test_from_driver, setup_driver, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
