/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The ring interface over libxengnttab, libxenevtchn and libxenctrl. */
#ifndef PCIBACKD_TRANSPORT_XEN_XEN_RING_XEN_H
#define PCIBACKD_TRANSPORT_XEN_XEN_RING_XEN_H

#include <stddef.h>

#include "transport/xen/xen_ring.h"

struct xen_ring *xen_ring_xen_open(char *err, size_t errlen);

#endif
