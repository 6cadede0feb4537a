/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCI addresses: the one parser and formatter of "DDDD:BB:DD.F", "BB:DD.F"
 * and the PV protocol's forms of them (xenstore vdev-N/dev-N and root-N,
 * the local transport's messages, the hide grammar's groups).
 */
#ifndef PCIBACKD_COMMON_BDF_H
#define PCIBACKD_COMMON_BDF_H

#include <stdbool.h>
#include <stdint.h>

struct pb_bdf {
	uint16_t domain;
	uint8_t bus;
	uint8_t devfn;
};

#define PB_DEVFN(slot, fn) ((uint8_t)((((slot) & 0x1f) << 3) | ((fn) & 0x07)))
#define PB_SLOT(devfn) (((devfn) >> 3) & 0x1f)
#define PB_FUNC(devfn) ((devfn) & 0x07)

/*
 * Parses a whole string "DDDD:BB:DD.F" or "BB:DD.F" (hex; domain 0 when
 * absent; at most 4, 2, 2 and 1 digits).  Returns 0, or -1 with a message in
 * err naming the problem.
 */
int pb_bdf_parse(const char *s, struct pb_bdf *out, char *err, unsigned errlen);

/*
 * The PV protocol's device address, a whole string "DDDD:BB:DD.F": the
 * domain is required, any number of hex digits per field (the function is
 * written "%02x" by the backend and "%01x" by the toolstack), each value in
 * range.  Returns 0 or -1.
 */
int pb_bdf_parse_pv(const char *s, struct pb_bdf *out);
/* The PV protocol's root, a whole string "DDDD:BB" (root-N); devfn is 0.  Returns 0 or -1. */
int pb_bdf_parse_root(const char *s, struct pb_bdf *out);

/*
 * The grammar under all of the above, for callers with their own rules and
 * messages (the hide grammar).  Reads two or three ':'-separated numbers, a
 * '.' and the function, stopping after the function (or after "DDDD:BB" with
 * PB_BDF_ROOT); the caller checks what follows and the values.
 */
enum pb_bdf_scan_flags {
	PB_BDF_WILDCARD = 1 << 0, /* '*' may stand for a number; its value is PB_BDF_ANY */
	PB_BDF_BLANKS = 1 << 1,   /* blanks and tabs may surround each number */
	PB_BDF_ROOT = 1 << 2,     /* just "DDDD:BB": no slot, no function */
};
#define PB_BDF_ANY (-1L)

/* One number as written: its text (len characters from text) and value (saturated at 0x7fffffff). */
struct pb_bdf_field {
	const char *text;
	int len;
	long value;
};

enum pb_bdf_fault {
	PB_BDF_OK,
	PB_BDF_NO_NUMBER, /* number `at` (0-2) has no hex digits (nor '*' where allowed) */
	PB_BDF_NO_FUNCTION, /* the same for the function, after the '.' */
	PB_BDF_NO_COLON,  /* one number and no ':' after it */
	PB_BDF_NO_DOT,    /* the numbers before the function are not followed by '.' */
};

struct pb_bdf_text {
	unsigned n;                /* numbers before the '.': 2 (BB:DD) or 3 (DDDD:BB:DD) */
	struct pb_bdf_field f[4];  /* f[0..n-1], then the function f[n] */
	const char *end;           /* after the address, or at the fault */
	enum pb_bdf_fault fault;
	unsigned at;               /* the number a NO_NUMBER fault is in */
};

/* Scans the address at the start of s.  Returns 0, or -1 with t->fault set. */
int pb_bdf_scan(const char *s, unsigned flags, struct pb_bdf_text *t);

/* "dddd:bb:dd.f"; buf must hold PB_BDF_STRLEN bytes. */
#define PB_BDF_STRLEN 16
char *pb_bdf_format(const struct pb_bdf *bdf, char *buf);
/* lspci's "bb:dd.f", with "dddd:" in front only when the domain is not 0. */
char *pb_bdf_format_lspci(const struct pb_bdf *bdf, char *buf);
/* The PV protocol's vdev-N "dddd:bb:dd.ff" (a two-digit function, as xen-pciback writes it). */
char *pb_bdf_format_pv(const struct pb_bdf *bdf, char *buf);
/* The PV protocol's root-N "dddd:bb"; buf must hold PB_BDF_STRLEN bytes. */
char *pb_bdf_format_root(uint16_t domain, uint8_t bus, char *buf);

bool pb_bdf_equal(const struct pb_bdf *a, const struct pb_bdf *b);

#endif
