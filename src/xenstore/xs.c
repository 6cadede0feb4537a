/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by every xenstore implementation. */
#include "xenstore/xs.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pb_xs_read(struct pb_xs *xs, pb_xs_tx tx, const char *path, char **val)
{
	return xs->ops->read(xs, tx, path, val);
}

int pb_xs_write(struct pb_xs *xs, pb_xs_tx tx, const char *path, const char *val)
{
	return xs->ops->write(xs, tx, path, val);
}

int pb_xs_rm(struct pb_xs *xs, pb_xs_tx tx, const char *path)
{
	return xs->ops->rm(xs, tx, path);
}

int pb_xs_read_key(struct pb_xs *xs, pb_xs_tx tx, const char *dir, const char *key, char **val)
{
	char path[512];
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, key) >= sizeof(path))
		return -ENAMETOOLONG;
	return xs->ops->read(xs, tx, path, val);
}

int pb_xs_printf(struct pb_xs *xs, pb_xs_tx tx, const char *dir, const char *key, const char *fmt, ...)
{
	char path[512], val[256];
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, key) >= sizeof(path))
		return -ENAMETOOLONG;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(val))
		return -E2BIG;
	return xs->ops->write(xs, tx, path, val);
}

int pb_xs_read_int(struct pb_xs *xs, pb_xs_tx tx, const char *dir, const char *key, int *out)
{
	char *v = NULL;
	int rc = pb_xs_read_key(xs, tx, dir, key, &v);
	if (rc)
		return rc;
	char *end;
	errno = 0;
	long l = strtol(v, &end, 10);
	rc = (end == v || errno || l < INT_MIN || l > INT_MAX) ? -EINVAL : 0;
	if (!rc)
		*out = (int)l;
	free(v);
	return rc;
}

void pb_xs_free_names(char **names, unsigned n)
{
	if (!names)
		return;
	for (unsigned i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

void pb_xs_close(struct pb_xs *xs)
{
	if (xs)
		xs->ops->close(xs);
}

void pb_xs_perms_format(const struct pb_xs_perm *perms, unsigned n, char *buf, size_t len)
{
	static const char letter[] = { 'n', 'r', 'w', 'b' };
	size_t used = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < n && used < len; i++) {
		int k = snprintf(buf + used, len - used, "%s%c%u", i ? " " : "", letter[perms[i].perms & 3],
				 perms[i].domid);
		if (k < 0)
			break;
		used += (size_t)k;
	}
}
