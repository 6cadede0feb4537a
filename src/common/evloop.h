/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's single event loop (epoll): every transport registers its file
 * descriptors here with a callback, so one thread serves every guest of every
 * transport.  A watch may be removed from inside any callback, including one
 * for another fd of the same epoll batch: removed watches are freed only once
 * the batch is over, and their pending events are dropped.
 */
#ifndef PCIBACKD_COMMON_EVLOOP_H
#define PCIBACKD_COMMON_EVLOOP_H

#include <stdint.h>
#include <sys/epoll.h> /* EPOLL* event bits */

struct evloop;
struct ev_watch;

/* events: the EPOLL* bits that fired (EPOLLIN, EPOLLOUT, EPOLLHUP, EPOLLERR). */
typedef void (*ev_cb)(struct ev_watch *w, uint32_t events, void *arg);

/* NULL with errno on failure. */
struct evloop *evloop_new(void);
/* Frees the loop and every watch still registered (their fds stay open). */
void evloop_free(struct evloop *l);

/* Watches fd for `events` (EPOLLIN, EPOLLOUT...); NULL with errno on failure. */
struct ev_watch *evloop_add(struct evloop *l, int fd, uint32_t events, ev_cb cb, void *arg);
/* Changes the events watched; 0 or -errno. */
int evloop_modify(struct evloop *l, struct ev_watch *w, uint32_t events);
/* Stops watching (the fd is not closed).  NULL is accepted. */
void evloop_remove(struct evloop *l, struct ev_watch *w);
int evloop_watch_fd(const struct ev_watch *w);

/* Runs until evloop_stop(); returns 0, or -errno if epoll itself failed. */
int evloop_run(struct evloop *l);
void evloop_stop(struct evloop *l);

#endif
