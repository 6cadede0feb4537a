/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The xenstore interface the Xen transport and pcibackctl use.  Two
 * implementations: libxenstore (xs_xen.c, only with libxen) and an in-memory
 * store for tests (xs_mem.c, always built).
 *
 * Paths are absolute.  Values are byte strings; read() returns a malloc'd
 * NUL-terminated copy.  Functions return 0 or a negative errno (ENOENT for a
 * missing node, EAGAIN from tx_end when the transaction must be retried).
 *
 * Watches: a watch on P fires for P and every node below it, and once when
 * it is registered.  Events are queued; watch_fd() becomes readable while
 * events are pending, and next_event() takes one without blocking.
 */
#ifndef PCIBACKD_XENSTORE_XS_H
#define PCIBACKD_XENSTORE_XS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint32_t pb_xs_tx;
#define PB_XS_NO_TX ((pb_xs_tx)0)

enum pb_xs_perm_bits { PB_XS_PERM_NONE = 0, PB_XS_PERM_READ = 1, PB_XS_PERM_WRITE = 2, PB_XS_PERM_BOTH = 3 };

/* Xenstore permissions: entry 0 is the owner (and the default for others). */
struct pb_xs_perm {
	uint32_t domid;
	unsigned perms; /* PB_XS_PERM_* */
};
#define PB_XS_MAX_PERMS 16

struct pb_xs;

struct pb_xs_ops {
	int (*read)(struct pb_xs *xs, pb_xs_tx tx, const char *path, char **val);
	int (*write)(struct pb_xs *xs, pb_xs_tx tx, const char *path, const char *val);
	int (*mkdir)(struct pb_xs *xs, pb_xs_tx tx, const char *path);
	/* Removes the node and everything below it; a missing node is not an error. */
	int (*rm)(struct pb_xs *xs, pb_xs_tx tx, const char *path);
	/* The child names (malloc'd array of malloc'd strings). */
	int (*directory)(struct pb_xs *xs, pb_xs_tx tx, const char *path, char ***names, unsigned *n);
	int (*set_perms)(struct pb_xs *xs, pb_xs_tx tx, const char *path, const struct pb_xs_perm *perms,
			 unsigned n);
	int (*get_perms)(struct pb_xs *xs, pb_xs_tx tx, const char *path, struct pb_xs_perm *perms, unsigned max,
			 unsigned *n);
	int (*watch)(struct pb_xs *xs, const char *path, const char *token);
	int (*unwatch)(struct pb_xs *xs, const char *path, const char *token);
	int (*tx_start)(struct pb_xs *xs, pb_xs_tx *tx);
	int (*tx_end)(struct pb_xs *xs, pb_xs_tx tx, bool abort);
	int (*watch_fd)(struct pb_xs *xs);
	/* 1 with a malloc'd path and token, 0 when no event is pending, or -errno. */
	int (*next_event)(struct pb_xs *xs, char **path, char **token);
	void (*close)(struct pb_xs *xs);
};

struct pb_xs {
	const struct pb_xs_ops *ops;
};

/* Convenience wrappers. */
int pb_xs_read(struct pb_xs *xs, pb_xs_tx tx, const char *path, char **val);
int pb_xs_write(struct pb_xs *xs, pb_xs_tx tx, const char *path, const char *val);
int pb_xs_rm(struct pb_xs *xs, pb_xs_tx tx, const char *path);
/* "%s/%s" helpers: read/write key under dir, printf-style value. */
int pb_xs_read_key(struct pb_xs *xs, pb_xs_tx tx, const char *dir, const char *key, char **val);
int pb_xs_printf(struct pb_xs *xs, pb_xs_tx tx, const char *dir, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Reads dir/key as a decimal int; -ENOENT, or -EINVAL when it doesn't parse. */
int pb_xs_read_int(struct pb_xs *xs, pb_xs_tx tx, const char *dir, const char *key, int *out);
void pb_xs_free_names(char **names, unsigned n);
void pb_xs_close(struct pb_xs *xs);

/* Formats "owner rD", e.g. "n0 r5", the way xenstore-ls -p shows them. */
void pb_xs_perms_format(const struct pb_xs_perm *perms, unsigned n, char *buf, size_t len);

#endif
