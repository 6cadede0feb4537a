/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The fuzz targets' invariant check: a violated invariant is a finding (the fuzzer stops on the trap). */
#ifndef PCIBACKD_FUZZ_CHECK_H
#define PCIBACKD_FUZZ_CHECK_H

#include <stdio.h>

#define CHECK(c)                                                                            \
	do {                                                                                \
		if (!(c)) {                                                                 \
			fprintf(stderr, "invariant failed: %s (line %d)\n", #c, __LINE__);  \
			__builtin_trap();                                                   \
		}                                                                           \
	} while (0)

#endif
