/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hot-plug on the local transport, as Xen's reconfigure handshake
 * with one difference: the backend never waits for the guest to
 * let go of a device.  The device leaves the guest first (pool_release: its
 * ops answer dev_not_found from then on), then the guest hears of it:
 *
 *   backend -> guest   state=7 num_devs=N vdev-I=... state-I=3|5   (the guest's
 *                      previous view; 5 = taken away: detach it)
 *   guest -> backend   state=7
 *   backend -> guest   state=8 + the new publication (num_devs, vdev-I, root_num, root-I)
 *   guest -> backend   state=4                                     (rescanned)
 *
 * A change during a round is told in the next round.  A guest that never
 * answers only delays what it hears; its ops and other guests carry on.
 */
#include <stdio.h>
#include <string.h>

#include "proto/xenbus_state.h"
#include "transport/local/local_backend.h"
#include "transport/local/local_conn.h"

void lt_reconf_set_view(struct lt_conn *c)
{
	const struct topology *t = &c->guest->topo;
	c->nview = t->count;
	for (size_t i = 0; i < t->count; i++)
		c->view[i] = (struct lt_view_dev){ .vaddr = t->e[i].vaddr, .dev = t->e[i].priv, .gone = false };
}

/* Backend state 7: the guest's view, each device with state-N 3 (stays) or 5 (taken away). */
static int send_reconfiguring(struct lt_conn *c)
{
	struct lt_msg m;
	lt_msg_init(&m);
	lt_msg_set(&m, LT_K_STATE, "%d", XB_RECONFIGURING);
	lt_msg_set(&m, LT_K_NUM_DEVS, "%zu", c->nview);
	for (size_t i = 0; i < c->nview; i++) {
		char key[LT_KEY_MAX], va[PB_BDF_STRLEN];
		snprintf(key, sizeof(key), LT_K_VDEV "%zu", i);
		lt_msg_set(&m, key, "%s", pb_bdf_format_pv(&c->view[i].vaddr, va));
		snprintf(key, sizeof(key), LT_K_DEV_STATE "%zu", i);
		lt_msg_set(&m, key, "%d", c->view[i].gone ? XB_CLOSING : XB_INITIALISED);
	}
	c->state = XB_RECONFIGURING;
	c->reconf_pending = false;
	return lt_conn_send(c, &m);
}

int lt_reconf_kick(struct lt_conn *c)
{
	if (!c->reconf_pending || c->state != XB_CONNECTED)
		return 0;
	pb_debug("local guest %s: reconfiguring", c->guest->name);
	return send_reconfiguring(c);
}

int lt_reconf_removed(struct lt_conn *c, const struct pb_dev *d)
{
	for (size_t i = 0; i < c->nview; i++)
		if (c->view[i].dev == d)
			c->view[i].gone = true;
	c->reconf_pending = true;
	return lt_reconf_kick(c);
}

int lt_reconf_added(struct lt_conn *c)
{
	c->reconf_pending = true;
	return lt_reconf_kick(c);
}

int lt_reconf_on_msg(struct lt_conn *c, long state)
{
	if (state == XB_RECONFIGURING && c->state == XB_RECONFIGURING) {
		/* The guest detached what it was told to: publish the current devices. */
		struct lt_msg m;
		if (lt_publish(c->guest, XB_RECONFIGURED, &m))
			return 0; /* cannot happen: the hello publication had room for at most as many */
		lt_reconf_set_view(c);
		c->state = XB_RECONFIGURED;
		return lt_conn_send(c, &m) ? -1 : 1;
	}
	if (state == XB_CONNECTED && c->state == XB_RECONFIGURED) {
		c->state = XB_CONNECTED;
		pb_debug("local guest %s: reconfigured", c->guest->name);
		return lt_reconf_kick(c) ? -1 : 1;
	}
	return 0;
}

int lt_release(struct lt_backend *b, struct pb_pool_dev *pd, const char *reason)
{
	struct pb_guest *g = pd->owner;
	struct lt_conn *c = g ? g->transport : NULL;
	if (c && c->page)
		aer_forget(&g->dg.aer, c->page, &pd->dev);
	int rc = reason ? pool_quarantine(b->pool, pd, reason) : pool_release(b->pool, pd);
	if (c && c->state != XB_INITIALISING)
		lt_reconf_removed(c, &pd->dev);
	aer_links_arm(&b->aer);
	return rc;
}

int lt_backend_detach(struct lt_backend *b, struct pb_pool_dev *pd, const char *reason)
{
	return lt_release(b, pd, reason);
}

void lt_backend_attached(struct lt_backend *b, struct pb_guest *g)
{
	(void)b;
	struct lt_conn *c = g->transport;
	if (c && c->state != XB_INITIALISING)
		lt_reconf_added(c);
}
