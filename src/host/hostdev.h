/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The host device layer: one physical PCI function as the backend sees it.
 * Implementations: simulated devices from lspci dumps (simdev.c), the host's
 * real devices through libpci (libpci_dev.c), and seized host devices that
 * wrap a libpci one (ownership/host_source.c).  The config-space engine and
 * the dispatcher only ever use this interface.
 *
 * Every operation returns 0 or a negative errno, and on failure leaves the
 * device unchanged.
 */
#ifndef PCIBACKD_HOST_HOSTDEV_H
#define PCIBACKD_HOST_HOSTDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/bdf.h"

#define HOSTDEV_NUM_BARS 6
#define HOSTDEV_ROM 6        /* index of the expansion ROM in res[] */
#define HOSTDEV_NUM_RES 7

enum hostdev_res_flags {
	HOSTDEV_RES_IO = 1u << 0,
	HOSTDEV_RES_MEM = 1u << 1,
	HOSTDEV_RES_MEM64 = 1u << 2,    /* 64-bit memory BAR (this index is the low half) */
	HOSTDEV_RES_PREFETCH = 1u << 3,
	HOSTDEV_RES_ROM = 1u << 4,
	HOSTDEV_RES_UPPER = 1u << 5,    /* this index is the upper half of the previous 64-bit BAR */
};

struct hostdev_res {
	uint64_t start;  /* host bus address */
	uint64_t size;   /* 0: absent */
	unsigned flags;  /* HOSTDEV_RES_* */
};

struct hostdev;

struct hostdev_ops {
	/* Raw config access; size 1, 2 or 4, naturally aligned, within cfg_size. */
	int (*read)(struct hostdev *hd, unsigned off, unsigned size, uint32_t *val);
	int (*write)(struct hostdev *hd, unsigned off, unsigned size, uint32_t val);
	/* pci_enable_device(): turn on the decoding the resources need. */
	int (*enable)(struct hostdev *hd);
	/* pci_disable_device(): clear bus mastering; decoding stays on. */
	int (*disable)(struct hostdev *hd);
	/*
	 * D-state change (0..3): starts it and returns at once, never sleeps;
	 * *wait_us is how long the device needs before it may be accessed
	 * again (hostdev_pm_delay_us).  The caller waits without blocking
	 * anyone.  NULL: not supported.
	 */
	int (*set_power_state)(struct hostdev *hd, int dstate, unsigned *wait_us);
	/* Function reset (FLR, PM or bus reset, as the host offers); NULL: none. */
	int (*reset)(struct hostdev *hd);
	/*
	 * The device leaves its guest (pool_release): quiesce, reset, restore
	 * the seize-time state.  0, or -errno with a one-line message in err
	 * (the pool then quarantines the device).  NULL: the pool quiesces,
	 * disables and resets.
	 */
	int (*release)(struct hostdev *hd, char *err, size_t errlen);
	/*
	 * Sets the mask bit of MSI-X table entry `entry` (its vector control,
	 * in the table BAR's memory).  NULL: the table is not for this process
	 * to write (a real device's belongs to the hypervisor once it has it:
	 * read-only to dom0).
	 */
	int (*msix_mask_entry)(struct hostdev *hd, unsigned entry);
	void (*destroy)(struct hostdev *hd);
};

struct hostdev {
	const struct hostdev_ops *ops;
	struct pb_bdf addr;          /* real address */
	uint16_t vendor_id, device_id;
	uint32_t class_code;         /* 24 bits: base, sub, prog-if */
	uint8_t header_type;         /* without the multifunction bit */
	bool multifunction;
	unsigned cfg_size;           /* 256 or 4096 */
	struct hostdev_res res[HOSTDEV_NUM_RES];
	unsigned irq;                /* host interrupt (0: none) */
	bool enabled;                /* enable() done and not disabled */
	struct hostdev *physfn;      /* SR-IOV: the PF of a VF, else NULL */
	bool real;                   /* a device of this host (not simulated): the hypervisor knows it */
	bool slow_reset;             /* release may block for long (a kernel reset): done off the event loop */
	char source[128];            /* where it came from, for messages */
};

static inline int hostdev_read(struct hostdev *hd, unsigned off, unsigned size, uint32_t *val)
{
	return hd->ops->read(hd, off, size, val);
}
static inline int hostdev_write(struct hostdev *hd, unsigned off, unsigned size, uint32_t val)
{
	return hd->ops->write(hd, off, size, val);
}
void hostdev_destroy(struct hostdev *hd);

/* True if an access of `size` at `off` is 1/2/4 bytes, aligned and inside the device. */
bool hostdev_access_ok(const struct hostdev *hd, long off, long size);

/* Standard capability walk (cycle-safe); returns the offset or 0. */
unsigned hostdev_find_cap(struct hostdev *hd, uint8_t cap_id);
/* Extended capability walk (cycle-safe); returns the offset or 0. */
unsigned hostdev_find_ext_cap(struct hostdev *hd, uint16_t cap_id);

/*
 * Stops the device from raising interrupts or doing DMA: clears the MSI and
 * MSI-X enables and bus mastering.  Done when a device is seized and first
 * thing when it is released.  Returns 0 or the first error.
 */
int hostdev_quiesce(struct hostdev *hd);

/*
 * The device's D-state from PMCSR: 0..3, 0 for a device without the power
 * management capability, or -errno when PMCSR cannot be read.
 */
int hostdev_power_state(struct hostdev *hd);

/*
 * The time a device needs after its D-state changed from `from` to `to`
 * before software may access it (PCI PM specification): 10 ms when D3hot is
 * either end, 200 us when D2 is, 0 otherwise.
 */
unsigned hostdev_pm_delay_us(int from, int to);

/* Sets or clears the MSI (PCI_CAP_ID_MSI) or MSI-X (PCI_CAP_ID_MSIX) enable bit; -ENODEV without the capability. */
int hostdev_set_msi_enable(struct hostdev *hd, uint8_t cap_id, bool on);

/* Host address of the MSI-X table (BAR of the table BIR + offset); -EINVAL when absent or bad. */
int hostdev_msix_table_base(struct hostdev *hd, uint64_t *base);

#endif
