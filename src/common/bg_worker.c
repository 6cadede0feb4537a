/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The release worker thread: a job queue, the thread that runs each job's work, and the eventfd that
 * hands finished jobs back to the event loop (see bg_worker.h).
 */
#include "bg_worker.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

struct bg_worker {
	struct evloop *loop;
	struct ev_watch *watch;
	int efd;                    /* written by the thread after each job, read by the loop */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;        /* the thread: a job was queued, or stop */
	pthread_cond_t finished;    /* bgw_drain: a job's work is over */
	struct bgw_job *queue, **queue_tail; /* waiting for the thread */
	struct bgw_job *done, **done_tail;   /* work over, done not yet run */
	size_t pending;             /* submitted, done not yet run (the loop's count) */
	bool stop;
};

static void append(struct bgw_job ***tail, struct bgw_job *j)
{
	j->next = NULL;
	**tail = j;
	*tail = &j->next;
}

static void *thread_main(void *arg)
{
	struct bg_worker *w = arg;
	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->queue && !w->stop)
			pthread_cond_wait(&w->wake, &w->lock);
		if (!w->queue)
			break;
		struct bgw_job *j = w->queue;
		w->queue = j->next;
		if (!w->queue)
			w->queue_tail = &w->queue;
		pthread_mutex_unlock(&w->lock);
		j->work(j);
		pthread_mutex_lock(&w->lock);
		append(&w->done_tail, j);
		pthread_cond_broadcast(&w->finished);
		uint64_t one = 1;
		/* The counter cannot overflow (the loop reads it); a failure leaves the job for bgw_drain. */
		ssize_t n = write(w->efd, &one, sizeof(one));
		(void)n;
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* Runs the done of every job whose work is over, on the caller's thread. */
static void run_done(struct bg_worker *w)
{
	pthread_mutex_lock(&w->lock);
	struct bgw_job *list = w->done;
	w->done = NULL;
	w->done_tail = &w->done;
	pthread_mutex_unlock(&w->lock);
	while (list) {
		struct bgw_job *j = list;
		list = j->next;
		w->pending--;
		j->done(j);
	}
}

static void on_event(struct ev_watch *watch, uint32_t events, void *arg)
{
	(void)events;
	struct bg_worker *w = arg;
	uint64_t n;
	if (read(evloop_watch_fd(watch), &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	run_done(w);
}

struct bg_worker *bgw_new(struct evloop *l, char *err, size_t errlen)
{
	struct bg_worker *w = calloc(1, sizeof(*w));
	if (!w) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->loop = l;
	w->efd = -1;
	w->queue_tail = &w->queue;
	w->done_tail = &w->done;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	pthread_cond_init(&w->finished, NULL);
	w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->efd < 0) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		goto fail;
	}
	w->watch = evloop_add(l, w->efd, EPOLLIN, on_event, w);
	if (!w->watch) {
		snprintf(err, errlen, "cannot watch the worker's eventfd: %s", strerror(errno));
		goto fail;
	}
	int rc = pthread_create(&w->thread, NULL, thread_main, w);
	if (rc) {
		snprintf(err, errlen, "cannot start the worker thread: %s", strerror(rc));
		evloop_remove(l, w->watch);
		goto fail;
	}
	return w;
fail:
	if (w->efd >= 0)
		close(w->efd);
	pthread_cond_destroy(&w->finished);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	free(w);
	return NULL;
}

void bgw_submit(struct bg_worker *w, struct bgw_job *j)
{
	w->pending++;
	pthread_mutex_lock(&w->lock);
	append(&w->queue_tail, j);
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
}

size_t bgw_pending(const struct bg_worker *w) { return w->pending; }

void bgw_drain(struct bg_worker *w)
{
	while (w->pending) {
		pthread_mutex_lock(&w->lock);
		while (!w->done)
			pthread_cond_wait(&w->finished, &w->lock);
		pthread_mutex_unlock(&w->lock);
		run_done(w);
	}
}

void bgw_free(struct bg_worker *w)
{
	if (!w)
		return;
	bgw_drain(w);
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	evloop_remove(w->loop, w->watch);
	close(w->efd);
	pthread_cond_destroy(&w->finished);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	free(w);
}
