/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One background thread for slow work the event loop must not wait for
 * (a device reset).  The loop queues a job; the thread runs its work; the
 * job's done then runs on the loop's thread (an eventfd watched by the
 * loop), in the order the work finished.  A job's work must touch nothing
 * the loop uses while the job is queued, unless under a lock of its own.
 */
#ifndef PCIBACKD_COMMON_BG_WORKER_H
#define PCIBACKD_COMMON_BG_WORKER_H

#include <stddef.h>

#include "common/evloop.h"

struct bgw_job {
	void (*work)(struct bgw_job *j); /* on the worker thread */
	void (*done)(struct bgw_job *j); /* afterwards, on the loop's thread */
	struct bgw_job *next;            /* the worker's */
};

struct bg_worker;

/* Starts the thread and watches its completions on l.  NULL with a message on failure. */
struct bg_worker *bgw_new(struct evloop *l, char *err, size_t errlen);
/* Queues j (work and done set; j stays the caller's, untouched until done). */
void bgw_submit(struct bg_worker *w, struct bgw_job *j);
/* Jobs queued or running whose done has not run yet. */
size_t bgw_pending(const struct bg_worker *w);
/* Waits, on the caller's thread, until every job queued so far is done, running their done here. */
void bgw_drain(struct bg_worker *w);
/* Drains, stops the thread, stops watching.  NULL is accepted. */
void bgw_free(struct bg_worker *w);

#endif
