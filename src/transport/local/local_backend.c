/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The local transport's backend: listening socket, connections and their handshake, what is published
 * to each guest, AER injection.
 */
#include "local_backend.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "dispatch/dispatch_event.h"
#include "proto/xenbus_state.h"
#include "transport/local/local_conn.h"
#include "transport/local/local_msg.h"

struct pb_ratelimit *lt_conn_rl(struct lt_conn *c)
{
	return c->guest ? &c->guest->dg.rl : lt_peer_rl(c->b, c->uid);
}

/* The guest's name, or the uid of a client that has not named one yet. */
static const char *conn_name(const struct lt_conn *c, char *buf, size_t len)
{
	if (c->guest)
		return c->guest->name;
	snprintf(buf, len, "(unnamed, uid %u)", (unsigned)c->uid);
	return buf;
}

static void conn_free(struct lt_conn *c)
{
	struct lt_backend *b = c->b;
	if (c->guest && c->guest->transport == c) {
		c->guest->transport = NULL;
		/* Nobody is left to answer: a recovery in progress fails now, while the page is still mapped. */
		aer_link_down(&b->aer, &c->aer);
	}
	evloop_remove(b->loop, c->kick_w);
	evloop_remove(b->loop, c->sock_w);
	if (c->page) {
		if (c->guest)
			dispatch_page_gone(&c->guest->dg, c->page); /* an op in flight is not answered there */
		munmap(c->page, LT_PAGE_SIZE);
	}
	if (c->page_fd >= 0)
		close(c->page_fd);
	if (c->kick_fd >= 0)
		close(c->kick_fd);
	if (c->notify_fd >= 0)
		close(c->notify_fd);
	close(c->sock);
	for (struct lt_conn **pp = &b->conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	b->nconns--;
	free(c);
}

static void log_dropped(struct lt_conn *c, const char *why)
{
	char name[48];
	pb_log_rl(lt_conn_rl(c), PB_LOG_WARN, "local client %s dropped: %s", conn_name(c, name, sizeof(name)), why);
}

/* Tells the client why (best effort), logs one rate-limited line and drops it. */
static void conn_fail(struct lt_conn *c, const char *why)
{
	struct lt_msg m;
	lt_msg_init(&m);
	lt_msg_set(&m, LT_K_STATE, "%d", XB_CLOSING);
	lt_msg_set(&m, LT_K_ERROR, "%.150s", why);
	lt_send(c->sock, &m, NULL, 0);
	log_dropped(c, why);
	conn_free(c);
}

void lt_conn_drop(struct lt_conn *c, const char *why)
{
	conn_fail(c, why);
}

int lt_conn_send(struct lt_conn *c, const struct lt_msg *m)
{
	int r = lt_send(c->sock, m, NULL, 0);
	if (r) {
		char why[128];
		snprintf(why, sizeof(why), "send failed: %s", strerror(-r));
		log_dropped(c, why);
		conn_free(c);
		return -1;
	}
	return 0;
}

int lt_conn_notify(struct lt_conn *c)
{
	uint64_t v = 1;
	if (write(c->notify_fd, &v, sizeof(v)) < 0 && errno != EAGAIN) {
		char why[96];
		snprintf(why, sizeof(why), "notify eventfd: %s", strerror(errno));
		conn_fail(c, why);
		return -1;
	}
	return 0;
}

struct lt_conn *lt_conn_of(struct pb_guest *g)
{
	struct lt_conn *c = g->transport;
	return c && c->page ? c : NULL;
}

/* What the backend publishes for a guest: the keys xen-pciback writes in its xenstore directory. */
int lt_publish(const struct pb_guest *g, int state, struct lt_msg *m)
{
	char a[PB_BDF_STRLEN];
	lt_msg_init(m);
	lt_msg_set(m, LT_K_STATE, "%d", state);
	lt_msg_set(m, LT_K_NUM_DEVS, "%zu", g->topo.count);
	for (size_t i = 0; i < g->topo.count; i++) {
		char key[LT_KEY_MAX];
		snprintf(key, sizeof(key), LT_K_VDEV "%zu", i);
		if (lt_msg_set(m, key, "%s", pb_bdf_format_pv(&g->topo.e[i].vaddr, a)))
			return -1;
	}
	struct topo_root roots[TOPO_MAX_DEVS];
	size_t nr = topo_roots(&g->topo, roots, TOPO_MAX_DEVS);
	lt_msg_set(m, LT_K_ROOT_NUM, "%zu", nr);
	for (size_t i = 0; i < nr; i++) {
		char key[LT_KEY_MAX];
		snprintf(key, sizeof(key), LT_K_ROOT "%zu", i);
		if (lt_msg_set(m, key, "%s", pb_bdf_format_root(roots[i].domain, roots[i].bus, a)))
			return -1;
	}
	return 0;
}

static void on_hello(struct lt_conn *c, const struct lt_msg *m)
{
	const char *name = lt_msg_get(m, LT_K_NAME);
	if (!name || !lt_guest_name_ok(name)) {
		conn_fail(c, name ? "bad guest name (1-63 of A-Z a-z 0-9 _ . -)" : "first message has no name");
		return;
	}
	/* The uid first: whether a guest exists is only its owner's business. */
	char why[160];
	if (lt_peer_may_claim(c, name, why, sizeof(why))) {
		conn_fail(c, why);
		return;
	}
	struct pb_guest *g = pool_guest(c->b->pool, name, false);
	if (!g) {
		snprintf(why, sizeof(why), "no devices are assigned to guest %s", name);
		conn_fail(c, why);
		return;
	}
	if (g->transport) {
		snprintf(why, sizeof(why), "guest %s is already connected", name);
		conn_fail(c, why);
		return;
	}
	c->guest = g;
	g->transport = c;
	struct lt_msg out;
	if (lt_publish(g, XB_INITIALISED, &out)) {
		conn_fail(c, "too many devices to publish");
		return;
	}
	c->state = XB_INITIALISED;
	lt_reconf_set_view(c);
	pb_log_rl(&g->dg.rl, PB_LOG_DEBUG, "local guest %s connecting (%zu devices)", g->name, g->topo.count);
	lt_conn_send(c, &out);
}

static void on_kick(struct ev_watch *w, uint32_t events, void *arg)
{
	(void)w;
	struct lt_conn *c = arg;
	uint64_t v;
	if (read(c->kick_fd, &v, sizeof(v)) < 0 && errno != EAGAIN) {
		char why[96];
		snprintf(why, sizeof(why), "kick eventfd: %s", strerror(errno));
		conn_fail(c, why);
		return;
	}
	if (events & (EPOLLERR | EPOLLHUP)) {
		conn_fail(c, "kick eventfd failed");
		return;
	}
	/* The guest may have answered an AER step (it clears _XEN_PCIB_active and notifies): first that. */
	struct aer_actions act;
	bool aer_moved = aer_link_poll(&c->aer, pb_now_ms(), &act);
	struct dispatch_event_out ev;
	dispatch_event(&c->guest->dg, c->page, aer_moved, pb_now_ms(), &ev);
	if (ev.notify)
		act.notify = true; /* one notification for both */
	lt_kick_done(c, ev.hold_until);
	struct lt_backend *b = c->b;
	if (ev.kind == DISPATCH_EV_INFLIGHT)
		lt_inflight_arm(b);
	aer_links_apply(&b->aer, &c->aer, &act);
}

static int is_eventfd(int fd)
{
	char p[64], t[64];
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(p, t, sizeof(t) - 1);
	if (n < 0)
		return 0;
	t[n] = 0;
	return !strcmp(t, "anon_inode:[eventfd]");
}

/* Checks and maps the page; returns NULL with why set. */
static void *map_page(int fd, char *why, size_t whylen)
{
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "shared page is not a memfd");
		return NULL;
	}
	int seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0) {
		snprintf(why, whylen, "shared page is not a sealable memfd");
		return NULL;
	}
	if ((seals & (F_SEAL_SHRINK | F_SEAL_SEAL)) != (F_SEAL_SHRINK | F_SEAL_SEAL)) {
		snprintf(why, whylen, "shared page memfd lacks F_SEAL_SHRINK|F_SEAL_SEAL");
		return NULL;
	}
	if (st.st_size < LT_PAGE_SIZE) {
		snprintf(why, whylen, "shared page is %lld bytes, need %d", (long long)st.st_size, LT_PAGE_SIZE);
		return NULL;
	}
	void *p = mmap(NULL, LT_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		snprintf(why, whylen, "cannot map shared page: %s", strerror(errno));
		return NULL;
	}
	return p;
}

static void on_initialised(struct lt_conn *c, const struct lt_msg *m, int *fds, int nfds)
{
	char why[128];
	const char *magic = lt_msg_get(m, LT_K_MAGIC);
	if (lt_msg_get_num(m, LT_K_STATE, 99) != XB_INITIALISED) {
		snprintf(why, sizeof(why), "expected state=%d (Initialised)", XB_INITIALISED);
		goto fail;
	}
	if (!magic || strcmp(magic, PCIIF_MAGIC)) {
		snprintf(why, sizeof(why), "version mismatch: magic is \"%.32s\", expected \"%s\"", magic ? magic : "",
			 PCIIF_MAGIC);
		goto fail;
	}
	if (nfds != 3) {
		snprintf(why, sizeof(why), "expected 3 file descriptors (page, kick, notify), got %d", nfds);
		goto fail;
	}
	if (!is_eventfd(fds[1]) || !is_eventfd(fds[2])) {
		snprintf(why, sizeof(why), "kick and notify must be eventfds");
		goto fail;
	}
	void *page = map_page(fds[0], why, sizeof(why));
	if (!page)
		goto fail;
	for (int i = 1; i < 3; i++)
		fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
	c->page = page;
	aer_link_init(&c->aer, &c->guest->dg.aer);
	aer_link_up(&c->b->aer, &c->aer, page);
	c->page_fd = fds[0];
	c->kick_fd = fds[1];
	c->notify_fd = fds[2];
	/* Edge-triggered: one wake-up per kick, whatever the guest's eventfd mode. */
	c->kick_w = evloop_add(c->b->loop, c->kick_fd, EPOLLIN | EPOLLET, on_kick, c);
	if (!c->kick_w) {
		conn_fail(c, "cannot watch the kick eventfd");
		return;
	}
	c->state = XB_CONNECTED;
	lt_peer_handshake_done(c);
	struct lt_msg out;
	lt_msg_init(&out);
	lt_msg_set(&out, LT_K_STATE, "%d", XB_CONNECTED);
	pb_log_rl(&c->guest->dg.rl, PB_LOG_INFO, "local guest %s connected", c->guest->name);
	if (lt_conn_send(c, &out) == 0)
		lt_reconf_kick(c); /* changes while it was connecting */
	return;
fail:
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
	conn_fail(c, why);
}

static void on_sock(struct ev_watch *w, uint32_t events, void *arg)
{
	(void)w;
	struct lt_conn *c = arg;
	struct lt_msg m;
	int fds[LT_FDS_MAX], nfds = 0;
	char err[160];
	int r = lt_recv(c->sock, &m, fds, &nfds, err, sizeof(err));
	if (r == -EAGAIN) {
		if (events & (EPOLLHUP | EPOLLERR))
			goto hangup;
		return;
	}
	if (r == 0)
		goto hangup;
	if (r < 0) {
		char why[200];
		snprintf(why, sizeof(why), "garbage message: %s", err);
		conn_fail(c, why);
		return;
	}
	if (c->state != XB_INITIALISING && nfds == 0 && m.n == 1) {
		long st = lt_msg_get_num(&m, LT_K_STATE, 99);
		if (st == XB_CLOSING || st == XB_CLOSED)
			goto hangup;
		if (c->state != XB_INITIALISED) {
			int r2 = lt_reconf_on_msg(c, st);
			if (r2)
				return; /* handled, or c was dropped */
		}
	}
	switch (c->state) {
	case XB_INITIALISING:
		if (nfds) {
			for (int i = 0; i < nfds; i++)
				close(fds[i]);
			conn_fail(c, "file descriptors sent before naming the guest");
			return;
		}
		on_hello(c, &m);
		return;
	case XB_INITIALISED:
		on_initialised(c, &m, fds, nfds);
		return;
	default:
		for (int i = 0; i < nfds; i++)
			close(fds[i]);
		conn_fail(c, "unexpected message while connected");
		return;
	}
hangup:
	if (c->guest)
		pb_log_rl(&c->guest->dg.rl, PB_LOG_INFO, "local guest %s disconnected", c->guest->name);
	conn_free(c);
}

static void on_accept(int s, const struct usock_peer *peer, void *arg)
{
	struct lt_backend *b = arg;
	struct lt_conn *c = calloc(1, sizeof(*c));
	if (!c) {
		close(s);
		return;
	}
	if (lt_peer_admit(b)) {
		pb_log_rl(&b->rl, PB_LOG_WARN, "local transport: connection refused: %d connections already",
			  LT_MAX_CONNS);
		free(c);
		close(s);
		return;
	}
	c->b = b;
	c->sock = s;
	c->uid = peer->uid;
	c->state = XB_INITIALISING;
	c->page_fd = c->kick_fd = c->notify_fd = -1;
	c->sock_w = evloop_add(b->loop, s, EPOLLIN | EPOLLRDHUP, on_sock, c);
	if (!c->sock_w) {
		close(s);
		free(c);
		return;
	}
	c->next = b->conns;
	b->conns = c;
	b->nconns++;
	lt_peer_handshake_started(c);
}

void lt_conn_timer_arm(struct lt_backend *b)
{
	uint64_t first = 0;
	for (struct lt_conn *c = b->conns; c; c = c->next) {
		first = dispatch_earliest(first, c->hs_deadline_ms);
		first = dispatch_earliest(first, c->kick_hold_ms);
	}
	int rc = deadline_timer_arm(&b->conn_timer, first);
	if (rc)
		pb_log_rl(&b->rl, PB_LOG_WARN, "local transport: cannot arm the connection timer: %s", strerror(-rc));
}

/* Handshake deadlines (local_peer.c) and ends of kick holds (local_kick.c). */
static void on_conn_timer(struct ev_watch *w, uint32_t events, void *arg)
{
	(void)w;
	(void)events;
	struct lt_backend *b = arg;
	int rc = deadline_timer_fired(&b->conn_timer);
	if (rc)
		pb_log_rl(&b->rl, PB_LOG_WARN, "local transport: connection timer: %s", strerror(-rc));
	uint64_t now = pb_now_ms();
	struct lt_conn *next;
	for (struct lt_conn *c = b->conns; c; c = next) {
		next = c->next;
		if (lt_peer_expire(c, now) == 0)
			lt_kick_expire(c, now);
	}
	lt_conn_timer_arm(b);
}

/* ---- error recovery (dispatch/aer.h): what the links ask of this transport ---- */

static struct lt_conn *conn_of_link(struct aer_link *l)
{
	return (struct lt_conn *)((char *)l - offsetof(struct lt_conn, aer));
}

static int aer_notify(void *arg, struct aer_link *l)
{
	return lt_conn_notify(conn_of_link(l));
}

/* A device whose recovery failed leaves the guest quarantined (lt_release), told through hot-unplug. */
static void aer_quarantine(void *arg, struct pb_dev *d, const char *reason)
{
	lt_release(arg, pool_dev_of(d), reason);
}

/* An op that waited for an AER reset now waits for its device (a D-state change): its deadline joins the timer. */
static void aer_op_waits(void *arg, struct aer_link *l)
{
	(void)l;
	lt_inflight_arm(arg);
}

static const struct aer_hooks aer_hooks = { .notify = aer_notify, .quarantine = aer_quarantine, .op_waits = aer_op_waits };

int lt_backend_aer_inject(struct lt_backend *b, struct pb_guest *g, struct pb_dev *d, int channel, char *out,
			  size_t outlen)
{
	struct lt_conn *c = lt_conn_of(g);
	return aer_links_inject(&b->aer, c ? &c->aer : NULL, &g->dg.aer, d, channel, out, outlen);
}

/* ---- the transport interface ---- */

static struct lt_backend *backend_of(struct pb_transport *t)
{
	return (struct lt_backend *)((char *)t - offsetof(struct lt_backend, base));
}

static int t_guest_state(const struct pb_transport *t, const struct pb_guest *g)
{
	return lt_backend_guest_state(backend_of((struct pb_transport *)t), g);
}

static void t_attached(struct pb_transport *t, struct pb_guest *g)
{
	lt_backend_attached(backend_of(t), g);
}

static int t_detach(struct pb_transport *t, struct pb_pool_dev *pd, const char *reason)
{
	return lt_backend_detach(backend_of(t), pd, reason);
}

static int t_aer_inject(struct pb_transport *t, struct pb_guest *g, struct pb_dev *d, int channel, char *out,
			size_t outlen)
{
	return lt_backend_aer_inject(backend_of(t), g, d, channel, out, outlen);
}

static int t_set_owner(struct pb_transport *t, const char *guest, uid_t uid, char *err, size_t errlen)
{
	return lt_backend_set_owner(backend_of(t), guest, uid, err, errlen);
}

static int t_owner(const struct pb_transport *t, const char *guest, uid_t *uid, char *err, size_t errlen)
{
	*uid = lt_backend_owner(backend_of((struct pb_transport *)t), guest);
	return 0;
}

static void t_stop(struct pb_transport *t)
{
	lt_backend_free(backend_of(t));
}

static const struct pb_transport_ops local_ops = {
	.name = "local",
	.guest_state = t_guest_state,
	.attached = t_attached,
	.detach = t_detach,
	.aer_inject = t_aer_inject,
	.set_owner = t_set_owner,
	.owner = t_owner,
	.stop = t_stop,
};

struct pb_transport *lt_backend_transport(struct lt_backend *b)
{
	return &b->base;
}

struct lt_backend *lt_backend_new(struct evloop *loop, struct pb_pool *pool, const char *path, char *err,
				  size_t errlen)
{
	struct lt_backend *b = calloc(1, sizeof(*b));
	if (!b) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	b->base.ops = &local_ops;
	b->loop = loop;
	b->pool = pool;
	b->rl = (struct pb_ratelimit)PB_RATELIMIT_DEFAULT;
	b->handshake_ms = LT_HANDSHAKE_TIMEOUT_MS;
	b->default_uid = geteuid();
	deadline_timer_clear(&b->conn_timer);
	deadline_timer_clear(&b->op_timer);
	aer_links_init(&b->aer, "local transport", &aer_hooks, b);
	if (aer_links_start_timer(&b->aer, loop, err, errlen) ||
	    deadline_timer_init(&b->conn_timer, loop, on_conn_timer, b, err, errlen) || lt_inflight_init(b, err, errlen))
		goto fail;
	b->listener = usock_listen(loop, "local transport socket", path, SOCK_SEQPACKET, on_accept, b, err, errlen);
	if (!b->listener)
		goto fail;
	return b;
fail:
	deadline_timer_fini(&b->conn_timer, loop);
	lt_inflight_fini(b);
	aer_links_fini(&b->aer);
	free(b);
	return NULL;
}

void lt_backend_free(struct lt_backend *b)
{
	if (!b)
		return;
	while (b->conns)
		conn_free(b->conns);
	usock_close(b->listener);
	deadline_timer_fini(&b->conn_timer, b->loop);
	lt_inflight_fini(b);
	aer_links_fini(&b->aer);
	free(b);
}

int lt_backend_guest_state(const struct lt_backend *b, const struct pb_guest *g)
{
	for (const struct lt_conn *c = b->conns; c; c = c->next)
		if (c->guest == g)
			return c->state;
	return XB_CLOSED;
}
