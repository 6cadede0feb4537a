/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The pristine state of a seized device, and the step that brings a device
 * back to it after hostdev_quiesce() and a reset: header, power state,
 * PCI-X, PCIe, MSI, MSI-X, AER, ACS and LTR control registers get their
 * saved values back.  Works over any hostdev.
 */
#ifndef PCIBACKD_OWNERSHIP_RESTORE_H
#define PCIBACKD_OWNERSHIP_RESTORE_H

#include <stddef.h>
#include <stdint.h>

#include "host/hostdev.h"

struct dev_snapshot {
	unsigned size;        /* bytes saved (the device's cfg_size) */
	uint8_t cfg[4096];
};

/* Reads the whole config space. 0 or -errno. */
int dev_snapshot_take(struct hostdev *hd, struct dev_snapshot *s);

/* Makes a snapshot describe a quiet device (as hostdev_quiesce() leaves it). */
void dev_snapshot_quiesce(struct hostdev *hd, struct dev_snapshot *s);

/*
 * Writes back every saved register that differs (power state first, COMMAND
 * last), then checks that COMMAND and the BARs read back as saved.
 * 0, or -errno + a message naming the register.
 */
int dev_restore(struct hostdev *hd, const struct dev_snapshot *s, char *err, size_t errlen);

#endif
