/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Who may connect to the local transport, and for how long before the
 * handshake is over.  Anyone who can open the socket can connect, so:
 *  - a guest's name belongs to one uid (SO_PEERCRED): the one --guest-uid or
 *    the control command `owner` gives, or else the daemon's own (the
 *    operator's): deny by default, so no uid can claim a guest by connecting
 *    first;
 *  - connections that have not finished their handshake are capped
 *    (LT_MAX_PENDING); a new one beyond the cap evicts the oldest pending
 *    connection of the uid holding the most, so one uid's idle clients
 *    cannot keep another uid's guest out;
 *  - a handshake not finished within the handshake timeout is dropped (by
 *    the transport's connection timer, local_backend.c);
 *  - lines about clients not yet bound to a guest are rate-limited per uid,
 *    so one uid's noise does not hide what happens to another's clients.  A
 *    uid's limiter is handed to another uid only once it is idle (its window
 *    over, nothing suppressed), when it is as good as new: cycling uids gains
 *    nothing.  With every limiter busy, the transport's own is shared.
 */
#include <stdio.h>
#include <string.h>

#include "transport/local/local_backend.h"
#include "transport/local/local_conn.h"

static struct lt_owner *owner_find(struct lt_backend *b, const char *name)
{
	for (size_t i = 0; i < b->nowners; i++)
		if (!strcmp(b->owners[i].guest, name))
			return &b->owners[i];
	return NULL;
}

static struct lt_owner *owner_add(struct lt_backend *b, const char *name, uid_t uid)
{
	if (b->nowners >= LT_MAX_OWNERS)
		return NULL;
	struct lt_owner *o = &b->owners[b->nowners++];
	snprintf(o->guest, sizeof(o->guest), "%s", name);
	o->uid = uid;
	return o;
}

int lt_backend_set_owner(struct lt_backend *b, const char *guest, uid_t uid, char *err, size_t errlen)
{
	struct lt_owner *o = owner_find(b, guest);
	if (!o)
		o = owner_add(b, guest, uid);
	if (!o) {
		snprintf(err, errlen, "too many guest owners (at most %d)", LT_MAX_OWNERS);
		return -1;
	}
	o->uid = uid;
	/* A client of another uid (connected or still connecting) loses the guest now. */
	struct lt_conn *next;
	for (struct lt_conn *c = b->conns; c; c = next) {
		next = c->next;
		if (c->guest && !strcmp(c->guest->name, guest) && c->uid != uid)
			lt_conn_drop(c, "the operator handed the guest to another uid");
	}
	return 0;
}

uid_t lt_backend_owner(const struct lt_backend *b, const char *guest)
{
	const struct lt_owner *o = owner_find((struct lt_backend *)b, guest);
	return o ? o->uid : b->default_uid;
}

int lt_peer_may_claim(struct lt_conn *c, const char *name, char *why, size_t whylen)
{
	if (lt_backend_owner(c->b, name) == c->uid)
		return 0;
	/* Whom it belongs to, and whether it exists, is not this client's business. */
	snprintf(why, whylen, "uid %u may not connect as guest %s", (unsigned)c->uid, name);
	return -1;
}

struct pb_ratelimit *lt_peer_rl(struct lt_backend *b, uid_t uid)
{
	uint64_t now = pb_now_ms();
	struct lt_uid_rl *idle = NULL;
	for (size_t i = 0; i < LT_UID_RLS; i++) {
		struct lt_uid_rl *u = &b->uid_rl[i];
		if (u->used && u->uid == uid)
			return &u->rl;
		if (!idle && (!u->used || (now - u->rl.window_start_ms >= u->rl.interval_ms && !u->rl.suppressed)))
			idle = u;
	}
	if (!idle)
		return &b->rl;
	*idle = (struct lt_uid_rl){ .used = true, .uid = uid, .rl = PB_RATELIMIT_DEFAULT };
	return &idle->rl;
}

/* ---- pending connections ---- */

static bool pending(const struct lt_conn *c)
{
	return c->hs_deadline_ms != 0;
}

/* The pending connection to evict for a newcomer: the oldest of the uid holding the most. */
static struct lt_conn *victim(struct lt_backend *b)
{
	struct lt_conn *best = NULL;
	size_t best_n = 0;
	for (struct lt_conn *c = b->conns; c; c = c->next) {
		if (!pending(c))
			continue;
		size_t n = 0;
		struct lt_conn *oldest = NULL;
		for (struct lt_conn *d = b->conns; d; d = d->next)
			if (pending(d) && d->uid == c->uid) {
				n++;
				if (!oldest || d->hs_deadline_ms <= oldest->hs_deadline_ms)
					oldest = d;
			}
		if (n > best_n) {
			best_n = n;
			best = oldest;
		}
	}
	return best;
}

int lt_peer_admit(struct lt_backend *b)
{
	size_t n = 0;
	for (struct lt_conn *c = b->conns; c; c = c->next)
		n += pending(c);
	struct lt_conn *v = n >= LT_MAX_PENDING ? victim(b) : NULL;
	/* Nobody is evicted for a newcomer that would be refused anyway. */
	if (b->nconns - (v != NULL) >= LT_MAX_CONNS)
		return -1;
	if (v)
		lt_conn_drop(v, "evicted: too many connections waiting for their handshake");
	return 0;
}

void lt_peer_handshake_started(struct lt_conn *c)
{
	c->hs_deadline_ms = pb_now_ms() + c->b->handshake_ms;
	lt_conn_timer_arm(c->b);
}

void lt_peer_handshake_done(struct lt_conn *c)
{
	c->hs_deadline_ms = 0;
}

int lt_peer_expire(struct lt_conn *c, uint64_t now_ms)
{
	if (!pending(c) || c->hs_deadline_ms > now_ms)
		return 0;
	char why[96];
	snprintf(why, sizeof(why), "handshake not finished within %u ms", (unsigned)c->b->handshake_ms);
	lt_conn_drop(c, why);
	return -1;
}

void lt_backend_set_handshake_timeout(struct lt_backend *b, uint32_t ms)
{
	b->handshake_ms = ms;
}
