/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The constants of tests/abi/pci_regs_names.h as one header defines them:
 * built twice, as pci_regs_linux (<linux/pci_regs.h>) and, with
 * PB_PCI_REGS_OWN, as pci_regs_own (src/proto/pci_regs_own.h).
 */
#include "proto/pci_regs.h"

#include "pci_regs_table.h"

#ifdef PB_PCI_REGS_OWN
#define SIDE(name) pci_regs_own##name
#else
#define SIDE(name) pci_regs_linux##name
#endif

#define X(n) { #n, (unsigned long long)(n), sizeof(n) },
const struct pci_reg_const SIDE()[] = {
#include "pci_regs_names.h"
};
#undef X
const size_t SIDE(_count) = sizeof(SIDE()) / sizeof(SIDE()[0]);

unsigned SIDE(_ext_id)(unsigned h) { return PCI_EXT_CAP_ID(h); }
unsigned SIDE(_ext_next)(unsigned h) { return PCI_EXT_CAP_NEXT(h); }
