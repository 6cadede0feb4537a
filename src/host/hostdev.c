/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers over any hostdev: bounds checks, capability lookup, quiesce, power state and its delays, MSI
 * enable, the MSI-X table address.
 */
#include "hostdev.h"

#include <errno.h>

#include "proto/pci_regs.h"

void hostdev_destroy(struct hostdev *hd)
{
	if (hd && hd->ops->destroy)
		hd->ops->destroy(hd);
}

bool hostdev_access_ok(const struct hostdev *hd, long off, long size)
{
	if (size != 1 && size != 2 && size != 4)
		return false;
	if (off < 0 || off % size)
		return false;
	return off + size <= (long)hd->cfg_size;
}

unsigned hostdev_find_cap(struct hostdev *hd, uint8_t cap_id)
{
	uint32_t status, v;
	if (hostdev_read(hd, PCI_STATUS, 2, &status) || !(status & PCI_STATUS_CAP_LIST))
		return 0;
	unsigned ptr_reg = (hd->header_type == PCI_HEADER_TYPE_CARDBUS) ? PCI_CB_CAPABILITY_LIST : PCI_CAPABILITY_LIST;
	if (hostdev_read(hd, ptr_reg, 1, &v))
		return 0;
	unsigned pos = v & 0xfc;
	for (int ttl = 48; ttl-- && pos >= PCI_STD_HEADER_SIZEOF;) {
		if (hostdev_read(hd, pos + PCI_CAP_LIST_ID, 2, &v))
			return 0;
		if ((v & 0xff) == cap_id)
			return pos;
		pos = (v >> 8) & 0xfc;
	}
	return 0;
}

unsigned hostdev_find_ext_cap(struct hostdev *hd, uint16_t cap_id)
{
	if (hd->cfg_size <= PCI_CFG_SPACE_SIZE)
		return 0;
	unsigned pos = PCI_CFG_SPACE_SIZE;
	for (int ttl = (PCI_CFG_SPACE_EXP_SIZE - PCI_CFG_SPACE_SIZE) / 8; ttl--;) {
		uint32_t h;
		if (hostdev_read(hd, pos, 4, &h) || h == 0 || h == 0xffffffff)
			return 0;
		if (PCI_EXT_CAP_ID(h) == cap_id)
			return pos;
		pos = PCI_EXT_CAP_NEXT(h);
		if (pos < PCI_CFG_SPACE_SIZE)
			return 0;
	}
	return 0;
}

/* Clears `bits` in the 16-bit register at off when any is set. */
static int clear_bits16(struct hostdev *hd, unsigned off, uint32_t bits)
{
	uint32_t v;
	int rc = hostdev_read(hd, off, 2, &v);
	if (rc)
		return rc;
	if (v == 0xffff)
		return -ENODEV; /* the device does not answer: writing back all ones would set every bit */
	if (!(v & bits))
		return 0;
	return hostdev_write(hd, off, 2, v & ~bits);
}

int hostdev_quiesce(struct hostdev *hd)
{
	static const struct {
		uint8_t cap;
		uint32_t bits;
	} enables[] = {
		{ PCI_CAP_ID_MSIX, PCI_MSIX_FLAGS_ENABLE },
		{ PCI_CAP_ID_MSI, PCI_MSI_FLAGS_ENABLE },
	};
	int first = 0;
	for (size_t i = 0; i < sizeof(enables) / sizeof(enables[0]); i++) {
		unsigned cap = hostdev_find_cap(hd, enables[i].cap);
		if (cap) {
			int rc = clear_bits16(hd, cap + PCI_MSI_FLAGS, enables[i].bits);
			first = first ? first : rc;
		}
	}
	int rc = clear_bits16(hd, PCI_COMMAND, PCI_COMMAND_MASTER);
	return first ? first : rc;
}

int hostdev_power_state(struct hostdev *hd)
{
	unsigned pm = hostdev_find_cap(hd, PCI_CAP_ID_PM);
	uint32_t pmcsr;
	if (!pm)
		return 0;
	int rc = hostdev_read(hd, pm + PCI_PM_CTRL, 2, &pmcsr);
	return rc ? rc : (int)(pmcsr & PCI_PM_CTRL_STATE_MASK);
}

unsigned hostdev_pm_delay_us(int from, int to)
{
	if (from == 3 || to == 3)
		return 10000;
	if (from == 2 || to == 2)
		return 200;
	return 0;
}

int hostdev_set_msi_enable(struct hostdev *hd, uint8_t cap_id, bool on)
{
	unsigned cap = hostdev_find_cap(hd, cap_id);
	if (!cap)
		return -ENODEV;
	uint32_t ctl;
	int rc = hostdev_read(hd, cap + PCI_MSI_FLAGS, 2, &ctl);
	if (rc)
		return rc;
	uint32_t bit = cap_id == PCI_CAP_ID_MSI ? PCI_MSI_FLAGS_ENABLE : PCI_MSIX_FLAGS_ENABLE;
	ctl = on ? (ctl | bit) : (ctl & ~bit);
	if (cap_id == PCI_CAP_ID_MSIX)
		ctl &= ~(uint32_t)PCI_MSIX_FLAGS_MASKALL; /* function mask off once set up */
	return hostdev_write(hd, cap + PCI_MSI_FLAGS, 2, ctl);
}

int hostdev_msix_table_base(struct hostdev *hd, uint64_t *base)
{
	unsigned cap = hostdev_find_cap(hd, PCI_CAP_ID_MSIX);
	uint32_t tbl;
	if (!cap || hostdev_read(hd, cap + PCI_MSIX_TABLE, 4, &tbl))
		return -EINVAL;
	unsigned bir = tbl & PCI_MSIX_TABLE_BIR;
	if (bir >= HOSTDEV_NUM_BARS || hd->res[bir].size == 0 || (hd->res[bir].flags & HOSTDEV_RES_IO))
		return -EINVAL;
	*base = hd->res[bir].start + (tbl & PCI_MSIX_TABLE_OFFSET);
	return 0;
}
