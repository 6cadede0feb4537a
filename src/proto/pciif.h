/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Xen PV PCI protocol ABI (Xen public io/pciif.h), written out under our
 * own names so that it can be compiled beside Xen's header and compared with
 * it (tests/abi/test_abi.c).  Layout: every field is a naturally aligned 2-
 * or 4-byte value, so the structs have no padding on any Xen architecture.
 */
#ifndef PCIBACKD_PROTO_PCIIF_H
#define PCIBACKD_PROTO_PCIIF_H

#include <stddef.h>
#include <stdint.h>

#define PCIIF_MAGIC "7"

/* Bits of pciif_sharedinfo.flags. */
#define PCIIF_FLAG_BIT_F_ACTIVE     0  /* _XEN_PCIF_active: frontend posted an op */
#define PCIIF_FLAG_BIT_B_AERHANDLER 1  /* _XEN_PCIB_AERHANDLER: guest has a PV AER handler */
#define PCIIF_FLAG_BIT_B_ACTIVE     2  /* _XEN_PCIB_active: backend posted an AER op */
#define PCIIF_FLAG_F_ACTIVE     (1u << PCIIF_FLAG_BIT_F_ACTIVE)
#define PCIIF_FLAG_B_AERHANDLER (1u << PCIIF_FLAG_BIT_B_AERHANDLER)
#define PCIIF_FLAG_B_ACTIVE     (1u << PCIIF_FLAG_BIT_B_ACTIVE)

/* Operation codes (pciif_op.cmd, pciif_aer_op.cmd). */
enum pciif_cmd {
	PCIIF_OP_CONF_READ = 0,
	PCIIF_OP_CONF_WRITE = 1,
	PCIIF_OP_ENABLE_MSI = 2,
	PCIIF_OP_DISABLE_MSI = 3,
	PCIIF_OP_ENABLE_MSIX = 4,
	PCIIF_OP_DISABLE_MSIX = 5,
	PCIIF_OP_AER_DETECTED = 6,
	PCIIF_OP_AER_RESUME = 7,
	PCIIF_OP_AER_MMIO = 8,
	PCIIF_OP_AER_SLOTRESET = 9,
	PCIIF_OP_ENABLE_MULTI_MSI = 10,
};
#define PCIIF_OP_COUNT 11

/* Error codes (pciif_op.err).  Some ops also return raw negative errnos. */
enum pciif_err {
	PCIIF_ERR_SUCCESS = 0,
	PCIIF_ERR_DEV_NOT_FOUND = -1,
	PCIIF_ERR_INVALID_OFFSET = -2,
	PCIIF_ERR_ACCESS_DENIED = -3,
	PCIIF_ERR_NOT_IMPLEMENTED = -4,
	PCIIF_ERR_OP_FAILED = -5,
};

#define PCIIF_MAX_VEC 128 /* SH_INFO_MAX_VEC */

/* pci_channel_state_t, carried to the guest in aer_op.err. */
enum pciif_aer_channel { PCIIF_AER_IO_NORMAL = 1, PCIIF_AER_IO_FROZEN = 2, PCIIF_AER_IO_PERM_FAILURE = 3 };
/* pci_ers_result_t, the guest's answer in aer_op.err. */
enum pciif_aer_result {
	PCIIF_AER_RESULT_NONE = 1,
	PCIIF_AER_RESULT_CAN_RECOVER = 2,
	PCIIF_AER_RESULT_NEED_RESET = 3,
	PCIIF_AER_RESULT_DISCONNECT = 4,
	PCIIF_AER_RESULT_RECOVERED = 5,
	PCIIF_AER_RESULT_NO_AER_DRIVER = 6,
};

struct pciif_msix_entry {
	uint16_t vector; /* OUT: pirq; the frontend writes 0xffff on input */
	uint16_t entry;  /* IN: MSI-X table index */
};

struct pciif_op {
	uint32_t cmd;    /* IN: PCIIF_OP_* */
	int32_t err;     /* OUT: PCIIF_ERR_* or -errno */
	uint32_t domain; /* IN: PCI segment as the guest sees it */
	uint32_t bus;
	uint32_t devfn;
	int32_t offset;  /* IN: config register */
	int32_t size;    /* IN: 1, 2 or 4 */
	uint32_t value;  /* IN/OUT */
	uint32_t info;   /* IN: unused by Linux */
	struct pciif_msix_entry msix_entries[PCIIF_MAX_VEC];
};

struct pciif_aer_op {
	uint32_t cmd;
	int32_t err;
	uint32_t domain;
	uint32_t bus;
	uint32_t devfn;
};

struct pciif_sharedinfo {
	uint32_t flags; /* PCIIF_FLAG_* */
	struct pciif_op op;
	struct pciif_aer_op aer_op;
};

_Static_assert(sizeof(struct pciif_msix_entry) == 4, "xen_msix_entry is 4 bytes");
_Static_assert(sizeof(struct pciif_op) == 548, "xen_pci_op is 548 bytes");
_Static_assert(sizeof(struct pciif_aer_op) == 20, "xen_pcie_aer_op is 20 bytes");
_Static_assert(sizeof(struct pciif_sharedinfo) == 572, "xen_pci_sharedinfo is 572 bytes");
_Static_assert(offsetof(struct pciif_sharedinfo, aer_op) == 552, "aer_op offset");

/*
 * The flags word is shared by the frontend and the backend, each setting and
 * clearing its own bits: every access is a 32-bit atomic at offset 0.
 */
static inline uint32_t pciif_flags_load(const struct pciif_sharedinfo *sh)
{
	return __atomic_load_n(&sh->flags, __ATOMIC_ACQUIRE);
}
static inline void pciif_flags_set(struct pciif_sharedinfo *sh, uint32_t bits)
{
	__atomic_fetch_or(&sh->flags, bits, __ATOMIC_SEQ_CST);
}
static inline void pciif_flags_clear(struct pciif_sharedinfo *sh, uint32_t bits)
{
	__atomic_fetch_and(&sh->flags, ~bits, __ATOMIC_SEQ_CST);
}

/* Names for humans (traces, tool output); "?" style fallbacks for unknown values. */
const char *pciif_cmd_name(uint32_t cmd);
const char *pciif_err_name(int32_t err); /* NULL when not a PCIIF_ERR_* code */

#endif
