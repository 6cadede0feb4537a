/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Guest topologies: placing devices on virtual (vpci) or real (passthrough) addresses, lookup by guest
 * address, and the published roots.
 */
#include "topology.h"

#include <stdio.h>
#include <string.h>

#include "proto/pci_regs.h"

void topo_init(struct topology *t, enum topo_mode mode)
{
	memset(t, 0, sizeof(*t));
	t->mode = mode;
}

static const char *const mode_names[] = { "vpci", "passthrough" };

int topo_parse_mode(const char *s, enum topo_mode *mode)
{
	for (int i = 0; i < 2; i++)
		if (!strcmp(s, mode_names[i])) {
			*mode = (enum topo_mode)i;
			return 0;
		}
	return -1;
}

const char *topo_mode_name(enum topo_mode mode) { return mode_names[mode == TOPO_PASSTHROUGH]; }

static bool is_vf_fn0(const struct hostdev *hd)
{
	return hd->physfn != NULL && PB_FUNC(hd->addr.devfn) == 0;
}

/* vpci: the virtual slot for hd, or -1 when the bus is full. */
static int vpci_slot(const struct topology *t, const struct hostdev *hd)
{
	bool used[TOPO_VPCI_SLOTS] = { false };
	for (size_t i = 0; i < t->count; i++)
		used[PB_SLOT(t->e[i].vaddr.devfn)] = true;
	if (!is_vf_fn0(hd)) {
		/* Join the slot holding another function of the same physical slot. */
		for (size_t i = 0; i < t->count; i++) {
			const struct hostdev *o = t->e[i].host;
			if (is_vf_fn0(o))
				continue;
			if (o->addr.domain == hd->addr.domain && o->addr.bus == hd->addr.bus &&
			    PB_SLOT(o->addr.devfn) == PB_SLOT(hd->addr.devfn))
				return PB_SLOT(t->e[i].vaddr.devfn);
		}
	}
	for (int s = 0; s < TOPO_VPCI_SLOTS; s++)
		if (!used[s])
			return s;
	return -1;
}

int topo_add(struct topology *t, struct hostdev *hd, void *priv, struct pb_bdf *vaddr, char *err, size_t errlen)
{
	char a[PB_BDF_STRLEN];
	pb_bdf_format(&hd->addr, a);
	if (topo_find(t, priv)) {
		snprintf(err, errlen, "%s is already exported to this guest", a);
		return -1;
	}
	if (t->count >= TOPO_MAX_DEVS) {
		snprintf(err, errlen, "cannot export %s: a guest holds at most %d functions", a, TOPO_MAX_DEVS);
		return -1;
	}
	struct pb_bdf v;
	if (t->mode == TOPO_VPCI) {
		if ((hd->class_code >> 16) == PCI_BASE_CLASS_BRIDGE) {
			snprintf(err, errlen, "cannot export %s: bridges are not exported on the virtual PCI bus", a);
			return -1;
		}
		int slot = vpci_slot(t, hd);
		if (slot < 0) {
			snprintf(err, errlen, "cannot export %s: no free slot left on the virtual PCI bus (32 slots)", a);
			return -1;
		}
		v.domain = 0;
		v.bus = 0;
		v.devfn = PB_DEVFN(slot, PB_FUNC(hd->addr.devfn));
		if (topo_get(t, 0, 0, v.devfn)) {
			snprintf(err, errlen, "cannot export %s: virtual function %02x.%x is taken", a, slot,
				 PB_FUNC(hd->addr.devfn));
			return -1;
		}
	} else {
		v = hd->addr;
		if (topo_get(t, v.domain, v.bus, v.devfn)) {
			snprintf(err, errlen, "cannot export %s: another device has that address", a);
			return -1;
		}
	}
	t->e[t->count++] = (struct topo_entry){ .vaddr = v, .host = hd, .priv = priv };
	if (vaddr)
		*vaddr = v;
	return 0;
}

int topo_remove(struct topology *t, const void *priv)
{
	for (size_t i = 0; i < t->count; i++)
		if (t->e[i].priv == priv) {
			memmove(&t->e[i], &t->e[i + 1], (t->count - i - 1) * sizeof(t->e[0]));
			t->count--;
			return 0;
		}
	return -1;
}

const struct topo_entry *topo_get(const struct topology *t, uint32_t domain, uint32_t bus, uint32_t devfn)
{
	for (size_t i = 0; i < t->count; i++) {
		const struct pb_bdf *v = &t->e[i].vaddr;
		if (v->domain == domain && v->bus == bus && v->devfn == devfn)
			return &t->e[i];
	}
	return NULL;
}

const struct topo_entry *topo_find(const struct topology *t, const void *priv)
{
	for (size_t i = 0; i < t->count; i++)
		if (t->e[i].priv == priv)
			return &t->e[i];
	return NULL;
}

/* passthrough: true if an exported bridge's bus range covers (domain, bus). */
static bool behind_exported_bridge(const struct topology *t, uint16_t domain, uint8_t bus)
{
	for (size_t i = 0; i < t->count; i++) {
		struct hostdev *b = t->e[i].host;
		uint32_t sec, sub;
		if (b->header_type != 1 || b->addr.domain != domain)
			continue;
		if (hostdev_read(b, PCI_SECONDARY_BUS, 1, &sec) || hostdev_read(b, PCI_SUBORDINATE_BUS, 1, &sub))
			continue;
		if (sec > b->addr.bus && bus >= sec && bus <= sub)
			return true;
	}
	return false;
}

size_t topo_roots(const struct topology *t, struct topo_root *roots, size_t max)
{
	size_t n = 0;
	if (t->mode == TOPO_VPCI) {
		if (max > 0)
			roots[n++] = (struct topo_root){ 0, 0 };
		return n;
	}
	for (size_t i = 0; i < t->count; i++) {
		const struct pb_bdf *v = &t->e[i].vaddr;
		if (behind_exported_bridge(t, v->domain, v->bus))
			continue;
		bool dup = false;
		for (size_t j = 0; j < n; j++)
			dup |= roots[j].domain == v->domain && roots[j].bus == v->bus;
		if (!dup && n < max)
			roots[n++] = (struct topo_root){ v->domain, v->bus };
	}
	return n;
}
