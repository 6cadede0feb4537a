/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The local transport's key=value messages: building, sending with file descriptors, receiving and
 * parsing (see local_msg.h).
 */
#include "local_msg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

void lt_msg_init(struct lt_msg *m) { m->n = 0; }

static int key_ok(const char *k, size_t len)
{
	if (len == 0 || len >= LT_KEY_MAX)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = k[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

static int val_ok(const char *v, size_t len)
{
	if (len >= LT_VAL_MAX)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (v[i] < 0x20 || v[i] > 0x7e)
			return 0;
	return 1;
}

static struct lt_kv *find(const struct lt_msg *m, const char *key)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->kv[i].key, key))
			return (struct lt_kv *)&m->kv[i];
	return NULL;
}

int lt_msg_set(struct lt_msg *m, const char *key, const char *fmt, ...)
{
	char val[LT_VAL_MAX + 1];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	if (n < 0 || !key_ok(key, strlen(key)) || !val_ok(val, (size_t)n))
		return -1;
	struct lt_kv *kv = find(m, key);
	if (!kv) {
		if (m->n >= LT_MSG_MAX_KEYS)
			return -1;
		kv = &m->kv[m->n++];
		snprintf(kv->key, sizeof(kv->key), "%s", key);
	}
	memcpy(kv->val, val, (size_t)n + 1);
	return 0;
}

const char *lt_msg_get(const struct lt_msg *m, const char *key)
{
	const struct lt_kv *kv = find(m, key);
	return kv ? kv->val : NULL;
}

long lt_msg_get_num(const struct lt_msg *m, const char *key, long max)
{
	const char *v = lt_msg_get(m, key);
	if (!v || !*v || strlen(v) > 9)
		return -1;
	long r = 0;
	for (const char *p = v; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		r = r * 10 + (*p - '0');
	}
	return r > max ? -1 : r;
}

int lt_msg_parse(const char *buf, size_t len, struct lt_msg *m, char *err, size_t errlen)
{
	lt_msg_init(m);
	size_t pos = 0;
	unsigned line = 0;
	while (pos < len) {
		line++;
		const char *nl = memchr(buf + pos, '\n', len - pos);
		if (!nl) {
			snprintf(err, errlen, "line %u does not end with a newline", line);
			return -1;
		}
		const char *s = buf + pos;
		size_t l = (size_t)(nl - s);
		const char *eq = memchr(s, '=', l);
		if (!eq) {
			snprintf(err, errlen, "line %u is not key=value", line);
			return -1;
		}
		size_t kl = (size_t)(eq - s), vl = l - kl - 1;
		if (!key_ok(s, kl)) {
			snprintf(err, errlen, "line %u: bad key", line);
			return -1;
		}
		if (!val_ok(eq + 1, vl)) {
			snprintf(err, errlen, "line %u: bad value (too long or not printable)", line);
			return -1;
		}
		if (m->n >= LT_MSG_MAX_KEYS) {
			snprintf(err, errlen, "more than %d keys", LT_MSG_MAX_KEYS);
			return -1;
		}
		struct lt_kv *kv = &m->kv[m->n];
		memcpy(kv->key, s, kl);
		kv->key[kl] = 0;
		memcpy(kv->val, eq + 1, vl);
		kv->val[vl] = 0;
		if (find(m, kv->key)) {
			snprintf(err, errlen, "line %u: duplicate key %s", line, kv->key);
			return -1;
		}
		m->n++;
		pos += l + 1;
	}
	if (m->n == 0) {
		snprintf(err, errlen, "empty message");
		return -1;
	}
	return 0;
}

int lt_guest_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > LT_GUEST_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
		      c == '.' || c == '-'))
			return 0;
	}
	return 1;
}

int lt_send(int sock, const struct lt_msg *m, const int *fds, int nfds)
{
	char buf[LT_MSG_MAX];
	size_t len = 0;
	for (size_t i = 0; i < m->n; i++) {
		int w = snprintf(buf + len, sizeof(buf) - len, "%s=%s\n", m->kv[i].key, m->kv[i].val);
		if (w < 0 || (size_t)w >= sizeof(buf) - len)
			return -EMSGSIZE;
		len += (size_t)w;
	}
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	union {
		char b[CMSG_SPACE(sizeof(int) * LT_FDS_MAX)];
		struct cmsghdr align;
	} cbuf;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (nfds > 0) {
		if (nfds > LT_FDS_MAX)
			return -EINVAL;
		memset(&cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf.b;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
	}
	ssize_t r;
	do
		r = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	return (size_t)r == len ? 0 : -EMSGSIZE;
}

/* Collects SCM_RIGHTS fds; returns how many did not fit (they are closed). */
static int take_fds(struct msghdr *mh, int *fds, int *nfds)
{
	int extra = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (*nfds < LT_FDS_MAX) {
				fds[(*nfds)++] = fd;
			} else {
				close(fd);
				extra++;
			}
		}
	}
	return extra;
}

static void close_fds(int *fds, int *nfds)
{
	for (int i = 0; i < *nfds; i++)
		close(fds[i]);
	*nfds = 0;
}

int lt_recv(int sock, struct lt_msg *m, int *fds, int *nfds, char *err, size_t errlen)
{
	char buf[LT_MSG_MAX];
	union {
		char b[CMSG_SPACE(sizeof(int) * 8)];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf.b, .msg_controllen = sizeof(cbuf) };
	*nfds = 0;
	ssize_t r;
	do
		r = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return -EAGAIN;
		int e = errno;
		snprintf(err, errlen, "receive failed: %s", strerror(e));
		return -e;
	}
	int extra = take_fds(&mh, fds, nfds);
	if (r == 0 && *nfds == 0 && !(mh.msg_flags & MSG_CTRUNC))
		return 0;
	if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		snprintf(err, errlen, "message too long (at most %d bytes, %d fds)", LT_MSG_MAX, LT_FDS_MAX);
		close_fds(fds, nfds);
		return -EPROTO;
	}
	if (extra) {
		snprintf(err, errlen, "too many file descriptors (at most %d)", LT_FDS_MAX);
		close_fds(fds, nfds);
		return -EPROTO;
	}
	if (lt_msg_parse(buf, (size_t)r, m, err, errlen)) {
		close_fds(fds, nfds);
		return -EPROTO;
	}
	return 1;
}
