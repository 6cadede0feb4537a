/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcibackctl's xenstore part: the frontend and backend nodes of a PV guest's
 * PCI device, laid out and permissioned as libxl does for the kernel's
 * pciback, so the real pcifront and pcibackd's
 * xenbus backend meet exactly what they would meet under xl.
 *
 * Backend  /local/domain/<be>/backend/pci/<domid>/0  owned by <be>, read by <domid>
 * Frontend /local/domain/<domid>/device/pci/0       owned by <domid>, read by <be>
 */
#ifndef PCIBACKD_TOOLSTACK_PBCTL_XS_H
#define PCIBACKD_TOOLSTACK_PBCTL_XS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/bdf.h"
#include "xenstore/xs.h"

struct pbctl_opts {
	int permissive;
	int msitranslate;
	int power_mgmt;
	char rdm_policy[16];   /* "strict" or "relaxed" */
};

/* "DDDD:BB:DD.F[,permissive=1,msitranslate=0,power_mgmt=0,rdm_policy=strict]"; 0 or -1 + err. */
int pbctl_parse_device(const char *arg, struct pb_bdf *addr, struct pbctl_opts *o, char *err, size_t errlen);

struct pbctl_target {
	uint32_t be_domid;     /* where pcibackd runs */
	uint32_t domid;        /* the guest */
	const char *name;      /* the guest's name (backend "domain" key) */
};

/* Absolute paths of the two directories (PBCTL_PATH bytes). */
#define PBCTL_PATH 128
void pbctl_backend_path(const struct pbctl_target *t, char *buf);
void pbctl_frontend_path(const struct pbctl_target *t, char *buf);

/*
 * Adds the device.  No backend yet: creates both directories with every key
 * (device 0, num_devs=1).  Backend Initialising/InitWait/Initialised: appends
 * dev-N (no reconfigure needed; the backend picks it up).  Backend Connected:
 * appends dev-N with state-N=1 and switches the backend to Reconfiguring.
 * Returns 0; -EAGAIN while the backend is in any other state (wait for
 * Connected and retry); -EEXIST if the device is already listed; -errno + err.
 * *hotplug tells whether a reconfigure was started.
 */
int pbctl_attach_xs(struct pb_xs *xs, const struct pbctl_target *t, const struct pb_bdf *addr,
		    const struct pbctl_opts *o, bool *hotplug, char *err, size_t errlen);

enum pbctl_detach_wait {
	PBCTL_WAIT_CONNECTED,  /* device i set Closing + Reconfiguring: wait for backend Connected, then finish */
	PBCTL_WAIT_CLOSED,     /* the last device: online=0 + Closing: wait for Closed, then finish */
};

/* Starts removing the device; -EAGAIN while the backend isn't Connected; -ENOENT if not listed. */
int pbctl_detach_begin(struct pb_xs *xs, const struct pbctl_target *t, const struct pb_bdf *addr,
		       enum pbctl_detach_wait *wait, char *err, size_t errlen);
/*
 * Finishes: PBCTL_WAIT_CONNECTED deletes the device's keys, renumbers the
 * higher ones down and decrements num_devs; PBCTL_WAIT_CLOSED removes both
 * directories.
 */
int pbctl_detach_finish(struct pb_xs *xs, const struct pbctl_target *t, const struct pb_bdf *addr,
			enum pbctl_detach_wait wait, char *err, size_t errlen);

/* Waits for the backend state to become `want` (-ETIMEDOUT, -ENOENT when the backend is gone). */
int pbctl_wait_backend_state(struct pb_xs *xs, const struct pbctl_target *t, int want, int timeout_ms);

#endif
