/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Loader for `lspci -vvv -xxxx` (or -xxx) text dumps: the config bytes of each
 * device (read through libpci's dump access method) plus what the hex alone
 * cannot give, from the decoded text: BAR and ROM sizes ("Region N: ...
 * [size=...]", "Expansion ROM at ... [size=...]") and the routed IRQ, from
 * the device's own lines only (before its first "Capabilities:" line; an
 * SR-IOV capability lists its VF BARs as "Region N" lines too).
 */
#ifndef PCIBACKD_HOST_LSPCI_DUMP_H
#define PCIBACKD_HOST_LSPCI_DUMP_H

#include <stddef.h>
#include <stdint.h>

#include "host/hostdev.h"

struct lspci_dump_dev {
	struct pb_bdf addr;
	uint8_t cfg[4096];
	unsigned cfg_size;                    /* bytes present in the dump: 64, 256 or 4096 */
	struct hostdev_res res[HOSTDEV_NUM_RES]; /* sizes from the decoded text, starts from the text or config */
	unsigned irq;                         /* "routed to IRQ N" / "IRQ N", else 0 */
	char description[160];                /* the header line after the address */
};

struct lspci_dump {
	struct lspci_dump_dev *devs;
	size_t count;
};

/* Returns 0, or -1 with a one-line message (file, line, problem) in err. */
int lspci_dump_load(const char *path, struct lspci_dump *out, char *err, size_t errlen);
void lspci_dump_free(struct lspci_dump *d);

/* Finds a device by address; NULL if absent. */
const struct lspci_dump_dev *lspci_dump_find(const struct lspci_dump *d, const struct pb_bdf *addr);

#endif
