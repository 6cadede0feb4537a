/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The in-memory xenstore behaves like xenstored where the backend depends on it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xenstore/xs_mem.h"

static int next(struct pb_xs *xs, char *path, size_t len)
{
	char *p, *t;
	int rc = xs->ops->next_event(xs, &p, &t);
	if (rc == 1) {
		snprintf(path, len, "%s|%s", p, t);
		free(p);
		free(t);
	}
	return rc;
}

static void test_read_write_parents_rm(void **state)
{
	struct memxs_store *s = memxs_store_new();
	struct pb_xs *xs = memxs_connect(s);
	char *v;
	assert_int_equal(pb_xs_write(xs, PB_XS_NO_TX, "/a/b/c", "1"), 0);
	assert_int_equal(pb_xs_read(xs, PB_XS_NO_TX, "/a/b", &v), 0);
	assert_string_equal(v, "");
	free(v);
	char **names;
	unsigned n;
	pb_xs_write(xs, PB_XS_NO_TX, "/a/b/d", "2");
	assert_int_equal(xs->ops->directory(xs, PB_XS_NO_TX, "/a/b", &names, &n), 0);
	assert_int_equal(n, 2);
	pb_xs_free_names(names, n);
	assert_int_equal(pb_xs_rm(xs, PB_XS_NO_TX, "/a/b"), 0);
	assert_int_equal(pb_xs_read(xs, PB_XS_NO_TX, "/a/b/c", &v), -ENOENT);
	assert_int_equal(pb_xs_rm(xs, PB_XS_NO_TX, "/a/b"), 0); /* missing: fine */
	int i;
	pb_xs_write(xs, PB_XS_NO_TX, "/a/n", "12x");
	assert_int_equal(pb_xs_read_int(xs, PB_XS_NO_TX, "/a", "n", &i), 0);
	assert_int_equal(i, 12);
	assert_int_equal(pb_xs_read_int(xs, PB_XS_NO_TX, "/a", "zz", &i), -ENOENT);
	pb_xs_close(xs);
	memxs_store_free(s);
}

static void test_watches(void **state)
{
	struct memxs_store *s = memxs_store_new();
	struct pb_xs *w = memxs_connect(s), *o = memxs_connect(s);
	char ev[256];
	assert_int_equal(w->ops->watch(w, "/x/y", "tok"), 0);
	/* Fires once on registration, and the fd says so. */
	struct pollfd pfd = { .fd = w->ops->watch_fd(w), .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, 0), 1);
	assert_int_equal(next(w, ev, sizeof(ev)), 1);
	assert_string_equal(ev, "/x/y|tok");
	assert_int_equal(next(w, ev, sizeof(ev)), 0);
	assert_int_equal(poll(&pfd, 1, 0), 0);
	/* The path and everything below it; not siblings with a common prefix. */
	pb_xs_write(o, PB_XS_NO_TX, "/x/y/z", "1");
	pb_xs_write(o, PB_XS_NO_TX, "/x/yy", "1");
	pb_xs_write(o, PB_XS_NO_TX, "/x/y", "2");
	assert_int_equal(next(w, ev, sizeof(ev)), 1);
	assert_string_equal(ev, "/x/y/z|tok");
	assert_int_equal(next(w, ev, sizeof(ev)), 1);
	assert_string_equal(ev, "/x/y|tok");
	assert_int_equal(next(w, ev, sizeof(ev)), 0);
	/* Removing a parent fires a watch below it, with the watched path. */
	pb_xs_rm(o, PB_XS_NO_TX, "/x");
	assert_int_equal(next(w, ev, sizeof(ev)), 1);
	assert_string_equal(ev, "/x/y|tok");
	/* Special paths fire only when fired. */
	assert_int_equal(w->ops->watch(w, "@releaseDomain", "rel"), 0);
	assert_int_equal(next(w, ev, sizeof(ev)), 1);
	memxs_fire_special(s, "@releaseDomain");
	assert_int_equal(next(w, ev, sizeof(ev)), 1);
	assert_string_equal(ev, "@releaseDomain|rel");
	assert_int_equal(w->ops->unwatch(w, "/x/y", "tok"), 0);
	pb_xs_write(o, PB_XS_NO_TX, "/x/y", "3");
	assert_int_equal(next(w, ev, sizeof(ev)), 0);
	pb_xs_close(w);
	pb_xs_close(o);
	memxs_store_free(s);
}

static void test_transactions(void **state)
{
	struct memxs_store *s = memxs_store_new();
	struct pb_xs *a = memxs_connect(s), *b = memxs_connect(s);
	char ev[256], *v;
	a->ops->watch(a, "/t", "w");
	next(a, ev, sizeof(ev));
	pb_xs_tx tx;
	assert_int_equal(b->ops->tx_start(b, &tx), 0);
	pb_xs_write(b, tx, "/t/k", "1");
	/* Invisible and silent until committed. */
	assert_int_equal(pb_xs_read(a, PB_XS_NO_TX, "/t/k", &v), -ENOENT);
	assert_int_equal(next(a, ev, sizeof(ev)), 0);
	assert_int_equal(b->ops->tx_end(b, tx, false), 0);
	assert_int_equal(next(a, ev, sizeof(ev)), 1);
	assert_string_equal(ev, "/t/k|w");
	/* A conflicting change makes the commit fail with EAGAIN, and nothing is applied. */
	assert_int_equal(b->ops->tx_start(b, &tx), 0);
	pb_xs_write(b, tx, "/t/k", "2");
	pb_xs_write(a, PB_XS_NO_TX, "/t/other", "x");
	assert_int_equal(b->ops->tx_end(b, tx, false), -EAGAIN);
	assert_int_equal(pb_xs_read(a, PB_XS_NO_TX, "/t/k", &v), 0);
	assert_string_equal(v, "1");
	free(v);
	/* Aborted: nothing applied. */
	assert_int_equal(b->ops->tx_start(b, &tx), 0);
	pb_xs_write(b, tx, "/t/k", "3");
	assert_int_equal(b->ops->tx_end(b, tx, true), 0);
	assert_int_equal(pb_xs_read(a, PB_XS_NO_TX, "/t/k", &v), 0);
	assert_string_equal(v, "1");
	free(v);
	/* Injected conflicts. */
	memxs_fail_next_commits(s, 1);
	assert_int_equal(b->ops->tx_start(b, &tx), 0);
	assert_int_equal(b->ops->tx_end(b, tx, false), -EAGAIN);
	pb_xs_close(a);
	pb_xs_close(b);
	memxs_store_free(s);
}

static void test_permissions(void **state)
{
	struct memxs_store *s = memxs_store_new();
	struct pb_xs *xs = memxs_connect(s);
	struct pb_xs_perm p[2] = { { 0, PB_XS_PERM_NONE }, { 5, PB_XS_PERM_READ } }, got[4];
	unsigned n;
	char buf[64];
	pb_xs_write(xs, PB_XS_NO_TX, "/d", "");
	assert_int_equal(xs->ops->set_perms(xs, PB_XS_NO_TX, "/d", p, 2), 0);
	/* Children inherit their parent's permissions. */
	pb_xs_write(xs, PB_XS_NO_TX, "/d/e/f", "1");
	assert_int_equal(xs->ops->get_perms(xs, PB_XS_NO_TX, "/d/e/f", got, 4, &n), 0);
	pb_xs_perms_format(got, n, buf, sizeof(buf));
	assert_string_equal(buf, "n0 r5");
	assert_int_equal(xs->ops->get_perms(xs, PB_XS_NO_TX, "/nope", got, 4, &n), -ENOENT);
	pb_xs_close(xs);
	memxs_store_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_write_parents_rm),
		cmocka_unit_test(test_watches),
		cmocka_unit_test(test_transactions),
		cmocka_unit_test(test_permissions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
