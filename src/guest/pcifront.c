/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcifront: connection handshake and op posting over the local transport. */
#include "pcifront.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/log.h"
#include "proto/xenbus_state.h"
#include "guest/pf_conn.h"
#include "transport/local/local_msg.h"

#define PF_HANDSHAKE_TIMEOUT_MS 5000

static void pf_free(struct pf_conn *c)
{
	if (c->page)
		munmap(c->page, LT_PAGE_SIZE);
	int fds[] = { c->sock, c->page_fd, c->kick_fd, c->notify_fd };
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(c);
}

/* Waits for one message from the backend; 0, or -1 with err set. */
static int recv_msg(struct pf_conn *c, struct lt_msg *m, int timeout_ms, char *err, size_t errlen)
{
	uint64_t deadline = pb_now_ms() + (uint64_t)timeout_ms;
	for (;;) {
		int fds[LT_FDS_MAX], nfds = 0;
		char e[160];
		int r = lt_recv(c->sock, m, fds, &nfds, e, sizeof(e));
		for (int i = 0; i < nfds; i++)
			close(fds[i]);
		if (r == 1)
			return 0;
		if (r == 0) {
			snprintf(err, errlen, "the backend hung up");
			return -1;
		}
		if (r != -EAGAIN) {
			snprintf(err, errlen, "bad message from the backend: %s", e);
			return -1;
		}
		uint64_t now = pb_now_ms();
		if (now >= deadline) {
			snprintf(err, errlen, "the backend did not answer within %d ms", timeout_ms);
			return -1;
		}
		struct pollfd p = { .fd = c->sock, .events = POLLIN };
		poll(&p, 1, (int)(deadline - now));
	}
}

/* Fails if the backend reports a fatal error or another state than `want`. */
static int expect_state(const struct lt_msg *m, int want, char *err, size_t errlen)
{
	long st = lt_msg_get_num(m, LT_K_STATE, 99);
	const char *e = lt_msg_get(m, LT_K_ERROR);
	if (e) {
		snprintf(err, errlen, "backend: %s", e);
		return -1;
	}
	if (st != want) {
		snprintf(err, errlen, "backend is in state %ld (%s), expected %d (%s)", st, xb_state_name((int)st), want,
			 xb_state_name(want));
		return -1;
	}
	return 0;
}

/* Allocates the page and the two event channels, as a Xen frontend grants its page. */
static int make_channels(struct pf_conn *c, char *err, size_t errlen)
{
	c->page_fd = memfd_create("pcifront-sharedinfo", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (c->page_fd < 0 || ftruncate(c->page_fd, LT_PAGE_SIZE) < 0 ||
	    fcntl(c->page_fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_SEAL) < 0) {
		snprintf(err, errlen, "cannot create the shared page: %s", strerror(errno));
		return -1;
	}
	void *p = mmap(NULL, LT_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, c->page_fd, 0);
	if (p == MAP_FAILED) {
		snprintf(err, errlen, "cannot map the shared page: %s", strerror(errno));
		return -1;
	}
	c->page = p;
	c->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	c->notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->kick_fd < 0 || c->notify_fd < 0) {
		snprintf(err, errlen, "cannot create eventfds: %s", strerror(errno));
		return -1;
	}
	return 0;
}

struct pf_conn *pf_connect(const char *sock_path, const char *name, char *err, size_t errlen)
{
	return pf_connect_with(sock_path, name, true, err, errlen);
}

struct pf_conn *pf_connect_with(const char *sock_path, const char *name, bool aer_handler, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(sock_path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "socket path %s is too long", sock_path);
		return NULL;
	}
	if (!lt_guest_name_ok(name)) {
		snprintf(err, errlen, "bad guest name \"%s\" (1-63 of A-Z a-z 0-9 _ . -)", name);
		return NULL;
	}
	struct pf_conn *c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->page_fd = c->kick_fd = c->notify_fd = -1;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	c->sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (c->sock < 0 || connect(c->sock, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		snprintf(err, errlen, "cannot connect to %s: %s", sock_path, strerror(errno));
		goto fail;
	}
	struct lt_msg m;
	lt_msg_init(&m);
	lt_msg_set(&m, LT_K_NAME, "%s", name);
	lt_msg_set(&m, LT_K_STATE, "%d", XB_INITIALISING);
	int r = lt_send(c->sock, &m, NULL, 0);
	if (r) {
		snprintf(err, errlen, "cannot send to %s: %s", sock_path, strerror(-r));
		goto fail;
	}
	if (recv_msg(c, &m, PF_HANDSHAKE_TIMEOUT_MS, err, errlen) || expect_state(&m, XB_INITIALISED, err, errlen) ||
	    pf_parse_published(c, &m, err, errlen) || make_channels(c, err, errlen))
		goto fail;
	/* Like Linux's pcifront at probe: the page starts with flags 0, then the AER handler bit. */
	c->page->flags = 0;
	if (aer_handler)
		pciif_flags_set(c->page, PCIIF_FLAG_B_AERHANDLER);
	lt_msg_init(&m);
	lt_msg_set(&m, LT_K_MAGIC, "%s", PCIIF_MAGIC);
	lt_msg_set(&m, LT_K_STATE, "%d", XB_INITIALISED);
	int fds[3] = { c->page_fd, c->kick_fd, c->notify_fd };
	r = lt_send(c->sock, &m, fds, 3);
	if (r) {
		snprintf(err, errlen, "cannot send to %s: %s", sock_path, strerror(-r));
		goto fail;
	}
	if (recv_msg(c, &m, PF_HANDSHAKE_TIMEOUT_MS, err, errlen) || expect_state(&m, XB_CONNECTED, err, errlen))
		goto fail;
	return c;
fail:
	pf_free(c);
	return NULL;
}

void pf_close(struct pf_conn *c)
{
	if (!c)
		return;
	struct lt_msg m;
	lt_msg_init(&m);
	lt_msg_set(&m, LT_K_STATE, "%d", XB_CLOSED);
	lt_send(c->sock, &m, NULL, 0);
	pf_free(c);
}

size_t pf_roots(const struct pf_conn *c, const struct pf_root **roots)
{
	*roots = c->roots;
	return c->nroots;
}

size_t pf_published_devs(const struct pf_conn *c, const struct pb_bdf **devs)
{
	*devs = c->devs;
	return c->ndevs;
}

const char *pf_last_error(const struct pf_conn *c) { return c->last_error; }

int pf_op(struct pf_conn *c, struct pciif_op *op)
{
	struct pciif_sharedinfo *sh = c->page;
	memcpy(&sh->op, op, sizeof(*op));
	__atomic_thread_fence(__ATOMIC_RELEASE);
	pciif_flags_set(sh, PCIIF_FLAG_F_ACTIVE);
	uint64_t one = 1;
	if (write(c->kick_fd, &one, sizeof(one)) < 0) {
		int e = errno;
		pciif_flags_clear(sh, PCIIF_FLAG_F_ACTIVE);
		return e;
	}
	uint64_t deadline = pb_now_ms() + PF_OP_TIMEOUT_MS;
	while (pciif_flags_load(sh) & PCIIF_FLAG_F_ACTIVE) {
		uint64_t now = pb_now_ms();
		if (now >= deadline) {
			/* Like Linux: "pciback not responding", take the op back. */
			pciif_flags_clear(sh, PCIIF_FLAG_F_ACTIVE);
			snprintf(c->last_error, sizeof(c->last_error), "backend not responding");
			return ETIMEDOUT;
		}
		struct pollfd p[2] = { { .fd = c->notify_fd, .events = POLLIN }, { .fd = c->sock, .events = POLLIN } };
		int n = poll(p, 2, (int)(deadline - now));
		if (n < 0 && errno != EINTR)
			return errno;
		if (n <= 0)
			continue;
		if (p[0].revents & POLLIN) {
			uint64_t v;
			if (read(c->notify_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
				return errno;
			/* The backend may have posted an AER step meanwhile (Linux schedules its AER work here). */
			pf_answer_aer(c);
		}
		if (p[1].revents) {
			int r = pf_backend_msg(c);
			if (r && (pciif_flags_load(sh) & PCIIF_FLAG_F_ACTIVE))
				return r;
		}
	}
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	memcpy(op, &sh->op, sizeof(*op));
	pf_answer_aer(c);
	return 0;
}

static int conf_access(struct pf_conn *c, uint32_t cmd, const struct pb_bdf *a, int off, int size, uint32_t *val)
{
	struct pciif_op op;
	memset(&op, 0, sizeof(op));
	op.cmd = cmd;
	op.domain = a->domain;
	op.bus = a->bus;
	op.devfn = a->devfn;
	op.offset = off;
	op.size = size;
	op.value = *val;
	int r = pf_op(c, &op);
	if (r)
		return r;
	if (op.err == 0 && cmd == PCIIF_OP_CONF_READ)
		*val = op.value;
	return op.err > 0 ? -op.err : op.err;
}

int pf_read(struct pf_conn *c, const struct pb_bdf *a, int off, int size, uint32_t *val)
{
	uint32_t v = 0;
	int r = conf_access(c, PCIIF_OP_CONF_READ, a, off, size, &v);
	*val = r ? 0 : v;
	return r;
}

int pf_write(struct pf_conn *c, const struct pb_bdf *a, int off, int size, uint32_t val)
{
	return conf_access(c, PCIIF_OP_CONF_WRITE, a, off, size, &val);
}

const char *pf_strerror(int r, char *buf, size_t len)
{
	if (r > 0)
		snprintf(buf, len, "transport: %s", strerror(r));
	else if (pciif_err_name(r))
		snprintf(buf, len, "%s", pciif_err_name(r));
	else
		snprintf(buf, len, "errno %d %s (%s)", r, strerrorname_np(-r) ? strerrorname_np(-r) : "", strerror(-r));
	return buf;
}
