/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Seizing and giving back over a fake sysfs tree, write by write: the
 * driver_override / unbind / drivers_probe sequence, the refusals (network
 * link up, mounted or swapped or held disk, bridge, host bridge, read-only,
 * stub not loaded), forcing, and giving the device back to its driver.
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

#include "fake_sysfs.h"
#include "ownership/seize.h"

static const char *fixtures;
#define NIC "0000:01:00.0"

static int setup(void **state)
{
	struct fake_sysfs *fs = calloc(1, sizeof(*fs));
	char f[512];
	snprintf(f, sizeof(f), "%s/cap-pcie-2.lspci", fixtures);
	if (!fs || fake_sysfs_init(fs) || fake_sysfs_add_device(fs, f, NULL, NIC, NULL, "igb") ||
	    fake_sysfs_add_driver(fs, "pci-stub"))
		return -1;
	*state = fs;
	return 0;
}

static int teardown(void **state)
{
	fake_sysfs_cleanup(*state);
	free(*state);
	return 0;
}

static struct pb_bdf A(const char *s)
{
	struct pb_bdf a;
	char e[64];
	pb_bdf_parse(s, &a, e, sizeof(e));
	return a;
}

static void assert_write(const struct fake_sysfs *fs, size_t i, const char *path, const char *value)
{
	if (i >= fs->nwrites)
		fail_msg("write %zu missing (only %zu)", i, fs->nwrites);
	if (strcmp(fs->writes[i].path, path) || strcmp(fs->writes[i].value, value))
		fail_msg("write %zu: %s <- \"%s\", expected %s <- \"%s\"", i, fs->writes[i].path, fs->writes[i].value,
			 path, value);
}

static void test_seize_and_give_back(void **state)
{
	struct fake_sysfs *fs = *state;
	struct own_state st;
	char err[256], drv[64], ov[64];
	struct pb_bdf a = A(NIC);
	assert_int_equal(fake_sysfs_add_net(fs, NIC, "eth0", "down"), 0); /* link down: not in use */
	assert_int_equal(own_seize(&fs->opt, &a, &st, err, sizeof(err)), 0);
	assert_int_equal(fs->nwrites, 5);
	assert_write(fs, 0, "sys/bus/pci/devices/" NIC "/driver_override", "pci-stub");
	assert_write(fs, 1, "sys/bus/pci/drivers/igb/unbind", NIC);
	/* Enabled once while unbound, as pciback does: the kernel routes its INTx. */
	assert_write(fs, 2, "sys/bus/pci/devices/" NIC "/enable", "1");
	assert_write(fs, 3, "sys/bus/pci/devices/" NIC "/enable", "0");
	assert_write(fs, 4, "sys/bus/pci/drivers_probe", NIC);
	fake_sysfs_driver(fs, NIC, drv, sizeof(drv));
	assert_string_equal(drv, "pci-stub");
	assert_true(st.seized);
	assert_string_equal(st.orig_driver, "igb");
	assert_string_equal(st.orig_override, "");

	assert_int_equal(own_give_back(&fs->opt, &st, err, sizeof(err)), 0);
	assert_int_equal(fs->nwrites, 8);
	assert_write(fs, 5, "sys/bus/pci/devices/" NIC "/driver_override", "\n");
	assert_write(fs, 6, "sys/bus/pci/drivers/pci-stub/unbind", NIC);
	assert_write(fs, 7, "sys/bus/pci/drivers/igb/bind", NIC);
	fake_sysfs_driver(fs, NIC, drv, sizeof(drv));
	assert_string_equal(drv, "igb");
	fake_sysfs_attr(fs, NIC, "driver_override", ov, sizeof(ov));
	assert_string_equal(ov, "(null)\n");
	assert_false(st.seized);
	assert_int_equal(own_give_back(&fs->opt, &st, err, sizeof(err)), 0); /* twice: nothing more */
	assert_int_equal(fs->nwrites, 8);
}

/* No driver bound: no unbind; given back, it is left unbound. */
static void test_seize_unbound(void **state)
{
	struct fake_sysfs *fs = *state;
	char f[512], err[256], drv[64];
	snprintf(f, sizeof(f), "%s/cap-pcie-2.lspci", fixtures);
	assert_int_equal(fake_sysfs_add_device(fs, f, NULL, "0000:02:00.0", NULL, NULL), 0);
	struct own_state st;
	struct pb_bdf a = A("0000:02:00.0");
	assert_int_equal(own_seize(&fs->opt, &a, &st, err, sizeof(err)), 0);
	assert_int_equal(fs->nwrites, 4);
	assert_write(fs, 3, "sys/bus/pci/drivers_probe", "0000:02:00.0");
	assert_int_equal(own_give_back(&fs->opt, &st, err, sizeof(err)), 0);
	assert_int_equal(fs->nwrites, 6);
	assert_write(fs, 5, "sys/bus/pci/drivers/pci-stub/unbind", "0000:02:00.0");
	fake_sysfs_driver(fs, "0000:02:00.0", drv, sizeof(drv));
	assert_string_equal(drv, "");
}

/* Refused, with nothing written, and the reason in the message. */
static void refused(struct fake_sysfs *fs, const char *bdf, int want_rc, const char *want_msg)
{
	struct own_state st;
	char err[256] = "";
	struct pb_bdf a = A(bdf);
	size_t before = fs->nwrites;
	int rc = own_seize(&fs->opt, &a, &st, err, sizeof(err));
	if (rc != want_rc || !strstr(err, want_msg))
		fail_msg("%s: rc %d \"%s\", expected %d \"%s\"", bdf, rc, err, want_rc, want_msg);
	assert_int_equal(fs->nwrites, before);
	assert_false(st.seized);
}

static void test_refuse_link_up_unless_forced(void **state)
{
	struct fake_sysfs *fs = *state;
	assert_int_equal(fake_sysfs_add_net(fs, NIC, "enp1s0", "up"), 0);
	refused(fs, NIC, -EBUSY, "driver igb is in use: network interface enp1s0 is up");
	fs->opt.force = true;
	struct own_state st;
	char err[256];
	struct pb_bdf a = A(NIC);
	assert_int_equal(own_seize(&fs->opt, &a, &st, err, sizeof(err)), 0);
	assert_int_equal(fs->nwrites, 5);
}

static void test_refuse_mounted_swapped_held_disk(void **state)
{
	struct fake_sysfs *fs = *state;
	char p[512];
	assert_int_equal(fake_sysfs_add_disk(fs, NIC, "sdb", "sdb1"), 0);
	struct pb_bdf a = A(NIC);
	struct own_state st;
	char err[256];
	/* Not mounted: seizable (then given back to test the next case). */
	assert_int_equal(own_seize(&fs->opt, &a, &st, err, sizeof(err)), 0);
	assert_int_equal(own_give_back(&fs->opt, &st, err, sizeof(err)), 0);
	fake_sysfs_proc_line(fs, "mounts", "/dev/sdb1 /srv ext4 rw 0 0");
	refused(fs, NIC, -EBUSY, "sdb1 is mounted on /srv");
	snprintf(p, sizeof(p), "%s/mounts", fs->proc);
	remove(p);
	fake_sysfs_proc_line(fs, "self/mountinfo", "40 1 8:1 / /data rw - ext4 /dev/root rw");
	refused(fs, NIC, -EBUSY, "is mounted on /data");
	snprintf(p, sizeof(p), "%s/self/mountinfo", fs->proc);
	remove(p);
	fake_sysfs_proc_line(fs, "swaps", "/dev/sdb1 partition 1048572 0 -2");
	refused(fs, NIC, -EBUSY, "sdb1 is in use as swap");
	snprintf(p, sizeof(p), "%s/swaps", fs->proc);
	remove(p);
	fake_sysfs_path(fs, NIC, "host0/block/sdb/holders/dm-0", p, sizeof(p));
	FILE *f = fopen(p, "w");
	fclose(f);
	refused(fs, NIC, -EBUSY, "sdb is held by another block device");
}

static void test_refuse_bridges(void **state)
{
	struct fake_sysfs *fs = *state;
	char f1[512], f2[512];
	snprintf(f1, sizeof(f1), "%s/cap-vc-and-rcl.lspci", fixtures);
	snprintf(f2, sizeof(f2), "%s/microvm-virtio.lspci", fixtures);
	assert_int_equal(fake_sysfs_add_device(fs, f1, "00:1c.0", "0000:00:1c.0", NULL, "pcieport"), 0);
	assert_int_equal(fake_sysfs_add_device(fs, f2, "00:00.0", "0000:00:00.0", NULL, NULL), 0);
	refused(fs, "0000:00:1c.0", -EPERM, "is a bridge (class 060400)");
	refused(fs, "0000:00:00.0", -EPERM, "is a bridge (class 060000)");
	fs->opt.force = true; /* forcing never seizes a bridge */
	refused(fs, "0000:00:1c.0", -EPERM, "bridges are never given to a guest");
}

static void test_refuse_read_only_and_missing_stub(void **state)
{
	struct fake_sysfs *fs = *state;
	size_t l1, l2;
	char *before = fake_sysfs_serialize(fs, &l1);
	fs->opt.read_only = true;
	refused(fs, NIC, -EROFS, "read-only");
	fs->opt.read_only = false;
	fs->opt.stub_driver = "vfio-pci";
	refused(fs, NIC, -ENOENT, "the vfio-pci driver is not loaded");
	refused(fs, "0000:09:00.0", -ENOENT, "no such device");
	char *after = fake_sysfs_serialize(fs, &l2);
	assert_int_equal(l1, l2);
	assert_memory_equal(before, after, l1);
	free(before);
	free(after);
}

int main(int argc, char **argv)
{
	fixtures = argc > 1 ? argv[1] : "fixtures/lspci";
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_seize_and_give_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seize_unbound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_link_up_unless_forced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_mounted_swapped_held_disk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_bridges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_read_only_and_missing_stub, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
