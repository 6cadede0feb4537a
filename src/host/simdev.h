/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Simulated host devices, built from real config-space dumps.  They behave
 * like hardware on writes (read-only registers, RW1C status bits, BAR sizing,
 * writable command bits) and record every write they receive, so tests can
 * prove exactly what reached "hardware".
 */
#ifndef PCIBACKD_HOST_SIMDEV_H
#define PCIBACKD_HOST_SIMDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host/hostdev.h"

struct lspci_dump_dev;

/* One write as the device received it. */
struct simdev_write {
	uint16_t off;
	uint8_t size;
	uint32_t value;
};

/*
 * "FILE" (the first device in the dump) or "FILE#BB:DD.F" / "FILE#DDDD:BB:DD.F".
 * Returns NULL with a one-line message in err.
 */
struct hostdev *simdev_load(const char *spec, char *err, size_t errlen);

/* A simulated device from an already parsed dump entry. */
struct hostdev *simdev_from_dump(const struct lspci_dump_dev *d, const char *source);

/* The write record. */
const struct simdev_write *simdev_writes(const struct hostdev *hd, size_t *count);
void simdev_clear_writes(struct hostdev *hd);

/* The device's current raw config bytes (cfg_size of them), bypassing all emulation. */
const uint8_t *simdev_config(const struct hostdev *hd);

/* Sets config bytes as the hardware itself would (no masks, not recorded): for tests. */
void simdev_poke(struct hostdev *hd, unsigned off, unsigned size, uint32_t val);

/*
 * An uncorrectable PCIe error as the hardware shows it: ue_bits are set in
 * the AER capability's Uncorrectable Error Status register.  Nothing for a
 * device that is not simulated or has no AER capability.
 */
void simdev_show_uncorrectable(struct hostdev *hd, uint32_t ue_bits);

/*
 * VPD completion, off by default (the VPD address register then keeps what is
 * written, F included).  On, the device completes each VPD request as soon as
 * a write of the address register's high byte (the one holding F) reaches it,
 * as real VPD hardware does after a while: F written 0 (a read request) reads
 * back 1 (read done; the data register keeps its bytes), F written 1 (a write
 * request) reads back 0.  No effect on a device without a VPD capability.
 */
void simdev_set_vpd_completion(struct hostdev *hd, bool on);

/* Fault injection: reads fail with -EIO / return all ones; writes fail with -EIO. */
enum simdev_fault { SIMDEV_FAULT_NONE = 0, SIMDEV_FAULT_READ_EIO, SIMDEV_FAULT_READ_ONES, SIMDEV_FAULT_WRITE_EIO };
void simdev_set_fault(struct hostdev *hd, enum simdev_fault fault);

/* Counters of enable(), disable(), reset() and set_power_state() calls. */
struct simdev_counters {
	unsigned enables, disables, resets, power_changes;
	unsigned soft_resets;           /* D3hot -> D0 transitions that reset the function (soft reset on) */
	unsigned early_accesses;        /* config accesses before a D-state change had its time */
};
const struct simdev_counters *simdev_counters(const struct hostdev *hd);

/*
 * Power management: with soft reset on, a D3hot -> D0 transition resets the
 * function unless its PMCSR No_Soft_Reset bit (bit 3) is set, as the PCI PM
 * specification allows: the config space returns to the dump's state as a
 * reset leaves it (command 0, MSI and MSI-X off, BAR and ROM addresses 0),
 * in D0.  Off by default (the device keeps its state in every D-state).
 * Either way a D-state change reports the specification's time
 * (hostdev_pm_delay_us), and config accesses before it has passed are
 * counted in early_accesses.
 */
void simdev_set_soft_reset(struct hostdev *hd, bool on);

/*
 * A slow reset: reset() sleeps `ms` before resetting the function, as the
 * kernel's FLR, PM or bus reset can take hundreds of milliseconds, and the
 * device is marked slow_reset (the pool then releases it off the event
 * loop when it has a release worker).  0 (the default): reset() is at once
 * and the device is released in place.
 */
void simdev_set_reset_delay(struct hostdev *hd, unsigned ms);

/*
 * The MSI-X table, which real hardware has in BAR memory: per entry the
 * message address (low, high), data and vector control, as the device
 * reads them.  A reset (function reset, soft reset on D3hot -> D0) leaves
 * every entry masked and zero, as the PCI specification says, unless
 * simdev_set_reset_keeps_msix (a device that keeps its table).  The host
 * layer's msix_mask_entry sets an entry's mask bit.  -EINVAL for an entry
 * beyond the table size the capability reports.
 */
#define SIMDEV_MSIX_MAX 2048
#define SIMDEV_MSIX_ADDR 0xfee00000u /* the address the simulated interrupt provider programs */
int simdev_msix_entry(const struct hostdev *hd, unsigned entry, uint32_t v[4]);
/* Writes an entry as software with access to the BAR would (a guest, a previous driver). */
int simdev_msix_set_entry(struct hostdev *hd, unsigned entry, const uint32_t v[4]);
/*
 * As the hypervisor programs an entry it mapped: address SIMDEV_MSIX_ADDR,
 * data pirq, unmasked; remembered for simdev_msix_reprogram (its restore
 * after a reset) until simdev_msix_forget(pirq).
 */
int simdev_msix_program(struct hostdev *hd, unsigned entry, uint32_t pirq);
void simdev_msix_forget(struct hostdev *hd, uint32_t pirq);
void simdev_msix_reprogram(struct hostdev *hd);
void simdev_set_reset_keeps_msix(struct hostdev *hd, bool on);

/* True if hd is a simulated device. */
int simdev_is_sim(const struct hostdev *hd);

#endif
