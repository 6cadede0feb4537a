/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The table-driven sweep: on every device of every
 * bundled fixture, every offset 0..4095, every size 1/2/4 at every alignment,
 * and the values 0x00, 0xFF, 0x5A, 0x5A5A5A5A and all ones, with the default
 * options, with allow-interrupt-control, and in permissive mode.  It asserts:
 *  - the bits that change in the device are a subset of what the policy below
 *    allows for the bytes written (the policy is written here from the
 *    kernel's rules, independently of the engine's tables);
 *  - RW1C bits are written as 1 only where the guest wrote 1 in a field whose
 *    bits it may write;
 *  - misaligned or out-of-range accesses return invalid_offset and touch
 *    nothing;
 *  - every valid read succeeds.
 */
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
#include "raw_cap.h"

static const char *g_dir;

enum mode { MODE_DEFAULT, MODE_INTC, MODE_PERMISSIVE };

/*
 * Per byte: bits whose change may reach the device, and the device's RW1C and
 * trigger bits (VPD F, BIST START): a 1 read back there is no request, so
 * they may be written as 1 only where the guest wrote 1.
 */
struct policy {
	uint8_t allowed[4096];
	uint8_t rw1c[4096];
	uint8_t bar[4096];     /* 1: byte of a BAR/ROM: only the original value may be written back */
	uint8_t never[4096];   /* 1: never written in any mode */
	unsigned pm;
};

static void set16(uint8_t *m, unsigned off, uint16_t v)
{
	m[off] |= (uint8_t)v;
	m[off + 1] |= (uint8_t)(v >> 8);
}

static void build_policy(struct policy *p, const uint8_t *cfg, unsigned cfg_size, unsigned hdr_type, enum mode m)
{
	memset(p, 0, sizeof(*p));
	/* RW1C bits of the device (what a careless read-modify-write would clear). */
	set16(p->rw1c, 0x06, 0xf900);
	if (hdr_type == 1)
		set16(p->rw1c, 0x1e, 0xf900);
	unsigned pm = raw_cap_find(cfg, 0x01), vpd = raw_cap_find(cfg, 0x03), msi = raw_cap_find(cfg, 0x05);
	unsigned msix = raw_cap_find(cfg, 0x11), exp = raw_cap_find(cfg, 0x10);
	p->pm = pm;
	p->rw1c[0x0f] = 0x40;
	if (vpd)
		set16(p->rw1c, vpd + 2, 0x8000);
	if (pm)
		set16(p->rw1c, pm + 4, 0x8000);
	if (exp) {
		set16(p->rw1c, exp + 0x0a, 0x000f);
		set16(p->rw1c, exp + 0x12, 0xc000);
		set16(p->rw1c, exp + 0x1a, 0x011f);
		p->rw1c[exp + 0x22] |= 0x01;
	}
	/* Never written: identity, BARs except the restore, capability headers, interrupt line. */
	for (unsigned o = 0; o < 4; o++)
		p->never[o] = 1;
	p->never[0x3c] = 1;
	p->never[0x34] = 1;
	unsigned nbars = hdr_type == 1 ? 2 : 6, rom = hdr_type == 1 ? 0x38 : 0x30;
	for (unsigned o = 0x10; o < 0x10 + 4 * nbars; o++)
		p->bar[o] = 1;
	for (unsigned o = rom; o < rom + 4; o++)
		p->bar[o] = 1;

	/* What the kernel lets through. */
	set16(p->allowed, 0x04, 0x0014);             /* MASTER, INVALIDATE */
	p->allowed[0x0c] = 0xff;                     /* cache line size */
	p->allowed[0x0f] = 0x40;                     /* BIST start */
	if (pm)
		set16(p->allowed, pm + 4, 0x9e00);   /* PME status (RW1C), data select; D-state via the host layer */
	if (vpd)
		set16(p->allowed, vpd + 2, 0x7fff);  /* VPD address without the F flag */
	if (m == MODE_INTC) {
		set16(p->allowed, 0x04, 0x0400);     /* INTX_DISABLE */
		if (msi)
			set16(p->allowed, msi + 2, 0x0001);
		if (msix)
			set16(p->allowed, msix + 2, 0xc000);
	}
	if (m == MODE_PERMISSIVE) {
		/* Everything but: identity, BARs, interrupt line, latency, cap pointers, command IO/MEM (XSA-120). */
		for (unsigned o = 0x40; o < cfg_size; o++)
			p->allowed[o] = 0xff;
		for (unsigned o = 0x08; o < 0x40; o++)
			if (!p->bar[o] && o != 0x0d && o != 0x3c && o != 0x3d && o != 0x34 && o != 0x04 && o != 0x05)
				p->allowed[o] = 0xff;
		set16(p->allowed, 0x04, 0x02bc);
		p->allowed[0x06] = 0;                  /* status: RW1C bits only */
		p->allowed[0x07] = 0xf9;
		if (hdr_type == 1) {
			p->allowed[0x1e] = 0;
			p->allowed[0x1f] = 0xf9;
		}
		/* Capability headers never. */
		unsigned pos = (cfg[0x06] & 0x10) ? cfg[0x34] & 0xfc : 0;
		for (int ttl = 48; ttl-- && pos >= 0x40;) {
			p->never[pos] = p->never[pos + 1] = 1;
			p->allowed[pos] = p->allowed[pos + 1] = 0;
			pos = cfg[pos + 1] & 0xfc;
		}
	}
	if (vpd)
		p->allowed[vpd + 3] &= 0x7f; /* a VPD write request: never, even permissive */
	for (unsigned o = 0; o < 4096; o++)
		if (p->never[o] || p->bar[o])
			p->allowed[o] = 0;
}

struct sweep_stats {
	size_t devices, writes_checked, device_writes;
};

static const uint32_t values[] = { 0x00, 0xff, 0x5a, 0x5a5a5a5a, 0xffffffff };

static void sweep_device(const struct lspci_dump_dev *d, const char *name, enum mode m, struct sweep_stats *st)
{
	char err[256];
	struct hostdev *hd = simdev_from_dump(d, name);
	assert_non_null(hd);
	struct cfg_options opts = { .permissive = m == MODE_PERMISSIVE, .allow_interrupt_control = m == MODE_INTC };
	struct cfg_dev *cd = cfg_dev_new(hd, &opts, err, sizeof(err));
	if (!cd)
		fail_msg("%s: %s", name, err);
	static struct policy p;
	const uint8_t *cfg = simdev_config(hd);
	build_policy(&p, cfg, hd->cfg_size, hd->header_type, m);
	/* The guest-visible BAR values: the only values a BAR write may put in hardware. */
	uint32_t barval[0x40 / 4] = { 0 };
	for (unsigned o = 0x10; o < 0x40; o += 4)
		if (p.bar[o])
			assert_int_equal(cfg_read(cd, o, 4, &barval[o / 4]), 0);

	simdev_clear_writes(hd);
	for (unsigned off = 0; off < 4096; off++) {
		for (unsigned size = 1; size <= 4; size *= 2) {
			for (size_t vi = 0; vi < sizeof(values) / sizeof(values[0]); vi++) {
				uint32_t val = values[vi] & (size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1);
				bool valid = off % size == 0 && off + size <= hd->cfg_size;
				uint8_t before[4];
				unsigned base = off & ~3u;
				if (valid)
					memcpy(before, cfg + base, 4);
				uint8_t cmd_before = cfg[4];
				struct simdev_counters c0 = *simdev_counters(hd);
				int rc = cfg_write(cd, off, size, val);
				size_t nw;
				const struct simdev_write *w = simdev_writes(hd, &nw);
				if (!valid) {
					assert_int_equal(rc, PCIIF_ERR_INVALID_OFFSET);
					assert_int_equal(nw, 0);
					assert_memory_equal(&c0, simdev_counters(hd), sizeof(c0));
					uint32_t rv = 0xdead;
					assert_int_equal(cfg_read(cd, off, size, &rv), PCIIF_ERR_INVALID_OFFSET);
					continue;
				}
				/* Writes may fail only with access_denied (a policy refusal). */
				if (rc != 0 && rc != PCIIF_ERR_ACCESS_DENIED)
					fail_msg("%s: write %u@0x%x = 0x%x returned %d", name, size, off, val, rc);
				/* Changes made through the host layer (enable, disable) are the new baseline;
				 * a D-state change comes after the PMCSR write. */
				const struct simdev_counters *c1 = simdev_counters(hd);
				if (base == 4 && (c1->enables != c0.enables || c1->disables != c0.disables))
					before[0] = (uint8_t)((before[0] & ~0x07) | (cfg[4] & 0x07));
				st->writes_checked++;
				st->device_writes += nw;
				for (size_t k = 0; k < nw; k++) {
					if (w[k].off < base || w[k].off + w[k].size > base + 4)
						fail_msg("%s: write %u@0x%x reached the device at 0x%x", name, size, off, w[k].off);
					if (p.bar[w[k].off]) {
						if (w[k].size != 4 || w[k].value != barval[w[k].off / 4])
							fail_msg("%s: BAR 0x%x got 0x%x (only 0x%x may be restored)", name, w[k].off,
								 w[k].value, barval[w[k].off / 4]);
						continue;
					}
					for (unsigned b = 0; b < w[k].size; b++) {
						unsigned a = w[k].off + b;
						uint8_t rb = (uint8_t)(w[k].value >> (8 * b));
						uint8_t changed = (uint8_t)(rb ^ before[a - base]);
						uint8_t guest = (a >= off && a < off + size) ? (uint8_t)(val >> (8 * (a - off))) : 0;
						if (p.never[a] || (changed & ~p.allowed[a] & ~p.rw1c[a]))
							fail_msg("%s mode %d: write %u@0x%x = 0x%x changed bits 0x%02x of byte 0x%x "
								 "(allowed 0x%02x)", name, m, size, off, val, changed, a, p.allowed[a]);
						if (rb & p.rw1c[a] & ~(guest & p.allowed[a]))
							fail_msg("%s mode %d: write %u@0x%x = 0x%x wrote RW1C/trigger bits 0x%02x at 0x%x "
								 "the guest did not set", name, m, size, off, val, rb & p.rw1c[a], a);
					}
				}
				/* XSA-120: the host's decoding is never switched off by a guest. */
				if ((cfg[4] & cmd_before & 0x03) != (cmd_before & 0x03))
					fail_msg("%s: write %u@0x%x = 0x%x cleared the host's decoding", name, size, off, val);
				simdev_clear_writes(hd);
				uint32_t rv;
				rc = cfg_read(cd, off, size, &rv);
				if (rc)
					fail_msg("%s: read %u@0x%x returned %d", name, size, off, rc);
			}
		}
	}
	st->devices++;
	cfg_dev_free(cd);
	hostdev_destroy(hd);
}

struct run { enum mode m; struct sweep_stats st; };

static void per_dev(const char *file, size_t index, const struct lspci_dump_dev *d, void *arg)
{
	struct run *r = arg;
	char name[300];
	snprintf(name, sizeof(name), "%s[%zu]", file, index);
	sweep_device(d, name, r->m, &r->st);
}

static void run_mode(enum mode m)
{
	struct run r = { .m = m };
	size_t n = fx_for_each(g_dir, per_dev, &r);
	assert_true(n >= 31);
	assert_int_equal(r.st.devices, n);
	print_message("mode %d: %zu devices, %zu valid writes, %zu reached the device\n", m, r.st.devices,
		      r.st.writes_checked, r.st.device_writes);
}

static void test_sweep_default(void **state) { run_mode(MODE_DEFAULT); }
static void test_sweep_interrupt_control(void **state) { run_mode(MODE_INTC); }
static void test_sweep_permissive(void **state) { run_mode(MODE_PERMISSIVE); }

int main(int argc, char **argv)
{
	g_dir = fx_dir(argc, argv);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sweep_default),
		cmocka_unit_test(test_sweep_interrupt_control),
		cmocka_unit_test(test_sweep_permissive),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
