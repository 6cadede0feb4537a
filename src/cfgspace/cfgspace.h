/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The config-space engine: what a guest sees of a device's config space and
 * what of its writes reaches the device.  The semantics are those of Linux
 * xen-pciback, hardened where the kernel is unsafe (doc/config-space.md).
 *
 * cfg_read/cfg_write return a PCIIF_ERR_* code (0 on success), or a raw
 * negative errno where the kernel passes one to the guest.
 */
#ifndef PCIBACKD_CFGSPACE_CFGSPACE_H
#define PCIBACKD_CFGSPACE_CFGSPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host/hostdev.h"

struct cfg_options {
	bool permissive;              /* unhandled registers become writable */
	bool allow_interrupt_control; /* guest may toggle INTX_DISABLE and MSI/MSI-X enables */
};

struct cfg_dev;

/* Builds the guest view of hd (which stays owned by the caller). NULL + err on failure. */
struct cfg_dev *cfg_dev_new(struct hostdev *hd, const struct cfg_options *opts, char *err, size_t errlen);
void cfg_dev_free(struct cfg_dev *cd);
struct hostdev *cfg_dev_host(const struct cfg_dev *cd);

int cfg_read(struct cfg_dev *cd, long off, long size, uint32_t *val);
int cfg_write(struct cfg_dev *cd, long off, long size, uint32_t val);

/*
 * A PMCSR write that changed the D-state leaves a transition pending:
 * cfg_pm_pending says so and how long (*wait_us) the device needs before it
 * may be accessed again; a further PMCSR write is refused meanwhile
 * (PCIIF_ERR_ACCESS_DENIED, nothing changed).  Once that time has passed, cfg_pm_finish puts back
 * in hardware what a soft reset on D3hot -> D0 erased (BARs, ROM, COMMAND as
 * before the change) and returns true when the device may have been reset
 * (D3hot -> D0 with No_Soft_Reset clear): the caller then restores the
 * interrupts it enabled.
 */
/* MSI / MSI-X as they were in hardware (the enable bits, MSI-X's Mask-All). */
struct cfg_irq_hw {
	bool msi_on, msix_on, msix_maskall;
};

bool cfg_pm_pending(const struct cfg_dev *cd, unsigned *wait_us);
/*
 * was (may be NULL): MSI / MSI-X as hardware had them when the transition
 * started, for the caller's restore; the interrupts to switch back on are
 * those that were on then, whatever the backend's bookkeeping says (a
 * permissive guest may have switched them off through config space).
 */
bool cfg_pm_finish(struct cfg_dev *cd, struct cfg_irq_hw *was);

/* The device leaves its guest: per-device state returns to its seize-time values. */
void cfg_dev_release(struct cfg_dev *cd);

void cfg_set_options(struct cfg_dev *cd, const struct cfg_options *opts);
const struct cfg_options *cfg_get_options(const struct cfg_dev *cd);

/* ---- Per-device switches, the tables' self-check, quirks, cut chains ---- */

#include "common/bdf.h"

/* Per-device switches, settable at any time. */
void cfg_set_permissive(struct cfg_dev *cd, bool on);
void cfg_set_allow_interrupt_control(struct cfg_dev *cd, bool on);

/*
 * Checks every const field table: sizes 1/2/4, aligned offsets, no overlaps,
 * masks inside the register and disjoint, hooks where masks need them; and
 * every capability row: at least one layout, its ID listed once.
 * Returns 0, or -1 with a one-line message.  cfg_dev_new refuses to build a
 * device when this fails.
 */
int cfg_check_tables(char *err, size_t errlen);

/* A quirk in the kernel's sysfs syntax: "DDDD:BB:SS.F-REG:SIZE:MASK" or "BB:SS.F-REG:SIZE:MASK" (hex). */
struct cfg_quirk {
	struct pb_bdf addr;
	bool has_domain;     /* false: the domain was omitted (0) */
	uint16_t reg;
	uint8_t size;
	uint32_t mask;
};
/* Returns 0, or -1 with a one-line message.  Checks reg <= 0xfff, size 1/2/4, reg aligned, mask fits size. */
int cfg_quirk_parse(const char *s, struct cfg_quirk *q, char *err, size_t errlen);

/*
 * Adds a field at `reg`: reads pass through, and writes reach hardware masked
 * by `mask` (the kernel stores the mask but never applies it; we do).
 * Returns 0 or a negative errno with a message: -EINVAL (bad size, alignment,
 * mask or range), -EEXIST (overlaps a described register), -ENOSPC.
 * Quirks are dropped by cfg_dev_release, as the kernel drops them.
 */
int cfg_add_quirk(struct cfg_dev *cd, unsigned reg, unsigned size, uint32_t mask, char *err, size_t errlen);
/* cfg_add_quirk for a parsed quirk whose address must match the device's. */
int cfg_apply_quirk(struct cfg_dev *cd, const struct cfg_quirk *q, char *err, size_t errlen);
size_t cfg_quirk_count(const struct cfg_dev *cd);

/* True if the capability chain (standard or extended) was cut at a bad link when the device was built. */
bool cfg_chain_was_cut(const struct cfg_dev *cd);

#endif
