/* SPDX-License-Identifier: GPL-2.0-or-later */
/* --trace: writes one JSON line per op (the format: trace.h). */
#include "trace.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/json_out.h"
#include "dispatch/dispatch.h"


void trace_op(FILE *f, const char *guest, const struct pciif_op *op, const struct dispatch_result *res,
	      uint64_t ns)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	fprintf(f, "{\"time\":%lld.%06ld,\"guest\":", (long long)now.tv_sec, now.tv_nsec / 1000);
	json_put_string(f, guest);
	fprintf(f,
		",\"device\":\"%04" PRIx32 ":%02" PRIx32 ":%02" PRIx32 ".%" PRIx32 "\",\"op\":\"%s\",\"cmd\":%" PRIu32
		",\"offset\":%" PRId32 ",\"size\":%" PRId32 ",\"in\":%" PRIu32 ",\"out\":%" PRIu32 ",\"err\":%" PRId32,
		op->domain, op->bus, op->devfn >> 3, op->devfn & 7, pciif_cmd_name(op->cmd), op->cmd, op->offset,
		op->size, op->value, res->value, res->err);
	const char *en = pciif_err_name(res->err);
	if (en)
		fprintf(f, ",\"err_name\":\"%s\"", en);
	if (op->cmd == PCIIF_OP_ENABLE_MSIX) {
		/* The entries asked for, as many as the guest said (at most the page holds). */
		uint32_t n = op->value < PCIIF_MAX_VEC ? op->value : PCIIF_MAX_VEC;
		fputs(",\"entries\":[", f);
		for (uint32_t i = 0; i < n; i++)
			fprintf(f, "%s%u", i ? "," : "", op->msix_entries[i].entry);
		fputc(']', f);
		if (res->nvec) {
			fputs(",\"vectors\":[", f);
			for (uint32_t i = 0; i < res->nvec && i < PCIIF_MAX_VEC; i++)
				fprintf(f, "%s%u", i ? "," : "", res->vectors[i]);
			fputc(']', f);
		}
	}
	fprintf(f, ",\"latency_ns\":%" PRIu64 "}\n", ns);
	fflush(f);
}

FILE *trace_fopen(const char *path, char *err, size_t errlen)
{
	/*
	 * A regular file of ours only, checked on what was opened before it is
	 * truncated: the last component is never a symbolic link (another user
	 * could point it at any file of root's), the file has no other name, and
	 * it is made owner-only whatever its mode was.  Opened non-blocking, so
	 * that a FIFO put there cannot stop the loop.
	 */
	struct stat st;
	FILE *f = NULL;
	int fd = -1;
	const char *why = NULL;
	if (!lstat(path, &st) && !S_ISREG(st.st_mode))
		why = S_ISLNK(st.st_mode) ? "a symbolic link (refused)" : "not a regular file";
	else if ((fd = open(path, O_WRONLY | O_CREAT | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0)
		why = errno == ELOOP ? "a symbolic link (refused)" : strerror(errno);
	else if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		why = "not a regular file";
	else if (st.st_uid != geteuid() || st.st_nlink != 1)
		why = "owned by another user or with other hard links (refused)";
	else if (fchmod(fd, 0600) || ftruncate(fd, 0) || fcntl(fd, F_SETFL, 0) || !(f = fdopen(fd, "w")))
		why = strerror(errno);
	if (why) {
		snprintf(err, errlen, "%.200s: %s", path, why);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	setvbuf(f, NULL, _IOLBF, 0);
	return f;
}

struct trace_file *trace_file_open(const char *path, char *err, size_t errlen)
{
	if (path[0] != '/') {
		snprintf(err, errlen, "%.200s: not an absolute path (the daemon's working directory is not yours)", path);
		return NULL;
	}
	struct trace_file *t = calloc(1, sizeof(*t) + strlen(path) + 1);
	if (!t) {
		snprintf(err, errlen, "%.200s: %s", path, strerror(ENOMEM));
		return NULL;
	}
	if (!(t->f = trace_fopen(path, err, errlen))) {
		free(t);
		return NULL;
	}
	t->refs = 1;
	strcpy(t->path, path);
	return t;
}

bool trace_file_is(FILE *f, const char *path)
{
	struct stat a, b;
	return f && !fstat(fileno(f), &a) && !stat(path, &b) && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

void trace_file_put(struct trace_file *t)
{
	if (t && !--t->refs) {
		fclose(t->f);
		free(t);
	}
}
