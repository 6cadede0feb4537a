/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Double fetch (XSA-155).  Part 1: the dispatcher's after_fetch hook rewrites
 * one field of the page (cmd, domain, bus, devfn, offset, size, value, the
 * MSI-X entries, nvec) between the backend's single read of the op and its
 * use.  Every device access (write record, interrupt maps and unmaps) must
 * equal what a twin backend does for the op as posted, and the write-back
 * touches only err, value and the vectors of the posted nvec.  Part 2: a
 * thread rewrites the op with random bytes (never the flags word, and only
 * read or unknown commands) during a long op stream: no write ever reaches
 * a device and no interrupt is mapped.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hostile_env.h"

static const char *const specs[] = { HENV_NVME, HENV_XLAT, NULL };

/* The ops a guest posts. */
struct base_op {
	const char *name;
	uint32_t cmd;
	unsigned slot;
	int32_t off, size;
	uint32_t value;
};
static const struct base_op base_ops[] = {
	{ "read vendor", PCIIF_OP_CONF_READ, 0, 0x00, 2, 0 },
	{ "read msi-x flags", PCIIF_OP_CONF_READ, 1, 0x00, 4, 0 },
	{ "write command", PCIIF_OP_CONF_WRITE, 0, 0x04, 2, 0x0006 },
	{ "size bar0", PCIIF_OP_CONF_WRITE, 0, 0x10, 4, 0xffffffff },
	{ "write cache line", PCIIF_OP_CONF_WRITE, 1, 0x0c, 1, 0x10 },
	{ "enable msi", PCIIF_OP_ENABLE_MSI, 0, 0, 0, 0 },
	{ "enable msix", PCIIF_OP_ENABLE_MSIX, 0, 0, 0, 2 },
	{ "disable msi", PCIIF_OP_DISABLE_MSI, 0, 0, 0, 0 },
};

/* What the hook does to the page. */
enum field { F_CMD, F_DOMAIN, F_BUS, F_DEVFN, F_OFFSET, F_SIZE, F_VALUE, F_ENTRIES, F_NVEC, F_ALL, F_COUNT };
static const char *const field_names[] = { "cmd", "domain", "bus", "devfn", "offset", "size", "value", "entries",
					   "nvec", "all" };

struct hook {
	struct henv *e;
	enum field f;
	struct pciif_sharedinfo after; /* the page as the hook left it */
};

static void rewrite(void *arg)
{
	struct hook *h = arg;
	struct pciif_op *op = &h->e->sh.op;
	switch (h->f) {
	case F_CMD: op->cmd = op->cmd == PCIIF_OP_CONF_READ ? PCIIF_OP_CONF_WRITE : PCIIF_OP_ENABLE_MSIX; break;
	case F_DOMAIN: op->domain = 0x10000; break;
	case F_BUS: op->bus = 1; break;
	case F_DEVFN: op->devfn ^= PB_DEVFN(1, 0); break;
	case F_OFFSET: op->offset = op->offset == 0x04 ? 0x3c : 0x04; break;
	case F_SIZE: op->size = op->size == 4 ? 0x7fffffff : 4; break;
	case F_VALUE: op->value = ~op->value; break;
	case F_ENTRIES:
		for (unsigned i = 0; i < PCIIF_MAX_VEC; i++)
			op->msix_entries[i].entry = (uint16_t)(0x7ff - i);
		break;
	case F_NVEC: op->value = PCIIF_MAX_VEC; break;
	case F_ALL:
		op->cmd = PCIIF_OP_CONF_WRITE, op->devfn = PB_DEVFN(1, 0), op->offset = 0x04, op->size = 2, op->value = 0;
		break;
	default: break;
	}
	h->after = h->e->sh;
}

static void post(struct henv *e, const struct base_op *b)
{
	memset(&e->sh.op, 0, sizeof(e->sh.op));
	e->sh.op.cmd = b->cmd;
	e->sh.op.devfn = PB_DEVFN(b->slot, 0);
	e->sh.op.offset = b->off;
	e->sh.op.size = b->size;
	e->sh.op.value = b->value;
	for (unsigned i = 0; i < PCIIF_MAX_VEC; i++) {
		e->sh.op.msix_entries[i].entry = (uint16_t)i;
		e->sh.op.msix_entries[i].vector = 0xffff;
	}
	pciif_flags_set(&e->sh, PCIIF_FLAG_F_ACTIVE);
}

/* Both guests' devices ready for MSI-X (memory decoding on), write records cleared. */
static struct henv *prepared(void)
{
	struct henv *e = henv_new(specs, NULL);
	assert_non_null(e);
	for (size_t i = 0; i < e->n; i++) {
		henv_write(e, i, 0x04, 2, 0x0002);
		simdev_clear_writes(e->hd[i]);
	}
	return e;
}

static void assert_same_device_work(struct henv *a, struct henv *b, const char *what)
{
	for (size_t i = 0; i < a->n; i++) {
		size_t na, nb;
		const struct simdev_write *wa = simdev_writes(a->hd[i], &na), *wb = simdev_writes(b->hd[i], &nb);
		if (na != nb || (na && memcmp(wa, wb, na * sizeof(*wa))))
			fail_msg("%s: device %zu received %zu writes, the posted op causes %zu", what, i, na, nb);
		assert_memory_equal(simdev_config(a->hd[i]), simdev_config(b->hd[i]), a->hd[i]->cfg_size);
	}
	if (a->irq.maps != b->irq.maps || a->irq.unmaps != b->irq.unmaps)
		fail_msg("%s: %u maps / %u unmaps, the posted op causes %u / %u", what, a->irq.maps, a->irq.unmaps,
			 b->irq.maps, b->irq.unmaps);
}

static void test_every_field(void **state)
{
	(void)state;
	for (size_t o = 0; o < sizeof(base_ops) / sizeof(base_ops[0]); o++) {
		for (enum field f = 0; f < F_COUNT; f++) {
			char what[96];
			snprintf(what, sizeof(what), "%s, %s rewritten", base_ops[o].name, field_names[f]);
			struct henv *e = prepared(), *twin = prepared();
			struct hook h = { .e = e, .f = f };
			e->g.after_fetch = rewrite;
			e->g.after_fetch_arg = &h;
			post(e, &base_ops[o]);
			dispatch_pending(&e->g, &e->sh);
			post(twin, &base_ops[o]);
			dispatch_pending(&twin->g, &twin->sh);
			assert_same_device_work(e, twin, what);
			/* Write-back: err, value and the vectors of the posted nvec, nothing else. */
			assert_int_equal(e->sh.op.err, twin->sh.op.err);
			assert_int_equal(e->sh.op.value, twin->sh.op.value);
			struct pciif_op expect = h.after.op;
			expect.err = e->sh.op.err;
			expect.value = e->sh.op.value;
			uint32_t nvec = twin->sh.op.err == 0 && base_ops[o].cmd == PCIIF_OP_ENABLE_MSIX ? base_ops[o].value : 0;
			for (uint32_t i = 0; i < nvec; i++)
				expect.msix_entries[i].vector = e->sh.op.msix_entries[i].vector;
			if (memcmp(&expect, &e->sh.op, sizeof(expect)))
				fail_msg("%s: the write-back touched more than err, value and %u vectors", what, nvec);
			for (uint32_t i = 0; i < nvec; i++)
				assert_int_equal(e->sh.op.msix_entries[i].vector, twin->sh.op.msix_entries[i].vector);
			assert_int_equal(e->sh.flags & PCIIF_FLAG_F_ACTIVE, 0);
			henv_free(e);
			henv_free(twin);
		}
	}
}

/* ---- part 2: a free-running thread ---- */

struct scribbler {
	struct henv *e;
	atomic_bool stop;
	uint64_t rounds;
};

static void *scribble(void *arg)
{
	struct scribbler *s = arg;
	uint32_t x = 0x12345678;
	volatile uint8_t *op = (volatile uint8_t *)&s->e->sh.op;
	while (!atomic_load_explicit(&s->stop, memory_order_relaxed)) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		size_t at = 4 + x % (sizeof(struct pciif_op) - 4); /* cmd is written whole, below */
		op[at] = (uint8_t)(x >> 8);
		/* The command stays a read or an unknown one, even torn bytewise (0 or >= 0x80): nothing may write. */
		volatile uint32_t *cmd = (volatile uint32_t *)&s->e->sh.op.cmd;
		*cmd = (x & 0x100) ? PCIIF_OP_CONF_READ : 0x180u | (x >> 25);
		s->rounds++;
	}
	return NULL;
}

static void test_free_running_thread(void **state)
{
	(void)state;
	struct henv *e = prepared();
	struct scribbler s = { .e = e };
	atomic_init(&s.stop, false);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, scribble, &s), 0);
	uint64_t ok = 0;
	for (unsigned i = 0; i < 200000; i++) {
		/* The guest posts a read; the thread keeps rewriting it (and the backend keeps answering). */
		e->sh.op.cmd = PCIIF_OP_CONF_READ;
		e->sh.op.devfn = PB_DEVFN(i & 1, 0);
		e->sh.op.offset = (int32_t)(i % 64) * 4;
		e->sh.op.size = 4;
		pciif_flags_set(&e->sh, PCIIF_FLAG_F_ACTIVE);
		assert_true(dispatch_pending(&e->g, &e->sh));
		assert_int_equal(pciif_flags_load(&e->sh) & PCIIF_FLAG_F_ACTIVE, 0);
		ok += e->sh.op.err == 0;
	}
	atomic_store(&s.stop, true);
	pthread_join(t, NULL);
	for (size_t i = 0; i < e->n; i++) {
		size_t n;
		simdev_writes(e->hd[i], &n);
		assert_int_equal(n, 0);
	}
	assert_int_equal(e->irq.maps, 0);
	assert_true(s.rounds > 0);
	print_message("free-running: 200000 ops, %llu succeeded, %llu page rewrites\n", (unsigned long long)ok,
		      (unsigned long long)s.rounds);
	henv_free(e);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		henv_fixtures = argv[1];
	pb_log_set_level(PB_LOG_ERR);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_field),
		cmocka_unit_test(test_free_running_thread),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
