/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `host:DDDD:BB:DD.F` device sources: a real function, seized from its host
 * driver (pci-stub through driver_override), quiesced, its pristine config
 * space saved.  Its hostdev has a release operation (the pool's one release
 * path): quiesce, reset through the kernel, restore the pristine state,
 * check it.  Destroying it gives the device back to its original driver.
 *
 * With opt->read_only nothing is seized and nothing is ever written: every
 * write path returns -EROFS and release has nothing to undo.
 */
#ifndef PCIBACKD_OWNERSHIP_HOST_SOURCE_H
#define PCIBACKD_OWNERSHIP_HOST_SOURCE_H

#include <stddef.h>

#include "host/host_options.h"
#include "host/hostdev.h"

/*
 * spec: "host:DDDD:BB:DD.F" (or "host:BB:DD.F"; the "host:" prefix may be
 * left out).  Bridges are refused.  NULL with a one-line message on failure,
 * the device then left as it was.
 */
struct hostdev *host_source_open(const char *spec, const struct host_options *opt, char *err, size_t errlen);

/* The libpci device underneath (for names and sysfs paths), or NULL if hd is not a host source. */
struct hostdev *host_source_inner(struct hostdev *hd);

#endif
