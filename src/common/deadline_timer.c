/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A timerfd armed to an absolute pb_now_ms() deadline, re-armed only when the deadline changes (see
 * deadline_timer.h).
 */
#include "common/deadline_timer.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

void deadline_timer_clear(struct deadline_timer *t)
{
	t->fd = -1;
	t->w = NULL;
	t->armed_ms = 0;
}

int deadline_timer_init(struct deadline_timer *t, struct evloop *loop, ev_cb cb, void *arg, char *err, size_t errlen)
{
	deadline_timer_clear(t);
	t->fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (t->fd < 0 || !(t->w = evloop_add(loop, t->fd, EPOLLIN, cb, arg))) {
		snprintf(err, errlen, "cannot set up a timer: %s", strerror(errno));
		if (t->fd >= 0)
			close(t->fd);
		t->fd = -1;
		return -1;
	}
	return 0;
}

void deadline_timer_fini(struct deadline_timer *t, struct evloop *loop)
{
	if (t->fd < 0)
		return;
	evloop_remove(loop, t->w);
	close(t->fd);
	deadline_timer_clear(t);
}

int deadline_timer_arm(struct deadline_timer *t, uint64_t at_ms)
{
	if (at_ms == t->armed_ms)
		return 0;
	t->armed_ms = at_ms;
	/* 0 would disarm: a deadline already due becomes 1 ns. */
	struct itimerspec its = { 0 };
	if (at_ms) {
		its.it_value.tv_sec = (time_t)(at_ms / 1000);
		its.it_value.tv_nsec = (long)(at_ms % 1000) * 1000000L;
		if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
			its.it_value.tv_nsec = 1;
	}
	if (timerfd_settime(t->fd, at_ms ? TFD_TIMER_ABSTIME : 0, &its, NULL) < 0) {
		t->armed_ms = 0;
		return -errno;
	}
	return 0;
}

int deadline_timer_fired(struct deadline_timer *t)
{
	uint64_t n;
	t->armed_ms = 0;
	if (read(t->fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return -errno;
	return 0;
}
