/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A C string as a JSON string literal (RFC 8259), for machine-readable
 * output whose text comes from outside: guest names, pci.ids names, reasons.
 * Quote and backslash are escaped, every control character (below 0x20, and
 * DEL) becomes \u00XX, well-formed UTF-8 passes through, and each byte that
 * is not part of a well-formed UTF-8 sequence becomes \ufffd, so the output
 * is always valid JSON in valid UTF-8 whatever the input bytes.
 */
#ifndef PCIBACKD_COMMON_JSON_STR_H
#define PCIBACKD_COMMON_JSON_STR_H

#include <stdio.h>

/* Writes s, quoted and escaped. */
void json_put_str(FILE *f, const char *s);

#endif
