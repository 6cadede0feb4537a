/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `pcibackd --transport xen`: serves every guest whose backend nodes name
 * this domain, from the daemon's event loop (xenstore watch fd and the
 * event-channel fd), and picks up new guests as their nodes appear.
 */
#ifndef PCIBACKD_TRANSPORT_XEN_XEN_TRANSPORT_H
#define PCIBACKD_TRANSPORT_XEN_XEN_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "common/evloop.h"
#include "core/pool.h"
#include "core/transport.h"

/* False when pcibackd was built without libxen. */
bool xen_transport_built(void);

/*
 * Connects to xenstore, the grant and event-channel devices, registers with
 * the loop and starts watching.  self_domid < 0: read it from xenstore
 * ("domid", 0 when absent).  Returns the transport as the daemon holds it
 * (its stop tears every guest down: unbind, unmap, release, and closes
 * everything), or NULL + a one-line err; without libxen err says that the
 * Xen transport is not built.
 */
struct pb_transport *xen_transport_start(struct pb_pool *pool, struct evloop *loop, int self_domid, char *err,
					 size_t errlen);

#endif
