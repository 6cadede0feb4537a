/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Logging: levels, stderr (with the journal's priorities when stderr is the journal) or syslog, and
 * the rate limiter for guest-caused lines.
 */
#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

static enum pb_log_level cur_level = PB_LOG_INFO;
static uint64_t lines_emitted;
/* Lines may come from the release worker too: the counters and every rate limiter's state are kept under this lock. */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static const char *const level_names[] = { "error", "warning", "info", "debug" };
static const int level_prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
static enum { SINK_STDERR, SINK_JOURNAL, SINK_SYSLOG } sink = SINK_STDERR;

void pb_log_detect_journal(void)
{
	/* systemd sets "DEV:INODE" of the stream it connected; a stderr redirected since is not the journal. */
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char tail;
	if (sink == SINK_SYSLOG || !js || sscanf(js, "%llu:%llu%c", &dev, &ino, &tail) != 2 ||
	    fstat(STDERR_FILENO, &st))
		return;
	if ((unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino)
		sink = SINK_JOURNAL;
}

void pb_log_to_syslog(void)
{
	openlog("pcibackd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	sink = SINK_SYSLOG;
}

void pb_log_set_level(enum pb_log_level level) { cur_level = level; }
enum pb_log_level pb_log_get_level(void) { return cur_level; }

int pb_log_parse_level(const char *s)
{
	static const char *const short_names[] = { "err", "warn", "info", "debug" };
	for (int i = 0; i <= PB_LOG_DEBUG; i++)
		if (!strcmp(s, short_names[i]) || !strcmp(s, level_names[i]))
			return i;
	return -1;
}

uint64_t pb_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t pb_now_ms(void) { return pb_now_ns() / 1000000u; }

static void vlog(enum pb_log_level level, const char *suffix, const char *fmt, va_list ap)
{
	char buf[1024];
	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (sink == SINK_SYSLOG)
		syslog(level_prio[level], "%s: %s%s", level_names[level], buf, suffix);
	else if (sink == SINK_JOURNAL)
		fprintf(stderr, "<%d>%s: %s%s\n", level_prio[level], level_names[level], buf, suffix);
	else
		fprintf(stderr, "pcibackd: %s: %s%s\n", level_names[level], buf, suffix);
	lines_emitted++;
}

void pb_log(enum pb_log_level level, const char *fmt, ...)
{
	if (level > cur_level)
		return;
	va_list ap;
	va_start(ap, fmt);
	pthread_mutex_lock(&log_lock);
	vlog(level, "", fmt, ap);
	pthread_mutex_unlock(&log_lock);
	va_end(ap);
}

void pb_log_rl(struct pb_ratelimit *rl, enum pb_log_level level, const char *fmt, ...)
{
	if (level > cur_level)
		return;
	uint64_t now = pb_now_ms();
	pthread_mutex_lock(&log_lock);
	if (now - rl->window_start_ms >= rl->interval_ms) {
		rl->window_start_ms = now;
		rl->emitted = 0;
	}
	if (rl->emitted >= rl->burst) {
		rl->suppressed++;
		rl->total_suppressed++;
		pthread_mutex_unlock(&log_lock);
		return;
	}
	rl->emitted++;
	char suffix[64] = "";
	if (rl->suppressed) {
		snprintf(suffix, sizeof(suffix), " (%llu similar lines suppressed)",
			 (unsigned long long)rl->suppressed);
		rl->suppressed = 0;
	}
	va_list ap;
	va_start(ap, fmt);
	vlog(level, suffix, fmt, ap);
	pthread_mutex_unlock(&log_lock);
	va_end(ap);
}

uint64_t pb_log_lines_emitted(void)
{
	pthread_mutex_lock(&log_lock);
	uint64_t n = lines_emitted;
	pthread_mutex_unlock(&log_lock);
	return n;
}
