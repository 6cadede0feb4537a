/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcibackd: the userspace PV PCI backend daemon. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/evloop.h"
#include "common/log.h"
#include "common/svc_notify.h"
#include "config.h"
#include "core/pool.h"
#include "core/pool_state.h"
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

/* ---- the state a restart needs (doc/restart.md) ---- */

/* The state file ("" when none is kept), and what it is saved for. */
static char state_path[4200];
static const char *state_transport;
static const char *state_where;
static struct pb_ratelimit state_rl = PB_RATELIMIT_DEFAULT;

/*
 * Where this daemon keeps its state: one file per transport and socket in
 * --state-dir (created owner-only when missing).  0; -1 with a message when
 * the directory named on the command line cannot be used (the default one
 * only costs a warning: the daemon then keeps no state).
 */
static int state_setup(char *err, size_t errlen)
{
	const char *dir = opts.state_dir;
	struct stat st;
	if (mkdir(dir, 0700) && errno != EEXIST) {
		snprintf(err, errlen, "--state-dir %s: %s", dir, strerror(errno));
	} else if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "--state-dir %s: not a directory", dir);
	} else {
		if (opts.transport == DAEMON_TRANSPORT_XEN) {
			state_transport = "xen";
			state_where = "xen";
			snprintf(state_path, sizeof(state_path), "%s/xen.state", dir);
		} else {
			/*
			 * One daemon per socket: the file is named after the socket's
			 * absolute path, so a restart from another directory finds it.
			 */
			static char where[4000];
			char cwd[3800];
			if (opts.socket_path[0] == '/' || !getcwd(cwd, sizeof(cwd)))
				snprintf(where, sizeof(where), "%s", opts.socket_path);
			else
				snprintf(where, sizeof(where), "%s/%s", cwd, opts.socket_path);
			uint64_t h = 0xcbf29ce484222325ull;
			for (const char *p = where; *p; p++)
				h = (h ^ (uint8_t)*p) * 0x100000001b3ull;
			state_transport = "local";
			state_where = where;
			snprintf(state_path, sizeof(state_path), "%s/local-%016llx.state", dir, (unsigned long long)h);
		}
		return 0;
	}
	if (opts.state_dir_given)
		return -1;
	pb_warn("%s: no state is kept, a restart will not give guests their devices back", err);
	return 0;
}

/*
 * Reads the state file if there is one.  1 with *saved filled, 0 when there
 * is none, -1 (the daemon does not start, nothing taken from anyone) when it
 * cannot be used.
 */
static int state_read(struct pool_state *saved)
{
	char err[600];
	if (!state_path[0])
		return 0;
	int rc = pool_state_load(state_path, saved, err, sizeof(err));
	if (rc == -ENOENT)
		return 0;
	const char *why = err;
	char buf[1000];
	if (!rc && (strcmp(saved->transport, state_transport) || strcmp(saved->where, state_where))) {
		snprintf(buf, sizeof(buf), "%.300s: saved by the %.16s transport serving %.300s, not this one", state_path,
			 saved->transport, saved->where);
		why = buf;
		rc = -1;
	} else if (!rc && saved->mode != opts.mode) {
		snprintf(buf, sizeof(buf), "%.300s: saved in %s mode, this daemon runs in %s mode", state_path,
			 topo_mode_name(saved->mode), topo_mode_name(opts.mode));
		why = buf;
		rc = -1;
	}
	if (rc) {
		pb_err("state file unusable: %s; not starting, so nothing is taken from any guest (move the file aside to "
		       "start without it)", why);
		pool_state_free(saved);
		return -1;
	}
	if (opts.transport == DAEMON_TRANSPORT_XEN) {
		pb_warn("%s: taking Xen guests back after a restart is not built yet: the saved state is not used",
			state_path);
		pool_state_free(saved);
		return 0;
	}
	return 1;
}

/* pool.persist: the state file follows every change, before the guest sees an answer. */
static void state_save(void *arg)
{
	(void)arg;
	char err[600];
	if (pool_state_save(&pool, state_transport, state_where, state_path, err, sizeof(err)))
		pb_log_rl(&state_rl, PB_LOG_ERR, "%s: a restart now would not give guests their latest state", err);
}

/* Set by the control command shutdown --release. */
static bool release_on_stop;

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
	struct ctl_ctx ctx = { .pool = &pool, .sim_irq = &sim_irq, .host = &opts.host, .release_on_stop = &release_on_stop };
	char status[400];
	int sfd = -1;
	struct pool_state saved;
	int have_saved = 0;
	if (state_setup(err, sizeof(err))) {
		pb_err("%s", err);
		goto out;
	}
	have_saved = state_read(&saved);
	if (have_saved < 0)
		goto out;
	int added = daemon_add_devices(&pool, &opts, have_saved ? &saved : NULL, err, sizeof(err));
	if (have_saved) {
		pool_state_free(&saved);
		/* The interrupts the guests kept stay theirs. */
		for (size_t i = 0; i < pool.ndevs; i++) {
			const struct pb_irq_state *irq = &pool.devs[i]->dev.irq;
			if (irq->msi_on)
				sim_irq_adopt(&sim_irq, irq->msi_pirq);
			for (unsigned v = 0; v < irq->nmsix; v++)
				sim_irq_adopt(&sim_irq, irq->msix_pirqs[v]);
		}
	}
	if (added) {
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
	ctx.loop = loop;
	if (state_path[0]) {
		pool.persist = state_save;
		state_save(NULL); /* the state as served from now on, before anyone is told we are ready */
	}
	svc_notify_ready(status);
	int r = evloop_run(loop);
	if (r) {
		pb_err("event loop failed: %s", strerror(-r));
		goto out;
	}
	rc = 0;
out:;
	/*
	 * Stop is not release: on the local transport every device stays with
	 * its guest as it is, and the state file (up to date: it follows every
	 * change) lets the next daemon give them back.  Devices are released
	 * on shutdown --release, on Xen (taking Xen guests back is not built
	 * yet), and when a start fails before any device was given back.
	 */
	bool keep = opts.transport == DAEMON_TRANSPORT_LOCAL && !release_on_stop && (pool.persist || have_saved > 0);
	pool.persist = NULL;
	pool.keeping = keep;
	if (keep && state_path[0] && rc == 0)
		state_save(NULL);
	/*
	 * Stopping the transport waits for releases in progress, whose completion
	 * answers a parked detach and runs the commands its client sent behind
	 * it: by then they must not reach the transport being freed.
	 */
	ctx.transport = NULL;
	pb_transport_stop(transport);
	ctl_server_free(ctl);
	if (keep) {
		size_t n = 0;
		for (size_t i = 0; i < pool.ndevs; i++)
			n += pool.devs[i]->owner != NULL;
		pool_forget(&pool);
		pb_info("stopped: %zu devices left with their guests as they are (state in %s)", n, state_path);
	} else {
		pool_fini(&pool);
		/* Every device is released: there is nothing left to give back. */
		if (state_path[0] && rc == 0 && unlink(state_path) && errno != ENOENT)
			pb_warn("%s: cannot remove: %s", state_path, strerror(errno));
	}
	evloop_free(loop);
	if (sfd >= 0)
		close(sfd);
	if (pool.trace && pool.trace != stdout)
		fclose(pool.trace);
	return rc;
}
