/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The xenbus backend's devices (see xenbus_backend.h): exporting the
 * toolstack's dev-N to the guest, publishing the PCI roots, and the
 * Reconfiguring round that adds (state-N Initialising) and removes
 * (state-N Closing) devices.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/xenbus_state.h"
#include "transport/xen/xenbus_backend.h"
#include "transport/xen/xenbus_dev.h"

/* Applies the toolstack's per-device options (opts-N); only permissive=1 matters, and it is sticky. */
static void apply_opts(struct xb_backend *b, struct xb_dev *d, unsigned i, struct pb_pool_dev *pd)
{
	char key[32], *opts = NULL;
	snprintf(key, sizeof(key), "opts-%u", i);
	if (pb_xs_read_key(b->xs, PB_XS_NO_TX, d->be_path, key, &opts))
		return;
	bool permissive = false;
	for (char *save = NULL, *tok = strtok_r(opts, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (!strcmp(tok, "permissive=1"))
			permissive = true;
	free(opts);
	if (permissive) {
		struct cfg_options o = *cfg_get_options(pd->dev.cfg);
		o.permissive = true;
		cfg_set_options(pd->dev.cfg, &o);
	}
}

/* Reads dev-i, assigns that device to the guest, writes vdev-i (xenbus_dev.h). */
int xb_export_device(struct xb_backend *b, struct xb_dev *d, unsigned i)
{
	char key[32], *val = NULL;
	struct pb_bdf addr;
	snprintf(key, sizeof(key), "dev-%u", i);
	int rc = pb_xs_read_key(b->xs, PB_XS_NO_TX, d->be_path, key, &val);
	if (rc) {
		xb_dev_fatal(b, d, rc, "reading %s", key);
		return rc;
	}
	if (pb_bdf_parse_pv(val, &addr)) {
		xb_dev_fatal(b, d, -EINVAL, "%s is not a PCI address: %.40s", key, val);
		free(val);
		return -EINVAL;
	}
	free(val);
	char a[PB_BDF_STRLEN], va[PB_BDF_STRLEN], err[256];
	pb_bdf_format(&addr, a);
	struct pb_pool_dev *pd = pool_find_by_addr(b->pool, &addr);
	if (!pd) {
		xb_dev_fatal(b, d, -EINVAL, "device %s is not in pcibackd's pool", a);
		return -EINVAL;
	}
	if (pd->releasing && !pd->owner) {
		/* Back from its last guest soon: exported then, or refused if it ends quarantined. */
		xb_wait_release(d, pd);
		pb_info("xen: %s: %s is being reset after leaving its guest: exported to %s once that is over",
			d->nodename, a, d->guest->name);
		return XB_EXPORT_DEFERRED;
	}
	struct pb_bdf vaddr;
	if (pool_assign(b->pool, d->guest, pd, &vaddr, err, sizeof(err))) {
		xb_dev_fatal(b, d, -EINVAL, "cannot export %s: %s", a, err);
		return -EINVAL;
	}
	apply_opts(b, d, i, pd);
	snprintf(key, sizeof(key), "vdev-%u", i);
	rc = pb_xs_printf(b->xs, PB_XS_NO_TX, d->be_path, key, "%s", pb_bdf_format_pv(&vaddr, va));
	if (rc) {
		pool_release(b->pool, pd);
		xb_dev_fatal(b, d, rc, "writing %s", key);
		return rc;
	}
	pb_info("xen: %s: exported %s as %s to %s", d->nodename, a, pb_bdf_format(&vaddr, va), d->guest->name);
	return 0;
}

/* At most this many roots are listed: one per (domain, bus) a guest's functions have ever sat on. */
#define XB_MAX_ROOTS TOPO_MAX_DEVS

/* Appends the guest's roots that root-0..root_num-1 don't list yet. */
int xb_publish_roots(struct xb_backend *b, struct xb_dev *d)
{
	struct topo_root roots[TOPO_MAX_DEVS], listed[XB_MAX_ROOTS];
	size_t nroots = topo_roots(&d->guest->topo, roots, TOPO_MAX_DEVS), nlisted = 0;
	int num = 0;
	int rc = pb_xs_read_int(b->xs, PB_XS_NO_TX, d->be_path, "root_num", &num);
	if (rc == -ENOENT)
		num = 0;
	else if (!rc && (num < 0 || num > XB_MAX_ROOTS)) {
		/* Each entry is read on every hot-plug: a huge count would stall the daemon. */
		xb_dev_fatal(b, d, -EINVAL, "root_num %d is out of range (0..%d)", num, XB_MAX_ROOTS);
		return -EINVAL;
	} else if (rc)
		goto fail;
	/* One read of each listed entry, however many roots the guest has. */
	for (int i = 0; i < num; i++) {
		char key[32], *v = NULL;
		struct pb_bdf root;
		snprintf(key, sizeof(key), "root-%d", i);
		if (pb_xs_read_key(b->xs, PB_XS_NO_TX, d->be_path, key, &v))
			continue;
		if (!pb_bdf_parse_root(v, &root))
			listed[nlisted++] = (struct topo_root){ .domain = root.domain, .bus = root.bus };
		free(v);
	}
	for (size_t r = 0; r < nroots; r++) {
		bool known = false;
		for (size_t i = 0; i < nlisted && !known; i++)
			known = listed[i].domain == roots[r].domain && listed[i].bus == roots[r].bus;
		if (known)
			continue;
		char key[32], ra[PB_BDF_STRLEN];
		pb_bdf_format_root(roots[r].domain, roots[r].bus, ra);
		if (num == XB_MAX_ROOTS) {
			xb_dev_fatal(b, d, -ENOSPC, "cannot list root %s: root_num is already %d, the limit", ra,
				     XB_MAX_ROOTS);
			return -ENOSPC;
		}
		snprintf(key, sizeof(key), "root-%d", num);
		rc = pb_xs_printf(b->xs, PB_XS_NO_TX, d->be_path, key, "%s", ra);
		if (!rc)
			rc = pb_xs_printf(b->xs, PB_XS_NO_TX, d->be_path, "root_num", "%d", num + 1);
		if (rc) {
fail:
			xb_dev_fatal(b, d, rc, "publishing the PCI roots");
			return rc;
		}
		num++;
	}
	return 0;
}

int xb_write_substate(struct xb_backend *b, struct xb_dev *d, unsigned i, int state)
{
	char key[32];
	snprintf(key, sizeof(key), "state-%u", i);
	int rc = pb_xs_printf(b->xs, PB_XS_NO_TX, d->be_path, key, "%d", state);
	if (rc)
		xb_dev_fatal(b, d, rc, "writing %s", key);
	return rc;
}

/* Reads num_devs (0..TOPO_MAX_DEVS); a fatal error was raised when it fails. */
static int read_num_devs(struct xb_backend *b, struct xb_dev *d, int *num)
{
	int rc = pb_xs_read_int(b->xs, PB_XS_NO_TX, d->be_path, "num_devs", num);
	if (!rc && (*num < 0 || *num > TOPO_MAX_DEVS))
		rc = -EINVAL;
	if (rc)
		xb_dev_fatal(b, d, rc, "reading num_devs");
	return rc;
}

int xb_num_devs_in_state(struct xb_backend *b, struct xb_dev *d, int state, int *num)
{
	if (xb_read_state(b, d->be_path) != state)
		return -1;
	return read_num_devs(b, d, num);
}

/* Removes the guest device named by vdev-i (after the toolstack set state-i to Closing). */
static void remove_device(struct xb_backend *b, struct xb_dev *d, unsigned i)
{
	char key[32], *val = NULL, va[PB_BDF_STRLEN];
	struct pb_bdf vaddr;
	snprintf(key, sizeof(key), "vdev-%u", i);
	if (pb_xs_read_key(b->xs, PB_XS_NO_TX, d->be_path, key, &val) || pb_bdf_parse_pv(val, &vaddr)) {
		pb_log_rl(&d->rl, PB_LOG_WARN, "xen: %s: state-%u is Closing but %s is missing or malformed", d->nodename,
			  i, key);
		free(val);
		return;
	}
	free(val);
	pb_bdf_format(&vaddr, va);
	const struct topo_entry *e = topo_get(&d->guest->topo, vaddr.domain, vaddr.bus, vaddr.devfn);
	if (!e) {
		pb_log_rl(&d->rl, PB_LOG_WARN, "xen: %s: %s (%s) is not assigned; nothing to remove", d->nodename, va,
			  key);
		return;
	}
	struct pb_pool_dev *pd = pool_dev_of(e->priv);
	char a[PB_BDF_STRLEN];
	pb_bdf_format(&pd->dev.host->addr, a);
	if (xb_backend_detach(b, pd, NULL) == POOL_RELEASING)
		xb_wait_release(d, pd);
	pb_info("xen: %s: removed %s (guest %s)", d->nodename, a, va);
}

void xb_reconfigure(struct xb_backend *b, struct xb_dev *d, int state)
{
	int num;
	if (d->nwaiting || xb_num_devs_in_state(b, d, state, &num))
		return;
	bool deferred = false;
	for (int i = 0; i < num; i++) {
		int sub;
		char key[32];
		snprintf(key, sizeof(key), "state-%d", i);
		if (pb_xs_read_int(b->xs, PB_XS_NO_TX, d->be_path, key, &sub))
			sub = XB_UNKNOWN;
		if (sub == XB_INITIALISING) {
			int rc = xb_export_device(b, d, (unsigned)i);
			if (rc == XB_EXPORT_DEFERRED) {
				deferred = true;
				continue;
			}
			if (rc || xb_publish_roots(b, d) || xb_write_substate(b, d, (unsigned)i, XB_INITIALISED))
				return;
		} else if (sub == XB_CLOSING) {
			remove_device(b, d, (unsigned)i);
		}
	}
	if (d->nwaiting) {
		/* Done (Reconfigured) only when every device removed is reset and every export made. */
		d->resume_state = state;
		d->resume_exports = deferred;
		return;
	}
	if (state == XB_RECONFIGURING)
		xb_switch_state(b, d, XB_RECONFIGURED);
}

int xb_backend_detach(struct xb_backend *b, struct pb_pool_dev *pd, const char *reason)
{
	struct xb_dev *d = pd->owner ? xb_dev_of_guest(b, pd->owner) : NULL;
	if (d && d->page)
		aer_forget(&d->guest->dg.aer, d->page, &pd->dev);
	int rc = reason ? pool_quarantine(b->pool, pd, reason) : pool_release(b->pool, pd);
	aer_links_arm(&b->aer); /* an error queued behind the device's recovery is due now */
	return rc;
}
