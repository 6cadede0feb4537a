/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test helpers: iterate over every device of every lspci fixture, and print a guest's view as lspci
 * -xxxx text.
 */
#include "fixture_devs.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "proto/pciif.h"

const char *fx_dir(int argc, char **argv)
{
	if (argc > 1)
		return argv[1];
	const char *e = getenv("PB_FIXTURES_DIR");
	return e ? e : "fixtures/lspci";
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

size_t fx_for_each(const char *dir, fx_fn fn, void *arg)
{
	DIR *dp = opendir(dir);
	if (!dp) {
		fprintf(stderr, "cannot open fixture directory %s\n", dir);
		return 0;
	}
	char *names[256];
	size_t n = 0, total = 0;
	struct dirent *de;
	while ((de = readdir(dp)) && n < 256) {
		size_t l = strlen(de->d_name);
		if (l > 6 && !strcmp(de->d_name + l - 6, ".lspci"))
			names[n++] = strdup(de->d_name);
	}
	closedir(dp);
	qsort(names, n, sizeof(names[0]), cmp_str);
	for (size_t i = 0; i < n; i++) {
		char path[2048], err[256];
		struct lspci_dump dump;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (lspci_dump_load(path, &dump, err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
		} else {
			for (size_t k = 0; k < dump.count; k++, total++)
				fn(names[i], k, &dump.devs[k], arg);
			lspci_dump_free(&dump);
		}
		free(names[i]);
	}
	return total;
}

void fx_guest_view(struct cfg_dev *cd, uint8_t *out, unsigned cfg_size)
{
	for (unsigned off = 0; off < cfg_size; off += 4) {
		uint32_t v = 0;
		if (cfg_read(cd, off, 4, &v) != 0)
			v = 0xffffffffu;
		for (unsigned b = 0; b < 4; b++)
			out[off + b] = (uint8_t)(v >> (8 * b));
	}
}

void fx_write_lspci(FILE *f, const struct pb_bdf *addr, const uint8_t *cfg, unsigned cfg_size)
{
	if (addr->domain)
		fprintf(f, "%04x:", addr->domain);
	fprintf(f, "%02x:%02x.%x Class %02x%02x: %02x%02x:%02x%02x\n", addr->bus, PB_SLOT(addr->devfn),
		PB_FUNC(addr->devfn), cfg[0x0b], cfg[0x0a], cfg[1], cfg[0], cfg[3], cfg[2]);
	for (unsigned off = 0; off < cfg_size; off += 16) {
		fprintf(f, off < 0x100 ? "%02x:" : "%03x:", off);
		for (unsigned b = 0; b < 16; b++)
			fprintf(f, " %02x", cfg[off + b]);
		fputc('\n', f);
	}
	fputc('\n', f);
}
