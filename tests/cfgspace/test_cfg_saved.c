/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A device's guest view saved and given back (cfgspace.h cfg_dev_save /
 * cfg_dev_load_saved, simdev.h simdev_save / simdev_load_saved), for every
 * device of every fixture: after a guest changed registers (command, a BAR
 * being sized, the cache line size, permissive mode), a device rebuilt from
 * the same dump and given the saved state shows the guest exactly the same
 * config space, and nothing was written to it in the process.  State saved
 * from another device is refused and changes nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "fixture_devs.h"
#include "host/simdev.h"
#include "proto/pci_regs.h"

static const char *dir;

struct built {
	struct hostdev *hd;
	struct cfg_dev *cd;
};

static int build(const struct lspci_dump_dev *d, struct built *b)
{
	char err[256];
	b->hd = simdev_from_dump(d, "sim:fixture");
	assert_non_null(b->hd);
	b->cd = cfg_dev_new(b->hd, NULL, err, sizeof(err));
	if (!b->cd) {
		hostdev_destroy(b->hd);
		return -1;
	}
	return 0;
}

static void destroy(struct built *b)
{
	cfg_dev_free(b->cd);
	hostdev_destroy(b->hd);
}

static void round_trip(const char *file, size_t index, const struct lspci_dump_dev *d, void *arg)
{
	size_t *done = arg;
	struct built a, b;
	if (build(d, &a))
		return; /* a device the engine does not take (it says why elsewhere) */
	unsigned size = a.hd->cfg_size;
	cfg_write(a.cd, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	cfg_write(a.cd, PCI_CACHE_LINE_SIZE, 1, 0x10);
	cfg_write(a.cd, PCI_BASE_ADDRESS_0, 4, 0xffffffffu); /* being sized: the latch stays set */
	cfg_set_permissive(a.cd, true);
	uint8_t view_a[4096], view_b[4096];
	fx_guest_view(a.cd, view_a, size);

	struct cfg_saved *cs = malloc(sizeof(*cs));
	struct simdev_saved ss;
	assert_non_null(cs);
	cfg_dev_save(a.cd, cs);
	assert_int_equal(simdev_save(a.hd, &ss), 0);

	/* The same dump again, given the saved state. */
	b.hd = simdev_from_dump(d, "sim:fixture");
	char err[256];
	assert_int_equal(simdev_load_saved(b.hd, &ss, err, sizeof(err)), 0);
	size_t n0;
	simdev_writes(b.hd, &n0);
	assert_int_equal(n0, ss.nwrites);
	b.cd = cfg_dev_new(b.hd, NULL, err, sizeof(err));
	assert_non_null(b.cd);
	if (cfg_dev_load_saved(b.cd, cs, err, sizeof(err)))
		fail_msg("%s #%zu: %s", file, index, err);
	size_t n1;
	simdev_writes(b.hd, &n1);
	if (n1 != n0)
		fail_msg("%s #%zu: %zu writes reached the device while it was given back", file, index, n1 - n0);
	fx_guest_view(b.cd, view_b, size);
	if (memcmp(view_a, view_b, size))
		fail_msg("%s #%zu: the guest view differs after it was given back", file, index);
	assert_true(cfg_get_options(b.cd)->permissive);
	simdev_saved_free(&ss);
	free(cs);
	destroy(&a);
	destroy(&b);
	(*done)++;
}

static void test_every_fixture_round_trips(void **state)
{
	(void)state;
	size_t done = 0;
	fx_for_each(dir, round_trip, &done);
	assert_true(done >= 20);
}

/* The first two devices built, for the refusal test. */
struct two {
	const struct lspci_dump_dev *d[2];
	struct lspci_dump_dev copy[2];
	size_t n;
};

static void pick(const char *file, size_t index, const struct lspci_dump_dev *d, void *arg)
{
	(void)file, (void)index;
	struct two *t = arg;
	struct built b;
	if (t->n >= 2 || build(d, &b))
		return;
	/* Two devices whose registers differ in number. */
	if (t->n == 1) {
		struct built a;
		assert_int_equal(build(&t->copy[0], &a), 0);
		struct cfg_saved *x = malloc(sizeof(*x)), *y = malloc(sizeof(*y));
		cfg_dev_save(a.cd, x);
		cfg_dev_save(b.cd, y);
		bool differ = x->nfields != y->nfields;
		free(x);
		free(y);
		destroy(&a);
		if (!differ) {
			destroy(&b);
			return;
		}
	}
	t->copy[t->n++] = *d;
	destroy(&b);
}

static void test_other_device_refused(void **state)
{
	(void)state;
	struct two t = { .n = 0 };
	fx_for_each(dir, pick, &t);
	assert_int_equal(t.n, 2);
	struct built a, b;
	assert_int_equal(build(&t.copy[0], &a), 0);
	assert_int_equal(build(&t.copy[1], &b), 0);
	cfg_write(a.cd, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	struct cfg_saved *cs = malloc(sizeof(*cs));
	cfg_dev_save(a.cd, cs);
	uint8_t before[4096], after[4096];
	fx_guest_view(b.cd, before, b.hd->cfg_size);
	char err[256] = "";
	assert_int_equal(cfg_dev_load_saved(b.cd, cs, err, sizeof(err)), -1);
	assert_true(err[0] != 0);
	fx_guest_view(b.cd, after, b.hd->cfg_size);
	assert_memory_equal(before, after, b.hd->cfg_size);
	/* And a simulated device refuses another dump's contents. */
	struct simdev_saved ss;
	assert_int_equal(simdev_save(a.hd, &ss), 0);
	assert_int_equal(simdev_load_saved(b.hd, &ss, err, sizeof(err)), -1);
	simdev_saved_free(&ss);
	free(cs);
	destroy(&a);
	destroy(&b);
}

int main(int argc, char **argv)
{
	dir = fx_dir(argc, argv);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_fixture_round_trips),
		cmocka_unit_test(test_other_device_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
