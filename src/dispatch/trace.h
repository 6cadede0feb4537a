/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Traffic tracing: one line per op, in a stable key=value format. */
#ifndef PCIBACKD_DISPATCH_TRACE_H
#define PCIBACKD_DISPATCH_TRACE_H

#include <stdint.h>
#include <stdio.h>

#include "proto/pciif.h"

struct dispatch_result;

/*
 * Example:
 *   guest=g1 op=conf_read addr=0000:00:01.0 off=0x004 size=2 in=0x0 out=0x0147 err=0(success) ns=812
 */
void trace_op(FILE *f, const char *guest, const struct pciif_op *op, const struct dispatch_result *res,
	      uint64_t ns);

#endif
