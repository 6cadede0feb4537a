/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test helpers: every device of every bundled lspci fixture, and guest views as lspci text. */
#ifndef PCIBACKD_TESTS_CFGSPACE_FIXTURE_DEVS_H
#define PCIBACKD_TESTS_CFGSPACE_FIXTURE_DEVS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cfgspace/cfgspace.h"
#include "host/lspci_dump.h"

/* The fixture directory: argv[1] or $PB_FIXTURES_DIR. */
const char *fx_dir(int argc, char **argv);

/* Calls fn for every device of every *.lspci file in dir (sorted by name); returns the number of devices. */
typedef void (*fx_fn)(const char *file, size_t index, const struct lspci_dump_dev *d, void *arg);
size_t fx_for_each(const char *dir, fx_fn fn, void *arg);

/* The guest's view of the whole config space, read dword by dword as an enumeration does. */
void fx_guest_view(struct cfg_dev *cd, uint8_t *out, unsigned cfg_size);

/* Writes a device as `lspci -xxxx` text: "BB:DD.F Class XXXX: VVVV:DDDD" then hex lines. */
void fx_write_lspci(FILE *f, const struct pb_bdf *addr, const uint8_t *cfg, unsigned cfg_size);

#endif
