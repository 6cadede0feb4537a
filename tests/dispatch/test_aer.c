/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * AER round trips with a scripted guest: every answer the guest can give,
 * a guest without a handler, and a guest that never answers (the backend
 * times out and applies the policy, and config ops are served meanwhile).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dispatch/dispatch.h"
#include "host/sim_irq.h"
#include "host/simdev.h"
#include "one_guest.h"

static const char *fixtures;

struct fixture {
	struct one_guest og;
	struct hostdev *hd;
	uint64_t now;
};

static int setup(void **state)
{
	static struct fixture f;
	memset(&f, 0, sizeof(f));
	one_guest_init(&f.og, fixtures, "cap-pcie-2.lspci#01:00.0");
	f.hd = f.og.hd;
	f.og.g.aer.timeout_ms = 1000;
	f.og.sh.flags = PCIIF_FLAG_B_AERHANDLER;
	f.now = 5000;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	one_guest_fini(&f->og);
	return 0;
}

/* The guest's handler answers the posted step with `result`. */
static uint32_t answer(struct fixture *f, int32_t result, struct aer_actions *act)
{
	assert_true(f->og.sh.flags & PCIIF_FLAG_B_ACTIVE);
	uint32_t cmd = f->og.sh.aer_op.cmd;
	assert_int_equal(f->og.sh.aer_op.domain, 0); /* the guest-visible address */
	assert_int_equal(f->og.sh.aer_op.bus, 0);
	assert_int_equal(f->og.sh.aer_op.devfn, 0);
	f->og.sh.aer_op.err = result;
	f->og.sh.flags &= ~PCIIF_FLAG_B_ACTIVE;
	f->now += 10;
	aer_poll(&f->og.g.aer, &f->og.sh, f->now, act);
	return cmd;
}

/* Runs a whole recovery with the given answers; returns the steps seen. */
static void run(struct fixture *f, const int32_t *answers, size_t n, uint32_t *steps, struct aer_actions *last)
{
	struct aer_actions act;
	aer_inject(&f->og.g.aer, &f->og.sh, &f->og.dev, PCIIF_AER_IO_FROZEN, f->now, &act);
	assert_true(act.notify);
	assert_int_equal(f->og.sh.aer_op.err, PCIIF_AER_IO_FROZEN); /* the channel state goes to the guest */
	for (size_t i = 0; i < n; i++)
		steps[i] = answer(f, answers[i], &act);
	*last = act;
}

static void test_recovered_directly(void **state)
{
	struct fixture *f = *state;
	int32_t a[] = { PCIIF_AER_RESULT_RECOVERED, PCIIF_AER_RESULT_NONE };
	uint32_t s[2];
	struct aer_actions act;
	run(f, a, 2, s, &act);
	assert_int_equal(s[0], PCIIF_OP_AER_DETECTED);
	assert_int_equal(s[1], PCIIF_OP_AER_RESUME);
	assert_int_equal(act.outcome, AER_OUT_RECOVERED);
	assert_int_equal(act.nfailed, 0);
	assert_false(f->og.g.aer.busy);
	assert_string_equal(f->og.g.aer.last, "detected:5 resume:1 -> recovered");
}

static void test_can_recover_then_mmio(void **state)
{
	struct fixture *f = *state;
	int32_t a[] = { PCIIF_AER_RESULT_CAN_RECOVER, PCIIF_AER_RESULT_RECOVERED, PCIIF_AER_RESULT_NONE };
	uint32_t s[3];
	struct aer_actions act;
	run(f, a, 3, s, &act);
	assert_int_equal(s[1], PCIIF_OP_AER_MMIO);
	assert_int_equal(s[2], PCIIF_OP_AER_RESUME);
	assert_int_equal(act.outcome, AER_OUT_RECOVERED);
}

static void test_need_reset(void **state)
{
	struct fixture *f = *state;
	int32_t a[] = { PCIIF_AER_RESULT_NEED_RESET, PCIIF_AER_RESULT_RECOVERED, PCIIF_AER_RESULT_RECOVERED };
	uint32_t s[3];
	struct aer_actions act;
	unsigned resets = simdev_counters(f->hd)->resets;
	run(f, a, 3, s, &act);
	assert_int_equal(s[1], PCIIF_OP_AER_SLOTRESET);
	assert_int_equal(s[2], PCIIF_OP_AER_RESUME);
	assert_int_equal(simdev_counters(f->hd)->resets, resets + 1); /* the slot was reset before slot_reset */
	assert_int_equal(act.outcome, AER_OUT_RECOVERED);
}

static void test_slot_reset_keeps_msix(void **state)
{
	struct fixture *f = *state;
	struct sim_irq irq;
	sim_irq_init(&irq);
	f->og.g.irqp = &irq.provider;
	hostdev_quiesce(f->hd); /* as when seized: the dump has MSI-X on */
	f->hd->ops->enable(f->hd);
	struct pciif_sharedinfo *sh = &f->og.sh;
	memset(&sh->op, 0, sizeof(sh->op));
	sh->op.cmd = PCIIF_OP_ENABLE_MSIX;
	sh->op.value = 2;
	sh->op.msix_entries[1].entry = 1;
	sh->flags |= PCIIF_FLAG_F_ACTIVE;
	assert_true(dispatch_pending(&f->og.g, sh));
	assert_int_equal(sh->op.err, 0);
	int32_t a[] = { PCIIF_AER_RESULT_NEED_RESET, PCIIF_AER_RESULT_RECOVERED, PCIIF_AER_RESULT_RECOVERED };
	uint32_t s[3];
	struct aer_actions act;
	run(f, a, 3, s, &act);
	assert_int_equal(act.outcome, AER_OUT_RECOVERED);
	/* The reset cleared the enable; the backend switched it back on, the vectors are still mapped. */
	unsigned cap = hostdev_find_cap(f->hd, 0x11);
	uint32_t ctl;
	hostdev_read(f->hd, cap + 2, 2, &ctl);
	assert_true(ctl & 0x8000);
	assert_true(f->og.dev.irq.msix_on);
	assert_int_equal(sim_irq_live(&irq), 2);
	dispatch_irq_release(&f->og.g, &f->og.dev);
	assert_int_equal(sim_irq_live(&irq), 0);
	f->og.g.irqp = NULL;
}

static void test_mmio_then_need_reset(void **state)
{
	struct fixture *f = *state;
	int32_t a[] = { PCIIF_AER_RESULT_CAN_RECOVER, PCIIF_AER_RESULT_NEED_RESET, PCIIF_AER_RESULT_RECOVERED,
			PCIIF_AER_RESULT_NONE };
	uint32_t s[4];
	struct aer_actions act;
	run(f, a, 4, s, &act);
	assert_int_equal(s[2], PCIIF_OP_AER_SLOTRESET);
	assert_int_equal(s[3], PCIIF_OP_AER_RESUME);
	assert_int_equal(act.outcome, AER_OUT_RECOVERED);
}

static void test_failing_answers(void **state)
{
	struct fixture *f = *state;
	static const int32_t bad[] = { PCIIF_AER_RESULT_DISCONNECT, PCIIF_AER_RESULT_NONE,
				       PCIIF_AER_RESULT_NO_AER_DRIVER, 0, 77, -1 };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint32_t s[1];
		struct aer_actions act;
		run(f, &bad[i], 1, s, &act);
		assert_int_equal(act.outcome, AER_OUT_FAILED);
		assert_int_equal(act.nfailed, 1); /* default policy: detach */
		assert_ptr_equal(act.failed[0], &f->og.dev);
		assert_false(f->og.g.aer.busy);
	}
	/* A slot reset that does not recover fails too. */
	int32_t a[] = { PCIIF_AER_RESULT_NEED_RESET, PCIIF_AER_RESULT_DISCONNECT };
	uint32_t s[2];
	struct aer_actions act;
	run(f, a, 2, s, &act);
	assert_int_equal(act.outcome, AER_OUT_FAILED);
	assert_int_equal(f->og.g.aer.failed, 7);
}

static void test_keep_policy(void **state)
{
	struct fixture *f = *state;
	f->og.g.aer.policy = AER_POLICY_KEEP;
	int32_t a[] = { PCIIF_AER_RESULT_DISCONNECT };
	uint32_t s[1];
	struct aer_actions act;
	run(f, a, 1, s, &act);
	assert_int_equal(act.outcome, AER_OUT_FAILED);
	assert_int_equal(act.nfailed, 0);
}

static void test_no_handler(void **state)
{
	struct fixture *f = *state;
	f->og.sh.flags = 0;
	struct aer_actions act;
	aer_inject(&f->og.g.aer, &f->og.sh, &f->og.dev, PCIIF_AER_IO_FROZEN, f->now, &act);
	assert_false(act.notify); /* nothing posted */
	assert_false(f->og.sh.flags & PCIIF_FLAG_B_ACTIVE);
	assert_int_equal(act.outcome, AER_OUT_FAILED);
	assert_int_equal(act.nfailed, 1);
	assert_ptr_equal(act.failed[0], &f->og.dev);
	assert_string_equal(f->og.g.aer.last, "no guest handler -> failed");
}

static void test_guest_never_answers(void **state)
{
	struct fixture *f = *state;
	struct aer_actions act;
	aer_inject(&f->og.g.aer, &f->og.sh, &f->og.dev, PCIIF_AER_IO_FROZEN, f->now, &act);
	assert_int_equal(aer_deadline(&f->og.g.aer), f->now + 1000);
	/* Config ops are served while the guest sits on the AER request. */
	f->og.sh.op.cmd = PCIIF_OP_CONF_READ;
	f->og.sh.op.offset = 0;
	f->og.sh.op.size = 2;
	f->og.sh.flags |= PCIIF_FLAG_F_ACTIVE;
	assert_true(dispatch_pending(&f->og.g, &f->og.sh));
	assert_int_equal(f->og.sh.op.err, 0);
	assert_int_equal(f->og.sh.op.value, f->hd->vendor_id);
	assert_true(f->og.sh.flags & PCIIF_FLAG_B_ACTIVE); /* untouched by the config op */
	/* Before the deadline nothing happens; at it, the policy applies. */
	aer_poll(&f->og.g.aer, &f->og.sh, f->now + 999, &act);
	assert_int_equal(act.outcome, AER_OUT_NONE);
	aer_poll(&f->og.g.aer, &f->og.sh, f->now + 1000, &act);
	assert_int_equal(act.outcome, AER_OUT_FAILED);
	assert_int_equal(act.nfailed, 1);
	assert_ptr_equal(act.failed[0], &f->og.dev);
	assert_false(f->og.sh.flags & PCIIF_FLAG_B_ACTIVE);
	assert_int_equal(f->og.g.aer.timeouts, 1);
	assert_int_equal(aer_deadline(&f->og.g.aer), 0);
	assert_string_equal(f->og.g.aer.last, "detected:timeout -> failed");
}

static void test_events_queue(void **state)
{
	struct fixture *f = *state;
	struct aer_actions act;
	aer_inject(&f->og.g.aer, &f->og.sh, &f->og.dev, PCIIF_AER_IO_FROZEN, f->now, &act);
	aer_inject(&f->og.g.aer, &f->og.sh, &f->og.dev, PCIIF_AER_IO_NORMAL, f->now, &act);
	assert_false(act.notify); /* queued behind the first */
	answer(f, PCIIF_AER_RESULT_RECOVERED, &act);
	answer(f, PCIIF_AER_RESULT_RECOVERED, &act); /* resume: first recovery done, second starts */
	assert_int_equal(act.outcome, AER_OUT_RECOVERED);
	assert_true(act.notify);
	assert_int_equal(f->og.sh.aer_op.cmd, PCIIF_OP_AER_DETECTED);
	assert_int_equal(f->og.sh.aer_op.err, PCIIF_AER_IO_NORMAL);
	for (int i = 0; i < 10; i++)
		aer_inject(&f->og.g.aer, &f->og.sh, &f->og.dev, PCIIF_AER_IO_FROZEN, f->now, &act);
	assert_int_equal(f->og.g.aer.nqueued, AER_QUEUE);
	assert_int_equal(f->og.g.aer.dropped, 10 - AER_QUEUE);
	aer_forget(&f->og.g.aer, &f->og.sh, &f->og.dev);
	assert_int_equal(f->og.g.aer.nqueued, 0);
	assert_false(f->og.g.aer.busy);
	assert_false(f->og.sh.flags & PCIIF_FLAG_B_ACTIVE);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
int main(int argc, char **argv)
{
	fixtures = argc > 1 ? argv[1] : "fixtures/lspci";
	const struct CMUnitTest tests[] = {
		T(test_recovered_directly), T(test_can_recover_then_mmio), T(test_need_reset),
		T(test_mmio_then_need_reset), T(test_slot_reset_keeps_msix), T(test_failing_answers), T(test_keep_policy), T(test_no_handler),
		T(test_guest_never_answers), T(test_events_queue),
	};
	return cmocka_run_group_tests_name("aer", tests, NULL, NULL);
}
