/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The trace: one JSON object a line (JSON Lines) per op a guest posted, as
 * the dispatcher answered it.  Written here, read back by trace_read_line
 * (pcifront replay): the format is one piece of code.
 *
 * Example (one line):
 *   {"time":1796666401.123456,"guest":"g1","device":"0000:00:01.0","op":"conf_read","cmd":0,
 *    "offset":4,"size":2,"in":0,"out":327,"err":0,"err_name":"success","latency_ns":812}
 *
 * time: when it was answered (Unix time, seconds); device: the address the
 * guest used; cmd: the op's code (op: its name, for humans); in / out: the
 * op's value as posted / as answered; err: the op's err (a PCIIF_ERR_* or a
 * raw -errno; err_name only for the former); latency_ns: from the fetch to
 * the answer.  enable_msix also carries "entries" (the table entries asked
 * for) and, answered, "vectors" (the pirqs).
 */
#ifndef PCIBACKD_DISPATCH_TRACE_H
#define PCIBACKD_DISPATCH_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "proto/pciif.h"

struct dispatch_result;

/* One line for op into f (flushed). */
void trace_op(FILE *f, const char *guest, const struct pciif_op *op, const struct dispatch_result *res,
	      uint64_t ns);

/*
 * A trace file opened at run time (pcibackctl trace GUEST FILE), shared by
 * the guests switched to it: opened by trace_fopen.
 */
struct trace_file {
	FILE *f;
	unsigned refs;
	char path[];               /* as opened */
};
/* NULL with a message in err. */
struct trace_file *trace_file_open(const char *path, char *err, size_t errlen);
/*
 * Opens path for a trace, line-buffered: a regular file owned by us with one
 * link, never through a symbolic link, made owner-only and truncated.  NULL
 * with a message in err (--trace and trace_file_open both use it).
 */
FILE *trace_fopen(const char *path, char *err, size_t errlen);
/* True if path names the file f writes to (the same inode). */
bool trace_file_is(FILE *f, const char *path);
/* Drops one reference; the last closes the file. */
void trace_file_put(struct trace_file *t);

/* A trace line read back. */
struct trace_rec {
	char guest[256];
	struct pciif_op op;        /* as posted: cmd, address, offset, size, value (in), MSI-X entries */
	int32_t err;               /* as answered */
	uint32_t out;
	uint32_t nvec;             /* vectors answered (enable_msix) */
	uint16_t vectors[PCIIF_MAX_VEC];
};

/*
 * Parses one line (modified in place).  0, or -1 with a message in err: a
 * trace is untrusted input, every field is checked.
 */
int trace_read_line(char *line, struct trace_rec *r, char *err, size_t errlen);

#endif
