/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The control socket's commands: one table entry each. */
#include <inttypes.h>
#include <string.h>

#include "daemon/control.h"
#include "daemon/ctl_out.h"
#include "daemon/devices.h"
#include "daemon/options.h"
#include "dispatch/trace.h"
#include "host/pci_names.h"
#include "host/sim_irq.h"
#include "host/simdev.h"
#include "core/transport.h"
#include "proto/pci_regs.h"
#include "proto/xenbus_state.h"
#include "transport/local/local_msg.h"

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

/* The device's name from pci.ids ("" when unknown): name="..." at the end of the human line. */
static void out_name(struct ctl_out *o, struct pci_names *names, const struct hostdev *hd)
{
	char name[256];
	pci_names_device(names, hd->vendor_id, hd->device_id, name, sizeof(name));
	ctl_out_str(o, CTL_QUOTED, "name", name);
}

static int cmd_list(struct ctl_ctx *ctx, int argc, char **argv, FILE *out, char *err, size_t errlen)
{
	struct pb_pool *p = ctx->pool;
	/*
	 * pci.ids is read for each list (some tens of milliseconds), not kept
	 * for the daemon's life: list is an operator's command, and the names
	 * then cost no memory between commands.
	 */
	struct pci_names *names = pci_names_open(ctx->host ? ctx->host->pci_ids : NULL);
	struct ctl_out o;
	ctl_out_begin(&o, out, ctx->json);
	ctl_out_list(&o, "guests");
	for (size_t i = 0; i < p->nguests; i++) {
		struct pb_guest *g = p->guests[i];
		int st = ctx->transport ? ctx->transport->ops->guest_state(ctx->transport, g) : XB_CLOSED;
		ctl_out_item(&o, NULL, "guest");
		ctl_out_str(&o, CTL_POS, "name", g->name);
		ctl_out_str(&o, CTL_KV, "mode", topo_mode_name(g->topo.mode));
		ctl_out_uint(&o, CTL_KV, "state", (unsigned)st);
		ctl_out_str(&o, CTL_PAREN, "state_name", xb_state_name(st));
		ctl_out_uint(&o, CTL_HUMAN_ONLY, "devices", g->topo.count);
		ctl_out_list(&o, "devices");
		for (size_t j = 0; j < g->topo.count; j++) {
			const struct topo_entry *e = &g->topo.e[j];
			const struct pb_dev *d = e->priv;
			char va[PB_BDF_STRLEN], ra[PB_BDF_STRLEN];
			ctl_out_item(&o, NULL, " "); /* and the separator: indented by two */
			ctl_out_str(&o, CTL_POS, "vaddr", pb_bdf_format(&e->vaddr, va));
			ctl_out_str(&o, CTL_KV, "real", pb_bdf_format(&d->host->addr, ra));
			ctl_out_strf(&o, CTL_KV, "id", "%04x:%04x", d->host->vendor_id, d->host->device_id);
			ctl_out_strf(&o, CTL_KV, "class", "%06x", d->host->class_code);
			ctl_out_bool(&o, CTL_KV, "permissive", cfg_get_options(d->cfg)->permissive, "on", "off");
			ctl_out_str(&o, CTL_KV, "source", d->host->source);
			out_name(&o, names, d->host);
			ctl_out_item_end(&o);
		}
		ctl_out_list_end(&o);
		ctl_out_item_end(&o);
	}
	ctl_out_list_end(&o);
	ctl_out_list(&o, "free");
	for (size_t i = 0; i < p->ndevs; i++) {
		struct pb_pool_dev *pd = p->devs[i];
		if (pd->owner)
			continue;
		char ra[PB_BDF_STRLEN];
		ctl_out_item(&o, NULL, pd->releasing ? "releasing" : "free");
		ctl_out_str(&o, CTL_POS, "real", pb_bdf_format(&pd->dev.host->addr, ra));
		ctl_out_bool(&o, CTL_JSON_ONLY, "being_reset", pd->releasing, "", "");
		bool q = !pd->releasing && pd->quarantined;
		ctl_out_bool(&o, CTL_JSON_ONLY, "quarantined", q, "", "");
		if (pd->releasing)
			ctl_out_text(&o, " (being reset)");
		else if (q)
			ctl_out_text(&o, " quarantined:");
		ctl_out_str(&o, q ? CTL_POS : CTL_JSON_ONLY, "reason", q ? pd->reason : "");
		ctl_out_str(&o, CTL_KV, "source", pd->dev.host->source);
		out_name(&o, names, pd->dev.host);
		ctl_out_item_end(&o);
	}
	ctl_out_list_end(&o);
	ctl_out_end(&o);
	pci_names_close(names);
	return 0;
}

/*
 * One "guest" item per guest (or only GUEST when named) in a "guests" list,
 * its fields written by fields: the frame of stats and aer-status.
 */
static int each_guest(struct ctl_ctx *ctx, int argc, char **argv, FILE *out, char *err, size_t errlen,
		      void (*fields)(struct ctl_out *o, const struct pb_guest *g))
{
	struct pb_pool *p = ctx->pool;
	if (argc == 1 && !find_guest(ctx, argv[0], err, errlen))
		return -1;
	struct ctl_out o;
	ctl_out_begin(&o, out, ctx->json);
	ctl_out_list(&o, "guests");
	for (size_t i = 0; i < p->nguests; i++) {
		struct pb_guest *g = p->guests[i];
		if (argc == 1 && strcmp(argv[0], g->name))
			continue;
		ctl_out_item(&o, NULL, "guest");
		ctl_out_str(&o, CTL_POS, "name", g->name);
		fields(&o, g);
		ctl_out_item_end(&o);
	}
	ctl_out_list_end(&o);
	ctl_out_end(&o);
	return 0;
}

static void stats_fields(struct ctl_out *o, const struct pb_guest *g)
{
	const struct dispatch_stats *s = &g->dg.stats;
	ctl_out_uint(o, CTL_KV, "ops", s->ops);
	ctl_out_uint(o, CTL_KV, "errors", s->errors);
	ctl_out_uint(o, CTL_KV, "spurious", s->spurious);
	for (unsigned c = 0; c <= PCIIF_OP_COUNT; c++)
		if (s->by_cmd[c])
			ctl_out_uint(o, CTL_KV, c < PCIIF_OP_COUNT ? pciif_cmd_name(c) : "unknown", s->by_cmd[c]);
	ctl_out_uint(o, CTL_KV, "log_suppressed", g->dg.rl.total_suppressed);
}

static int cmd_stats(struct ctl_ctx *ctx, int argc, char **argv, FILE *out, char *err, size_t errlen)
{
	return each_guest(ctx, argc, argv, out, err, errlen, stats_fields);
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
	struct ctl_out o;
	ctl_out_begin(&o, out, ctx->json);
	ctl_out_list(&o, "writes");
	for (size_t i = 0; i < n; i++) {
		ctl_out_item(&o, NULL, "");
		ctl_out_hex(&o, CTL_KV, "off", w[i].off, 3);
		ctl_out_uint(&o, CTL_KV, "size", w[i].size);
		ctl_out_hex(&o, CTL_KV, "value", w[i].value, (int)w[i].size * 2);
		ctl_out_item_end(&o);
	}
	ctl_out_list_end(&o);
	ctl_out_end(&o);
	return 0;
}

/* ---- interrupts ---- */

/* Whether the device's MSI or MSI-X enable bit is set: "on", "off", "absent" or "unreadable". */
static void out_hw_enable(struct ctl_out *o, struct hostdev *hd, const char *key, uint8_t cap_id, uint32_t bit)
{
	unsigned cap = hostdev_find_cap(hd, cap_id);
	uint32_t ctl;
	if (!cap)
		ctl_out_str(o, CTL_KV, key, "absent");
	else if (hostdev_read(hd, cap + PCI_MSI_FLAGS, 2, &ctl))
		ctl_out_str(o, CTL_KV, key, "unreadable");
	else
		ctl_out_str(o, CTL_KV, key, ctl & bit ? "on" : "off");
}

static int cmd_irq(struct ctl_ctx *ctx, int argc, char **argv, FILE *out, char *err, size_t errlen)
{
	if (argc == 1) {
		snprintf(err, errlen, "usage: irq [GUEST VADDR]");
		return -1;
	}
	struct pb_dev *d = argc == 2 ? find_vdev(ctx, argv[0], argv[1], err, errlen) : NULL;
	if (argc == 2 && !d)
		return -1;
	struct ctl_out o;
	ctl_out_begin(&o, out, ctx->json);
	if (d) {
		const struct pb_irq_state *s = &d->irq;
		ctl_out_item(&o, "device", "");
		ctl_out_bool(&o, CTL_KV, "msi", s->msi_on, "on", "off");
		ctl_out_uint(&o, CTL_KV, "msi_pirq", s->msi_pirq);
		ctl_out_bool(&o, CTL_KV, "msix", s->msix_on, "on", "off");
		ctl_out_uint(&o, CTL_KV, "msix_nvec", s->nmsix);
		ctl_out_uints(&o, CTL_KV, "msix_pirqs", s->msix_pirqs, s->nmsix);
		out_hw_enable(&o, d->host, "hw_msi", PCI_CAP_ID_MSI, PCI_MSI_FLAGS_ENABLE);
		out_hw_enable(&o, d->host, "hw_msix", PCI_CAP_ID_MSIX, PCI_MSIX_FLAGS_ENABLE);
		ctl_out_uint(&o, CTL_KV, "intx", d->host->irq);
		ctl_out_item_end(&o);
	}
	if (ctx->sim_irq) {
		ctl_out_item(&o, "provider", "provider");
		ctl_out_uint(&o, CTL_KV, "maps", ctx->sim_irq->maps);
		ctl_out_uint(&o, CTL_KV, "unmaps", ctx->sim_irq->unmaps);
		ctl_out_uint(&o, CTL_KV, "live", sim_irq_live(ctx->sim_irq));
		ctl_out_item_end(&o);
	} else {
		ctl_out_null(&o, "provider", "provider none");
	}
	ctl_out_end(&o);
	return 0;
}

/* ---- error recovery ---- */

/* Channel names, and the AER uncorrectable status bit a simulated device shows for each. */
static const struct {
	const char *name;
	int channel;
	uint32_t ue_status;
} aer_channels[] = {
	{ "normal", PCIIF_AER_IO_NORMAL, PCI_ERR_UNC_COMP_TIME },    /* non-fatal */
	{ "frozen", PCIIF_AER_IO_FROZEN, PCI_ERR_UNC_MALF_TLP },     /* fatal */
	{ "failure", PCIIF_AER_IO_PERM_FAILURE, PCI_ERR_UNC_DLP },   /* fatal */
};

static int cmd_aer(struct ctl_ctx *ctx, int argc, char **argv, FILE *out, char *err, size_t errlen)
{
	const char *chname = argc == 3 ? argv[2] : "frozen";
	size_t ci = 0;
	while (ci < sizeof(aer_channels) / sizeof(aer_channels[0]) && strcmp(aer_channels[ci].name, chname))
		ci++;
	if (ci == sizeof(aer_channels) / sizeof(aer_channels[0])) {
		snprintf(err, errlen, "expected normal, frozen or failure, not \"%s\"", chname);
		return -1;
	}
	struct pb_guest *g = find_guest(ctx, argv[0], err, errlen);
	struct pb_dev *d = g ? find_vdev(ctx, argv[0], argv[1], err, errlen) : NULL;
	if (!d)
		return -1;
	if (!ctx->transport) {
		snprintf(err, errlen, "no transport to reach guest %s", g->name);
		return -1;
	}
	/*
	 * A simulated device shows what the hardware would: the error's bit in its
	 * AER uncorrectable status.  A real device is left alone: the guest's
	 * recovery runs on the operator's word (for an error the host reported).
	 */
	simdev_show_uncorrectable(d->host, aer_channels[ci].ue_status);
	char what[160];
	int rc = ctx->transport->ops->aer_inject(ctx->transport, g, d, aer_channels[ci].channel, what, sizeof(what));
	if (rc) {
		snprintf(err, errlen, "%s", what);
		return -1;
	}
	fprintf(out, "aer %s %s channel=%s: %s\n", g->name, argv[1], chname, what);
	return 0;
}

static void aer_status_fields(struct ctl_out *o, const struct pb_guest *g)
{
	const struct aer_state *a = &g->dg.aer;
	ctl_out_bool(o, CTL_KV, "busy", a->busy, "yes", "no");
	ctl_out_str(o, CTL_KV, "step", a->busy ? pciif_cmd_name(a->step) + 4 : "-");
	ctl_out_uint(o, CTL_KV, "queued", a->nqueued);
	ctl_out_uint(o, CTL_KV, "recovered", a->recovered);
	ctl_out_uint(o, CTL_KV, "failed", a->failed);
	ctl_out_uint(o, CTL_KV, "timeouts", a->timeouts);
	ctl_out_uint(o, CTL_KV, "dropped", a->dropped);
	ctl_out_uint(o, CTL_KV, "timeout_ms", a->timeout_ms);
	ctl_out_str(o, CTL_KV, "policy", a->policy == AER_POLICY_KEEP ? "keep" : "detach");
	ctl_out_str(o, CTL_QUOTED, "last", a->last);
}

static int cmd_aer_status(struct ctl_ctx *ctx, int argc, char **argv, FILE *out, char *err, size_t errlen)
{
	return each_guest(ctx, argc, argv, out, err, errlen, aer_status_fields);
}

/* ---- hot-plug ---- */

/* A detach's outcome, once its device is free again or quarantined. */
static int detach_result(const struct pb_pool_dev *pd, const char *guest, const char *vaddr, FILE *out, char *err,
			 size_t errlen)
{
	char ra[PB_BDF_STRLEN];
	pb_bdf_format(&pd->dev.host->addr, ra);
	if (pd->quarantined) {
		snprintf(err, errlen, "%s left guest %s but is quarantined: %s", ra, guest, pd->reason);
		return -1;
	}
	fprintf(out, "detached %s (real %s) from %s\n", vaddr, ra, guest);
	return 0;
}

void ctl_detach_answer(const struct ctl_park *park, FILE *out)
{
	char err[256];
	if (detach_result(park->pd, park->guest, park->vaddr, out, err, sizeof(err)))
		fprintf(out, "error: %s\n", err);
	else
		fprintf(out, "ok\n");
}

/* Answers when the device is free again or quarantined: a reset off the loop parks the connection until then. */
static int cmd_detach(struct ctl_ctx *ctx, int argc, char **argv, FILE *out, char *err, size_t errlen)
{
	struct pb_dev *d = find_vdev(ctx, argv[0], argv[1], err, errlen);
	if (!d)
		return -1;
	struct pb_pool_dev *pd = pool_dev_of(d);
	int rc = ctx->transport ? ctx->transport->ops->detach(ctx->transport, pd, NULL) : pool_release(ctx->pool, pd);
	if (rc == POOL_RELEASING && ctx->park) {
		ctx->park->pd = pd;
		snprintf(ctx->park->guest, sizeof(ctx->park->guest), "%s", argv[0]);
		snprintf(ctx->park->vaddr, sizeof(ctx->park->vaddr), "%s", argv[1]);
		return CTL_DEFERRED;
	}
	if (rc == POOL_RELEASING) {
		fprintf(out, "detached %s from %s: being reset\n", argv[1], argv[0]);
		return 0;
	}
	return detach_result(pd, argv[0], argv[1], out, err, errlen);
}

/*
 * The pool device SOURCE names: one already in the pool (same source), else a
 * new one.  A host device the pool holds is found by its address before
 * anything opens it: opening seizes and quiesces, which would take MSI-X and
 * bus mastering from the guest that has it (or race the worker resetting it).
 */
static struct pb_pool_dev *source_dev(struct ctl_ctx *ctx, const char *source, char *err, size_t errlen)
{
	char e[256];
	struct pb_bdf addr;
	if (!strncmp(source, "host:", 5) && !pb_bdf_parse(source + 5, &addr, e, sizeof(e)))
		for (size_t i = 0; i < ctx->pool->ndevs; i++) {
			struct hostdev *h = ctx->pool->devs[i]->dev.host;
			if (h->real && pb_bdf_equal(&h->addr, &addr))
				return ctx->pool->devs[i];
		}
	struct hostdev *hd = daemon_load_source(source, ctx->host, e, sizeof(e));
	if (!hd) {
		snprintf(err, errlen, "%s", e);
		return NULL;
	}
	for (size_t i = 0; i < ctx->pool->ndevs; i++)
		if (!strcmp(ctx->pool->devs[i]->dev.host->source, hd->source)) {
			hostdev_destroy(hd);
			return ctx->pool->devs[i];
		}
	struct cfg_options copts = { 0 };
	struct pb_pool_dev *pd = pool_add_device(ctx->pool, hd, &copts, e, sizeof(e));
	if (!pd)
		snprintf(err, errlen, "%s", e);
	return pd;
}

static int cmd_attach(struct ctl_ctx *ctx, int argc, char **argv, FILE *out, char *err, size_t errlen)
{
	if (!lt_guest_name_ok(argv[0])) {
		snprintf(err, errlen, "bad guest name \"%.64s\" (1-63 of A-Z a-z 0-9 _ . -)", argv[0]);
		return -1;
	}
	struct pb_pool_dev *pd = source_dev(ctx, argv[1], err, errlen);
	if (!pd)
		return -1;
	char ra[PB_BDF_STRLEN], va[PB_BDF_STRLEN];
	pb_bdf_format(&pd->dev.host->addr, ra);
	/* Before the quiesce below: a device being reset is the release worker's. */
	if (pool_dev_assignable(pd, err, errlen))
		return -1;
	struct pb_guest *g = pool_guest(ctx->pool, argv[0], true);
	if (!g) {
		snprintf(err, errlen, "cannot create guest %s (at most %d guests)", argv[0], POOL_MAX_GUESTS);
		return -1;
	}
	/* As at seize time: no interrupts or DMA until the guest enables them (a reset may have restored some). */
	struct pb_bdf v;
	if (pb_transport_attach(ctx->transport, ctx->pool, g, pd, &v, err, errlen)) {
		if (g->topo.count == 0 && !g->transport)
			pool_guest_destroy(ctx->pool, g);
		return -1;
	}
	fprintf(out, "attached %s (real %s) to %s at %s\n", argv[1], ra, g->name, pb_bdf_format(&v, va));
	return 0;
}

static int cmd_quarantine(struct ctl_ctx *ctx, int argc, char **argv, FILE *out, char *err, size_t errlen)
{
	struct pb_pool *p = ctx->pool;
	struct ctl_out o;
	ctl_out_begin(&o, out, ctx->json);
	ctl_out_list(&o, "devices");
	for (size_t i = 0; i < p->ndevs; i++) {
		struct pb_pool_dev *pd = p->devs[i];
		/* Being reset: the reason it will be quarantined for, if the reset or restore fails, if any. */
		const char *reason = pd->releasing ? pd->quarantine_reason : pd->quarantined ? pd->reason : NULL;
		if (!reason)
			continue;
		char ra[PB_BDF_STRLEN];
		ctl_out_item(&o, NULL, "");
		ctl_out_str(&o, CTL_POS, "real", pb_bdf_format(&pd->dev.host->addr, ra));
		ctl_out_str(&o, CTL_KV, "source", pd->dev.host->source);
		ctl_out_bool(&o, CTL_JSON_ONLY, "being_reset", pd->releasing, "", "");
		bool pending = pd->releasing && !reason[0];
		ctl_out_str(&o, pending ? CTL_JSON_ONLY : CTL_KV, "reason", reason);
		if (pending)
			ctl_out_text(&o, " being reset: quarantined if the reset or restore fails");
		else if (pd->releasing)
			ctl_out_text(&o, " (being reset)");
		ctl_out_item_end(&o);
	}
	ctl_out_list_end(&o);
	ctl_out_end(&o);
	return 0;
}

/* Adds a quirk field to the pool device with that real address (until it next leaves a guest). */
static int cmd_quirk(struct ctl_ctx *ctx, int argc, char **argv, FILE *out, char *err, size_t errlen)
{
	(void)argc;
	if (daemon_add_quirk(ctx->pool, argv[0], err, errlen))
		return -1;
	fprintf(out, "quirk %s added\n", argv[0]);
	return 0;
}

/* ---- tracing ---- */

/* Shows, or switches (on, off, FILE), one guest's trace. */
static int cmd_trace(struct ctl_ctx *ctx, int argc, char **argv, FILE *out, char *err, size_t errlen)
{
	struct pb_guest *g = find_guest(ctx, argv[0], err, errlen);
	if (!g || (argc == 2 && pool_guest_trace(ctx->pool, g, argv[1], err, errlen)))
		return -1;
	const char *tp = ctx->pool->trace_path;
	if (!g->dg.trace)
		fprintf(out, "guest %s trace=off\n", g->name);
	else if (!g->trace_file)
		fprintf(out, "guest %s trace=on (%s)\n", g->name, strcmp(tp, "-") ? tp : "standard output");
	else
		fprintf(out, "guest %s trace=%s\n", g->name, g->trace_file->path);
	return 0;
}

/* ---- who may connect (local transport) ---- */

static int cmd_owner(struct ctl_ctx *ctx, int argc, char **argv, FILE *out, char *err, size_t errlen)
{
	struct pb_transport *t = ctx->transport;
	uid_t uid;
	if (!t) {
		snprintf(err, errlen, "no transport to serve guest %.64s", argv[0]);
		return -1;
	}
	if (t->ops->owner(t, argv[0], &uid, err, errlen))
		return -1;
	if (!lt_guest_name_ok(argv[0])) {
		snprintf(err, errlen, "bad guest name \"%.64s\" (1-63 of A-Z a-z 0-9 _ . -)", argv[0]);
		return -1;
	}
	if (argc == 2) {
		if (daemon_parse_uid(argv[1], &uid)) {
			snprintf(err, errlen, "no user %.64s", argv[1]);
			return -1;
		}
		if (t->ops->set_owner(t, argv[0], uid, err, errlen) || t->ops->owner(t, argv[0], &uid, err, errlen))
			return -1;
	}
	fprintf(out, "guest %s uid=%u\n", argv[0], (unsigned)uid);
	return 0;
}

const struct ctl_cmd ctl_cmds[] = {
	{ "help", "", 0, 0, cmd_help, false },
	{ "list", "", 0, 0, cmd_list, true },
	{ "stats", "[GUEST]", 0, 1, cmd_stats, true },
	{ "permissive", "GUEST VADDR on|off", 3, 3, cmd_permissive, false },
	{ "writes", "GUEST VADDR", 2, 2, cmd_writes, true },
	{ "irq", "[GUEST VADDR]", 0, 2, cmd_irq, true },
	{ "aer", "GUEST VADDR [normal|frozen|failure]", 2, 3, cmd_aer, false },
	{ "aer-status", "[GUEST]", 0, 1, cmd_aer_status, true },
	{ "detach", "GUEST VADDR", 2, 2, cmd_detach, false },
	{ "attach", "GUEST SOURCE", 2, 2, cmd_attach, false },
	{ "quarantine", "", 0, 0, cmd_quarantine, true },
	{ "quirk", "DDDD:BB:SS.F-REG:SIZE:MASK", 1, 1, cmd_quirk, false },
	{ "owner", "GUEST [UID|USER]", 1, 2, cmd_owner, false },
	{ "trace", "GUEST [on|off|FILE]", 1, 2, cmd_trace, false },
};
const size_t ctl_ncmds = sizeof(ctl_cmds) / sizeof(ctl_cmds[0]);
