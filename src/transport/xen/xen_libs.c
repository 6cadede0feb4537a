/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Opening and closing a process's libxen handles (see xen_libs.h). */
#include "transport/xen/xen_libs.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int xen_libs_open(struct xen_libs *l, unsigned want, char *err, size_t errlen)
{
	if ((want & XEN_LIB_CTRL) && !l->xch && !(l->xch = xc_interface_open(NULL, NULL, 0))) {
		snprintf(err, errlen, "cannot open libxenctrl (running in dom0 as root?): %s", strerror(errno));
		return -1;
	}
	if ((want & XEN_LIB_CALL) && !l->call && !(l->call = xencall_open(NULL, 0))) {
		snprintf(err, errlen, "cannot open libxencall: %s", strerror(errno));
		return -1;
	}
	if ((want & XEN_LIB_GNTTAB) && !l->gnt && !(l->gnt = xengnttab_open(NULL, 0))) {
		snprintf(err, errlen, "cannot open the grant device (is xen_gntdev loaded?): %s", strerror(errno));
		return -1;
	}
	if ((want & XEN_LIB_EVTCHN) && !l->evt && !(l->evt = xenevtchn_open(NULL, 0))) {
		snprintf(err, errlen, "cannot open the event-channel device (is xen_evtchn loaded?): %s",
			 strerror(errno));
		return -1;
	}
	return 0;
}

void xen_libs_close(struct xen_libs *l)
{
	if (l->evt)
		xenevtchn_close(l->evt);
	if (l->gnt)
		xengnttab_close(l->gnt);
	if (l->call)
		xencall_close(l->call);
	if (l->xch)
		xc_interface_close(l->xch);
	*l = (struct xen_libs){ 0 };
}
