/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The spurious-kick and op budgets (dispatch/kick_throttle.h), on a clock the test sets. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "dispatch/kick_throttle.h"

#define T0 1000000u

/*
 * Ops back to back, at one instant (a guest that sets _XEN_PCIF_active before
 * each kick without waiting): the one that empties the op
 * budget holds the channel; they never spend the spurious-kick budget.
 */
static void test_ops_held_beyond_budget(void **state)
{
	(void)state;
	struct kick_throttle t;
	kick_throttle_init(&t);
	for (int i = 0; i < OP_BURST - 1; i++)
		assert_int_equal(kick_throttle_event(&t, KICK_OP, T0), 0);
	assert_int_equal(kick_throttle_event(&t, KICK_OP, T0), T0 + KICK_HOLD_MS);
	assert_int_equal(t.holds, 1);
	assert_int_equal(t.op_holds, 1);
	assert_int_equal(t.tokens, KICK_BURST);
	/* After the hold, the ops the refill brought: OP_RATE_DEFAULT a second. */
	uint64_t now = T0 + KICK_HOLD_MS;
	int served = 0;
	while (!kick_throttle_event(&t, KICK_OP, now))
		served++;
	assert_int_equal(served + 1, OP_RATE_DEFAULT * KICK_HOLD_MS / 1000);
	/* AER answers cost nothing. */
	for (int i = 0; i < 100000; i++)
		assert_int_equal(kick_throttle_event(&t, KICK_FREE, now), 0);
}

/* Ops at a real guest's pace (a boot's enumeration, lspci -xxxx) are never held; nor anything at op_rate 0. */
static void test_ops_within_budget_not_held(void **state)
{
	(void)state;
	struct kick_throttle t;
	kick_throttle_init(&t);
	/* 5000 ops at once, then 10000 a second for 10 s. */
	for (int i = 0; i < 5000; i++)
		assert_int_equal(kick_throttle_event(&t, KICK_OP, T0), 0);
	for (uint64_t i = 0; i < 100000; i++)
		assert_int_equal(kick_throttle_event(&t, KICK_OP, T0 + 1 + i / 10), 0);
	assert_int_equal(t.holds, 0);
	kick_throttle_init(&t);
	t.op_rate = 0;
	for (int i = 0; i < 100000; i++)
		assert_int_equal(kick_throttle_event(&t, KICK_OP, T0), 0);
	assert_int_equal(t.holds, 0);
}

/* A slow configured rate: the hold lasts until one op is back. */
static void test_slow_op_rate_hold(void **state)
{
	(void)state;
	struct kick_throttle t;
	kick_throttle_init(&t);
	t.op_rate = 2;
	uint64_t until = 0;
	int n = 0;
	while (!(until = kick_throttle_event(&t, KICK_OP, T0)))
		n++;
	assert_int_equal(n, OP_BURST - 1);
	assert_int_equal(until, T0 + 500);
	assert_int_equal(kick_throttle_event(&t, KICK_OP, until), until + 500);
}

/* A burst of spurious kicks: the one that empties the bucket holds the channel KICK_HOLD_MS. */
static void test_burst_then_hold(void **state)
{
	(void)state;
	struct kick_throttle t;
	kick_throttle_init(&t);
	for (int i = 0; i < KICK_BURST - 1; i++)
		assert_int_equal(kick_throttle_event(&t, KICK_SPURIOUS, T0), 0);
	assert_int_equal(kick_throttle_event(&t, KICK_SPURIOUS, T0), T0 + KICK_HOLD_MS);
	assert_int_equal(t.holds, 1);
	/* Ops in between neither count nor refill. */
	assert_int_equal(kick_throttle_event(&t, KICK_OP, T0), 0);
	/* When the hold ends the bucket is full again: another whole burst. */
	uint64_t now = T0 + KICK_HOLD_MS;
	for (int i = 0; i < KICK_BURST - 1; i++)
		assert_int_equal(kick_throttle_event(&t, KICK_SPURIOUS, now), 0);
	assert_int_equal(kick_throttle_event(&t, KICK_SPURIOUS, now), now + KICK_HOLD_MS);
	assert_int_equal(t.holds, 2);
}

/* Spurious kicks no faster than the refill are never held, however many. */
static void test_steady_rate_not_held(void **state)
{
	(void)state;
	struct kick_throttle t;
	kick_throttle_init(&t);
	for (uint64_t i = 0; i < 100000; i++)
		assert_int_equal(kick_throttle_event(&t, KICK_SPURIOUS, T0 + i * KICK_REFILL_MS), 0);
	assert_int_equal(t.holds, 0);
}

/* Over a long flood the kicks let through stay at the refill rate. */
static void test_flood_rate_bounded(void **state)
{
	(void)state;
	struct kick_throttle t;
	kick_throttle_init(&t);
	uint64_t now = T0, handled = 0;
	/* 100 kicks a millisecond for 10 s, except while held (then the transport sees none). */
	while (now < T0 + 10000) {
		uint64_t until = 0;
		for (int i = 0; i < 100 && !until; i++, handled++)
			until = kick_throttle_event(&t, KICK_SPURIOUS, now);
		now = until ? until : now + 1;
	}
	/* 500 a second, plus the first burst. */
	assert_true(handled <= 10 * 1000 / KICK_REFILL_MS + KICK_BURST);
	assert_true(handled >= 10 * 1000 / KICK_REFILL_MS / 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ops_held_beyond_budget),
		cmocka_unit_test(test_ops_within_budget_not_held),
		cmocka_unit_test(test_slow_op_rate_hold),
		cmocka_unit_test(test_burst_then_hold),
		cmocka_unit_test(test_steady_rate_not_held),
		cmocka_unit_test(test_flood_rate_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
