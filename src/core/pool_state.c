/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The pool's records in the state file: saving them, reading them with every check, giving a device back. */
#include "pool_state.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/state_file.h"

/* ---- saving ---- */

static void put_hex(struct sf_writer *w, const char *key, const uint8_t *p, size_t n)
{
	char *buf = malloc(2 * n + 1);
	if (!buf) {
		w->failed = true;
		return;
	}
	for (size_t i = 0; i < n; i++)
		snprintf(buf + 2 * i, 3, "%02x", p[i]);
	sf_put(w, key, "%s", buf);
	free(buf);
}

static void save_dev(struct sf_writer *w, const struct pb_pool_dev *pd, struct cfg_saved *cs)
{
	const struct hostdev *hd = pd->dev.host;
	char a[PB_BDF_STRLEN];
	sf_put(w, "dev", "%s", hd->source);
	sf_put(w, "dev-addr", "%s", pb_bdf_format(&hd->addr, a));
	sf_put(w, "dev-ids", "%04x:%04x", hd->vendor_id, hd->device_id);
	const struct topo_entry *e = pd->owner ? topo_find(&pd->owner->topo, &pd->dev) : NULL;
	if (e) {
		sf_put(w, "dev-guest", "%s", pd->owner->name);
		sf_put(w, "dev-vaddr", "%s", pb_bdf_format(&e->vaddr, a));
	}
	if (pd->quarantined)
		sf_put(w, "dev-quarantined", "%s", pd->reason);
	cfg_dev_save(pd->dev.cfg, cs);
	sf_put(w, "dev-opts", "%d %d %d %d", cs->opts.permissive, cs->opts.allow_interrupt_control,
	       cs->seize_opts.permissive, cs->seize_opts.allow_interrupt_control);
	for (size_t i = 0; i < cs->nfields; i++) {
		const struct cfg_saved_field *f = &cs->fields[i];
		sf_put(w, "dev-field", "%x %u %x %x %x %x", f->off, f->size, f->st[0], f->st[1], f->st[2], f->st[3]);
	}
	for (size_t i = 0; i < cs->nquirks; i++)
		sf_put(w, "dev-quirk", "%x %u %x", cs->quirks[i].off, cs->quirks[i].size, cs->quirks[i].mask);
	const struct pb_irq_state *irq = &pd->dev.irq;
	sf_put(w, "dev-irq", "%d %d %" PRIu32 " %u", irq->msi_on, irq->msix_on, irq->msi_pirq, irq->nmsix);
	for (unsigned i = 0; i < irq->nmsix && i < PCIIF_MAX_VEC; i++)
		sf_put(w, "dev-msix", "%" PRIu32 " %u", irq->msix_pirqs[i], irq->msix_entries[i]);
	if (!simdev_is_sim(hd))
		return;
	struct simdev_saved ss;
	if (simdev_save(hd, &ss)) {
		w->failed = true;
		return;
	}
	put_hex(w, "sim-cfg", ss.cfg, ss.cfg_size);
	sf_put(w, "sim-init", "%016" PRIx64, ss.initial_hash);
	sf_put(w, "sim-enabled", "%d", ss.enabled);
	for (size_t i = 0; i < ss.nwrites; i++)
		sf_put(w, "sim-write", "%x %u %x", ss.writes[i].off, ss.writes[i].size, ss.writes[i].value);
	for (size_t i = 0; i < ss.nmsix; i++) {
		const struct simdev_saved_msix *m = &ss.msix[i];
		sf_put(w, "sim-msix", "%u %x %x %x %x %" PRIu32, m->entry, m->v[0], m->v[1], m->v[2], m->v[3], m->pirq);
	}
	simdev_saved_free(&ss);
}

int pool_state_save(const struct pb_pool *p, const char *transport, const char *where, const char *path,
		    char *err, size_t errlen)
{
	struct cfg_saved *cs = malloc(sizeof(*cs));
	if (!cs) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	struct sf_writer w;
	if (sf_begin(&w, path, err, errlen)) {
		free(cs);
		return -1;
	}
	sf_put(&w, "transport", "%s", transport);
	sf_put(&w, "where", "%s", where);
	sf_put(&w, "mode", "%s", topo_mode_name(p->mode));
	for (size_t i = 0; i < p->ndevs; i++)
		save_dev(&w, p->devs[i], cs);
	free(cs);
	return sf_commit(&w, err, errlen);
}

/* ---- reading ---- */

void pool_state_free(struct pool_state *st)
{
	for (size_t i = 0; i < st->ndevs; i++) {
		free(st->devs[i].cfg);
		simdev_saved_free(&st->devs[i].simst);
	}
	free(st->devs);
	memset(st, 0, sizeof(*st));
}

/* Parses exactly n unsigned numbers of base `base` from s, each at most max; 0 or -1. */
static int nums(const char *s, int base, size_t n, uint64_t max, uint64_t *out)
{
	for (size_t i = 0; i < n; i++) {
		if (*s < '0' || (*s > '9' && base == 10) || (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f'))))
			return -1;
		char *e;
		errno = 0;
		unsigned long long v = strtoull(s, &e, base);
		if (errno || v > max || (i + 1 < n ? *e != ' ' : *e != '\0'))
			return -1;
		out[i] = v;
		s = e + (i + 1 < n);
	}
	return 0;
}

static int bool01(const char *s, bool *b)
{
	if (strcmp(s, "0") && strcmp(s, "1"))
		return -1;
	*b = s[0] == '1';
	return 0;
}

static int str_into(const char *s, char *dst, size_t cap)
{
	if (!*s || strlen(s) >= cap)
		return -1;
	snprintf(dst, cap, "%s", s);
	return 0;
}

static int bdf(const char *s, struct pb_bdf *a)
{
	char e[64];
	return pb_bdf_parse(s, a, e, sizeof(e));
}

static int field_size_ok(uint64_t size) { return size == 1 || size == 2 || size == 4; }

/* One device record line; -1 with why. */
static int dev_line(struct ps_dev *d, const char *key, const char *val, const char **why)
{
	uint64_t n[6];
	*why = "malformed";
	if (!strcmp(key, "dev-addr"))
		return bdf(val, &d->addr);
	if (!strcmp(key, "dev-ids")) {
		unsigned v, dv;
		char c;
		if (strlen(val) != 9 || sscanf(val, "%4x:%4x%c", &v, &dv, &c) != 2)
			return -1;
		d->vendor = (uint16_t)v;
		d->device = (uint16_t)dv;
		return 0;
	}
	if (!strcmp(key, "dev-guest"))
		return str_into(val, d->guest, sizeof(d->guest));
	if (!strcmp(key, "dev-vaddr"))
		return bdf(val, &d->vaddr);
	if (!strcmp(key, "dev-quarantined")) {
		d->quarantined = true;
		snprintf(d->reason, sizeof(d->reason), "%s", val);
		return 0;
	}
	if (!strcmp(key, "dev-opts")) {
		if (nums(val, 10, 4, 1, n))
			return -1;
		d->cfg->opts = (struct cfg_options){ .permissive = n[0], .allow_interrupt_control = n[1] };
		d->cfg->seize_opts = (struct cfg_options){ .permissive = n[2], .allow_interrupt_control = n[3] };
		return 0;
	}
	if (!strcmp(key, "dev-field")) {
		*why = "more registers than a device has, or a malformed one";
		if (d->cfg->nfields >= CFG_SAVED_MAX_FIELDS || nums(val, 16, 6, 0xffffffffu, n) || n[0] > 0xfff ||
		    !field_size_ok(n[1]))
			return -1;
		struct cfg_saved_field *f = &d->cfg->fields[d->cfg->nfields++];
		*f = (struct cfg_saved_field){ .off = (uint16_t)n[0], .size = (uint8_t)n[1] };
		for (int i = 0; i < 4; i++)
			f->st[i] = (uint32_t)n[2 + i];
		return 0;
	}
	if (!strcmp(key, "dev-quirk")) {
		if (d->cfg->nquirks >= CFG_SAVED_MAX_FIELDS || nums(val, 16, 3, 0xffffffffu, n) || n[0] > 0xfff ||
		    !field_size_ok(n[1]))
			return -1;
		d->cfg->quirks[d->cfg->nquirks++] =
			(struct cfg_saved_quirk){ .off = (uint16_t)n[0], .size = (uint8_t)n[1], .mask = (uint32_t)n[2] };
		return 0;
	}
	if (!strcmp(key, "dev-irq")) {
		if (nums(val, 10, 4, 0xffffffffu, n) || n[0] > 1 || n[1] > 1 || n[3] > PCIIF_MAX_VEC)
			return -1;
		d->irq.msi_on = n[0];
		d->irq.msix_on = n[1];
		d->irq.msi_pirq = (uint32_t)n[2];
		d->irq.nmsix = 0; /* counted by its dev-msix lines, checked against n[3] at the end */
		d->nmsix_announced = (unsigned)n[3];
		return 0;
	}
	if (!strcmp(key, "dev-msix")) {
		if (d->irq.nmsix >= PCIIF_MAX_VEC || nums(val, 10, 2, 0xffffffffu, n) || n[1] > 0xffff)
			return -1;
		d->irq.msix_pirqs[d->irq.nmsix] = (uint32_t)n[0];
		d->irq.msix_entries[d->irq.nmsix] = (uint16_t)n[1];
		d->irq.nmsix++;
		return 0;
	}
	return 1; /* not a dev- key */
}

static int hexbytes(const char *s, uint8_t *out, size_t cap, unsigned *n)
{
	size_t len = strlen(s);
	if (len % 2 || len / 2 > cap)
		return -1;
	for (size_t i = 0; i < len / 2; i++) {
		unsigned v;
		if (!strchr("0123456789abcdef", s[2 * i]) || !strchr("0123456789abcdef", s[2 * i + 1]) ||
		    sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	*n = (unsigned)(len / 2);
	return 0;
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t n = *cap ? *cap * 2 : 16;
	while (n < need)
		n *= 2;
	void *q = realloc(*p, n * elem);
	if (!q)
		return -1;
	*p = q;
	*cap = n;
	return 0;
}

static int sim_line(struct ps_dev *d, const char *key, const char *val, size_t *wcap, size_t *mcap, const char **why)
{
	uint64_t n[6];
	*why = "malformed";
	struct simdev_saved *s = &d->simst;
	if (!strcmp(key, "sim-cfg")) {
		d->sim = true;
		return hexbytes(val, s->cfg, sizeof(s->cfg), &s->cfg_size) ||
		       (s->cfg_size != 256 && s->cfg_size != 4096) ? -1 : 0;
	}
	if (!strcmp(key, "sim-init")) {
		if (strlen(val) != 16 || nums(val, 16, 1, UINT64_MAX, n))
			return -1;
		s->initial_hash = n[0];
		return 0;
	}
	if (!strcmp(key, "sim-enabled"))
		return bool01(val, &s->enabled);
	if (!strcmp(key, "sim-write")) {
		*why = "more writes than a device records, or a malformed one";
		if (s->nwrites >= SIMDEV_SAVED_MAX_WRITES || nums(val, 16, 3, 0xffffffffu, n) || n[0] > 0xfff ||
		    !field_size_ok(n[1]) || grow((void **)&s->writes, wcap, s->nwrites + 1, sizeof(*s->writes)))
			return -1;
		struct simdev_write *w = &s->writes[s->nwrites++];
		memset(w, 0, sizeof(*w));
		w->off = (uint16_t)n[0];
		w->size = (uint8_t)n[1];
		w->value = (uint32_t)n[2];
		return 0;
	}
	if (!strcmp(key, "sim-msix")) {
		unsigned e;
		uint32_t v[4];
		unsigned long pirq;
		char c;
		if (s->nmsix >= SIMDEV_MSIX_MAX ||
		    sscanf(val, "%u %x %x %x %x %lu%c", &e, &v[0], &v[1], &v[2], &v[3], &pirq, &c) != 6 ||
		    e >= SIMDEV_MSIX_MAX || pirq > 0xffffffffu || grow((void **)&s->msix, mcap, s->nmsix + 1, sizeof(*s->msix)))
			return -1;
		struct simdev_saved_msix *m = &s->msix[s->nmsix++];
		m->entry = (uint16_t)e;
		memcpy(m->v, v, sizeof(v));
		m->pirq = (uint32_t)pirq;
		return 0;
	}
	return 1;
}

/* 1-63 of A-Z a-z 0-9 _ . - (the names of both transports' guests). */
static bool guest_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (!n || n > 63)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		      s[i] == '_' || s[i] == '.' || s[i] == '-'))
			return false;
	return true;
}

/* The checks once a device's record is complete; NULL when it is whole. */
static const char *dev_done(const struct ps_dev *d)
{
	if (!d->have_addr)
		return "no dev-addr";
	if (!d->have_ids)
		return "no dev-ids";
	if (d->guest[0] && !guest_name_ok(d->guest))
		return "a bad guest name";
	if (d->guest[0] && !d->have_vaddr)
		return "a guest but no dev-vaddr";
	if (d->guest[0] && d->quarantined)
		return "quarantined and yet assigned to a guest";
	if (d->cfg->nfields == 0)
		return "no dev-field records";
	if (d->irq.nmsix != d->nmsix_announced)
		return "dev-irq and its dev-msix lines disagree";
	if (d->sim && !d->simst.initial_hash)
		return "sim-cfg without sim-init";
	if (!d->sim && (d->simst.nwrites || d->simst.nmsix || d->simst.initial_hash))
		return "sim- records without sim-cfg";
	return NULL;
}

static struct ps_dev *new_dev(struct pool_state *st, size_t *cap)
{
	if (st->ndevs >= POOL_MAX_DEVS || grow((void **)&st->devs, cap, st->ndevs + 1, sizeof(*st->devs)))
		return NULL;
	struct ps_dev *d = &st->devs[st->ndevs];
	memset(d, 0, sizeof(*d));
	d->cfg = calloc(1, sizeof(*d->cfg));
	if (!d->cfg)
		return NULL;
	st->ndevs++;
	return d;
}

int pool_state_load(const char *path, struct pool_state *st, char *err, size_t errlen)
{
	memset(st, 0, sizeof(*st));
	struct sf_doc doc;
	int rc = sf_load(path, &doc, err, errlen);
	if (rc)
		return rc;
	size_t cap = 0, wcap = 0, mcap = 0;
	struct ps_dev *d = NULL;
	const char *why = NULL;
	unsigned at = 0;
	bool have_transport = false, have_where = false, have_mode = false;
	for (size_t i = 0; i < doc.nlines && !why; i++) {
		const struct sf_line *l = &doc.lines[i];
		at = l->lineno;
		if (!strcmp(l->key, "transport")) {
			why = d || have_transport || str_into(l->val, st->transport, sizeof(st->transport)) ?
				      "a bad or misplaced transport record" : NULL;
			have_transport = true;
		} else if (!strcmp(l->key, "where")) {
			why = d || have_where || str_into(l->val, st->where, sizeof(st->where)) ?
				      "a bad or misplaced where record" : NULL;
			have_where = true;
		} else if (!strcmp(l->key, "mode")) {
			why = d || have_mode || topo_parse_mode(l->val, &st->mode) ? "a bad or misplaced mode record" : NULL;
			have_mode = true;
		} else if (!strcmp(l->key, "dev")) {
			if (d && (why = dev_done(d)))
				break;
			if (!have_transport || !have_where || !have_mode) {
				why = "a device before the transport, where and mode records";
				break;
			}
			d = new_dev(st, &cap);
			wcap = mcap = 0;
			if (!d)
				why = "too many devices, or out of memory";
			else if (str_into(l->val, d->source, sizeof(d->source)))
				why = "a bad device source";
		} else if (!d) {
			why = "a device record before its dev line";
		} else {
			int r = dev_line(d, l->key, l->val, &why);
			if (r > 0)
				r = sim_line(d, l->key, l->val, &wcap, &mcap, &why);
			if (r > 0)
				why = "an unknown record";
			else if (r == 0)
				why = NULL;
			if (!strcmp(l->key, "dev-addr"))
				d->have_addr = true;
			else if (!strcmp(l->key, "dev-ids"))
				d->have_ids = true;
			else if (!strcmp(l->key, "dev-vaddr"))
				d->have_vaddr = true;
		}
	}
	if (!why && d && (why = dev_done(d)))
		at = 0;
	if (!why && (!have_transport || !have_where || !have_mode)) {
		why = "no transport, where or mode record";
		at = 0;
	}
	if (why) {
		if (at)
			snprintf(err, errlen, "%s: line %u: %s", path, at, why);
		else
			snprintf(err, errlen, "%s: device %s: %s", path, d ? d->source : "?", why);
		pool_state_free(st);
		sf_doc_free(&doc);
		return -EINVAL;
	}
	for (size_t i = 0; i < st->ndevs; i++)
		for (size_t j = 0; j < i; j++)
			if (!strcmp(st->devs[i].source, st->devs[j].source)) {
				snprintf(err, errlen, "%s: device %s is listed twice", path, st->devs[i].source);
				pool_state_free(st);
				sf_doc_free(&doc);
				return -EINVAL;
			}
	sf_doc_free(&doc);
	return 0;
}

/* ---- giving a device back ---- */

struct ps_dev *pool_state_find(struct pool_state *st, const char *source)
{
	for (size_t i = 0; i < st->ndevs; i++)
		if (!strcmp(st->devs[i].source, source))
			return &st->devs[i];
	return NULL;
}

int pool_state_give_host(const struct ps_dev *r, struct hostdev *hd, char *err, size_t errlen)
{
	char a[PB_BDF_STRLEN], b[PB_BDF_STRLEN];
	if (!pb_bdf_equal(&r->addr, &hd->addr) || r->vendor != hd->vendor_id || r->device != hd->device_id) {
		snprintf(err, errlen, "it is %s %04x:%04x now, %s %04x:%04x when saved", pb_bdf_format(&hd->addr, a),
			 hd->vendor_id, hd->device_id, pb_bdf_format(&r->addr, b), r->vendor, r->device);
		return -1;
	}
	if (r->sim != (simdev_is_sim(hd) != 0)) {
		snprintf(err, errlen, "it was %s when saved", r->sim ? "simulated" : "not simulated");
		return -1;
	}
	if (r->sim)
		return simdev_load_saved(hd, &r->simst, err, errlen);
	return 0;
}

int pool_state_give_dev(struct pb_pool *p, struct pb_pool_dev *pd, const struct ps_dev *r, char *err,
			size_t errlen)
{
	if (cfg_dev_load_saved(pd->dev.cfg, r->cfg, err, errlen))
		return -1;
	if (r->quarantined) {
		pd->quarantined = true;
		snprintf(pd->reason, sizeof(pd->reason), "%s", r->reason);
	}
	if (!r->guest[0])
		return 0;
	struct pb_guest *g = pool_guest(p, r->guest, true);
	if (!g) {
		snprintf(err, errlen, "cannot create guest %s (at most %d guests)", r->guest, POOL_MAX_GUESTS);
		return -1;
	}
	if (pool_assign_at(p, g, pd, &r->vaddr, err, errlen))
		return -1;
	pd->dev.irq = r->irq;
	return 0;
}
