/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Levelled logging to stderr, and rate limiting for every guest-caused line. */
#ifndef PCIBACKD_COMMON_LOG_H
#define PCIBACKD_COMMON_LOG_H

#include <stdbool.h>
#include <stdint.h>

enum pb_log_level { PB_LOG_ERR = 0, PB_LOG_WARN, PB_LOG_INFO, PB_LOG_DEBUG };

void pb_log_set_level(enum pb_log_level level);
enum pb_log_level pb_log_get_level(void);
/* Parses "err", "warn", "info" or "debug"; -1 when unknown. */
int pb_log_parse_level(const char *s);

/*
 * Where lines go: stderr ("pcibackd: LEVEL: ..."); stderr with a "<N>" priority
 * prefix for journald when $JOURNAL_STREAM names our stderr (pb_log_detect_journal);
 * or syslog (facility daemon) when asked (pb_log_to_syslog).
 */
void pb_log_detect_journal(void);
void pb_log_to_syslog(void);

void pb_log(enum pb_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define pb_err(...) pb_log(PB_LOG_ERR, __VA_ARGS__)
#define pb_warn(...) pb_log(PB_LOG_WARN, __VA_ARGS__)
#define pb_info(...) pb_log(PB_LOG_INFO, __VA_ARGS__)
#define pb_debug(...) pb_log(PB_LOG_DEBUG, __VA_ARGS__)

/*
 * A token bucket: `burst` lines at once, then one line per `interval_ms`.
 * Suppressed lines are counted and reported with the next line let through.
 */
struct pb_ratelimit {
	uint32_t interval_ms;
	uint32_t burst;
	uint64_t window_start_ms;
	uint32_t emitted;   /* lines in this window */
	uint64_t suppressed; /* lines dropped since the last emitted one */
	uint64_t total_suppressed;
};

#define PB_RATELIMIT_INIT(interval, b) { .interval_ms = (interval), .burst = (b) }
#define PB_RATELIMIT_DEFAULT PB_RATELIMIT_INIT(5000, 10)

void pb_log_rl(struct pb_ratelimit *rl, enum pb_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Lines written so far (all levels), for tests of log bounds. */
uint64_t pb_log_lines_emitted(void);

uint64_t pb_now_ms(void);
uint64_t pb_now_ns(void);

#endif
