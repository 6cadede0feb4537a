/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcifront: a device's config space in `lspci -xxxx` text, which `lspci -F` decodes. */
#include "pcifront.h"

#include "proto/pci_regs.h"

void pf_print_lspci(FILE *f, const struct pf_device *d)
{
	const uint8_t *c = d->cfg;
	char a[PB_BDF_STRLEN];
	fprintf(f, "%s Class %02x%02x: %02x%02x:%02x%02x\n", pb_bdf_format_lspci(&d->addr, a), c[PCI_CLASS_DEVICE + 1],
		c[PCI_CLASS_DEVICE], c[PCI_VENDOR_ID + 1], c[PCI_VENDOR_ID], c[PCI_DEVICE_ID + 1], c[PCI_DEVICE_ID]);
	for (unsigned off = 0; off < d->cfg_size; off += 16) {
		fprintf(f, off < PCI_CFG_SPACE_SIZE ? "%02x:" : "%03x:", off);
		for (unsigned i = 0; i < 16; i++)
			fprintf(f, " %02x", c[off + i]);
		fputc('\n', f);
	}
}
