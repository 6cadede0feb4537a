/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The operator's control socket: a Unix stream socket (mode 0600) taking one
 * command per line.  The answer is zero or more lines, then a last line
 * "ok" or "error: <message>".  Commands are entries of the table in
 * control_cmds.c: adding one is adding an entry.  A line "--json COMMAND
 * ..." asks a command marked json for its answer as one JSON document (one
 * line) before the "ok": such a command writes through struct ctl_out, which
 * gives both forms from the same calls, and checks its arguments before
 * writing anything, so an error never follows part of a document.
 */
#ifndef PCIBACKD_DAEMON_CONTROL_H
#define PCIBACKD_DAEMON_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "common/evloop.h"
#include "core/pool.h"
#include "host/host_options.h"

struct pb_transport;
struct sim_irq;

/*
 * A command whose answer comes later (detach of a device whose reset runs
 * off the loop): its run fills *ctx->park and returns CTL_DEFERRED; the
 * connection reads no further command until the release is over, then
 * gets ctl_detach_answer's lines.
 */
#define CTL_DEFERRED 1
struct ctl_park {
	struct pb_pool_dev *pd;    /* NULL: nothing parked */
	char guest[64];
	char vaddr[32];
};

/* What commands can reach. */
struct ctl_ctx {
	struct pb_pool *pool;
	struct pb_transport *transport; /* for connection states, AER, hot-plug and owners; may be NULL */
	struct sim_irq *sim_irq;   /* the simulated interrupt provider, for its counts; may be NULL */
	const struct host_options *host; /* for host: sources attached at run time */
	struct ctl_park *park;     /* where a command may park its connection (NULL: it may not) */
	bool json;                 /* the answer's form (struct ctl_out): one JSON document, else human lines */
};

#define CTL_MAX_ARGS 16

struct ctl_cmd {
	const char *name;
	const char *args;          /* usage, e.g. "GUEST VADDR on|off" */
	int min_args, max_args;    /* after the name */
	/* Writes answer lines to out; returns 0, or -1 with a one-line message in err. */
	int (*run)(struct ctl_ctx *ctx, int argc, char **argv, FILE *out, char *err, size_t errlen);
	bool json;                 /* has a JSON form: writes through struct ctl_out in the form ctx->json says */
};

extern const struct ctl_cmd ctl_cmds[];
extern const size_t ctl_ncmds;

/* Runs one command line, writing the answer (including the ok/error line) to out; nothing if it was parked. */
void ctl_execute(struct ctl_ctx *ctx, char *line, FILE *out);
/* The answer (including the ok/error line) of a detach parked on park->pd, whose release is over. */
void ctl_detach_answer(const struct ctl_park *park, FILE *out);

struct ctl_server;
struct ctl_server *ctl_server_new(struct evloop *loop, struct ctl_ctx *ctx, const char *path, char *err,
				  size_t errlen);
void ctl_server_free(struct ctl_server *s);

#endif
