/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Placeholder until the simulated device lands. */
#include "simdev.h"
#include <stdio.h>
struct hostdev *simdev_load(const char *spec, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: simulated devices are not built yet", spec);
	return NULL;
}
