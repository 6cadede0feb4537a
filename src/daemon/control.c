/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The control socket: connections, line framing, command lookup. */
#include "control.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "common/usock.h"

#define CTL_LINE_MAX 4096
#define CTL_OUT_MAX (4u << 20)
#define CTL_MAX_CONNS 64

struct ctl_conn {
	struct ctl_server *s;
	int fd;
	struct ev_watch *w;
	char in[CTL_LINE_MAX];
	size_t inlen;
	char *out;
	size_t outlen, outoff;
	struct ctl_park park;      /* a detach waiting for its device's release: no command read meanwhile */
	struct ctl_conn *next;
};

struct ctl_server {
	struct evloop *loop;
	struct ctl_ctx *ctx;
	struct usock_server *listener;
	struct ctl_conn *conns;
	size_t nconns;
	struct pb_ratelimit rl;
};

void ctl_execute(struct ctl_ctx *ctx, char *line, FILE *out)
{
	char *argv[CTL_MAX_ARGS + 1];
	int argc = 0;
	char *save = NULL;
	for (char *t = strtok_r(line, " \t\r", &save); t; t = strtok_r(NULL, " \t\r", &save)) {
		if (argc > CTL_MAX_ARGS) {
			fprintf(out, "error: too many arguments\n");
			return;
		}
		argv[argc++] = t;
	}
	/* "--json COMMAND ...": the answer as one JSON document (the commands marked json). */
	bool json = argc > 0 && !strcmp(argv[0], "--json");
	char **args = argv + json;
	argc -= json;
	if (argc == 0) {
		fprintf(out, json ? "error: --json needs a command\n" : "error: empty command\n");
		return;
	}
	for (size_t i = 0; i < ctl_ncmds; i++) {
		const struct ctl_cmd *c = &ctl_cmds[i];
		if (strcmp(c->name, args[0]))
			continue;
		if (argc - 1 < c->min_args || argc - 1 > c->max_args) {
			fprintf(out, "error: usage: %s %s\n", c->name, c->args);
			return;
		}
		if (json && !c->json) {
			fprintf(out, "error: %s has no --json form\n", c->name);
			return;
		}
		char err[256] = "failed";
		ctx->json = json;
		int rc = c->run(ctx, argc - 1, args + 1, out, err, sizeof(err));
		ctx->json = false;
		if (rc == CTL_DEFERRED)
			return;
		if (rc)
			fprintf(out, "error: %s\n", err);
		else
			fprintf(out, "ok\n");
		return;
	}
	fprintf(out, "error: unknown command \"%.64s\" (try help)\n", args[0]);
}

static void conn_free(struct ctl_conn *c)
{
	struct ctl_server *s = c->s;
	evloop_remove(s->loop, c->w);
	close(c->fd);
	free(c->out);
	for (struct ctl_conn **pp = &s->conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	s->nconns--;
	free(c);
}

/* Sends what can be sent; watches EPOLLOUT while output is pending. 0, or -1 when the client is gone. */
static int flush_out(struct ctl_conn *c)
{
	while (c->outoff < c->outlen) {
		ssize_t n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			return -1;
		}
		c->outoff += (size_t)n;
	}
	if (c->outoff == c->outlen) {
		c->outoff = c->outlen = 0;
	}
	evloop_modify(c->s->loop, c->w, c->outlen ? EPOLLIN | EPOLLOUT : EPOLLIN);
	return 0;
}

static int append_out(struct ctl_conn *c, const char *buf, size_t len)
{
	if (c->outlen + len > CTL_OUT_MAX)
		return -1;
	char *n = realloc(c->out, c->outlen + len);
	if (!n && c->outlen + len)
		return -1;
	c->out = n;
	memcpy(c->out + c->outlen, buf, len);
	c->outlen += len;
	return 0;
}

static int run_line(struct ctl_conn *c, char *line)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return -1;
	c->s->ctx->park = &c->park;
	ctl_execute(c->s->ctx, line, f);
	c->s->ctx->park = NULL;
	fclose(f);
	int r = append_out(c, buf, len);
	free(buf);
	return r;
}

/* Runs the complete lines received, until one parks the connection.  0, or -1 when c was dropped (freed). */
static int run_lines(struct ctl_conn *c)
{
	char *nl;
	while (!c->park.pd && (nl = memchr(c->in, '\n', c->inlen))) {
		*nl = 0;
		size_t used = (size_t)(nl - c->in) + 1;
		if (run_line(c, c->in)) {
			pb_log_rl(&c->s->rl, PB_LOG_WARN, "control client dropped: answer too large");
			conn_free(c);
			return -1;
		}
		memmove(c->in, c->in + used, c->inlen - used);
		c->inlen -= used;
	}
	return 0;
}

/* A release is over: the detach parked on it is answered, and its connection reads commands again. */
static void on_released(void *arg, struct pb_pool_dev *pd)
{
	struct ctl_server *s = arg;
	struct ctl_conn *next;
	for (struct ctl_conn *c = s->conns; c; c = next) {
		next = c->next;
		if (c->park.pd != pd)
			continue;
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		if (f) {
			ctl_detach_answer(&c->park, f);
			fclose(f);
		}
		c->park.pd = NULL;
		int r = f ? append_out(c, buf, len) : -1;
		free(buf);
		if (r) {
			conn_free(c);
			continue;
		}
		if (run_lines(c))
			continue;
		if (flush_out(c))
			conn_free(c);
	}
}

static void on_conn(struct ev_watch *w, uint32_t events, void *arg)
{
	(void)w;
	struct ctl_conn *c = arg;
	if (events & EPOLLIN) {
		ssize_t n = recv(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen, MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			conn_free(c);
			return;
		}
		if (n > 0)
			c->inlen += (size_t)n;
		if (run_lines(c))
			return;
		if (c->inlen == sizeof(c->in)) {
			pb_log_rl(&c->s->rl, PB_LOG_WARN, "control client dropped: line longer than %d bytes",
				  CTL_LINE_MAX);
			conn_free(c);
			return;
		}
	} else if (events & (EPOLLHUP | EPOLLERR)) {
		conn_free(c);
		return;
	}
	if (flush_out(c))
		conn_free(c);
}

/*
 * Only the daemon's uid and root may use the control socket.  Its mode (0600)
 * already keeps others out; this holds if the mode or an ACL is loosened, or
 * the socket is passed on, since the peer's uid is the kernel's record.  The
 * refused client gets the reason as its error line.
 */
static bool peer_allowed(struct ctl_server *s, const struct usock_peer *peer, int fd)
{
	uid_t self = geteuid();
	if (peer->uid == self || peer->uid == 0)
		return true;
	char msg[128];
	int n = snprintf(msg, sizeof(msg), "error: uid %u may not use this control socket (only uid %u and root)\n",
			 (unsigned)peer->uid, (unsigned)self);
	if (n > 0 && send(fd, msg, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		pb_log_rl(&s->rl, PB_LOG_DEBUG, "control refusal not sent: %s", strerror(errno));
	pb_log_rl(&s->rl, PB_LOG_WARN, "control connection of uid %u (pid %d) refused: not uid %u or root",
		  (unsigned)peer->uid, (int)peer->pid, (unsigned)self);
	return false;
}

static void on_accept(int fd, const struct usock_peer *peer, void *arg)
{
	struct ctl_server *s = arg;
	if (!peer_allowed(s, peer, fd)) {
		close(fd);
		return;
	}
	if (s->nconns >= CTL_MAX_CONNS) {
		pb_log_rl(&s->rl, PB_LOG_WARN, "control connection refused: %d already", CTL_MAX_CONNS);
		close(fd);
		return;
	}
	struct ctl_conn *c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->s = s;
	c->fd = fd;
	c->w = evloop_add(s->loop, fd, EPOLLIN, on_conn, c);
	if (!c->w) {
		close(fd);
		free(c);
		return;
	}
	c->next = s->conns;
	s->conns = c;
	s->nconns++;
}

struct ctl_server *ctl_server_new(struct evloop *loop, struct ctl_ctx *ctx, const char *path, char *err,
				  size_t errlen)
{
	struct ctl_server *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->loop = loop;
	s->ctx = ctx;
	s->rl = (struct pb_ratelimit)PB_RATELIMIT_DEFAULT;
	s->listener = usock_listen(loop, "control socket", path, SOCK_STREAM, on_accept, s, err, errlen);
	if (!s->listener) {
		free(s);
		return NULL;
	}
	ctx->pool->on_released = on_released;
	ctx->pool->on_released_arg = s;
	return s;
}

void ctl_server_free(struct ctl_server *s)
{
	if (!s)
		return;
	while (s->conns)
		conn_free(s->conns);
	if (s->ctx->pool->on_released_arg == s) {
		s->ctx->pool->on_released = NULL;
		s->ctx->pool->on_released_arg = NULL;
	}
	usock_close(s->listener);
	free(s);
}
