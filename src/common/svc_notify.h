/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Telling the service manager how the daemon is doing: systemd's notify
 * protocol (one datagram of NAME=VALUE lines to the AF_UNIX socket named by
 * $NOTIFY_SOCKET; a leading '@' names an abstract socket), spoken directly,
 * with no libsystemd.  Without $NOTIFY_SOCKET readiness is one line on stderr.
 */
#ifndef PCIBACKD_COMMON_SVC_NOTIFY_H
#define PCIBACKD_COMMON_SVC_NOTIFY_H

/* Sends STATE ("READY=1\nSTATUS=...") to $NOTIFY_SOCKET: 1 when sent, 0 when the
 * variable is unset or empty, -errno when it names no usable socket. */
int svc_notify(const char *state);

/* The daemon serves: READY=1 (with STATUS) to the service manager, logged at info;
 * without one, "pcibackd: ready: STATUS" on stderr whatever the log level. */
void svc_notify_ready(const char *status);

/* The daemon is shutting down: STOPPING=1 to the service manager, if any. */
void svc_notify_stopping(void);

#endif
