/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test helpers for the hostile-guest tests: one guest's devices (simulated
 * from fixtures, quiesced as the pool seizes them) behind a dispatcher with
 * the simulated interrupt provider, and a shared page to post ops on.
 */
#ifndef PCIBACKD_TESTS_SUPPORT_HOSTILE_ENV_H
#define PCIBACKD_TESTS_SUPPORT_HOSTILE_ENV_H

#include <stdbool.h>
#include <stdint.h>

#include "dispatch/dispatch.h"
#include "host/sim_irq.h"
#include "host/simdev.h"

#define HENV_MAX 4

/* Fixture devices used throughout. */
#define HENV_NVME "cap-dev3.lspci#01:00.0"            /* MSI 64-bit maskable at 0x50, MSI-X 16 at 0xb0 */
#define HENV_XLAT "cap-address-xlation.lspci#02:00.0" /* MSI + MSI-X (128 entries) */
#define HENV_VIRTIO "microvm-virtio.lspci#00:02.0"    /* virtio block: MSI-X, memory decode on */

struct henv {
	struct hostdev *hd[HENV_MAX];
	struct pb_dev dev[HENV_MAX];
	size_t n;
	struct topology topo;
	struct dispatch_guest g;
	struct sim_irq irq;
	struct pciif_sharedinfo sh;
};

/* The fixture directory (argv[1]); set by main. */
extern const char *henv_fixtures;

/* Builds the guest with the given fixture specs (NULL-terminated); opts may be NULL. */
struct henv *henv_new(const char *const *specs, const struct cfg_options *opts);
void henv_free(struct henv *e);

/* An op waiting for its device: sleeps until its deadline and completes it (as the transports' timers do). */
void henv_wait_inflight(struct henv *e);
/* Posts one op on the page, as a guest does, and runs the dispatcher (waiting as above); returns op.err. */
int32_t henv_op(struct henv *e, uint32_t cmd, unsigned devfn, int32_t off, int32_t size, uint32_t *value);
/* A config read / write of device i (vpci slot i). */
int32_t henv_read(struct henv *e, size_t i, int32_t off, int32_t size, uint32_t *val);
int32_t henv_write(struct henv *e, size_t i, int32_t off, int32_t size, uint32_t val);

/* Raw device register (bypassing everything). */
uint32_t henv_hw(struct henv *e, size_t i, unsigned off, unsigned size);
/* Writes the device recorded since the last simdev_clear_writes that overlap [off, off + len). */
size_t henv_writes_in(struct henv *e, size_t i, unsigned off, unsigned len);

struct pb_pool;
struct pb_pool_dev;
/* Loads fixture `spec` into the (initialised) pool and assigns it to guest `guest`; fails the test otherwise. */
struct pb_pool_dev *henv_pool_assign(struct pb_pool *pool, const char *spec, const char *guest);

#endif
