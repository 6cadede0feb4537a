/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcifront: enumeration of the published roots, as Linux's pcifront_scan_bus does. */
#include "pcifront.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/pci_regs.h"

/* True if the standard capability list (cycle-safe walk) holds a PCI Express capability. */
static int has_pcie_cap(const uint8_t *cfg)
{
	if (!((cfg[PCI_STATUS] | cfg[PCI_STATUS + 1] << 8) & PCI_STATUS_CAP_LIST))
		return 0;
	unsigned pos = cfg[PCI_CAPABILITY_LIST] & ~3u;
	for (int ttl = 48; ttl > 0 && pos >= PCI_STD_HEADER_SIZEOF && pos < PCI_CFG_SPACE_SIZE; ttl--) {
		if (cfg[pos + PCI_CAP_LIST_ID] == PCI_CAP_ID_EXP)
			return 1;
		pos = cfg[pos + PCI_CAP_LIST_NEXT] & ~3u;
	}
	return 0;
}

/* Reads [from, to) dword by dword; a dword that fails to read stays 0xff. Positive errno on transport failure. */
static int read_range(struct pf_conn *c, struct pf_device *d, unsigned from, unsigned to)
{
	for (unsigned off = from; off < to; off += 4) {
		uint32_t v;
		int r = pf_read(c, &d->addr, (int)off, 4, &v);
		if (r > 0)
			return r;
		if (r < 0)
			v = 0xffffffffu;
		for (int i = 0; i < 4; i++)
			d->cfg[off + (unsigned)i] = (uint8_t)(v >> (8 * i));
	}
	return 0;
}

static int read_device(struct pf_conn *c, struct pf_device *d)
{
	memset(d->cfg, 0xff, sizeof(d->cfg));
	int r = read_range(c, d, 0, PCI_CFG_SPACE_SIZE);
	if (r)
		return r;
	d->cfg_size = PCI_CFG_SPACE_SIZE;
	if (!has_pcie_cap(d->cfg))
		return 0;
	uint32_t v;
	r = pf_read(c, &d->addr, PCI_CFG_SPACE_SIZE, 4, &v);
	if (r > 0)
		return r;
	if (r < 0)
		return 0;
	d->cfg_size = PCI_CFG_SPACE_EXP_SIZE;
	return read_range(c, d, PCI_CFG_SPACE_SIZE, PCI_CFG_SPACE_EXP_SIZE);
}

int pf_enumerate(struct pf_conn *c, struct pf_device **devs, size_t *count, char *err, size_t errlen)
{
	const struct pf_root *roots;
	size_t nroots = pf_roots(c, &roots);
	size_t n = 0, cap = 0;
	struct pf_device *out = NULL;
	for (size_t ri = 0; ri < nroots; ri++) {
		for (unsigned devfn = 0; devfn < 256; devfn++) {
			struct pb_bdf a = { .domain = roots[ri].domain, .bus = roots[ri].bus, .devfn = (uint8_t)devfn };
			uint32_t id;
			int r = pf_read(c, &a, 0, 4, &id);
			if (r > 0)
				goto transport;
			uint16_t vendor = (uint16_t)id;
			if (r < 0 || vendor == 0xffff || vendor == 0)
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 8;
				struct pf_device *nd = realloc(out, cap * sizeof(*out));
				if (!nd) {
					free(out);
					snprintf(err, errlen, "out of memory");
					return ENOMEM;
				}
				out = nd;
			}
			out[n].addr = a;
			r = read_device(c, &out[n]);
			if (r > 0)
				goto transport;
			n++;
		}
		continue;
transport:
		free(out);
		snprintf(err, errlen, "enumeration stopped: %s", *pf_last_error(c) ? pf_last_error(c) : "transport failure");
		return ECONNRESET;
	}
	*devs = out;
	*count = n;
	return 0;
}
