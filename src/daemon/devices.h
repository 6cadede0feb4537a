/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Building the device pool from the command line's GUEST=SOURCE arguments. */
#ifndef PCIBACKD_DAEMON_DEVICES_H
#define PCIBACKD_DAEMON_DEVICES_H

#include <stddef.h>

#include "core/pool.h"
#include "daemon/options.h"

/* Loads every device, adds it to the pool and assigns it; 0, or -1 with one line naming the problem. */
int daemon_add_devices(struct pb_pool *pool, const struct daemon_opts *o, char *err, size_t errlen);

/* A device from a SOURCE (sim:FILE[#ADDR]); NULL with a one-line message. */
struct hostdev *daemon_load_source(const char *source, char *err, size_t errlen);

#endif
