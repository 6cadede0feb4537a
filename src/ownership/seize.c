/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Taking a device from its host driver through driver_override and pci-stub, and giving it back to the
 * original driver.
 */
#include "seize.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "host/sysfs_attr.h"
#include "ownership/inuse.h"
#include "proto/pci_regs.h"

static void dev_path(const struct host_options *opt, const struct pb_bdf *a, const char *attr, char *buf, size_t len)
{
	char bdf[PB_BDF_STRLEN];
	snprintf(buf, len, "%s/devices/%s/%s", host_opt_sysfs(opt), pb_bdf_format(a, bdf), attr);
}

static void drv_path(const struct host_options *opt, const char *drv, const char *attr, char *buf, size_t len)
{
	snprintf(buf, len, "%s/drivers/%s/%s", host_opt_sysfs(opt), drv, attr);
}

/* The driver bound now, "" if none. */
static void current_driver(const struct host_options *opt, const struct pb_bdf *a, char *buf, size_t len)
{
	char p[PATH_MAX];
	dev_path(opt, a, "driver", p, sizeof(p));
	if (sysfs_link_name(p, buf, len))
		buf[0] = '\0';
}

int own_is_bridge(const struct host_options *opt, const struct pb_bdf *addr, unsigned *class_code)
{
	char p[PATH_MAX], v[32];
	dev_path(opt, addr, "class", p, sizeof(p));
	int rc = sysfs_attr_read(p, v, sizeof(v));
	if (rc)
		return rc;
	unsigned cls = (unsigned)strtoul(v, NULL, 0);
	if (class_code)
		*class_code = cls;
	if ((cls >> 16) == PCI_BASE_CLASS_BRIDGE)
		return 1;
	/* Header type from config byte PCI_HEADER_TYPE: only type 0 (an endpoint function) goes to guests. */
	dev_path(opt, addr, "config", p, sizeof(p));
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	uint8_t ht = 0;
	ssize_t n = pread(fd, &ht, 1, PCI_HEADER_TYPE);
	close(fd);
	if (n != 1)
		return -EIO;
	return (ht & PCI_HEADER_TYPE_MASK) != PCI_HEADER_TYPE_NORMAL;
}

static int write_bdf(const struct host_options *opt, const char *path, const struct pb_bdf *a)
{
	char bdf[PB_BDF_STRLEN];
	return sysfs_attr_write(path, pb_bdf_format(a, bdf), &opt->observer);
}

/*
 * pciback enables a device when it takes it: pci_enable_device() has the
 * kernel route the device's INTx (ACPI _PRT) and update `irq`, which the
 * guest's interrupt line and the toolstack's IRQ grant come from.  A device
 * no driver ever enabled (hidden from dom0's drivers from boot) still shows
 * the firmware's line.  The kernel enables only a device with no driver
 * bound (-EBUSY otherwise), and this disables it again at once: bus
 * mastering off, decoding on, as pciback leaves it.  Nothing to do when the
 * device is enabled (routed) or the kernel has no `enable` attribute.
 */
static bool needs_routing(const struct host_options *opt, const struct pb_bdf *a)
{
	char p[PATH_MAX], v[16];
	dev_path(opt, a, "enable", p, sizeof(p));
	return sysfs_attr_read(p, v, sizeof(v)) == 0 && !strcmp(v, "0");
}

static void route_irq(const struct host_options *opt, const struct pb_bdf *a)
{
	char p[PATH_MAX], bdf[PB_BDF_STRLEN];
	if (!needs_routing(opt, a))
		return;
	dev_path(opt, a, "enable", p, sizeof(p));
	int rc = sysfs_attr_write(p, "1", &opt->observer);
	if (!rc)
		rc = sysfs_attr_write(p, "0", &opt->observer);
	if (rc)
		pb_warn("%s: enabling it once to route its interrupt failed: %s (the guest may see the firmware's "
			"interrupt line)", pb_bdf_format(a, bdf), strerror(-rc));
}

int own_seize(const struct host_options *opt, const struct pb_bdf *addr, struct own_state *st, char *err,
	      size_t errlen)
{
	char bdf[PB_BDF_STRLEN], p[PATH_MAX], ov[PATH_MAX];
	const char *stub = host_opt_stub(opt);
	pb_bdf_format(addr, bdf);
	memset(st, 0, sizeof(*st));
	st->addr = *addr;
	if (opt->read_only) {
		snprintf(err, errlen, "%s: read-only mode: devices are not seized", bdf);
		return -EROFS;
	}
	unsigned cls = 0;
	int rc = own_is_bridge(opt, addr, &cls);
	if (rc < 0) {
		snprintf(err, errlen, "%s: no such device in %s (%s)", bdf, host_opt_sysfs(opt), strerror(-rc));
		return rc;
	}
	if (rc == 1) {
		snprintf(err, errlen, "%s is a bridge (class %06x): bridges are never given to a guest", bdf, cls);
		return -EPERM;
	}
	char drv[64];
	current_driver(opt, addr, drv, sizeof(drv));
	/* Already the stub's: seized only to route its interrupt (unbound for that, bound again). */
	bool stub_bound = !strcmp(drv, stub);
	if (stub_bound && !needs_routing(opt, addr))
		return 0;
	if (drv[0] && !stub_bound && !opt->force) {
		char why[256];
		dev_path(opt, addr, "", p, sizeof(p));
		if (inuse_check(p, opt, why, sizeof(why))) {
			snprintf(err, errlen, "%s: driver %s is in use: %s (force to seize anyway)", bdf, drv, why);
			return -EBUSY;
		}
	}
	drv_path(opt, stub, "", p, sizeof(p));
	if (!sysfs_exists(p)) {
		snprintf(err, errlen, "%s: the %s driver is not loaded (modprobe %s)", bdf, stub, stub);
		return -ENOENT;
	}
	dev_path(opt, addr, "driver_override", ov, sizeof(ov));
	char old[64] = "";
	if (sysfs_attr_read(ov, old, sizeof(old)) || !strcmp(old, "(null)"))
		old[0] = '\0';
	rc = sysfs_attr_write(ov, stub, &opt->observer);
	if (rc) {
		snprintf(err, errlen, "%s: writing %s to driver_override: %s", bdf, stub, strerror(-rc));
		return rc;
	}
	snprintf(st->orig_driver, sizeof(st->orig_driver), "%s", drv);
	snprintf(st->orig_override, sizeof(st->orig_override), "%s", old);
	st->seized = true;
	const char *step = NULL;
	if (drv[0]) {
		drv_path(opt, drv, "unbind", p, sizeof(p));
		rc = write_bdf(opt, p, addr);
		step = "unbinding from ";
	}
	if (rc == 0) {
		route_irq(opt, addr);
		snprintf(p, sizeof(p), "%s/drivers_probe", host_opt_sysfs(opt));
		rc = write_bdf(opt, p, addr);
		step = "drivers_probe";
	}
	if (rc == 0) {
		char now[64];
		current_driver(opt, addr, now, sizeof(now));
		if (strcmp(now, stub)) {
			snprintf(err, errlen, "%s: not bound to %s after drivers_probe (driver: %s)", bdf, stub,
				 now[0] ? now : "none");
			rc = -EIO;
		}
	} else {
		snprintf(err, errlen, "%s: %s%s: %s", bdf, step, step[0] == 'u' ? drv : "", strerror(-rc));
	}
	if (rc) {
		char e2[200];
		if (own_give_back(opt, st, e2, sizeof(e2)))
			pb_err("%s", e2);
		return rc;
	}
	pb_info("%s: seized from %s, bound to %s", bdf, drv[0] ? drv : "no driver", stub);
	return 0;
}

int own_give_back(const struct host_options *opt, struct own_state *st, char *err, size_t errlen)
{
	if (!st->seized)
		return 0;
	char bdf[PB_BDF_STRLEN], p[PATH_MAX], now[64];
	const char *stub = host_opt_stub(opt);
	pb_bdf_format(&st->addr, bdf);
	int rc = 0;
	dev_path(opt, &st->addr, "driver_override", p, sizeof(p));
	char val[72];
	snprintf(val, sizeof(val), "%s\n", st->orig_override);
	int r = sysfs_attr_write(p, val, &opt->observer);
	if (r) {
		snprintf(err, errlen, "%s: restoring driver_override: %s", bdf, strerror(-r));
		rc = r;
	}
	current_driver(opt, &st->addr, now, sizeof(now));
	if (!strcmp(now, stub)) {
		drv_path(opt, stub, "unbind", p, sizeof(p));
		r = write_bdf(opt, p, &st->addr);
		if (r && !rc) {
			snprintf(err, errlen, "%s: unbinding from %s: %s", bdf, stub, strerror(-r));
			rc = r;
		}
	}
	if (st->orig_driver[0] && rc == 0) {
		drv_path(opt, st->orig_driver, "bind", p, sizeof(p));
		r = write_bdf(opt, p, &st->addr);
		if (r) {
			snprintf(err, errlen, "%s: binding back to %s: %s", bdf, st->orig_driver, strerror(-r));
			rc = r;
		}
	}
	if (rc == 0) {
		st->seized = false;
		pb_info("%s: given back to %s", bdf, st->orig_driver[0] ? st->orig_driver : "no driver");
	}
	return rc;
}
