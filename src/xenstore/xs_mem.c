/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The in-memory xenstore (see xs_mem.h). */
#include "xenstore/xs_mem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

struct mnode {
	char *path;
	uint32_t hash; /* of path: lookups compare it before the string */
	char *val;
	unsigned nperms;
	struct pb_xs_perm perms[PB_XS_MAX_PERMS];
};

/* A set of nodes: the store itself, or a transaction's private copy. */
struct mtree {
	size_t n, cap;
	struct mnode *v;
};

struct mchange {
	char *path;
	bool removed;
};

struct mtx {
	pb_xs_tx id;
	uint64_t base_gen;
	struct mtree tree;
	size_t nchg;
	struct mchange *chg;
	struct mtx *next;
};

struct mwatch {
	char *path, *token;
	struct mwatch *next;
};

struct mevent {
	char *path, *token;
	struct mevent *next;
};

struct memxs_conn {
	struct pb_xs xs;
	struct memxs_store *store;
	int efd;
	struct mwatch *watches;
	struct mevent *head, *tail;
	size_t nevents;
	struct mtx *txs;
	struct memxs_conn *next;
};

struct memxs_store {
	struct mtree tree;
	uint64_t gen;
	uint64_t mutations;
	unsigned fail_commits;
	pb_xs_tx next_tx;
	struct memxs_conn *conns;
};

/* ---- trees ---- */

static uint32_t path_hash(const char *path)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (; *path; path++)
		h = (h ^ (uint8_t)*path) * 16777619u;
	return h;
}

static struct mnode *tree_find(struct mtree *t, const char *path)
{
	uint32_t h = path_hash(path);
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].hash == h && !strcmp(t->v[i].path, path))
			return &t->v[i];
	return NULL;
}

static bool path_under(const char *path, const char *top)
{
	size_t l = strlen(top);
	if (strncmp(path, top, l))
		return false;
	return path[l] == '\0' || path[l] == '/' || (l == 1 && top[0] == '/');
}

static bool path_ok(const char *path)
{
	size_t l = strlen(path);
	return l > 0 && l < 3072 && (path[0] == '/' || path[0] == '@') && (l == 1 || path[l - 1] != '/') &&
	       !strstr(path, "//");
}

static void node_free(struct mnode *n)
{
	free(n->path);
	free(n->val);
}

static void tree_free(struct mtree *t)
{
	for (size_t i = 0; i < t->n; i++)
		node_free(&t->v[i]);
	free(t->v);
	memset(t, 0, sizeof(*t));
}

static int tree_copy(struct mtree *dst, const struct mtree *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->v = calloc(src->n ? src->n : 1, sizeof(*dst->v));
	if (!dst->v)
		return -ENOMEM;
	dst->cap = src->n ? src->n : 1;
	for (size_t i = 0; i < src->n; i++) {
		struct mnode *d = &dst->v[i];
		*d = src->v[i];
		d->path = strdup(src->v[i].path);
		d->val = strdup(src->v[i].val);
		dst->n = i + 1;
		if (!d->path || !d->val) {
			tree_free(dst);
			return -ENOMEM;
		}
	}
	return 0;
}

/* Creates path (and its missing parents) with empty values; returns the node. */
static struct mnode *tree_create(struct mtree *t, const char *path, int *rc)
{
	struct mnode *n = tree_find(t, path);
	if (n)
		return n;
	/* The parent first, so permissions can be inherited. */
	struct pb_xs_perm perms[PB_XS_MAX_PERMS] = { { 0, PB_XS_PERM_NONE } };
	unsigned nperms = 1;
	const char *slash = strrchr(path, '/');
	if (slash && strcmp(path, "/")) {
		char *parent = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
		if (!parent) {
			*rc = -ENOMEM;
			return NULL;
		}
		struct mnode *p = tree_create(t, parent, rc);
		free(parent);
		if (!p)
			return NULL;
		memcpy(perms, p->perms, sizeof(perms));
		nperms = p->nperms;
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct mnode *v = realloc(t->v, cap * sizeof(*v));
		if (!v) {
			*rc = -ENOMEM;
			return NULL;
		}
		t->v = v;
		t->cap = cap;
	}
	n = &t->v[t->n];
	memset(n, 0, sizeof(*n));
	n->path = strdup(path);
	n->hash = path_hash(path);
	n->val = strdup("");
	if (!n->path || !n->val) {
		node_free(n);
		*rc = -ENOMEM;
		return NULL;
	}
	memcpy(n->perms, perms, sizeof(perms));
	n->nperms = nperms;
	t->n++;
	return n;
}

static void tree_rm(struct mtree *t, const char *path)
{
	size_t j = 0;
	for (size_t i = 0; i < t->n; i++) {
		if (path_under(t->v[i].path, path))
			node_free(&t->v[i]);
		else
			t->v[j++] = t->v[i];
	}
	t->n = j;
}

/* ---- watches and events ---- */

static void conn_enqueue(struct memxs_conn *c, const char *path, const char *token)
{
	struct mevent *e = calloc(1, sizeof(*e));
	if (!e)
		return;
	e->path = strdup(path);
	e->token = strdup(token);
	if (!e->path || !e->token) {
		free(e->path);
		free(e->token);
		free(e);
		return;
	}
	if (c->tail)
		c->tail->next = e;
	else
		c->head = e;
	c->tail = e;
	c->nevents++;
	uint64_t one = 1;
	if (write(c->efd, &one, sizeof(one)) != sizeof(one))
		return;
}

static void fire(struct memxs_store *s, const char *path, bool removed)
{
	for (struct memxs_conn *c = s->conns; c; c = c->next)
		for (struct mwatch *w = c->watches; w; w = w->next) {
			if (w->path[0] == '@')
				continue;
			if (path_under(path, w->path))
				conn_enqueue(c, path, w->token);
			else if (removed && path_under(w->path, path))
				conn_enqueue(c, w->path, w->token);
		}
}

/* ---- connection ops ---- */

static struct memxs_conn *conn_of(struct pb_xs *xs)
{
	return (struct memxs_conn *)xs;
}

/* The tree an operation works on; NULL for an unknown transaction. */
static struct mtree *tree_of(struct memxs_conn *c, pb_xs_tx tx, struct mtx **txp)
{
	*txp = NULL;
	if (tx == PB_XS_NO_TX)
		return &c->store->tree;
	for (struct mtx *t = c->txs; t; t = t->next)
		if (t->id == tx) {
			*txp = t;
			return &t->tree;
		}
	return NULL;
}

static void changed(struct memxs_conn *c, struct mtx *tx, const char *path, bool removed)
{
	if (!tx) {
		c->store->gen++;
		c->store->mutations++;
		fire(c->store, path, removed);
		return;
	}
	struct mchange *v = realloc(tx->chg, (tx->nchg + 1) * sizeof(*v));
	if (!v)
		return;
	tx->chg = v;
	v[tx->nchg].path = strdup(path);
	v[tx->nchg].removed = removed;
	if (v[tx->nchg].path)
		tx->nchg++;
}

static int m_read(struct pb_xs *xs, pb_xs_tx tx, const char *path, char **val)
{
	struct mtx *t;
	struct mtree *tree = tree_of(conn_of(xs), tx, &t);
	if (!tree)
		return -ENOENT;
	struct mnode *n = tree_find(tree, path);
	if (!n)
		return -ENOENT;
	*val = strdup(n->val);
	return *val ? 0 : -ENOMEM;
}

static int m_write(struct pb_xs *xs, pb_xs_tx tx, const char *path, const char *val)
{
	struct memxs_conn *c = conn_of(xs);
	struct mtx *t;
	struct mtree *tree = tree_of(c, tx, &t);
	if (!tree)
		return -ENOENT;
	if (!path_ok(path) || path[0] != '/')
		return -EINVAL;
	char *copy = strdup(val);
	if (!copy)
		return -ENOMEM;
	int rc = 0;
	struct mnode *n = tree_create(tree, path, &rc);
	if (!n) {
		free(copy);
		return rc;
	}
	free(n->val);
	n->val = copy;
	changed(c, t, path, false);
	return 0;
}

static int m_mkdir(struct pb_xs *xs, pb_xs_tx tx, const char *path)
{
	struct memxs_conn *c = conn_of(xs);
	struct mtx *t;
	struct mtree *tree = tree_of(c, tx, &t);
	if (!tree)
		return -ENOENT;
	if (!path_ok(path) || path[0] != '/')
		return -EINVAL;
	if (tree_find(tree, path))
		return 0;
	int rc = 0;
	if (!tree_create(tree, path, &rc))
		return rc;
	changed(c, t, path, false);
	return 0;
}

static int m_rm(struct pb_xs *xs, pb_xs_tx tx, const char *path)
{
	struct memxs_conn *c = conn_of(xs);
	struct mtx *t;
	struct mtree *tree = tree_of(c, tx, &t);
	if (!tree)
		return -ENOENT;
	if (!tree_find(tree, path))
		return 0;
	tree_rm(tree, path);
	changed(c, t, path, true);
	return 0;
}

static int m_directory(struct pb_xs *xs, pb_xs_tx tx, const char *path, char ***names, unsigned *num)
{
	struct mtx *t;
	struct mtree *tree = tree_of(conn_of(xs), tx, &t);
	if (!tree || !tree_find(tree, path))
		return -ENOENT;
	size_t l = strcmp(path, "/") ? strlen(path) : 0;
	char **v = NULL;
	unsigned n = 0;
	for (size_t i = 0; i < tree->n; i++) {
		const char *p = tree->v[i].path;
		if (strncmp(p, path, l) || p[l] != '/' || strchr(p + l + 1, '/'))
			continue;
		char **nv = realloc(v, (n + 1) * sizeof(*nv));
		if (!nv || !(nv[n] = strdup(p + l + 1))) {
			pb_xs_free_names(nv ? nv : v, n);
			return -ENOMEM;
		}
		v = nv;
		n++;
	}
	*names = v;
	*num = n;
	return 0;
}

static int m_set_perms(struct pb_xs *xs, pb_xs_tx tx, const char *path, const struct pb_xs_perm *perms, unsigned n)
{
	struct memxs_conn *c = conn_of(xs);
	struct mtx *t;
	struct mtree *tree = tree_of(c, tx, &t);
	if (!tree)
		return -ENOENT;
	if (n == 0 || n > PB_XS_MAX_PERMS)
		return -EINVAL;
	struct mnode *node = tree_find(tree, path);
	if (!node)
		return -ENOENT;
	memcpy(node->perms, perms, n * sizeof(*perms));
	node->nperms = n;
	changed(c, t, path, false);
	return 0;
}

static int m_get_perms(struct pb_xs *xs, pb_xs_tx tx, const char *path, struct pb_xs_perm *perms, unsigned max,
		       unsigned *n)
{
	struct mtx *t;
	struct mtree *tree = tree_of(conn_of(xs), tx, &t);
	struct mnode *node = tree ? tree_find(tree, path) : NULL;
	if (!node)
		return -ENOENT;
	if (node->nperms > max)
		return -E2BIG;
	memcpy(perms, node->perms, node->nperms * sizeof(*perms));
	*n = node->nperms;
	return 0;
}

static int m_watch(struct pb_xs *xs, const char *path, const char *token)
{
	struct memxs_conn *c = conn_of(xs);
	if (!path_ok(path))
		return -EINVAL;
	for (struct mwatch *w = c->watches; w; w = w->next)
		if (!strcmp(w->path, path) && !strcmp(w->token, token))
			return -EEXIST;
	struct mwatch *w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->path = strdup(path);
	w->token = strdup(token);
	if (!w->path || !w->token) {
		free(w->path);
		free(w->token);
		free(w);
		return -ENOMEM;
	}
	w->next = c->watches;
	c->watches = w;
	conn_enqueue(c, path, token);
	return 0;
}

static int m_unwatch(struct pb_xs *xs, const char *path, const char *token)
{
	struct memxs_conn *c = conn_of(xs);
	for (struct mwatch **pp = &c->watches; *pp; pp = &(*pp)->next) {
		struct mwatch *w = *pp;
		if (!strcmp(w->path, path) && !strcmp(w->token, token)) {
			*pp = w->next;
			free(w->path);
			free(w->token);
			free(w);
			return 0;
		}
	}
	return -ENOENT;
}

static int m_tx_start(struct pb_xs *xs, pb_xs_tx *tx)
{
	struct memxs_conn *c = conn_of(xs);
	struct mtx *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	if (tree_copy(&t->tree, &c->store->tree)) {
		free(t);
		return -ENOMEM;
	}
	if (++c->store->next_tx == PB_XS_NO_TX)
		++c->store->next_tx;
	t->id = c->store->next_tx;
	t->base_gen = c->store->gen;
	t->next = c->txs;
	c->txs = t;
	*tx = t->id;
	return 0;
}

static void tx_free(struct mtx *t)
{
	tree_free(&t->tree);
	for (size_t i = 0; i < t->nchg; i++)
		free(t->chg[i].path);
	free(t->chg);
	free(t);
}

static int m_tx_end(struct pb_xs *xs, pb_xs_tx tx, bool abort)
{
	struct memxs_conn *c = conn_of(xs);
	struct mtx **pp = &c->txs;
	while (*pp && (*pp)->id != tx)
		pp = &(*pp)->next;
	struct mtx *t = *pp;
	if (!t)
		return -ENOENT;
	*pp = t->next;
	struct memxs_store *s = c->store;
	int rc = 0;
	if (abort) {
		rc = 0;
	} else if (s->fail_commits) {
		s->fail_commits--;
		rc = -EAGAIN;
	} else if (t->base_gen != s->gen) {
		rc = -EAGAIN;
	} else {
		struct mtree old = s->tree;
		s->tree = t->tree;
		memset(&t->tree, 0, sizeof(t->tree));
		tree_free(&old);
		if (t->nchg) {
			s->gen++;
			s->mutations += t->nchg;
		}
		for (size_t i = 0; i < t->nchg; i++)
			fire(s, t->chg[i].path, t->chg[i].removed);
	}
	tx_free(t);
	return rc;
}

static int m_watch_fd(struct pb_xs *xs)
{
	return conn_of(xs)->efd;
}

static int m_next_event(struct pb_xs *xs, char **path, char **token)
{
	struct memxs_conn *c = conn_of(xs);
	struct mevent *e = c->head;
	if (!e)
		return 0;
	c->head = e->next;
	if (!c->head)
		c->tail = NULL;
	c->nevents--;
	if (!c->nevents) {
		uint64_t v;
		if (read(c->efd, &v, sizeof(v)) != sizeof(v))
			v = 0;
	}
	*path = e->path;
	*token = e->token;
	free(e);
	return 1;
}

static void m_close(struct pb_xs *xs)
{
	struct memxs_conn *c = conn_of(xs);
	struct memxs_store *s = c->store;
	for (struct memxs_conn **pp = &s->conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	while (c->watches) {
		struct mwatch *w = c->watches;
		c->watches = w->next;
		free(w->path);
		free(w->token);
		free(w);
	}
	while (c->head) {
		struct mevent *e = c->head;
		c->head = e->next;
		free(e->path);
		free(e->token);
		free(e);
	}
	while (c->txs) {
		struct mtx *t = c->txs;
		c->txs = t->next;
		tx_free(t);
	}
	close(c->efd);
	free(c);
}

static const struct pb_xs_ops memxs_ops = {
	.read = m_read,
	.write = m_write,
	.mkdir = m_mkdir,
	.rm = m_rm,
	.directory = m_directory,
	.set_perms = m_set_perms,
	.get_perms = m_get_perms,
	.watch = m_watch,
	.unwatch = m_unwatch,
	.tx_start = m_tx_start,
	.tx_end = m_tx_end,
	.watch_fd = m_watch_fd,
	.next_event = m_next_event,
	.close = m_close,
};

struct memxs_store *memxs_store_new(void)
{
	struct memxs_store *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	int rc = 0;
	/* The root exists and belongs to dom0, as in xenstored. */
	if (!tree_create(&s->tree, "/", &rc)) {
		free(s);
		return NULL;
	}
	return s;
}

void memxs_store_free(struct memxs_store *s)
{
	if (!s)
		return;
	while (s->conns)
		m_close(&s->conns->xs);
	tree_free(&s->tree);
	free(s);
}

struct pb_xs *memxs_connect(struct memxs_store *s)
{
	struct memxs_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (c->efd < 0) {
		free(c);
		return NULL;
	}
	c->xs.ops = &memxs_ops;
	c->store = s;
	c->next = s->conns;
	s->conns = c;
	return &c->xs;
}

void memxs_fire_special(struct memxs_store *s, const char *path)
{
	for (struct memxs_conn *c = s->conns; c; c = c->next)
		for (struct mwatch *w = c->watches; w; w = w->next)
			if (!strcmp(w->path, path))
				conn_enqueue(c, path, w->token);
}

void memxs_fail_next_commits(struct memxs_store *s, unsigned n)
{
	s->fail_commits = n;
}

size_t memxs_node_count(struct memxs_store *s)
{
	return s->tree.n;
}

size_t memxs_pending_events(struct pb_xs *xs)
{
	return conn_of(xs)->nevents;
}

uint64_t memxs_mutations(struct memxs_store *s)
{
	return s->mutations;
}
