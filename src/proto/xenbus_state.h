/* SPDX-License-Identifier: GPL-2.0-or-later */
/* XenbusState values (Xen public io/xenbus.h); the local transport reuses them. */
#ifndef PCIBACKD_PROTO_XENBUS_STATE_H
#define PCIBACKD_PROTO_XENBUS_STATE_H

enum xb_state {
	XB_UNKNOWN = 0,
	XB_INITIALISING = 1,
	XB_INITWAIT = 2,
	XB_INITIALISED = 3,
	XB_CONNECTED = 4,
	XB_CLOSING = 5,
	XB_CLOSED = 6,
	XB_RECONFIGURING = 7,
	XB_RECONFIGURED = 8,
};

const char *xb_state_name(int state);

#endif
