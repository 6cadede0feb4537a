/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Smoke test on this machine's own PCI devices, read-only (nothing is ever
 * written: libpci opens config files read-only and every write path returns
 * -EROFS): vendor, device, class and the capability chains read through the
 * hostdev interface match what `lspci -n -vvv -s BDF` reports, resources
 * match its regions.  Exit 77 (skip) without PCI devices, lspci or root.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host/libpci_dev.h"
#include "ownership/host_source.h"

#define SKIP 77

struct lspci_view {
	unsigned vendor, device, cls, progif;
	unsigned caps[48], ncaps;     /* standard capability offsets, in chain order */
	unsigned ids[48];             /* their IDs where the name is a known one, else 0x100 */
	unsigned ecaps[64], necaps;
	unsigned long long regions[6]; /* sizes, 0 when absent */
	bool denied;
};

static unsigned long long size_of(const char *s)
{
	char unit = 0;
	unsigned long long v = 0;
	if (sscanf(s, "[size=%llu%c", &v, &unit) < 1)
		return 0;
	return unit == 'K' ? v << 10 : unit == 'M' ? v << 20 : unit == 'G' ? v << 30 : unit == 'T' ? v << 40 : v;
}

static int run_lspci(const char *bdf, struct lspci_view *v)
{
	static const struct { const char *name; unsigned id; } known[] = {
		{ "Power Management", 0x01 }, { "MSI:", 0x05 }, { "MSI-X:", 0x11 }, { "Express", 0x10 },
		{ "Vendor Specific Information", 0x09 }, { "PCI-X", 0x07 }, { "Subsystem:", 0x0d },
	};
	char cmd[128], line[1024];
	memset(v, 0, sizeof(*v));
	snprintf(cmd, sizeof(cmd), "lspci -n -vvv -s %s 2>/dev/null", bdf);
	FILE *p = popen(cmd, "r");
	if (!p)
		return -1;
	bool first = true;
	while (fgets(line, sizeof(line), p)) {
		if (first) {
			first = false;
			char *c = strchr(line, ' ');
			if (!c || sscanf(c, " %x: %x:%x", &v->cls, &v->vendor, &v->device) != 3)
				return pclose(p), -1;
			char *pi = strstr(line, "(prog-if ");
			if (pi)
				sscanf(pi, "(prog-if %x", &v->progif);
			continue;
		}
		char *t = line;
		while (*t == '\t' || *t == ' ')
			t++;
		unsigned off, ver, r;
		if (!strncmp(t, "Capabilities: <access denied>", 29))
			v->denied = true;
		else if (sscanf(t, "Capabilities: [%x v%u]", &off, &ver) == 2 && v->necaps < 64)
			v->ecaps[v->necaps++] = off;
		else if (sscanf(t, "Capabilities: [%x]", &off) == 1 && v->ncaps < 48) {
			const char *name = strchr(t, ']') + 2;
			v->ids[v->ncaps] = 0x100;
			for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
				if (!strncmp(name, known[i].name, strlen(known[i].name)))
					v->ids[v->ncaps] = known[i].id;
			v->caps[v->ncaps++] = off;
		} else if (sscanf(t, "Region %u:", &r) == 1 && r < 6 && !strstr(t, "[disabled]") &&
			   !strstr(t, "<unassigned>") && !strstr(t, "<ignored>")) {
			char *s = strstr(t, "[size=");
			v->regions[r] = s ? size_of(s) : 0;
		}
	}
	pclose(p);
	return first ? -1 : 0;
}

static int failures;
#define CHECK(cond, ...)                                   \
	do {                                               \
		if (!(cond)) {                             \
			fprintf(stderr, "FAIL %s: ", bdf); \
			fprintf(stderr, __VA_ARGS__);      \
			fputc('\n', stderr);               \
			failures++;                        \
		}                                          \
	} while (0)

static void compare(const char *bdf, struct hostdev *hd, const struct lspci_view *v)
{
	CHECK(hd->vendor_id == v->vendor, "vendor %04x, lspci %04x", hd->vendor_id, v->vendor);
	CHECK(hd->device_id == v->device, "device %04x, lspci %04x", hd->device_id, v->device);
	CHECK(hd->class_code >> 8 == v->cls, "class %04x, lspci %04x", hd->class_code >> 8, v->cls);
	CHECK((hd->class_code & 0xff) == v->progif, "prog-if %02x, lspci %02x", hd->class_code & 0xff, v->progif);
	/* The standard chain, pointer by pointer. */
	uint32_t status = 0, ptr = 0, hdr;
	unsigned n = 0;
	hostdev_read(hd, 0x06, 2, &status);
	if (status & 0x10)
		hostdev_read(hd, hd->header_type == 2 ? 0x14 : 0x34, 1, &ptr);
	for (unsigned pos = ptr & 0xfc; pos >= 0x40 && n < 48; pos = (hdr >> 8) & 0xfc, n++) {
		CHECK(hostdev_read(hd, pos, 2, &hdr) == 0, "read at %x", pos);
		CHECK(n < v->ncaps && v->caps[n] == pos, "capability %u at %x, lspci %x", n, pos, n < v->ncaps ? v->caps[n] : 0);
		if (n < v->ncaps && v->ids[n] != 0x100)
			CHECK((hdr & 0xff) == v->ids[n], "capability at %x has ID %02x, lspci's name says %02x", pos,
			      hdr & 0xff, v->ids[n]);
	}
	CHECK(n == v->ncaps, "%u capabilities, lspci %u", n, v->ncaps);
	/* The extended chain. */
	unsigned en = 0;
	if (hd->cfg_size > 256) {
		uint32_t h;
		for (unsigned pos = 0x100; pos >= 0x100 && en < 64; pos = (h >> 20) & 0xffc) {
			if (hostdev_read(hd, pos, 4, &h) || h == 0 || h == 0xffffffff)
				break;
			CHECK(en < v->necaps && v->ecaps[en] == pos, "extended capability %u at %x", en, pos);
			en++;
		}
	}
	CHECK(en == v->necaps, "%u extended capabilities, lspci %u", en, v->necaps);
	for (unsigned i = 0; i < 6; i++)
		if (v->regions[i])
			CHECK(hd->res[i].size == v->regions[i], "region %u size %llu, lspci %llu", i,
			      (unsigned long long)hd->res[i].size, v->regions[i]);
	/* Read-only: every write path refuses. */
	CHECK(hostdev_write(hd, 0x04, 2, 0) == -EROFS, "config write not refused");
	CHECK(hd->ops->enable(hd) == -EROFS, "enable not refused");
	CHECK(hd->ops->reset(hd) == -EROFS, "reset not refused");
}

int main(void)
{
	if (system("lspci -n >/dev/null 2>&1") != 0) {
		printf("lspci not available: skipped\n");
		return SKIP;
	}
	DIR *d = opendir("/sys/bus/pci/devices");
	if (!d) {
		printf("no /sys/bus/pci/devices: skipped\n");
		return SKIP;
	}
	struct host_options opt = { .read_only = true };
	struct dirent *e;
	int seen = 0, served = 0;
	while ((e = readdir(d))) {
		const char *bdf = e->d_name;
		if (bdf[0] == '.')
			continue;
		struct pb_bdf a;
		char err[256], name[256];
		if (pb_bdf_parse(bdf, &a, err, sizeof(err)))
			continue;
		struct lspci_view v;
		if (run_lspci(bdf, &v))
			continue;
		if (v.denied) {
			printf("lspci sees no capabilities (not root): skipped\n");
			closedir(d);
			return SKIP;
		}
		struct hostdev *hd = libpci_dev_open(&a, &opt, err, sizeof(err));
		if (!hd) {
			if (strstr(err, "not root"))
				return closedir(d), printf("%s: skipped\n", err), SKIP;
			CHECK(0, "open: %s", err);
			continue;
		}
		libpci_dev_describe(hd, name, sizeof(name));
		printf("%s  %s  (%u caps, %u extended, cfg %u)\n", bdf, name, v.ncaps, v.necaps, hd->cfg_size);
		compare(bdf, hd, &v);
		hostdev_destroy(hd);
		seen++;
		/* A host: source in read-only mode: served without being seized. */
		char spec[64];
		snprintf(spec, sizeof(spec), "host:%s", bdf);
		struct hostdev *src = host_source_open(spec, &opt, err, sizeof(err));
		if (src) {
			compare(bdf, src, &v);
			char rel[128];
			CHECK(src->ops->release(src, rel, sizeof(rel)) == 0, "read-only release");
			hostdev_destroy(src);
			served++;
		} else {
			CHECK((v.cls >> 8) == 0x06, "host source refused: %s", err);
		}
	}
	closedir(d);
	if (!seen) {
		printf("no PCI devices: skipped\n");
		return SKIP;
	}
	printf("%d devices compared with lspci, %d served as read-only host sources, %d failures\n", seen, served,
	       failures);
	return failures ? 1 : 0;
}
