/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcifront: the guest side of the local transport, as a library.  It does
 * what Linux's xen-pcifront does: names
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

#include <stdbool.h>
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

/*
 * Connects as guest `name`; NULL with a one-line message in err.  Like
 * Linux's pcifront, it announces a PV AER handler (_XEN_PCIB_AERHANDLER);
 * pf_connect_with(..., false, ...) leaves that bit clear.
 */
struct pf_conn *pf_connect(const char *sock_path, const char *name, char *err, size_t errlen);
struct pf_conn *pf_connect_with(const char *sock_path, const char *name, bool aer_handler, char *err,
				size_t errlen);
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

/* ---- MSI and MSI-X (the frontend's side) ---- */

/* Results as for config accesses: 0, the backend's err (negative), or a positive transport errno. */
int pf_enable_msi(struct pf_conn *c, const struct pb_bdf *a, uint32_t *pirq);
/* *intx: the INTx interrupt the backend returns. */
int pf_disable_msi(struct pf_conn *c, const struct pb_bdf *a, uint32_t *intx);
/*
 * Asks for n (1..PCIIF_MAX_VEC) MSI-X entries, vectors -1 in; fills vectors[n]
 * with the pirqs.  A non-zero `value` from the backend is returned as the
 * error, and a zero vector gives -EINVAL, as Linux's frontend does.
 */
int pf_enable_msix(struct pf_conn *c, const struct pb_bdf *a, const uint16_t *entries, unsigned n,
		   uint16_t *vectors);
int pf_disable_msix(struct pf_conn *c, const struct pb_bdf *a, uint32_t *intx);

/* ---- Events from the backend: AER steps and hot-plug ---- */

/* One AER step the backend posted (aer_op). */
struct pf_aer_step {
	uint32_t cmd;            /* PCIIF_OP_AER_* */
	int channel;             /* PCIIF_AER_IO_* */
	struct pb_bdf addr;
};
#define PF_AER_NO_ANSWER 0   /* an aer handler's result: leave the step unanswered */

struct pf_handlers {
	/*
	 * The driver's answer to a step: a PCIIF_AER_RESULT_*, or PF_AER_NO_ANSWER.
	 * NULL: NONE, as Linux answers for a device without a driver handler.
	 * Called from inside any wait, also during an op: it must not post ops.
	 */
	int (*aer)(void *arg, const struct pf_aer_step *s);
	/* A device was hot-unplugged (backend Reconfiguring, its state-N = 5). */
	void (*removed)(void *arg, const struct pb_bdf *a);
	/* The backend republished (Reconfigured): roots and devices are re-read; rescan now. */
	void (*reconfigured)(void *arg);
	void *arg;
};
void pf_set_handlers(struct pf_conn *c, const struct pf_handlers *h);

/*
 * Serves events for up to timeout_ms (-1: no limit): answers AER steps,
 * follows hot-plug and calls removed / reconfigured (outside any op, so they
 * may post ops).  Returns early, setting *extra_ready, when extra_fd (>= 0)
 * is readable, and on a signal.  0, or a positive errno once the connection
 * is gone (pf_last_error says why).
 */
int pf_wait(struct pf_conn *c, int timeout_ms, int extra_fd, bool *extra_ready);

/* ---- Replay of a recorded session ---- */

struct pf_replay_stats {
	size_t ops;              /* replayed */
	size_t differences;      /* of them, answered differently from the record */
};

/*
 * Replays over c the ops guest `from` made in the trace at path (the JSON
 * lines of pcibackd --trace), in order, each as recorded, and writes one
 * line to out for every op whose answer (err, value, MSI-X vectors) differs
 * from the recorded one.  The whole trace is checked first: a bad line is
 * an error naming it, and nothing is posted.  0 with *st filled; -1 with err
 * (an unreadable or bad trace, no op of `from`, the transport failing).
 */
int pf_replay(struct pf_conn *c, const char *path, const char *from, FILE *out, struct pf_replay_stats *st,
	      char *err, size_t errlen);

#endif
