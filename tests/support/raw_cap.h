/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The offset of a standard capability in raw config bytes (0: none), walked
 * with a TTL the way Linux's pci_find_capability does.  Tests and fuzzers use
 * it to judge the engine against the device's own bytes, independently of the
 * engine's capability handling.
 */
#ifndef PCIBACKD_TESTS_SUPPORT_RAW_CAP_H
#define PCIBACKD_TESTS_SUPPORT_RAW_CAP_H

#include <stdint.h>

static inline unsigned raw_cap_find(const uint8_t *cfg, uint8_t id)
{
	if (!(cfg[0x06] & 0x10))
		return 0;
	unsigned pos = cfg[0x34] & 0xfc;
	for (int ttl = 48; ttl-- && pos >= 0x40;) {
		if (cfg[pos] == id)
			return pos;
		pos = cfg[pos + 1] & 0xfc;
	}
	return 0;
}

#endif
