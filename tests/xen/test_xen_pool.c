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

static const char *fixtures;

struct fake_hyp {
	struct xen_irq_hyp hyp;
	char log[1024]; /* "call BB:DD.F;" in order */
	int prepare_rc;
	int next_pirq;
};

static void rec(struct fake_hyp *f, const char *call, const struct pb_bdf *dev)
{
	size_t l = strlen(f->log);
	snprintf(f->log + l, sizeof(f->log) - l, "%s %02x:%02x.%u;", call, dev->bus, dev->devfn >> 3,
		 dev->devfn & 7u);
}

static int f_map(struct xen_irq_hyp *h, uint32_t domid, const struct pb_bdf *dev, unsigned entry, uint64_t table,
		 int *pirq)
{
	struct fake_hyp *f = (struct fake_hyp *)h;
	(void)domid, (void)entry, (void)table;
	rec(f, "map", dev);
	*pirq = f->next_pirq++;
	return 0;
}

static int f_unmap(struct xen_irq_hyp *h, uint32_t domid, int pirq)
{
	(void)h, (void)domid, (void)pirq;
	return 0;
}

static int f_prepare(struct xen_irq_hyp *h, const struct pb_bdf *dev)
{
	struct fake_hyp *f = (struct fake_hyp *)h;
	rec(f, "prepare_msix", dev);
	return f->prepare_rc;
}

static int f_unquarantine(struct xen_irq_hyp *h, const struct pb_bdf *dev)
{
	rec((struct fake_hyp *)h, "unquarantine", dev);
	return 0;
}

static const struct xen_irq_hyp_ops fops = {
	.map = f_map, .unmap = f_unmap, .prepare_msix = f_prepare, .unquarantine = f_unquarantine,
};

struct fixture {
	struct fake_hyp hyp;
	struct xen_irq xirq;
	struct pb_pool pool;
};

static int setup(void **state)
{
	static struct fixture f;
	memset(&f, 0, sizeof(f));
	f.hyp.hyp.ops = &fops;
	f.hyp.next_pirq = 100;
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
