/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The PCI register names pcibackd uses, for a system without
 * <linux/pci_regs.h> (a BSD build): the same names and values, from the PCI
 * and PCI Express specifications.  Included only by proto/pci_regs.h.
 * tests/abi/test_pci_regs.c checks every value against Linux's header (a name
 * added here goes into tests/abi/pci_regs_names.h too).
 */
#ifndef PCIBACKD_PROTO_PCI_REGS_OWN_H
#define PCIBACKD_PROTO_PCI_REGS_OWN_H

/*
 * libpci's <pci/header.h> defines many of these names too, with the same
 * values spelled differently: as a system header, this one may repeat them
 * without a warning.
 */
#pragma GCC system_header

/* Header: identity, command, status, class, BIST */
#define PCI_BIST 0xf
#define PCI_BIST_START 0x40
#define PCI_CACHE_LINE_SIZE 0xc
#define PCI_CFG_SPACE_EXP_SIZE 0x1000
#define PCI_CFG_SPACE_SIZE 0x100
#define PCI_CLASS_DEVICE 0xa
#define PCI_CLASS_PROG 9
#define PCI_CLASS_REVISION 8
#define PCI_COMMAND 4
#define PCI_COMMAND_FAST_BACK 0x200
#define PCI_COMMAND_INTX_DISABLE 0x400
#define PCI_COMMAND_INVALIDATE 0x10
#define PCI_COMMAND_IO 1
#define PCI_COMMAND_MASTER 4
#define PCI_COMMAND_MEMORY 2
#define PCI_COMMAND_SPECIAL 8
#define PCI_COMMAND_VGA_PALETTE 0x20
#define PCI_COMMAND_WAIT 0x80
#define PCI_DEVICE_ID 2
#define PCI_HEADER_TYPE 0xe
#define PCI_HEADER_TYPE_BRIDGE 1
#define PCI_HEADER_TYPE_CARDBUS 2
#define PCI_HEADER_TYPE_MASK 0x7f
#define PCI_HEADER_TYPE_NORMAL 0
#define PCI_LATENCY_TIMER 0xd
#define PCI_STATUS 6
#define PCI_STATUS_66MHZ 0x20
#define PCI_STATUS_CAP_LIST 0x10
#define PCI_STATUS_DETECTED_PARITY 0x8000
#define PCI_STATUS_DEVSEL_MASK 0x600
#define PCI_STATUS_FAST_BACK 0x80
#define PCI_STATUS_INTERRUPT 8
#define PCI_STATUS_PARITY 0x100
#define PCI_STATUS_REC_MASTER_ABORT 0x2000
#define PCI_STATUS_REC_TARGET_ABORT 0x1000
#define PCI_STATUS_SIG_SYSTEM_ERROR 0x4000
#define PCI_STATUS_SIG_TARGET_ABORT 0x800
#define PCI_STD_HEADER_SIZEOF 0x40
#define PCI_VENDOR_ID 0

/* Header: BARs, ROM, capabilities pointer, interrupt; type 1 and CardBus registers */
#define PCI_BASE_ADDRESS_0 0x10
#define PCI_BASE_ADDRESS_1 0x14
#define PCI_BASE_ADDRESS_2 0x18
#define PCI_BASE_ADDRESS_3 0x1c
#define PCI_BASE_ADDRESS_4 0x20
#define PCI_BASE_ADDRESS_5 0x24
#define PCI_BASE_ADDRESS_IO_MASK (~0x03UL)
#define PCI_BASE_ADDRESS_MEM_MASK (~0x0fUL)
#define PCI_BASE_ADDRESS_MEM_PREFETCH 8
#define PCI_BASE_ADDRESS_MEM_TYPE_64 4
#define PCI_BASE_ADDRESS_SPACE_IO 1
#define PCI_BRIDGE_CONTROL 0x3e
#define PCI_CAPABILITY_LIST 0x34
#define PCI_CARDBUS_CIS 0x28
#define PCI_CB_CAPABILITY_LIST 0x14
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN 0x3d
#define PCI_IO_BASE 0x1c
#define PCI_IO_BASE_UPPER16 0x30
#define PCI_IO_LIMIT 0x1d
#define PCI_IO_LIMIT_UPPER16 0x32
#define PCI_MAX_LAT 0x3f
#define PCI_MEMORY_BASE 0x20
#define PCI_MEMORY_LIMIT 0x22
#define PCI_MIN_GNT 0x3e
#define PCI_PREF_BASE_UPPER32 0x28
#define PCI_PREF_LIMIT_UPPER32 0x2c
#define PCI_PREF_MEMORY_BASE 0x24
#define PCI_PREF_MEMORY_LIMIT 0x26
#define PCI_PRIMARY_BUS 0x18
#define PCI_ROM_ADDRESS 0x30
#define PCI_ROM_ADDRESS1 0x38
#define PCI_ROM_ADDRESS_ENABLE 1
#define PCI_ROM_ADDRESS_MASK (~0x7ffU)
#define PCI_SECONDARY_BUS 0x19
#define PCI_SEC_LATENCY_TIMER 0x1b
#define PCI_SEC_STATUS 0x1e
#define PCI_SUBORDINATE_BUS 0x1a
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c

/* Capabilities: IDs, header, power management, VPD */
#define PCI_CAP_ID_EXP 0x10
#define PCI_CAP_ID_MSI 5
#define PCI_CAP_ID_MSIX 0x11
#define PCI_CAP_ID_PCIX 7
#define PCI_CAP_ID_PM 1
#define PCI_CAP_ID_VPD 3
#define PCI_CAP_LIST_ID 0
#define PCI_CAP_LIST_NEXT 1
#define PCI_CAP_VPD_SIZEOF 8
#define PCI_PM_CAP_D1 0x200
#define PCI_PM_CAP_D2 0x400
#define PCI_PM_CAP_PME_MASK 0xf800
#define PCI_PM_CTRL 4
#define PCI_PM_CTRL_DATA_SCALE_MASK 0x6000
#define PCI_PM_CTRL_DATA_SEL_MASK 0x1e00
#define PCI_PM_CTRL_NO_SOFT_RESET 8
#define PCI_PM_CTRL_PME_ENABLE 0x100
#define PCI_PM_CTRL_PME_STATUS 0x8000
#define PCI_PM_CTRL_STATE_MASK 3
#define PCI_PM_DATA_REGISTER 7
#define PCI_PM_PMC 2
#define PCI_PM_PPB_EXTENSIONS 6
#define PCI_PM_SIZEOF 8
#define PCI_VPD_ADDR 2
#define PCI_VPD_ADDR_F 0x8000
#define PCI_VPD_DATA 4

/* MSI and MSI-X */
#define PCI_CAP_MSIX_SIZEOF 0xc
#define PCI_MSIX_FLAGS 2
#define PCI_MSIX_FLAGS_ENABLE 0x8000
#define PCI_MSIX_FLAGS_MASKALL 0x4000
#define PCI_MSIX_FLAGS_QSIZE 0x7ff
#define PCI_MSIX_TABLE 4
#define PCI_MSIX_TABLE_BIR 7
#define PCI_MSIX_TABLE_OFFSET 0xfffffff8
#define PCI_MSI_ADDRESS_HI 8
#define PCI_MSI_ADDRESS_LO 4
#define PCI_MSI_DATA_32 8
#define PCI_MSI_DATA_64 0xc
#define PCI_MSI_FLAGS 2
#define PCI_MSI_FLAGS_64BIT 0x80
#define PCI_MSI_FLAGS_ENABLE 1
#define PCI_MSI_FLAGS_MASKBIT 0x100
#define PCI_MSI_FLAGS_QSIZE 0x70
#define PCI_MSI_MASK_32 0xc
#define PCI_MSI_MASK_64 0x10
#define PCI_MSI_PENDING_32 0x10
#define PCI_MSI_PENDING_64 0x14

/* PCI-X and PCI Express */
#define PCI_CAP_EXP_ENDPOINT_SIZEOF_V1 0x14
#define PCI_EXP_DEVCTL 8
#define PCI_EXP_DEVCTL2 0x28
#define PCI_EXP_DEVSTA 0xa
#define PCI_EXP_DEVSTA_CED 1
#define PCI_EXP_DEVSTA_FED 4
#define PCI_EXP_DEVSTA_NFED 2
#define PCI_EXP_DEVSTA_URD 8
#define PCI_EXP_FLAGS 2
#define PCI_EXP_FLAGS_SLOT 0x100
#define PCI_EXP_FLAGS_TYPE 0xf0
#define PCI_EXP_FLAGS_VERS 0xf
#define PCI_EXP_LNKCTL 0x10
#define PCI_EXP_LNKCTL2 0x30
#define PCI_EXP_LNKSTA 0x12
#define PCI_EXP_LNKSTA_LABS 0x8000
#define PCI_EXP_LNKSTA_LBMS 0x4000
#define PCI_EXP_RTCTL 0x1c
#define PCI_EXP_RTSTA 0x20
#define PCI_EXP_RTSTA_PME 0x10000
#define PCI_EXP_SLTCTL 0x18
#define PCI_EXP_SLTCTL2 0x38
#define PCI_EXP_SLTSTA 0x1a
#define PCI_EXP_SLTSTA2 0x3a
#define PCI_EXP_SLTSTA_ABP 1
#define PCI_EXP_SLTSTA_CC 0x10
#define PCI_EXP_SLTSTA_DLLSC 0x100
#define PCI_EXP_SLTSTA_MRLSC 4
#define PCI_EXP_SLTSTA_PDC 8
#define PCI_EXP_SLTSTA_PFD 2
#define PCI_EXP_TYPE_RC_EC 0xa
#define PCI_EXP_TYPE_ROOT_PORT 4
#define PCI_X_CMD 2

/* Extended capabilities: AER, ACS, LTR */
#define PCI_ACS_CTRL 6
#define PCI_ERR_CAP 0x18
#define PCI_ERR_CAP_ECRC_CHKE 0x100
#define PCI_ERR_CAP_ECRC_GENE 0x40
#define PCI_ERR_COR_MASK 0x14
#define PCI_ERR_COR_STATUS 0x10
#define PCI_ERR_UNCOR_MASK 8
#define PCI_ERR_UNCOR_SEVER 0xc
#define PCI_ERR_UNCOR_STATUS 4
#define PCI_ERR_UNC_COMP_TIME 0x4000
#define PCI_ERR_UNC_DLP 0x10
#define PCI_ERR_UNC_MALF_TLP 0x40000
#define PCI_EXT_CAP_ID_ACS 0xd
#define PCI_EXT_CAP_ID_ERR 1
#define PCI_EXT_CAP_ID_LTR 0x18
#define PCI_LTR_MAX_SNOOP_LAT 4

/* Extended capability header: ID and next pointer. */
#define PCI_EXT_CAP_ID(header) ((header) & 0x0000ffff)
#define PCI_EXT_CAP_NEXT(header) (((header) >> 20) & 0xffc)

#endif
