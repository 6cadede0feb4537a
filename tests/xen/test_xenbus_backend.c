/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The xenbus "pci" backend state machine on the in-memory xenstore: the
 * toolstack's nodes come from pcibackctl's library, the frontend is played
 * by hand the way Linux pcifront does it, devices are simulated from lspci
 * dumps, and every key the backend writes is checked in the kernel's format.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/evloop.h"
#include "core/pool.h"
#include "dispatch/kick_throttle.h"
#include "host/simdev.h"
#include "proto/pciif.h"
#include "proto/xenbus_state.h"
#include "toolstack/pbctl_xs.h"
#include "transport/xen/xenbus_backend.h"
#include "xenstore/xs_mem.h"
#include "fake_ring.h"

static const char *fixtures;

#define BE "/local/domain/0/backend/pci/5/0"
#define FE "/local/domain/5/device/pci/0"
#define ERRNODE "/local/domain/0/error/backend/pci/5/0/error"
#define GREF 77
#define REMOTE_PORT 9

static const char *const devs[] = { "00:02.0", "00:03.0", "00:04.0" };

struct env {
	struct memxs_store *store;
	struct pb_xs *bxs, *tsx, *fxs;   /* backend, toolstack, frontend connections */
	struct fake_ring ring;
	struct pb_pool pool;
	struct xb_backend *be;
	struct pbctl_target t;
	_Alignas(4096) unsigned char page[4096];
	unsigned owned_at_unmap;         /* devices still assigned when the page was unmapped */
	struct evloop *loop;             /* the release worker's (slow_reset), else NULL */
};

static struct pb_pool_dev *pdev(struct env *e, int i)
{
	struct pb_bdf a;
	char err[64];
	pb_bdf_parse(devs[i], &a, err, sizeof(err));
	return pool_find_by_addr(&e->pool, &a);
}

static unsigned owned(struct env *e)
{
	unsigned n = 0;
	for (size_t i = 0; i < e->pool.ndevs; i++)
		n += e->pool.devs[i]->owner != NULL;
	return n;
}

static void count_owned(void *arg)
{
	struct env *e = arg;
	e->owned_at_unmap = owned(e);
}

static void add_sim_device(struct env *e, const char *addr)
{
	char spec[512], err[256];
	snprintf(spec, sizeof(spec), "%s/microvm-virtio.lspci#%s", fixtures, addr);
	struct hostdev *hd = simdev_load(spec, err, sizeof(err));
	assert_non_null(hd);
	struct cfg_options o = { 0 };
	assert_non_null(pool_add_device(&e->pool, hd, &o, err, sizeof(err)));
}

static int setup(void **state)
{
	/* The struct holds a page-aligned page: calloc does not honour that alignment. */
	size_t sz = (sizeof(struct env) + 4095) & ~(size_t)4095;
	struct env *e = aligned_alloc(4096, sz);
	memset(e, 0, sizeof(*e));
	e->store = memxs_store_new();
	e->bxs = memxs_connect(e->store);
	e->tsx = memxs_connect(e->store);
	e->fxs = memxs_connect(e->store);
	fake_ring_init(&e->ring);
	fake_ring_grant(&e->ring, 5, GREF, e->page);
	e->ring.on_unmap = count_owned;
	e->ring.on_unmap_arg = e;
	pool_init(&e->pool, TOPO_VPCI);
	for (int i = 0; i < 3; i++)
		add_sim_device(e, devs[i]);
	e->t = (struct pbctl_target){ .be_domid = 0, .domid = 5, .name = "guest5" };
	/* The guest's home exists before anything is attached, as after xl create. */
	assert_int_equal(pb_xs_write(e->tsx, PB_XS_NO_TX, "/local/domain/5/name", "guest5"), 0);
	char err[256];
	e->be = xb_backend_new(&e->pool, e->bxs, &e->ring.ring, 0, err, sizeof(err));
	assert_non_null(e->be);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	xb_backend_free(e->be);
	assert_int_equal(e->ring.nmapped, 0);
	pool_fini(&e->pool);
	if (e->loop)
		evloop_free(e->loop);
	memxs_store_free(e->store);
	free(e);
	return 0;
}

static void pump(struct env *e)
{
	while (memxs_pending_events(e->bxs))
		xb_backend_on_xenstore(e->be);
}

static char *rd(struct env *e, const char *dir, const char *key)
{
	static char buf[512];
	char path[256], *v = NULL;
	snprintf(path, sizeof(path), "%s/%s", dir, key);
	if (pb_xs_read(e->tsx, PB_XS_NO_TX, path, &v))
		return NULL;
	snprintf(buf, sizeof(buf), "%s", v);
	free(v);
	return buf;
}

#define assert_key(e, dir, key, val) assert_string_equal(rd(e, dir, key) ? rd(e, dir, key) : "(missing)", val)
#define assert_no_key(e, dir, key) assert_null(rd(e, dir, key))

static void attach_addr(struct env *e, const char *addr)
{
	struct pb_bdf a;
	struct pbctl_opts o;
	char err[256];
	bool hp;
	assert_int_equal(pbctl_parse_device(addr, &a, &o, err, sizeof(err)), 0);
	assert_int_equal(pbctl_attach_xs(e->tsx, &e->t, &a, &o, &hp, err, sizeof(err)), 0);
}

static void attach(struct env *e, int i)
{
	attach_addr(e, devs[i]);
}

static void fe_state(struct env *e, int s)
{
	char v[8];
	snprintf(v, sizeof(v), "%d", s);
	assert_int_equal(pb_xs_write(e->fxs, PB_XS_NO_TX, FE "/state", v), 0);
}

/* pcifront's probe: one transaction with the ring, the port, the magic and Initialised. */
static void fe_publish(struct env *e, const char *magic)
{
	pb_xs_tx tx;
	assert_int_equal(e->fxs->ops->tx_start(e->fxs, &tx), 0);
	pb_xs_printf(e->fxs, tx, FE, "pci-op-ref", "%u", GREF);
	pb_xs_printf(e->fxs, tx, FE, "event-channel", "%u", REMOTE_PORT);
	pb_xs_printf(e->fxs, tx, FE, "magic", "%s", magic);
	pb_xs_printf(e->fxs, tx, FE, "state", "%d", XB_INITIALISED);
	assert_int_equal(e->fxs->ops->tx_end(e->fxs, tx, false), 0);
}

static void start(struct env *e)
{
	char err[256];
	assert_int_equal(xb_backend_start(e->be, err, sizeof(err)), 0);
	pump(e);
}

/* The backend starts with what is attached, then the frontend connects. */
static void start_and_connect(struct env *e)
{
	start(e);
	fe_publish(e, "7");
	pump(e);
	fe_state(e, XB_CONNECTED);
	pump(e);
}

/* Two devices at boot, then the frontend connects. */
static void connect2(struct env *e)
{
	attach(e, 0);
	attach(e, 1);
	start_and_connect(e);
}

/* A config read of the vendor ID at a guest address, through the page and the event channel. */
static int32_t op_read(struct env *e, unsigned slot, unsigned func, uint32_t *val)
{
	struct pciif_sharedinfo *sh = (struct pciif_sharedinfo *)e->page;
	memset(&sh->op, 0, sizeof(sh->op));
	sh->op.cmd = PCIIF_OP_CONF_READ;
	sh->op.devfn = PB_DEVFN(slot, func);
	sh->op.offset = 0;
	sh->op.size = 2;
	sh->op.value = 0xdead;
	unsigned before = e->ring.notifies;
	pciif_flags_set(sh, PCIIF_FLAG_F_ACTIVE);
	fake_ring_kick(&e->ring, xb_backend_port(e->be, 5, 0));
	xb_backend_on_evtchn(e->be);
	assert_false(pciif_flags_load(sh) & PCIIF_FLAG_F_ACTIVE);
	assert_int_equal(e->ring.notifies, before + 1);
	*val = sh->op.value;
	return sh->op.err;
}

static void test_initial_connect(void **state)
{
	struct env *e = *state;
	attach(e, 0);
	attach(e, 1);
	start(e);
	assert_int_equal(xb_backend_count(e->be), 1);
	/* setup_backend ran from InitWait: every device exported, roots published, Initialised. */
	assert_key(e, BE, "state", "3");
	assert_key(e, BE, "vdev-0", "0000:00:00.00");
	assert_key(e, BE, "vdev-1", "0000:00:01.00");
	assert_key(e, BE, "state-0", "3");
	assert_key(e, BE, "state-1", "3");
	assert_key(e, BE, "root-0", "0000:00");
	assert_key(e, BE, "root_num", "1");
	assert_no_key(e, BE, "root-1");
	assert_int_equal(owned(e), 2);
	assert_ptr_equal(pdev(e, 0)->owner, pool_guest(&e->pool, "dom5", false));
	assert_int_equal(e->ring.maps, 0);

	/* The frontend isn't Initialised yet: nothing is mapped; then it is. */
	fe_publish(e, "7");
	pump(e);
	assert_key(e, BE, "state", "4");
	assert_string_equal(e->ring.log, "map bind");
	assert_true(xb_backend_port(e->be, 5, 0) > 0);
	fe_state(e, XB_CONNECTED);
	pump(e);
	assert_key(e, BE, "state", "4");
	assert_no_key(e, "/local/domain/0/error/backend/pci/5/0", "error");

	uint32_t v;
	assert_int_equal(op_read(e, 0, 0, &v), 0);
	assert_int_equal(v, 0x1af4); /* virtio */
	assert_int_equal(op_read(e, 1, 0, &v), 0);
	assert_int_equal(v, 0x1af4);
	assert_int_equal(op_read(e, 5, 0, &v), PCIIF_ERR_DEV_NOT_FOUND);
	/* A kick with no op posted is answered by nothing (no notify). */
	unsigned n = e->ring.notifies;
	fake_ring_kick(&e->ring, xb_backend_port(e->be, 5, 0));
	xb_backend_on_evtchn(e->be);
	assert_int_equal(e->ring.notifies, n);
	assert_int_equal(e->ring.unmasks, 4);
}

static void test_bad_magic(void **state)
{
	struct env *e = *state;
	attach(e, 0);
	start(e);
	fe_publish(e, "6");
	pump(e);
	const char *err = rd(e, "/local/domain/0/error/backend/pci/5/0", "error");
	assert_non_null(err);
	assert_memory_equal(err, "14 ", 3); /* xenbus_dev_fatal: "%i " of -(-EFAULT) */
	assert_key(e, BE, "state", "5");
	assert_int_equal(e->ring.maps, 0);
	assert_int_equal(e->ring.binds, 0);
}

static void test_missing_frontend_keys(void **state)
{
	struct env *e = *state;
	attach(e, 0);
	start(e);
	fe_state(e, XB_INITIALISED); /* no pci-op-ref */
	pump(e);
	assert_non_null(rd(e, "/local/domain/0/error/backend/pci/5/0", "error"));
	assert_key(e, BE, "state", "5");
	assert_int_equal(e->ring.maps, 0);
}

static void test_map_and_bind_failures(void **state)
{
	struct env *e = *state;
	attach(e, 0);
	start(e);
	e->ring.fail_bind = true;
	fe_publish(e, "7");
	pump(e);
	assert_key(e, BE, "state", "5");
	/* The page mapped before the failed bind was unmapped again. */
	assert_string_equal(e->ring.log, "map unmap");
	assert_int_equal(e->ring.nmapped, 0);
}

static void test_device_not_in_pool(void **state)
{
	struct env *e = *state;
	struct pb_bdf a;
	struct pbctl_opts o;
	char err[256];
	bool hp;
	assert_int_equal(pbctl_parse_device("0000:07:00.0", &a, &o, err, sizeof(err)), 0);
	assert_int_equal(pbctl_attach_xs(e->tsx, &e->t, &a, &o, &hp, err, sizeof(err)), 0);
	start(e);
	assert_non_null(rd(e, "/local/domain/0/error/backend/pci/5/0", "error"));
	assert_key(e, BE, "state", "5");
	assert_no_key(e, BE, "vdev-0");
	assert_int_equal(owned(e), 0);
}

/*
 * dev-N is read with the one PV address parser: hex fields only.  sscanf's
 * "%x" let a sign, a 0x prefix or blanks before each field through.
 */
static void test_dev_not_a_pv_address(void **state)
{
	struct env *e = *state;
	attach(e, 0);
	assert_int_equal(pb_xs_write(e->tsx, PB_XS_NO_TX, BE "/dev-0", "0x0000: 00:02.0"), 0);
	start(e);
	const char *err = rd(e, "/local/domain/0/error/backend/pci/5/0", "error");
	assert_non_null(err);
	assert_non_null(strstr(err, "dev-0 is not a PCI address"));
	assert_key(e, BE, "state", "5");
	assert_no_key(e, BE, "vdev-0");
	assert_int_equal(owned(e), 0);
}

static void test_incremental_boot_population(void **state)
{
	struct env *e = *state;
	attach(e, 0);
	start(e);
	assert_key(e, BE, "state", "3");
	/* libxl adds a second device before the guest connects: be_watch -> reconfigure(Initialised). */
	attach(e, 2);
	assert_key(e, BE, "state", "3");
	pump(e);
	assert_key(e, BE, "state-1", "3");
	assert_key(e, BE, "vdev-1", "0000:00:01.00");
	assert_key(e, BE, "state", "3");
	assert_key(e, BE, "root_num", "1");
}

static void test_hotplug_add(void **state)
{
	struct env *e = *state;
	connect2(e);
	struct pb_bdf a;
	struct pbctl_opts o;
	char err[256];
	bool hp = false;
	assert_int_equal(pbctl_parse_device("00:04.0,permissive=1", &a, &o, err, sizeof(err)), 0);
	assert_int_equal(pbctl_attach_xs(e->tsx, &e->t, &a, &o, &hp, err, sizeof(err)), 0);
	assert_true(hp);
	assert_key(e, BE, "state", "7");
	assert_key(e, BE, "num_devs", "3");
	assert_key(e, BE, "state-2", "1");
	pump(e);
	/* Nothing happens until the frontend goes to Reconfiguring. */
	assert_key(e, BE, "state-2", "1");
	assert_no_key(e, BE, "vdev-2");
	fe_state(e, XB_RECONFIGURING);
	pump(e);
	assert_key(e, BE, "vdev-2", "0000:00:02.00");
	assert_key(e, BE, "state-2", "3");
	assert_key(e, BE, "state", "8");
	assert_key(e, BE, "root_num", "1");
	assert_true(cfg_get_options(pdev(e, 2)->dev.cfg)->permissive);
	assert_false(cfg_get_options(pdev(e, 0)->dev.cfg)->permissive);
	fe_state(e, XB_CONNECTED);
	pump(e);
	assert_key(e, BE, "state", "4");
	uint32_t v;
	assert_int_equal(op_read(e, 2, 0, &v), 0);
	assert_int_equal(v, 0x1af4);
}

static void detach(struct env *e, int i)
{
	struct pb_bdf a;
	struct pbctl_opts o;
	char err[256];
	enum pbctl_detach_wait w;
	assert_int_equal(pbctl_parse_device(devs[i], &a, &o, err, sizeof(err)), 0);
	assert_int_equal(pbctl_detach_begin(e->tsx, &e->t, &a, &w, err, sizeof(err)), 0);
	assert_int_equal(w, PBCTL_WAIT_CONNECTED);
	assert_key(e, BE, "state", "7");
	pump(e);
	fe_state(e, XB_RECONFIGURING);
	pump(e);
	assert_key(e, BE, "state", "8");
	fe_state(e, XB_CONNECTED);
	pump(e);
	assert_key(e, BE, "state", "4");
	assert_int_equal(pbctl_detach_finish(e->tsx, &e->t, &a, w, err, sizeof(err)), 0);
	pump(e);
}

static void test_hotplug_remove_and_renumbering(void **state)
{
	struct env *e = *state;
	attach(e, 0);
	attach(e, 1);
	attach(e, 2);
	start(e);
	fe_publish(e, "7");
	pump(e);
	fe_state(e, XB_CONNECTED);
	pump(e);
	assert_key(e, BE, "vdev-2", "0000:00:02.00");
	unsigned resets = simdev_counters(pdev(e, 0)->dev.host)->resets;

	/* Remove the first device: state-0 Closing, the backend releases it by vdev-0. */
	detach(e, 0);
	assert_null(pdev(e, 0)->owner);
	assert_int_equal(simdev_counters(pdev(e, 0)->dev.host)->resets, resets + 1);
	assert_non_null(pdev(e, 1)->owner);
	/* libxl renumbered: the old 1 and 2 are now 0 and 1, vdev keys moved with them. */
	assert_key(e, BE, "num_devs", "2");
	assert_key(e, BE, "dev-0", "0000:00:03.0");
	assert_key(e, BE, "vdev-0", "0000:00:01.00");
	assert_key(e, BE, "dev-1", "0000:00:04.0");
	assert_key(e, BE, "vdev-1", "0000:00:02.00");
	assert_key(e, BE, "state-1", "3");
	assert_no_key(e, BE, "dev-2");
	assert_no_key(e, BE, "vdev-2");
	assert_no_key(e, BE, "state-2");

	/* Remove what is now index 1 (00:04.0): the right device goes, not the one that was "1" before. */
	detach(e, 2);
	assert_null(pdev(e, 2)->owner);
	assert_non_null(pdev(e, 1)->owner);
	assert_key(e, BE, "num_devs", "1");
	assert_key(e, BE, "dev-0", "0000:00:03.0");
	uint32_t v;
	assert_int_equal(op_read(e, 1, 0, &v), 0);
	assert_int_equal(op_read(e, 2, 0, &v), PCIIF_ERR_DEV_NOT_FOUND);
	assert_int_equal(op_read(e, 0, 0, &v), PCIIF_ERR_DEV_NOT_FOUND);

	/* Re-adding the first device reuses a free slot and works again. */
	struct pb_bdf a;
	struct pbctl_opts o;
	char err[256];
	bool hp;
	assert_int_equal(pbctl_parse_device(devs[0], &a, &o, err, sizeof(err)), 0);
	assert_int_equal(pbctl_attach_xs(e->tsx, &e->t, &a, &o, &hp, err, sizeof(err)), 0);
	fe_state(e, XB_RECONFIGURING);
	pump(e);
	assert_key(e, BE, "state-1", "3");
	assert_key(e, BE, "state", "8");
	assert_non_null(pdev(e, 0)->owner);
}

static void test_remove_unknown_vdev_still_completes(void **state)
{
	struct env *e = *state;
	connect2(e);
	/* A toolstack that marks a device Closing whose vdev the backend never exported. */
	pb_xs_write(e->tsx, PB_XS_NO_TX, BE "/vdev-1", "0000:00:1f.00");
	pb_xs_write(e->tsx, PB_XS_NO_TX, BE "/state-1", "5");
	pb_xs_write(e->tsx, PB_XS_NO_TX, BE "/state", "7");
	pump(e);
	fe_state(e, XB_RECONFIGURING);
	pump(e);
	assert_key(e, BE, "state", "8");
	assert_int_equal(owned(e), 2);
}

/*
 * Device i's reset runs on the pool's release worker: its release returns
 * POOL_RELEASING and is over (the pool's on_released) only when the test
 * lets it finish (finish_releases), whatever the time the reset takes.
 */
static void slow_reset(struct env *e, struct pb_pool_dev *pd)
{
	char err[256];
	e->loop = evloop_new();
	assert_non_null(e->loop);
	assert_int_equal(pool_start_release_worker(&e->pool, e->loop, err, sizeof(err)), 0);
	simdev_set_reset_delay(pd->dev.host, 20);
}

/* The releases in progress end (on this thread, as the loop would), then the backend sees what followed. */
static void finish_releases(struct env *e)
{
	pool_wait_releases(&e->pool);
	pump(e);
}

static void test_removal_reconfigured_after_reset(void **state)
{
	struct env *e = *state;
	slow_reset(e, pdev(e, 0));
	connect2(e);
	unsigned resets = simdev_counters(pdev(e, 0)->dev.host)->resets;
	struct pb_bdf a;
	struct pbctl_opts o;
	char err[256];
	enum pbctl_detach_wait w;
	assert_int_equal(pbctl_parse_device(devs[0], &a, &o, err, sizeof(err)), 0);
	assert_int_equal(pbctl_detach_begin(e->tsx, &e->t, &a, &w, err, sizeof(err)), 0);
	pump(e);
	fe_state(e, XB_RECONFIGURING);
	pump(e);
	/* The guest lost the device, but the removal is not done while it is being reset. */
	assert_true(pdev(e, 0)->releasing);
	assert_null(pdev(e, 0)->owner);
	assert_key(e, BE, "state", "7");
	/* Events meanwhile (the toolstack, the frontend) do not finish it either. */
	fe_state(e, XB_RECONFIGURING);
	pb_xs_write(e->tsx, PB_XS_NO_TX, BE "/state", "7");
	pump(e);
	assert_key(e, BE, "state", "7");
	finish_releases(e);
	assert_false(pdev(e, 0)->releasing);
	assert_false(pdev(e, 0)->quarantined);
	assert_int_equal(simdev_counters(pdev(e, 0)->dev.host)->resets, resets + 1);
	assert_key(e, BE, "state", "8");
	assert_non_null(pdev(e, 1)->owner);
	fe_state(e, XB_CONNECTED);
	pump(e);
	assert_key(e, BE, "state", "4");
}

#define BE7 "/local/domain/0/backend/pci/7/0"
#define ERRNODE7 "/local/domain/0/error/backend/pci/7/0"

/*
 * Domain 5 (with device 0, being reset from now on) dies and domain 7
 * (xl reboot's new domain) gets device 0 at once: the backend probes it and
 * stays in InitWait, nothing exported.
 */
static void reboot_during_release(struct env *e)
{
	slow_reset(e, pdev(e, 0));
	attach(e, 0);
	start_and_connect(e);
	fake_ring_kill(&e->ring, 5);
	memxs_fire_special(e->store, "@releaseDomain");
	pump(e);
	assert_int_equal(xb_backend_count(e->be), 0);
	assert_true(pdev(e, 0)->releasing);
	struct pbctl_target t7 = { 0, 7, "guest7" };
	struct pb_bdf a;
	struct pbctl_opts o;
	char err[256];
	bool hp;
	assert_int_equal(pb_xs_write(e->tsx, PB_XS_NO_TX, "/local/domain/7/name", "guest7"), 0);
	assert_int_equal(pbctl_parse_device(devs[0], &a, &o, err, sizeof(err)), 0);
	assert_int_equal(pbctl_attach_xs(e->tsx, &t7, &a, &o, &hp, err, sizeof(err)), 0);
	pump(e);
	assert_int_equal(xb_backend_state(e->be, 7, 0), XB_INITWAIT);
	assert_key(e, BE7, "state", "2");
	assert_no_key(e, BE7, "vdev-0");
	assert_no_key(e, ERRNODE7, "error");
}

static void test_export_waits_for_release(void **state)
{
	struct env *e = *state;
	reboot_during_release(e);
	finish_releases(e);
	assert_false(pdev(e, 0)->quarantined);
	assert_ptr_equal(pdev(e, 0)->owner, pool_guest(&e->pool, "dom7", false));
	assert_key(e, BE7, "vdev-0", "0000:00:00.00");
	assert_key(e, BE7, "state-0", "3");
	assert_key(e, BE7, "root_num", "1");
	assert_key(e, BE7, "state", "3");
	assert_no_key(e, ERRNODE7, "error");
}

static void test_export_fails_when_release_quarantines(void **state)
{
	struct env *e = *state;
	reboot_during_release(e);
	/* The operator quarantines it meanwhile (pcibackctl quarantine): marked when its reset is over. */
	assert_int_equal(pool_quarantine(&e->pool, pdev(e, 0), "operator says so"), POOL_RELEASING);
	finish_releases(e);
	assert_true(pdev(e, 0)->quarantined);
	assert_null(pdev(e, 0)->owner);
	assert_no_key(e, BE7, "vdev-0");
	assert_key(e, BE7, "state", "5");
	assert_key(e, ERRNODE7, "error", "22 cannot export 0000:00:02.0: 0000:00:02.0 is quarantined (operator says so)");
}

/* Teardown checks shared by every "gone" case. */
static void assert_torn_down(struct env *e)
{
	assert_int_equal(xb_backend_count(e->be), 0);
	assert_int_equal(owned(e), 0);
	assert_int_equal(e->ring.nmapped, 0);
	assert_int_equal(e->ring.binds, e->ring.unbinds);
	assert_null(pool_guest(&e->pool, "dom5", false));
}

static void test_closing_then_closed_online(void **state)
{
	struct env *e = *state;
	connect2(e);
	fe_state(e, XB_CLOSING);
	pump(e);
	assert_key(e, BE, "state", "5");
	/* Disconnected in order, devices kept (the kernel releases them only on removal). */
	assert_string_equal(e->ring.log, "map bind unbind unmap");
	assert_int_equal(e->owned_at_unmap, 2);
	assert_int_equal(owned(e), 2);
	fe_state(e, XB_CLOSED);
	pump(e);
	assert_key(e, BE, "state", "6");
	assert_int_equal(xb_backend_count(e->be), 1); /* online=1: the device stays */
	/* The toolstack removes the backend: everything is released. */
	pb_xs_rm(e->tsx, PB_XS_NO_TX, BE);
	pump(e);
	assert_torn_down(e);
	assert_no_key(e, BE, "state"); /* not recreated */
}

static void test_closed_offline_removes(void **state)
{
	struct env *e = *state;
	connect2(e);
	pb_xs_write(e->tsx, PB_XS_NO_TX, BE "/online", "0");
	pump(e);
	fe_state(e, XB_CLOSED);
	pump(e);
	assert_key(e, BE, "state", "6");
	assert_torn_down(e);
	assert_string_equal(e->ring.log, "map bind unbind unmap");
	assert_int_equal(e->owned_at_unmap, 2);
}

static void test_last_device_detach_destroys(void **state)
{
	struct env *e = *state;
	attach(e, 0);
	start(e);
	fe_publish(e, "7");
	pump(e);
	fe_state(e, XB_CONNECTED);
	pump(e);
	struct pb_bdf a;
	struct pbctl_opts o;
	char err[256];
	enum pbctl_detach_wait w;
	pbctl_parse_device(devs[0], &a, &o, err, sizeof(err));
	assert_int_equal(pbctl_detach_begin(e->tsx, &e->t, &a, &w, err, sizeof(err)), 0);
	assert_int_equal(w, PBCTL_WAIT_CLOSED);
	assert_key(e, BE, "online", "0");
	assert_key(e, BE, "state", "5");
	pump(e);
	/* pcifront answers a Closing backend by going Closed. */
	fe_state(e, XB_CLOSED);
	pump(e);
	assert_key(e, BE, "state", "6");
	assert_torn_down(e);
	assert_int_equal(pbctl_detach_finish(e->tsx, &e->t, &a, w, err, sizeof(err)), 0);
	pump(e);
	assert_no_key(e, BE, "state");
	assert_no_key(e, FE, "state");
}

static void test_op_in_flight_is_answered_at_disconnect(void **state)
{
	struct env *e = *state;
	connect2(e);
	struct pciif_sharedinfo *sh = (struct pciif_sharedinfo *)e->page;
	memset(&sh->op, 0, sizeof(sh->op));
	sh->op.cmd = PCIIF_OP_CONF_READ;
	sh->op.size = 2;
	pciif_flags_set(sh, PCIIF_FLAG_F_ACTIVE);
	fe_state(e, XB_CLOSING);
	pump(e);
	assert_false(pciif_flags_load(sh) & PCIIF_FLAG_F_ACTIVE);
	assert_int_equal(sh->op.err, 0);
	assert_int_equal(sh->op.value, 0x1af4);
	assert_int_equal(e->ring.nmapped, 0);
}

/* The frontend's directory vanishes (xl destroy) at each backend state. */
enum stage { AT_INITIALISED, AT_CONNECTED, AT_RECONFIGURING, AT_RECONFIGURED, AT_CLOSING };

static void vanish_at(struct env *e, enum stage st, bool domain_death)
{
	attach(e, 0);
	attach(e, 1);
	start(e);
	if (st >= AT_CONNECTED) {
		fe_publish(e, "7");
		pump(e);
		fe_state(e, XB_CONNECTED);
		pump(e);
	}
	if (st >= AT_RECONFIGURING && st <= AT_RECONFIGURED) {
		attach(e, 2);
		pump(e);
		assert_key(e, BE, "state", "7");
	}
	if (st == AT_RECONFIGURED) {
		fe_state(e, XB_RECONFIGURING);
		pump(e);
		assert_key(e, BE, "state", "8");
	}
	if (st == AT_CLOSING) {
		fe_state(e, XB_CLOSING);
		pump(e);
		assert_key(e, BE, "state", "5");
	}
	if (domain_death) {
		fake_ring_kill(&e->ring, 5);
		memxs_fire_special(e->store, "@releaseDomain");
	} else {
		pb_xs_rm(e->tsx, PB_XS_NO_TX, "/local/domain/5");
	}
	pump(e);
	assert_torn_down(e);
	assert_key(e, BE, "state", "6");
	if (st >= AT_CONNECTED && st != AT_CLOSING)
		assert_int_equal(e->owned_at_unmap, st == AT_RECONFIGURED ? 3 : 2);
}

static void test_vanish_initialised(void **s) { vanish_at(*s, AT_INITIALISED, false); }
static void test_vanish_connected(void **s) { vanish_at(*s, AT_CONNECTED, false); }
static void test_vanish_reconfiguring(void **s) { vanish_at(*s, AT_RECONFIGURING, false); }
static void test_vanish_reconfigured(void **s) { vanish_at(*s, AT_RECONFIGURED, false); }
static void test_vanish_closing(void **s) { vanish_at(*s, AT_CLOSING, false); }
static void test_death_initialised(void **s) { vanish_at(*s, AT_INITIALISED, true); }
static void test_death_connected(void **s) { vanish_at(*s, AT_CONNECTED, true); }
static void test_death_reconfigured(void **s) { vanish_at(*s, AT_RECONFIGURED, true); }

static void test_frontend_missing_at_probe(void **state)
{
	struct env *e = *state;
	attach(e, 0);
	pb_xs_rm(e->tsx, PB_XS_NO_TX, FE);
	start(e);
	/* The probe fails like xenbus's: an error node, Closing, no device, nothing assigned. */
	assert_non_null(rd(e, "/local/domain/0/error/backend/pci/5/0", "error"));
	assert_key(e, BE, "state", "5");
	assert_int_equal(xb_backend_count(e->be), 0);
	assert_int_equal(owned(e), 0);
}

static void test_backend_dir_removed_while_connected(void **state)
{
	struct env *e = *state;
	connect2(e);
	pb_xs_rm(e->tsx, PB_XS_NO_TX, "/local/domain/0/backend/pci/5");
	pump(e);
	assert_torn_down(e);
	assert_no_key(e, BE, "state");
}

static void test_two_guests_and_late_start(void **state)
{
	struct env *e = *state;
	/* A guest whose backend is already past Initialising is not probed (kernel xenbus rule). */
	attach(e, 0);
	pb_xs_write(e->tsx, PB_XS_NO_TX, BE "/state", "4");
	struct pbctl_target t7 = { 0, 7, "guest7" };
	struct pb_bdf a;
	struct pbctl_opts o;
	char err[256];
	bool hp;
	pbctl_parse_device(devs[1], &a, &o, err, sizeof(err));
	assert_int_equal(pbctl_attach_xs(e->tsx, &t7, &a, &o, &hp, err, sizeof(err)), 0);
	start(e);
	assert_int_equal(xb_backend_count(e->be), 1);
	assert_int_equal(xb_backend_state(e->be, 7, 0), XB_INITIALISED);
	assert_int_equal(xb_backend_state(e->be, 5, 0), -1);
	assert_ptr_equal(pdev(e, 1)->owner, pool_guest(&e->pool, "dom7", false));
}

/* A connected guest's hot-plug with root_num set to VALUE: it must fail, Closing, with an error node. */
static const char *hotplug_with_root_num(struct env *e, const char *value)
{
	attach(e, 0);
	start(e);
	assert_key(e, BE, "state", "3");
	assert_int_equal(pb_xs_write(e->tsx, PB_XS_NO_TX, BE "/root_num", value), 0);
	attach(e, 1);
	pump(e);
	assert_key(e, BE, "state", "5");
	const char *err = rd(e, "/local/domain/0/error/backend/pci/5/0", "error");
	assert_non_null(err);
	return err;
}

/*
 * After a fatal error the toolstack puts Initialised back: the backend says
 * Closing again, every time, and the watch queue drains (a fuzzer found a
 * loop here: our Closing was cached, so it was never written again).
 */
static void test_fatal_error_state_rewritten(void **state)
{
	struct env *e = *state;
	hotplug_with_root_num(e, "x"); /* publishing the roots fails on the corrupt root_num */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(pb_xs_write(e->tsx, PB_XS_NO_TX, BE "/state", "3"), 0);
		int rounds = 0;
		while (memxs_pending_events(e->bxs) && rounds++ < 100)
			xb_backend_on_xenstore(e->be);
		assert_true(rounds < 100);
		assert_key(e, BE, "state", "5");
	}
}

/*
 * root_num is read back on every hot-plug and its entries scanned: a value
 * out of range is an error, not two billion reads (a fuzzer found the stall).
 */
static void test_root_num_out_of_range(void **state)
{
	struct env *e = *state;
	assert_non_null(strstr(hotplug_with_root_num(e, "2147483647"), "root_num 2147483647 is out of range (0..256)"));
}

/*
 * Roots already listed stay where they are; a root of the guest that no entry
 * names (an entry that does not parse names none) is appended once.
 */
static void test_roots_appended_after_listed(void **state)
{
	struct env *e = *state;
	attach(e, 0);
	start(e);
	assert_int_equal(pb_xs_write(e->tsx, PB_XS_NO_TX, BE "/root-0", "0000:05"), 0);
	assert_int_equal(pb_xs_write(e->tsx, PB_XS_NO_TX, BE "/root-1", "10000:00"), 0);
	assert_int_equal(pb_xs_write(e->tsx, PB_XS_NO_TX, BE "/root_num", "2"), 0);
	attach(e, 1);
	pump(e);
	assert_key(e, BE, "state", "3");
	assert_key(e, BE, "root-0", "0000:05");
	assert_key(e, BE, "root-1", "10000:00");
	assert_key(e, BE, "root-2", "0000:00");
	assert_key(e, BE, "root_num", "3");
	attach(e, 2);
	pump(e);
	assert_key(e, BE, "state-2", "3");
	assert_key(e, BE, "root_num", "3");
	assert_no_key(e, BE, "root-3");
}

/* Lists root-0..root-(n-1) as buses 0x10.. of domain 1, none of them the guest's; LAST as the last one. */
static void list_foreign_roots(struct env *e, int n, const char *last)
{
	char key[64], val[16];
	for (int i = 0; i < n; i++) {
		snprintf(key, sizeof(key), BE "/root-%d", i);
		snprintf(val, sizeof(val), "0001:%02x", (0x10 + i) & 0xff);
		assert_int_equal(pb_xs_write(e->tsx, PB_XS_NO_TX, key, i == n - 1 && last ? last : val), 0);
	}
	snprintf(val, sizeof(val), "%d", n);
	assert_int_equal(pb_xs_write(e->tsx, PB_XS_NO_TX, BE "/root_num", val), 0);
}

/* 256 roots (one per function a guest can hold) is a full list, not an error; a 257th is. */
static void test_root_list_full(void **state)
{
	struct env *e = *state;
	attach(e, 0);
	start(e);
	list_foreign_roots(e, 256, "0000:00");
	attach(e, 1);
	pump(e);
	assert_key(e, BE, "state", "3");
	assert_key(e, BE, "state-1", "3");
	assert_key(e, BE, "root_num", "256");

	list_foreign_roots(e, 256, NULL);
	attach(e, 2);
	pump(e);
	assert_key(e, BE, "state", "5");
	assert_key(e, BE, "root_num", "256");
	assert_no_key(e, BE, "root-256");
	assert_non_null(strstr(rd(e, "/local/domain/0/error/backend/pci/5/0", "error"), "root_num is already 256"));
}

/* ---- error recovery (dispatch/aer.h) ---- */

static struct pciif_sharedinfo *shared(struct env *e) { return (struct pciif_sharedinfo *)e->page; }

static int aer_inject_on(struct env *e, int i, int channel, char *out, size_t outlen)
{
	struct pb_guest *g = pool_guest(&e->pool, "dom5", false);
	assert_non_null(g);
	return xb_backend_aer_inject(e->be, g, &pdev(e, i)->dev, channel, out, outlen);
}

/* The guest posts its answer to the step on the page the way pcifront_do_aer does, and kicks. */
static void aer_answer(struct env *e, int32_t result)
{
	struct pciif_sharedinfo *sh = shared(e);
	assert_true(pciif_flags_load(sh) & PCIIF_FLAG_B_ACTIVE);
	sh->aer_op.err = result;
	pciif_flags_clear(sh, PCIIF_FLAG_B_ACTIVE);
	fake_ring_kick(&e->ring, xb_backend_port(e->be, 5, 0));
	xb_backend_on_evtchn(e->be);
}

static void assert_step(struct env *e, uint32_t cmd, unsigned notifies)
{
	struct pciif_sharedinfo *sh = shared(e);
	assert_true(pciif_flags_load(sh) & PCIIF_FLAG_B_ACTIVE);
	assert_int_equal(sh->aer_op.cmd, cmd);
	assert_int_equal(e->ring.notifies, notifies);
}

/* Two devices connected with an AER handler; an error on device 1 is posted, one on device 0 (channel ch0) waits. */
static void two_errors(struct env *e, int ch0)
{
	connect2(e);
	pciif_flags_set(shared(e), PCIIF_FLAG_B_AERHANDLER);
	char out[160];
	assert_int_equal(aer_inject_on(e, 1, PCIIF_AER_IO_FROZEN, out, sizeof(out)), 0);
	assert_string_equal(out, "posted error_detected");
	assert_int_equal(aer_inject_on(e, 0, ch0, out, sizeof(out)), 0);
	assert_string_equal(out, "queued behind the recovery in progress");
}

static void test_aer_recovery_with_reset(void **state)
{
	struct env *e = *state;
	connect2(e);
	pciif_flags_set(shared(e), PCIIF_FLAG_B_AERHANDLER); /* pcifront sets it when it allocates the page */
	unsigned n = e->ring.notifies;
	char out[160];
	assert_int_equal(aer_inject_on(e, 1, PCIIF_AER_IO_FROZEN, out, sizeof(out)), 0);
	assert_string_equal(out, "posted error_detected");
	/* The step names the guest's address of the device (vpci: slot 1) and the channel state. */
	assert_step(e, PCIIF_OP_AER_DETECTED, n + 1);
	assert_int_equal(shared(e)->aer_op.err, PCIIF_AER_IO_FROZEN);
	assert_int_equal(shared(e)->aer_op.domain, 0);
	assert_int_equal(shared(e)->aer_op.bus, 0);
	assert_int_equal(shared(e)->aer_op.devfn, PB_DEVFN(1, 0));
	assert_true(xb_backend_aer_deadline(e->be) > 0);
	/* Config ops are served while the recovery waits for the guest. */
	uint32_t v;
	assert_int_equal(op_read(e, 0, 0, &v), 0);
	n = e->ring.notifies;
	aer_answer(e, PCIIF_AER_RESULT_NEED_RESET);
	assert_step(e, PCIIF_OP_AER_SLOTRESET, n + 1);
	aer_answer(e, PCIIF_AER_RESULT_RECOVERED);
	assert_step(e, PCIIF_OP_AER_RESUME, n + 2);
	aer_answer(e, PCIIF_AER_RESULT_RECOVERED);
	struct pb_guest *g = pool_guest(&e->pool, "dom5", false);
	assert_false(g->dg.aer.busy);
	assert_int_equal(g->dg.aer.recovered, 1);
	assert_int_equal(xb_backend_aer_deadline(e->be), 0);
	assert_no_key(e, BE, "aerState");
	assert_ptr_equal(pdev(e, 1)->owner, g);
	assert_int_equal(op_read(e, 1, 0, &v), 0);
}

static void test_aer_timeout_fails_and_quarantines(void **state)
{
	struct env *e = *state;
	e->pool.aer_timeout_ms = 20; /* taken by the guest when it is created */
	connect2(e);
	pciif_flags_set(shared(e), PCIIF_FLAG_B_AERHANDLER);
	char out[160];
	assert_int_equal(aer_inject_on(e, 1, PCIIF_AER_IO_FROZEN, out, sizeof(out)), 0);
	/* Nothing happens before the deadline. */
	xb_backend_on_timer(e->be);
	assert_true(pciif_flags_load(shared(e)) & PCIIF_FLAG_B_ACTIVE);
	struct timespec ts = { 0, 40 * 1000000L };
	nanosleep(&ts, NULL);
	xb_backend_on_timer(e->be);
	/* The page is taken back, the toolstack hears aerfail, the device leaves the guest quarantined. */
	assert_false(pciif_flags_load(shared(e)) & PCIIF_FLAG_B_ACTIVE);
	assert_key(e, BE, "aerState", "aerfail");
	assert_true(pdev(e, 1)->quarantined);
	assert_null(pdev(e, 1)->owner);
	assert_int_equal(pool_guest(&e->pool, "dom5", false)->dg.aer.timeouts, 1);
	uint32_t v;
	assert_int_equal(op_read(e, 1, 0, &v), PCIIF_ERR_DEV_NOT_FOUND);
	assert_int_equal(op_read(e, 0, 0, &v), 0);
	assert_int_equal(xb_backend_aer_deadline(e->be), 0);
}

static void test_aer_without_handler_or_page(void **state)
{
	struct env *e = *state;
	connect2(e);
	char out[160];
	/* No _XEN_PCIB_AERHANDLER: fails at once, without posting anything. */
	unsigned n = e->ring.notifies;
	assert_int_equal(aer_inject_on(e, 0, PCIIF_AER_IO_NORMAL, out, sizeof(out)), 0);
	assert_string_equal(out, "failed at once (no guest handler): device detached and quarantined");
	assert_int_equal(e->ring.notifies, n);
	assert_false(pciif_flags_load(shared(e)) & PCIIF_FLAG_B_ACTIVE);
	assert_key(e, BE, "aerState", "aerfail");
	assert_true(pdev(e, 0)->quarantined);
	/* Under the keep policy the guest keeps the device; aerState still tells the toolstack. */
	struct pb_guest *g = pool_guest(&e->pool, "dom5", false);
	g->dg.aer.policy = AER_POLICY_KEEP;
	assert_int_equal(pb_xs_rm(e->tsx, PB_XS_NO_TX, BE "/aerState"), 0);
	assert_int_equal(aer_inject_on(e, 1, PCIIF_AER_IO_NORMAL, out, sizeof(out)), 0);
	assert_string_equal(out, "failed at once (no guest handler): device kept");
	assert_key(e, BE, "aerState", "aerfail");
	assert_ptr_equal(pdev(e, 1)->owner, g);
}

static void test_aer_disconnect_during_recovery(void **state)
{
	struct env *e = *state;
	two_errors(e, PCIIF_AER_IO_NORMAL); /* a second error on the other device waits behind the first */
	unsigned n = e->ring.notifies;
	fe_state(e, XB_CLOSING);
	pump(e);
	/* Both recoveries fail with the page; nothing more is notified; the backend is free to go. */
	struct pb_guest *g = pool_guest(&e->pool, "dom5", false);
	assert_true(g == NULL || !g->dg.aer.busy);
	assert_int_equal(e->ring.notifies, n);
	assert_int_equal(e->ring.nmapped, 0);
	assert_true(pdev(e, 1)->quarantined);
	assert_key(e, BE, "aerState", "aerfail");
}

/*
 * Device 1's recovery fails while device 0's error waits, and the guest has
 * cleared its handler bit meanwhile, so device 0's recovery fails at once in
 * the same step: the policy applies to both, not only to the last one.
 */
static void test_aer_two_failures_both_quarantined(void **state)
{
	struct env *e = *state;
	two_errors(e, PCIIF_AER_IO_FROZEN);
	pciif_flags_clear(shared(e), PCIIF_FLAG_B_AERHANDLER);
	aer_answer(e, PCIIF_AER_RESULT_DISCONNECT);
	struct pb_guest *g = pool_guest(&e->pool, "dom5", false);
	assert_int_equal(g->dg.aer.failed, 2);
	assert_true(pdev(e, 1)->quarantined);
	assert_true(pdev(e, 0)->quarantined);
	assert_false(g->dg.aer.busy);
	uint32_t v;
	assert_int_equal(op_read(e, 1, 0, &v), PCIIF_ERR_DEV_NOT_FOUND);
	assert_int_equal(op_read(e, 0, 0, &v), PCIIF_ERR_DEV_NOT_FOUND);
}

/*
 * Five errors on five devices (one in progress, four queued); the guest
 * answers the step in progress but leaves before the backend reads the
 * answer.  The disconnect ends every recovery: nothing is left busy, all
 * five devices leave the guest quarantined, nothing is notified.
 */
static void test_aer_drain_five_with_preanswered_step(void **state)
{
	struct env *e = *state;
	static const char *const more[] = { "00:01.0", "00:05.0" };
	for (int i = 0; i < 2; i++)
		add_sim_device(e, more[i]);
	assert_int_equal(e->pool.ndevs, 5);
	for (int i = 0; i < 3; i++)
		attach(e, i);
	for (int i = 0; i < 2; i++)
		attach_addr(e, more[i]);
	start_and_connect(e);
	pciif_flags_set(shared(e), PCIIF_FLAG_B_AERHANDLER);
	struct pb_guest *g = pool_guest(&e->pool, "dom5", false);
	char out[160];
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(xb_backend_aer_inject(e->be, g, &e->pool.devs[i]->dev, PCIIF_AER_IO_FROZEN, out,
						       sizeof(out)),
				 0);
	assert_int_equal(g->dg.aer.nqueued, 4);
	/* The guest answers error_detected (can recover), without the kick the backend would read it on. */
	struct pciif_sharedinfo *sh = shared(e);
	assert_int_equal(sh->aer_op.cmd, PCIIF_OP_AER_DETECTED);
	sh->aer_op.err = PCIIF_AER_RESULT_CAN_RECOVER;
	pciif_flags_clear(sh, PCIIF_FLAG_B_ACTIVE);
	unsigned n = e->ring.notifies;
	fe_state(e, XB_CLOSING);
	pump(e);
	g = pool_guest(&e->pool, "dom5", false);
	assert_true(g == NULL || !g->dg.aer.busy);
	assert_true(g == NULL || !g->dg.aer.nqueued);
	assert_int_equal(e->ring.notifies, n);
	assert_int_equal(e->ring.nmapped, 0);
	for (size_t i = 0; i < 5; i++) {
		assert_true(e->pool.devs[i]->quarantined);
		assert_null(e->pool.devs[i]->owner);
	}
	assert_key(e, BE, "aerState", "aerfail");
}

/*
 * Device 1 just left the guest during its recovery (two_errors): its step is
 * off the page, it is free (not quarantined), and device 0's waiting error
 * starts at the AER timer, due at once.
 */
static void assert_queued_starts(struct env *e)
{
	assert_null(pdev(e, 1)->owner);
	assert_false(pdev(e, 1)->quarantined);
	assert_false(pciif_flags_load(shared(e)) & PCIIF_FLAG_B_ACTIVE);
	uint64_t due = xb_backend_aer_deadline(e->be);
	assert_true(due > 0);
	assert_true(due <= pb_now_ms());
	unsigned n = e->ring.notifies;
	xb_backend_on_timer(e->be);
	assert_step(e, PCIIF_OP_AER_DETECTED, n + 1);
	assert_int_equal(shared(e)->aer_op.devfn, PB_DEVFN(0, 0));
}

/*
 * The toolstack removes the device under recovery while another device's
 * error waits: the waiting recovery starts (at once: its deadline has
 * passed), instead of staying queued behind a recovery that no longer exists.
 */
static void test_aer_remove_starts_queued(void **state)
{
	struct env *e = *state;
	two_errors(e, PCIIF_AER_IO_NORMAL);
	detach(e, 1);
	assert_queued_starts(e);
	assert_int_equal(shared(e)->aer_op.err, PCIIF_AER_IO_NORMAL);
	aer_answer(e, PCIIF_AER_RESULT_RECOVERED);
	aer_answer(e, PCIIF_AER_RESULT_RECOVERED);
	struct pb_guest *g = pool_guest(&e->pool, "dom5", false);
	assert_false(g->dg.aer.busy);
	assert_int_equal(g->dg.aer.recovered, 1);
	assert_ptr_equal(pdev(e, 0)->owner, g);
}

/*
 * The operator's detach (control `detach`) of a device under recovery on the
 * Xen transport, as the toolstack's removal above: the step posted for it is
 * taken back from the page at once, and the error queued on the other device
 * starts next.
 */
static void test_aer_operator_detach_takes_step_back(void **state)
{
	struct env *e = *state;
	two_errors(e, PCIIF_AER_IO_NORMAL);
	assert_true(pciif_flags_load(shared(e)) & PCIIF_FLAG_B_ACTIVE);
	assert_int_equal(xb_backend_detach(e->be, pdev(e, 1), NULL), 0);
	assert_queued_starts(e);
}

/* `list` shows a Xen guest's connection state, as the backend last switched it. */
static void test_guest_state_follows_backend(void **state)
{
	struct env *e = *state;
	connect2(e);
	struct pb_guest *g = pool_guest(&e->pool, "dom5", false);
	assert_non_null(g);
	assert_int_equal(xb_backend_guest_state(e->be, g), XB_CONNECTED);
	fe_state(e, XB_CLOSING);
	pump(e);
	assert_int_equal(xb_backend_guest_state(e->be, g), XB_CLOSING);
}

/* Spurious events beyond the budget leave the port masked until the kick timer; ops within theirs never do. */
static void test_spurious_events_held(void **state)
{
	struct env *e = *state;
	connect2(e);
	int port = xb_backend_port(e->be, 5, 0);
	assert_true(port > 0);
	uint32_t v;
	unsigned u = e->ring.unmasks;
	for (int i = 0; i < 1000; i++)
		assert_int_equal(op_read(e, 0, 0, &v), 0);
	assert_int_equal(e->ring.unmasks, u + 1000);
	assert_int_equal(xb_backend_kick_deadline(e->be), 0);

	u = e->ring.unmasks;
	uint64_t t0 = pb_now_ms();
	for (int i = 0; i < KICK_BURST; i++) {
		fake_ring_kick(&e->ring, port);
		xb_backend_on_evtchn(e->be);
	}
	/* The last one emptied the budget: its port stays masked. */
	assert_int_equal(e->ring.unmasks, u + KICK_BURST - 1);
	uint64_t until = xb_backend_kick_deadline(e->be);
	assert_true(until >= t0 + KICK_HOLD_MS && until <= pb_now_ms() + KICK_HOLD_MS);
	xb_backend_on_kick_timer(e->be);
	if (pb_now_ms() < until)
		assert_int_equal(e->ring.unmasks, u + KICK_BURST - 1);
	struct timespec ts = { 0, (long)(KICK_HOLD_MS + 5) * 1000000L };
	nanosleep(&ts, NULL);
	xb_backend_on_kick_timer(e->be);
	assert_int_equal(e->ring.unmasks, u + KICK_BURST);
	assert_int_equal(xb_backend_kick_deadline(e->be), 0);
	/* Served as before. */
	assert_int_equal(op_read(e, 0, 0, &v), 0);
	assert_int_equal(v, 0x1af4);
}

/* A guest's answers to AER steps are not spurious events: they spend nothing of its budget. */
static void test_aer_answers_not_spurious(void **state)
{
	struct env *e = *state;
	connect2(e);
	pciif_flags_set(shared(e), PCIIF_FLAG_B_AERHANDLER);
	struct pb_guest *g = pool_guest(&e->pool, "dom5", false);
	char out[160];
	assert_int_equal(aer_inject_on(e, 1, PCIIF_AER_IO_FROZEN, out, sizeof(out)), 0);
	uint64_t spurious = g->dg.stats.spurious;
	aer_answer(e, PCIIF_AER_RESULT_NEED_RESET);
	aer_answer(e, PCIIF_AER_RESULT_RECOVERED);
	aer_answer(e, PCIIF_AER_RESULT_RECOVERED);
	assert_int_equal(g->dg.aer.recovered, 1);
	assert_int_equal(g->dg.stats.spurious, spurious);
	assert_int_equal(g->dg.kicks.tokens, KICK_BURST);
}

/* Ops beyond the op budget: the one that empties it is answered, then the port stays masked. */
static void test_op_flood_held(void **state)
{
	struct env *e = *state;
	connect2(e);
	int port = xb_backend_port(e->be, 5, 0);
	uint32_t v;
	unsigned u = e->ring.unmasks;
	/* Back to back: the refill (OP_RATE_DEFAULT a second) adds what the time they take brings. */
	unsigned n = 0;
	for (; n < 10u * OP_BURST && !xb_backend_kick_deadline(e->be); n++)
		assert_int_equal(op_read(e, 0, 0, &v), 0);
	assert_true(n >= OP_BURST);
	assert_int_equal(e->ring.unmasks, u + n - 1);
	assert_int_equal(pool_guest(&e->pool, "dom5", false)->dg.kicks.op_holds, 1);
	uint64_t until = xb_backend_kick_deadline(e->be);
	assert_true(until > 0);
	struct timespec ts = { 0, (long)(KICK_HOLD_MS + 5) * 1000000L };
	nanosleep(&ts, NULL);
	xb_backend_on_kick_timer(e->be);
	assert_int_equal(e->ring.unmasks, u + n);
	assert_true(port > 0);
	assert_int_equal(op_read(e, 0, 0, &v), 0);
	assert_int_equal(v, 0x1af4);
}

/* ---- ops that wait for their device: a PMCSR D-state change ---- */

#define PMCSR 0x44 /* cap-dev3 01:00.0: power management at 0x40 */

/* A PM-capable device (cap-dev3's NVMe) is the guest's only one, the frontend connected. */
static void connect_pm_device(struct env *e)
{
	char spec[512], err[256];
	snprintf(spec, sizeof(spec), "%s/cap-dev3.lspci#01:00.0", fixtures);
	struct hostdev *hd = simdev_load(spec, err, sizeof(err));
	assert_non_null(hd);
	assert_non_null(pool_add_device(&e->pool, hd, NULL, err, sizeof(err)));
	attach_addr(e, "01:00.0");
	start_and_connect(e);
	assert_true(xb_backend_port(e->be, 5, 0) >= 0);
}

/* The guest writes D-state d into PMCSR and kicks; the backend handles the event channel. */
static void post_dstate(struct env *e, unsigned d)
{
	struct pciif_sharedinfo *sh = shared(e);
	memset(&sh->op, 0, sizeof(sh->op));
	sh->op.cmd = PCIIF_OP_CONF_WRITE;
	sh->op.offset = PMCSR;
	sh->op.size = 2;
	sh->op.value = d;
	sh->op.err = 55;
	pciif_flags_set(sh, PCIIF_FLAG_F_ACTIVE);
	fake_ring_kick(&e->ring, xb_backend_port(e->be, 5, 0));
	xb_backend_on_evtchn(e->be);
}

static void sleep_until_ms(uint64_t due)
{
	uint64_t now = pb_now_ms();
	if (now < due) {
		struct timespec ts = { 0, (long)(due - now) * 1000000L };
		nanosleep(&ts, NULL);
	}
}

static void test_pm_answered_from_the_op_timer(void **state)
{
	struct env *e = *state;
	connect_pm_device(e);
	unsigned n = e->ring.notifies;
	uint64_t t0 = pb_now_ms();
	post_dstate(e, 3);
	assert_true(pciif_flags_load(shared(e)) & PCIIF_FLAG_F_ACTIVE);
	assert_int_equal(e->ring.notifies, n);
	uint64_t due = xb_backend_op_deadline(e->be);
	assert_true(due >= t0 + 10);
	/* The kick carried an op: it costs nothing of the spurious-kick budget. */
	struct kick_throttle *k = &pool_guest(&e->pool, "dom5", false)->dg.kicks;
	assert_int_equal(k->tokens, KICK_BURST);
	/* Another kick while it waits: nothing happens. */
	fake_ring_kick(&e->ring, xb_backend_port(e->be, 5, 0));
	xb_backend_on_evtchn(e->be);
	assert_int_equal(e->ring.notifies, n);
	assert_int_equal(k->tokens, KICK_BURST - 1); /* that one was spurious */
	xb_backend_on_op_timer(e->be); /* too early: nothing */
	assert_true(pciif_flags_load(shared(e)) & PCIIF_FLAG_F_ACTIVE);
	sleep_until_ms(due);
	xb_backend_on_op_timer(e->be);
	assert_false(pciif_flags_load(shared(e)) & PCIIF_FLAG_F_ACTIVE);
	assert_int_equal(shared(e)->op.err, 0);
	assert_int_equal(e->ring.notifies, n + 1);
	assert_int_equal(xb_backend_op_deadline(e->be), 0);
	assert_int_equal(simdev_config(e->pool.devs[e->pool.ndevs - 1]->dev.host)[PMCSR] & 3, 3);
}

static void count_op_waits(void *arg) { ++*(unsigned *)arg; }

/*
 * The guest's driver answers "need reset"; the device's reset (a slow one)
 * runs on the worker; the guest writes D3hot meanwhile: the op waits for the
 * reset, then for the device.  The backend tells its owner to arm the op
 * timer (xb_backend_on_op_waits), and the timer answers it.
 */
static void test_pm_write_during_aer_reset_arms_op_timer(void **state)
{
	struct env *e = *state;
	connect_pm_device(e);
	struct pb_pool_dev *pd = e->pool.devs[e->pool.ndevs - 1];
	slow_reset(e, pd);
	unsigned waits = 0;
	xb_backend_on_op_waits(e->be, count_op_waits, &waits);
	pciif_flags_set(shared(e), PCIIF_FLAG_B_AERHANDLER);
	char out[160];
	struct pb_guest *g = pool_guest(&e->pool, "dom5", false);
	assert_int_equal(xb_backend_aer_inject(e->be, g, &pd->dev, PCIIF_AER_IO_FROZEN, out, sizeof(out)), 0);
	aer_answer(e, PCIIF_AER_RESULT_NEED_RESET);
	assert_true(g->dg.aer.resetting);
	post_dstate(e, 3);
	assert_true(pciif_flags_load(shared(e)) & PCIIF_FLAG_F_ACTIVE);
	assert_int_equal(xb_backend_op_deadline(e->be), 0); /* held by the reset */
	assert_int_equal(waits, 0);
	pool_wait_releases(&e->pool); /* the reset ends: the op runs and now waits for the device */
	assert_int_equal(waits, 1);
	uint64_t due = xb_backend_op_deadline(e->be);
	assert_true(due != 0);
	assert_true(pciif_flags_load(shared(e)) & PCIIF_FLAG_F_ACTIVE);
	sleep_until_ms(due);
	xb_backend_on_op_timer(e->be);
	assert_false(pciif_flags_load(shared(e)) & PCIIF_FLAG_F_ACTIVE);
	assert_int_equal(shared(e)->op.err, 0);
	assert_int_equal(simdev_config(pd->dev.host)[PMCSR] & 3, 3);
	assert_int_equal(shared(e)->aer_op.cmd, PCIIF_OP_AER_SLOTRESET);
}

/* The frontend disconnects, then the backend goes away, while the op waits: nothing is answered or touched. */
static void test_pm_disconnect_while_waiting(void **state)
{
	struct env *e = *state;
	connect_pm_device(e);
	post_dstate(e, 3);
	assert_true(xb_backend_op_deadline(e->be) != 0);
	unsigned n = e->ring.notifies;
	fe_state(e, XB_CLOSING);
	pump(e);
	assert_int_equal(e->ring.nmapped, 0);
	assert_int_equal(shared(e)->op.err, 55); /* not answered into an unmapped page */
	sleep_until_ms(xb_backend_op_deadline(e->be));
	xb_backend_on_op_timer(e->be);
	assert_int_equal(e->ring.notifies, n);
	assert_int_equal(shared(e)->op.err, 55);
	assert_int_equal(xb_backend_op_deadline(e->be), 0);
}

/* The domain dies while the op waits: the guest and its op are gone with it. */
static void test_pm_domain_death_while_waiting(void **state)
{
	struct env *e = *state;
	connect_pm_device(e);
	post_dstate(e, 3);
	assert_true(xb_backend_op_deadline(e->be) != 0);
	fake_ring_kill(&e->ring, 5);
	memxs_fire_special(e->store, "@releaseDomain");
	pump(e);
	assert_int_equal(xb_backend_count(e->be), 0);
	assert_null(pool_guest(&e->pool, "dom5", false));
	assert_int_equal(xb_backend_op_deadline(e->be), 0);
	xb_backend_on_op_timer(e->be);
	assert_null(e->pool.devs[e->pool.ndevs - 1]->owner);
}

int main(int argc, char **argv)
{
	fixtures = argc > 1 ? argv[1] : "fixtures/lspci";
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_initial_connect),
		T(test_bad_magic),
		T(test_missing_frontend_keys),
		T(test_map_and_bind_failures),
		T(test_device_not_in_pool),
	T(test_dev_not_a_pv_address),
		T(test_incremental_boot_population),
		T(test_hotplug_add),
		T(test_hotplug_remove_and_renumbering),
		T(test_remove_unknown_vdev_still_completes),
		T(test_removal_reconfigured_after_reset),
		T(test_export_waits_for_release),
		T(test_export_fails_when_release_quarantines),
		T(test_closing_then_closed_online),
		T(test_closed_offline_removes),
		T(test_last_device_detach_destroys),
		T(test_op_in_flight_is_answered_at_disconnect),
		T(test_vanish_initialised),
		T(test_vanish_connected),
		T(test_vanish_reconfiguring),
		T(test_vanish_reconfigured),
		T(test_vanish_closing),
		T(test_death_initialised),
		T(test_death_connected),
		T(test_death_reconfigured),
		T(test_frontend_missing_at_probe),
		T(test_backend_dir_removed_while_connected),
		T(test_two_guests_and_late_start),
		T(test_fatal_error_state_rewritten),
		T(test_root_num_out_of_range),
		T(test_roots_appended_after_listed),
		T(test_root_list_full),
		T(test_aer_recovery_with_reset),
		T(test_aer_timeout_fails_and_quarantines),
		T(test_aer_without_handler_or_page),
		T(test_aer_disconnect_during_recovery),
		T(test_aer_two_failures_both_quarantined),
		T(test_aer_drain_five_with_preanswered_step),
		T(test_aer_remove_starts_queued),
		T(test_aer_operator_detach_takes_step_back),
		T(test_guest_state_follows_backend),
		T(test_pm_answered_from_the_op_timer),
		T(test_pm_write_during_aer_reset_arms_op_timer),
		T(test_pm_disconnect_while_waiting),
		T(test_pm_domain_death_while_waiting),
		T(test_spurious_events_held),
		T(test_aer_answers_not_spurious),
		T(test_op_flood_held),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
