/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test support: load a fixture device, and one vpci guest holding it with its dispatcher and shared
 * page.
 */
#include "one_guest.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "host/simdev.h"

struct hostdev *test_load(const char *fixtures, const char *name)
{
	char spec[512], err[300];
	snprintf(spec, sizeof(spec), "%s/%s", fixtures, name);
	struct hostdev *hd = simdev_load(spec, err, sizeof(err));
	if (!hd)
		fail_msg("%s", err);
	return hd;
}

void one_guest_init(struct one_guest *og, const char *fixtures, const char *name)
{
	char err[300];
	memset(og, 0, sizeof(*og));
	og->hd = test_load(fixtures, name);
	og->dev.host = og->hd;
	og->dev.cfg = cfg_dev_new(og->hd, NULL, err, sizeof(err));
	if (!og->dev.cfg)
		fail_msg("%s", err);
	topo_init(&og->topo, TOPO_VPCI);
	if (topo_add(&og->topo, og->hd, &og->dev, NULL, err, sizeof(err)))
		fail_msg("%s", err);
	dispatch_guest_init(&og->g, "g1", &og->topo);
}

void one_guest_fini(struct one_guest *og)
{
	cfg_dev_free(og->dev.cfg);
	hostdev_destroy(og->hd);
}
