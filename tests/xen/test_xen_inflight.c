/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Xen transport and ops that wait for their device (issue 15, item 3),
 * on the in-memory xenstore and the fake ring: a PMCSR write that starts a
 * D-state change is answered and notified only from the op timer, once the
 * device's time has passed; kicks meanwhile do nothing; a frontend that
 * disconnects or a domain that dies meanwhile leaves nothing to answer and
 * nothing dangling.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/pool.h"
#include "host/simdev.h"
#include "proto/pciif.h"
#include "proto/xenbus_state.h"
#include "toolstack/pbctl_xs.h"
#include "transport/xen/xenbus_backend.h"
#include "xenstore/xs_mem.h"
#include "fake_ring.h"

#define FE "/local/domain/5/device/pci/0"
#define BE "/local/domain/0/backend/pci/5/0"
#define GREF 77
#define PMCSR 0x44 /* cap-dev3 01:00.0: power management at 0x40 */

static const char *fixtures;

struct env {
	struct memxs_store *store;
	struct pb_xs *bxs, *tsx, *fxs;
	struct fake_ring ring;
	struct pb_pool pool;
	struct xb_backend *be;
	_Alignas(4096) unsigned char page[4096];
};

static void pump(struct env *e)
{
	while (memxs_pending_events(e->bxs))
		xb_backend_on_xenstore(e->be);
}

static void fe_state(struct env *e, int s)
{
	assert_int_equal(pb_xs_printf(e->fxs, PB_XS_NO_TX, FE, "state", "%d", s), 0);
}

/* One PM-capable device attached to domain 5, the frontend connected. */
static int setup(void **state)
{
	size_t sz = (sizeof(struct env) + 4095) & ~(size_t)4095;
	struct env *e = aligned_alloc(4096, sz);
	memset(e, 0, sizeof(*e));
	e->store = memxs_store_new();
	e->bxs = memxs_connect(e->store);
	e->tsx = memxs_connect(e->store);
	e->fxs = memxs_connect(e->store);
	fake_ring_init(&e->ring);
	fake_ring_grant(&e->ring, 5, GREF, e->page);
	pool_init(&e->pool, TOPO_VPCI);
	char spec[512], err[256];
	snprintf(spec, sizeof(spec), "%s/cap-dev3.lspci#01:00.0", fixtures);
	struct hostdev *hd = simdev_load(spec, err, sizeof(err));
	assert_non_null(hd);
	assert_non_null(pool_add_device(&e->pool, hd, NULL, err, sizeof(err)));
	assert_int_equal(pb_xs_write(e->tsx, PB_XS_NO_TX, "/local/domain/5/name", "guest5"), 0);
	e->be = xb_backend_new(&e->pool, e->bxs, &e->ring.ring, 0, err, sizeof(err));
	assert_non_null(e->be);
	struct pbctl_target t = { .be_domid = 0, .domid = 5, .name = "guest5" };
	struct pb_bdf a;
	struct pbctl_opts o;
	bool hp;
	assert_int_equal(pbctl_parse_device("01:00.0", &a, &o, err, sizeof(err)), 0);
	assert_int_equal(pbctl_attach_xs(e->tsx, &t, &a, &o, &hp, err, sizeof(err)), 0);
	assert_int_equal(xb_backend_start(e->be, err, sizeof(err)), 0);
	pump(e);
	pb_xs_tx tx;
	assert_int_equal(e->fxs->ops->tx_start(e->fxs, &tx), 0);
	pb_xs_printf(e->fxs, tx, FE, "pci-op-ref", "%u", GREF);
	pb_xs_printf(e->fxs, tx, FE, "event-channel", "%u", 9);
	pb_xs_printf(e->fxs, tx, FE, "magic", "%s", PCIIF_MAGIC);
	pb_xs_printf(e->fxs, tx, FE, "state", "%d", XB_INITIALISED);
	assert_int_equal(e->fxs->ops->tx_end(e->fxs, tx, false), 0);
	pump(e);
	fe_state(e, XB_CONNECTED);
	pump(e);
	assert_true(xb_backend_port(e->be, 5, 0) >= 0);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	xb_backend_free(e->be);
	assert_int_equal(e->ring.nmapped, 0);
	pool_fini(&e->pool);
	memxs_store_free(e->store);
	free(e);
	return 0;
}

static struct pciif_sharedinfo *shared(struct env *e) { return (struct pciif_sharedinfo *)e->page; }

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

static void test_answered_from_the_op_timer(void **state)
{
	struct env *e = *state;
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
	assert_int_equal(simdev_config(e->pool.devs[0]->dev.host)[PMCSR] & 3, 3);
}

/* The frontend disconnects, then the backend goes away, while the op waits: nothing is answered or touched. */
static void test_disconnect_while_waiting(void **state)
{
	struct env *e = *state;
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
static void test_domain_death_while_waiting(void **state)
{
	struct env *e = *state;
	post_dstate(e, 3);
	assert_true(xb_backend_op_deadline(e->be) != 0);
	fake_ring_kill(&e->ring, 5);
	memxs_fire_special(e->store, "@releaseDomain");
	pump(e);
	assert_int_equal(xb_backend_count(e->be), 0);
	assert_null(pool_guest(&e->pool, "dom5", false));
	assert_int_equal(xb_backend_op_deadline(e->be), 0);
	xb_backend_on_op_timer(e->be);
	assert_null(e->pool.devs[0]->owner);
}

int main(int argc, char **argv)
{
	fixtures = argc > 1 ? argv[1] : "fixtures/lspci";
	pb_log_set_level(PB_LOG_ERR);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_answered_from_the_op_timer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disconnect_while_waiting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_domain_death_while_waiting, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
