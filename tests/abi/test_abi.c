/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Our protocol header against Xen's own public io/pciif.h (Debian's
 * libxen-dev): every constant, size and offset must be equal.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <xen/io/pciif.h>

#include "proto/pciif.h"

static void test_constants(void **state)
{
	(void)state;
	assert_string_equal(PCIIF_MAGIC, XEN_PCI_MAGIC);
	assert_int_equal(PCIIF_FLAG_BIT_F_ACTIVE, _XEN_PCIF_active);
	assert_int_equal(PCIIF_FLAG_BIT_B_AERHANDLER, _XEN_PCIB_AERHANDLER);
	assert_int_equal(PCIIF_FLAG_BIT_B_ACTIVE, _XEN_PCIB_active);
	assert_int_equal(PCIIF_FLAG_F_ACTIVE, XEN_PCIF_active);
	assert_int_equal(PCIIF_FLAG_B_AERHANDLER, XEN_PCIB_AERHANDLER);
	assert_int_equal(PCIIF_FLAG_B_ACTIVE, XEN_PCIB_active);
	assert_int_equal(PCIIF_OP_CONF_READ, XEN_PCI_OP_conf_read);
	assert_int_equal(PCIIF_OP_CONF_WRITE, XEN_PCI_OP_conf_write);
	assert_int_equal(PCIIF_OP_ENABLE_MSI, XEN_PCI_OP_enable_msi);
	assert_int_equal(PCIIF_OP_DISABLE_MSI, XEN_PCI_OP_disable_msi);
	assert_int_equal(PCIIF_OP_ENABLE_MSIX, XEN_PCI_OP_enable_msix);
	assert_int_equal(PCIIF_OP_DISABLE_MSIX, XEN_PCI_OP_disable_msix);
	assert_int_equal(PCIIF_OP_AER_DETECTED, XEN_PCI_OP_aer_detected);
	assert_int_equal(PCIIF_OP_AER_RESUME, XEN_PCI_OP_aer_resume);
	assert_int_equal(PCIIF_OP_AER_MMIO, XEN_PCI_OP_aer_mmio);
	assert_int_equal(PCIIF_OP_AER_SLOTRESET, XEN_PCI_OP_aer_slotreset);
	assert_int_equal(PCIIF_OP_ENABLE_MULTI_MSI, XEN_PCI_OP_enable_multi_msi);
	assert_int_equal(PCIIF_ERR_SUCCESS, XEN_PCI_ERR_success);
	assert_int_equal(PCIIF_ERR_DEV_NOT_FOUND, XEN_PCI_ERR_dev_not_found);
	assert_int_equal(PCIIF_ERR_INVALID_OFFSET, XEN_PCI_ERR_invalid_offset);
	assert_int_equal(PCIIF_ERR_ACCESS_DENIED, XEN_PCI_ERR_access_denied);
	assert_int_equal(PCIIF_ERR_NOT_IMPLEMENTED, XEN_PCI_ERR_not_implemented);
	assert_int_equal(PCIIF_ERR_OP_FAILED, XEN_PCI_ERR_op_failed);
	assert_int_equal(PCIIF_MAX_VEC, SH_INFO_MAX_VEC);
}

#define SAME_FIELD(ours, theirs, field)                                                        \
	do {                                                                                   \
		assert_int_equal(offsetof(ours, field), offsetof(theirs, field));              \
		assert_int_equal(sizeof(((ours *)0)->field), sizeof(((theirs *)0)->field));    \
	} while (0)

static void test_layouts(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct pciif_msix_entry), sizeof(struct xen_msix_entry));
	assert_int_equal(sizeof(struct pciif_msix_entry), 4);
	SAME_FIELD(struct pciif_msix_entry, struct xen_msix_entry, vector);
	SAME_FIELD(struct pciif_msix_entry, struct xen_msix_entry, entry);

	assert_int_equal(sizeof(struct pciif_op), sizeof(struct xen_pci_op));
	assert_int_equal(sizeof(struct pciif_op), 548);
	SAME_FIELD(struct pciif_op, struct xen_pci_op, cmd);
	SAME_FIELD(struct pciif_op, struct xen_pci_op, err);
	SAME_FIELD(struct pciif_op, struct xen_pci_op, domain);
	SAME_FIELD(struct pciif_op, struct xen_pci_op, bus);
	SAME_FIELD(struct pciif_op, struct xen_pci_op, devfn);
	SAME_FIELD(struct pciif_op, struct xen_pci_op, offset);
	SAME_FIELD(struct pciif_op, struct xen_pci_op, size);
	SAME_FIELD(struct pciif_op, struct xen_pci_op, value);
	SAME_FIELD(struct pciif_op, struct xen_pci_op, info);
	SAME_FIELD(struct pciif_op, struct xen_pci_op, msix_entries);

	assert_int_equal(sizeof(struct pciif_aer_op), sizeof(struct xen_pcie_aer_op));
	assert_int_equal(sizeof(struct pciif_aer_op), 20);
	SAME_FIELD(struct pciif_aer_op, struct xen_pcie_aer_op, cmd);
	SAME_FIELD(struct pciif_aer_op, struct xen_pcie_aer_op, err);
	SAME_FIELD(struct pciif_aer_op, struct xen_pcie_aer_op, domain);
	SAME_FIELD(struct pciif_aer_op, struct xen_pcie_aer_op, bus);
	SAME_FIELD(struct pciif_aer_op, struct xen_pcie_aer_op, devfn);

	assert_int_equal(sizeof(struct pciif_sharedinfo), sizeof(struct xen_pci_sharedinfo));
	assert_int_equal(sizeof(struct pciif_sharedinfo), 572);
	SAME_FIELD(struct pciif_sharedinfo, struct xen_pci_sharedinfo, flags);
	SAME_FIELD(struct pciif_sharedinfo, struct xen_pci_sharedinfo, op);
	SAME_FIELD(struct pciif_sharedinfo, struct xen_pci_sharedinfo, aer_op);
	/* Absolute offsets of Xen's io/pciif.h layout on x86_64. */
	assert_int_equal(offsetof(struct pciif_sharedinfo, op.value), 32);
	assert_int_equal(offsetof(struct pciif_sharedinfo, op.msix_entries), 40);
	assert_int_equal(offsetof(struct pciif_sharedinfo, aer_op), 552);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(pciif_cmd_name(PCIIF_OP_ENABLE_MSIX), "enable_msix");
	assert_string_equal(pciif_cmd_name(99), "unknown");
	assert_string_equal(pciif_err_name(PCIIF_ERR_ACCESS_DENIED), "access_denied");
	assert_null(pciif_err_name(-22));
	assert_null(pciif_err_name(1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_constants),
		cmocka_unit_test(test_layouts),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests_name("abi", tests, NULL, NULL);
}
