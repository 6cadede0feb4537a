/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcifront: a device's config space in `lspci -xxxx` text, which `lspci -F` decodes. */
#include "pcifront.h"

void pf_print_lspci(FILE *f, const struct pf_device *d)
{
	const uint8_t *c = d->cfg;
	char a[PB_BDF_STRLEN];
	fprintf(f, "%s Class %02x%02x: %02x%02x:%02x%02x\n", pb_bdf_format_lspci(&d->addr, a), c[0x0b], c[0x0a], c[1],
		c[0], c[3], c[2]);
	for (unsigned off = 0; off < d->cfg_size; off += 16) {
		fprintf(f, off < 0x100 ? "%02x:" : "%03x:", off);
		for (unsigned i = 0; i < 16; i++)
			fprintf(f, " %02x", c[off + i]);
		fputc('\n', f);
	}
}
