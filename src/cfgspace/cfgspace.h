/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The config-space engine: what a guest sees of a device's config space and
 * what of its writes reaches the device.  The semantics are those of Linux
 * xen-pciback (research notes §4), hardened where the kernel is unsafe.
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

/* The device leaves its guest: per-device state returns to its seize-time values. */
void cfg_dev_release(struct cfg_dev *cd);

void cfg_set_options(struct cfg_dev *cd, const struct cfg_options *opts);
const struct cfg_options *cfg_get_options(const struct cfg_dev *cd);

#endif
