/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PCI address parsing: whatever is accepted must format back to an equal address. */
#include <stdint.h>
#include <string.h>

#include "common/bdf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[64];
	if (size >= sizeof(s))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	struct pb_bdf b, b2;
	char err[200], out[PB_BDF_STRLEN];
	if (pb_bdf_parse(s, &b, err, sizeof(err)) == 0) {
		pb_bdf_format(&b, out);
		if (pb_bdf_parse(out, &b2, err, sizeof(err)) != 0 || !pb_bdf_equal(&b, &b2))
			__builtin_trap();
	}
	return 0;
}
