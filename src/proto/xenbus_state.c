/* SPDX-License-Identifier: GPL-2.0-or-later */
/* XenbusState names for log lines. */
#include "xenbus_state.h"

static const char *const names[] = {
	"Unknown", "Initialising", "InitWait", "Initialised", "Connected",
	"Closing", "Closed", "Reconfiguring", "Reconfigured",
};

const char *xb_state_name(int state)
{
	if (state < 0 || state > XB_RECONFIGURED)
		return "Invalid";
	return names[state];
}
