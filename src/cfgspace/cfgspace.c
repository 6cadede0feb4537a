/* SPDX-License-Identifier: GPL-2.0-or-later */
/* First engine: reads pass through, writes are dropped unless permissive. */
#include "cfgspace.h"

#include <stdio.h>
#include <stdlib.h>

#include "proto/pciif.h"

struct cfg_dev {
	struct hostdev *hd;
	struct cfg_options opts;
};

struct cfg_dev *cfg_dev_new(struct hostdev *hd, const struct cfg_options *opts, char *err, size_t errlen)
{
	struct cfg_dev *cd = calloc(1, sizeof(*cd));
	if (!cd) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	cd->hd = hd;
	if (opts)
		cd->opts = *opts;
	return cd;
}

void cfg_dev_free(struct cfg_dev *cd) { free(cd); }
struct hostdev *cfg_dev_host(const struct cfg_dev *cd) { return cd->hd; }

int cfg_read(struct cfg_dev *cd, long off, long size, uint32_t *val)
{
	*val = 0;
	if (!hostdev_access_ok(cd->hd, off, size))
		return PCIIF_ERR_INVALID_OFFSET;
	return hostdev_read(cd->hd, (unsigned)off, (unsigned)size, val) ? PCIIF_ERR_OP_FAILED : 0;
}

int cfg_write(struct cfg_dev *cd, long off, long size, uint32_t val)
{
	if (!hostdev_access_ok(cd->hd, off, size))
		return PCIIF_ERR_INVALID_OFFSET;
	if (!cd->opts.permissive)
		return 0;
	return hostdev_write(cd->hd, (unsigned)off, (unsigned)size, val) ? PCIIF_ERR_OP_FAILED : 0;
}

void cfg_dev_release(struct cfg_dev *cd) { (void)cd; }
void cfg_set_options(struct cfg_dev *cd, const struct cfg_options *opts) { cd->opts = *opts; }
const struct cfg_options *cfg_get_options(const struct cfg_dev *cd) { return &cd->opts; }
