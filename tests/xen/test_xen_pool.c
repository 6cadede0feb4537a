/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Xen calls pcibackd makes for the pool as a whole, on a fake that
 * records them in order: devices back from Xen's quarantine at shutdown
 * (except those the pool itself quarantined), and the MSI-X table handed to
 * Xen when a device joins the pool, before any guest can reach it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>

#include "core/pool.h"
#include "host/simdev.h"
#include "transport/xen/xen_irq.h"

#include "fake_xen_hyp.h"

static const char *fixtures;

struct fixture {
	struct fake_xen_hyp hyp;
	struct xen_irq xirq;
	struct pb_pool pool;
};

static int setup(void **state)
{
	static struct fixture f;
	memset(&f, 0, sizeof(f));
	fake_xen_hyp_init(&f.hyp);
	xen_irq_provider_init(&f.xirq, &f.hyp.hyp);
	pool_init(&f.pool, TOPO_VPCI);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	pool_fini(&f->pool);
	return 0;
}

/* A device from a fixture dump, simulated or standing for a real device of this host. */
static struct pb_pool_dev *add_dev(struct fixture *f, const char *dump, unsigned bus, bool real)
{
	char spec[512], err[300];
	snprintf(spec, sizeof(spec), "%s/%s", fixtures, dump);
	struct hostdev *hd = simdev_load(spec, err, sizeof(err));
	if (!hd)
		fail_msg("%s", err);
	hd->real = real;
	hd->addr = (struct pb_bdf){ 0, (uint8_t)bus, PB_DEVFN(0, 0) };
	struct pb_pool_dev *pd = pool_add_device(&f->pool, hd, NULL, err, sizeof(err));
	if (!pd)
		fail_msg("%s", err);
	return pd;
}

static struct pb_pool_dev *add(struct fixture *f, const char *dump, unsigned bus)
{
	return add_dev(f, dump, bus, true);
}

/* Shutdown: a device the pool quarantined stays in Xen's quarantine; the others come back. */
static void test_shutdown_keeps_pool_quarantine(void **state)
{
	struct fixture *f = *state;
	add(f, "cap-address-xlation.lspci#02:00.0", 2);
	struct pb_pool_dev *bad = add(f, "cap-address-xlation.lspci#02:00.0", 3);
	pool_quarantine(&f->pool, bad, "AER recovery failed");
	f->hyp.log[0] = '\0';
	xen_irq_give_back_pool(&f->hyp.hyp, &f->pool);
	assert_string_equal(f->hyp.log, "unquarantine 02:00.0;");
}

/*
 * A device with MSI-X joins the pool once the Xen provider serves it: Xen
 * takes its table before any guest is given the BAR (pcibackctl grants the
 * whole BAR as I/O memory at attach), not at the guest's first enable_msix.
 */
static void test_prepare_msix_when_added(void **state)
{
	struct fixture *f = *state;
	f->pool.irqp = &f->xirq.provider;
	add(f, "cap-address-xlation.lspci#02:00.0", 2);
	assert_string_equal(f->hyp.log, "prepare_msix 02:00.0;");
	/* The guest's first enable_msix maps without preparing again. */
	struct pb_guest *g = pool_guest(&f->pool, "dom9", true);
	struct pb_bdf v;
	char err[256];
	assert_int_equal(pool_assign(&f->pool, g, f->pool.devs[0], &v, err, sizeof(err)), 0);
	uint32_t pirq;
	assert_int_equal(f->xirq.provider.ops->map_msix(&f->xirq.provider, f->pool.devs[0]->dev.host, 9, 0, &pirq), 0);
	assert_string_equal(f->hyp.log, "prepare_msix 02:00.0;map 02:00.0;");
	/* A simulated device's table is not the hypervisor's business. */
	add_dev(f, "cap-address-xlation.lspci#02:00.0", 3, false);
	assert_string_equal(f->hyp.log, "prepare_msix 02:00.0;map 02:00.0;");
}

/* Devices seized before the Xen transport started are prepared when it starts; a refusal quarantines. */
static void test_prepare_at_transport_start(void **state)
{
	struct fixture *f = *state;
	add(f, "cap-address-xlation.lspci#02:00.0", 2);
	add(f, "cap-address-xlation.lspci#02:00.0", 3);
	add(f, "cap-debug-port.lspci", 4); /* a USB controller without MSI-X: nothing to prepare */
	assert_string_equal(f->hyp.log, "");
	f->hyp.prepare_rc = -ENXIO;
	pool_set_irq_provider(&f->pool, &f->xirq.provider);
	assert_string_equal(f->hyp.log, "prepare_msix 02:00.0;prepare_msix 03:00.0;");
	assert_true(f->pool.devs[0]->quarantined);
	assert_non_null(strstr(f->pool.devs[0]->reason, "MSI-X table"));
	struct pb_guest *g = pool_guest(&f->pool, "dom9", true);
	struct pb_bdf v;
	char err[256];
	assert_int_equal(pool_assign(&f->pool, g, f->pool.devs[1], &v, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "quarantined"));
	assert_false(f->pool.devs[2]->quarantined);
	/* Already prepared (-EBUSY) is fine. */
	f->hyp.prepare_rc = -EBUSY;
	add(f, "cap-address-xlation.lspci#02:00.0", 5);
	assert_false(f->pool.devs[3]->quarantined);
}

int main(int argc, char **argv)
{
	fixtures = argc > 1 ? argv[1] : "fixtures/lspci";
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_shutdown_keeps_pool_quarantine, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prepare_msix_when_added, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prepare_at_transport_start, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
