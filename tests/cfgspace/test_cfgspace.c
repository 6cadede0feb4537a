/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Register-by-register behaviour of the config-space engine on simulated
 * fixture devices: the kernel's rules (command, status, BIST, BARs, interrupt
 * line, PM, VPD, MSI/MSI-X flags), access splitting (XSA-128), chain repair,
 * quirks, permissive mode, release, errors, and the table check.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cfgspace/cfgspace.h"
#include "fixture_devs.h"
#include "host/simdev.h"
#include "proto/pciif.h"

static const char *g_dir;

struct fx {
	struct hostdev *hd;
	struct cfg_dev *cd;
	struct hostdev_ops ops; /* a copy the test may break */
};

/* Loads FILE#BDF; `prep` may poke the device before the engine sees it. */
static struct fx *load(const char *spec, const struct cfg_options *opts, void (*prep)(struct hostdev *))
{
	char path[2048], err[256];
	snprintf(path, sizeof(path), "%s/%s", g_dir, spec);
	struct fx *f = calloc(1, sizeof(*f));
	f->hd = simdev_load(path, err, sizeof(err));
	if (!f->hd)
		fail_msg("%s", err);
	f->ops = *f->hd->ops;
	f->hd->ops = &f->ops;
	if (prep)
		prep(f->hd);
	f->cd = cfg_dev_new(f->hd, opts, err, sizeof(err));
	if (!f->cd)
		fail_msg("%s", err);
	simdev_clear_writes(f->hd);
	return f;
}

static void unload(struct fx *f)
{
	cfg_dev_free(f->cd);
	hostdev_destroy(f->hd);
	free(f);
}

static uint32_t hw(struct fx *f, unsigned off, unsigned size)
{
	uint32_t v = 0;
	memcpy(&v, simdev_config(f->hd) + off, size);
	return v;
}

static uint32_t rd(struct fx *f, unsigned off, unsigned size)
{
	uint32_t v = 0;
	assert_int_equal(cfg_read(f->cd, off, size, &v), 0);
	return v;
}

static size_t nwrites(struct fx *f)
{
	size_t n;
	simdev_writes(f->hd, &n);
	return n;
}

#define PCIE2 "cap-pcie-2.lspci" /* 01:00.0: PM 0x40, MSI 0x50, MSI-X 0x70 (enabled), PCIe 0xa0, IRQ 16 */
#define VPDDEV "cap-vc-and-rcl.lspci#01:00.0" /* VPD at 0xcc */

static void test_tables_check(void **state)
{
	char err[256] = "";
	assert_int_equal(cfg_check_tables(err, sizeof(err)), 0);
	assert_string_equal(err, "");
}

static void test_identity_and_interrupt_line(void **state)
{
	struct fx *f = load(PCIE2, NULL, NULL);
	assert_int_equal(rd(f, 0, 4), (uint32_t)f->hd->device_id << 16 | f->hd->vendor_id);
	assert_int_equal(rd(f, 0x3c, 1), 16);
	f->hd->irq = 0x1234; /* 8 bits, as the kernel truncates dev->irq */
	assert_int_equal(rd(f, 0x3c, 1), 0x34);
	assert_int_equal(rd(f, 0x3d, 1), hw(f, 0x3d, 1)); /* pin: passthrough */
	assert_int_equal(cfg_write(f->cd, 0x00, 4, 0), 0);
	assert_int_equal(cfg_write(f->cd, 0x3c, 2, 0), 0);
	assert_int_equal(nwrites(f), 0);
	unload(f);
}

static void test_command_virtualized(void **state)
{
	struct fx *f = load(PCIE2, NULL, NULL);
	uint32_t host = hw(f, 4, 2);
	assert_true(host & 0x3); /* the dump decodes IO and MEM */
	/* XSA-120: the guest clears everything; the host keeps decoding; the guest reads its own value */
	assert_int_equal(cfg_write(f->cd, 4, 2, 0), 0);
	assert_int_equal(hw(f, 4, 2) & 0x3, host & 0x3);
	assert_int_equal(hw(f, 4, 2) & 0x4, 0); /* MASTER reaches the device */
	assert_int_equal(rd(f, 4, 2) & ~0x02bcu, 0);
	/* SERR and PARITY are virtual */
	assert_int_equal(cfg_write(f->cd, 4, 2, 0x0140), 0);
	assert_int_equal(hw(f, 4, 2) & 0x0140, host & 0x0140);
	assert_int_equal(rd(f, 4, 2) & 0x0140, 0x0140);
	/* MEM enables the device through the host layer */
	f->hd->enabled = false;
	unsigned en = simdev_counters(f->hd)->enables;
	assert_int_equal(cfg_write(f->cd, 4, 2, 0x0006), 0);
	assert_int_equal(simdev_counters(f->hd)->enables, en + 1);
	assert_true(hw(f, 4, 2) & 0x4);
	/* INTX_DISABLE needs allow-interrupt-control */
	uint32_t intx = hw(f, 4, 2) & 0x400;
	assert_int_equal(cfg_write(f->cd, 4, 2, 0x0006 | (intx ^ 0x400)), 0);
	assert_int_equal(hw(f, 4, 2) & 0x400, intx);
	cfg_set_allow_interrupt_control(f->cd, true);
	/* ... and reaches the device when it changes in the guest's view (which already has it flipped) */
	assert_int_equal(cfg_write(f->cd, 4, 2, 0x0006 | (intx ^ 0x400)), 0);
	assert_int_equal(hw(f, 4, 2) & 0x400, intx);
	assert_int_equal(cfg_write(f->cd, 4, 2, 0x0006 | intx), 0);
	assert_int_equal(hw(f, 4, 2) & 0x400, intx);
	assert_int_equal(cfg_write(f->cd, 4, 2, 0x0006 | (intx ^ 0x400)), 0);
	assert_int_equal(hw(f, 4, 2) & 0x400, intx ^ 0x400);
	/* every write the device saw changed only GUEST bits or INTX_DISABLE */
	size_t n;
	const struct simdev_write *w = simdev_writes(f->hd, &n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(w[i].off, 4);
	unload(f);
}

static int fail_enable(struct hostdev *hd) { return -EIO; }

static void test_command_enable_failure_is_raw_errno(void **state)
{
	struct fx *f = load(PCIE2, NULL, NULL);
	f->ops.enable = fail_enable;
	f->hd->enabled = false;
	uint32_t before = rd(f, 4, 2);
	assert_int_equal(cfg_write(f->cd, 4, 2, 0x0002), -EIO);
	assert_int_equal(rd(f, 4, 2), before);
	unload(f);
}

static void test_command_permissive_guest_bits(void **state)
{
	struct cfg_options o = { .permissive = true };
	struct fx *f = load(PCIE2, &o, NULL);
	uint32_t host = hw(f, 4, 2);
	assert_int_equal(cfg_write(f->cd, 4, 2, 0x02bc), 0);
	assert_int_equal(hw(f, 4, 2) & 0x02bc, 0x02bc & 0x07ff);
	assert_int_equal(hw(f, 4, 2) & 0x3, host & 0x3);
	unload(f);
}

static void test_status_rw1c(void **state)
{
	struct fx *f = load(PCIE2, NULL, NULL);
	simdev_poke(f->hd, 6, 2, hw(f, 6, 2) | 0xf900);
	assert_int_equal(cfg_write(f->cd, 6, 2, 0xffff), 0);
	assert_int_equal(hw(f, 6, 2) & 0xf900, 0xf900); /* dropped */
	assert_int_equal(nwrites(f), 0);
	/* a dword write at the command register carries status bytes: never clears them */
	assert_int_equal(cfg_write(f->cd, 4, 4, 0xffff0006), 0);
	assert_int_equal(hw(f, 6, 2) & 0xf900, 0xf900);
	cfg_set_permissive(f->cd, true);
	assert_int_equal(cfg_write(f->cd, 6, 2, 0x0100), 0); /* clears exactly what the guest set */
	assert_int_equal(hw(f, 6, 2) & 0xf900, 0xf800);
	assert_int_equal(cfg_write(f->cd, 4, 2, 0x0006), 0); /* command write: status untouched */
	assert_int_equal(hw(f, 6, 2) & 0xf900, 0xf800);
	unload(f);
}

static void test_header_dword_split(void **state)
{
	struct fx *f = load(PCIE2, NULL, NULL);
	/* XSA-128: one dword over cache line, latency, header type and BIST */
	uint32_t before = hw(f, 0x0c, 4);
	assert_int_equal(cfg_write(f->cd, 0x0c, 4, 0x5aa5a510), 0);
	uint32_t after = hw(f, 0x0c, 4);
	assert_int_equal(after & 0xff, 0x10);                        /* cache line: written */
	assert_int_equal(after & 0xffffff00u, before & 0xffffff00u); /* latency, type, BIST: not */
	/* BIST: START alone is allowed */
	unload(f);
}

static void test_bist_rule(void **state)
{
	struct fx *f = load(PCIE2, NULL, NULL);
	simdev_poke(f->hd, 0x0f, 1, 0x80); /* BIST capable */
	assert_int_equal(cfg_write(f->cd, 0x0f, 1, 0x0f), 0);
	assert_int_equal(nwrites(f), 0);
	assert_int_equal(cfg_write(f->cd, 0x0f, 1, 0xc0), 0);
	size_t n;
	const struct simdev_write *w = simdev_writes(f->hd, &n);
	assert_int_equal(n, 1);
	assert_int_equal(w[0].value, 0xc0);
	unload(f);
}

static void test_bar_sizing_and_restore(void **state)
{
	struct fx *f = load(PCIE2, NULL, NULL);
	uint32_t orig = rd(f, 0x10, 4);
	assert_int_equal(orig, 0xe0800000);
	assert_int_equal(cfg_write(f->cd, 0x10, 4, 0xffffffff), 0);
	assert_int_equal(rd(f, 0x10, 4), 0xfffe0000); /* 128K */
	assert_int_equal(rd(f, 0x12, 2), 0xfffe);
	assert_int_equal(cfg_write(f->cd, 0x10, 4, orig), 0);
	assert_int_equal(rd(f, 0x10, 4), orig);
	assert_int_equal(nwrites(f), 0); /* hardware already held it */
	assert_int_equal(rd(f, 0x18, 4), 0x1021); /* IO BAR */
	assert_int_equal(cfg_write(f->cd, 0x18, 4, 0xffffffff), 0);
	assert_int_equal(rd(f, 0x18, 4), 0xffffffe1);
	/* release drops the latch */
	cfg_dev_release(f->cd);
	assert_int_equal(rd(f, 0x18, 4), 0x1021);
	unload(f);
}

static void test_pm(void **state)
{
	struct fx *f = load(PCIE2, NULL, NULL);
	unsigned pm = 0x40;
	assert_int_equal(rd(f, pm + 2, 2) & 0xf800, 0); /* PME support hidden */
	assert_int_equal(cfg_write(f->cd, pm + 4, 2, 0x0100), 0); /* PME_ENABLE: never */
	assert_int_equal(hw(f, pm + 4, 2) & 0x0100, 0);
	unsigned pc = simdev_counters(f->hd)->power_changes;
	assert_int_equal(cfg_write(f->cd, pm + 4, 2, 0x0003), 0); /* D3 through the host layer */
	assert_int_equal(simdev_counters(f->hd)->power_changes, pc + 1);
	assert_int_equal(hw(f, pm + 4, 2) & 3, 3);
	/* Pending until finished, as the dispatcher does once the device's time is up; PMCSR is refused meanwhile. */
	unsigned wait_us;
	assert_true(cfg_pm_pending(f->cd, &wait_us));
	assert_int_equal(cfg_write(f->cd, pm + 5, 1, 0x00), PCIIF_ERR_ACCESS_DENIED);
	assert_false(cfg_pm_finish(f->cd, NULL));
	f->ops.set_power_state = NULL;
	assert_int_equal(cfg_write(f->cd, pm + 4, 2, 0x0000), PCIIF_ERR_ACCESS_DENIED);
	/* PME status clears when the guest writes 1 */
	simdev_poke(f->hd, pm + 4, 2, hw(f, pm + 4, 2) | 0x8000);
	assert_int_equal(cfg_write(f->cd, pm + 5, 1, 0x00), 0);
	assert_int_equal(hw(f, pm + 4, 2) & 0x8000, 0x8000);
	assert_int_equal(cfg_write(f->cd, pm + 5, 1, 0x80), 0);
	assert_int_equal(hw(f, pm + 4, 2) & 0x8000, 0);
	unload(f);
}

static void set_pme_enable(struct hostdev *hd)
{
	uint32_t v;
	hostdev_read(hd, 0x44, 2, &v);
	simdev_poke(hd, 0x44, 2, v | 0x0100);
}

static void test_pm_init_clears_pme_enable(void **state)
{
	struct fx *f = load(PCIE2, NULL, set_pme_enable);
	assert_int_equal(hw(f, 0x44, 2) & 0x0100, 0);
	unload(f);
}

static void test_vpd(void **state)
{
	struct fx *f = load(VPDDEV, NULL, NULL);
	unsigned vpd = 0xcc;
	assert_int_equal(rd(f, vpd, 1), 0x03);
	assert_int_equal(cfg_write(f->cd, vpd + 2, 2, 0x8010), PCIIF_ERR_ACCESS_DENIED);
	assert_int_equal(nwrites(f), 0);
	assert_int_equal(cfg_write(f->cd, vpd + 2, 2, 0x0010), 0); /* a VPD read request */
	assert_int_equal(hw(f, vpd + 2, 2) & 0x7fff, 0x0010);
	assert_int_equal(cfg_write(f->cd, vpd + 4, 4, 0x12345678), 0); /* data: dropped */
	assert_int_not_equal(hw(f, vpd + 4, 4), 0x12345678);
	unload(f);
}

static void test_msi_msix_flags(void **state)
{
	struct fx *f = load(PCIE2, NULL, NULL);
	unsigned msi = 0x50, msix = 0x70;
	uint32_t xf = hw(f, msix + 2, 2);
	assert_true(xf & 0x8000); /* MSI-X on in the dump */
	assert_int_equal(cfg_write(f->cd, msi + 2, 2, hw(f, msi + 2, 2) | 1), PCIIF_ERR_ACCESS_DENIED);
	assert_int_equal(cfg_write(f->cd, msix + 2, 2, xf), 0); /* same value: fine */
	cfg_set_allow_interrupt_control(f->cd, true);
	/* one type at a time: MSI while MSI-X is on */
	assert_int_equal(cfg_write(f->cd, msi + 2, 2, hw(f, msi + 2, 2) | 1), PCIIF_ERR_ACCESS_DENIED);
	/* other bits than the enables: denied */
	assert_int_equal(cfg_write(f->cd, msi + 2, 2, hw(f, msi + 2, 2) | 0x10), PCIIF_ERR_ACCESS_DENIED);
	assert_int_equal(cfg_write(f->cd, msix + 2, 2, xf & ~0x8000u), 0);
	assert_int_equal(hw(f, msix + 2, 2) & 0x8000, 0);
	assert_int_equal(cfg_write(f->cd, msi + 2, 2, hw(f, msi + 2, 2) | 1), 0);
	assert_int_equal(hw(f, msi + 2, 2) & 1, 1);
	assert_int_equal(cfg_write(f->cd, msix + 2, 2, xf | 0xc000), PCIIF_ERR_ACCESS_DENIED);
	assert_int_equal(cfg_write(f->cd, msi + 2, 2, hw(f, msi + 2, 2) & ~1u), 0);
	/* Linux's MSI-X order: enable with MASKALL, then clear MASKALL (INTx may still be on) */
	simdev_poke(f->hd, 4, 2, hw(f, 4, 2) & ~0x400u);
	assert_int_equal(cfg_write(f->cd, msix + 2, 2, (xf & 0x07ff) | 0xc000), 0);
	assert_int_equal(cfg_write(f->cd, msix + 2, 2, (xf & 0x07ff) | 0x8000), 0);
	assert_int_equal(hw(f, msix + 2, 2) & 0xc000, 0x8000);
	/* release clears allow-interrupt-control */
	cfg_dev_release(f->cd);
	assert_false(cfg_get_options(f->cd)->allow_interrupt_control);
	unload(f);
}

static void test_msi_split_write(void **state)
{
	/* XSA-128: a dword at the MSI capability start covers the header (dropped) and flags (rules) */
	struct fx *f = load(PCIE2, NULL, NULL);
	uint32_t before = hw(f, 0x50, 4);
	assert_int_equal(cfg_write(f->cd, 0x50, 4, 0x0001ffff), PCIIF_ERR_ACCESS_DENIED);
	assert_int_equal(hw(f, 0x50, 4), before);
	/* MSI address/data have no field: dropped */
	assert_int_equal(cfg_write(f->cd, 0x54, 4, 0xfee00000), 0);
	assert_int_equal(nwrites(f), 0);
	unload(f);
}

static void test_capabilities_and_ext_readonly(void **state)
{
	struct fx *f = load(PCIE2, NULL, NULL);
	assert_int_equal(rd(f, 0xa0, 2), hw(f, 0xa0, 2));
	assert_int_equal(cfg_write(f->cd, 0xa0 + 8, 2, 0xffff), 0); /* PCIe device control: dropped */
	assert_int_equal(cfg_write(f->cd, 0x100, 4, 0), 0);
	assert_int_equal(cfg_write(f->cd, 0x104, 4, 0xffffffff), 0);
	assert_int_equal(nwrites(f), 0);
	assert_int_equal(rd(f, 0x100, 4), hw(f, 0x100, 4));
	/* permissive: capability bodies and extended space are written, headers never */
	cfg_set_permissive(f->cd, true);
	assert_int_equal(cfg_write(f->cd, 0x100, 4, 0), 0);
	assert_int_equal(nwrites(f), 0);
	assert_int_equal(cfg_write(f->cd, 0xa0 + 8, 2, 0x0000), 0);
	assert_int_equal(nwrites(f), 1);
	unload(f);
}

static void loop_chain(struct hostdev *hd)
{
	simdev_poke(hd, 0xa1, 1, 0x40); /* PCIe cap's next -> PM: a loop */
}

static void into_header(struct hostdev *hd)
{
	simdev_poke(hd, 0x51, 1, 0x10); /* MSI's next -> the BARs */
}

static void ext_loop(struct hostdev *hd)
{
	uint32_t h;
	hostdev_read(hd, 0x100, 4, &h);
	simdev_poke(hd, 0x100, 4, (h & 0x000fffff) | (0x100u << 20));
}

static unsigned guest_walk(struct fx *f, unsigned *last)
{
	unsigned n = 0, pos = rd(f, 0x34, 1) & 0xfc;
	*last = 0;
	while (pos && n < 64) {
		n++;
		*last = pos;
		pos = rd(f, pos + 1, 1) & 0xfc;
	}
	return n;
}

static void test_broken_chains_are_cut(void **state)
{
	unsigned last;
	struct fx *f = load(PCIE2, NULL, NULL);
	assert_false(cfg_chain_was_cut(f->cd));
	assert_int_equal(guest_walk(f, &last), 4);
	unload(f);
	f = load(PCIE2, NULL, loop_chain);
	assert_true(cfg_chain_was_cut(f->cd));
	assert_int_equal(guest_walk(f, &last), 4);
	assert_int_equal(last, 0xa0);
	unload(f);
	f = load(PCIE2, NULL, into_header);
	assert_true(cfg_chain_was_cut(f->cd));
	assert_int_equal(guest_walk(f, &last), 2);
	assert_int_equal(last, 0x50);
	unload(f);
	f = load(PCIE2, NULL, ext_loop);
	assert_true(cfg_chain_was_cut(f->cd));
	assert_int_equal(rd(f, 0x100, 4) >> 20, 0);
	unload(f);
}

/* QEMU's e1000e: a version-1 PCI Express capability of 0x14 bytes at 0xe0, last in the chain. */
static void exp_v1_at_e0(struct hostdev *hd)
{
	simdev_poke(hd, 0xa1, 1, 0xe0);       /* the PCIe cap at 0xa0 now leads to 0xe0 */
	simdev_poke(hd, 0xe0, 4, 0x00010010); /* ID 0x10, next 0, version 1 */
	simdev_poke(hd, 0xf2, 2, 0xc000);     /* link status: the RW1C bits set */
}

/* A version-2 capability that would run past 0x100: only its header is described. */
static void exp_v2_at_e0(struct hostdev *hd)
{
	simdev_poke(hd, 0xa1, 1, 0xe0);
	simdev_poke(hd, 0xe0, 4, 0x00020010);
}

static void test_short_capabilities_keep_the_chain(void **state)
{
	unsigned last;
	struct fx *f = load(PCIE2, NULL, exp_v1_at_e0);
	assert_false(cfg_chain_was_cut(f->cd));
	assert_int_equal(guest_walk(f, &last), 5);
	assert_int_equal(last, 0xe0);
	/* Its status registers are described: a permissive-free write of 0 clears nothing. */
	assert_int_equal(cfg_write(f->cd, 0xf2, 2, 0), 0);
	assert_int_equal(hw(f, 0xf2, 2), 0xc000);
	unload(f);
	f = load(PCIE2, NULL, exp_v2_at_e0);
	assert_false(cfg_chain_was_cut(f->cd));
	assert_int_equal(guest_walk(f, &last), 5);
	assert_int_equal(last, 0xe0);
	assert_int_equal(cfg_write(f->cd, 0xe8, 2, 0xffff), 0); /* body: dropped */
	assert_int_equal(nwrites(f), 0);
	unload(f);
}

static void test_broken_ecaps_fixture_served(void **state)
{
	struct fx *f = load("broken-ecaps.lspci", NULL, NULL);
	uint32_t v;
	for (unsigned off = 0; off < 4096; off += 4)
		assert_int_equal(cfg_read(f->cd, off, 4, &v), 0);
	unload(f);
}

static void test_invalid_offsets(void **state)
{
	struct fx *f = load("microvm-virtio.lspci#00:01.0", NULL, NULL);
	uint32_t v = 7;
	unsigned end = f->hd->cfg_size;
	assert_int_equal(cfg_read(f->cd, end, 4, &v), PCIIF_ERR_INVALID_OFFSET);
	assert_int_equal(cfg_read(f->cd, end - 2, 4, &v), PCIIF_ERR_INVALID_OFFSET);
	assert_int_equal(v, 0);
	assert_int_equal(cfg_read(f->cd, -4, 4, &v), PCIIF_ERR_INVALID_OFFSET);
	assert_int_equal(cfg_read(f->cd, 2, 4, &v), PCIIF_ERR_INVALID_OFFSET);
	assert_int_equal(cfg_read(f->cd, 0, 3, &v), PCIIF_ERR_INVALID_OFFSET);
	assert_int_equal(cfg_write(f->cd, 0x0c, 3, 0), PCIIF_ERR_INVALID_OFFSET);
	assert_int_equal(cfg_write(f->cd, 0xff, 2, 0), PCIIF_ERR_INVALID_OFFSET);
	assert_int_equal(cfg_write(f->cd, end, 1, 0), PCIIF_ERR_INVALID_OFFSET);
	assert_int_equal(cfg_write(f->cd, 0x7fffffffL, 1, 0), PCIIF_ERR_INVALID_OFFSET);
	assert_int_equal(nwrites(f), 0);
	unload(f);
}

static void test_hardware_errors(void **state)
{
	struct fx *f = load(PCIE2, NULL, NULL);
	uint32_t v;
	simdev_set_fault(f->hd, SIMDEV_FAULT_READ_EIO);
	assert_int_equal(cfg_read(f->cd, 0x08, 4, &v), PCIIF_ERR_OP_FAILED);
	assert_int_equal(cfg_read(f->cd, 0x10, 4, &v), 0); /* BARs are never read from hardware */
	simdev_set_fault(f->hd, SIMDEV_FAULT_WRITE_EIO);
	assert_int_equal(cfg_write(f->cd, 0x0c, 1, 0x20), PCIIF_ERR_OP_FAILED);
	simdev_set_fault(f->hd, SIMDEV_FAULT_NONE);
	unload(f);
}

static void test_quirk_parse(void **state)
{
	struct cfg_quirk q;
	char err[256];
	assert_int_equal(cfg_quirk_parse("0000:01:00.0-40:2:ffff", &q, err, sizeof(err)), 0);
	assert_true(q.has_domain);
	assert_int_equal(q.addr.bus, 1);
	assert_int_equal(q.reg, 0x40);
	assert_int_equal(q.size, 2);
	assert_int_equal(q.mask, 0xffff);
	assert_int_equal(cfg_quirk_parse(" 0a:1f.7-ffc:4:12345678\n", &q, err, sizeof(err)), 0);
	assert_false(q.has_domain);
	assert_int_equal(q.addr.domain, 0);
	assert_int_equal(q.addr.bus, 0x0a);
	assert_int_equal(q.addr.devfn, PB_DEVFN(0x1f, 7));
	assert_int_equal(q.reg, 0xffc);
	assert_int_equal(q.mask, 0x12345678);
	const char *bad[] = { "", "01:00.0", "01:00.0-40:3:ff", "01:00.0-41:2:ff", "01:00.0-40:1:1ff",
			      "01:20.0-40:1:1", "01:00.8-40:1:1", "01:00.0-1000:1:1", "x1:00.0-40:1:1",
			      "01:00.0-40:1:1 junk", "00000:01:00.0-40:1:1" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		if (cfg_quirk_parse(bad[i], &q, err, sizeof(err)) != -1)
			fail_msg("accepted '%s'", bad[i]);
		assert_true(err[0] != 0);
	}
}

static void test_quirks(void **state)
{
	struct fx *f = load(PCIE2, NULL, NULL);
	char err[256];
	/* a device-specific dword in the PCIe capability's body */
	unsigned reg = 0xa0 + 0x28;
	uint32_t before = hw(f, reg, 4);
	assert_int_equal(cfg_write(f->cd, reg, 4, 0xffffffff), 0);
	assert_int_equal(nwrites(f), 0);
	struct cfg_quirk q;
	snprintf(err, sizeof(err), "01:00.0-%x:4:0000000f", reg);
	assert_int_equal(cfg_quirk_parse(err, &q, err, sizeof(err)), 0);
	assert_int_equal(cfg_apply_quirk(f->cd, &q, err, sizeof(err)), 0);
	assert_int_equal(cfg_quirk_count(f->cd), 1);
	assert_int_equal(cfg_write(f->cd, reg, 4, 0xfffffff5), 0);
	size_t n;
	const struct simdev_write *w = simdev_writes(f->hd, &n);
	assert_int_equal(n, 1);
	assert_int_equal(w[0].value & ~0xfu, before & ~0xfu); /* only the mask reaches hardware */
	assert_int_equal(w[0].value & 0xf, 0x5);
	/* overlap with a described register, and a wrong device */
	assert_int_equal(cfg_add_quirk(f->cd, 0x04, 2, 0xffff, err, sizeof(err)), -EEXIST);
	assert_int_equal(cfg_add_quirk(f->cd, 0xa0 + 0x2e, 4, 0, err, sizeof(err)), -EINVAL);
	assert_int_equal(cfg_add_quirk(f->cd, 0xe0, 2, 0x10000, err, sizeof(err)), -EINVAL);
	q.addr.bus = 2;
	assert_int_equal(cfg_apply_quirk(f->cd, &q, err, sizeof(err)), -ENODEV);
	/* release drops quirks */
	cfg_dev_release(f->cd);
	assert_int_equal(cfg_quirk_count(f->cd), 0);
	simdev_clear_writes(f->hd);
	assert_int_equal(cfg_write(f->cd, reg, 4, 0), 0);
	assert_int_equal(nwrites(f), 0);
	unload(f);
}

static void test_permissive_unfielded(void **state)
{
	struct fx *f = load(PCIE2, NULL, NULL);
	unsigned reg = 0xe0; /* outside every capability */
	assert_int_equal(cfg_write(f->cd, reg, 4, 0x11223344), 0);
	assert_int_equal(nwrites(f), 0);
	cfg_set_permissive(f->cd, true);
	assert_int_equal(cfg_write(f->cd, reg, 4, 0x11223344), 0);
	size_t n;
	const struct simdev_write *w = simdev_writes(f->hd, &n);
	assert_int_equal(n, 1);
	assert_int_equal(w[0].off, reg);
	assert_int_equal(w[0].size, 4);
	/* the vendor ID stays out of reach even when permissive */
	simdev_clear_writes(f->hd);
	assert_int_equal(cfg_write(f->cd, 0, 4, 0), 0);
	assert_int_equal(nwrites(f), 0);
	/* permissive is sticky across release, as in the kernel */
	cfg_dev_release(f->cd);
	assert_true(cfg_get_options(f->cd)->permissive);
	unload(f);
}

static void test_release_restores_command(void **state)
{
	struct fx *f = load(PCIE2, NULL, NULL);
	uint32_t seize = rd(f, 4, 2);
	assert_int_equal(cfg_write(f->cd, 4, 2, 0x0146), 0);
	assert_int_not_equal(rd(f, 4, 2) & ~0x02bcu, seize & ~0x02bcu);
	cfg_dev_release(f->cd);
	assert_int_equal(rd(f, 4, 2) & ~0x02bcu, seize & ~0x02bcu);
	unload(f);
}

int main(int argc, char **argv)
{
	g_dir = fx_dir(argc, argv);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables_check),
		cmocka_unit_test(test_short_capabilities_keep_the_chain),
		cmocka_unit_test(test_identity_and_interrupt_line),
		cmocka_unit_test(test_command_virtualized),
		cmocka_unit_test(test_command_enable_failure_is_raw_errno),
		cmocka_unit_test(test_command_permissive_guest_bits),
		cmocka_unit_test(test_status_rw1c),
		cmocka_unit_test(test_header_dword_split),
		cmocka_unit_test(test_bist_rule),
		cmocka_unit_test(test_bar_sizing_and_restore),
		cmocka_unit_test(test_pm),
		cmocka_unit_test(test_pm_init_clears_pme_enable),
		cmocka_unit_test(test_vpd),
		cmocka_unit_test(test_msi_msix_flags),
		cmocka_unit_test(test_msi_split_write),
		cmocka_unit_test(test_capabilities_and_ext_readonly),
		cmocka_unit_test(test_broken_chains_are_cut),
		cmocka_unit_test(test_broken_ecaps_fixture_served),
		cmocka_unit_test(test_invalid_offsets),
		cmocka_unit_test(test_hardware_errors),
		cmocka_unit_test(test_quirk_parse),
		cmocka_unit_test(test_quirks),
		cmocka_unit_test(test_permissive_unfielded),
		cmocka_unit_test(test_release_restores_command),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
