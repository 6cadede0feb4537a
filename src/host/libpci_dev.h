/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The host's real PCI functions through libpci (pciutils).  Config access,
 * resources, the interrupt and names come from libpci's access method
 * (linux-sysfs by default; "dump" reads an lspci -x file; the BSD methods
 * where libpci has them).  enable/disable/reset use the Linux sysfs
 * attributes `enable` and `reset` when the device directory has them.
 *
 * libpci's error callback would exit the process: here it is replaced, and
 * every libpci failure becomes an error return.
 */
#ifndef PCIBACKD_HOST_LIBPCI_DEV_H
#define PCIBACKD_HOST_LIBPCI_DEV_H

#include <stdbool.h>
#include <stddef.h>

#include "host/host_options.h"
#include "host/hostdev.h"

/*
 * Opens one function.  With opt->read_only every write path (config writes,
 * enable, disable, reset, power state) returns -EROFS and libpci opens the
 * config file read-only.  NULL with a one-line message on failure.
 */
struct hostdev *libpci_dev_open(const struct pb_bdf *addr, const struct host_options *opt, char *err,
				size_t errlen);

bool libpci_dev_is(const struct hostdev *hd);

/* "<sysfs>/devices/dddd:bb:dd.f" for the linux-sysfs method, else NULL. */
const char *libpci_dev_sysfs_dir(const struct hostdev *hd);

/* "Class: Vendor Device" from pci.ids (numbers where the ids are unknown). */
void libpci_dev_describe(struct hostdev *hd, char *buf, size_t len);

/* Whether the host offers a function reset (the sysfs `reset` attribute). */
bool libpci_dev_has_reset(const struct hostdev *hd);

#endif
