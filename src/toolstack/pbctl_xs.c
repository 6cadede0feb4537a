/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcibackctl's xenstore node layout (see pbctl_xs.h). */
#include "toolstack/pbctl_xs.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "proto/xenbus_state.h"


/* The per-device keys libxl writes and renumbers. */
static const char *const dev_keys[] = { "state", "key", "dev", "vdev", "opts", "vdevfn", "name" };
#define NKEYS (sizeof(dev_keys) / sizeof(dev_keys[0]))

int pbctl_parse_device(const char *arg, struct pb_bdf *addr, struct pbctl_opts *o, char *err, size_t errlen)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->rdm_policy, sizeof(o->rdm_policy), "strict");
	char buf[256];
	if (strlen(arg) >= sizeof(buf)) {
		snprintf(err, errlen, "device argument too long");
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", arg);
	char *save = NULL, *tok = strtok_r(buf, ",", &save);
	if (!tok || pb_bdf_parse(tok, addr, err, (unsigned)errlen))
		return tok ? -1 : (snprintf(err, errlen, "missing device address"), -1);
	while ((tok = strtok_r(NULL, ",", &save))) {
		char *eq = strchr(tok, '=');
		if (!eq) {
			snprintf(err, errlen, "option '%s' is not key=value", tok);
			return -1;
		}
		*eq = '\0';
		const char *v = eq + 1;
		int *flag = !strcmp(tok, "permissive")     ? &o->permissive
			    : !strcmp(tok, "msitranslate") ? &o->msitranslate
			    : !strcmp(tok, "power_mgmt")   ? &o->power_mgmt
							   : NULL;
		if (flag) {
			if (strcmp(v, "0") && strcmp(v, "1")) {
				snprintf(err, errlen, "option %s takes 0 or 1, not '%s'", tok, v);
				return -1;
			}
			*flag = v[0] == '1';
		} else if (!strcmp(tok, "rdm_policy")) {
			if (strcmp(v, "strict") && strcmp(v, "relaxed")) {
				snprintf(err, errlen, "rdm_policy is strict or relaxed, not '%s'", v);
				return -1;
			}
			snprintf(o->rdm_policy, sizeof(o->rdm_policy), "%s", v);
		} else {
			snprintf(err, errlen, "unknown option '%s' (permissive, msitranslate, power_mgmt, rdm_policy)", tok);
			return -1;
		}
	}
	return 0;
}

void pbctl_backend_path(const struct pbctl_target *t, char *buf)
{
	snprintf(buf, PBCTL_PATH, "/local/domain/%u/backend/pci/%u/0", t->be_domid, t->domid);
}

void pbctl_frontend_path(const struct pbctl_target *t, char *buf)
{
	snprintf(buf, PBCTL_PATH, "/local/domain/%u/device/pci/0", t->domid);
}

static int write_device(struct pb_xs *xs, pb_xs_tx tx, const char *be, int n, const struct pb_bdf *a,
			const struct pbctl_opts *o)
{
	char key[32], slot[PB_BDF_STRLEN];
	int rc;
	pb_bdf_format(a, slot); /* libxl's "%04x:%02x:%02x.%01x" */
	snprintf(key, sizeof(key), "key-%d", n);
	if ((rc = pb_xs_printf(xs, tx, be, key, "%s", slot)))
		return rc;
	snprintf(key, sizeof(key), "dev-%d", n);
	if ((rc = pb_xs_printf(xs, tx, be, key, "%s", slot)))
		return rc;
	snprintf(key, sizeof(key), "opts-%d", n);
	if ((rc = pb_xs_printf(xs, tx, be, key, "msitranslate=%d,power_mgmt=%d,permissive=%d,rdm_policy=%s",
			       o->msitranslate, o->power_mgmt, o->permissive, o->rdm_policy)))
		return rc;
	snprintf(key, sizeof(key), "state-%d", n);
	return pb_xs_printf(xs, tx, be, key, "%d", XB_INITIALISING);
}

/* A backend holds at most this many devices (the backend's own bound, TOPO_MAX_DEVS). */
#define PBCTL_MAX_DEVS 256

/* num_devs, -EINVAL when it is not 0..PBCTL_MAX_DEVS (never loop over a corrupt count). */
static int read_num_devs(struct pb_xs *xs, pb_xs_tx tx, const char *be, int *num)
{
	int rc = pb_xs_read_int(xs, tx, be, "num_devs", num);
	if (!rc && (*num < 0 || *num > PBCTL_MAX_DEVS))
		rc = -EINVAL;
	return rc;
}

/* The index of the device in dev-0..num-1, or -1. */
static int find_device(struct pb_xs *xs, pb_xs_tx tx, const char *be, int num, const struct pb_bdf *a)
{
	for (int i = 0; i < num; i++) {
		char key[32], *v = NULL;
		struct pb_bdf b;
		char e[64];
		snprintf(key, sizeof(key), "dev-%d", i);
		if (pb_xs_read_key(xs, tx, be, key, &v))
			continue;
		int ok = !pb_bdf_parse(v, &b, e, sizeof(e)) && pb_bdf_equal(&b, a);
		free(v);
		if (ok)
			return i;
	}
	return -1;
}

static int create_backend(struct pb_xs *xs, pb_xs_tx tx, const struct pbctl_target *t, const char *be,
			  const char *fe, const struct pb_bdf *a, const struct pbctl_opts *o)
{
	const struct pb_xs_perm fe_perms[2] = { { t->domid, PB_XS_PERM_NONE }, { t->be_domid, PB_XS_PERM_READ } };
	const struct pb_xs_perm be_perms[2] = { { t->be_domid, PB_XS_PERM_NONE }, { t->domid, PB_XS_PERM_READ } };
	int rc;
	/* Stale nodes of an earlier guest with this domid go first, as libxl does. */
	if ((rc = xs->ops->rm(xs, tx, fe)) || (rc = xs->ops->rm(xs, tx, be)))
		return rc;
	if ((rc = xs->ops->mkdir(xs, tx, fe)) || (rc = xs->ops->set_perms(xs, tx, fe, fe_perms, 2)) ||
	    (rc = xs->ops->mkdir(xs, tx, be)) || (rc = xs->ops->set_perms(xs, tx, be, be_perms, 2)))
		return rc;
	if ((rc = pb_xs_printf(xs, tx, fe, "backend", "%s", be)) ||
	    (rc = pb_xs_printf(xs, tx, fe, "backend-id", "%u", t->be_domid)) ||
	    (rc = pb_xs_printf(xs, tx, fe, "state", "%d", XB_INITIALISING)))
		return rc;
	if ((rc = pb_xs_printf(xs, tx, be, "frontend", "%s", fe)) ||
	    (rc = pb_xs_printf(xs, tx, be, "frontend-id", "%u", t->domid)) ||
	    (rc = pb_xs_printf(xs, tx, be, "online", "1")) ||
	    (rc = pb_xs_printf(xs, tx, be, "state", "%d", XB_INITIALISING)) ||
	    (rc = pb_xs_printf(xs, tx, be, "domain", "%s", t->name)))
		return rc;
	if ((rc = write_device(xs, tx, be, 0, a, o)))
		return rc;
	return pb_xs_printf(xs, tx, be, "num_devs", "%d", 1);
}

#define TX_RETRIES 16

/*
 * One attempt inside a transaction: 0 to commit, or -errno with err set to
 * abort without retrying.
 */
typedef int (*tx_body)(struct pb_xs *xs, pb_xs_tx tx, void *arg, char *err, size_t errlen);

/* Runs body in a transaction, again while the commit conflicts (-EAGAIN). */
static int run_tx(struct pb_xs *xs, tx_body body, void *arg, char *err, size_t errlen)
{
	for (int attempt = 0; attempt < TX_RETRIES; attempt++) {
		pb_xs_tx tx;
		int rc = xs->ops->tx_start(xs, &tx);
		if (rc) {
			snprintf(err, errlen, "xenstore transaction: %s", strerror(-rc));
			return rc;
		}
		rc = body(xs, tx, arg, err, errlen);
		if (rc) {
			xs->ops->tx_end(xs, tx, true);
			return rc;
		}
		rc = xs->ops->tx_end(xs, tx, false);
		if (rc == -EAGAIN)
			continue;
		if (rc)
			snprintf(err, errlen, "committing: %s", strerror(-rc));
		return rc;
	}
	snprintf(err, errlen, "xenstore kept conflicting; giving up");
	return -EAGAIN;
}

/* What one command works on, shared by its transaction bodies. */
struct tx_job {
	const struct pbctl_target *t;
	const struct pb_bdf *addr;
	const struct pbctl_opts *o;
	char be[PBCTL_PATH], fe[PBCTL_PATH], a[PB_BDF_STRLEN];
	bool hotplug;                 /* attach: the guest was Connected (a Reconfiguring round) */
	enum pbctl_detach_wait wait;  /* detach: what to wait for */
};

static void job_init(struct tx_job *j, const struct pbctl_target *t, const struct pb_bdf *addr,
		     const struct pbctl_opts *o)
{
	memset(j, 0, sizeof(*j));
	j->t = t;
	j->addr = addr;
	j->o = o;
	pbctl_backend_path(t, j->be);
	pbctl_frontend_path(t, j->fe);
	pb_bdf_format(addr, j->a);
}

static int not_connected(const struct tx_job *j, int state, char *err, size_t errlen)
{
	snprintf(err, errlen, "the backend of domain %u is %s, not Connected", j->t->domid, xb_state_name(state));
	return -EAGAIN;
}

static int failed_writing(const struct tx_job *j, int rc, char *err, size_t errlen)
{
	if (rc)
		snprintf(err, errlen, "writing the nodes of %s: %s", j->a, strerror(-rc));
	return rc;
}

static int attach_body(struct pb_xs *xs, pb_xs_tx tx, void *arg, char *err, size_t errlen)
{
	struct tx_job *j = arg;
	int rc, num = 0, state = XB_UNKNOWN;
	rc = read_num_devs(xs, tx, j->be, &num);
	if (rc && rc != -ENOENT) {
		snprintf(err, errlen, "%s/num_devs is not a device count (0 to %d)", j->be, PBCTL_MAX_DEVS);
		return rc;
	}
	bool exists = !rc;
	if (exists && pb_xs_read_int(xs, tx, j->be, "state", &state))
		state = XB_UNKNOWN;
	j->hotplug = exists && state == XB_CONNECTED;
	if (!exists)
		return failed_writing(j, create_backend(xs, tx, j->t, j->be, j->fe, j->addr, j->o), err, errlen);
	if (find_device(xs, tx, j->be, num, j->addr) >= 0) {
		snprintf(err, errlen, "%s is already attached to domain %u", j->a, j->t->domid);
		return -EEXIST;
	}
	if (state != XB_INITIALISING && state != XB_INITWAIT && state != XB_INITIALISED && state != XB_CONNECTED)
		return not_connected(j, state, err, errlen);
	rc = write_device(xs, tx, j->be, num, j->addr, j->o);
	if (!rc)
		rc = pb_xs_printf(xs, tx, j->be, "num_devs", "%d", num + 1);
	if (!rc && state == XB_CONNECTED)
		rc = pb_xs_printf(xs, tx, j->be, "state", "%d", XB_RECONFIGURING);
	return failed_writing(j, rc, err, errlen);
}

int pbctl_attach_xs(struct pb_xs *xs, const struct pbctl_target *t, const struct pb_bdf *addr,
		    const struct pbctl_opts *o, bool *hotplug, char *err, size_t errlen)
{
	struct tx_job j;
	job_init(&j, t, addr, o);
	int rc = run_tx(xs, attach_body, &j, err, errlen);
	*hotplug = !rc && j.hotplug;
	return rc;
}

static int detach_begin_body(struct pb_xs *xs, pb_xs_tx tx, void *arg, char *err, size_t errlen)
{
	struct tx_job *j = arg;
	int rc, num = 0, state = XB_UNKNOWN, i = -1;
	if (!read_num_devs(xs, tx, j->be, &num))
		i = find_device(xs, tx, j->be, num, j->addr);
	if (i < 0) {
		snprintf(err, errlen, "%s is not attached to domain %u", j->a, j->t->domid);
		return -ENOENT;
	}
	if (pb_xs_read_int(xs, tx, j->be, "state", &state))
		state = XB_UNKNOWN;
	if (num == 1) {
		/* The last device: the whole backend goes, the generic libxl way. */
		j->wait = PBCTL_WAIT_CLOSED;
		rc = pb_xs_printf(xs, tx, j->be, "online", "0");
		if (!rc && state != XB_CLOSED)
			rc = pb_xs_printf(xs, tx, j->be, "state", "%d", XB_CLOSING);
		return failed_writing(j, rc, err, errlen);
	}
	if (state != XB_CONNECTED)
		return not_connected(j, state, err, errlen);
	char key[32];
	j->wait = PBCTL_WAIT_CONNECTED;
	snprintf(key, sizeof(key), "state-%d", i);
	rc = pb_xs_printf(xs, tx, j->be, key, "%d", XB_CLOSING);
	if (!rc)
		rc = pb_xs_printf(xs, tx, j->be, "state", "%d", XB_RECONFIGURING);
	return failed_writing(j, rc, err, errlen);
}

int pbctl_detach_begin(struct pb_xs *xs, const struct pbctl_target *t, const struct pb_bdf *addr,
		       enum pbctl_detach_wait *wait, char *err, size_t errlen)
{
	struct tx_job j;
	job_init(&j, t, addr, NULL);
	int rc = run_tx(xs, detach_begin_body, &j, err, errlen);
	if (!rc)
		*wait = j.wait;
	return rc;
}

/* Deletes device i's keys, moves i+1..num-1 down by one, num_devs - 1. */
static int renumber(struct pb_xs *xs, pb_xs_tx tx, const char *be, int i, int num)
{
	char key[PBCTL_PATH + 32], *v;
	int rc;
	for (size_t k = 0; k < NKEYS; k++) {
		snprintf(key, sizeof(key), "%s/%s-%d", be, dev_keys[k], i);
		if ((rc = xs->ops->rm(xs, tx, key)))
			return rc;
	}
	if ((rc = pb_xs_printf(xs, tx, be, "num_devs", "%d", num - 1)))
		return rc;
	for (int j = i + 1; j < num; j++)
		for (size_t k = 0; k < NKEYS; k++) {
			char from[32], to[32];
			snprintf(from, sizeof(from), "%s-%d", dev_keys[k], j);
			snprintf(to, sizeof(to), "%s-%d", dev_keys[k], j - 1);
			if (pb_xs_read_key(xs, tx, be, from, &v))
				continue;
			rc = pb_xs_printf(xs, tx, be, to, "%s", v);
			free(v);
			snprintf(key, sizeof(key), "%s/%s", be, from);
			if (rc || (rc = xs->ops->rm(xs, tx, key)))
				return rc;
		}
	return 0;
}

static int detach_finish_body(struct pb_xs *xs, pb_xs_tx tx, void *arg, char *err, size_t errlen)
{
	struct tx_job *j = arg;
	int rc, num = 0, i = -1;
	if (j->wait == PBCTL_WAIT_CLOSED) {
		rc = xs->ops->rm(xs, tx, j->fe);
		if (!rc)
			rc = xs->ops->rm(xs, tx, j->be);
	} else {
		if (!read_num_devs(xs, tx, j->be, &num))
			i = find_device(xs, tx, j->be, num, j->addr);
		if (i < 0) {
			snprintf(err, errlen, "%s is no longer listed for domain %u", j->a, j->t->domid);
			return -ENOENT;
		}
		rc = renumber(xs, tx, j->be, i, num);
	}
	if (rc)
		snprintf(err, errlen, "removing the nodes of %s: %s", j->a, strerror(-rc));
	return rc;
}

int pbctl_detach_finish(struct pb_xs *xs, const struct pbctl_target *t, const struct pb_bdf *addr,
			enum pbctl_detach_wait wait, char *err, size_t errlen)
{
	struct tx_job j;
	job_init(&j, t, addr, NULL);
	j.wait = wait;
	return run_tx(xs, detach_finish_body, &j, err, errlen);
}

int pbctl_wait_backend_state(struct pb_xs *xs, const struct pbctl_target *t, int want, int timeout_ms)
{
	char be[PBCTL_PATH], path[PBCTL_PATH + 8];
	pbctl_backend_path(t, be);
	snprintf(path, sizeof(path), "%s/state", be);
	int rc = xs->ops->watch(xs, path, "pcibackctl");
	if (rc)
		return rc;
	uint64_t deadline = pb_now_ms() + (uint64_t)timeout_ms;
	for (;;) {
		char *p, *tok;
		while (xs->ops->next_event(xs, &p, &tok) == 1) {
			free(p);
			free(tok);
		}
		int s;
		rc = pb_xs_read_int(xs, PB_XS_NO_TX, be, "state", &s);
		if (rc || s == want)
			break;
		uint64_t now = pb_now_ms();
		if (now >= deadline) {
			rc = -ETIMEDOUT;
			break;
		}
		struct pollfd pfd = { .fd = xs->ops->watch_fd(xs), .events = POLLIN };
		poll(&pfd, 1, (int)(deadline - now));
	}
	xs->ops->unwatch(xs, path, "pcibackctl");
	return rc;
}
