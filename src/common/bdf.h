/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PCI addresses: parsing and formatting "DDDD:BB:DD.F" and "BB:DD.F". */
#ifndef PCIBACKD_COMMON_BDF_H
#define PCIBACKD_COMMON_BDF_H

#include <stdbool.h>
#include <stdint.h>

struct pb_bdf {
	uint16_t domain;
	uint8_t bus;
	uint8_t devfn;
};

#define PB_DEVFN(slot, fn) ((uint8_t)((((slot) & 0x1f) << 3) | ((fn) & 0x07)))
#define PB_SLOT(devfn) (((devfn) >> 3) & 0x1f)
#define PB_FUNC(devfn) ((devfn) & 0x07)

/*
 * Parses a whole string "DDDD:BB:DD.F" or "BB:DD.F" (hex; domain 0 when
 * absent).  Returns 0, or -1 with a message in err naming the problem.
 */
int pb_bdf_parse(const char *s, struct pb_bdf *out, char *err, unsigned errlen);

/* "dddd:bb:dd.f"; buf must hold PB_BDF_STRLEN bytes. */
#define PB_BDF_STRLEN 16
char *pb_bdf_format(const struct pb_bdf *bdf, char *buf);

bool pb_bdf_equal(const struct pb_bdf *a, const struct pb_bdf *b);

#endif
