/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The control socket's commands: one table entry each. */
#include <inttypes.h>
#include <string.h>

#include "daemon/control.h"
#include "host/simdev.h"
#include "proto/xenbus_state.h"
#include "transport/local/local_backend.h"

static struct pb_guest *find_guest(struct ctl_ctx *ctx, const char *name, char *err, size_t errlen)
{
	struct pb_guest *g = pool_guest(ctx->pool, name, false);
	if (!g)
		snprintf(err, errlen, "no guest %s", name);
	return g;
}

/* The device at a guest's virtual address. */
static struct pb_dev *find_vdev(struct ctl_ctx *ctx, const char *guest, const char *vaddr, char *err,
				size_t errlen)
{
	struct pb_guest *g = find_guest(ctx, guest, err, errlen);
	if (!g)
		return NULL;
	struct pb_bdf a;
	char e[128];
	if (pb_bdf_parse(vaddr, &a, e, sizeof(e))) {
		snprintf(err, errlen, "%s", e);
		return NULL;
	}
	const struct topo_entry *te = topo_get(&g->topo, a.domain, a.bus, a.devfn);
	if (!te) {
		snprintf(err, errlen, "guest %s has no device at %s", guest, vaddr);
		return NULL;
	}
	return te->priv;
}

static int cmd_help(struct ctl_ctx *ctx, int argc, char **argv, FILE *out, char *err, size_t errlen)
{
	for (size_t i = 0; i < ctl_ncmds; i++)
		fprintf(out, "%s %s\n", ctl_cmds[i].name, ctl_cmds[i].args);
	return 0;
}

static int cmd_list(struct ctl_ctx *ctx, int argc, char **argv, FILE *out, char *err, size_t errlen)
{
	struct pb_pool *p = ctx->pool;
	for (size_t i = 0; i < p->nguests; i++) {
		struct pb_guest *g = p->guests[i];
		int st = ctx->local ? lt_backend_guest_state(ctx->local, g) : XB_CLOSED;
		fprintf(out, "guest %s mode=%s state=%d(%s) devices=%zu\n", g->name, topo_mode_name(g->topo.mode), st,
			xb_state_name(st), g->topo.count);
		for (size_t j = 0; j < g->topo.count; j++) {
			const struct topo_entry *e = &g->topo.e[j];
			const struct pb_dev *d = e->priv;
			char va[PB_BDF_STRLEN], ra[PB_BDF_STRLEN];
			fprintf(out, "  %s real=%s id=%04x:%04x class=%06x permissive=%s source=%s\n",
				pb_bdf_format(&e->vaddr, va), pb_bdf_format(&d->host->addr, ra), d->host->vendor_id,
				d->host->device_id, d->host->class_code,
				cfg_get_options(d->cfg)->permissive ? "on" : "off", d->host->source);
		}
	}
	for (size_t i = 0; i < p->ndevs; i++) {
		struct pb_pool_dev *pd = p->devs[i];
		if (pd->owner)
			continue;
		char ra[PB_BDF_STRLEN];
		fprintf(out, "free %s%s%s source=%s\n", pb_bdf_format(&pd->dev.host->addr, ra),
			pd->quarantined ? " quarantined: " : "", pd->quarantined ? pd->reason : "", pd->dev.host->source);
	}
	return 0;
}

static int cmd_stats(struct ctl_ctx *ctx, int argc, char **argv, FILE *out, char *err, size_t errlen)
{
	struct pb_pool *p = ctx->pool;
	for (size_t i = 0; i < p->nguests; i++) {
		struct pb_guest *g = p->guests[i];
		if (argc == 1 && strcmp(argv[0], g->name))
			continue;
		const struct dispatch_stats *s = &g->dg.stats;
		fprintf(out, "guest %s ops=%" PRIu64 " errors=%" PRIu64 " spurious=%" PRIu64, g->name, s->ops,
			s->errors, s->spurious);
		for (unsigned c = 0; c <= PCIIF_OP_COUNT; c++)
			if (s->by_cmd[c])
				fprintf(out, " %s=%" PRIu64, c < PCIIF_OP_COUNT ? pciif_cmd_name(c) : "unknown",
					s->by_cmd[c]);
		fprintf(out, " log_suppressed=%" PRIu64 "\n", g->dg.rl.total_suppressed);
	}
	if (argc == 1 && !pool_guest(p, argv[0], false)) {
		snprintf(err, errlen, "no guest %s", argv[0]);
		return -1;
	}
	return 0;
}

static int cmd_permissive(struct ctl_ctx *ctx, int argc, char **argv, FILE *out, char *err, size_t errlen)
{
	bool on;
	if (!strcmp(argv[2], "on"))
		on = true;
	else if (!strcmp(argv[2], "off"))
		on = false;
	else {
		snprintf(err, errlen, "expected on or off, not \"%s\"", argv[2]);
		return -1;
	}
	struct pb_dev *d = find_vdev(ctx, argv[0], argv[1], err, errlen);
	if (!d)
		return -1;
	struct cfg_options o = *cfg_get_options(d->cfg);
	o.permissive = on;
	cfg_set_options(d->cfg, &o);
	return 0;
}

static int cmd_writes(struct ctl_ctx *ctx, int argc, char **argv, FILE *out, char *err, size_t errlen)
{
	struct pb_dev *d = find_vdev(ctx, argv[0], argv[1], err, errlen);
	if (!d)
		return -1;
	if (!simdev_is_sim(d->host)) {
		snprintf(err, errlen, "%s is not a simulated device: no write record", argv[1]);
		return -1;
	}
	size_t n;
	const struct simdev_write *w = simdev_writes(d->host, &n);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "off=0x%03x size=%u value=0x%0*x\n", w[i].off, w[i].size, w[i].size * 2, w[i].value);
	return 0;
}

const struct ctl_cmd ctl_cmds[] = {
	{ "help", "", 0, 0, cmd_help },
	{ "list", "", 0, 0, cmd_list },
	{ "stats", "[GUEST]", 0, 1, cmd_stats },
	{ "permissive", "GUEST VADDR on|off", 3, 3, cmd_permissive },
	{ "writes", "GUEST VADDR", 2, 2, cmd_writes },
};
const size_t ctl_ncmds = sizeof(ctl_cmds) / sizeof(ctl_cmds[0]);
