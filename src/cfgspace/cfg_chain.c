/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The capability chains of a device being built: the standard chain from the
 * capabilities pointer and the extended chain from 0x100, walked once, each
 * capability described by its table (cfg_caps.c).  A link that loops, points
 * into the header or outside config space, or whose registers would overlap
 * another structure, is cut there (logged once): the guest reads the chain's
 * end at that link.
 */
#include "cfg_field.h"

#include "proto/pci_regs.h"

static void chain_cut(struct cfg_dev *cd, struct cfg_fi *link, const char *chain, unsigned bad, const char *why)
{
	char a[PB_BDF_STRLEN];
	if (link)
		link->st[0] = 1;
	pb_warn("%s (%s): %s capability chain cut at 0x%x (%s); the guest sees the chain end there",
		pb_bdf_format(&cd->hd->addr, a), cd->hd->source, chain, bad, why);
}

void cfg_build_caps(struct cfg_dev *cd)
{
	uint32_t status, ptr, hdr;
	bool seen[256] = { false };
	if (cfg_hw_read(cd, PCI_STATUS, 2, &status) || !(status & PCI_STATUS_CAP_LIST) ||
	    cfg_hw_read(cd, PCI_CAPABILITY_LIST, 1, &ptr))
		return;
	struct cfg_fi *link = cfg_fi_at(cd, PCI_CAPABILITY_LIST);
	unsigned pos = ptr & 0xfc;
	while (pos) {
		const char *why = NULL;
		const struct cfg_table *t = NULL;
		const struct cfg_cap *cap = NULL;
		if (pos < PCI_STD_HEADER_SIZEOF)
			why = "points into the header";
		else if (seen[pos])
			why = "loops";
		else if (cfg_hw_read(cd, pos, 4, &hdr))
			why = "unreadable";
		else {
			cap = cfg_cap_find(hdr & 0xff);
			t = cap ? cfg_cap_layout(cap, (uint16_t)(hdr >> 16)) : cfg_cap_header_table();
		}
		if (t && (pos + t->min_len > PCI_CFG_SPACE_SIZE || !cfg_add_table(cd, t, pos))) {
			/*
			 * Its registers don't fit (past the end, or into the next
			 * capability): describe only its header, so the chain stays
			 * whole and the body stays read-only.
			 */
			char a[PB_BDF_STRLEN];
			pb_warn("%s (%s): capability 0x%02x at 0x%x does not fit its %s layout; only its header is "
				"described", pb_bdf_format(&cd->hd->addr, a), cd->hd->source, hdr & 0xff, pos, t->name);
			t = cfg_cap_header_table();
			if (!cfg_add_table(cd, t, pos))
				why = "overlaps another structure";
		}
		if (why) {
			cd->chain_cut = true;
			chain_cut(cd, link, "standard", pos, why);
			return;
		}
		seen[pos] = true;
		/* the first of each kind is the one the kernel (pci_find_capability) uses */
		if (cap && cap->slot != CFG_CAP_NONE && !cd->cap_pos[cap->slot])
			cd->cap_pos[cap->slot] = pos;
		link = cfg_fi_at(cd, pos);
		pos = (hdr >> 8) & 0xfc;
	}
}

void cfg_build_ext_caps(struct cfg_dev *cd)
{
	uint32_t hdr;
	bool seen[1024] = { false };
	unsigned pos = PCI_CFG_SPACE_SIZE;
	struct cfg_fi *link = NULL;
	if (cd->hd->cfg_size <= PCI_CFG_SPACE_SIZE)
		return;
	while (pos) {
		const char *why = NULL;
		if (pos < PCI_CFG_SPACE_SIZE)
			why = "points into the standard space";
		else if (pos + 4 > cd->hd->cfg_size)
			why = "runs past the end of config space";
		else if (seen[pos / 4])
			why = "loops";
		else if (cfg_hw_read(cd, pos, 4, &hdr))
			why = "unreadable";
		if (!why && (hdr == 0 || hdr == 0xffffffffu)) {
			if (!link) /* no extended capabilities at all */
				return;
			why = "points to an empty header";
		}
		if (!why && !cfg_add_table(cd, &cfg_ext_cap_table, pos))
			why = "overlaps another structure";
		if (why) {
			cd->ext_chain_cut = true;
			chain_cut(cd, link, "extended", pos, why);
			return;
		}
		seen[pos / 4] = true;
		link = cfg_fi_at(cd, pos);
		pos = PCI_EXT_CAP_NEXT(hdr);
	}
}

bool cfg_chain_was_cut(const struct cfg_dev *cd) { return cd->chain_cut || cd->ext_chain_cut; }
