/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Taking a device from its host driver and giving it back, the Linux way:
 * driver_override names the stub driver (pci-stub), the current driver is
 * unbound, drivers_probe binds the stub.  Refused for bridges (class 0x06,
 * header type other than 0), for devices whose driver is in use (unless
 * forced), and in --read-only mode.  Every sysfs write goes through the
 * options' observer.
 */
#ifndef PCIBACKD_OWNERSHIP_SEIZE_H
#define PCIBACKD_OWNERSHIP_SEIZE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/bdf.h"
#include "host/host_options.h"

struct own_state {
	struct pb_bdf addr;
	bool seized;              /* we bound the stub and must give the device back */
	char orig_driver[64];     /* the driver bound before, "" if none */
	char orig_override[64];   /* driver_override before, "" if none */
};

/*
 * Seizes the device.  While no driver is bound, it is enabled and disabled
 * once through sysfs `enable`, as pciback enables the devices it takes, so
 * the kernel routes its INTx and `irq` is the routed IRQ.  Already bound to
 * the stub and enabled: nothing is written and nothing will be given back;
 * bound to the stub but disabled (perhaps never enabled): unbound, enabled
 * and disabled, bound to the stub again, and given back to the stub.
 * Returns 0, or a negative errno with a one-line message (what was refused
 * or which step failed; steps already done are undone).
 */
int own_seize(const struct host_options *opt, const struct pb_bdf *addr, struct own_state *st, char *err,
	      size_t errlen);

/* Gives the device back to its original driver (or leaves it unbound if it had none). */
int own_give_back(const struct host_options *opt, struct own_state *st, char *err, size_t errlen);

/* 1 if the device is a bridge or host bridge (never given to a guest), 0 if not, -errno. */
int own_is_bridge(const struct host_options *opt, const struct pb_bdf *addr, unsigned *class_code);

#endif
