/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The local transport's backend internals, shared by its files:
 * local_backend.c (connections, the handshake and the AER hooks),
 * local_peer.c (who may connect), local_kick.c (the kick throttle),
 * local_reconf.c (hot-plug rounds) and local_inflight.c (ops that wait for
 * their device).
 */
#ifndef PCIBACKD_TRANSPORT_LOCAL_CONN_H
#define PCIBACKD_TRANSPORT_LOCAL_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/deadline_timer.h"
#include "common/evloop.h"
#include "common/log.h"
#include "common/usock.h"
#include "core/pool.h"
#include "core/transport.h"
#include "transport/local/local_msg.h"

/* One device as the guest was last told about it. */
struct lt_view_dev {
	struct pb_bdf vaddr;
	const struct pb_dev *dev;
	bool gone;                 /* taken from the guest since: state-N = 5 in the next round */
};

struct lt_conn {
	struct lt_backend *b;
	int sock;
	struct ev_watch *sock_w;
	int state;                 /* the backend's XenbusState for this connection */
	struct pb_guest *guest;    /* bound once named */
	struct pciif_sharedinfo *page;
	int page_fd, kick_fd, notify_fd;
	struct ev_watch *kick_w;
	struct aer_link aer;       /* its guest's recoveries, connected while page is mapped */
	/* Hot-plug: what the guest knows, and whether it must hear of a change. */
	size_t nview;
	struct lt_view_dev view[TOPO_MAX_DEVS];
	bool reconf_pending;
	uid_t uid;                 /* the peer's, at connect() (SO_PEERCRED) */
	uint64_t hs_deadline_ms;   /* handshake deadline (pb_now_ms); 0 once connected */
	uint64_t kick_hold_ms;     /* kick eventfd unwatched until then (spurious kicks); 0: watched */
	struct lt_conn *next;
};

/* A guest name bound to a uid (--guest-uid, control command owner). */
struct lt_owner {
	char guest[LT_GUEST_NAME_MAX + 1];
	uid_t uid;
};

/* Rate limit of the lines about one uid's clients not yet connected to a guest. */
struct lt_uid_rl {
	bool used;
	uid_t uid;
	struct pb_ratelimit rl;
};

#define LT_MAX_OWNERS 1024
#define LT_UID_RLS 32
#define LT_MAX_PENDING 64

struct lt_backend {
	struct pb_transport base;  /* what the daemon holds (lt_backend_transport) */
	struct evloop *loop;
	struct pb_pool *pool;
	struct usock_server *listener;
	struct aer_links aer;            /* error recovery over every connected guest (dispatch/aer.h) */
	struct deadline_timer op_timer;  /* armed to the earliest deadline of an op waiting for its device */
	struct lt_conn *conns;
	size_t nconns;
	struct pb_ratelimit rl;    /* lines about the transport, and clients of uids beyond LT_UID_RLS */
	struct lt_uid_rl uid_rl[LT_UID_RLS]; /* lines about clients not yet bound to a guest, per uid */
	struct deadline_timer conn_timer; /* the earliest handshake deadline or end of a kick hold */
	uint32_t handshake_ms;
	uid_t default_uid;         /* owns every guest not in owners: the daemon's own */
	size_t nowners;
	struct lt_owner owners[LT_MAX_OWNERS];
};

/* local_backend.c */
struct pb_ratelimit *lt_conn_rl(struct lt_conn *c);
/* Sends m; on failure drops the client (c is freed) and returns -1. */
int lt_conn_send(struct lt_conn *c, const struct lt_msg *m);
/* Tells the client why (best effort), logs one rate-limited line and drops it (c is freed). */
void lt_conn_drop(struct lt_conn *c, const char *why);
/* Arms the connection timer to the earliest handshake deadline or kick hold end over every connection. */
void lt_conn_timer_arm(struct lt_backend *b);
/* Writes the notify eventfd; on failure drops the client and returns -1. */
int lt_conn_notify(struct lt_conn *c);
/* The connection serving g with a mapped page, or NULL. */
struct lt_conn *lt_conn_of(struct pb_guest *g);
/* The publication of g's devices (xen-pciback's xenstore keys) with backend state `state`. */
int lt_publish(const struct pb_guest *g, int state, struct lt_msg *m);

/* local_peer.c */
/* 0 if c's uid may use guest name; -1 with why otherwise. */
int lt_peer_may_claim(struct lt_conn *c, const char *name, char *why, size_t whylen);
/* The rate limit for lines about uid's clients not yet bound to a guest. */
struct pb_ratelimit *lt_peer_rl(struct lt_backend *b, uid_t uid);
/*
 * Before a new connection joins: 0 when it may (a pending one evicted if
 * LT_MAX_PENDING are pending), -1 when it must be refused (LT_MAX_CONNS),
 * nobody evicted then.
 */
int lt_peer_admit(struct lt_backend *b);
/* Starts c's handshake deadline; ends it. */
void lt_peer_handshake_started(struct lt_conn *c);
void lt_peer_handshake_done(struct lt_conn *c);
/* Drops c if its handshake deadline has passed: -1 then (c is freed), else 0. */
int lt_peer_expire(struct lt_conn *c, uint64_t now_ms);

/* local_kick.c */
/* A kick of c was handled; hold_until (dispatch_event's, 0: none): c's kicks are held until then. */
void lt_kick_done(struct lt_conn *c, uint64_t hold_until);
/* Watches c's kicks again if its hold has ended: 0, or -1 when c was dropped. */
int lt_kick_expire(struct lt_conn *c, uint64_t now_ms);

/* local_reconf.c */
/* Remembers what was just published to c's guest. */
void lt_reconf_set_view(struct lt_conn *c);
/* d left c's guest: the guest hears of it (now, or after the round in progress). -1: c was dropped. */
int lt_reconf_removed(struct lt_conn *c, const struct pb_dev *d);
/* A device joined c's guest.  -1: c was dropped. */
int lt_reconf_added(struct lt_conn *c);
/* Starts a round if one is pending and the connection is Connected.  -1: c was dropped. */
int lt_reconf_kick(struct lt_conn *c);
/* A state message from the guest while connected; 1 if it was one of the round's, -1 if c was dropped. */
int lt_reconf_on_msg(struct lt_conn *c, long state);
/* Takes pd from its guest (quarantined with reason when not NULL) and tells the guest.  May free its conn. */
int lt_release(struct lt_backend *b, struct pb_pool_dev *pd, const char *reason);

/* local_inflight.c */
int lt_inflight_init(struct lt_backend *b, char *err, size_t errlen);
void lt_inflight_fini(struct lt_backend *b);
/* Re-arms the op timer to the earliest deadline of an op in flight over every guest. */
void lt_inflight_arm(struct lt_backend *b);

#endif
