/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The op dispatcher fed arbitrary shared-page contents: each 572-byte chunk
 * of the input is what a hostile guest left on its page when it kicked.
 * Devices: several simulated fixture devices in one vpci guest, with the
 * simulated interrupt provider.  Invariants checked after every input:
 * the active bit is always cleared, and every mapped vector is unmapped on
 * release (map/unmap balance).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dispatch/dispatch.h"
#include "host/sim_irq.h"
#include "host/simdev.h"

static const char *const specs[] = {
	"cap-address-xlation.lspci#02:00.0", /* MSI + MSI-X (128) */
	"cap-dev3.lspci#01:00.0",            /* NVMe: MSI + MSI-X, 4 KiB config */
	"microvm-virtio.lspci#00:03.0",
	"cap-pcie-2.lspci#01:00.0",
};
#define NDEV (sizeof(specs) / sizeof(specs[0]))

static struct hostdev *hds[NDEV];
static struct pb_dev devs[NDEV];
static struct topology topo;
static struct dispatch_guest g;
static struct sim_irq irq;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	pb_log_set_level(PB_LOG_ERR);
	topo_init(&topo, TOPO_VPCI);
	for (size_t i = 0; i < NDEV; i++) {
		char spec[512], err[300];
		snprintf(spec, sizeof(spec), "%s/%s", PB_FIXTURES_DIR, specs[i]);
		hds[i] = simdev_load(spec, err, sizeof(err));
		if (!hds[i]) {
			fprintf(stderr, "%s\n", err);
			__builtin_trap();
		}
		devs[i].host = hds[i];
		devs[i].cfg = cfg_dev_new(hds[i], NULL, err, sizeof(err));
		topo_add(&topo, hds[i], &devs[i], NULL, err, sizeof(err));
	}
	dispatch_guest_init(&g, "fuzz", &topo);
	sim_irq_init(&irq);
	g.irqp = &irq.provider;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pciif_sharedinfo sh;
	for (size_t off = 0; off < size; off += sizeof(sh)) {
		size_t n = size - off < sizeof(sh) ? size - off : sizeof(sh);
		memcpy(&sh, data + off, n);
		sh.flags |= PCIIF_FLAG_F_ACTIVE;
		dispatch_pending(&g, &sh);
		/* An op waiting for its device (a D-state change) is answered once its time is up. */
		if (dispatch_deadline(&g) && (!(sh.flags & PCIIF_FLAG_F_ACTIVE) || dispatch_complete(&g, UINT64_MAX) != &sh))
			__builtin_trap();
		if (sh.flags & PCIIF_FLAG_F_ACTIVE)
			__builtin_trap();
	}
	for (size_t i = 0; i < NDEV; i++) {
		dispatch_irq_release(&g, &devs[i]);
		cfg_dev_release(devs[i].cfg);
		simdev_clear_writes(hds[i]);
	}
	if (sim_irq_live(&irq) != 0)
		__builtin_trap();
	return 0;
}
