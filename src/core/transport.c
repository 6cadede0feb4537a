/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What every transport does the same around its ops (see transport.h). */
#include "core/transport.h"

int pb_transport_attach(struct pb_transport *t, struct pb_pool *p, struct pb_guest *g, struct pb_pool_dev *pd,
			struct pb_bdf *vaddr, char *err, size_t errlen)
{
	hostdev_quiesce(pd->dev.host);
	if (pool_assign(p, g, pd, vaddr, err, errlen))
		return -1;
	if (t && t->ops->attached)
		t->ops->attached(t, g);
	return 0;
}

void pb_transport_stop(struct pb_transport *t)
{
	if (t)
		t->ops->stop(t);
}
