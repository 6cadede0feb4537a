/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The state file's container: what makes a file a valid pcibackd state file,
 * independent of what it holds (core/pool_state.c decides that).
 *
 * Text, one record a line: "KEY VALUE\n", KEY of [a-z0-9-] (at most
 * SF_KEY_MAX bytes), VALUE printable ASCII.  The first line is
 * "pcibackd-state VERSION", the last "end NLINES CHECKSUM": the number of
 * lines before it and the FNV-1a 64-bit hash (16 hex digits) of every byte
 * before it.  A file without that last line was cut short; one whose hash
 * differs was changed or damaged; one of another version is refused, never
 * guessed at.
 *
 * Written atomically: PATH.new is written, flushed to disk (fsync), renamed
 * over PATH, and the directory synced: a reader sees the old file or the new
 * one, whole, even after a crash.
 */
#ifndef PCIBACKD_CORE_STATE_FILE_H
#define PCIBACKD_CORE_STATE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SF_MAGIC "pcibackd-state"
#define SF_VERSION 1
#define SF_KEY_MAX 32
#define SF_MAX_BYTES (64u << 20)

struct sf_writer {
	FILE *f;
	char path[4096];
	char tmp[4104];
	uint64_t hash;
	size_t nlines;
	bool failed;
};

/* Starts PATH.new (owner-only); 0, or -1 with a message. */
int sf_begin(struct sf_writer *w, const char *path, char *err, size_t errlen);
/* One line "key value"; key must be valid.  Errors show at sf_commit. */
void sf_put(struct sf_writer *w, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Ends the file, syncs it and renames it over PATH; 0, or -1 with a message (PATH unchanged). */
int sf_commit(struct sf_writer *w, char *err, size_t errlen);
/* Drops PATH.new (PATH unchanged). */
void sf_abort(struct sf_writer *w);

struct sf_line {
	const char *key;
	const char *val;       /* "" when the line has no value */
	unsigned lineno;
};

struct sf_doc {
	char *buf;
	size_t nlines;
	struct sf_line *lines; /* between the first line and the end line */
};

/*
 * Reads and checks PATH.  0 with every record line in doc; -ENOENT when
 * there is no such file (err says so); -EINVAL with a one-line message
 * (truncated, other version, corrupt, ...) or another -errno.
 */
int sf_load(const char *path, struct sf_doc *doc, char *err, size_t errlen);
void sf_doc_free(struct sf_doc *doc);

#endif
