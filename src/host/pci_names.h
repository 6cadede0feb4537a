/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Device names from pci.ids through libpci (pci_lookup_name), for showing
 * devices to people: any device, real or simulated, by its IDs.  The list is
 * read at the first lookup.  A pci.ids that is missing or unreadable gives no
 * names (libpci's own fatal error on a malformed file is caught: one warning,
 * then no names), never a failure of the caller.
 */
#ifndef PCIBACKD_HOST_PCI_NAMES_H
#define PCIBACKD_HOST_PCI_NAMES_H

#include <stddef.h>
#include <stdint.h>

struct pci_names;

/* ids_path: the pci.ids to read, NULL for libpci's default.  NULL only when out of memory. */
struct pci_names *pci_names_open(const char *ids_path);
/*
 * "Vendor Device" as lspci shows it, or only the vendor's name when pci.ids
 * lacks the device, or "" when it lacks the vendor too.  n may be NULL ("").
 */
void pci_names_device(struct pci_names *n, uint16_t vendor, uint16_t device, char *buf, size_t len);
void pci_names_close(struct pci_names *n);

#endif
