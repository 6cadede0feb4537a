/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcibackctl writes libxl's node layout with libxl's owners, and grants/revokes like libxl. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proto/xenbus_state.h"
#include "toolstack/pbctl_perm.h"
#include "toolstack/pbctl_xs.h"
#include "xenstore/xs_mem.h"

#define BE "/local/domain/0/backend/pci/5/0"
#define FE "/local/domain/5/device/pci/0"

static struct memxs_store *store;
static struct pb_xs *xs;
static const struct pbctl_target T = { 0, 5, "guest5" };

static int setup(void **state)
{
	store = memxs_store_new();
	xs = memxs_connect(store);
	return 0;
}

static int teardown(void **state)
{
	pb_xs_close(xs);
	memxs_store_free(store);
	return 0;
}

static const char *rd(const char *dir, const char *key)
{
	static char buf[256];
	char *v;
	if (pb_xs_read_key(xs, PB_XS_NO_TX, dir, key, &v))
		return "(missing)";
	snprintf(buf, sizeof(buf), "%s", v);
	free(v);
	return buf;
}

static const char *perms(const char *path)
{
	static char buf[64];
	struct pb_xs_perm p[8];
	unsigned n;
	if (xs->ops->get_perms(xs, PB_XS_NO_TX, path, p, 8, &n))
		return "(missing)";
	pb_xs_perms_format(p, n, buf, sizeof(buf));
	return buf;
}

static void add(const char *spec, int expect)
{
	struct pb_bdf a;
	struct pbctl_opts o;
	char err[256];
	bool hp;
	assert_int_equal(pbctl_parse_device(spec, &a, &o, err, sizeof(err)), 0);
	assert_int_equal(pbctl_attach_xs(xs, &T, &a, &o, &hp, err, sizeof(err)), expect);
}

static void test_parse(void **state)
{
	struct pb_bdf a;
	struct pbctl_opts o;
	char err[256];
	assert_int_equal(pbctl_parse_device("0000:03:00.1,permissive=1,rdm_policy=relaxed", &a, &o, err, sizeof(err)), 0);
	assert_int_equal(a.bus, 3);
	assert_int_equal(a.devfn, PB_DEVFN(0, 1));
	assert_int_equal(o.permissive, 1);
	assert_string_equal(o.rdm_policy, "relaxed");
	assert_int_equal(pbctl_parse_device("03:00.0,permissive=2", &a, &o, err, sizeof(err)), -1);
	assert_int_equal(pbctl_parse_device("03:00.0,bogus=1", &a, &o, err, sizeof(err)), -1);
	assert_int_equal(pbctl_parse_device("03:00.0,permissive", &a, &o, err, sizeof(err)), -1);
	assert_int_equal(pbctl_parse_device("zz", &a, &o, err, sizeof(err)), -1);
}

static void test_first_attach_layout(void **state)
{
	add("0000:03:00.1,permissive=1", 0);
	/* Owners and readers exactly as libxl (and the xen-lab's hand-written nodes). */
	assert_string_equal(perms(BE), "n0 r5");
	assert_string_equal(perms(FE), "n5 r0");
	assert_string_equal(perms(BE "/dev-0"), "n0 r5");
	assert_string_equal(perms(FE "/state"), "n5 r0");
	assert_string_equal(rd(FE, "backend"), BE);
	assert_string_equal(rd(FE, "backend-id"), "0");
	assert_string_equal(rd(FE, "state"), "1");
	assert_string_equal(rd(BE, "frontend"), FE);
	assert_string_equal(rd(BE, "frontend-id"), "5");
	assert_string_equal(rd(BE, "online"), "1");
	assert_string_equal(rd(BE, "state"), "1");
	assert_string_equal(rd(BE, "domain"), "guest5");
	assert_string_equal(rd(BE, "key-0"), "0000:03:00.1");
	assert_string_equal(rd(BE, "dev-0"), "0000:03:00.1");
	assert_string_equal(rd(BE, "opts-0"), "msitranslate=0,power_mgmt=0,permissive=1,rdm_policy=strict");
	assert_string_equal(rd(BE, "state-0"), "1");
	assert_string_equal(rd(BE, "num_devs"), "1");
	/* The same device twice is refused. */
	add("03:00.1", -EEXIST);
}

static void test_hotplug_add_waits_for_connected(void **state)
{
	add("03:00.0", 0);
	pb_xs_write(xs, PB_XS_NO_TX, BE "/state", "3");
	add("04:00.0", 0); /* not connected yet: appended, no reconfigure */
	assert_string_equal(rd(BE, "state"), "3");
	assert_string_equal(rd(BE, "dev-1"), "0000:04:00.0");
	pb_xs_write(xs, PB_XS_NO_TX, BE "/state", "7");
	add("05:00.0", -EAGAIN); /* a reconfigure is in progress */
	pb_xs_write(xs, PB_XS_NO_TX, BE "/state", "4");
	add("05:00.0", 0);
	assert_string_equal(rd(BE, "state"), "7");
	assert_string_equal(rd(BE, "state-2"), "1");
	assert_string_equal(rd(BE, "num_devs"), "3");
}

static void test_detach_renumbers(void **state)
{
	add("03:00.0", 0);
	add("04:00.0", 0);
	add("05:00.0", 0);
	pb_xs_write(xs, PB_XS_NO_TX, BE "/vdev-0", "0000:00:00.00");
	pb_xs_write(xs, PB_XS_NO_TX, BE "/vdev-1", "0000:00:01.00");
	pb_xs_write(xs, PB_XS_NO_TX, BE "/vdev-2", "0000:00:02.00");
	pb_xs_write(xs, PB_XS_NO_TX, BE "/state", "4");
	struct pb_bdf a;
	struct pbctl_opts o;
	char err[256];
	enum pbctl_detach_wait w;
	pbctl_parse_device("04:00.0", &a, &o, err, sizeof(err));
	assert_int_equal(pbctl_detach_begin(xs, &T, &a, &w, err, sizeof(err)), 0);
	assert_int_equal(w, PBCTL_WAIT_CONNECTED);
	assert_string_equal(rd(BE, "state-1"), "5");
	assert_string_equal(rd(BE, "state"), "7");
	assert_int_equal(pbctl_detach_begin(xs, &T, &a, &w, err, sizeof(err)), -EAGAIN);
	pb_xs_write(xs, PB_XS_NO_TX, BE "/state", "4");
	assert_int_equal(pbctl_detach_finish(xs, &T, &a, w, err, sizeof(err)), 0);
	assert_string_equal(rd(BE, "num_devs"), "2");
	assert_string_equal(rd(BE, "dev-0"), "0000:03:00.0");
	assert_string_equal(rd(BE, "dev-1"), "0000:05:00.0");
	assert_string_equal(rd(BE, "key-1"), "0000:05:00.0");
	assert_string_equal(rd(BE, "vdev-1"), "0000:00:02.00");
	assert_string_equal(rd(BE, "state-1"), "1");
	assert_string_equal(rd(BE, "dev-2"), "(missing)");
	assert_string_equal(rd(BE, "opts-2"), "(missing)");
	assert_string_equal(rd(BE, "vdev-2"), "(missing)");
	/* Not attached. */
	assert_int_equal(pbctl_detach_begin(xs, &T, &a, &w, err, sizeof(err)), -ENOENT);
}

static void test_detach_last_destroys(void **state)
{
	add("03:00.0", 0);
	pb_xs_write(xs, PB_XS_NO_TX, BE "/state", "4");
	struct pb_bdf a;
	struct pbctl_opts o;
	char err[256];
	enum pbctl_detach_wait w;
	pbctl_parse_device("03:00.0", &a, &o, err, sizeof(err));
	assert_int_equal(pbctl_detach_begin(xs, &T, &a, &w, err, sizeof(err)), 0);
	assert_int_equal(w, PBCTL_WAIT_CLOSED);
	assert_string_equal(rd(BE, "online"), "0");
	assert_string_equal(rd(BE, "state"), "5");
	assert_int_equal(pbctl_detach_finish(xs, &T, &a, w, err, sizeof(err)), 0);
	assert_string_equal(rd(BE, "state"), "(missing)");
	assert_string_equal(rd(FE, "state"), "(missing)");
	/* A fresh attach afterwards starts from scratch. */
	add("03:00.0", 0);
	assert_string_equal(rd(BE, "state"), "1");
}

static void test_transaction_conflicts_are_retried(void **state)
{
	memxs_fail_next_commits(store, 3);
	add("03:00.0", 0);
	assert_string_equal(rd(BE, "num_devs"), "1");
}

/* ---- hypervisor permissions ---- */

struct fake_hyp {
	struct pbctl_hyp h;
	char log[2048];
	const char *fail; /* first word of the call to fail */
};

static int rec(struct pbctl_hyp *h, const char *fmt, ...)
{
	struct fake_hyp *f = (struct fake_hyp *)h;
	char line[128];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (f->fail && !strncmp(line, f->fail, strlen(f->fail)))
		return -EPERM;
	size_t l = strlen(f->log);
	snprintf(f->log + l, sizeof(f->log) - l, "%s;", line);
	return 0;
}

static int h_ioport(struct pbctl_hyp *h, uint32_t d, uint32_t first, uint32_t nr, bool allow)
{
	return rec(h, "ioport %u 0x%x %u %d", d, first, nr, allow);
}
static int h_iomem(struct pbctl_hyp *h, uint32_t d, uint64_t mfn, uint64_t nr, bool allow)
{
	return rec(h, "iomem %u 0x%llx %llu %d", d, (unsigned long long)mfn, (unsigned long long)nr, allow);
}
static int h_map(struct pbctl_hyp *h, uint32_t d, int irq, int *pirq)
{
	*pirq = irq;
	return rec(h, "map_pirq %u %d", d, irq);
}
static int h_unmap(struct pbctl_hyp *h, uint32_t d, int pirq)
{
	return rec(h, "unmap_pirq %u %d", d, pirq);
}
static int h_irq(struct pbctl_hyp *h, uint32_t d, int pirq, bool allow)
{
	return rec(h, "irq %u %d %d", d, pirq, allow);
}
static int h_assign(struct pbctl_hyp *h, uint32_t d, uint32_t sbdf, bool relaxed)
{
	return rec(h, "assign %u 0x%x %d", d, sbdf, relaxed);
}
static int h_deassign(struct pbctl_hyp *h, uint32_t d, uint32_t sbdf)
{
	return rec(h, "deassign %u 0x%x", d, sbdf);
}
static int h_prepare(struct pbctl_hyp *h, uint32_t sbdf)
{
	return rec(h, "prepare_msix 0x%x", sbdf);
}
static const struct pbctl_hyp_ops hops = { h_ioport, h_iomem, h_map, h_unmap, h_irq, h_assign, h_deassign, h_prepare };

static char sysroot[64];

/* The config header: a capability list with a power-management capability, then MSI-X or not. */
static void write_config(bool msix)
{
	char path[256];
	uint8_t cfg[256] = { 0 };
	cfg[0x06] = 0x10;
	cfg[0x34] = 0x40;
	cfg[0x40] = 0x01;
	cfg[0x41] = msix ? 0x50 : 0x00;
	cfg[0x50] = 0x11;
	snprintf(path, sizeof(path), "%s/bus/pci/devices/0000:03:00.0/config", sysroot);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(cfg, 1, sizeof(cfg), f), sizeof(cfg));
	fclose(f);
}

static void make_sysfs(void)
{
	char path[256];
	snprintf(sysroot, sizeof(sysroot), "/tmp/pbctl-sysfs-XXXXXX");
	assert_non_null(mkdtemp(sysroot));
	snprintf(path, sizeof(path), "mkdir -p %s/bus/pci/devices/0000:03:00.0", sysroot);
	assert_int_equal(system(path), 0);
	snprintf(path, sizeof(path), "%s/bus/pci/devices/0000:03:00.0/resource", sysroot);
	FILE *f = fopen(path, "w");
	/* BAR0 memory 16 KiB + 1 byte over a page boundary, BAR2 I/O, ROM; the rest empty. */
	fprintf(f, "0x00000000fe000000 0x00000000fe004000 0x0000000000040200\n");
	fprintf(f, "0x0000000000000000 0x0000000000000000 0x0000000000000000\n");
	fprintf(f, "0x000000000000c000 0x000000000000c01f 0x0000000000040101\n");
	fprintf(f, "0x0000000000000000 0x0000000000000000 0x0000000000000000\n");
	fprintf(f, "0x0000000000000000 0x0000000000000000 0x0000000000000000\n");
	fprintf(f, "0x0000000000000000 0x0000000000000000 0x0000000000000000\n");
	fprintf(f, "0x00000000fe100000 0x00000000fe13ffff 0x0000000000046200\n");
	fclose(f);
	snprintf(path, sizeof(path), "%s/bus/pci/devices/0000:03:00.0/irq", sysroot);
	f = fopen(path, "w");
	fprintf(f, "11\n");
	fclose(f);
	write_config(true);
}

static void rm_sysfs(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", sysroot);
	assert_int_equal(system(cmd), 0);
}

static void test_grant_and_revoke(void **state)
{
	make_sysfs();
	struct pb_bdf a = { 0, 3, PB_DEVFN(0, 0) };
	struct pbctl_devres r;
	char err[256];
	assert_int_equal(pbctl_read_devres(sysroot, &a, &r, err, sizeof(err)), 0);
	struct fake_hyp f = { .h = { &hops } };
	assert_int_equal(pbctl_grant(&f.h, 5, &a, &r, false, err, sizeof(err)), 0);
	assert_string_equal(f.log, "prepare_msix 0x300;iomem 5 0xfe000 5 1;ioport 5 0xc000 32 1;iomem 5 0xfe100 64 1;"
				   "map_pirq 5 11;irq 5 11 1;assign 5 0x300 0;");
	f.log[0] = '\0';
	assert_int_equal(pbctl_revoke(&f.h, 5, &a, &r), 0);
	assert_string_equal(f.log, "deassign 5 0x300;irq 5 11 0;unmap_pirq 5 11;iomem 5 0xfe100 64 0;"
				   "ioport 5 0xc000 32 0;iomem 5 0xfe000 5 0;");
	/* A failure half-way revokes what was granted. */
	struct fake_hyp g = { .h = { &hops }, .fail = "irq 5 11 1" };
	assert_int_equal(pbctl_grant(&g.h, 5, &a, &r, false, err, sizeof(err)), -1);
	assert_string_equal(g.log, "prepare_msix 0x300;iomem 5 0xfe000 5 1;ioport 5 0xc000 32 1;iomem 5 0xfe100 64 1;"
				   "map_pirq 5 11;unmap_pirq 5 11;iomem 5 0xfe100 64 0;ioport 5 0xc000 32 0;iomem 5 0xfe000 5 0;");
	assert_non_null(strstr(err, "IRQ"));
	/* Xen refusing to take the MSI-X table: nothing is granted. */
	struct fake_hyp p = { .h = { &hops }, .fail = "prepare_msix" };
	assert_int_equal(pbctl_grant(&p.h, 5, &a, &r, false, err, sizeof(err)), -1);
	assert_string_equal(p.log, "");
	assert_non_null(strstr(err, "MSI-X"));
	/* Without MSI-X, Xen is not asked (4.17 panics on a NULL pointer when it is). */
	write_config(false);
	assert_int_equal(pbctl_read_devres(sysroot, &a, &r, err, sizeof(err)), 0);
	struct fake_hyp n = { .h = { &hops } };
	assert_int_equal(pbctl_grant(&n.h, 5, &a, &r, false, err, sizeof(err)), 0);
	assert_null(strstr(n.log, "prepare_msix"));
	/* Missing device. */
	struct pb_bdf b = { 0, 9, 0 };
	assert_int_equal(pbctl_read_devres(sysroot, &b, &r, err, sizeof(err)), -1);
	rm_sysfs();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test_setup_teardown(test_first_attach_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hotplug_add_waits_for_connected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detach_renumbers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detach_last_destroys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transaction_conflicts_are_retried, setup, teardown),
		cmocka_unit_test(test_grant_and_revoke),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
