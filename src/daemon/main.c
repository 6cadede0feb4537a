/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcibackd: the userspace PV PCI backend daemon. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "common/evloop.h"
#include "common/log.h"
#include "common/svc_notify.h"
#include "config.h"
#include "core/pool.h"
#include "core/transport.h"
#include "daemon/control.h"
#include "daemon/devices.h"
#include "daemon/options.h"
#include "dispatch/trace.h"
#include "host/kernel_pciback.h"
#include "host/sim_irq.h"
#include "transport/local/local_backend.h"
#include "transport/xen/xen_transport.h"

static struct daemon_opts opts;
static struct pb_pool pool;
/* The local transport's interrupt provider, for every device source; the Xen transport installs its own. */
static struct sim_irq sim_irq;

static struct pb_transport *start_xen(struct evloop *loop, char *status, size_t statuslen, char *err,
				      size_t errlen)
{
	struct pb_transport *t = xen_transport_start(&pool, loop, opts.xen_domid, err, errlen);
	if (t)
		snprintf(status, statuslen, "serving %zu devices to Xen guests (%s)", pool.ndevs,
			 topo_mode_name(opts.mode));
	return t;
}

static struct pb_transport *start_local(struct evloop *loop, char *status, size_t statuslen, char *err,
					size_t errlen)
{
	struct lt_backend *local = lt_backend_new(loop, &pool, opts.socket_path, err, errlen);
	if (!local)
		return NULL;
	lt_backend_set_handshake_timeout(local, opts.handshake_timeout_ms);
	for (size_t i = 0; i < opts.nguest_uids; i++)
		if (lt_backend_set_owner(local, opts.guest_uids[i].guest, opts.guest_uids[i].uid, err, errlen)) {
			lt_backend_free(local);
			return NULL;
		}
	snprintf(status, statuslen, "serving %zu devices to %zu guests on %.300s (%s)", pool.ndevs, pool.nguests,
		 opts.socket_path, topo_mode_name(opts.mode));
	return lt_backend_transport(local);
}

/* The transports --transport names: whether this pcibackd has it, and how it starts. */
static const struct {
	enum daemon_transport kind;
	bool (*built)(void);
	/* Starts it; status: the one-line summary readiness reports. */
	struct pb_transport *(*start)(struct evloop *loop, char *status, size_t statuslen, char *err, size_t errlen);
} transports[] = {
	{ DAEMON_TRANSPORT_LOCAL, NULL, start_local },
	{ DAEMON_TRANSPORT_XEN, xen_transport_built, start_xen },
};

static void on_signal(struct ev_watch *w, uint32_t events, void *arg)
{
	struct signalfd_siginfo si;
	if (read(evloop_watch_fd(w), &si, sizeof(si)) == (ssize_t)sizeof(si))
		pb_info("%s: shutting down", strsignal((int)si.ssi_signo));
	svc_notify_stopping();
	evloop_stop(arg);
}

int main(int argc, char **argv)
{
	char err[512];
	if (daemon_parse_args(argc, argv, &opts, err, sizeof(err))) {
		pb_err("%s", err);
		return 2;
	}
	if (opts.help) {
		fputs(daemon_usage, stdout);
		return 0;
	}
	if (opts.version) {
		puts("pcibackd " PCIBACKD_VERSION);
		return 0;
	}
	pb_log_set_level(opts.log_level);
	if (opts.syslog)
		pb_log_to_syslog();
	else
		pb_log_detect_journal();
	signal(SIGPIPE, SIG_IGN);
	size_t ti = 0;
	while (transports[ti].kind != opts.transport)
		ti++;
	if (transports[ti].built && !transports[ti].built()) {
		/* Before any device is touched: nothing is seized for a transport that cannot serve. */
		pb_err("the Xen transport is not built into this pcibackd (rebuild with libxen-dev installed)");
		return 1;
	}
	if (opts.transport == DAEMON_TRANSPORT_XEN && kernel_pciback_present(&opts.host, err, sizeof(err))) {
		pb_err("the kernel's xen-pciback backend is active (%s): unload it (modprobe -r xen-pciback) "
		       "and keep it from loading (pcibackd's modprobe.d file) before serving Xen guests", err);
		return 1;
	}

	pool_init(&pool, opts.mode);
	sim_irq_init(&sim_irq);
	pool.irqp = &sim_irq.provider;
	pool.aer_timeout_ms = opts.aer_timeout_ms;
	pool.op_rate = opts.op_rate;
	pool.exact_msi_ops = opts.exact_msi_ops;
	pool.aer_policy = opts.aer_policy;
	if (opts.trace_path) {
		pool.trace = strcmp(opts.trace_path, "-") ? trace_fopen(opts.trace_path, err, sizeof(err)) : stdout;
		if (!pool.trace) {
			pb_err("--trace %s", err);
			return 1;
		}
		setvbuf(pool.trace, NULL, _IOLBF, 0);
		pool.trace_path = opts.trace_path;
	}
	int rc = 1;
	struct evloop *loop = NULL;
	struct pb_transport *transport = NULL;
	struct ctl_server *ctl = NULL;
	struct ctl_ctx ctx = { .pool = &pool, .sim_irq = &sim_irq, .host = &opts.host };
	char status[400];
	int sfd = -1;
	if (daemon_add_devices(&pool, &opts, err, sizeof(err))) {
		pb_err("%s", err);
		goto out;
	}
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	loop = evloop_new();
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (!loop || sfd < 0 || !evloop_add(loop, sfd, EPOLLIN, on_signal, loop)) {
		pb_err("cannot set up the event loop: %s", strerror(errno));
		goto out;
	}
	/* Real devices' resets (up to seconds) run off the loop, which keeps serving every other guest. */
	if (pool_start_release_worker(&pool, loop, err, sizeof(err))) {
		pb_err("%s", err);
		goto out;
	}
	if (opts.control_path && !(ctl = ctl_server_new(loop, &ctx, opts.control_path, err, sizeof(err)))) {
		pb_err("%s", err);
		goto out;
	}
	transport = transports[ti].start(loop, status, sizeof(status), err, sizeof(err));
	if (!transport) {
		pb_err("%s", err);
		goto out;
	}
	ctx.transport = transport;
	svc_notify_ready(status);
	int r = evloop_run(loop);
	if (r) {
		pb_err("event loop failed: %s", strerror(-r));
		goto out;
	}
	rc = 0;
out:
	/*
	 * Stopping the transport waits for releases in progress, whose completion
	 * answers a parked detach and runs the commands its client sent behind
	 * it: by then they must not reach the transport being freed.
	 */
	ctx.transport = NULL;
	pb_transport_stop(transport);
	ctl_server_free(ctl);
	pool_fini(&pool);
	evloop_free(loop);
	if (sfd >= 0)
		close(sfd);
	if (pool.trace && pool.trace != stdout)
		fclose(pool.trace);
	return rc;
}
