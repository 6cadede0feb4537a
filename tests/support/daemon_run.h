/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Runs the built pcibackd for the integration tests of tests/hostile: in a
 * fresh directory, with the local transport on DIR/sock, the control socket
 * on DIR/ctl and stderr in DIR/daemon.log.
 */
#ifndef PCIBACKD_TESTS_SUPPORT_DAEMON_RUN_H
#define PCIBACKD_TESTS_SUPPORT_DAEMON_RUN_H

#include <stddef.h>
#include <sys/types.h>

struct daemon_run {
	pid_t pid;
	char dir[64];
	char sock[100], ctl[100], log[100];
};

/* Starts pcibackd with args (NULL-terminated, after --socket/--control) and waits for its socket; 0 or -1. */
int daemon_run_start(struct daemon_run *d, const char *pcibackd, const char *const *args);
/* SIGTERM, wait, remove the directory. */
void daemon_run_stop(struct daemon_run *d);
/* Lines of the daemon's log containing needle. */
long daemon_run_log_count(const struct daemon_run *d, const char *needle);
/* The daemon's CPU time so far (utime + stime from /proc/PID/stat), in seconds; -1 when unreadable. */
double daemon_run_cpu_s(const struct daemon_run *d);
/* Runs one control command; its answer (up to "ok" or "error: ...") in out.  0 or -1. */
int daemon_run_ctl(const struct daemon_run *d, const char *cmd, char *out, size_t outlen);
/* A counter of `stats GUEST` ("spurious", "ops"...); -1 when missing. */
long long daemon_run_stat(const struct daemon_run *d, const char *guest, const char *counter);
/* Monotonic time in ns. */
unsigned long long daemon_run_now_ns(void);

#endif
