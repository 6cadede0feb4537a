/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The epoll event loop: watches, their callbacks, and removal that is safe from inside any callback
 * (see evloop.h).
 */
#include "evloop.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

struct ev_watch {
	int fd;
	ev_cb cb;
	void *arg;
	bool dead;
	struct ev_watch *next; /* all watches (live), or the graveyard (dead) */
};

struct evloop {
	int epfd;
	bool stop;
	struct ev_watch *live;
	struct ev_watch *graveyard;
};

struct evloop *evloop_new(void)
{
	struct evloop *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		int e = errno;
		free(l);
		errno = e;
		return NULL;
	}
	return l;
}

static void free_list(struct ev_watch *w)
{
	while (w) {
		struct ev_watch *n = w->next;
		free(w);
		w = n;
	}
}

void evloop_free(struct evloop *l)
{
	if (!l)
		return;
	free_list(l->live);
	free_list(l->graveyard);
	close(l->epfd);
	free(l);
}

struct ev_watch *evloop_add(struct evloop *l, int fd, uint32_t events, ev_cb cb, void *arg)
{
	struct ev_watch *w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->fd = fd;
	w->cb = cb;
	w->arg = arg;
	struct epoll_event ev = { .events = events, .data.ptr = w };
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int e = errno;
		free(w);
		errno = e;
		return NULL;
	}
	w->next = l->live;
	l->live = w;
	return w;
}

int evloop_modify(struct evloop *l, struct ev_watch *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };
	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, w->fd, &ev) < 0 ? -errno : 0;
}

void evloop_remove(struct evloop *l, struct ev_watch *w)
{
	if (!w || w->dead)
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, w->fd, NULL);
	w->dead = true;
	for (struct ev_watch **pp = &l->live; *pp; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	w->next = l->graveyard;
	l->graveyard = w;
}

int evloop_watch_fd(const struct ev_watch *w) { return w->fd; }

void evloop_stop(struct evloop *l) { l->stop = true; }

int evloop_run(struct evloop *l)
{
	struct epoll_event evs[64];
	l->stop = false;
	while (!l->stop) {
		int n = epoll_wait(l->epfd, evs, 64, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < n && !l->stop; i++) {
			struct ev_watch *w = evs[i].data.ptr;
			if (!w->dead)
				w->cb(w, evs[i].events, w->arg);
		}
		free_list(l->graveyard);
		l->graveyard = NULL;
	}
	return 0;
}
