/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sysfs attribute files: read one value, write one value, read a link's
 * target name.  Every write is reported to an optional observer after it
 * succeeded, so the daemon can trace what it did to the host and tests can
 * play the kernel's part on a fake tree.
 */
#ifndef PCIBACKD_HOST_SYSFS_ATTR_H
#define PCIBACKD_HOST_SYSFS_ATTR_H

#include <stdbool.h>
#include <stddef.h>

struct sysfs_observer {
	/* Called after each successful write, with the path as written and the value. */
	void (*written)(void *ctx, const char *path, const char *value);
	void *ctx;
};

/* Reads the attribute (at most len-1 bytes), trailing newline removed. 0 or -errno. */
int sysfs_attr_read(const char *path, char *buf, size_t len);
/* Writes value with one write(); 0 or -errno. obs may be NULL. */
int sysfs_attr_write(const char *path, const char *value, const struct sysfs_observer *obs);
/* The last component of a symlink's target (e.g. a driver name); 0 or -errno. */
int sysfs_link_name(const char *path, char *buf, size_t len);
bool sysfs_exists(const char *path);

#endif
