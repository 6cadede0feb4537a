/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The libxen handles of one process (libxenctrl, libxencall, libxenevtchn,
 * libxengnttab), each opened once and lent to every user: the ring, the
 * PIRQ calls, pcibackctl's permissions.  Only built with libxen.
 */
#ifndef PCIBACKD_TRANSPORT_XEN_XEN_LIBS_H
#define PCIBACKD_TRANSPORT_XEN_XEN_LIBS_H

#include <stddef.h>
#include <xencall.h>
#include <xenctrl.h>
#include <xenevtchn.h>
#include <xengnttab.h>

struct xen_libs {
	xc_interface *xch;
	xencall_handle *call;
	xenevtchn_handle *evt;
	xengnttab_handle *gnt;
};

enum xen_lib {
	XEN_LIB_CTRL = 1 << 0,
	XEN_LIB_CALL = 1 << 1,
	XEN_LIB_EVTCHN = 1 << 2,
	XEN_LIB_GNTTAB = 1 << 3,
};

/*
 * Opens those of `want` (XEN_LIB_*) not open yet.  0, or -1 + err naming the
 * library; the handles opened before stay open (xen_libs_close closes them).
 */
int xen_libs_open(struct xen_libs *l, unsigned want, char *err, size_t errlen);
/* Closes every open handle; the struct can be opened again. */
void xen_libs_close(struct xen_libs *l);

#endif
