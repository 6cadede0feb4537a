/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The xen-pciback `hide=` grammar: a sequence of parenthesised groups
 * (DDDD:BB:SS.F), (DDDD:BB:SS.*), (DDDD:BB:*.*) or the same without the
 * domain (domain 0), hex numbers, whitespace allowed around and between the
 * groups.  A device matches when it, or any bridge above it, matches a group.
 */
#ifndef PCIBACKD_OWNERSHIP_HIDE_H
#define PCIBACKD_OWNERSHIP_HIDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/bdf.h"
#include "host/host_options.h"

#define HIDE_ANY (-1)

struct hide_id {
	uint16_t domain;
	uint8_t bus;
	int8_t slot;   /* 0..0x1f or HIDE_ANY */
	int8_t func;   /* 0..7 or HIDE_ANY */
};

struct hide_list {
	struct hide_id *ids;
	size_t count;
};

/*
 * Parses the whole string into out (duplicates dropped).  Returns 0, or -1
 * with a message naming the offending group ("group 2 \"(0000:100:00.0)\":
 * bus 100 out of range (at most ff)"); out is then empty.
 */
int hide_parse(const char *s, struct hide_list *out, char *err, size_t errlen);
void hide_free(struct hide_list *l);

/* The address itself matches a group. */
bool hide_match_addr(const struct hide_list *l, const struct pb_bdf *addr);

/*
 * The device or a bridge above it matches: the chain comes from the
 * device's sysfs directory (its resolved path names every bridge above it).
 * Without sysfs only the address itself is matched.
 */
bool hide_match_device(const struct hide_list *l, const struct host_options *opt, const struct pb_bdf *addr);

/*
 * Every device under <sysfs>/devices that matches and may be given to a
 * guest (no bridges: class 0x06), in directory order.  Returns the number
 * found (at most max are stored), or -1 with a message.
 */
int hide_find_devices(const struct hide_list *l, const struct host_options *opt, struct pb_bdf *out, size_t max,
		      char *err, size_t errlen);

#endif
