/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcifront: what the backend starts.  AER steps (read
 * aer_op, ask the driver, write the answer into aer_op.err, clear
 * _XEN_PCIB_active, notify) and hot-plug (on Reconfiguring detach the
 * devices whose state-N is 5 and say Reconfiguring; on Reconfigured re-read
 * the roots and devices, say Connected and rescan).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "guest/pf_conn.h"
#include "proto/xenbus_state.h"

void pf_set_handlers(struct pf_conn *c, const struct pf_handlers *h) { c->h = *h; }

static int parse_vdev(const char *v, struct pb_bdf *a)
{
	return v ? pb_bdf_parse_pv(v, a) : -1;
}

int pf_parse_published(struct pf_conn *c, const struct lt_msg *m, char *err, size_t errlen)
{
	long nd = lt_msg_get_num(m, LT_K_NUM_DEVS, LT_MSG_MAX_KEYS);
	long nr = lt_msg_get_num(m, LT_K_ROOT_NUM, PF_MAX_ROOTS);
	if (nd < 0) {
		snprintf(err, errlen, "backend published no valid num_devs");
		return -1;
	}
	c->ndevs = c->nroots = 0;
	for (long i = 0; i < nd; i++) {
		char key[LT_KEY_MAX];
		snprintf(key, sizeof(key), LT_K_VDEV "%ld", i);
		if (parse_vdev(lt_msg_get(m, key), &c->devs[c->ndevs])) {
			snprintf(err, errlen, "backend published a bad %s", key);
			return -1;
		}
		c->ndevs++;
	}
	if (nr < 0) {
		/* Like Linux: "No PCI Roots found, trying 0000:00". */
		c->roots[c->nroots++] = (struct pf_root){ 0, 0 };
		return 0;
	}
	for (long i = 0; i < nr; i++) {
		char key[LT_KEY_MAX];
		struct pb_bdf r;
		snprintf(key, sizeof(key), LT_K_ROOT "%ld", i);
		const char *v = lt_msg_get(m, key);
		if (!v || pb_bdf_parse_root(v, &r)) {
			snprintf(err, errlen, "backend published a bad %s", key);
			return -1;
		}
		c->roots[c->nroots++] = (struct pf_root){ r.domain, r.bus };
	}
	return 0;
}

void pf_answer_aer(struct pf_conn *c)
{
	struct pciif_sharedinfo *sh = c->page;
	if (!(pciif_flags_load(sh) & PCIIF_FLAG_B_ACTIVE)) {
		c->aer_unanswered = false; /* the backend took its step back (timeout) */
		return;
	}
	if (c->aer_unanswered)
		return;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	struct pciif_aer_op op;
	memcpy(&op, (const void *)&sh->aer_op, sizeof(op));
	struct pf_aer_step s = {
		.cmd = op.cmd,
		.channel = op.err,
		.addr = { .domain = (uint16_t)op.domain, .bus = (uint8_t)op.bus, .devfn = (uint8_t)op.devfn },
	};
	int result = c->h.aer ? c->h.aer(c->h.arg, &s) : PCIIF_AER_RESULT_NONE;
	if (result == PF_AER_NO_ANSWER) {
		c->aer_unanswered = true;
		return;
	}
	__atomic_store_n(&sh->aer_op.err, result, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	pciif_flags_clear(sh, PCIIF_FLAG_B_ACTIVE);
	uint64_t one = 1;
	if (write(c->kick_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		snprintf(c->last_error, sizeof(c->last_error), "cannot notify the backend: %s", strerror(errno));
}

static int send_state(struct pf_conn *c, int state)
{
	struct lt_msg m;
	lt_msg_init(&m);
	lt_msg_set(&m, LT_K_STATE, "%d", state);
	int r = lt_send(c->sock, &m, NULL, 0);
	if (r) {
		snprintf(c->last_error, sizeof(c->last_error), "cannot answer the backend: %s", strerror(-r));
		return ECONNRESET;
	}
	return 0;
}

/* Backend Reconfiguring: detach every device whose state-N is Closing. */
static int on_reconfiguring(struct pf_conn *c, const struct lt_msg *m)
{
	long nd = lt_msg_get_num(m, LT_K_NUM_DEVS, LT_MSG_MAX_KEYS);
	for (long i = 0; i < nd; i++) {
		char key[LT_KEY_MAX];
		snprintf(key, sizeof(key), LT_K_DEV_STATE "%ld", i);
		if (lt_msg_get_num(m, key, 99) != XB_CLOSING)
			continue;
		struct pb_bdf a;
		snprintf(key, sizeof(key), LT_K_VDEV "%ld", i);
		if (parse_vdev(lt_msg_get(m, key), &a))
			continue; /* like Linux: a device it cannot find is skipped */
		for (size_t j = 0; j < c->ndevs; j++)
			if (pb_bdf_equal(&c->devs[j], &a)) {
				memmove(&c->devs[j], &c->devs[j + 1], (c->ndevs - j - 1) * sizeof(c->devs[0]));
				c->ndevs--;
				if (c->nremoved < LT_MSG_MAX_KEYS)
					c->removed[c->nremoved++] = a;
				break;
			}
	}
	return send_state(c, XB_RECONFIGURING);
}

int pf_backend_msg(struct pf_conn *c)
{
	struct lt_msg m;
	int fds[LT_FDS_MAX], nfds = 0;
	char e[160];
	int r = lt_recv(c->sock, &m, fds, &nfds, e, sizeof(e));
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
	if (r == -EAGAIN)
		return 0;
	if (r == 0) {
		snprintf(c->last_error, sizeof(c->last_error), "the backend hung up");
		return ECONNRESET;
	}
	if (r < 0) {
		snprintf(c->last_error, sizeof(c->last_error), "bad message from the backend: %s", e);
		return ECONNRESET;
	}
	const char *err = lt_msg_get(&m, LT_K_ERROR);
	long st = lt_msg_get_num(&m, LT_K_STATE, 99);
	if (!err && st == XB_RECONFIGURING)
		return on_reconfiguring(c, &m);
	if (!err && st == XB_RECONFIGURED) {
		char why[160];
		size_t nold = c->ndevs;
		struct pb_bdf old[LT_MSG_MAX_KEYS];
		memcpy(old, c->devs, nold * sizeof(old[0]));
		if (pf_parse_published(c, &m, why, sizeof(why))) {
			snprintf(c->last_error, sizeof(c->last_error), "%s", why);
			return ECONNRESET;
		}
		/* A device taken while the round was under way is simply no longer published: gone too. */
		for (size_t i = 0; i < nold; i++) {
			bool kept = false;
			for (size_t j = 0; j < c->ndevs && !kept; j++)
				kept = pb_bdf_equal(&old[i], &c->devs[j]);
			if (!kept && c->nremoved < LT_MSG_MAX_KEYS)
				c->removed[c->nremoved++] = old[i];
		}
		c->reconfigured = true;
		return send_state(c, XB_CONNECTED);
	}
	snprintf(c->last_error, sizeof(c->last_error), "backend: %s", err ? err : "unexpected message");
	return ECONNRESET;
}

/* Reports deferred hot-plug events; the handlers may post ops now. */
static void deliver(struct pf_conn *c)
{
	/* The handlers' own ops may bring the next round: deliver until nothing is left. */
	while (c->nremoved || c->reconfigured) {
		while (c->nremoved) {
			struct pb_bdf a = c->removed[0];
			memmove(&c->removed[0], &c->removed[1], --c->nremoved * sizeof(c->removed[0]));
			if (c->h.removed)
				c->h.removed(c->h.arg, &a);
		}
		if (c->reconfigured) {
			c->reconfigured = false;
			if (c->h.reconfigured)
				c->h.reconfigured(c->h.arg);
		}
	}
}

int pf_wait(struct pf_conn *c, int timeout_ms, int extra_fd, bool *extra_ready)
{
	if (extra_ready)
		*extra_ready = false;
	uint64_t deadline = timeout_ms >= 0 ? pb_now_ms() + (uint64_t)timeout_ms : 0;
	pf_answer_aer(c);
	deliver(c);
	for (;;) {
		int wait = -1;
		if (timeout_ms >= 0) {
			uint64_t now = pb_now_ms();
			if (now >= deadline)
				return 0;
			wait = (int)(deadline - now);
		}
		struct pollfd p[3] = {
			{ .fd = c->notify_fd, .events = POLLIN },
			{ .fd = c->sock, .events = POLLIN },
			{ .fd = extra_fd, .events = POLLIN },
		};
		int n = poll(p, extra_fd >= 0 ? 3 : 2, wait);
		if (n < 0) {
			if (errno == EINTR)
				return 0;
			return errno;
		}
		if (p[0].revents & POLLIN) {
			uint64_t v;
			if (read(c->notify_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
				return errno;
			pf_answer_aer(c);
		}
		if (p[1].revents) {
			int r = pf_backend_msg(c);
			if (r)
				return r;
		}
		deliver(c);
		if (extra_fd >= 0 && p[2].revents) {
			if (extra_ready)
				*extra_ready = true;
			return 0;
		}
	}
}
