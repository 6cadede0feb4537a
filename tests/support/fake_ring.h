/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A fake xen_ring: grants are test-owned pages, ports are numbers, and every call is logged. */
#ifndef PCIBACKD_TESTS_SUPPORT_FAKE_RING_H
#define PCIBACKD_TESTS_SUPPORT_FAKE_RING_H

#include <stdbool.h>
#include <stdint.h>

#include "transport/xen/xen_ring.h"

#define FAKE_MAX 16

struct fake_ring {
	struct xen_ring ring;
	struct { uint32_t domid, gref; void *page; } grants[FAKE_MAX];
	unsigned ngrants;
	void *mapped[FAKE_MAX];
	unsigned nmapped;
	int bound[FAKE_MAX];            /* local ports bound (0: free) */
	int pending[FAKE_MAX];
	unsigned npending;
	unsigned notifies, unmasks, maps, unmaps, binds, unbinds;
	bool fail_map, fail_bind;
	uint32_t dead[FAKE_MAX];
	unsigned ndead;
	char log[1024];                 /* "map bind unbind unmap ..." */
	/* Called from unmap(), before it returns (to check what is still assigned then). */
	void (*on_unmap)(void *arg);
	void *on_unmap_arg;
};

void fake_ring_init(struct fake_ring *r);
void fake_ring_grant(struct fake_ring *r, uint32_t domid, uint32_t gref, void *page);
/* The guest's kick: queues the local port bound to that remote port. */
void fake_ring_kick(struct fake_ring *r, int local_port);
void fake_ring_kill(struct fake_ring *r, uint32_t domid);

#endif
