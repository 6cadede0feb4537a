/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The local transport, backend side: a listening Unix SOCK_SEQPACKET socket
 * served from the daemon's event loop.  Each connection names a guest of the
 * pool, receives what is published for it and hands over its shared page and
 * eventfds (wire format: local_msg.h).  A guest keeps its devices and their
 * state across reconnects; a second simultaneous connection for the same
 * guest is refused.  Anything a client gets wrong drops only that client,
 * with one rate-limited line.
 *
 * While a connection serves a guest, pb_guest.transport points to it: a
 * guest is served by at most one transport connection at a time.  A guest
 * is served only to clients of its uid (the daemon's own unless the operator
 * named another), and clients get a bounded time and
 * number of places to finish their handshake (local_peer.c).
 */
#ifndef PCIBACKD_TRANSPORT_LOCAL_BACKEND_H
#define PCIBACKD_TRANSPORT_LOCAL_BACKEND_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/evloop.h"
#include "core/pool.h"
#include "core/transport.h"

struct lt_backend;

#define LT_MAX_CONNS 512
#define LT_HANDSHAKE_TIMEOUT_MS 5000


/* Binds and listens on path (replacing a stale socket file); NULL + err. */
struct lt_backend *lt_backend_new(struct evloop *loop, struct pb_pool *pool, const char *path, char *err,
				  size_t errlen);
/* Drops every connection, removes the socket file. */
void lt_backend_free(struct lt_backend *b);
/* b as the daemon holds it (its stop is lt_backend_free). */
struct pb_transport *lt_backend_transport(struct lt_backend *b);

/*
 * Only clients of uid may connect as guest (a guest never named here belongs
 * to the daemon's own uid).  A client of guest with another uid is dropped.
 */
int lt_backend_set_owner(struct lt_backend *b, const char *guest, uid_t uid, char *err, size_t errlen);
/* The uid whose clients may connect as guest. */
uid_t lt_backend_owner(const struct lt_backend *b, const char *guest);
/* A client that has not finished its handshake within ms is dropped (default LT_HANDSHAKE_TIMEOUT_MS). */
void lt_backend_set_handshake_timeout(struct lt_backend *b, uint32_t ms);

/* The XenbusState of g's connection on this transport: XB_CLOSED when none. */
int lt_backend_guest_state(const struct lt_backend *b, const struct pb_guest *g);

/*
 * Reports a PCIe error on d (assigned to g, channel PCIIF_AER_IO_*): the
 * guest's recovery starts (or is queued behind the one in progress).  A
 * guest that is not connected, or has no handler, fails at once and the
 * guest's AER policy applies.  Writes a one-line summary to out; returns 0,
 * or -1 when the event was dropped (queue full).
 */
int lt_backend_aer_inject(struct lt_backend *b, struct pb_guest *g, struct pb_dev *d, int channel, char *out,
			  size_t outlen);

/*
 * Takes pd from its guest through pool_release (and quarantines it with
 * `reason` when not NULL); a connected guest hears of it through hot-unplug.
 * Returns what pool_release returned.
 */
int lt_backend_detach(struct lt_backend *b, struct pb_pool_dev *pd, const char *reason);

/* A device was just assigned to g (pool_assign): a connected guest hears of it through hot-plug. */
void lt_backend_attached(struct lt_backend *b, struct pb_guest *g);

#endif
