/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The guest's view of fixture devices:
 *  - golden files: after an enumeration-like read of every dword, the view of
 *    at least ten devices equals tests/cfgspace/golden/<fixture>-<n>.lspci
 *    byte for byte (PB_REGEN_GOLDEN=1 rewrites them; review them by eye);
 *  - BAR sizing by the guest (all ones, read back, restore) returns every
 *    dump's BAR sizes, and writing the original value back restores it;
 *  - `lspci -F FILE -vvv` decodes the guest view of every fixture device: exit
 *    0, nothing on stderr but libkmod's notice, and no more undecodable
 *    markers than the device's own dump gives.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "cfgspace/cfgspace.h"
#include "fixture_devs.h"
#include "host/simdev.h"
#include "proto/pciif.h"

static const char *g_dir, *g_golden, *g_lspci;

static struct cfg_dev *make(const struct lspci_dump_dev *d, const char *name, struct hostdev **hdp)
{
	char err[256];
	struct hostdev *hd = simdev_from_dump(d, name);
	assert_non_null(hd);
	struct cfg_dev *cd = cfg_dev_new(hd, NULL, err, sizeof(err));
	if (!cd)
		fail_msg("%s: %s", name, err);
	*hdp = hd;
	return cd;
}

/* ---- golden views ---- */

static const char *const golden_files[] = {
	"microvm-virtio.lspci", "cap-pcie-1.lspci", "cap-pcie-2.lspci", "bridge-ctl-vga16.lspci",
	"broken-ecaps.lspci", "cap-MSI-mapping.lspci", "cap-l1-pm.lspci", "cap-aer-log.lspci",
	"cap-exp-rev-slot.lspci", "tree-fsl-p2020.lspci", "cap-vc-pat.lspci",
};

struct golden_run { size_t compared, written; };

static void golden_dev(const char *file, size_t index, const struct lspci_dump_dev *d, void *arg)
{
	struct golden_run *r = arg;
	bool want = false;
	for (size_t i = 0; i < sizeof(golden_files) / sizeof(golden_files[0]); i++)
		want |= !strcmp(file, golden_files[i]);
	/* every device of the microvm, the first device of the others */
	if (!want || (index > 0 && strcmp(file, "microvm-virtio.lspci")))
		return;
	struct hostdev *hd;
	char name[300], path[2400];
	snprintf(name, sizeof(name), "%s[%zu]", file, index);
	struct cfg_dev *cd = make(d, name, &hd);
	static uint8_t view[4096];
	fx_guest_view(cd, view, hd->cfg_size);
	char *text = NULL;
	size_t len = 0;
	FILE *mf = open_memstream(&text, &len);
	fx_write_lspci(mf, &hd->addr, view, hd->cfg_size);
	fclose(mf);
	snprintf(path, sizeof(path), "%s/%.*s-%zu.lspci", g_golden, (int)(strlen(file) - 6), file, index);
	if (getenv("PB_REGEN_GOLDEN")) {
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		fwrite(text, 1, len, f);
		fclose(f);
		r->written++;
	} else {
		FILE *f = fopen(path, "r");
		if (!f)
			fail_msg("missing golden file %s (PB_REGEN_GOLDEN=1 writes it)", path);
		char *want_text = calloc(1, len + 2);
		size_t got = fread(want_text, 1, len + 1, f);
		fclose(f);
		if (got != len || memcmp(want_text, text, len))
			fail_msg("%s: guest view differs from %s", name, path);
		free(want_text);
		r->compared++;
	}
	free(text);
	cfg_dev_free(cd);
	hostdev_destroy(hd);
}

static void test_golden_views(void **state)
{
	struct golden_run r = { 0 };
	fx_for_each(g_dir, golden_dev, &r);
	print_message("golden views: %zu compared, %zu written\n", r.compared, r.written);
	assert_true(r.compared + r.written >= 10);
}

/* ---- BAR sizing ---- */

static void sizing_dev(const char *file, size_t index, const struct lspci_dump_dev *d, void *arg)
{
	size_t *nbars = arg;
	struct hostdev *hd;
	char name[300];
	snprintf(name, sizeof(name), "%s[%zu]", file, index);
	struct cfg_dev *cd = make(d, name, &hd);
	unsigned n = hd->header_type == 1 ? 2 : 6, rom = hd->header_type == 1 ? 0x38 : 0x30;
	for (unsigned i = 0; i <= n; i++) {
		unsigned off = i < n ? 0x10 + 4 * i : rom;
		unsigned ri = i < n ? i : HOSTDEV_ROM;
		const struct hostdev_res *r = &hd->res[ri], *prev = ri > 0 && ri < HOSTDEV_ROM ? &hd->res[ri - 1] : NULL;
		bool upper = prev && (prev->flags & HOSTDEV_RES_MEM64) && prev->size;
		uint32_t orig, sized, back, hw_before, expect, mask;
		if (upper) {
			expect = (uint32_t)((-prev->size) >> 32);
			mask = 0xffffffffu;
		} else if (!r->size) {
			expect = 0;
			mask = 0xffffffffu;
		} else {
			expect = (uint32_t)(-r->size);
			mask = ri == HOSTDEV_ROM ? ~0x7ffu : (r->flags & HOSTDEV_RES_IO) ? ~0x3u : ~0xfu;
		}
		memcpy(&hw_before, simdev_config(hd) + off, 4);
		assert_int_equal(cfg_read(cd, off, 4, &orig), 0);
		assert_int_equal(cfg_write(cd, off, 4, 0xffffffffu), 0);
		/* sizing never reaches the hardware BAR */
		assert_memory_equal(&hw_before, simdev_config(hd) + off, 4);
		assert_int_equal(cfg_read(cd, off, 4, &sized), 0);
		if ((sized & mask) != (expect & mask))
			fail_msg("%s: BAR at 0x%x sized 0x%08x, the dump says 0x%08x", name, off, sized, expect);
		assert_int_equal(cfg_write(cd, off, 4, orig), 0);
		assert_int_equal(cfg_read(cd, off, 4, &back), 0);
		assert_int_equal(back, orig);
		/* writing the original back: hardware holds it (the kernel's restore rule) */
		uint32_t hw_after;
		memcpy(&hw_after, simdev_config(hd) + off, 4);
		uint32_t want_hw = (r->size || upper) && hw_before != orig ? orig : hw_before;
		if ((hw_after & mask) != (want_hw & mask))
			fail_msg("%s: BAR at 0x%x: hardware 0x%08x after restore", name, off, hw_after);
		if (r->size || upper) {
			/* restore rule: hardware lost the value; the guest writes the original back */
			simdev_poke(hd, off, 4, 0);
			assert_int_equal(cfg_write(cd, off, 4, orig), 0);
			uint32_t hw;
			memcpy(&hw, simdev_config(hd) + off, 4);
			/* (the poke also cleared the BAR's read-only type bits, which no write sets again) */
			assert_int_equal(hw & mask, orig & mask);
			simdev_poke(hd, off, 4, hw_before);
			/* any other value is ignored */
			simdev_clear_writes(hd);
			assert_int_equal(cfg_write(cd, off, 4, orig ^ 0x10000000u), 0);
			size_t nw;
			simdev_writes(hd, &nw);
			assert_int_equal(nw, 0);
			(*nbars)++;
		}
	}
	cfg_dev_free(cd);
	hostdev_destroy(hd);
}

static void test_bar_sizing(void **state)
{
	size_t nbars = 0;
	fx_for_each(g_dir, sizing_dev, &nbars);
	print_message("%zu BARs sized and restored\n", nbars);
	assert_true(nbars > 20);
}

/* ---- lspci -F ---- */

struct lspci_run {
	const char *cur_file;
	FILE *guest, *orig;
	size_t devices;
};

static void lspci_dev(const char *file, size_t index, const struct lspci_dump_dev *d, void *arg)
{
	struct lspci_run *r = arg;
	if (strcmp(file, r->cur_file))
		return;
	struct hostdev *hd;
	char name[300];
	snprintf(name, sizeof(name), "%s[%zu]", file, index);
	struct cfg_dev *cd = make(d, name, &hd);
	static uint8_t view[4096];
	fx_guest_view(cd, view, hd->cfg_size);
	fx_write_lspci(r->guest, &hd->addr, view, hd->cfg_size);
	fx_write_lspci(r->orig, &hd->addr, d->cfg, hd->cfg_size);
	r->devices++;
	cfg_dev_free(cd);
	hostdev_destroy(hd);
}

/* Runs lspci -F path -vvv; returns the number of undecodable markers, or -1 on failure (message printed). */
static int run_lspci(const char *path)
{
	char cmd[3000], errpath[2100];
	snprintf(errpath, sizeof(errpath), "%s.err", path);
	snprintf(cmd, sizeof(cmd), "'%s' -F '%s' -vvv 2>'%s'", g_lspci, path, errpath);
	FILE *p = popen(cmd, "r");
	if (!p)
		return -1;
	char line[4096];
	int markers = 0, lines = 0;
	while (fgets(line, sizeof(line), p)) {
		lines++;
		if (strstr(line, "<?>") || strstr(line, "<unknown>") || strstr(line, "<chain") || strstr(line, "<BAD"))
			markers++;
	}
	int st = pclose(p);
	FILE *e = fopen(errpath, "r");
	bool bad_err = false;
	while (e && fgets(line, sizeof(line), e))
		if (!strstr(line, "libkmod")) {
			fprintf(stderr, "lspci -F %s: %s", path, line);
			bad_err = true;
		}
	if (e)
		fclose(e);
	unlink(errpath);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || bad_err || lines == 0) {
		fprintf(stderr, "lspci -F %s failed (status %d, %d lines)\n", path, st, lines);
		return -1;
	}
	return markers;
}

static void note_file(const char *file, size_t index, const struct lspci_dump_dev *d, void *arg)
{
	char **names = arg;
	if (index)
		return;
	for (size_t i = 0; i < 64; i++)
		if (!names[i]) {
			names[i] = strdup(file);
			return;
		}
}

static void test_lspci_decodes_guest_views(void **state)
{
	if (!g_lspci || !*g_lspci || access(g_lspci, X_OK)) {
		print_message("lspci not found: skipped\n");
		skip();
	}
	char *names[65] = { 0 };
	fx_for_each(g_dir, note_file, names);
	size_t total = 0;
	for (size_t i = 0; names[i]; i++) {
		char gpath[] = "/tmp/pb-cfg-guest-XXXXXX", opath[] = "/tmp/pb-cfg-orig-XXXXXX";
		int gfd = mkstemp(gpath), ofd = mkstemp(opath);
		assert_true(gfd >= 0 && ofd >= 0);
		struct lspci_run r = { .cur_file = names[i], .guest = fdopen(gfd, "w"), .orig = fdopen(ofd, "w") };
		fx_for_each(g_dir, lspci_dev, &r);
		fclose(r.guest);
		fclose(r.orig);
		int gm = run_lspci(gpath), om = run_lspci(opath);
		if (gm < 0 || om < 0 || gm > om)
			fail_msg("%s: lspci -F on the guest view: %d markers (dump itself: %d); kept %s", names[i], gm, om,
				 gpath);
		unlink(gpath);
		unlink(opath);
		total += r.devices;
		free(names[i]);
	}
	print_message("lspci -F decoded the guest views of %zu devices\n", total);
	assert_true(total >= 31);
}

int main(int argc, char **argv)
{
	g_dir = fx_dir(argc, argv);
	g_golden = argc > 2 ? argv[2] : "tests/cfgspace/golden";
	g_lspci = argc > 3 ? argv[3] : "/usr/bin/lspci";
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_views),
		cmocka_unit_test(test_bar_sizing),
		cmocka_unit_test(test_lspci_decodes_guest_views),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
