/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * host: device sources through the pool's one release path, on a fake sysfs
 * tree: seize (quiesced, pristine state saved), a guest leaves the device
 * changed, release quiesces it before the reset, resets it through the
 * kernel's `reset` attribute and restores the pristine registers; a failed
 * or missing reset quarantines the device; shutdown gives it back to its
 * driver; --read-only never writes.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/evloop.h"
#include "core/pool.h"
#include "daemon/control.h"
#include "fake_sysfs.h"
#include "ownership/host_source.h"

static const char *fixtures;
#define NIC "0000:01:00.0"
#define MSIX_CTL 0x72   /* MSI-X capability at 0x70 in the fixture */
#define DEVCTL 0xa8     /* PCIe capability at 0xa0 */

struct ctx {
	struct fake_sysfs fs;
	struct pb_pool pool;
	struct pb_pool_dev *pd;
	struct pb_guest *g;
	uint8_t pristine[4096];
};

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	char f[512], err[256];
	snprintf(f, sizeof(f), "%s/cap-pcie-2.lspci", fixtures);
	if (!c || fake_sysfs_init(&c->fs) || fake_sysfs_add_device(&c->fs, f, NULL, NIC, NULL, "igb") ||
	    fake_sysfs_add_driver(&c->fs, "pci-stub"))
		return -1;
	pool_init(&c->pool, TOPO_VPCI);
	*state = c;
	(void)err;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;
	pool_fini(&c->pool);
	fake_sysfs_cleanup(&c->fs);
	free(c);
	return 0;
}

static uint16_t cfg16(const uint8_t *b, unsigned off)
{
	return (uint16_t)(b[off] | b[off + 1] << 8);
}

/* Opens the NIC as a host source, adds it to the pool and assigns it to guest "g1". */
static void seize_and_assign(struct ctx *c, bool ro)
{
	char err[256];
	c->fs.opt.read_only = ro;
	struct hostdev *hd = host_source_open("host:" NIC, &c->fs.opt, err, sizeof(err));
	if (!hd)
		fail_msg("%s", err);
	assert_int_equal(fake_sysfs_config(&c->fs, NIC, c->pristine, sizeof(c->pristine)), 0);
	struct cfg_options o = { 0 };
	c->pd = pool_add_device(&c->pool, hd, &o, err, sizeof(err));
	if (!c->pd)
		fail_msg("%s", err);
	c->g = pool_guest(&c->pool, "g1", true);
	struct pb_bdf v;
	if (pool_assign(&c->pool, c->g, c->pd, &v, err, sizeof(err)))
		fail_msg("%s", err);
}

/* What a guest leaves behind: MSI-X and bus mastering on, a moved BAR, other control values. */
static void guest_changes_device(struct ctx *c)
{
	struct hostdev *hd = c->pd->dev.host;
	assert_int_equal(hostdev_write(hd, MSIX_CTL, 2, 0x8009), 0);
	assert_int_equal(hostdev_write(hd, 0x04, 2, 0x0407), 0);
	assert_int_equal(hostdev_write(hd, 0x10, 4, 0xd0000000), 0);
	assert_int_equal(hostdev_write(hd, 0x0c, 1, 0x20), 0);
	assert_int_equal(hostdev_write(hd, DEVCTL, 2, 0x5937), 0);
}

static void test_seize_saves_quiet_pristine_state(void **state)
{
	struct ctx *c = *state;
	uint8_t orig[256];
	fake_sysfs_config(&c->fs, NIC, orig, sizeof(orig));
	assert_true(cfg16(orig, 0x04) & 0x04);      /* the fixture: bus master on */
	assert_true(cfg16(orig, MSIX_CTL) & 0x8000); /* and MSI-X enabled */
	seize_and_assign(c, false);
	assert_int_equal(c->fs.nwrites, 5);
	assert_string_equal(c->fs.writes[0].value, "pci-stub");
	assert_non_null(strstr(c->fs.writes[1].path, "drivers/igb/unbind"));
	assert_non_null(strstr(c->fs.writes[2].path, "/enable")); /* enabled once: its INTx routed */
	assert_non_null(strstr(c->fs.writes[3].path, "/enable"));
	assert_non_null(strstr(c->fs.writes[4].path, "drivers_probe"));
	assert_int_equal(cfg16(c->pristine, 0x04) & 0x04, 0);
	assert_int_equal(cfg16(c->pristine, MSIX_CTL) & 0x8000, 0);
	assert_int_equal(cfg16(c->pristine, 0x04) & 0x03, cfg16(orig, 0x04) & 0x03); /* decoding untouched */
}

static void test_release_quiesces_resets_restores(void **state)
{
	struct ctx *c = *state;
	seize_and_assign(c, false);
	guest_changes_device(c);
	size_t w = c->fs.nwrites;
	assert_int_equal(pool_release(&c->pool, c->pd), 0);
	/* One attribute write: the reset, done while MSI-X and bus mastering were already off. */
	assert_int_equal(c->fs.nwrites, w + 1);
	assert_non_null(strstr(c->fs.writes[w].path, "devices/" NIC "/reset"));
	assert_string_equal(c->fs.writes[w].value, "1");
	assert_int_equal(c->fs.resets, 1);
	assert_int_equal(c->fs.cmd_at_reset & 0x04, 0);
	assert_int_equal(c->fs.msix_at_reset & 0x8000, 0);
	/* The reset wiped the header (fake kernel); the pristine state is back. */
	uint8_t now[4096];
	fake_sysfs_config(&c->fs, NIC, now, sizeof(now));
	assert_memory_equal(now, c->pristine, 6);             /* IDs, COMMAND */
	assert_memory_equal(now + 8, c->pristine + 8, 0x40 - 8); /* all but STATUS */
	assert_int_equal(cfg16(now, DEVCTL), cfg16(c->pristine, DEVCTL));
	assert_int_equal(cfg16(now, MSIX_CTL), cfg16(c->pristine, MSIX_CTL));
	assert_memory_equal(now + 0x100, c->pristine + 0x100, 0x40); /* AER */
	assert_false(c->pd->quarantined);
	assert_null(c->pd->owner);
	/* Offered again. */
	struct pb_bdf v;
	char err[256];
	assert_int_equal(pool_assign(&c->pool, c->g, c->pd, &v, err, sizeof(err)), 0);
}

static void test_failed_reset_quarantines(void **state)
{
	struct ctx *c = *state;
	seize_and_assign(c, false);
	char p[512], err[256];
	fake_sysfs_path(&c->fs, NIC, "reset", p, sizeof(p));
	unlink(p);
	assert_int_equal(mkdir(p, 0755), 0); /* the write fails (EISDIR), as a failing kernel reset would */
	assert_int_equal(pool_release(&c->pool, c->pd), -1);
	assert_true(c->pd->quarantined);
	assert_non_null(strstr(c->pd->reason, "reset failed"));
	assert_null(c->pd->owner);
	struct pb_bdf v;
	assert_int_equal(pool_assign(&c->pool, c->g, c->pd, &v, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "quarantined"));
	/* Shutdown: a device whose release failed stays with pci-stub. */
	size_t w = c->fs.nwrites;
	pool_fini(&c->pool);
	assert_int_equal(c->fs.nwrites, w);
	char drv[64];
	fake_sysfs_driver(&c->fs, NIC, drv, sizeof(drv));
	assert_string_equal(drv, "pci-stub");
	rmdir(p);
}

/* No reset method: released quiesced and restored (as xen-pciback does); --strict-reset quarantines it. */
static void test_no_reset_method(void **state)
{
	struct ctx *c = *state;
	seize_and_assign(c, false);
	char p[512];
	fake_sysfs_path(&c->fs, NIC, "reset", p, sizeof(p));
	unlink(p);
	guest_changes_device(c);
	assert_int_equal(pool_release(&c->pool, c->pd), 0);
	assert_false(c->pd->quarantined);
	uint8_t now[4096];
	assert_int_equal(fake_sysfs_config(&c->fs, NIC, now, sizeof(now)), 0);
	assert_int_equal(cfg16(now, 0x04) & 0x0004, 0);      /* bus mastering off */
	assert_int_equal(cfg16(now, MSIX_CTL) & 0x8000, 0);  /* MSI-X off */
	assert_int_equal(cfg16(now, DEVCTL), cfg16(c->pristine, DEVCTL)); /* restored */
	struct pb_bdf v;
	char err[256];
	assert_int_equal(pool_assign(&c->pool, c->g, c->pd, &v, err, sizeof(err)), 0); /* offered again */
}

static void test_no_reset_method_strict_quarantines(void **state)
{
	struct ctx *c = *state;
	c->fs.opt.strict_reset = true;
	seize_and_assign(c, false);
	char p[512];
	fake_sysfs_path(&c->fs, NIC, "reset", p, sizeof(p));
	unlink(p);
	assert_int_equal(pool_release(&c->pool, c->pd), -1);
	assert_true(c->pd->quarantined);
	assert_non_null(strstr(c->pd->reason, "no reset"));
}

/*
 * The device disappears under the daemon (hot-removed: its sysfs directory
 * goes away; reads through a config file already open return nothing): the
 * guest gets error codes (the IDs, emulated from what was read at seize as
 * the kernel does, still answer), the release quarantines it, nothing crashes.
 */
static void test_sysfs_vanishes(void **state)
{
	struct ctx *c = *state;
	seize_and_assign(c, false);
	char p[512], cmd[600];
	fake_sysfs_path(&c->fs, NIC, "config", p, sizeof(p));
	assert_int_equal(truncate(p, 0), 0);
	fake_sysfs_path(&c->fs, NIC, "", p, sizeof(p));
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", p);
	assert_int_equal(system(cmd), 0);
	struct pciif_sharedinfo sh = { 0 };
	static const struct {
		uint32_t cmd;
		int32_t off, size;
		uint32_t value;
	} ops[] = {
		{ PCIIF_OP_CONF_READ, 0x08, 4, 0 },  { PCIIF_OP_CONF_READ, 0x40, 2, 0 },
		{ PCIIF_OP_CONF_WRITE, 0x04, 2, 6 }, { PCIIF_OP_CONF_WRITE, 0x0c, 1, 0x10 },
		{ PCIIF_OP_ENABLE_MSI, 0, 0, 0 },    { PCIIF_OP_ENABLE_MSIX, 0, 0, 4 },
	};
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		memset(&sh.op, 0, sizeof(sh.op));
		sh.op.cmd = ops[i].cmd;
		sh.op.offset = ops[i].off;
		sh.op.size = ops[i].size;
		sh.op.value = ops[i].value;
		sh.flags = PCIIF_FLAG_F_ACTIVE;
		assert_true(dispatch_pending(&c->g->dg, &sh));
		if (ops[i].cmd == PCIIF_OP_CONF_READ && sh.op.err == 0)
			fail_msg("op %zu: a read of a vanished device succeeded", i);
	}
	assert_int_equal(pool_release(&c->pool, c->pd), -1);
	assert_true(c->pd->quarantined);
	assert_null(c->pd->owner);
}

/* Guest death goes through the same path: destroying the guest resets the device. */
static void test_guest_destroy_and_shutdown_give_back(void **state)
{
	struct ctx *c = *state;
	seize_and_assign(c, false);
	guest_changes_device(c);
	pool_guest_destroy(&c->pool, c->g);
	assert_int_equal(c->fs.resets, 1);
	assert_false(c->pd->quarantined);
	size_t w = c->fs.nwrites;
	pool_fini(&c->pool);
	assert_int_equal(c->fs.nwrites, w + 3);
	assert_string_equal(c->fs.writes[w].value, "\n");
	assert_non_null(strstr(c->fs.writes[w + 1].path, "drivers/pci-stub/unbind"));
	assert_non_null(strstr(c->fs.writes[w + 2].path, "drivers/igb/bind"));
	char drv[64];
	fake_sysfs_driver(&c->fs, NIC, drv, sizeof(drv));
	assert_string_equal(drv, "igb");
}

/* --read-only: open, add, assign, guest writes, release, shutdown: not one byte changes. */
static void test_read_only_writes_nothing(void **state)
{
	struct ctx *c = *state;
	size_t l1, l2;
	char *before = fake_sysfs_serialize(&c->fs, &l1);
	seize_and_assign(c, true);
	struct hostdev *hd = c->pd->dev.host;
	assert_int_equal(hostdev_write(hd, 0x04, 2, 0), -EROFS);
	assert_int_equal(hd->ops->enable(hd), -EROFS);
	assert_int_equal(hd->ops->reset(hd), -EROFS);
	assert_int_equal(pool_release(&c->pool, c->pd), 0);
	assert_false(c->pd->quarantined);
	pool_fini(&c->pool);
	char *after = fake_sysfs_serialize(&c->fs, &l2);
	assert_int_equal(c->fs.nwrites, 0);
	assert_int_equal(l1, l2);
	assert_memory_equal(before, after, l1);
	free(before);
	free(after);
}

static void test_bridge_and_bad_spec_refused(void **state)
{
	struct ctx *c = *state;
	char f[512], err[256];
	snprintf(f, sizeof(f), "%s/cap-vc-and-rcl.lspci", fixtures);
	assert_int_equal(fake_sysfs_add_device(&c->fs, f, "00:1c.0", "0000:00:1c.0", NULL, "pcieport"), 0);
	assert_null(host_source_open("host:0000:00:1c.0", &c->fs.opt, err, sizeof(err)));
	assert_non_null(strstr(err, "bridge"));
	c->fs.opt.read_only = true;
	assert_null(host_source_open("host:00:1c.0", &c->fs.opt, err, sizeof(err)));
	assert_non_null(strstr(err, "bridge"));
	assert_null(host_source_open("host:0000:01:00", &c->fs.opt, err, sizeof(err)));
	assert_non_null(strstr(err, "host:0000:01:00"));
	assert_int_equal(c->fs.nwrites, 0);
}

/*
 * With the daemon's release worker: the host release (quiesce, sysfs reset,
 * restore) runs off the loop; the device is `releasing` until it is over,
 * then restored and free, or quarantined when the reset failed.
 */
static void test_release_on_the_worker(void **state)
{
	struct ctx *c = *state;
	struct evloop *l = evloop_new();
	char err[256];
	assert_non_null(l);
	assert_int_equal(pool_start_release_worker(&c->pool, l, err, sizeof(err)), 0);
	seize_and_assign(c, false);
	assert_true(c->pd->dev.host->slow_reset);
	guest_changes_device(c);
	assert_int_equal(pool_release(&c->pool, c->pd), POOL_RELEASING);
	assert_null(c->pd->owner);
	assert_int_equal(c->g->topo.count, 0); /* the guest lost it at once */
	struct pb_bdf v;
	if (c->pd->releasing) { /* the worker may be done already, its completion not yet run */
		assert_int_equal(pool_assign(&c->pool, c->g, c->pd, &v, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "being reset"));
	}
	pool_wait_releases(&c->pool);
	assert_false(c->pd->releasing);
	assert_int_equal(c->fs.resets, 1);
	assert_int_equal(c->fs.cmd_at_reset & 0x04, 0);
	uint8_t now[4096];
	fake_sysfs_config(&c->fs, NIC, now, sizeof(now));
	assert_memory_equal(now, c->pristine, 6);
	assert_int_equal(cfg16(now, MSIX_CTL), cfg16(c->pristine, MSIX_CTL));
	assert_false(c->pd->quarantined);
	assert_int_equal(pool_assign(&c->pool, c->g, c->pd, &v, err, sizeof(err)), 0);
	/* A reset that fails on the worker: quarantined once the release is over. */
	char p[512];
	fake_sysfs_path(&c->fs, NIC, "reset", p, sizeof(p));
	unlink(p);
	assert_int_equal(mkdir(p, 0755), 0);
	assert_int_equal(pool_release(&c->pool, c->pd), POOL_RELEASING);
	pool_wait_releases(&c->pool);
	assert_true(c->pd->quarantined);
	assert_non_null(strstr(c->pd->reason, "reset failed"));
	pool_fini(&c->pool);
	pool_init(&c->pool, TOPO_VPCI);
	evloop_free(l);
	rmdir(p);
}

/*
 * The operator attaches a host device the pool already holds (assigned to
 * another guest): refused, and the device is not opened again on the way
 * (no second seize, no quiesce switching off the owner's MSI-X and bus
 * mastering).
 */
static void test_control_attach_of_pooled_device_touches_nothing(void **state)
{
	struct ctx *c = *state;
	seize_and_assign(c, false);
	guest_changes_device(c);
	uint8_t before[4096], after[4096];
	assert_int_equal(fake_sysfs_config(&c->fs, NIC, before, sizeof(before)), 0);
	struct ctl_ctx ctx = { .pool = &c->pool, .host = &c->fs.opt };
	char line[] = "attach g2 host:" NIC, *out = NULL;
	size_t outlen = 0;
	FILE *f = open_memstream(&out, &outlen);
	assert_non_null(f);
	ctl_execute(&ctx, line, f);
	fclose(f);
	assert_non_null(strstr(out, "already assigned to guest g1"));
	free(out);
	assert_int_equal(fake_sysfs_config(&c->fs, NIC, after, sizeof(after)), 0);
	assert_int_equal(cfg16(after, MSIX_CTL), cfg16(before, MSIX_CTL));
	assert_int_equal(cfg16(after, 0x04), cfg16(before, 0x04));
	assert_memory_equal(after, before, 256);
	assert_int_equal(c->pool.ndevs, 1);
}

int main(int argc, char **argv)
{
	fixtures = argc > 1 ? argv[1] : "fixtures/lspci";
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_seize_saves_quiet_pristine_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_control_attach_of_pooled_device_touches_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_quiesces_resets_restores, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_reset_quarantines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_reset_method, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_reset_method_strict_quarantines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sysfs_vanishes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_destroy_and_shutdown_give_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_only_writes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bridge_and_bad_spec_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_on_the_worker, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
