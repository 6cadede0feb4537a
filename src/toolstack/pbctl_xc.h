/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcibackctl's hypervisor calls over libxenctrl (only built with libxen). */
#ifndef PCIBACKD_TOOLSTACK_PBCTL_XC_H
#define PCIBACKD_TOOLSTACK_PBCTL_XC_H

#include <stddef.h>

#include "toolstack/pbctl_perm.h"

struct pbctl_hyp *pbctl_xc_open(char *err, size_t errlen);
void pbctl_xc_close(struct pbctl_hyp *h);

#endif
