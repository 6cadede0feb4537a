/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One test per advisory or advisory class of this field (Xen
 * security advisories on PCI passthrough), each asserting the defended behaviour
 * through the public APIs: the config-space engine behind the dispatcher,
 * the MSI ops, and the pool's release path.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/pool.h"
#include "hostile_env.h"

#define CMD_IO 0x0001u
#define CMD_MEM 0x0002u
#define CMD_MASTER 0x0004u

#define NVME_MSI 0x50u
#define NVME_MSIX 0xb0u

static struct henv *env1(const char *spec, const struct cfg_options *o)
{
	const char *specs[] = { spec, NULL };
	struct henv *e = henv_new(specs, o);
	assert_non_null(e);
	return e;
}

static unsigned find_cap(struct henv *e, size_t i, uint8_t id)
{
	unsigned pos = hostdev_find_cap(e->hd[i], id);
	assert_true(pos != 0);
	return pos;
}

/* XSA-120 / XSA-126: the guest can neither switch decoding off nor reach host-owned command bits. */
static void xsa120_126_command_decoding(void **state)
{
	(void)state;
	struct henv *e = env1(HENV_VIRTIO, NULL);
	uint32_t hw0 = henv_hw(e, 0, 0x04, 2);
	assert_true(hw0 & CMD_MEM); /* the device decodes memory as seized */

	/* Writing 0: the guest reads back 0, the device keeps decoding. */
	assert_int_equal(henv_write(e, 0, 0x04, 2, 0), 0);
	uint32_t v;
	assert_int_equal(henv_read(e, 0, 0x04, 2, &v), 0);
	assert_int_equal(v & (CMD_IO | CMD_MEM), 0);
	assert_int_equal(henv_hw(e, 0, 0x04, 2) & (CMD_IO | CMD_MEM), hw0 & (CMD_IO | CMD_MEM));

	/* Enable through the host layer, then the guest turns decoding off again: still decoding. */
	assert_int_equal(henv_write(e, 0, 0x04, 2, CMD_MEM | CMD_MASTER), 0);
	assert_true(e->hd[0]->enabled);
	assert_int_equal(henv_write(e, 0, 0x04, 2, 0), 0);
	assert_int_equal(henv_hw(e, 0, 0x04, 2) & CMD_MEM, CMD_MEM);
	assert_int_equal(henv_hw(e, 0, 0x04, 2) & CMD_MASTER, 0);

	/* All ones: of the host-owned bits (SERR, parity, INTx disable, ...) none reaches the device. */
	uint32_t before = henv_hw(e, 0, 0x04, 2);
	assert_int_equal(henv_write(e, 0, 0x04, 2, 0xffff), 0);
	uint32_t changed = before ^ henv_hw(e, 0, 0x04, 2);
	assert_int_equal(changed & ~(CMD_IO | CMD_MEM | CMD_MASTER | 0x0010u), 0);
	/* The same through a byte write to the high half. */
	before = henv_hw(e, 0, 0x04, 2);
	assert_int_equal(henv_write(e, 0, 0x05, 1, 0xff), 0);
	assert_int_equal(henv_hw(e, 0, 0x04, 2), before);
	henv_free(e);
}

/* XSA-128: one access spanning several fields gives each only its own allowed bits. */
static void xsa128_multi_field_writes(void **state)
{
	(void)state;
	struct henv *e = env1(HENV_NVME, NULL);
	/* Status error bits pending in hardware; a dword write over command + status with status 0. */
	simdev_poke(e->hd[0], 0x06, 2, henv_hw(e, 0, 0x06, 2) | 0xf900);
	uint32_t status = henv_hw(e, 0, 0x06, 2);
	assert_int_equal(henv_write(e, 0, 0x04, 4, 0x00000000 | CMD_MASTER), 0);
	assert_int_equal(henv_hw(e, 0, 0x06, 2), status); /* no read-modify-write cleared them */
	assert_int_equal(henv_hw(e, 0, 0x04, 2) & CMD_MASTER, CMD_MASTER);
	/* All ones over command + status: status is not the guest's (default mode). */
	assert_int_equal(henv_write(e, 0, 0x04, 4, 0xffffffff), 0);
	assert_int_equal(henv_hw(e, 0, 0x06, 2), status);

	/* The qemu case: a dword at MSI data, whose upper half belongs to no field. */
	simdev_clear_writes(e->hd[0]);
	uint32_t data = henv_hw(e, 0, NVME_MSI + 0x0c, 4);
	henv_write(e, 0, NVME_MSI + 0x0c, 4, 0xffffffff);
	assert_int_equal(henv_writes_in(e, 0, NVME_MSI + 0x0c, 4), 0);
	assert_int_equal(henv_hw(e, 0, NVME_MSI + 0x0c, 4), data);

	/* A dword over the MSI header and flags: the header never changes, the flags only by the rules. */
	cfg_set_allow_interrupt_control(e->dev[0].cfg, true);
	uint32_t hdr = henv_hw(e, 0, NVME_MSI, 4);
	henv_write(e, 0, NVME_MSI, 4, 0xffffffff);
	assert_int_equal(henv_hw(e, 0, NVME_MSI, 2), hdr & 0xffff);
	assert_int_equal((henv_hw(e, 0, NVME_MSI + 2, 2) ^ (hdr >> 16)) & ~1u, 0);

	/* Permissive: a status write of one RW1C bit clears that bit only. */
	cfg_set_permissive(e->dev[0].cfg, true);
	status = henv_hw(e, 0, 0x06, 2);
	assert_int_equal(henv_write(e, 0, 0x04, 4, (0x8000u << 16) | henv_hw(e, 0, 0x04, 2)), 0);
	assert_int_equal(henv_hw(e, 0, 0x06, 2), status & ~0x8000u);
	henv_free(e);
}

/* XSA-129: the MSI per-vector mask and pending bits are never the guest's, in any mode. */
static void xsa129_msi_mask_bits(void **state)
{
	(void)state;
	static const struct {
		const char *mode;
		struct cfg_options o;
	} modes[] = {
		{ "default", { 0 } },
		{ "allow-interrupt-control", { .allow_interrupt_control = true } },
		{ "permissive", { .permissive = true } },
	};
	for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		struct henv *e = env1(HENV_NVME, &modes[m].o);
		assert_true(henv_hw(e, 0, NVME_MSI + 2, 2) & 0x0100); /* per-vector masking capable */
		assert_true(henv_hw(e, 0, NVME_MSI + 2, 2) & 0x0080); /* 64-bit: mask at +0x10 */
		uint32_t mask = henv_hw(e, 0, NVME_MSI + 0x10, 4), pend = henv_hw(e, 0, NVME_MSI + 0x14, 4);
		henv_write(e, 0, NVME_MSI + 0x10, 4, ~mask);
		henv_write(e, 0, NVME_MSI + 0x10, 1, 0xff);
		henv_write(e, 0, NVME_MSI + 0x14, 4, 0xffffffff);
		if (henv_writes_in(e, 0, NVME_MSI + 0x10, 8))
			print_error("mode %s: a guest write reached the MSI mask/pending registers\n", modes[m].mode);
		assert_int_equal(henv_writes_in(e, 0, NVME_MSI + 0x10, 8), 0);
		assert_int_equal(henv_hw(e, 0, NVME_MSI + 0x10, 4), mask);
		assert_int_equal(henv_hw(e, 0, NVME_MSI + 0x14, 4), pend);
		henv_free(e);
	}
}

/* XSA-131: registers nobody described are read-only unless the device is explicitly permissive. */
static void xsa131_default_deny(void **state)
{
	(void)state;
	struct henv *e = env1(HENV_NVME, NULL);
	assert_true(e->hd[0]->cfg_size == 4096);
	static const unsigned offs[] = { NVME_MSI + 4, NVME_MSI + 8, NVME_MSIX + 4, NVME_MSIX + 8, 0x100 + 4, 0xffc };
	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		uint32_t before = henv_hw(e, 0, offs[i], 4);
		henv_write(e, 0, (int32_t)offs[i], 4, ~before);
		assert_int_equal(henv_writes_in(e, 0, offs[i], 4), 0);
		assert_int_equal(henv_hw(e, 0, offs[i], 4), before);
	}
	/*
	 * Permissive is the explicit exception: a register nobody described (PCIe
	 * device control) now reaches the device.  The MSI message stays
	 * hypervisor-owned even then (see xsa129_msi_mask_bits).
	 */
	unsigned exp = hostdev_find_cap(e->hd[0], 0x10);
	assert_int_not_equal(exp, 0);
	henv_write(e, 0, (int32_t)exp + 8, 2, 0x0010);
	assert_int_equal(henv_writes_in(e, 0, exp + 8, 2), 0);
	cfg_set_permissive(e->dev[0].cfg, true);
	henv_write(e, 0, (int32_t)exp + 8, 2, 0x0010);
	assert_true(henv_writes_in(e, 0, exp + 8, 2) > 0);
	henv_write(e, 0, NVME_MSI + 4, 4, 0x12345678);
	assert_int_equal(henv_writes_in(e, 0, NVME_MSI + 4, 4), 0);
	henv_free(e);
}

/* XSA-155: the op is read once; changing the page afterwards changes nothing the backend does. */
static void flip_to_write(void *arg)
{
	struct henv *e = arg;
	e->sh.op.cmd = PCIIF_OP_CONF_WRITE;
	e->sh.op.offset = 0x04;
	e->sh.op.size = 2;
	e->sh.op.value = 0;
	e->sh.op.msix_entries[0].vector = 0x4242;
}

static void xsa155_double_fetch(void **state)
{
	(void)state;
	struct henv *e = env1(HENV_VIRTIO, NULL);
	e->g.after_fetch = flip_to_write;
	e->g.after_fetch_arg = e;
	uint32_t v = 0;
	assert_int_equal(henv_read(e, 0, 0x00, 2, &v), 0);
	assert_int_equal(v, 0x1af4); /* the vendor: the read that was posted */
	assert_int_equal(henv_writes_in(e, 0, 0, 4096), 0);
	/* Write-back touched only err and value: the guest's rewrites stay. */
	assert_int_equal(e->sh.op.cmd, PCIIF_OP_CONF_WRITE);
	assert_int_equal(e->sh.op.offset, 0x04);
	assert_int_equal(e->sh.op.msix_entries[0].vector, 0x4242);
	assert_false(pciif_flags_load(&e->sh) & PCIIF_FLAG_F_ACTIVE);
	henv_free(e);
}

/* XSA-157: enable/disable orders, MSI-X without memory decoding, bounds, unwinding, bounded logs. */
static int32_t msix_op(struct henv *e, uint32_t cmd, uint32_t nvec, uint32_t *value)
{
	memset(&e->sh.op, 0, sizeof(e->sh.op));
	e->sh.op.cmd = cmd;
	e->sh.op.value = nvec;
	for (uint32_t i = 0; i < PCIIF_MAX_VEC; i++) {
		e->sh.op.msix_entries[i].entry = (uint16_t)i;
		e->sh.op.msix_entries[i].vector = 0xffff;
	}
	pciif_flags_set(&e->sh, PCIIF_FLAG_F_ACTIVE);
	dispatch_pending(&e->g, &e->sh);
	if (value)
		*value = e->sh.op.value;
	return e->sh.op.err;
}

static void xsa157_msi_state_machine(void **state)
{
	(void)state;
	struct henv *e = env1(HENV_NVME, NULL);
	uint32_t v = 0;
	/* Disable without enable: harmless, nothing unmapped. */
	assert_int_equal(henv_op(e, PCIIF_OP_DISABLE_MSI, 0, 0, 0, &v), 0);
	assert_int_equal(henv_op(e, PCIIF_OP_DISABLE_MSIX, 0, 0, 0, &v), 0);
	assert_int_equal(e->irq.unmaps, 0);
	/* Enable MSI, then again: refused, still one mapping. */
	assert_int_equal(henv_op(e, PCIIF_OP_ENABLE_MSI, 0, 0, 0, &v), 0);
	assert_int_equal(sim_irq_live(&e->irq), 1);
	assert_int_equal(henv_op(e, PCIIF_OP_ENABLE_MSI, 0, 0, 0, &v), PCIIF_ERR_OP_FAILED);
	assert_int_equal(sim_irq_live(&e->irq), 1);
	/* MSI-X while MSI is on: -ENXIO, nothing mapped. */
	henv_write(e, 0, 0x04, 2, CMD_MEM);
	assert_int_equal(msix_op(e, PCIIF_OP_ENABLE_MSIX, 4, NULL), -ENXIO);
	assert_int_equal(sim_irq_live(&e->irq), 1);
	assert_int_equal(henv_op(e, PCIIF_OP_DISABLE_MSI, 0, 0, 0, &v), 0);
	assert_int_equal(sim_irq_live(&e->irq), 0);
	assert_int_equal(henv_hw(e, 0, NVME_MSI + 2, 2) & 1, 0);
	/* MSI-X with memory decoding off: -ENXIO. */
	simdev_poke(e->hd[0], 0x04, 2, henv_hw(e, 0, 0x04, 2) & ~CMD_MEM);
	assert_int_equal(msix_op(e, PCIIF_OP_ENABLE_MSIX, 4, NULL), -ENXIO);
	simdev_poke(e->hd[0], 0x04, 2, henv_hw(e, 0, 0x04, 2) | CMD_MEM);
	/* A provider failing midway: an error, and every vector mapped so far is unmapped. */
	e->irq.fail_after = 2;
	assert_true(msix_op(e, PCIIF_OP_ENABLE_MSIX, 4, NULL) < 0);
	assert_int_equal(sim_irq_live(&e->irq), 0);
	assert_int_equal(henv_hw(e, 0, NVME_MSIX + 2, 2) & 0x8000, 0);
	/* Then it works, once; a second enable is -EALREADY and maps nothing more. */
	assert_int_equal(msix_op(e, PCIIF_OP_ENABLE_MSIX, 4, NULL), 0);
	assert_int_equal(sim_irq_live(&e->irq), 4);
	assert_int_equal(msix_op(e, PCIIF_OP_ENABLE_MSIX, 4, NULL), -EALREADY);
	assert_int_equal(henv_op(e, PCIIF_OP_ENABLE_MSI, 0, 0, 0, &v), PCIIF_ERR_OP_FAILED);
	assert_int_equal(sim_irq_live(&e->irq), 4);
	/* A guest repeating a refused op cannot flood the log (CVE-2015-8552). */
	uint64_t lines = pb_log_lines_emitted();
	for (int i = 0; i < 10000; i++)
		msix_op(e, PCIIF_OP_ENABLE_MSIX, 4, NULL);
	assert_true(pb_log_lines_emitted() - lines <= 12);
	assert_int_equal(henv_op(e, PCIIF_OP_DISABLE_MSIX, 0, 0, 0, &v), 0);
	assert_int_equal(sim_irq_live(&e->irq), 0);
	henv_free(e);
}

/* XSA-164: MSI-X entries index the device's table only within its size; nvec is bounded. */
static void xsa164_msix_table_bounds(void **state)
{
	(void)state;
	struct henv *e = env1(HENV_NVME, NULL);
	henv_write(e, 0, 0x04, 2, CMD_MEM);
	unsigned tsize = (henv_hw(e, 0, NVME_MSIX + 2, 2) & 0x7ff) + 1;
	assert_int_equal(tsize, 16);
	/* nvec beyond SH_INFO_MAX_VEC. */
	assert_int_equal(msix_op(e, PCIIF_OP_ENABLE_MSIX, PCIIF_MAX_VEC + 1, NULL), -EINVAL);
	assert_int_equal(msix_op(e, PCIIF_OP_ENABLE_MSIX, 0xffffffffu, NULL), -EINVAL);
	/* More vectors than the table has, and an entry past the table. */
	assert_true(msix_op(e, PCIIF_OP_ENABLE_MSIX, tsize + 1, NULL) < 0);
	memset(&e->sh.op, 0, sizeof(e->sh.op));
	e->sh.op.cmd = PCIIF_OP_ENABLE_MSIX;
	e->sh.op.value = 2;
	e->sh.op.msix_entries[0].entry = 0;
	e->sh.op.msix_entries[1].entry = (uint16_t)tsize;
	pciif_flags_set(&e->sh, PCIIF_FLAG_F_ACTIVE);
	dispatch_pending(&e->g, &e->sh);
	assert_int_equal(e->sh.op.err, -EINVAL);
	/* Duplicate entries. */
	e->sh.op.msix_entries[1].entry = 0;
	pciif_flags_set(&e->sh, PCIIF_FLAG_F_ACTIVE);
	dispatch_pending(&e->g, &e->sh);
	assert_int_equal(e->sh.op.err, -EINVAL);
	assert_int_equal(e->irq.maps, 0);
	/* Success writes back exactly nvec vectors. */
	assert_int_equal(msix_op(e, PCIIF_OP_ENABLE_MSIX, 3, NULL), 0);
	for (unsigned i = 0; i < 3; i++)
		assert_int_not_equal(e->sh.op.msix_entries[i].vector, 0xffff);
	for (unsigned i = 3; i < PCIIF_MAX_VEC; i++)
		assert_int_equal(e->sh.op.msix_entries[i].vector, 0xffff);
	henv_free(e);
}

/* XSA-302: before a device is free again its DMA and interrupts are off and it was reset. */
static void xsa302_dma_after_detach(void **state)
{
	(void)state;
	struct pb_pool pool;
	struct sim_irq irq;
	sim_irq_init(&irq);
	pool_init(&pool, TOPO_VPCI);
	pool.irqp = &irq.provider;
	struct pb_pool_dev *pd = henv_pool_assign(&pool, HENV_NVME, "dma");
	struct hostdev *hd = pd->dev.host;
	struct pb_guest *g = pd->owner;

	/* The guest turns on decoding and bus mastering and MSI-X, as a driver does. */
	struct pciif_sharedinfo sh;
	memset(&sh, 0, sizeof(sh));
	sh.op.cmd = PCIIF_OP_CONF_WRITE;
	sh.op.devfn = topo_find(&g->topo, &pd->dev)->vaddr.devfn;
	sh.op.offset = 0x04;
	sh.op.size = 2;
	sh.op.value = CMD_MEM | CMD_MASTER;
	pciif_flags_set(&sh, PCIIF_FLAG_F_ACTIVE);
	dispatch_pending(&g->dg, &sh);
	assert_int_equal(sh.op.err, 0);
	assert_true(simdev_config(hd)[0x04] & CMD_MASTER);
	memset(&sh.op, 0, sizeof(sh.op));
	sh.op.cmd = PCIIF_OP_ENABLE_MSIX;
	sh.op.devfn = topo_find(&g->topo, &pd->dev)->vaddr.devfn;
	sh.op.value = 2;
	sh.op.msix_entries[1].entry = 1;
	pciif_flags_set(&sh, PCIIF_FLAG_F_ACTIVE);
	dispatch_pending(&g->dg, &sh);
	assert_int_equal(sh.op.err, 0);
	assert_int_equal(sim_irq_live(&irq), 2);

	unsigned resets = simdev_counters(hd)->resets;
	assert_int_equal(pool_release(&pool, pd), 0);
	assert_null(pd->owner);
	assert_false(pd->quarantined);
	assert_true(simdev_counters(hd)->resets > resets);
	const uint8_t *c = simdev_config(hd);
	if (c[0x04] & CMD_MASTER)
		print_error("released device is bus-mastering: command 0x%04x\n", c[0x04] | c[0x05] << 8);
	assert_int_equal(c[0x04] & CMD_MASTER, 0);
	assert_int_equal(c[NVME_MSIX + 3] & 0x80, 0); /* MSI-X enable */
	assert_int_equal(c[NVME_MSI + 2] & 0x01, 0);  /* MSI enable */
	assert_int_equal(sim_irq_live(&irq), 0);
	pool_fini(&pool);
}

/* XSA-332: a storm of kicks with nothing posted costs no work and no log lines. */
static void xsa332_event_storms(void **state)
{
	(void)state;
	struct henv *e = env1(HENV_VIRTIO, NULL);
	uint64_t lines = pb_log_lines_emitted();
	for (int i = 0; i < 100000; i++)
		assert_false(dispatch_pending(&e->g, &e->sh));
	assert_int_equal(e->g.stats.spurious, 100000);
	assert_int_equal(e->g.stats.ops, 0);
	assert_int_equal(pb_log_lines_emitted(), lines);
	assert_int_equal(henv_writes_in(e, 0, 0, 4096), 0);
	/* Unknown commands in a storm: answered, and logged a bounded number of times. */
	for (int i = 0; i < 100000; i++)
		assert_int_equal(henv_op(e, 0x1000 + (uint32_t)i, 0, 0, 4, NULL), PCIIF_ERR_NOT_IMPLEMENTED);
	assert_true(pb_log_lines_emitted() - lines <= 12);
	henv_free(e);
}

/* kvmtool CVE-2021-45464: offset + size past the end, huge and negative offsets, odd sizes. */
static void kvmtool_cve_2021_45464_offset_size_overflow(void **state)
{
	(void)state;
	const char *specs[] = { HENV_VIRTIO, HENV_NVME, NULL }; /* 256-byte and 4 KiB config spaces */
	struct henv *e = henv_new(specs, NULL);
	assert_non_null(e);
	static const struct {
		int32_t off, size;
	} bad[] = {
		{ 0xfe, 4 }, { 0xff, 2 }, { 0x100, 1 }, { 0xffc, 8 }, { 0x1000, 1 }, { 0xffe, 4 }, { INT32_MAX, 1 },
		{ INT32_MAX - 3, 4 }, { -1, 1 }, { -4, 4 }, { INT32_MIN, 4 }, { 0, 0 }, { 0, 3 }, { 0, -1 },
		{ 0, INT32_MAX }, { 0, INT32_MIN }, { 2, 4 }, { 1, 2 }, { 0x40, 8 },
	};
	for (size_t d = 0; d < 2; d++) {
		unsigned size = e->hd[d]->cfg_size;
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			/* 0x100 and 0xffe-ish offsets are valid on the 4 KiB device: skip what fits. */
			if (hostdev_access_ok(e->hd[d], bad[i].off, bad[i].size))
				continue;
			uint32_t v = 0;
			assert_int_equal(henv_read(e, d, bad[i].off, bad[i].size, &v), PCIIF_ERR_INVALID_OFFSET);
			assert_int_equal(henv_write(e, d, bad[i].off, bad[i].size, 0xffffffff),
					 PCIIF_ERR_INVALID_OFFSET);
		}
		assert_int_equal(henv_writes_in(e, d, 0, size), 0);
	}
	henv_free(e);
}

/* ACRN #2624: a device reporting the largest MSI-X table (2048) bounds nothing of ours. */
static void acrn_2624_device_reported_table_sizes(void **state)
{
	(void)state;
	struct henv *e = env1(HENV_XLAT, NULL);
	unsigned msix = find_cap(e, 0, 0x11);
	simdev_poke(e->hd[0], msix + 2, 2, (henv_hw(e, 0, msix + 2, 2) & ~0x7ffu) | 0x7ff); /* "2048 entries" */
	henv_write(e, 0, 0x04, 2, CMD_MEM);
	/* The most a guest may ask for is SH_INFO_MAX_VEC, whatever the device claims. */
	assert_int_equal(msix_op(e, PCIIF_OP_ENABLE_MSIX, PCIIF_MAX_VEC + 1, NULL), -EINVAL);
	memset(&e->sh.op, 0, sizeof(e->sh.op));
	e->sh.op.cmd = PCIIF_OP_ENABLE_MSIX;
	e->sh.op.value = PCIIF_MAX_VEC;
	for (unsigned i = 0; i < PCIIF_MAX_VEC; i++)
		e->sh.op.msix_entries[i].entry = (uint16_t)(2047 - i);
	pciif_flags_set(&e->sh, PCIIF_FLAG_F_ACTIVE);
	dispatch_pending(&e->g, &e->sh);
	assert_int_equal(e->sh.op.err, 0);
	assert_int_equal(sim_irq_live(&e->irq), PCIIF_MAX_VEC);
	assert_int_equal(msix_op(e, PCIIF_OP_DISABLE_MSIX, 0, NULL), 0);
	/* An entry at the claimed size itself is out of the table. */
	memset(&e->sh.op, 0, sizeof(e->sh.op));
	e->sh.op.cmd = PCIIF_OP_ENABLE_MSIX;
	e->sh.op.value = 1;
	e->sh.op.msix_entries[0].entry = 2048;
	pciif_flags_set(&e->sh, PCIIF_FLAG_F_ACTIVE);
	dispatch_pending(&e->g, &e->sh);
	assert_int_equal(e->sh.op.err, -EINVAL);
	assert_int_equal(sim_irq_live(&e->irq), 0);
	/* The guest view of the flags and every read of the capability stay within it. */
	uint32_t v;
	for (unsigned off = msix; off < msix + 12; off += 4)
		assert_int_equal(henv_read(e, 0, (int32_t)off, 4, &v), 0);
	henv_free(e);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		henv_fixtures = argv[1];
	pb_log_set_level(PB_LOG_WARN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(xsa120_126_command_decoding),
		cmocka_unit_test(xsa128_multi_field_writes),
		cmocka_unit_test(xsa129_msi_mask_bits),
		cmocka_unit_test(xsa131_default_deny),
		cmocka_unit_test(xsa155_double_fetch),
		cmocka_unit_test(xsa157_msi_state_machine),
		cmocka_unit_test(xsa164_msix_table_bounds),
		cmocka_unit_test(xsa302_dma_after_detach),
		cmocka_unit_test(xsa332_event_storms),
		cmocka_unit_test(kvmtool_cve_2021_45464_offset_size_overflow),
		cmocka_unit_test(acrn_2624_device_reported_table_sizes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
