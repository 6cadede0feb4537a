/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A one-shot timer in the event loop, armed to an absolute pb_now_ms() time
 * (CLOCK_MONOTONIC milliseconds): the transports arm it to the earliest AER
 * step deadline over their guests.  Re-arming to the time it is already
 * armed to costs no system call.
 */
#ifndef PCIBACKD_COMMON_DEADLINE_TIMER_H
#define PCIBACKD_COMMON_DEADLINE_TIMER_H

#include <stddef.h>
#include <stdint.h>

#include "common/evloop.h"

struct deadline_timer {
	int fd;                 /* -1 when not set up */
	struct ev_watch *w;
	uint64_t armed_ms;      /* the time it is armed to (0: disarmed) */
};

/* Creates the timer and registers it with loop (cb runs when it fires); 0, or -1 + err. */
int deadline_timer_init(struct deadline_timer *t, struct evloop *loop, ev_cb cb, void *arg, char *err, size_t errlen);
/* Unregisters and closes it; a timer never set up (fd -1, or all zero after deadline_timer_clear) is fine. */
void deadline_timer_fini(struct deadline_timer *t, struct evloop *loop);
/* Marks a timer as not set up (before init, so fini is always safe). */
void deadline_timer_clear(struct deadline_timer *t);
/* Arms it to at_ms (0 disarms); 0 or -errno (then it counts as disarmed). */
int deadline_timer_arm(struct deadline_timer *t, uint64_t at_ms);
/* In the callback: consumes the expiry, so the next arm takes effect even for the same time; 0 or -errno. */
int deadline_timer_fired(struct deadline_timer *t);

#endif
