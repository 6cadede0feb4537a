/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A build without <linux/pci_regs.h> (a BSD) takes its register names from
 * src/proto/pci_regs_own.h: every one of them must have Linux's value and
 * the width of Linux's type, or that build would program devices wrongly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pci_regs_table.h"

static void own_values_are_linux_values(void **state)
{
	(void)state;
	assert_int_equal(pci_regs_own_count, pci_regs_linux_count);
	unsigned bad = 0;
	for (size_t i = 0; i < pci_regs_own_count; i++) {
		const struct pci_reg_const *o = &pci_regs_own[i], *l = &pci_regs_linux[i];
		assert_string_equal(o->name, l->name);
		if (o->value != l->value || o->size != l->size) {
			fprintf(stderr, "%s: own 0x%llx (%zu bytes), Linux 0x%llx (%zu bytes)\n", o->name, o->value,
				o->size, l->value, l->size);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void ext_cap_header_macros_agree(void **state)
{
	(void)state;
	const unsigned hdrs[] = { 0x00000000u, 0x14010001u, 0xfff2000du, 0x10000018u, 0xffffffffu };
	for (size_t i = 0; i < sizeof(hdrs) / sizeof(hdrs[0]); i++) {
		assert_int_equal(pci_regs_own_ext_id(hdrs[i]), pci_regs_linux_ext_id(hdrs[i]));
		assert_int_equal(pci_regs_own_ext_next(hdrs[i]), pci_regs_linux_ext_next(hdrs[i]));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(own_values_are_linux_values),
		cmocka_unit_test(ext_cap_header_macros_agree),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
