/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcifront: the guest side of the local transport, as a library.  It does
 * what Linux's xen-pcifront does (research notes §2.1, §3.2, §8): names
 * itself, reads the published roots, hands over its shared page and event
 * channels, posts one op at a time with a 2 s deadline, and enumerates every
 * published root by probing each devfn 0..255.
 *
 * Results of an access: 0 on success; a negative value is the op's err as
 * the backend returned it (PCIIF_ERR_* or a raw -errno); a positive value is
 * an errno of the transport (the op did not complete: ETIMEDOUT after 2 s,
 * ECONNRESET when the backend hung up, ...).
 */
#ifndef PCIBACKD_GUEST_PCIFRONT_H
#define PCIBACKD_GUEST_PCIFRONT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/bdf.h"
#include "proto/pciif.h"

#define PF_OP_TIMEOUT_MS 2000
#define PF_MAX_ROOTS 256

struct pf_conn;

struct pf_root {
	uint16_t domain;
	uint8_t bus;
};

/* Connects as guest `name`; NULL with a one-line message in err. */
struct pf_conn *pf_connect(const char *sock_path, const char *name, char *err, size_t errlen);
/* Says Closed to the backend and frees everything. */
void pf_close(struct pf_conn *c);

/* The roots the backend published (root_num, root-N). */
size_t pf_roots(const struct pf_conn *c, const struct pf_root **roots);
/* The devices the backend published (num_devs, vdev-N). */
size_t pf_published_devs(const struct pf_conn *c, const struct pb_bdf **devs);
/* The last message from the backend about a failure ("" when none). */
const char *pf_last_error(const struct pf_conn *c);

/* Posts op and waits for it (2 s deadline); 0 with op->err/value updated, or a positive errno. */
int pf_op(struct pf_conn *c, struct pciif_op *op);

int pf_read(struct pf_conn *c, const struct pb_bdf *a, int off, int size, uint32_t *val);
int pf_write(struct pf_conn *c, const struct pb_bdf *a, int off, int size, uint32_t val);

/* "dev_not_found", "errno -22 (Invalid argument)", "transport: Connection timed out"... */
const char *pf_strerror(int r, char *buf, size_t len);

struct pf_device {
	struct pb_bdf addr;
	unsigned cfg_size;      /* 256, or 4096 for a PCI Express device whose 0x100 reads */
	uint8_t cfg[4096];      /* bytes that failed to read are 0xff */
};

/*
 * Enumerates every published root: devfn 0..255 each, a device being present
 * when its vendor ID reads without error and is neither 0xffff nor 0; then
 * reads each device's whole config space.  Returns 0 with a malloc'ed array
 * (free() it), or a positive errno with err set when the transport failed.
 */
int pf_enumerate(struct pf_conn *c, struct pf_device **devs, size_t *count, char *err, size_t errlen);

/* Prints d in `lspci -xxxx` form (header line, 16 bytes a line), as `lspci -F` reads it. */
void pf_print_lspci(FILE *f, const struct pf_device *d);

#endif
