/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCIe error recovery with the guest's driver: the per-guest AER step engine, and aer_links, the
 * earliest-deadline timer and drain both transports use.
 */
#include "aer.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dispatch/dispatch.h"

void aer_init(struct aer_state *a, const char *name, const struct topology *topo, struct pb_ratelimit *rl,
	      bool (*slot_reset)(struct aer_state *a, struct pb_dev *d))
{
	memset(a, 0, sizeof(*a));
	a->name = name;
	a->topo = topo;
	a->rl = rl;
	a->slot_reset = slot_reset;
	a->timeout_ms = AER_DEFAULT_TIMEOUT_MS;
	a->policy = AER_POLICY_DETACH;
}

int aer_parse_policy(const char *s, enum aer_policy *p)
{
	if (!strcmp(s, "detach"))
		*p = AER_POLICY_DETACH;
	else if (!strcmp(s, "keep"))
		*p = AER_POLICY_KEEP;
	else
		return -1;
	return 0;
}

static const char *step_name(uint32_t cmd)
{
	return pciif_cmd_name(cmd) + 4; /* "aer_detected" -> "detected" */
}

/* Appends to the summary of the current recovery. */
static void __attribute__((format(printf, 2, 3))) note(struct aer_state *a, const char *fmt, ...)
{
	size_t n = strlen(a->last);
	va_list ap;
	va_start(ap, fmt);
	if (n < sizeof(a->last) - 1)
		vsnprintf(a->last + n, sizeof(a->last) - n, fmt, ap);
	va_end(ap);
}

/* aer_deadline's value for "due now": any time is at or after it, and 0 means none. */
#define AER_DUE_NOW 1

/* now + timeout, stopping at the end of the clock instead of wrapping into the past. */
static uint64_t deadline_after(uint64_t now_ms, uint32_t timeout_ms)
{
	return now_ms > UINT64_MAX - timeout_ms ? UINT64_MAX : now_ms + timeout_ms;
}

/* Drops d's queued events. */
static void drop_queued(struct aer_state *a, const struct pb_dev *d)
{
	for (unsigned i = 0; i < a->nqueued;)
		if (a->queue[i].dev == d)
			memmove(&a->queue[i], &a->queue[i + 1], (--a->nqueued - i) * sizeof(a->queue[0]));
		else
			i++;
}

/* Posts one step for the current device. */
static void post(struct aer_state *a, struct pciif_sharedinfo *sh, uint32_t cmd, uint64_t now_ms,
		 struct aer_actions *act)
{
	const struct topo_entry *e = topo_find(a->topo, a->cur.dev);
	struct pciif_aer_op op = {
		.cmd = cmd,
		.err = a->cur.channel,
		.domain = e ? e->vaddr.domain : 0,
		.bus = e ? e->vaddr.bus : 0,
		.devfn = e ? e->vaddr.devfn : 0,
	};
	memcpy((void *)&sh->aer_op, &op, sizeof(op));
	a->step = cmd;
	a->deadline_ms = deadline_after(now_ms, a->timeout_ms);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	pciif_flags_set(sh, PCIIF_FLAG_B_ACTIVE);
	act->notify = true;
}

static void finish(struct aer_state *a, struct pciif_sharedinfo *sh, bool ok, uint64_t now_ms,
		   struct aer_actions *act);

static void start(struct aer_state *a, struct pciif_sharedinfo *sh, struct aer_event ev, uint64_t now_ms,
		  struct aer_actions *act)
{
	a->busy = true;
	a->cur = ev;
	a->last[0] = '\0';
	if (!sh || !(pciif_flags_load(sh) & PCIIF_FLAG_B_AERHANDLER)) {
		note(a, sh ? "no guest handler" : "guest not connected");
		finish(a, sh, false, now_ms, act);
		return;
	}
	post(a, sh, PCIIF_OP_AER_DETECTED, now_ms, act);
}

/* Starts the queue's head (the engine is not busy). */
static void start_next(struct aer_state *a, struct pciif_sharedinfo *sh, uint64_t now_ms,
		       struct aer_actions *act)
{
	if (!a->nqueued)
		return;
	struct aer_event ev = a->queue[0];
	memmove(&a->queue[0], &a->queue[1], --a->nqueued * sizeof(a->queue[0]));
	start(a, sh, ev, now_ms, act);
}

/*
 * Ends the current recovery and starts the next queued one, which may end at
 * once too (no handler, no page): each failure under the detach policy adds
 * its own device to act->failed, so none is lost to a later one.
 */
static void finish(struct aer_state *a, struct pciif_sharedinfo *sh, bool ok, uint64_t now_ms,
		   struct aer_actions *act)
{
	note(a, " -> %s", ok ? "recovered" : "failed");
	if (ok)
		a->recovered++;
	else
		a->failed++;
	pb_log_rl(a->rl, ok ? PB_LOG_INFO : PB_LOG_WARN, "guest %s: AER on %s: %s", a->name, a->cur.dev->host->source,
		  a->last);
	if (act->outcome != AER_OUT_FAILED)
		act->outcome = ok ? AER_OUT_RECOVERED : AER_OUT_FAILED;
	/* Every finish consumes the current event or a queued one: at most AER_MAX_FAILED per call. */
	if (!ok && a->policy == AER_POLICY_DETACH && act->nfailed < AER_MAX_FAILED) {
		act->failed[act->nfailed++] = a->cur.dev;
		drop_queued(a, a->cur.dev); /* the device leaves the guest: its other errors go with it */
	}
	a->busy = false;
	a->resetting = false;
	a->cur.dev = NULL;
	a->deadline_ms = 0;
	start_next(a, sh, now_ms, act);
}

void aer_inject(struct aer_state *a, struct pciif_sharedinfo *sh, struct pb_dev *d, int channel,
		uint64_t now_ms, struct aer_actions *act)
{
	memset(act, 0, sizeof(*act));
	struct aer_event ev = { d, channel };
	if (a->busy) {
		if (a->nqueued == AER_QUEUE) {
			a->dropped++;
			pb_log_rl(a->rl, PB_LOG_WARN, "guest %s: AER event on %s dropped: recovery queue full", a->name,
				  d->host->source);
			return;
		}
		a->queue[a->nqueued++] = ev;
		return;
	}
	start(a, sh, ev, now_ms, act);
}

int aer_inject_report(struct aer_state *a, struct pciif_sharedinfo *sh, struct pb_dev *d, int channel,
		      uint64_t now_ms, struct aer_actions *act, char *out, size_t outlen)
{
	uint64_t dropped_before = a->dropped;
	aer_inject(a, sh, d, channel, now_ms, act);
	if (act->outcome == AER_OUT_FAILED)
		snprintf(out, outlen, "failed at once (%s): %s", sh ? "no guest handler" : "guest not connected",
			 act->nfailed ? "device detached and quarantined" : "device kept");
	else if (a->dropped != dropped_before)
		snprintf(out, outlen, "dropped: %u recoveries already queued", AER_QUEUE);
	else if (a->busy && a->cur.dev == d)
		snprintf(out, outlen, "posted error_detected");
	else
		snprintf(out, outlen, "queued behind the recovery in progress");
	return a->dropped != dropped_before ? -1 : 0;
}

/* Next step after the guest's answer to the current one; 0 when done (ok says how). */
static uint32_t next_step(uint32_t step, int32_t result, bool *ok)
{
	*ok = false;
	switch (step) {
	case PCIIF_OP_AER_DETECTED:
		if (result == PCIIF_AER_RESULT_CAN_RECOVER)
			return PCIIF_OP_AER_MMIO;
		if (result == PCIIF_AER_RESULT_NEED_RESET)
			return PCIIF_OP_AER_SLOTRESET;
		if (result == PCIIF_AER_RESULT_RECOVERED)
			return PCIIF_OP_AER_RESUME;
		return 0;
	case PCIIF_OP_AER_MMIO:
		if (result == PCIIF_AER_RESULT_NEED_RESET)
			return PCIIF_OP_AER_SLOTRESET;
		if (result == PCIIF_AER_RESULT_RECOVERED || result == PCIIF_AER_RESULT_CAN_RECOVER)
			return PCIIF_OP_AER_RESUME;
		return 0;
	case PCIIF_OP_AER_SLOTRESET:
		if (result == PCIIF_AER_RESULT_RECOVERED || result == PCIIF_AER_RESULT_CAN_RECOVER)
			return PCIIF_OP_AER_RESUME;
		return 0;
	default: /* resume: the answer is ignored */
		*ok = true;
		return 0;
	}
}

void aer_poll(struct aer_state *a, struct pciif_sharedinfo *sh, uint64_t now_ms, struct aer_actions *act)
{
	memset(act, 0, sizeof(*act));
	if (!a->busy || a->resetting) /* resetting: the guest's answer is taken, slot_reset comes next */
		return;
	if (!a->cur.dev) { /* the device under recovery left: the next one starts now */
		a->busy = false;
		start_next(a, sh, now_ms, act);
		return;
	}
	if (pciif_flags_load(sh) & PCIIF_FLAG_B_ACTIVE) {
		if (now_ms < a->deadline_ms)
			return;
		/* The guest never answered: take the page back. */
		pciif_flags_clear(sh, PCIIF_FLAG_B_ACTIVE);
		a->timeouts++;
		note(a, "%s%s:timeout", a->last[0] ? " " : "", step_name(a->step));
		finish(a, sh, a->step == PCIIF_OP_AER_RESUME, now_ms, act);
		return;
	}
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	int32_t result = __atomic_load_n(&sh->aer_op.err, __ATOMIC_RELAXED); /* the one read of the answer */
	note(a, "%s%s:%d", a->last[0] ? " " : "", step_name(a->step), (int)result);
	bool ok;
	uint32_t next = next_step(a->step, result, &ok);
	if (next == PCIIF_OP_AER_SLOTRESET && a->slot_reset && a->slot_reset(a, a->cur.dev)) {
		a->resetting = true;
		a->step = PCIIF_OP_AER_SLOTRESET;
		a->deadline_ms = 0;
		return;
	}
	if (next)
		post(a, sh, next, now_ms, act);
	else
		finish(a, sh, ok, now_ms, act);
}

void aer_reset_done(struct aer_state *a, struct pciif_sharedinfo *sh, uint64_t now_ms, struct aer_actions *act)
{
	memset(act, 0, sizeof(*act));
	if (!a->resetting)
		return; /* the recovery ended meanwhile (disconnected) */
	a->resetting = false;
	if (sh) /* connected (a disconnect ends the recovery, and aer_forget the device's, resetting or not) */
		post(a, sh, PCIIF_OP_AER_SLOTRESET, now_ms, act);
}

uint64_t aer_deadline(const struct aer_state *a)
{
	return a->busy && !a->resetting ? a->deadline_ms : 0;
}

void aer_forget(struct aer_state *a, struct pciif_sharedinfo *sh, const struct pb_dev *d)
{
	drop_queued(a, d);
	if (a->busy && a->cur.dev == d) {
		a->cur.dev = NULL;
		a->resetting = false; /* its reset's end finds nothing to post */
		if (sh)
			pciif_flags_clear(sh, PCIIF_FLAG_B_ACTIVE);
	}
	if (a->busy && !a->cur.dev) {
		/* Nothing is posted: the queue's head (if any) waits for aer_poll, due at once. */
		a->busy = a->nqueued > 0;
		a->step = a->busy ? PCIIF_OP_AER_DETECTED : 0;
		a->deadline_ms = a->busy ? AER_DUE_NOW : 0;
	}
}

void aer_disconnect(struct aer_state *a, struct pciif_sharedinfo *sh, struct aer_actions *act)
{
	memset(act, 0, sizeof(*act));
	if (!a->busy)
		return;
	if (sh)
		pciif_flags_clear(sh, PCIIF_FLAG_B_ACTIVE);
	if (!a->cur.dev) {
		a->busy = false;
		start_next(a, NULL, 0, act);
		return;
	}
	note(a, "%s%s:disconnected", a->last[0] ? " " : "", step_name(a->step));
	/* Without a page every queued event fails at once in start(): nothing stays busy. */
	finish(a, NULL, a->step == PCIIF_OP_AER_RESUME, 0, act);
}

/* ---- the plumbing both transports share ---- */

void aer_links_init(struct aer_links *p, const char *what, const struct aer_hooks *hooks, void *arg)
{
	memset(p, 0, sizeof(*p));
	p->what = what;
	p->hooks = hooks;
	p->arg = arg;
	p->rl = (struct pb_ratelimit)PB_RATELIMIT_DEFAULT;
	deadline_timer_clear(&p->timer);
}

static void on_timer(struct ev_watch *w, uint32_t events, void *arg)
{
	struct aer_links *p = arg;
	int rc = deadline_timer_fired(&p->timer);
	if (rc)
		pb_log_rl(&p->rl, PB_LOG_WARN, "%s: AER timer: %s", p->what, strerror(-rc));
	aer_links_run(p, pb_now_ms());
}

int aer_links_start_timer(struct aer_links *p, struct evloop *loop, char *err, size_t errlen)
{
	if (deadline_timer_init(&p->timer, loop, on_timer, p, err, errlen))
		return -1;
	p->loop = loop;
	return 0;
}

void aer_links_fini(struct aer_links *p)
{
	if (p->loop)
		deadline_timer_fini(&p->timer, p->loop);
	p->loop = NULL;
}

uint64_t aer_links_deadline(const struct aer_links *p)
{
	uint64_t first = 0;
	for (const struct aer_link *l = p->up; l; l = l->next) {
		uint64_t d = aer_deadline(l->a);
		if (d && (!first || d < first))
			first = d;
	}
	return first;
}

void aer_links_arm(struct aer_links *p)
{
	if (!p->loop)
		return;
	int rc = deadline_timer_arm(&p->timer, aer_links_deadline(p));
	if (rc)
		pb_log_rl(&p->rl, PB_LOG_WARN, "%s: cannot arm the AER timer: %s", p->what, strerror(-rc));
}

void aer_links_apply(struct aer_links *p, struct aer_link *l, const struct aer_actions *act)
{
	if (l && l->sh && act->notify && p->hooks->notify(p->arg, l))
		l = NULL; /* dropped; the policy still applies */
	if (l && act->outcome == AER_OUT_FAILED && p->hooks->failed)
		p->hooks->failed(p->arg, l);
	/* The engine names devices only under the detach policy, done with them (their queued errors dropped). */
	for (unsigned i = 0; i < act->nfailed; i++)
		p->hooks->quarantine(p->arg, act->failed[i], AER_FAILED_REASON);
	aer_links_arm(p);
}

void aer_links_run(struct aer_links *p, uint64_t now_ms)
{
	struct aer_link *next;
	for (struct aer_link *l = p->up; l; l = next) {
		next = l->next;
		uint64_t t = aer_deadline(l->a);
		if (!t || t > now_ms)
			continue;
		struct aer_actions act;
		aer_poll(l->a, l->sh, now_ms, &act);
		aer_links_apply(p, l, &act);
	}
	aer_links_arm(p);
}

void aer_link_init(struct aer_link *l, struct aer_state *a)
{
	l->a = a;
	l->sh = NULL;
	l->next = NULL;
}

void aer_link_up(struct aer_links *p, struct aer_link *l, struct pciif_sharedinfo *sh)
{
	if (!l->sh) {
		l->next = p->up;
		p->up = l;
	}
	l->sh = sh;
	l->a->links = p;
	l->a->link = l;
	aer_links_arm(p);
}

void aer_link_down(struct aer_links *p, struct aer_link *l)
{
	if (!l->sh)
		return;
	struct aer_state *a = l->a;
	if (a->busy) {
		pb_log_rl(a->rl, PB_LOG_WARN, "guest %s disconnected during AER recovery: it fails", a->name);
		/* Every recovery in progress or queued ends at once; the guest is gone, nothing is notified. */
		struct aer_actions act;
		aer_disconnect(a, l->sh, &act);
		aer_links_apply(p, l, &act);
	}
	for (struct aer_link **pp = &p->up; *pp; pp = &(*pp)->next)
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	l->sh = NULL;
	l->next = NULL;
	a->links = NULL;
	a->link = NULL;
	aer_links_arm(p);
}

bool aer_link_poll(struct aer_link *l, uint64_t now_ms, struct aer_actions *act)
{
	aer_poll(l->a, l->sh, now_ms, act);
	return act->notify || act->outcome != AER_OUT_NONE;
}

struct pciif_sharedinfo *aer_page(const struct aer_state *a) { return a->link ? a->link->sh : NULL; }

void aer_links_reset_done(struct aer_state *a, uint64_t now_ms, bool current, bool answered, bool waiting)
{
	struct aer_actions act = { .outcome = AER_OUT_NONE };
	if (current)
		aer_reset_done(a, aer_page(a), now_ms, &act);
	act.notify |= answered;
	if (!a->links)
		return;
	struct aer_links *p = a->links;
	struct aer_link *l = a->link;
	if (waiting && p->hooks->op_waits)
		p->hooks->op_waits(p->arg, l);
	aer_links_apply(p, l, &act);
}

int aer_links_inject(struct aer_links *p, struct aer_link *l, struct aer_state *a, struct pb_dev *d, int channel,
		     char *out, size_t outlen)
{
	struct aer_actions act;
	int rc = aer_inject_report(a, l ? l->sh : NULL, d, channel, pb_now_ms(), &act, out, outlen);
	aer_links_apply(p, l, &act);
	return rc;
}
