/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Is a host driver's device in use?  A disk under the device that is
 * mounted, used as swap or held by another block device (LVM, md, dm-crypt),
 * or a network interface under it whose link is up.
 */
#ifndef PCIBACKD_OWNERSHIP_INUSE_H
#define PCIBACKD_OWNERSHIP_INUSE_H

#include <stddef.h>

#include "host/host_options.h"

/*
 * Walks the device's sysfs directory (dev_dir; symlinks not followed).
 * Returns 1 with the reason in why ("vda1 is mounted on /"), 0 when nothing
 * is in use.
 */
int inuse_check(const char *dev_dir, const struct host_options *opt, char *why, size_t whylen);

#endif
