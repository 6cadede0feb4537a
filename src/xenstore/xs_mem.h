/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An in-memory xenstore with the same semantics the daemon relies on:
 * implicit parent creation, recursive rm, stored permissions (new nodes
 * inherit their parent's), watches that fire for the path and everything
 * below it and once on registration, and optimistic transactions that fail
 * with -EAGAIN when the store changed underneath them.
 *
 * It is one store shared by several "connections": the daemon's, and in
 * tests the frontend's and the toolstack's (memxs_connect), each with its own
 * watches and event queue.  Permissions are recorded, not enforced.
 */
#ifndef PCIBACKD_XENSTORE_XS_MEM_H
#define PCIBACKD_XENSTORE_XS_MEM_H

#include "xenstore/xs.h"

struct memxs_store;

struct memxs_store *memxs_store_new(void);
/* Frees the store; every connection must have been closed. */
void memxs_store_free(struct memxs_store *s);

/* A new connection to the store (close it with pb_xs_close). */
struct pb_xs *memxs_connect(struct memxs_store *s);

/* Test API */
/* Fires the watches registered exactly on a special path ("@releaseDomain"). */
void memxs_fire_special(struct memxs_store *s, const char *path);
/* The next n transaction commits fail with -EAGAIN. */
void memxs_fail_next_commits(struct memxs_store *s, unsigned n);
/* Number of nodes (for leak checks) and a dump of a subtree for failure messages. */
size_t memxs_node_count(struct memxs_store *s);
/* Events queued on a connection. */
size_t memxs_pending_events(struct pb_xs *xs);
/* Total write/mkdir/rm operations applied so far (to prove "nothing was written"). */
uint64_t memxs_mutations(struct memxs_store *s);

#endif
