/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCI configuration-space register facts, in one place: offsets, bits and
 * capability IDs under the PCI specification's (and Linux's) names, and the
 * masks that sort a register's bits into read-only, write-1-to-clear and
 * reserved, named as Xen's vPCI names them (PCI_STATUS_RW1C_MASK, ...).
 * Every layer takes its register numbers from here; no file defines its own.
 *
 * On Linux the names come from <linux/pci_regs.h>; elsewhere (a BSD build)
 * the block below defines the ones pcibackd uses, with the same values.
 */
#ifndef PCIBACKD_PROTO_PCI_REGS_H
#define PCIBACKD_PROTO_PCI_REGS_H

#if defined(__linux__) && !defined(PB_PCI_REGS_OWN)
#include <linux/pci_regs.h>
#else
#include "pci_regs_own.h"
#endif

/* ---- pcibackd's additions: masks of the registers the engines describe ---- */

/* Base class of bridges (Linux keeps it in its kernel-internal pci_ids.h). */
#ifndef PCI_BASE_CLASS_BRIDGE
#define PCI_BASE_CLASS_BRIDGE 0x06
#endif

/* Header type: the multi-function bit (newer <linux/pci_regs.h> has it). */
#ifndef PCI_HEADER_TYPE_MFD
#define PCI_HEADER_TYPE_MFD 0x80
#endif

/* COMMAND bits a guest may set as it likes: xen-pciback's PCI_COMMAND_GUEST. */
#define PCI_COMMAND_GUEST                                                                                \
	(PCI_COMMAND_MASTER | PCI_COMMAND_SPECIAL | PCI_COMMAND_INVALIDATE | PCI_COMMAND_VGA_PALETTE | \
	 PCI_COMMAND_WAIT | PCI_COMMAND_FAST_BACK)
/* Every defined COMMAND bit (I/O space enable to INTx disable). */
#define PCI_COMMAND_DEFINED_MASK 0x07ffu

/* STATUS (and a bridge's secondary status): the error bits are write-1-to-clear. */
#define PCI_STATUS_RW1C_MASK                                                                       \
	(PCI_STATUS_PARITY | PCI_STATUS_SIG_TARGET_ABORT | PCI_STATUS_REC_TARGET_ABORT |             \
	 PCI_STATUS_REC_MASTER_ABORT | PCI_STATUS_SIG_SYSTEM_ERROR | PCI_STATUS_DETECTED_PARITY)
#define PCI_STATUS_RO_MASK \
	(PCI_STATUS_INTERRUPT | PCI_STATUS_CAP_LIST | PCI_STATUS_66MHZ | PCI_STATUS_FAST_BACK | PCI_STATUS_DEVSEL_MASK)
/* Bits 0-2 (Immediate Readiness included) and 6 (the obsolete UDF): never written. */
#define PCI_STATUS_RSVDZ_MASK 0x0047u
#define PCI_SEC_STATUS_RW1C_MASK PCI_STATUS_RW1C_MASK
#define PCI_SEC_STATUS_RO_MASK (PCI_STATUS_66MHZ | PCI_STATUS_FAST_BACK | PCI_STATUS_DEVSEL_MASK)
/* Bits 0-4 and 6: never written. */
#define PCI_SEC_STATUS_RSVDZ_MASK 0x005fu

/* PMCSR: PME status is write-1-to-clear; bits 2 and 4-7 are reserved. */
#define PCI_PM_CTRL_RW1C_MASK PCI_PM_CTRL_PME_STATUS
#define PCI_PM_CTRL_RSVDZ_MASK 0x00f4u
/* The D-state field's value for D3hot. */
#define PCI_PM_CTRL_D3HOT 3u

/* PCI Express status registers: the write-1-to-clear bits. */
#define PCI_EXP_DEVSTA_RW1C_MASK (PCI_EXP_DEVSTA_CED | PCI_EXP_DEVSTA_NFED | PCI_EXP_DEVSTA_FED | PCI_EXP_DEVSTA_URD)
#define PCI_EXP_LNKSTA_RW1C_MASK (PCI_EXP_LNKSTA_LBMS | PCI_EXP_LNKSTA_LABS)
#define PCI_EXP_SLTSTA_RW1C_MASK                                                              \
	(PCI_EXP_SLTSTA_ABP | PCI_EXP_SLTSTA_PFD | PCI_EXP_SLTSTA_MRLSC | PCI_EXP_SLTSTA_PDC | \
	 PCI_EXP_SLTSTA_CC | PCI_EXP_SLTSTA_DLLSC)
#define PCI_EXP_RTSTA_RW1C_MASK PCI_EXP_RTSTA_PME

#endif
