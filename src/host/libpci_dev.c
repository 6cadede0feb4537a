/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The hostdev implementation for the host's real PCI functions, through libpci, with sysfs enable and
 * reset where available.
 */
#include "libpci_dev.h"

#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pci/pci.h>

#include "common/log.h"
#include "host/sysfs_attr.h"
#include "proto/pci_regs.h"

/* Linux resource flags the kernel sets on BARs it could not place. */
#define LINUX_RES_DISABLED 0x10000000u
#define LINUX_RES_UNSET 0x20000000u

struct libpci_dev {
	struct hostdev hd;
	struct pci_access *acc;
	struct pci_dev *pdev;
	bool own_pdev;              /* from pci_get_dev(), not from the scan list */
	bool read_only;
	bool sysfs;                 /* linux-sysfs: the attribute files are there */
	bool sysfs_enabled;         /* enabled through `enable` (a disable balances it there) */
	char dir[PATH_MAX];         /* sysfs device directory */
	struct sysfs_observer obs;
};

static const struct hostdev_ops libpci_ops;

/*
 * libpci reports fatal errors through a callback that must not return (its
 * default exits).  Ours jumps back to the innermost guarded section; every
 * call into libpci in this file runs inside one (LP_GUARD_*).
 */
static __thread jmp_buf *lp_trap;
static __thread char lp_msg[256];
static struct pb_ratelimit lp_warn_rl = PB_RATELIMIT_DEFAULT;

static void __attribute__((noreturn)) lp_error(char *msg, ...)
{
	va_list ap;
	va_start(ap, msg);
	vsnprintf(lp_msg, sizeof(lp_msg), msg, ap);
	va_end(ap);
	longjmp(*lp_trap, 1);
}

static void lp_warning(char *msg, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, msg);
	vsnprintf(buf, sizeof(buf), msg, ap);
	va_end(ap);
	pb_log_rl(&lp_warn_rl, PB_LOG_WARN, "libpci: %s", buf);
}

static void lp_debug(char *msg, ...)
{
	(void)msg;
}

#define LP_GUARD_BEGIN                                   \
	{                                                \
		jmp_buf lp_jb_;                          \
		jmp_buf *lp_saved_ = lp_trap;            \
		lp_trap = &lp_jb_;                       \
		if (setjmp(lp_jb_) == 0) {
#define LP_GUARD_FAIL                                    \
			lp_trap = lp_saved_;             \
		} else {                                 \
			lp_trap = lp_saved_;
#define LP_GUARD_END                                     \
		}                                        \
	}

static struct libpci_dev *to_lp(struct hostdev *hd)
{
	return (struct libpci_dev *)hd;
}

bool libpci_dev_is(const struct hostdev *hd)
{
	return hd && hd->ops == &libpci_ops;
}

const char *libpci_dev_sysfs_dir(const struct hostdev *hd)
{
	if (!libpci_dev_is(hd))
		return NULL;
	const struct libpci_dev *d = (const struct libpci_dev *)hd;
	return d->sysfs ? d->dir : NULL;
}

static bool attr_path(const struct libpci_dev *d, const char *attr, char *buf, size_t len)
{
	if (!d->sysfs)
		return false;
	int n = snprintf(buf, len, "%s/%s", d->dir, attr);
	return n > 0 && (size_t)n < len && sysfs_exists(buf);
}

bool libpci_dev_has_reset(const struct hostdev *hd)
{
	char p[PATH_MAX];
	return libpci_dev_is(hd) && attr_path((const struct libpci_dev *)hd, "reset", p, sizeof(p));
}

/* One guarded block read; 0 or -EIO. */
static int lp_read_block(struct libpci_dev *d, unsigned off, uint8_t *buf, unsigned len)
{
	volatile int ok = 0;
	LP_GUARD_BEGIN
	ok = pci_read_block(d->pdev, (int)off, buf, (int)len);
	LP_GUARD_FAIL
	ok = 0;
	pb_log_rl(&lp_warn_rl, PB_LOG_WARN, "%s: config read at 0x%x: %s", d->hd.source, off, lp_msg);
	LP_GUARD_END
	return ok ? 0 : -EIO;
}

static int lp_read(struct hostdev *hd, unsigned off, unsigned size, uint32_t *val)
{
	struct libpci_dev *d = to_lp(hd);
	if (!hostdev_access_ok(hd, off, size))
		return -EINVAL;
	uint8_t b[4] = { 0 };
	int rc = lp_read_block(d, off, b, size);
	if (rc)
		return rc;
	*val = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	return 0;
}

static int lp_write(struct hostdev *hd, unsigned off, unsigned size, uint32_t val)
{
	struct libpci_dev *d = to_lp(hd);
	if (d->read_only)
		return -EROFS;
	if (!hostdev_access_ok(hd, off, size))
		return -EINVAL;
	volatile int ok = 0;
	LP_GUARD_BEGIN
	if (size == 1)
		ok = pci_write_byte(d->pdev, (int)off, (u8)val);
	else if (size == 2)
		ok = pci_write_word(d->pdev, (int)off, (u16)val);
	else
		ok = pci_write_long(d->pdev, (int)off, (u32)val);
	LP_GUARD_FAIL
	ok = 0;
	pb_log_rl(&lp_warn_rl, PB_LOG_WARN, "%s: config write at 0x%x: %s", hd->source, off, lp_msg);
	LP_GUARD_END
	return ok ? 0 : -EIO;
}

/* Read-modify-write of COMMAND: set `set`, clear `clear`; no write when unchanged. */
static int command_update(struct hostdev *hd, uint32_t set, uint32_t clear)
{
	uint32_t cmd;
	int rc = lp_read(hd, PCI_COMMAND, 2, &cmd);
	if (rc)
		return rc;
	uint32_t nv = (cmd | set) & ~clear;
	return nv == cmd ? 0 : lp_write(hd, PCI_COMMAND, 2, nv);
}

/* The decoding the device's resources need. */
static uint32_t decode_bits(const struct hostdev *hd)
{
	uint32_t bits = 0;
	for (unsigned i = 0; i < HOSTDEV_NUM_RES; i++) {
		if (!hd->res[i].size || i == HOSTDEV_ROM)
			continue;
		bits |= (hd->res[i].flags & HOSTDEV_RES_IO) ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY;
	}
	return bits;
}

/*
 * Linux: writing 1 to `enable` runs pci_enable_device(), but only while no
 * driver is bound (-EBUSY otherwise, and a seized device is bound to
 * pci-stub).  Without that attribute, or when it is busy, turn on the
 * decoding the resources need in COMMAND.
 */
static int lp_enable(struct hostdev *hd)
{
	struct libpci_dev *d = to_lp(hd);
	if (d->read_only)
		return -EROFS;
	if (hd->enabled)
		return 0;
	char p[PATH_MAX];
	int rc = -ENOENT;
	if (attr_path(d, "enable", p, sizeof(p)))
		rc = sysfs_attr_write(p, "1", &d->obs);
	d->sysfs_enabled = rc == 0;
	if (rc == -ENOENT || rc == -EBUSY)
		rc = command_update(hd, decode_bits(hd), 0);
	if (rc == 0)
		hd->enabled = true;
	return rc;
}

/*
 * Linux: writing 0 to `enable` runs pci_disable_device() (bus mastering off,
 * decoding stays on); it only balances an earlier enable through it.  Bus
 * mastering is cleared in COMMAND in every case.
 */
static int lp_disable(struct hostdev *hd)
{
	struct libpci_dev *d = to_lp(hd);
	if (d->read_only)
		return -EROFS;
	char p[PATH_MAX];
	if (hd->enabled && d->sysfs_enabled && attr_path(d, "enable", p, sizeof(p))) {
		int rc = sysfs_attr_write(p, "0", &d->obs);
		if (rc)
			return rc;
	}
	d->sysfs_enabled = false;
	hd->enabled = false;
	return command_update(hd, 0, PCI_COMMAND_MASTER);
}

/*
 * Linux has no sysfs file that changes a D-state (`power_state` only reads),
 * so this writes PMCSR in the power-management capability; the caller waits
 * the time the PCI PM specification gives (*wait_us).
 */
static int lp_set_power_state(struct hostdev *hd, int dstate, unsigned *wait_us)
{
	*wait_us = 0;
	struct libpci_dev *d = to_lp(hd);
	if (d->read_only)
		return -EROFS;
	if (dstate < 0 || dstate > 3)
		return -EINVAL;
	unsigned pm = hostdev_find_cap(hd, PCI_CAP_ID_PM);
	if (!pm)
		return -EOPNOTSUPP;
	uint32_t pmc, pmcsr;
	int rc = lp_read(hd, pm + PCI_PM_PMC, 2, &pmc);
	if (!rc)
		rc = lp_read(hd, pm + PCI_PM_CTRL, 2, &pmcsr);
	if (rc)
		return rc;
	if ((dstate == 1 && !(pmc & PCI_PM_CAP_D1)) || (dstate == 2 && !(pmc & PCI_PM_CAP_D2)))
		return -EINVAL;
	unsigned cur = pmcsr & PCI_PM_CTRL_STATE_MASK;
	if (cur == (unsigned)dstate)
		return 0;
	rc = lp_write(hd, pm + PCI_PM_CTRL, 2,
		      (pmcsr & ~(uint32_t)(PCI_PM_CTRL_STATE_MASK | PCI_PM_CTRL_PME_STATUS)) | (unsigned)dstate);
	if (rc)
		return rc;
	*wait_us = hostdev_pm_delay_us((int)cur, dstate);
	return 0;
}

/* Linux: writing 1 to `reset` runs pci_reset_function() (FLR, PM or bus reset). */
static int lp_reset(struct hostdev *hd)
{
	struct libpci_dev *d = to_lp(hd);
	if (d->read_only)
		return -EROFS;
	char p[PATH_MAX];
	if (!attr_path(d, "reset", p, sizeof(p)))
		return -ENOTTY;
	return sysfs_attr_write(p, "1", &d->obs);
}

static void lp_cleanup(struct libpci_dev *d)
{
	LP_GUARD_BEGIN
	if (d->pdev && d->own_pdev)
		pci_free_dev(d->pdev);
	d->pdev = NULL;
	if (d->acc)
		pci_cleanup(d->acc);
	LP_GUARD_FAIL
	pb_warn("%s: libpci cleanup: %s", d->hd.source, lp_msg);
	LP_GUARD_END
	d->acc = NULL;
}

static void lp_destroy(struct hostdev *hd)
{
	struct libpci_dev *d = to_lp(hd);
	hostdev_destroy(hd->physfn);
	lp_cleanup(d);
	free(d);
}

static const struct hostdev_ops libpci_ops = {
	.read = lp_read,
	.write = lp_write,
	.enable = lp_enable,
	.disable = lp_disable,
	.set_power_state = lp_set_power_state,
	.reset = lp_reset,
	.destroy = lp_destroy,
};

/* BARs and ROM from libpci's resources (Linux: the sysfs `resource` file). */
static void fill_resources(struct libpci_dev *d)
{
	struct pci_dev *p = d->pdev;
	struct hostdev *hd = &d->hd;
	unsigned nbars = hd->header_type == 0 ? 6 : hd->header_type == 1 ? 2 : hd->header_type == 2 ? 1 : 0;
	bool have_flags = (p->known_fields & PCI_FILL_IO_FLAGS) != 0;
	for (unsigned i = 0; i < nbars; i++) {
		pciaddr_t ba = p->base_addr[i], sz = p->size[i];
		uint64_t lf = have_flags ? (uint64_t)p->flags[i] : 0;
		if (!sz || (lf & (LINUX_RES_DISABLED | LINUX_RES_UNSET)))
			continue;
		struct hostdev_res *r = &hd->res[i];
		bool io = have_flags ? (lf & PCI_IORESOURCE_IO) != 0 : (ba & PCI_BASE_ADDRESS_SPACE_IO) != 0;
		r->size = sz;
		if (io) {
			r->flags = HOSTDEV_RES_IO;
			r->start = ba & PCI_ADDR_IO_MASK;
			continue;
		}
		r->flags = HOSTDEV_RES_MEM;
		r->start = ba & PCI_ADDR_MEM_MASK;
		if (have_flags ? (lf & PCI_IORESOURCE_PREFETCH) : (ba & PCI_BASE_ADDRESS_MEM_PREFETCH))
			r->flags |= HOSTDEV_RES_PREFETCH;
		bool mem64 = have_flags ? (lf & PCI_IORESOURCE_MEM_64) : (ba & PCI_BASE_ADDRESS_MEM_TYPE_64);
		if (mem64 && i + 1 < nbars) {
			r->flags |= HOSTDEV_RES_MEM64;
			hd->res[++i] = (struct hostdev_res){ .flags = HOSTDEV_RES_UPPER };
		}
	}
	uint64_t rf = have_flags ? (uint64_t)p->rom_flags : 0;
	if (nbars && p->rom_size && !(rf & (LINUX_RES_DISABLED | LINUX_RES_UNSET)))
		hd->res[HOSTDEV_ROM] = (struct hostdev_res){
			.start = p->rom_base_addr & (pciaddr_t)PCI_ROM_ADDRESS_MASK,
			.size = p->rom_size,
			.flags = HOSTDEV_RES_MEM | HOSTDEV_RES_ROM,
		};
}

/* Everything that calls into libpci while opening; may leave by lp_error(). */
static int open_guarded(struct libpci_dev *d, const struct pb_bdf *addr, const struct host_options *opt, char *err,
			size_t errlen)
{
	const char *method = opt && opt->method ? opt->method : "linux-sysfs";
	struct pci_access *a = d->acc;
	int m = pci_lookup_method((char *)method);
	if (m < 0) {
		snprintf(err, errlen, "%s: unknown libpci access method \"%s\"", d->hd.source, method);
		return -1;
	}
	a->method = (unsigned)m;
	a->writeable = !d->read_only;
	if (m == PCI_ACCESS_SYS_BUS_PCI)
		pci_set_param(a, "sysfs.path", (char *)host_opt_sysfs(opt));
	if (opt && opt->dump_file)
		pci_set_param(a, "dump.name", (char *)opt->dump_file);
	if (opt && opt->pci_ids)
		pci_set_name_list_path(a, (char *)opt->pci_ids, 0);
	pci_init(a);

	char bdf[PB_BDF_STRLEN];
	pb_bdf_format(addr, bdf);
	if (m == PCI_ACCESS_SYS_BUS_PCI) {
		char cfgpath[PATH_MAX + 8];
		int n = snprintf(d->dir, sizeof(d->dir), "%s/devices/%s", host_opt_sysfs(opt), bdf);
		if (n < 0 || (size_t)n >= sizeof(d->dir)) {
			snprintf(err, errlen, "%s: sysfs path too long", d->hd.source);
			return -1;
		}
		snprintf(cfgpath, sizeof(cfgpath), "%s/config", d->dir);
		if (!sysfs_exists(cfgpath)) {
			snprintf(err, errlen, "%s: no such device (%s missing)", d->hd.source, cfgpath);
			return -1;
		}
		d->sysfs = true;
		d->pdev = pci_get_dev(a, addr->domain, addr->bus, PB_SLOT(addr->devfn), PB_FUNC(addr->devfn));
		d->own_pdev = true;
	} else {
		pci_scan_bus(a);
		for (struct pci_dev *p = a->devices; p; p = p->next)
			if (p->domain == addr->domain && p->bus == addr->bus && p->dev == PB_SLOT(addr->devfn) &&
			    p->func == PB_FUNC(addr->devfn))
				d->pdev = p;
		if (!d->pdev) {
			snprintf(err, errlen, "%s: no such device (libpci method %s)", d->hd.source, method);
			return -1;
		}
	}
	pci_fill_info(d->pdev, PCI_FILL_IDENT | PCI_FILL_CLASS | PCI_FILL_IRQ | PCI_FILL_BASES | PCI_FILL_ROM_BASE |
				       PCI_FILL_SIZES | PCI_FILL_IO_FLAGS);
	return 0;
}

struct hostdev *libpci_dev_open(const struct pb_bdf *addr, const struct host_options *opt, char *err,
				size_t errlen)
{
	struct libpci_dev *d = calloc(1, sizeof(*d));
	if (!d) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	char bdf[PB_BDF_STRLEN];
	snprintf(d->hd.source, sizeof(d->hd.source), "host:%s", pb_bdf_format(addr, bdf));
	d->hd.ops = &libpci_ops;
	d->hd.real = true;
	d->hd.addr = *addr;
	d->read_only = opt && opt->read_only;
	if (opt)
		d->obs = opt->observer;
	d->acc = pci_alloc();
	if (!d->acc) {
		snprintf(err, errlen, "out of memory");
		free(d);
		return NULL;
	}
	d->acc->error = lp_error;
	d->acc->warning = lp_warning;
	d->acc->debug = lp_debug;

	volatile int rc = -1;
	LP_GUARD_BEGIN
	rc = open_guarded(d, addr, opt, err, errlen);
	LP_GUARD_FAIL
	snprintf(err, errlen, "%s: libpci: %s", d->hd.source, lp_msg);
	rc = -1;
	LP_GUARD_END
	if (rc)
		goto fail;

	struct hostdev *hd = &d->hd;
	struct pci_dev *p = d->pdev;
	uint8_t hdr[PCI_STD_HEADER_SIZEOF];
	if (lp_read_block(d, 0, hdr, sizeof(hdr))) {
		snprintf(err, errlen, "%s: config space not readable", hd->source);
		goto fail;
	}
	uint8_t probe[4];
	if (lp_read_block(d, PCI_CFG_SPACE_SIZE, probe, 4) == 0)
		hd->cfg_size = PCI_CFG_SPACE_EXP_SIZE;
	else if (lp_read_block(d, PCI_CFG_SPACE_SIZE - 4, probe, 4) == 0)
		hd->cfg_size = PCI_CFG_SPACE_SIZE;
	else {
		snprintf(err, errlen, "%s: only the first 64 bytes of config space are readable (not root?)",
			 hd->source);
		goto fail;
	}
	hd->vendor_id = (p->known_fields & PCI_FILL_IDENT) ? p->vendor_id
							   : (uint16_t)(hdr[PCI_VENDOR_ID] | hdr[PCI_VENDOR_ID + 1] << 8);
	hd->device_id = (p->known_fields & PCI_FILL_IDENT) ? p->device_id
							   : (uint16_t)(hdr[PCI_DEVICE_ID] | hdr[PCI_DEVICE_ID + 1] << 8);
	if (hd->vendor_id == 0xffff) {
		snprintf(err, errlen, "%s: device does not respond (vendor ID ffff)", hd->source);
		goto fail;
	}
	hd->header_type = hdr[PCI_HEADER_TYPE] & PCI_HEADER_TYPE_MASK;
	hd->multifunction = (hdr[PCI_HEADER_TYPE] & PCI_HEADER_TYPE_MFD) != 0;
	uint32_t base_sub = (p->known_fields & PCI_FILL_CLASS) ? p->device_class
							  : (uint32_t)(hdr[PCI_CLASS_DEVICE + 1] << 8 | hdr[PCI_CLASS_DEVICE]);
	hd->class_code = base_sub << 8 | hdr[PCI_CLASS_PROG];
	hd->irq = p->irq > 0 ? (unsigned)p->irq : 0;
	fill_resources(d);

	/* SR-IOV virtual function: open its PF, read-only (nothing here writes to a PF). */
	char link[PATH_MAX], pfname[64];
	if (d->sysfs && snprintf(link, sizeof(link), "%s/physfn", d->dir) < (int)sizeof(link) &&
	    sysfs_link_name(link, pfname, sizeof(pfname)) == 0) {
		struct pb_bdf pf;
		char e2[160];
		if (pb_bdf_parse(pfname, &pf, e2, sizeof(e2))) {
			snprintf(err, errlen, "%s: physfn link \"%s\": %s", hd->source, pfname, e2);
			goto fail;
		}
		struct host_options pfopt = opt ? *opt : (struct host_options){ 0 };
		pfopt.read_only = true;
		hd->physfn = libpci_dev_open(&pf, &pfopt, e2, sizeof(e2));
		if (!hd->physfn) {
			snprintf(err, errlen, "%s: its physical function: %s", hd->source, e2);
			goto fail;
		}
	}
	return hd;
fail:
	lp_destroy(&d->hd);
	return NULL;
}

void libpci_dev_describe(struct hostdev *hd, char *buf, size_t len)
{
	if (!libpci_dev_is(hd)) {
		snprintf(buf, len, "%04x:%04x", hd->vendor_id, hd->device_id);
		return;
	}
	struct libpci_dev *d = to_lp(hd);
	char cls[128] = "", vd[256] = "";
	LP_GUARD_BEGIN
	char *c = pci_lookup_name(d->acc, cls, sizeof(cls), PCI_LOOKUP_CLASS, (int)(hd->class_code >> 8));
	char *v = pci_lookup_name(d->acc, vd, sizeof(vd), PCI_LOOKUP_VENDOR | PCI_LOOKUP_DEVICE, hd->vendor_id,
				  hd->device_id);
	if (c != cls)
		snprintf(cls, sizeof(cls), "%s", c ? c : "");
	if (v != vd)
		snprintf(vd, sizeof(vd), "%s", v ? v : "");
	LP_GUARD_FAIL
	snprintf(cls, sizeof(cls), "Class %04x", hd->class_code >> 8);
	snprintf(vd, sizeof(vd), "Device %04x:%04x", hd->vendor_id, hd->device_id);
	LP_GUARD_END
	snprintf(buf, len, "%s: %s", cls, vd);
}
