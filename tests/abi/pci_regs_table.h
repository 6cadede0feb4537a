/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One PCI register constant: its name, value and the size of its type (tests/abi/test_pci_regs.c). */
#ifndef PCIBACKD_TESTS_ABI_PCI_REGS_TABLE_H
#define PCIBACKD_TESTS_ABI_PCI_REGS_TABLE_H

#include <stddef.h>

struct pci_reg_const {
	const char *name;
	unsigned long long value;
	size_t size;
};

extern const struct pci_reg_const pci_regs_linux[], pci_regs_own[];
extern const size_t pci_regs_linux_count, pci_regs_own_count;
unsigned pci_regs_linux_ext_id(unsigned h), pci_regs_linux_ext_next(unsigned h);
unsigned pci_regs_own_ext_id(unsigned h), pci_regs_own_ext_next(unsigned h);

#endif
