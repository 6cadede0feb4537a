/* SPDX-License-Identifier: GPL-2.0-or-later */
/* UTF-8: the one validity check (JSON strings written and read). */
#ifndef PCIBACKD_COMMON_UTF8_H
#define PCIBACKD_COMMON_UTF8_H

#include <stddef.h>

/*
 * The length (1..4) of the valid UTF-8 sequence that starts at s, or 0 when
 * the bytes there are none (overlong forms, surrogates and code points above
 * U+10FFFF are invalid; so is a NUL byte).  Reads no further than a NUL byte.
 */
size_t utf8_seq_len(const unsigned char *s);

#endif
