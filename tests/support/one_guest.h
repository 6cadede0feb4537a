/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test support: fixture devices, and one vpci guest holding one simulated
 * device with its dispatcher and shared page — what most layer tests start from.
 */
#ifndef PCIBACKD_TESTS_ONE_GUEST_H
#define PCIBACKD_TESTS_ONE_GUEST_H

#include "dispatch/dispatch.h"

/* Loads "FILE#ADDR" from the fixtures folder; fails the test with the loader's message. */
struct hostdev *test_load(const char *fixtures, const char *name);

struct one_guest {
	struct hostdev *hd;
	struct pb_dev dev;
	struct topology topo;
	struct dispatch_guest g;
	struct pciif_sharedinfo sh;
};

/* The device at virtual 0000:00:00.0 of guest "g1", nothing quiesced or enabled. */
void one_guest_init(struct one_guest *og, const char *fixtures, const char *name);
void one_guest_fini(struct one_guest *og);

#endif
