/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A fake Linux sysfs + procfs tree in a temporary directory, built from the
 * lspci fixture dumps, and a fake kernel: the observer of every sysfs write
 * records it and does what the kernel would (unbind/bind/drivers_probe move
 * the driver link, reset rewrites config space, enable sets COMMAND).
 */
#ifndef PCIBACKD_TESTS_FAKE_SYSFS_H
#define PCIBACKD_TESTS_FAKE_SYSFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host/host_options.h"

#define FAKE_MAX_WRITES 64
#define FAKE_MAX_DEVS 16

struct fake_write {
	char path[160];   /* relative to the tree root, e.g. "sys/bus/pci/drivers_probe" */
	char value[64];
};

struct fake_sysfs {
	char root[128];
	char bus[192];    /* <root>/sys/bus/pci */
	char proc[192];   /* <root>/proc */
	struct fake_write writes[FAKE_MAX_WRITES];
	size_t nwrites;
	/* Config state seen at the moment of each reset: COMMAND and MSI/MSI-X control words. */
	unsigned resets;
	uint16_t cmd_at_reset, msi_at_reset, msix_at_reset;
	/* routed_irq: what `enable` (pci_enable_device's INTx routing) puts in `irq`; 0: leaves it. */
	struct { char bdf[16]; char native[32]; unsigned routed_irq; } devs[FAKE_MAX_DEVS];
	size_t ndevs;
	struct host_options opt;
};

int fake_sysfs_init(struct fake_sysfs *fs);
void fake_sysfs_cleanup(struct fake_sysfs *fs);
/* A driver directory with bind and unbind. */
int fake_sysfs_add_driver(struct fake_sysfs *fs, const char *name);
/*
 * Device bdf from a fixture (dump_bdf in it; NULL: its first device), below
 * the bridge parent_bdf (NULL: on the root bus), bound to driver (NULL: none).
 */
int fake_sysfs_add_device(struct fake_sysfs *fs, const char *fixture, const char *dump_bdf, const char *bdf,
			  const char *parent_bdf, const char *driver);
/* The interrupt the kernel routes when the device is first enabled (the firmware's line until then). */
void fake_sysfs_set_routed_irq(struct fake_sysfs *fs, const char *bdf, unsigned irq);
/* A network interface / a disk (and partition) under the device. */
int fake_sysfs_add_net(struct fake_sysfs *fs, const char *bdf, const char *ifname, const char *operstate);
int fake_sysfs_add_disk(struct fake_sysfs *fs, const char *bdf, const char *disk, const char *part);
/* Appends a line to <root>/proc/<file>. */
int fake_sysfs_proc_line(struct fake_sysfs *fs, const char *file, const char *line);

/* Path of a device attribute; the attribute's contents; the config bytes. */
void fake_sysfs_path(const struct fake_sysfs *fs, const char *bdf, const char *attr, char *buf, size_t len);
int fake_sysfs_attr(const struct fake_sysfs *fs, const char *bdf, const char *attr, char *buf, size_t len);
int fake_sysfs_config(const struct fake_sysfs *fs, const char *bdf, uint8_t *buf, size_t len);
int fake_sysfs_set_config(const struct fake_sysfs *fs, const char *bdf, unsigned off, const void *buf, size_t len);
/* The driver the link names, "" if none. */
void fake_sysfs_driver(const struct fake_sysfs *fs, const char *bdf, char *buf, size_t len);

/* Every file's bytes and every link's target, in a stable order (malloc'd). */
char *fake_sysfs_serialize(const struct fake_sysfs *fs, size_t *len);

#endif
