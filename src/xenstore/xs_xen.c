/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The xenstore interface over libxenstore. */
#include "xenstore/xs_xen.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

struct xs_xen {
	struct pb_xs xs;
	struct xs_handle *h;
};

static struct xs_handle *h_of(struct pb_xs *xs)
{
	return ((struct xs_xen *)xs)->h;
}

static int neg_errno(void)
{
	return errno ? -errno : -EIO;
}

static int x_read(struct pb_xs *xs, pb_xs_tx tx, const char *path, char **val)
{
	unsigned len;
	errno = 0;
	char *v = xs_read(h_of(xs), tx, path, &len);
	if (!v)
		return neg_errno();
	*val = v; /* libxenstore NUL-terminates */
	return 0;
}

static int x_write(struct pb_xs *xs, pb_xs_tx tx, const char *path, const char *val)
{
	errno = 0;
	return xs_write(h_of(xs), tx, path, val, (unsigned)strlen(val)) ? 0 : neg_errno();
}

static int x_mkdir(struct pb_xs *xs, pb_xs_tx tx, const char *path)
{
	errno = 0;
	return xs_mkdir(h_of(xs), tx, path) ? 0 : neg_errno();
}

static int x_rm(struct pb_xs *xs, pb_xs_tx tx, const char *path)
{
	errno = 0;
	if (xs_rm(h_of(xs), tx, path))
		return 0;
	return errno == ENOENT ? 0 : neg_errno();
}

static int x_directory(struct pb_xs *xs, pb_xs_tx tx, const char *path, char ***names, unsigned *n)
{
	unsigned num;
	errno = 0;
	char **d = xs_directory(h_of(xs), tx, path, &num);
	if (!d)
		return neg_errno();
	/* libxenstore returns one allocation; hand out separately owned strings. */
	char **v = calloc(num ? num : 1, sizeof(*v));
	if (!v) {
		free(d);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < num; i++)
		if (!(v[i] = strdup(d[i]))) {
			pb_xs_free_names(v, i);
			free(d);
			return -ENOMEM;
		}
	free(d);
	*names = v;
	*n = num;
	return 0;
}

static int x_set_perms(struct pb_xs *xs, pb_xs_tx tx, const char *path, const struct pb_xs_perm *perms, unsigned n)
{
	struct xs_permissions p[PB_XS_MAX_PERMS];
	if (n == 0 || n > PB_XS_MAX_PERMS)
		return -EINVAL;
	for (unsigned i = 0; i < n; i++) {
		p[i].id = perms[i].domid;
		p[i].perms = perms[i].perms & (XS_PERM_READ | XS_PERM_WRITE);
	}
	errno = 0;
	return xs_set_permissions(h_of(xs), tx, path, p, n) ? 0 : neg_errno();
}

static int x_get_perms(struct pb_xs *xs, pb_xs_tx tx, const char *path, struct pb_xs_perm *perms, unsigned max,
		       unsigned *n)
{
	unsigned num;
	errno = 0;
	struct xs_permissions *p = xs_get_permissions(h_of(xs), tx, path, &num);
	if (!p)
		return neg_errno();
	if (num > max) {
		free(p);
		return -E2BIG;
	}
	for (unsigned i = 0; i < num; i++) {
		perms[i].domid = p[i].id;
		perms[i].perms = p[i].perms & (XS_PERM_READ | XS_PERM_WRITE);
	}
	*n = num;
	free(p);
	return 0;
}

static int x_watch(struct pb_xs *xs, const char *path, const char *token)
{
	errno = 0;
	return xs_watch(h_of(xs), path, token) ? 0 : neg_errno();
}

static int x_unwatch(struct pb_xs *xs, const char *path, const char *token)
{
	errno = 0;
	return xs_unwatch(h_of(xs), path, token) ? 0 : neg_errno();
}

static int x_tx_start(struct pb_xs *xs, pb_xs_tx *tx)
{
	errno = 0;
	xs_transaction_t t = xs_transaction_start(h_of(xs));
	if (t == XBT_NULL)
		return neg_errno();
	*tx = t;
	return 0;
}

static int x_tx_end(struct pb_xs *xs, pb_xs_tx tx, bool abort)
{
	errno = 0;
	return xs_transaction_end(h_of(xs), tx, abort) ? 0 : neg_errno();
}

static int x_watch_fd(struct pb_xs *xs)
{
	return xs_fileno(h_of(xs));
}

static int x_next_event(struct pb_xs *xs, char **path, char **token)
{
	/* xs_check_watch() never blocks: it only looks at what the reader thread queued. */
	char **v = xs_check_watch(h_of(xs));
	if (!v)
		return errno == EAGAIN ? 0 : neg_errno();
	*path = strdup(v[XS_WATCH_PATH]);
	*token = strdup(v[XS_WATCH_TOKEN]);
	free(v);
	if (!*path || !*token) {
		free(*path);
		free(*token);
		return -ENOMEM;
	}
	return 1;
}

static void x_close(struct pb_xs *xs)
{
	xs_close(h_of(xs));
	free(xs);
}

static const struct pb_xs_ops xs_xen_ops = {
	.read = x_read,
	.write = x_write,
	.mkdir = x_mkdir,
	.rm = x_rm,
	.directory = x_directory,
	.set_perms = x_set_perms,
	.get_perms = x_get_perms,
	.watch = x_watch,
	.unwatch = x_unwatch,
	.tx_start = x_tx_start,
	.tx_end = x_tx_end,
	.watch_fd = x_watch_fd,
	.next_event = x_next_event,
	.close = x_close,
};

struct pb_xs *xs_xen_open(char *err, size_t errlen)
{
	struct xs_xen *x = calloc(1, sizeof(*x));
	if (!x) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	x->h = xs_open(0);
	if (!x->h) {
		snprintf(err, errlen, "cannot connect to xenstore: %s", strerror(errno));
		free(x);
		return NULL;
	}
	x->xs.ops = &xs_xen_ops;
	return &x->xs;
}
