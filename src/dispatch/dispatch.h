/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The op dispatcher: takes the op a guest posted on its shared page, copies
 * it out exactly once, validates the private copy, executes it against the
 * guest's devices and writes back only the result fields (err, value and, for
 * enable_msix, the vectors of the validated count).  Transport-independent:
 * the local and the Xen transports both call dispatch_pending().
 */
#ifndef PCIBACKD_DISPATCH_DISPATCH_H
#define PCIBACKD_DISPATCH_DISPATCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cfgspace/cfgspace.h"
#include "common/log.h"
#include "dispatch/aer.h"
#include "dispatch/kick_throttle.h"
#include "host/irq_provider.h"
#include "proto/pciif.h"
#include "topology/topology.h"

/* Interrupts a guest enabled through the MSI ops. */
struct pb_irq_state {
	bool msi_on;
	bool msix_on;
	uint32_t msi_pirq;
	uint16_t nmsix;                      /* vectors mapped for MSI-X, <= PCIIF_MAX_VEC */
	uint32_t msix_pirqs[PCIIF_MAX_VEC];
};

/* One device as assigned to a guest; topology entries' priv points to it. */
struct pb_dev {
	struct hostdev *host;
	struct cfg_dev *cfg;
	struct pb_irq_state irq;
};

struct dispatch_stats {
	uint64_t ops;
	uint64_t by_cmd[PCIIF_OP_COUNT + 1]; /* last slot: unknown commands */
	uint64_t errors;
	uint64_t spurious;                   /* kicks with no op posted */
};

struct dispatch_result {
	int32_t err;
	uint32_t value;
	uint32_t nvec;                       /* vectors to write back (enable_msix success) */
	uint16_t vectors[PCIIF_MAX_VEC];
};

struct dispatch_guest {
	const char *name;
	struct topology *topo;
	FILE *trace;                         /* one line per op when set */
	struct dispatch_stats stats;
	struct pb_ratelimit rl;              /* for every guest-caused log line */
	struct irq_provider *irqp;           /* NULL: MSI ops answer not_implemented */
	unsigned domid;                      /* the guest's domain, for interrupt mapping */
	struct aer_state aer;                /* error recovery in progress with this guest */
	struct kick_throttle kicks;          /* its spurious-kick budget (both transports) */
	/* Test hook: called after the op was copied, before it is used. */
	void (*after_fetch)(void *arg);
	void *after_fetch_arg;
};

void dispatch_guest_init(struct dispatch_guest *g, const char *name, struct topology *topo);

/*
 * If the guest has posted an op (_XEN_PCIF_active), handles it, clears the
 * bit and returns true: the caller must then notify the guest.  Returns false
 * for a spurious kick.  Never blocks on the guest, never trusts the page.
 */
bool dispatch_pending(struct dispatch_guest *g, struct pciif_sharedinfo *sh);

/* Executes an already private and stable op. */
void dispatch_execute(struct dispatch_guest *g, const struct pciif_op *op, struct dispatch_result *res);

/* Disables whatever MSI / MSI-X the guest left enabled and unmaps its vectors. */
void dispatch_irq_release(struct dispatch_guest *g, struct pb_dev *d);

/* Atomic flag helpers on the shared page (32-bit atomics at offset 0). */
static inline uint32_t pciif_flags_load(const struct pciif_sharedinfo *sh)
{
	return __atomic_load_n(&sh->flags, __ATOMIC_ACQUIRE);
}
static inline void pciif_flags_set(struct pciif_sharedinfo *sh, uint32_t bits)
{
	__atomic_fetch_or(&sh->flags, bits, __ATOMIC_SEQ_CST);
}
static inline void pciif_flags_clear(struct pciif_sharedinfo *sh, uint32_t bits)
{
	__atomic_fetch_and(&sh->flags, ~bits, __ATOMIC_SEQ_CST);
}

#endif
