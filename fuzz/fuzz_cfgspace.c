/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The config-space engine fed arbitrary access sequences on every device of
 * every bundled fixture.  Input: byte 0 picks the device, byte 1 the options
 * (permissive, allow-interrupt-control), then up to 64 8-byte records
 *   [kind:1][size:1][offset:2][value:4]
 * where kind selects read / write / option change / release and how the
 * offset is widened (as is, negative, huge), and size is taken as a signed
 * byte (so 0, 3, -1 and 127 happen).  Invariants after every access:
 *  - an access that is not 1/2/4 bytes, aligned and inside the device returns
 *    invalid_offset and changes nothing in the device (no write recorded);
 *  - every valid read succeeds (no faults are injected here);
 *  - a write changes no device byte outside the bytes it addressed, except
 *    where a described field wider than the access was read-modify-written
 *    (then only inside that field);
 *  - bits that changed in a field without a write hook are within the
 *    field's writable mask plus its RW1C bits, and RW1C bits are only cleared
 *    where the guest wrote 1;
 *  - a trigger bit (VPD F, BIST START) is sent to the device as 1 only where
 *    the guest wrote 1 (a 1 read back from the device is never written);
 *  - bytes outside every field never change unless the device is permissive;
 *  - the command register's memory and I/O decode bits are never cleared by
 *    a guest write (XSA-120/126);
 *  - unless permissive, the MSI capability's address, data, mask and pending
 *    registers never change (XSA-129), and MSI / MSI-X enable bits change only
 *    when interrupt control is allowed.
 */
#include <dirent.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgspace/cfg_field.h"
#include "cfgspace/cfgspace.h"
#include "common/log.h"
#include "host/lspci_dump.h"
#include "host/simdev.h"
#include "proto/pciif.h"

static struct lspci_dump_dev *devs;
static size_t ndevs;

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	pb_log_set_level(PB_LOG_ERR);
	DIR *d = opendir(PB_FIXTURES_DIR);
	if (!d)
		__builtin_trap();
	char *names[256];
	size_t n = 0;
	for (struct dirent *e; (e = readdir(d)) && n < 256;) {
		size_t l = strlen(e->d_name);
		if (l > 6 && !strcmp(e->d_name + l - 6, ".lspci"))
			names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_str);
	for (size_t i = 0; i < n; i++) {
		char path[512], err[300];
		struct lspci_dump dump;
		snprintf(path, sizeof(path), "%s/%s", PB_FIXTURES_DIR, names[i]);
		free(names[i]);
		if (lspci_dump_load(path, &dump, err, sizeof(err)))
			continue;
		devs = realloc(devs, (ndevs + dump.count) * sizeof(*devs));
		memcpy(devs + ndevs, dump.devs, dump.count * sizeof(*devs));
		ndevs += dump.count;
		lspci_dump_free(&dump);
	}
	if (!ndevs)
		__builtin_trap();
	return 0;
}

#include "fuzz_check.h"
#include "raw_cap.h"

/* Checks what one cfg_write changed in the device. */
static void check_write(struct cfg_dev *cd, const uint8_t *before, const uint8_t *after, unsigned cfg_size, long off,
			long size, uint32_t val, bool pm_finished)
{
	const struct cfg_options *o = cfg_get_options(cd);
	for (unsigned b = 0; b < cfg_size; b++) {
		if (!(b & 63) && !memcmp(before + b, after + b, 64)) {
			b += 63; /* cfg_size is a multiple of 64: skip an unchanged block */
			continue;
		}
		uint8_t changed = before[b] ^ after[b];
		if (!changed)
			continue;
		unsigned idx = cd->map[b];
		bool addressed = (long)b >= off && (long)b < off + size;
		if (!idx) {
			/* Outside every field: only a permissive write to this very byte. */
			CHECK(o->permissive && addressed);
			continue;
		}
		const struct cfg_fi *fi = &cd->fi[idx - 1];
		/* After a D-state change, a BAR or ROM may get its host resource back (cfg_pm_finish). */
		if (pm_finished && fi->f->restore) {
			CHECK(after[b] == (uint8_t)(fi->st[0] >> (8 * (b - fi->off))));
			continue;
		}
		/* Inside a field the access touched. */
		CHECK(fi->off < off + size && fi->off + fi->size > off);
		if (fi->f->write)
			continue; /* hook-specific rules: checked below for the ones that matter */
		unsigned shift = 8 * (b - fi->off);
		uint8_t writable = (uint8_t)(cfg_fi_writable(cd, fi) >> shift);
		uint8_t rw1c = (uint8_t)(fi->f->rw1c >> shift);
		CHECK((changed & ~(writable | rw1c)) == 0);
		/* A cleared RW1C bit: the guest wrote 1 there. */
		if (changed & rw1c) {
			CHECK(addressed);
			uint8_t wrote = (uint8_t)(val >> (8 * (b - off)));
			CHECK((changed & rw1c & ~wrote) == 0);
		}
	}
	/* XSA-120/126: decoding is never switched off by the guest. */
	CHECK((before[4] & 0x03 & ~after[4]) == 0);
	unsigned msi = raw_cap_find(before, 0x05), msix = raw_cap_find(before, 0x11);
	if (!o->permissive) {
		if (msi)
			for (unsigned b = msi + 4; b < msi + 0x18 && b < cfg_size; b++)
				if (!cd->map[b])
					CHECK(before[b] == after[b]);
		if (!o->allow_interrupt_control) {
			if (msi)
				CHECK((before[msi + 2] ^ after[msi + 2]) == 0);
			if (msix)
				CHECK((before[msix + 3] ^ after[msix + 3]) == 0);
		}
	}
}

/* Checks the writes the device received for one cfg_write: trigger bits are 1 only where the guest wrote 1. */
static void check_triggers(struct cfg_dev *cd, const struct simdev_write *w, size_t n, long off, long size,
			   uint32_t val)
{
	for (size_t k = 0; k < n; k++) {
		for (unsigned i = 0; i < w[k].size; i++) {
			unsigned b = w[k].off + i, idx = cd->map[b];
			if (!idx)
				continue;
			const struct cfg_fi *fi = &cd->fi[idx - 1];
			uint8_t trig = (uint8_t)(fi->f->trig >> (8 * (b - fi->off)));
			uint8_t sent = (uint8_t)(w[k].value >> (8 * i));
			bool addressed = (long)b >= off && (long)b < off + size;
			uint8_t wrote = addressed ? (uint8_t)(val >> (8 * (b - off))) : 0;
			CHECK((sent & trig & ~wrote) == 0);
		}
	}
}

static long widen(unsigned how, uint16_t raw)
{
	switch (how) {
	case 0:
	case 1:
		return raw & 0xfff;      /* mostly in range */
	case 2:
		return (int16_t)raw;    /* negative */
	default:
		return how == 3 ? (long)raw : LONG_MAX - raw; /* past the end, huge */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	const struct lspci_dump_dev *dd = &devs[data[0] % ndevs];
	struct hostdev *hd = simdev_from_dump(dd, "fuzz");
	if (!hd)
		return 0;
	/* The device's own behaviours some inputs turn on: VPD requests completing, soft reset on D3hot->D0. */
	simdev_set_vpd_completion(hd, data[1] & 4);
	simdev_set_soft_reset(hd, data[1] & 8);
	struct cfg_options opts = { .permissive = data[1] & 1, .allow_interrupt_control = (data[1] >> 1) & 1 };
	char err[300];
	struct cfg_dev *cd = cfg_dev_new(hd, &opts, err, sizeof(err));
	if (!cd) {
		hostdev_destroy(hd);
		return 0;
	}
	unsigned cfg_size = hd->cfg_size;
	static uint8_t before[4096];
	/* At most 64 accesses per input: longer inputs find nothing new and only slow the run. */
	for (size_t p = 2; p + 8 <= size && p < 2 + 64 * 8; p += 8) {
		const uint8_t *r = data + p;
		unsigned kind = r[0];
		long sz = (int8_t)r[1];
		if ((kind & 0x30) == 0)
			sz = 1L << (r[1] % 3); /* mostly valid sizes */
		long off = widen((kind >> 2) & 3, (uint16_t)(r[2] | r[3] << 8));
		uint32_t val = (uint32_t)r[4] | (uint32_t)r[5] << 8 | (uint32_t)r[6] << 16 | (uint32_t)r[7] << 24;
		bool valid = hostdev_access_ok(hd, off, sz);
		size_t nw0;
		simdev_writes(hd, &nw0);
		memcpy(before, simdev_config(hd), cfg_size);
		switch (kind & 3) {
		case 0: {
			uint32_t v = 0xdeadbeef;
			int rc = cfg_read(cd, off, sz, &v);
			CHECK(valid ? rc == 0 : rc == PCIIF_ERR_INVALID_OFFSET);
			CHECK(rc || sz == 4 || v <= cfg_size_mask((unsigned)sz));
			break;
		}
		case 1:
		case 2: {
			unsigned resets0 = simdev_counters(hd)->soft_resets;
			int rc = cfg_write(cd, off, sz, val);
			/* A D-state change: finished at once, as the dispatcher does once the device's time is up. */
			unsigned wait_us;
			bool pm_finished = cfg_pm_pending(cd, &wait_us);
			if (pm_finished)
				cfg_pm_finish(cd, NULL);
			if (!valid) {
				CHECK(rc == PCIIF_ERR_INVALID_OFFSET);
			} else {
				size_t nw;
				const struct simdev_write *w = simdev_writes(hd, &nw);
				/* A soft reset (D3hot->D0) changes the whole space by the device's doing: no per-field model. */
				if (simdev_counters(hd)->soft_resets == resets0)
					check_write(cd, before, simdev_config(hd), cfg_size, off, sz, val, pm_finished);
				if (nw > nw0)
					check_triggers(cd, w + nw0, nw - nw0, off, sz, val);
			}
			break;
		}
		default:
			if (kind & 0x80) {
				cfg_dev_release(cd);
			} else {
				cfg_set_permissive(cd, kind & 0x40);
				cfg_set_allow_interrupt_control(cd, kind & 0x20);
			}
			valid = true;
			break;
		}
		if (!valid) {
			size_t nw1;
			simdev_writes(hd, &nw1);
			CHECK(nw1 == nw0);
			CHECK(!memcmp(before, simdev_config(hd), cfg_size));
		}
	}
	cfg_dev_free(cd);
	hostdev_destroy(hd);
	return 0;
}
