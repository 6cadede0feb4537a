/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The lspci dump loader (and a simulated device built from each result) on arbitrary text. */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/log.h"
#include "host/lspci_dump.h"
#include "host/simdev.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	if (fd < 0) {
		fd = memfd_create("dump", 0);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		return 0;
	struct lspci_dump d;
	char err[300];
	if (lspci_dump_load(path, &d, err, sizeof(err)) == 0) {
		for (size_t i = 0; i < d.count; i++) {
			struct hostdev *hd = simdev_from_dump(&d.devs[i], "fuzz");
			if (!hd)
				continue;
			/* Size every BAR and walk the capabilities: nothing may run off the space. */
			for (unsigned off = 0x10; off < 0x40; off += 4) {
				uint32_t v;
				hostdev_write(hd, off, 4, 0xffffffff);
				hostdev_read(hd, off, 4, &v);
			}
			hostdev_find_cap(hd, 0x11);
			hostdev_find_ext_cap(hd, 0x0001);
			hostdev_quiesce(hd);
			hostdev_destroy(hd);
		}
		lspci_dump_free(&d);
	}
	return 0;
}
