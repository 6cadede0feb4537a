/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Guest-visible topology of one guest's devices.
 *  vpci (default): one virtual bus 0000:00; the functions of one physical
 *    slot share a virtual slot and keep their function numbers; bridges are
 *    refused; 32 slots at most.  An SR-IOV VF at function 0 gets a slot alone.
 *  passthrough: real addresses; every root bus (a bus no exported bridge
 *    leads to) is published.
 */
#ifndef PCIBACKD_TOPOLOGY_TOPOLOGY_H
#define PCIBACKD_TOPOLOGY_TOPOLOGY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/bdf.h"
#include "host/hostdev.h"

enum topo_mode { TOPO_VPCI = 0, TOPO_PASSTHROUGH = 1 };

#define TOPO_MAX_DEVS 256
#define TOPO_VPCI_SLOTS 32

struct topo_entry {
	struct pb_bdf vaddr;         /* what the guest sees */
	struct hostdev *host;
	void *priv;                  /* the owner's per-device object */
};

struct topo_root {
	uint16_t domain;
	uint8_t bus;
};

struct topology {
	enum topo_mode mode;
	size_t count;
	struct topo_entry e[TOPO_MAX_DEVS];
};

void topo_init(struct topology *t, enum topo_mode mode);
int topo_parse_mode(const char *s, enum topo_mode *mode);
const char *topo_mode_name(enum topo_mode mode);

/* Places hd; returns 0 with its guest address, or -1 with a message. */
int topo_add(struct topology *t, struct hostdev *hd, void *priv, struct pb_bdf *vaddr, char *err, size_t errlen);
/* Removes the entry of priv; -1 if absent. */
int topo_remove(struct topology *t, const void *priv);

/*
 * Looks up a guest address.  The raw 32-bit values from the guest are
 * compared in full: nothing aliases (devfn 0x100 is not devfn 0).
 */
const struct topo_entry *topo_get(const struct topology *t, uint32_t domain, uint32_t bus, uint32_t devfn);
const struct topo_entry *topo_find(const struct topology *t, const void *priv);

/* The roots to publish, in order of first appearance, without duplicates. */
size_t topo_roots(const struct topology *t, struct topo_root *roots, size_t max);

#endif
