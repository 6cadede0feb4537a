/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Detecting Linux's xen-pciback (its backend driver or its module) in sysfs, so the Xen transport can
 * refuse to start beside it.
 */
#include "kernel_pciback.h"

#include <stdio.h>
#include <string.h>

#include "host/sysfs_attr.h"

bool kernel_pciback_present(const struct host_options *o, char *found, size_t len)
{
	static const char *const signs[] = { "bus/xen-backend/drivers/pciback", "module/xen_pciback/initstate" };
	/* <sysfs>: the PCI bus directory without its "/bus/pci", else that directory's "../..". */
	const char *bus = host_opt_sysfs(o);
	size_t n = strlen(bus);
	while (n > 1 && bus[n - 1] == '/')
		n--;
	bool plain = n >= 8 && !strncmp(bus + n - 8, "/bus/pci", 8);
	int rootlen = (int)(plain ? n - 8 : n);
	for (size_t i = 0; i < sizeof(signs) / sizeof(signs[0]); i++) {
		int w = snprintf(found, len, "%.*s/%s%s", rootlen, bus, plain ? "" : "../../", signs[i]);
		if (w > 0 && (size_t)w < len && sysfs_exists(found))
			return true;
	}
	return false;
}
