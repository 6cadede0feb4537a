/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Guest topology: vpci slot packing and passthrough roots, as xen-pciback does them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "host/simdev.h"
#include "one_guest.h"
#include "topology/topology.h"

static const char *fixtures;

static struct hostdev *load(const char *name) { return test_load(fixtures, name); }

/* A fake endpoint at a chosen address (class 0x020000). */
static struct hostdev fake(uint8_t bus, uint8_t slot, uint8_t fn)
{
	struct hostdev h = { 0 };
	h.addr = (struct pb_bdf){ 0, bus, PB_DEVFN(slot, fn) };
	h.class_code = 0x020000;
	return h;
}

static void test_vpci_keeps_functions_together(void **state)
{
	(void)state;
	struct topology t;
	topo_init(&t, TOPO_VPCI);
	struct hostdev a0 = fake(3, 0, 0), b = fake(5, 2, 0), a1 = fake(3, 0, 1), a3 = fake(3, 0, 3);
	struct pb_bdf v;
	char err[200];
	assert_int_equal(topo_add(&t, &a0, &a0, &v, err, sizeof(err)), 0);
	assert_int_equal(v.devfn, PB_DEVFN(0, 0));
	assert_int_equal(topo_add(&t, &b, &b, &v, err, sizeof(err)), 0);
	assert_int_equal(v.devfn, PB_DEVFN(1, 0));
	assert_int_equal(topo_add(&t, &a3, &a3, &v, err, sizeof(err)), 0);
	assert_int_equal(v.devfn, PB_DEVFN(0, 3)); /* joins slot 0, keeps function 3 */
	assert_int_equal(topo_add(&t, &a1, &a1, &v, err, sizeof(err)), 0);
	assert_int_equal(v.devfn, PB_DEVFN(0, 1));
	assert_int_equal(v.domain, 0);
	assert_int_equal(v.bus, 0);
	assert_ptr_equal(topo_get(&t, 0, 0, PB_DEVFN(0, 3))->priv, &a3);
	assert_null(topo_get(&t, 0, 0, PB_DEVFN(0, 2)));
	/* No aliasing: devfn 0x100 is not devfn 0, bus 0x100 is not bus 0. */
	assert_null(topo_get(&t, 0, 0, 0x100));
	assert_null(topo_get(&t, 0, 0x100, 0));
	assert_null(topo_get(&t, 0x10000, 0, 0));
	struct topo_root r[4];
	assert_int_equal(topo_roots(&t, r, 4), 1);
	assert_int_equal(r[0].domain, 0);
	assert_int_equal(r[0].bus, 0);
	/* Removing frees the slot for reuse. */
	assert_int_equal(topo_remove(&t, &b), 0);
	assert_int_equal(topo_remove(&t, &b), -1);
	struct hostdev c = fake(7, 1, 0);
	assert_int_equal(topo_add(&t, &c, &c, &v, err, sizeof(err)), 0);
	assert_int_equal(v.devfn, PB_DEVFN(1, 0));
}

static void test_vpci_refuses_bridges_and_full_bus(void **state)
{
	(void)state;
	struct topology t;
	topo_init(&t, TOPO_VPCI);
	char err[200];
	struct hostdev *bridge = load("cap-pcie-1.lspci#00:01.0");
	assert_int_equal(topo_add(&t, bridge, bridge, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "bridges"));
	hostdev_destroy(bridge);
	static struct hostdev devs[33];
	for (int i = 0; i < 32; i++) {
		devs[i] = fake(1, (uint8_t)i, 0);
		assert_int_equal(topo_add(&t, &devs[i], &devs[i], NULL, err, sizeof(err)), 0);
	}
	devs[32] = fake(2, 0, 0);
	assert_int_equal(topo_add(&t, &devs[32], &devs[32], NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no free slot"));
	assert_int_equal(t.count, 32);
	/* Another function of a present slot still fits. */
	struct hostdev f = fake(1, 4, 2);
	assert_int_equal(topo_add(&t, &f, &f, NULL, err, sizeof(err)), 0);
}

static void test_vpci_vf_at_function0_alone(void **state)
{
	(void)state;
	struct topology t;
	topo_init(&t, TOPO_VPCI);
	struct hostdev pf = fake(3, 0, 0), vf0 = fake(3, 1, 0), vf1 = fake(3, 1, 1);
	vf0.physfn = &pf;
	vf1.physfn = &pf;
	struct pb_bdf v;
	char err[200];
	assert_int_equal(topo_add(&t, &vf0, &vf0, &v, err, sizeof(err)), 0);
	assert_int_equal(v.devfn, PB_DEVFN(0, 0));
	assert_int_equal(topo_add(&t, &vf1, &vf1, &v, err, sizeof(err)), 0);
	assert_int_equal(v.devfn, PB_DEVFN(1, 1)); /* does not join the VF-at-0 slot */
}

static void test_passthrough_roots(void **state)
{
	(void)state;
	struct topology t;
	topo_init(&t, TOPO_PASSTHROUGH);
	char err[200];
	struct pb_bdf v;
	/* A root port (bus 0, secondary 1) and devices on bus 1 (behind it) and bus 5. */
	struct hostdev *rp = load("cap-pcie-1.lspci#00:01.0");
	struct hostdev d1 = fake(1, 0, 0), d5 = fake(5, 0, 0), d5b = fake(5, 1, 0);
	assert_int_equal(topo_add(&t, &d1, &d1, &v, err, sizeof(err)), 0);
	assert_int_equal(v.bus, 1);
	assert_int_equal(topo_add(&t, &d5, &d5, &v, err, sizeof(err)), 0);
	assert_int_equal(topo_add(&t, &d5b, &d5b, &v, err, sizeof(err)), 0);
	assert_int_equal(v.bus, 5);
	assert_int_equal(v.devfn, PB_DEVFN(1, 0));
	struct topo_root r[8];
	assert_int_equal(topo_roots(&t, r, 8), 2);
	assert_int_equal(r[0].bus, 1);
	assert_int_equal(r[1].bus, 5);
	/* Exporting the bridge above bus 1 makes bus 0 the root instead of bus 1. */
	assert_int_equal(topo_add(&t, rp, rp, &v, err, sizeof(err)), 0);
	assert_int_equal(topo_roots(&t, r, 8), 2);
	assert_int_equal(r[0].bus, 5);
	assert_int_equal(r[1].bus, 0);
	/* Same address twice is refused. */
	struct hostdev dup = fake(5, 0, 0);
	assert_int_equal(topo_add(&t, &dup, &dup, &v, err, sizeof(err)), -1);
	hostdev_destroy(rp);
}

static void test_mode_names(void **state)
{
	(void)state;
	enum topo_mode m;
	assert_int_equal(topo_parse_mode("vpci", &m), 0);
	assert_int_equal(m, TOPO_VPCI);
	assert_int_equal(topo_parse_mode("passthrough", &m), 0);
	assert_int_equal(m, TOPO_PASSTHROUGH);
	assert_int_equal(topo_parse_mode("flat", &m), -1);
}

int main(int argc, char **argv)
{
	fixtures = argc > 1 ? argv[1] : "fixtures/lspci";
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vpci_keeps_functions_together),
		cmocka_unit_test(test_vpci_refuses_bridges_and_full_bus),
		cmocka_unit_test(test_vpci_vf_at_function0_alone),
		cmocka_unit_test(test_passthrough_roots),
		cmocka_unit_test(test_mode_names),
	};
	return cmocka_run_group_tests_name("topology", tests, NULL, NULL);
}
