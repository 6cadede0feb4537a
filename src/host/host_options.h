/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * How the daemon reaches the host's real PCI devices and takes ownership of
 * them: the libpci access method and its paths, --read-only, forcing, and an
 * observer of every sysfs attribute write.  The strings must stay valid for
 * as long as any device opened with these options.
 */
#ifndef PCIBACKD_HOST_HOST_OPTIONS_H
#define PCIBACKD_HOST_HOST_OPTIONS_H

#include <stdbool.h>

#include "host/sysfs_attr.h"

#define HOST_DEFAULT_SYSFS "/sys/bus/pci"
#define HOST_DEFAULT_PROC "/proc"
#define HOST_DEFAULT_STUB "pci-stub"

struct host_options {
	const char *method;      /* libpci access method name; NULL: "linux-sysfs" */
	const char *sysfs_path;  /* the PCI bus directory; NULL: /sys/bus/pci */
	const char *dump_file;   /* method "dump": the lspci -x dump to read */
	const char *pci_ids;     /* pci.ids for names; NULL: libpci's default */
	const char *proc_path;   /* for the in-use checks (mounts, swaps); NULL: /proc */
	const char *stub_driver; /* the driver that holds seized devices; NULL: pci-stub */
	bool read_only;          /* --read-only: every write path refuses with -EROFS */
	bool force;              /* seize a device even though its driver is in use */
	bool strict_reset;       /* quarantine a device the kernel cannot reset (default: quiesce + restore) */
	struct sysfs_observer observer; /* told about every sysfs attribute write */
};

static inline const char *host_opt_sysfs(const struct host_options *o)
{
	return o && o->sysfs_path ? o->sysfs_path : HOST_DEFAULT_SYSFS;
}
static inline const char *host_opt_proc(const struct host_options *o)
{
	return o && o->proc_path ? o->proc_path : HOST_DEFAULT_PROC;
}
static inline const char *host_opt_stub(const struct host_options *o)
{
	return o && o->stub_driver ? o->stub_driver : HOST_DEFAULT_STUB;
}

#endif
