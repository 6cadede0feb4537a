/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The dump loader and simulated devices on every bundled fixture: identity
 * as pciutils' own lspci decodes it, class names as the dump's decoded text
 * gives them, BAR and ROM sizes as the text gives them (found by sizing the
 * simulated device the way a guest does), and hardware-like writes.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cmocka.h>
#include <pci/pci.h>

#include "host/lspci_dump.h"
#include "host/simdev.h"
#include "one_guest.h"

static const char *fixtures;

static int list_fixtures(char names[][256], int max)
{
	DIR *d = opendir(fixtures);
	int n = 0;
	struct dirent *e;
	while (d && (e = readdir(d)) && n < max)
		if (strstr(e->d_name, ".lspci"))
			if (strlen(fixtures) + strlen(e->d_name) + 2 <= 256)
			snprintf(names[n++], 256, "%.120s/%.120s", fixtures, e->d_name);
	if (d)
		closedir(d);
	return n;
}

static char files[64][256];
static int nfiles;

/* pciutils' view: "bb:dd.f cccc: vvvv:dddd" lines of `lspci -F FILE -n`. */
static int lspci_ids(const char *file, const struct pb_bdf *a, unsigned *cls, unsigned *ven, unsigned *dev)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "lspci -F '%.900s' -n -s %04x:%02x:%02x.%x", file, a->domain, a->bus,
		 PB_SLOT(a->devfn), PB_FUNC(a->devfn));
	FILE *p = popen(cmd, "r");
	char line[256] = "";
	if (!fgets(line, sizeof(line), p))
		line[0] = 0;
	pclose(p);
	const char *sp = strchr(line, ' ');
	return sp && sscanf(sp, " %x: %x:%x", cls, ven, dev) == 3 ? 0 : -1;
}

static void test_identity_every_fixture(void **state)
{
	(void)state;
	struct pci_access *pacc = pci_alloc();
	pci_init(pacc);
	size_t total = 0;
	for (int i = 0; i < nfiles; i++) {
		struct lspci_dump dump;
		char err[300];
		int rc = lspci_dump_load(files[i], &dump, err, sizeof(err));
		if (rc)
			fail_msg("%s", err);
		for (size_t k = 0; k < dump.count; k++) {
			const struct lspci_dump_dev *d = &dump.devs[k];
			struct hostdev *hd = simdev_from_dump(d, files[i]);
			unsigned cls, ven, dev;
			assert_int_equal(lspci_ids(files[i], &d->addr, &cls, &ven, &dev), 0);
			assert_int_equal(hd->vendor_id, ven);
			assert_int_equal(hd->device_id, dev);
			assert_int_equal(hd->class_code >> 8, cls);
			/*
			 * The decoded text starts with the class name, or, where the dump
			 * was taken without pci.ids, "Class cccc: Device vvvv:dddd".  The
			 * dumps were decoded with pci.ids, so only pci.ids is asked: not
			 * udev's hwdb, whose names may differ and which, where the machine
			 * has no hwdb.bin, makes libpci 3.9 leak its udev context.
			 */
			char name[128], numeric[64];
			pci_lookup_name(pacc, name, sizeof(name), PCI_LOOKUP_CLASS | PCI_LOOKUP_NO_HWDB,
					hd->class_code >> 8);
			snprintf(numeric, sizeof(numeric), "Class %04x: Device %04x:%04x", hd->class_code >> 8,
				 hd->vendor_id, hd->device_id);
			if (strncasecmp(d->description, name, strlen(name)) != 0 &&
			    strncmp(d->description, numeric, strlen(numeric)) != 0)
				fail_msg("%s %02x:%02x.%x: text '%s' does not start with class '%s'", files[i],
					 d->addr.bus, PB_SLOT(d->addr.devfn), PB_FUNC(d->addr.devfn), d->description, name);
			hostdev_destroy(hd);
			total++;
		}
		lspci_dump_free(&dump);
	}
	pci_cleanup(pacc);
	print_message("checked %zu devices in %d files\n", total, nfiles);
	assert_true(total >= 40);
}

/*
 * The text's sizes, read independently of the loader: index -> bytes (ROM = 6).
 * Only the function's own lines count, the ones before its first capability:
 * lspci prints an SR-IOV capability's VF BARs as "Region N" lines too.
 */
static void text_sizes(const char *file, const struct pb_bdf *a, uint64_t sizes[7])
{
	memset(sizes, 0, 7 * sizeof(sizes[0]));
	FILE *f = fopen(file, "r");
	char line[1024], want[32], want2[48];
	snprintf(want, sizeof(want), "%02x:%02x.%x ", a->bus, PB_SLOT(a->devfn), PB_FUNC(a->devfn));
	snprintf(want2, sizeof(want2), "%04x:%s", a->domain, want);
	bool in = false;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] != '\t' && line[0] != ' ' && line[0] != '\n' && !(line[2] == ':' && line[3] == ' ')) {
			in = !strncmp(line, want, strlen(want)) || !strncmp(line, want2, strlen(want2));
			continue;
		}
		if (in && strstr(line, "Capabilities:"))
			in = false;
		if (!in)
			continue;
		char *sz = strstr(line, "[size=");
		if (!sz)
			continue;
		char *end;
		uint64_t v = strtoull(sz + 6, &end, 10);
		if (*end == 'K')
			v <<= 10;
		else if (*end == 'M')
			v <<= 20;
		else if (*end == 'G')
			v <<= 30;
		unsigned idx;
		char *r = strstr(line, "Region ");
		if (r && sscanf(r, "Region %u:", &idx) == 1 && idx < 6)
			sizes[idx] = v;
		else if (strstr(line, "Expansion ROM"))
			sizes[6] = v;
	}
	fclose(f);
}

static uint32_t rd(struct hostdev *hd, unsigned off)
{
	uint32_t v = 0;
	assert_int_equal(hostdev_read(hd, off, 4, &v), 0);
	return v;
}

/* Sizes a BAR as a guest does: write all ones, read back, restore. */
static uint64_t size_bar(struct hostdev *hd, unsigned off, bool is64, bool io)
{
	uint32_t orig = rd(hd, off);
	hostdev_write(hd, off, 4, 0xffffffff);
	uint64_t m = rd(hd, off) & (io ? ~3u : ~0xfu);
	hostdev_write(hd, off, 4, orig);
	if (is64) {
		uint32_t orig_hi = rd(hd, off + 4);
		hostdev_write(hd, off + 4, 4, 0xffffffff);
		m |= (uint64_t)rd(hd, off + 4) << 32;
		hostdev_write(hd, off + 4, 4, orig_hi);
	} else {
		m |= 0xffffffff00000000ull;
	}
	if (io)
		m |= 0xffffffffffff0000ull;
	assert_int_equal(rd(hd, off), orig);
	return m ? ~m + 1 : 0;
}

static void test_bar_sizes_every_fixture(void **state)
{
	(void)state;
	size_t checked = 0;
	for (int i = 0; i < nfiles; i++) {
		struct lspci_dump dump;
		char err[300];
		assert_int_equal(lspci_dump_load(files[i], &dump, err, sizeof(err)), 0);
		for (size_t k = 0; k < dump.count; k++) {
			struct hostdev *hd = simdev_from_dump(&dump.devs[k], files[i]);
			uint64_t want[7];
			text_sizes(files[i], &hd->addr, want);
			unsigned nbars = hd->header_type == 0 ? 6 : hd->header_type == 1 ? 2 : 0;
			for (unsigned b = 0; b < nbars; b++) {
				if (!want[b])
					continue;
				const struct hostdev_res *r = &hd->res[b];
				assert_int_equal(r->size, want[b]);
				/* A BAR register cannot express less than 4 (I/O) or 16 (memory) bytes. */
				uint64_t min = (r->flags & HOSTDEV_RES_IO) ? 4 : 16;
				if (want[b] < min)
					want[b] = min;
				uint64_t got = size_bar(hd, 0x10 + 4 * b, r->flags & HOSTDEV_RES_MEM64,
							r->flags & HOSTDEV_RES_IO);
				if (got != want[b])
					fail_msg("%s %s BAR%u: sized %#llx, text says %#llx", files[i], hd->source, b,
						 (unsigned long long)got, (unsigned long long)want[b]);
				checked++;
			}
			if (want[6] && nbars) {
				unsigned rom = hd->header_type == 0 ? 0x30 : 0x38;
				assert_int_equal(hd->res[HOSTDEV_ROM].size, want[6]);
				uint32_t orig = rd(hd, rom);
				hostdev_write(hd, rom, 4, 0xfffff800);
				uint32_t m = rd(hd, rom) & 0xfffff800u;
				hostdev_write(hd, rom, 4, orig);
				assert_int_equal((uint32_t)(~m + 1), want[6]);
				checked++;
			}
			hostdev_destroy(hd);
		}
		lspci_dump_free(&dump);
	}
	print_message("sized %zu regions\n", checked);
	assert_true(checked >= 30);
}

static struct hostdev *load(const char *name) { return test_load(fixtures, name); }

/*
 * The 82576's SR-IOV capability lists its VF BARs 0 and 3 ("Region 0: Memory
 * at 00000000d2840000 (64-bit, ...)", no size): the function keeps its own
 * 32-bit BARs 0 to 3 with the sizes of its own region lines.
 */
static void test_sriov_vf_bars_ignored(void **state)
{
	(void)state;
	struct hostdev *hd = load("cap-sriov-vf-bars.lspci#01:00.0");
	static const struct {
		uint64_t start, size;
		unsigned flags;
	} want[4] = {
		{ 0xe0800000, 128 << 10, HOSTDEV_RES_MEM }, { 0xe0000000, 4 << 20, HOSTDEV_RES_MEM },
		{ 0x1020, 32, HOSTDEV_RES_IO }, { 0xe0840000, 16 << 10, HOSTDEV_RES_MEM },
	};
	for (unsigned b = 0; b < 4; b++) {
		const struct hostdev_res *r = &hd->res[b];
		if (r->start != want[b].start || r->size != want[b].size || r->flags != want[b].flags)
			fail_msg("BAR%u: start %#llx size %#llx flags %#x, want %#llx %#llx %#x", b,
				 (unsigned long long)r->start, (unsigned long long)r->size, r->flags,
				 (unsigned long long)want[b].start, (unsigned long long)want[b].size, want[b].flags);
	}
	hostdev_destroy(hd);
}

static void test_hardware_like_writes(void **state)
{
	(void)state;
	struct hostdev *hd = load("cap-pcie-1.lspci#00:01.0");
	const uint8_t *cfg = simdev_config(hd);
	uint32_t v;
	/* Read-only: vendor/device. */
	hostdev_write(hd, 0, 4, 0x12345678);
	hostdev_read(hd, 0, 4, &v);
	assert_int_equal(v, 0x34088086);
	/* RW1C: status error bits clear only when written as 1. */
	struct simdev *unused = NULL;
	(void)unused;
	uint8_t before = cfg[7];
	hostdev_write(hd, 6, 2, 0x0000);
	assert_int_equal(cfg[7], before);
	/* Writable command bits. */
	hostdev_write(hd, 4, 2, 0x0006);
	hostdev_read(hd, 4, 2, &v);
	assert_int_equal(v, 0x0006);
	/* The write record holds exactly what was written, in order. */
	size_t n;
	const struct simdev_write *w = simdev_writes(hd, &n);
	assert_int_equal(n, 3);
	assert_int_equal(w[0].off, 0);
	assert_int_equal(w[0].value, 0x12345678);
	assert_int_equal(w[2].off, 4);
	assert_int_equal(w[2].size, 2);
	simdev_clear_writes(hd);
	simdev_writes(hd, &n);
	assert_int_equal(n, 0);
	hostdev_destroy(hd);
}

static void test_rw1c_status(void **state)
{
	(void)state;
	/* This host bridge's status has "received master abort" (bit 13) set. */
	struct hostdev *hd = load("broken-ecaps.lspci#00:00.0");
	uint32_t st;
	hostdev_read(hd, 6, 2, &st);
	assert_int_equal(st, 0x2220);
	hostdev_write(hd, 6, 2, 0x0000); /* a 0 keeps it */
	hostdev_read(hd, 6, 2, &st);
	assert_int_equal(st, 0x2220);
	hostdev_write(hd, 4, 4, 0x00000000); /* a dword write of the command with status 0 keeps it */
	hostdev_read(hd, 6, 2, &st);
	assert_int_equal(st, 0x2220);
	hostdev_write(hd, 6, 2, 0x2000); /* a 1 clears it; read-only bits stay */
	hostdev_read(hd, 6, 2, &st);
	assert_int_equal(st, 0x0220);
	hostdev_destroy(hd);
}

/* VPD completion: off, the address register keeps F as written; on, each request completes at once. */
static void test_vpd_completion(void **state)
{
	(void)state;
	struct hostdev *hd = load("cap-vc-and-rcl.lspci#01:00.0"); /* VPD at 0xcc */
	uint32_t v;
	hostdev_write(hd, 0xce, 2, 0x0020);
	hostdev_read(hd, 0xce, 2, &v);
	assert_int_equal(v, 0x0020);
	simdev_set_vpd_completion(hd, true);
	hostdev_write(hd, 0xce, 2, 0x0030); /* a read request: F reads 1 when done */
	hostdev_read(hd, 0xce, 2, &v);
	assert_int_equal(v, 0x8030);
	hostdev_write(hd, 0xce, 1, 0x40); /* the low byte alone is no request */
	hostdev_read(hd, 0xce, 2, &v);
	assert_int_equal(v, 0x8040);
	hostdev_write(hd, 0xcc, 4, 0x80100003); /* a write request (dword, header bytes read-only): F reads 0 */
	hostdev_read(hd, 0xce, 2, &v);
	assert_int_equal(v, 0x0010);
	simdev_set_vpd_completion(hd, false);
	hostdev_write(hd, 0xce, 2, 0x0050);
	hostdev_read(hd, 0xce, 2, &v);
	assert_int_equal(v, 0x0050);
	hostdev_destroy(hd);
	/* A device without VPD: the option changes nothing. */
	hd = load("cap-pcie-1.lspci#00:01.0");
	simdev_set_vpd_completion(hd, true);
	uint8_t before[256];
	memcpy(before, simdev_config(hd), sizeof(before));
	hostdev_write(hd, 0x0c, 4, 0xffffffff);
	hostdev_write(hd, 0x0c, 4, (uint32_t)before[0x0c] | (uint32_t)before[0x0d] << 8);
	assert_memory_equal(before, simdev_config(hd), sizeof(before));
	hostdev_destroy(hd);
}

static void test_bad_inputs(void **state)
{
	(void)state;
	char err[300], spec[512];
	snprintf(spec, sizeof(spec), "%s/cap-pcie-1.lspci#00:1f.7", fixtures);
	assert_null(simdev_load(spec, err, sizeof(err)));
	assert_non_null(strstr(err, "no device 0000:00:1f.7"));
	assert_null(simdev_load("/nonexistent.lspci", err, sizeof(err)));
	assert_non_null(strstr(err, "No such file"));
	snprintf(spec, sizeof(spec), "%s/cap-pcie-1.lspci#zz:1", fixtures);
	assert_null(simdev_load(spec, err, sizeof(err)));
	assert_non_null(strstr(err, "bad PCI address"));
	char tmp[] = "/tmp/pb-bad-XXXXXX";
	int fd = mkstemp(tmp);
	FILE *f = fdopen(fd, "w");
	fputs("00:01.0 Ethernet controller: x\n00: 86 80 zz\n", f);
	fclose(f);
	assert_null(simdev_load(tmp, err, sizeof(err)));
	assert_non_null(strstr(err, tmp));
	/* A config line whose offset is past the config space (libpci would write out of bounds). */
	f = fopen(tmp, "w");
	fputs("0a:01.0 x\n90DDDDDD: 00\n0a:00.0 y\n90: 00\n", f);
	fclose(f);
	assert_null(simdev_load(tmp, err, sizeof(err)));
	assert_non_null(strstr(err, ":2: malformed config line"));
	f = fopen(tmp, "w");
	fputs("0a:01.0 x\n00: 00 11 22\n1008: 00\n", f);
	fclose(f);
	assert_null(simdev_load(tmp, err, sizeof(err)));
	assert_non_null(strstr(err, ":3: malformed"));
	f = fopen(tmp, "w");
	fputs("this is not a dump\n", f);
	fclose(f);
	assert_null(simdev_load(tmp, err, sizeof(err)));
	assert_non_null(strstr(err, "no device found"));
	unlink(tmp);
}

int main(int argc, char **argv)
{
	fixtures = argc > 1 ? argv[1] : "fixtures/lspci";
	nfiles = list_fixtures(files, 64);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identity_every_fixture),
		cmocka_unit_test(test_bar_sizes_every_fixture),
		cmocka_unit_test(test_sriov_vf_bars_ignored),
		cmocka_unit_test(test_hardware_like_writes),
		cmocka_unit_test(test_rw1c_status),
		cmocka_unit_test(test_vpd_completion),
		cmocka_unit_test(test_bad_inputs),
	};
	return cmocka_run_group_tests_name("lspci_dump", tests, NULL, NULL);
}
