/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Placeholder until the dump loader lands. */
#include "lspci_dump.h"
#include <stdio.h>
int lspci_dump_load(const char *path, struct lspci_dump *out, char *err, size_t errlen)
{
	(void)out;
	snprintf(err, errlen, "%s: not built yet", path);
	return -1;
}
void lspci_dump_free(struct lspci_dump *d) { (void)d; }
