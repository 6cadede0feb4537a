/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A guest trying to keep a device whose error recovery failed.
 * The devices sit in a pool, assigned to one guest, and the
 * engine's actions are applied the way the local transport applies them:
 * every device named as failed leaves the guest quarantined.  The guest
 * clears its handler bit behind a failing recovery, the backend's clock is
 * at its end, and a device under recovery leaves with more errors queued.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/pool.h"
#include "hostile_env.h"

#define NDEVS 5

struct aenv {
	struct pb_pool pool;
	struct pb_pool_dev *pd[NDEVS];
	struct pb_guest *g;
	struct pciif_sharedinfo sh;
	uint64_t now;
};

static const char *const specs[NDEVS] = {
	"microvm-virtio.lspci#00:01.0", "microvm-virtio.lspci#00:02.0", "microvm-virtio.lspci#00:03.0",
	"microvm-virtio.lspci#00:04.0", "microvm-virtio.lspci#00:05.0",
};

static int setup(void **state)
{
	static struct aenv e;
	memset(&e, 0, sizeof(e));
	pool_init(&e.pool, TOPO_VPCI);
	e.pool.aer_timeout_ms = 1000;
	for (size_t i = 0; i < NDEVS; i++)
		e.pd[i] = henv_pool_assign(&e.pool, specs[i], "g");
	e.g = pool_guest(&e.pool, "g", false);
	e.sh.flags = PCIIF_FLAG_B_AERHANDLER;
	e.now = 5000;
	*state = &e;
	return 0;
}

static int teardown(void **state)
{
	struct aenv *e = *state;
	pool_fini(&e->pool);
	return 0;
}

/* The detach policy, as the transports apply it. */
static void apply(struct aenv *e, const struct aer_actions *act)
{
	for (unsigned i = 0; i < act->nfailed; i++)
		pool_quarantine(&e->pool, pool_dev_of(act->failed[i]), "AER recovery failed");
}

static void inject(struct aenv *e, size_t i)
{
	struct aer_actions act;
	aer_inject(&e->g->dg.aer, &e->sh, &e->pd[i]->dev, PCIIF_AER_IO_FROZEN, e->now, &act);
	apply(e, &act);
}

/* The guest's address of device i, as the engine names it in aer_op. */
static unsigned devfn_of(struct aenv *e, size_t i)
{
	return topo_find(&e->g->topo, &e->pd[i]->dev)->vaddr.devfn;
}

/* The guest answers the posted step and kicks; the backend polls. */
static void answer(struct aenv *e, int32_t result, struct aer_actions *act)
{
	assert_true(pciif_flags_load(&e->sh) & PCIIF_FLAG_B_ACTIVE);
	e->sh.aer_op.err = result;
	pciif_flags_clear(&e->sh, PCIIF_FLAG_B_ACTIVE);
	e->now += 10;
	aer_poll(&e->g->dg.aer, &e->sh, e->now, act);
	apply(e, act);
}

/*
 * Device 0's recovery fails (the guest answers disconnect) and, in the same
 * poll, device 1's queued recovery fails at once because the guest cleared
 * its handler bit first: both leave the guest quarantined.
 */
static void two_failures_in_one_poll_both_quarantined(void **state)
{
	struct aenv *e = *state;
	inject(e, 0);
	inject(e, 1);
	assert_int_equal(e->g->dg.aer.nqueued, 1);
	pciif_flags_clear(&e->sh, PCIIF_FLAG_B_AERHANDLER);
	struct aer_actions act;
	answer(e, PCIIF_AER_RESULT_DISCONNECT, &act);
	assert_int_equal(act.outcome, AER_OUT_FAILED);
	assert_int_equal(e->g->dg.aer.failed, 2);
	assert_true(e->pd[0]->quarantined);
	assert_true(e->pd[1]->quarantined);
	assert_null(e->pd[0]->owner);
	assert_null(e->pd[1]->owner);
	assert_false(e->g->dg.aer.busy);
	assert_ptr_equal(e->pd[2]->owner, e->g);
}

/* Every queued recovery failing at once in one poll: all of them are quarantined. */
static void all_queued_fail_in_one_poll(void **state)
{
	struct aenv *e = *state;
	for (size_t i = 0; i < NDEVS; i++)
		inject(e, i);
	assert_int_equal(e->g->dg.aer.nqueued, NDEVS - 1);
	pciif_flags_clear(&e->sh, PCIIF_FLAG_B_AERHANDLER);
	struct aer_actions act;
	answer(e, PCIIF_AER_RESULT_NONE, &act);
	for (size_t i = 0; i < NDEVS; i++)
		assert_true(e->pd[i]->quarantined);
	assert_int_equal(e->g->dg.aer.failed, NDEVS);
	assert_false(e->g->dg.aer.busy);
	assert_int_equal(e->g->dg.aer.nqueued, 0);
}

/*
 * A recovery posted at the end of the clock: the step's deadline stays at
 * the end instead of wrapping to the past, so the guest gets its time and
 * the recovery does not fail at the next poll.
 */
static void deadline_at_end_of_clock_does_not_wrap(void **state)
{
	struct aenv *e = *state;
	e->now = UINT64_MAX - 10;
	inject(e, 0);
	assert_int_equal(aer_deadline(&e->g->dg.aer), UINT64_MAX);
	struct aer_actions act;
	aer_poll(&e->g->dg.aer, &e->sh, UINT64_MAX - 5, &act);
	assert_int_equal(act.outcome, AER_OUT_NONE);
	assert_true(e->g->dg.aer.busy);
	assert_true(pciif_flags_load(&e->sh) & PCIIF_FLAG_B_ACTIVE);
	/* The guest answers: the next step's deadline is at the end of the clock too. */
	e->now = UINT64_MAX;
	e->sh.aer_op.err = PCIIF_AER_RESULT_RECOVERED;
	pciif_flags_clear(&e->sh, PCIIF_FLAG_B_ACTIVE);
	aer_poll(&e->g->dg.aer, &e->sh, e->now, &act);
	assert_int_equal(e->sh.aer_op.cmd, PCIIF_OP_AER_RESUME);
	assert_int_equal(aer_deadline(&e->g->dg.aer), UINT64_MAX);
	assert_int_equal(e->g->dg.aer.timeouts, 0);
}

/*
 * The device under recovery leaves the guest (as the transports release it:
 * aer_forget with the page, then pool_release) while two others wait: the
 * first waiting one is due at once and the next poll posts it; nothing is
 * stranded in the queue.
 */
static void forget_current_starts_next_queued(void **state)
{
	struct aenv *e = *state;
	inject(e, 0);
	inject(e, 1);
	inject(e, 2);
	aer_forget(&e->g->dg.aer, &e->sh, &e->pd[0]->dev);
	assert_int_equal(pool_release(&e->pool, e->pd[0]), 0);
	assert_false(pciif_flags_load(&e->sh) & PCIIF_FLAG_B_ACTIVE);
	const struct aer_state *a = &e->g->dg.aer;
	assert_true(a->busy);
	assert_int_not_equal(aer_deadline(a), 0);
	assert_true(aer_deadline(a) <= e->now);
	struct aer_actions act;
	aer_poll(&e->g->dg.aer, &e->sh, e->now, &act);
	assert_true(act.notify);
	assert_true(pciif_flags_load(&e->sh) & PCIIF_FLAG_B_ACTIVE);
	assert_int_equal(e->sh.aer_op.cmd, PCIIF_OP_AER_DETECTED);
	assert_int_equal(e->sh.aer_op.devfn, devfn_of(e, 1));
	assert_int_equal(a->nqueued, 1);
	/* Both remaining recoveries run to the end. */
	answer(e, PCIIF_AER_RESULT_RECOVERED, &act);
	answer(e, PCIIF_AER_RESULT_RECOVERED, &act);
	assert_int_equal(e->sh.aer_op.devfn, devfn_of(e, 2));
	answer(e, PCIIF_AER_RESULT_RECOVERED, &act);
	answer(e, PCIIF_AER_RESULT_RECOVERED, &act);
	assert_int_equal(a->recovered, 2);
	assert_false(a->busy);
	assert_int_equal(aer_deadline(a), 0);
}

/* Forgetting every device of a busy engine, in any order, leaves it idle: nothing busy, queued or due. */
static void forget_everything_leaves_idle(void **state)
{
	struct aenv *e = *state;
	static const size_t order[] = { 2, 0, 1, 3 };
	for (size_t i = 0; i < 4; i++)
		inject(e, i);
	const struct aer_state *a = &e->g->dg.aer;
	for (size_t k = 0; k < 4; k++) {
		aer_forget(&e->g->dg.aer, &e->sh, &e->pd[order[k]]->dev);
		/* Consistent after every step: anything queued means busy and due. */
		assert_true(!a->nqueued || (a->busy && aer_deadline(a)));
		assert_true(a->busy || !aer_deadline(a));
	}
	assert_false(a->busy);
	assert_int_equal(a->nqueued, 0);
	assert_int_equal(aer_deadline(a), 0);
	assert_false(pciif_flags_load(&e->sh) & PCIIF_FLAG_B_ACTIVE);
	struct aer_actions act;
	aer_poll(&e->g->dg.aer, &e->sh, e->now, &act);
	assert_false(act.notify);
	assert_int_equal(act.outcome, AER_OUT_NONE);
}

/*
 * Five errors (one posted, four queued); the guest answers the posted step
 * but leaves before the backend reads the answer.  The disconnect ends all
 * five recoveries, whatever the answer said: nothing stays busy, queued or
 * due, nothing is notified, and all five devices are quarantined.
 */
static void drain_five_with_preanswered_step(void **state)
{
	struct aenv *e = *state;
	for (size_t i = 0; i < NDEVS; i++)
		inject(e, i);
	e->sh.aer_op.err = PCIIF_AER_RESULT_CAN_RECOVER;
	pciif_flags_clear(&e->sh, PCIIF_FLAG_B_ACTIVE);
	struct aer_actions act;
	aer_disconnect(&e->g->dg.aer, &e->sh, &act);
	assert_false(act.notify);
	assert_int_equal(act.outcome, AER_OUT_FAILED);
	assert_int_equal(act.nfailed, NDEVS);
	apply(e, &act);
	const struct aer_state *a = &e->g->dg.aer;
	assert_false(a->busy);
	assert_int_equal(a->nqueued, 0);
	assert_int_equal(aer_deadline(a), 0);
	assert_int_equal(a->failed, NDEVS);
	assert_int_equal(a->timeouts, 0);
	assert_string_equal(a->last, "guest not connected -> failed");
	for (size_t i = 0; i < NDEVS; i++)
		assert_true(e->pd[i]->quarantined);
	assert_false(pciif_flags_load(&e->sh) & PCIIF_FLAG_B_ACTIVE);
}

/* A disconnect while the guest is told to resume: the device had recovered, it stays. */
static void disconnect_at_resume_recovers(void **state)
{
	struct aenv *e = *state;
	inject(e, 0);
	struct aer_actions act;
	answer(e, PCIIF_AER_RESULT_RECOVERED, &act);
	assert_int_equal(e->sh.aer_op.cmd, PCIIF_OP_AER_RESUME);
	aer_disconnect(&e->g->dg.aer, &e->sh, &act);
	assert_int_equal(act.outcome, AER_OUT_RECOVERED);
	assert_int_equal(act.nfailed, 0);
	assert_string_equal(e->g->dg.aer.last, "detected:5 resume:disconnected -> recovered");
	assert_false(e->g->dg.aer.busy);
	assert_ptr_equal(e->pd[0]->owner, e->g);
}

/* A disconnect right after the device under recovery left, with one queued: that one fails, nothing stays. */
static void disconnect_after_forget(void **state)
{
	struct aenv *e = *state;
	inject(e, 0);
	inject(e, 1);
	aer_forget(&e->g->dg.aer, &e->sh, &e->pd[0]->dev);
	struct aer_actions act;
	aer_disconnect(&e->g->dg.aer, &e->sh, &act);
	assert_int_equal(act.nfailed, 1);
	assert_ptr_equal(act.failed[0], &e->pd[1]->dev);
	assert_false(e->g->dg.aer.busy);
	assert_int_equal(aer_deadline(&e->g->dg.aer), 0);
	assert_false(act.notify);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
int main(int argc, char **argv)
{
	henv_fixtures = argc > 1 ? argv[1] : "fixtures/lspci";
	const struct CMUnitTest tests[] = {
		T(two_failures_in_one_poll_both_quarantined), T(all_queued_fail_in_one_poll),
		T(deadline_at_end_of_clock_does_not_wrap), T(forget_current_starts_next_queued),
		T(forget_everything_leaves_idle), T(drain_five_with_preanswered_step), T(disconnect_at_resume_recovers),
		T(disconnect_after_forget),
	};
	return cmocka_run_group_tests_name("aer_policy", tests, NULL, NULL);
}
