/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Real-device access through libpci, against a fake sysfs tree built from a
 * fixture dump: identity, resources, the capability chain, config writes
 * reaching the `config` file, the sysfs enable/reset attributes, SR-IOV
 * physfn, names from pci.ids, libpci failures turned into errors, and
 * --read-only writing nothing at all.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fake_sysfs.h"
#include "host/libpci_dev.h"
#include "host/lspci_dump.h"
#include "host/simdev.h"

static const char *fixtures;
static char igb[512];
#define IGB "0000:01:00.0"

static int setup(void **state)
{
	struct fake_sysfs *fs = calloc(1, sizeof(*fs));
	if (!fs || fake_sysfs_init(fs))
		return -1;
	if (fake_sysfs_add_device(fs, igb, NULL, IGB, NULL, "igb"))
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

static struct hostdev *open_dev(struct fake_sysfs *fs, const char *bdf, bool ro)
{
	struct pb_bdf a;
	char err[256];
	assert_int_equal(pb_bdf_parse(bdf, &a, err, sizeof(err)), 0);
	struct host_options o = fs->opt;
	o.read_only = ro;
	struct hostdev *hd = libpci_dev_open(&a, &o, err, sizeof(err));
	if (!hd)
		fail_msg("open %s: %s", bdf, err);
	return hd;
}

/* Identity, header, cfg size, IRQ and resources are what the dump says. */
static void test_identity_and_resources(void **state)
{
	struct fake_sysfs *fs = *state;
	struct hostdev *hd = open_dev(fs, IGB, false);
	assert_true(libpci_dev_is(hd));
	assert_int_equal(hd->vendor_id, 0x8086);
	assert_int_equal(hd->device_id, 0x10c9);
	assert_int_equal(hd->class_code, 0x020000);
	assert_int_equal(hd->header_type, 0);
	assert_int_equal(hd->cfg_size, 4096);
	assert_int_equal(hd->irq, 16);
	assert_string_equal(hd->source, "host:" IGB);
	assert_null(hd->physfn);
	assert_int_equal(hd->res[0].start, 0xe0800000);
	assert_int_equal(hd->res[0].size, 128 * 1024);
	assert_int_equal(hd->res[0].flags, HOSTDEV_RES_MEM);
	assert_int_equal(hd->res[1].size, 4 * 1024 * 1024);
	assert_int_equal(hd->res[2].start, 0x1020);
	assert_int_equal(hd->res[2].size, 32);
	assert_int_equal(hd->res[2].flags, HOSTDEV_RES_IO);
	assert_int_equal(hd->res[3].size, 16 * 1024);
	assert_int_equal(hd->res[4].size, 0);
	assert_int_equal(hd->res[HOSTDEV_ROM].start, 0xc7800000);
	assert_int_equal(hd->res[HOSTDEV_ROM].size, 4 * 1024 * 1024);
	assert_true(hd->res[HOSTDEV_ROM].flags & HOSTDEV_RES_ROM);
	assert_true(libpci_dev_has_reset(hd));
	hostdev_destroy(hd);
}

/* Every config byte and every capability reads as the simulated device from the same dump. */
static void test_config_matches_dump(void **state)
{
	struct fake_sysfs *fs = *state;
	struct hostdev *hd = open_dev(fs, IGB, true);
	struct lspci_dump dump;
	char err[256];
	assert_int_equal(lspci_dump_load(igb, &dump, err, sizeof(err)), 0);
	struct hostdev *sim = simdev_from_dump(&dump.devs[0], "sim");
	assert_non_null(sim);
	for (unsigned off = 0; off < 4096; off += 4) {
		uint32_t a, b;
		assert_int_equal(hostdev_read(hd, off, 4, &a), 0);
		assert_int_equal(hostdev_read(sim, off, 4, &b), 0);
		if (a != b)
			fail_msg("config 0x%03x: libpci 0x%08x, dump 0x%08x", off, a, b);
	}
	static const uint8_t caps[] = { 0x01, 0x05, 0x10, 0x11 };
	for (size_t i = 0; i < sizeof(caps); i++)
		assert_int_equal(hostdev_find_cap(hd, caps[i]), hostdev_find_cap(sim, caps[i]));
	assert_int_equal(hostdev_find_cap(hd, 0x05), 0x50);
	assert_int_equal(hostdev_find_cap(hd, 0x11), 0x70);
	assert_int_equal(hostdev_find_ext_cap(hd, 0x0001), 0x100);
	assert_int_equal(hostdev_find_ext_cap(hd, 0x0010), 0x160);
	uint32_t v;
	assert_int_equal(hostdev_read(hd, 0x1000, 4, &v), -EINVAL);
	assert_int_equal(hostdev_read(hd, 0x02, 4, &v), -EINVAL);
	hostdev_destroy(sim);
	lspci_dump_free(&dump);
	hostdev_destroy(hd);
}

/* Writes land in the sysfs config file at the right offset, little-endian. */
static void test_write_reaches_config_file(void **state)
{
	struct fake_sysfs *fs = *state;
	struct hostdev *hd = open_dev(fs, IGB, false);
	assert_int_equal(hostdev_write(hd, 0x0c, 1, 0x10), 0);
	assert_int_equal(hostdev_write(hd, 0x04, 2, 0x0406), 0);
	assert_int_equal(hostdev_write(hd, 0x10, 4, 0xe0900000), 0);
	uint8_t c[64];
	assert_int_equal(fake_sysfs_config(fs, IGB, c, sizeof(c)), 0);
	assert_int_equal(c[0x0c], 0x10);
	assert_int_equal(c[0x04], 0x06);
	assert_int_equal(c[0x05], 0x04);
	assert_memory_equal(&c[0x10], "\x00\x00\x90\xe0", 4);
	assert_int_equal(hostdev_write(hd, 0x11, 2, 0), -EINVAL);
	assert_int_equal(fs->nwrites, 0); /* config writes are not attribute writes */
	hostdev_destroy(hd);
}

/* enable/disable/reset are the sysfs attributes; without `reset` there is no reset. */
static void test_sysfs_attributes(void **state)
{
	struct fake_sysfs *fs = *state;
	struct hostdev *hd = open_dev(fs, IGB, false);
	assert_int_equal(hd->ops->enable(hd), 0);
	assert_true(hd->enabled);
	assert_int_equal(fs->nwrites, 1);
	assert_string_equal(fs->writes[0].value, "1");
	assert_non_null(strstr(fs->writes[0].path, "sys/bus/pci/devices/" IGB "/enable"));
	assert_int_equal(hd->ops->disable(hd), 0);
	assert_false(hd->enabled);
	assert_int_equal(fs->nwrites, 2);
	assert_string_equal(fs->writes[1].value, "0");
	uint8_t c[8];
	fake_sysfs_config(fs, IGB, c, sizeof(c));
	assert_int_equal(c[4] & 0x04, 0); /* bus mastering off */
	assert_int_equal(hd->ops->reset(hd), 0);
	assert_int_equal(fs->nwrites, 3);
	assert_non_null(strstr(fs->writes[2].path, IGB "/reset"));
	assert_string_equal(fs->writes[2].value, "1");
	assert_int_equal(fs->resets, 1);
	char p[512];
	fake_sysfs_path(fs, IGB, "reset", p, sizeof(p));
	unlink(p);
	assert_false(libpci_dev_has_reset(hd));
	assert_int_equal(hd->ops->reset(hd), -ENOTTY);
	/* D-states through PMCSR (PM capability at 0x40, PMCSR at 0x44). */
	unsigned wait_us = 0;
	assert_int_equal(hd->ops->set_power_state(hd, 3, &wait_us), 0);
	assert_int_equal(wait_us, 10000); /* the caller waits; the host layer never sleeps */
	fake_sysfs_config(fs, IGB, c, 0); /* (no-op read) */
	uint32_t pmcsr;
	assert_int_equal(hostdev_read(hd, 0x44, 2, &pmcsr), 0);
	assert_int_equal(pmcsr & 3, 3);
	assert_int_equal(hd->ops->set_power_state(hd, 0, &wait_us), 0);
	assert_int_equal(wait_us, 10000);
	assert_int_equal(hostdev_read(hd, 0x44, 2, &pmcsr), 0);
	assert_int_equal(pmcsr & 3, 0);
	assert_int_equal(hd->ops->set_power_state(hd, 4, &wait_us), -EINVAL);
	hostdev_destroy(hd);
}

/* --read-only: every write path refuses with -EROFS and the tree's bytes do not change. */
static void test_read_only_writes_nothing(void **state)
{
	struct fake_sysfs *fs = *state;
	size_t l1, l2;
	char *before = fake_sysfs_serialize(fs, &l1);
	struct hostdev *hd = open_dev(fs, IGB, true);
	uint32_t v;
	assert_int_equal(hostdev_read(hd, 0, 4, &v), 0);
	assert_int_equal(hostdev_write(hd, 0x04, 2, 0), -EROFS);
	assert_int_equal(hostdev_write(hd, 0x10, 4, 0xffffffff), -EROFS);
	assert_int_equal(hd->ops->enable(hd), -EROFS);
	assert_int_equal(hd->ops->disable(hd), -EROFS);
	assert_int_equal(hd->ops->reset(hd), -EROFS);
	unsigned wait_us;
	assert_int_equal(hd->ops->set_power_state(hd, 3, &wait_us), -EROFS);
	assert_int_not_equal(hostdev_quiesce(hd), 0);
	hostdev_destroy(hd);
	char *after = fake_sysfs_serialize(fs, &l2);
	assert_int_equal(l1, l2);
	assert_memory_equal(before, after, l1);
	assert_int_equal(fs->nwrites, 0);
	free(before);
	free(after);
}

/* libpci's fatal errors (here: a corrupt resource file) become an error, not an exit. */
static void test_libpci_error_is_returned(void **state)
{
	struct fake_sysfs *fs = *state;
	char p[512], err[256];
	fake_sysfs_path(fs, IGB, "resource", p, sizeof(p));
	FILE *f = fopen(p, "w");
	fputs("garbage\n", f);
	fclose(f);
	struct pb_bdf a;
	pb_bdf_parse(IGB, &a, err, sizeof(err));
	struct hostdev *hd = libpci_dev_open(&a, &fs->opt, err, sizeof(err));
	assert_null(hd);
	assert_non_null(strstr(err, "libpci"));
	assert_non_null(strstr(err, "resource"));
	pb_bdf_parse("0000:07:00.0", &a, err, sizeof(err));
	assert_null(libpci_dev_open(&a, &fs->opt, err, sizeof(err)));
	assert_non_null(strstr(err, "no such device"));
	struct host_options o = fs->opt;
	o.method = "no-such-method";
	assert_null(libpci_dev_open(&a, &o, err, sizeof(err)));
	assert_non_null(strstr(err, "unknown libpci access method"));
}

/* An SR-IOV VF's physfn link gives it its PF (opened read-only). */
static void test_physfn(void **state)
{
	struct fake_sysfs *fs = *state;
	assert_int_equal(fake_sysfs_add_device(fs, igb, NULL, "0000:01:10.0", NULL, NULL), 0);
	char p[512], t[512];
	fake_sysfs_path(fs, "0000:01:10.0", "physfn", p, sizeof(p));
	snprintf(t, sizeof(t), "../" IGB);
	assert_int_equal(symlink(t, p), 0);
	struct hostdev *vf = open_dev(fs, "0000:01:10.0", false);
	assert_non_null(vf->physfn);
	assert_int_equal(vf->physfn->addr.devfn, 0);
	assert_int_equal(vf->physfn->vendor_id, 0x8086);
	assert_int_equal(hostdev_write(vf->physfn, 0x04, 2, 0), -EROFS);
	hostdev_destroy(vf);
}

/* Names come from the pci.ids file the options name. */
static void test_describe(void **state)
{
	struct fake_sysfs *fs = *state;
	char ids[600];
	snprintf(ids, sizeof(ids), "%s/pci.ids", fs->root);
	FILE *f = fopen(ids, "w");
	fputs("8086  Intel Corporation\n\t10c9  82576 Gigabit Network Connection\n"
	      "C 02  Network controller\n\t00  Ethernet controller\n", f);
	fclose(f);
	struct host_options o = fs->opt;
	o.pci_ids = ids;
	struct pb_bdf a;
	char err[256], name[256];
	pb_bdf_parse(IGB, &a, err, sizeof(err));
	struct hostdev *hd = libpci_dev_open(&a, &o, err, sizeof(err));
	assert_non_null(hd);
	libpci_dev_describe(hd, name, sizeof(name));
	assert_string_equal(name, "Ethernet controller: Intel Corporation 82576 Gigabit Network Connection");
	hostdev_destroy(hd);
}

int main(int argc, char **argv)
{
	fixtures = argc > 1 ? argv[1] : "fixtures/lspci";
	snprintf(igb, sizeof(igb), "%s/cap-pcie-2.lspci", fixtures);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_identity_and_resources, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_matches_dump, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_reaches_config_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sysfs_attributes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_only_writes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_libpci_error_is_returned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_physfn, setup, teardown),
		cmocka_unit_test_setup_teardown(test_describe, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
