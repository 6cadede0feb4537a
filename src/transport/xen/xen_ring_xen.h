/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The ring interface over libxengnttab, libxenevtchn and libxenctrl. */
#ifndef PCIBACKD_TRANSPORT_XEN_XEN_RING_XEN_H
#define PCIBACKD_TRANSPORT_XEN_XEN_RING_XEN_H

#include <stddef.h>

#include "transport/xen/xen_libs.h"
#include "transport/xen/xen_ring.h"

/* A ring on the process's grant, event-channel and control handles (opened in libs when not yet). */
struct xen_ring *xen_ring_xen_open(struct xen_libs *libs, char *err, size_t errlen);

#endif
