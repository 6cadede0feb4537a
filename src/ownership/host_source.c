/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * host: device sources: owned_dev wraps a libpci_dev with seize, the saved pristine state and the
 * release operation (see host_source.h).
 */
#include "host_source.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "host/libpci_dev.h"
#include "ownership/restore.h"
#include "ownership/seize.h"
#include "proto/pci_regs.h"

struct owned_dev {
	struct hostdev hd;          /* what the pool sees; forwards to inner */
	struct hostdev *inner;      /* the libpci device */
	struct host_options opt;
	struct own_state own;
	struct dev_snapshot pristine;
	bool release_failed;        /* state unknown: never given back to a host driver */
};

static const struct hostdev_ops owned_ops;

static struct owned_dev *to_owned(struct hostdev *hd)
{
	return (struct owned_dev *)hd;
}

struct hostdev *host_source_inner(struct hostdev *hd)
{
	return hd && hd->ops == &owned_ops ? to_owned(hd)->inner : NULL;
}

static int o_read(struct hostdev *hd, unsigned off, unsigned size, uint32_t *val)
{
	return hostdev_read(to_owned(hd)->inner, off, size, val);
}

static int o_write(struct hostdev *hd, unsigned off, unsigned size, uint32_t val)
{
	return hostdev_write(to_owned(hd)->inner, off, size, val);
}

static int o_enable(struct hostdev *hd)
{
	struct hostdev *in = to_owned(hd)->inner;
	int rc = in->ops->enable(in);
	hd->enabled = in->enabled;
	return rc;
}

static int o_disable(struct hostdev *hd)
{
	struct hostdev *in = to_owned(hd)->inner;
	int rc = in->ops->disable(in);
	hd->enabled = in->enabled;
	return rc;
}

static int o_set_power_state(struct hostdev *hd, int dstate, unsigned *wait_us)
{
	struct hostdev *in = to_owned(hd)->inner;
	return in->ops->set_power_state(in, dstate, wait_us);
}

static int o_reset(struct hostdev *hd)
{
	struct hostdev *in = to_owned(hd)->inner;
	return in->ops->reset(in);
}

/*
 * The device leaves its guest.  Each step is one observable action:
 * MSI/MSI-X enables and bus mastering off (config writes), `enable` back to
 * 0 if the guest enabled it, `reset` (the kernel's FLR, PM or bus reset),
 * the pristine registers written back and checked.  Any failure: an error
 * naming the step, and the caller quarantines the device.
 */
static int o_release_steps(struct owned_dev *o, char *err, size_t errlen);

static int o_release(struct hostdev *hd, char *err, size_t errlen)
{
	struct owned_dev *o = to_owned(hd);
	int rc = o_release_steps(o, err, errlen);
	o->release_failed = o->release_failed || rc != 0;
	return rc;
}

static int o_release_steps(struct owned_dev *o, char *err, size_t errlen)
{
	struct hostdev *hd = &o->hd;
	struct hostdev *in = o->inner;
	if (o->opt.read_only)
		return 0; /* nothing was ever written */
	int rc = hostdev_quiesce(in);
	if (rc) {
		snprintf(err, errlen, "quiescing (MSI/MSI-X/bus master off) failed: %s", strerror(-rc));
		return rc;
	}
	if (in->enabled) {
		rc = in->ops->disable(in);
		hd->enabled = in->enabled;
		if (rc) {
			snprintf(err, errlen, "disabling failed: %s", strerror(-rc));
			return rc;
		}
	}
	rc = in->ops->reset(in);
	if (rc == -ENOTTY && !o->opt.strict_reset) {
		/*
		 * The kernel offers no reset for this function (no FLR, PM or bus
		 * reset): as xen-pciback does, it goes back quiesced (no DMA, no
		 * interrupts) and restored, with a warning.  --strict-reset
		 * quarantines such devices instead.
		 */
		char bdf[PB_BDF_STRLEN];
		pb_warn("%s: no reset method: released after quiescing and restoring its config only",
			pb_bdf_format(&o->own.addr, bdf));
		rc = 0;
	} else if (rc == -ENOTTY) {
		snprintf(err, errlen, "no reset: the kernel offers no reset method (no sysfs `reset`) for this function");
		return rc;
	}
	if (rc) {
		snprintf(err, errlen, "reset failed: %s", strerror(-rc));
		return rc;
	}
	char msg[200];
	rc = dev_restore(in, &o->pristine, msg, sizeof(msg));
	if (rc) {
		snprintf(err, errlen, "restore failed: %s", msg);
		return rc;
	}
	return 0;
}

static void o_destroy(struct hostdev *hd)
{
	struct owned_dev *o = to_owned(hd);
	hd->physfn = NULL; /* owned by inner */
	hostdev_destroy(o->inner);
	char msg[200], bdf[PB_BDF_STRLEN];
	if (o->release_failed && o->own.seized)
		pb_err("%s: left bound to %s: its release failed, so it is not given back to %s (rebind by hand)",
		       pb_bdf_format(&o->own.addr, bdf), host_opt_stub(&o->opt),
		       o->own.orig_driver[0] ? o->own.orig_driver : "the host");
	else if (own_give_back(&o->opt, &o->own, msg, sizeof(msg)))
		pb_err("%s", msg);
	free(o);
}

static const struct hostdev_ops owned_ops = {
	.read = o_read,
	.write = o_write,
	.enable = o_enable,
	.disable = o_disable,
	.set_power_state = o_set_power_state,
	.reset = o_reset,
	.release = o_release,
	.destroy = o_destroy,
};

struct hostdev *host_source_open(const char *spec, const struct host_options *opt, char *err, size_t errlen)
{
	static const struct host_options defaults;
	if (!opt)
		opt = &defaults;
	const char *s = !strncmp(spec, "host:", 5) ? spec + 5 : spec;
	struct pb_bdf addr;
	char msg[200];
	if (pb_bdf_parse(s, &addr, msg, sizeof(msg))) {
		snprintf(err, errlen, "host:%s: %s", s, msg);
		return NULL;
	}
	char bdf[PB_BDF_STRLEN];
	pb_bdf_format(&addr, bdf);
	unsigned cls = 0;
	int br = own_is_bridge(opt, &addr, &cls);
	if (br == 1) {
		snprintf(err, errlen, "host:%s is a bridge (class %06x): bridges are never given to a guest", bdf, cls);
		return NULL;
	}
	struct owned_dev *o = calloc(1, sizeof(*o));
	if (!o) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	o->opt = *opt;
	if (!opt->read_only && own_seize(opt, &addr, &o->own, err, errlen)) {
		free(o);
		return NULL;
	}
	o->inner = libpci_dev_open(&addr, opt, err, errlen);
	if (!o->inner)
		goto fail;
	if ((o->inner->class_code >> 16) == PCI_BASE_CLASS_BRIDGE || o->inner->header_type != 0) {
		snprintf(err, errlen, "host:%s is a bridge (class %06x, header type %u): bridges are never given to a guest",
			 bdf, o->inner->class_code, o->inner->header_type);
		goto fail;
	}
	if (!opt->read_only) {
		int rc = hostdev_quiesce(o->inner);
		if (!rc)
			rc = dev_snapshot_take(o->inner, &o->pristine);
		if (rc) {
			snprintf(err, errlen, "host:%s: saving the pristine state: %s", bdf, strerror(-rc));
			goto fail;
		}
		dev_snapshot_quiesce(o->inner, &o->pristine);
	}
	o->hd = *o->inner;
	o->hd.ops = &owned_ops;
	/* Its release writes sysfs `reset` (an FLR, PM or bus reset: up to seconds) and sleeps in the restore. */
	o->hd.slow_reset = !opt->read_only;
	return &o->hd;
fail:
	hostdev_destroy(o->inner);
	if (own_give_back(opt, &o->own, msg, sizeof(msg)))
		pb_err("%s", msg);
	free(o);
	return NULL;
}
