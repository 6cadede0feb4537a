/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Building the device pool from the command line's GUEST=SOURCE arguments. */
#ifndef PCIBACKD_DAEMON_DEVICES_H
#define PCIBACKD_DAEMON_DEVICES_H

#include <stddef.h>

#include "core/pool.h"
#include "daemon/options.h"

/* Loads every device, adds it to the pool and assigns it; 0, or -1 with one line naming the problem. */
int daemon_add_devices(struct pb_pool *pool, const struct daemon_opts *o, char *err, size_t errlen);

/* A device from a SOURCE (sim:FILE[#ADDR] or host:ADDR); NULL with a one-line message. */
struct hostdev *daemon_load_source(const char *source, const struct host_options *host, char *err, size_t errlen);

/* Adds a quirk (DDDD:BB:SS.F-REG:SIZE:MASK) to the pool device with that real address; 0 or -1 + err. */
int daemon_add_quirk(struct pb_pool *pool, const char *quirk, char *err, size_t errlen);

#endif
