/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "devices.h"

#include <stdio.h>
#include <string.h>

#include "host/simdev.h"

/* Device sources: a prefix and its loader (NULL + err on failure). */
struct device_source {
	const char *prefix;
	struct hostdev *(*load)(const char *spec, char *err, size_t errlen);
};

static const struct device_source sources[] = {
	{ "sim:", simdev_load },
};

struct hostdev *daemon_load_source(const char *source, char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof(sources) / sizeof(sources[0]); i++) {
		size_t n = strlen(sources[i].prefix);
		if (!strncmp(source, sources[i].prefix, n))
			return sources[i].load(source + n, err, errlen);
	}
	snprintf(err, errlen, "unknown device source \"%s\" (expected sim:FILE or sim:FILE#[DDDD:]BB:DD.F)", source);
	return NULL;
}

int daemon_add_devices(struct pb_pool *pool, const struct daemon_opts *o, char *err, size_t errlen)
{
	for (size_t i = 0; i < o->ndevices; i++) {
		const struct daemon_device_arg *a = &o->devices[i];
		const char *opt = a->permissive ? "--permissive" : "--device";
		char e[256];
		for (size_t j = 0; j < i; j++)
			if (!strcmp(o->devices[j].source, a->source)) {
				snprintf(err, errlen, "%s %s: %s is listed twice", opt, a->arg, a->source);
				return -1;
			}
		struct hostdev *hd = daemon_load_source(a->source, e, sizeof(e));
		if (!hd) {
			snprintf(err, errlen, "%s %s: %s", opt, a->arg, e);
			return -1;
		}
		struct cfg_options copts = { .permissive = a->permissive };
		struct pb_pool_dev *pd = pool_add_device(pool, hd, &copts, e, sizeof(e));
		if (!pd) {
			snprintf(err, errlen, "%s %s: %s", opt, a->arg, e);
			return -1;
		}
		if (!a->guest[0])
			continue; /* pool only: a transport assigns it later */
		struct pb_guest *g = pool_guest(pool, a->guest, true);
		if (!g) {
			snprintf(err, errlen, "%s %s: cannot create guest %s (at most %d guests)", opt, a->arg, a->guest,
				 POOL_MAX_GUESTS);
			return -1;
		}
		struct pb_bdf v;
		if (pool_assign(pool, g, pd, &v, e, sizeof(e))) {
			snprintf(err, errlen, "%s %s: %s", opt, a->arg, e);
			return -1;
		}
		char ra[PB_BDF_STRLEN], va[PB_BDF_STRLEN];
		pb_debug("guest %s: %s (%s) at %s", g->name, pb_bdf_format(&hd->addr, ra), a->source,
			 pb_bdf_format(&v, va));
	}
	return 0;
}
