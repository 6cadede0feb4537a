/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Building the daemon's device pool from --device, --hide and GUEST=SOURCE arguments: sim: and host:
 * sources.
 */
#include "devices.h"

#include <stdio.h>
#include <string.h>

#include "host/simdev.h"
#include "ownership/hide.h"
#include "ownership/host_source.h"

static struct hostdev *load_sim(const char *spec, const struct host_options *host, char *err, size_t errlen)
{
	(void)host;
	return simdev_load(spec, err, errlen);
}

static struct hostdev *load_host(const char *spec, const struct host_options *host, char *err, size_t errlen)
{
	return host_source_open(spec, host, err, errlen);
}

/* Device sources: a prefix and its loader (NULL + err on failure). */
struct device_source {
	const char *prefix;
	struct hostdev *(*load)(const char *spec, const struct host_options *host, char *err, size_t errlen);
};

static const struct device_source sources[] = {
	{ "sim:", load_sim },
	{ "host:", load_host },
};

struct hostdev *daemon_load_source(const char *source, const struct host_options *host, char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof(sources) / sizeof(sources[0]); i++) {
		size_t n = strlen(sources[i].prefix);
		if (!strncmp(source, sources[i].prefix, n))
			return sources[i].load(source + n, host, err, errlen);
	}
	snprintf(err, errlen,
		 "unknown device source \"%s\" (expected sim:FILE, sim:FILE#[DDDD:]BB:DD.F or host:DDDD:BB:DD.F)",
		 source);
	return NULL;
}

int daemon_add_quirk(struct pb_pool *pool, const char *quirk, char *err, size_t errlen)
{
	struct cfg_quirk q;
	if (cfg_quirk_parse(quirk, &q, err, errlen))
		return -1;
	struct pb_pool_dev *pd = pool_find_by_addr(pool, &q.addr);
	if (!pd) {
		char a[PB_BDF_STRLEN];
		snprintf(err, errlen, "quirk %s: no device %s in the pool", quirk, pb_bdf_format(&q.addr, a));
		return -1;
	}
	return cfg_apply_quirk(pd->dev.cfg, &q, err, errlen);
}

/* --hide: every matching host device joins the pool, unassigned. */
static int add_hidden(struct pb_pool *pool, const struct daemon_opts *o, char *err, size_t errlen)
{
	struct hide_list hl;
	if (hide_parse(o->hide, &hl, err, errlen))
		return -1;
	struct pb_bdf found[POOL_MAX_DEVS];
	char e[256];
	int n = hide_find_devices(&hl, &o->host, found, POOL_MAX_DEVS, e, sizeof(e));
	hide_free(&hl);
	if (n < 0) {
		snprintf(err, errlen, "--hide %s: %s", o->hide, e);
		return -1;
	}
	for (int i = 0; i < n && (size_t)i < POOL_MAX_DEVS; i++) {
		char a[PB_BDF_STRLEN], spec[32];
		snprintf(spec, sizeof(spec), "%s", pb_bdf_format(&found[i], a));
		struct hostdev *hd = host_source_open(spec, &o->host, e, sizeof(e));
		if (!hd || !pool_add_device(pool, hd, NULL, e, sizeof(e))) {
			snprintf(err, errlen, "--hide %s: %s", o->hide, e);
			return -1;
		}
		pb_info("--hide: %s joins the pool", a);
	}
	return 0;
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
		struct hostdev *hd = daemon_load_source(a->source, &o->host, e, sizeof(e));
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
	if (o->hide && add_hidden(pool, o, err, errlen))
		return -1;
	for (size_t i = 0; i < o->nquirks; i++) {
		char e[256];
		if (daemon_add_quirk(pool, o->quirks[i], e, sizeof(e))) {
			snprintf(err, errlen, "--quirk: %s", e);
			return -1;
		}
	}
	return 0;
}
