/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The xenstore interface over libxenstore (only built with libxen). */
#ifndef PCIBACKD_XENSTORE_XS_XEN_H
#define PCIBACKD_XENSTORE_XS_XEN_H

#include <stddef.h>

#include "xenstore/xs.h"

/* Opens a connection to xenstored (socket or /dev/xen/xenbus); NULL + err. */
struct pb_xs *xs_xen_open(char *err, size_t errlen);

#endif
