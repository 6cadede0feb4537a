/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The state file's container: atomic writing, and reading with every check (state_file.h). */
#include "state_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static uint64_t fnv1a(uint64_t h, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (uint8_t)p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}
#define FNV_INIT 0xcbf29ce484222325ull

static bool key_ok(const char *k, size_t n)
{
	if (!n || n > SF_KEY_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= '0' && k[i] <= '9') || k[i] == '-'))
			return false;
	return true;
}

static void emit(struct sf_writer *w, const char *s, size_t n)
{
	w->hash = fnv1a(w->hash, s, n);
	if (fwrite(s, 1, n, w->f) != n)
		w->failed = true;
}

int sf_begin(struct sf_writer *w, const char *path, char *err, size_t errlen)
{
	memset(w, 0, sizeof(*w));
	if (strlen(path) >= sizeof(w->path)) {
		snprintf(err, errlen, "state file path too long");
		return -1;
	}
	snprintf(w->path, sizeof(w->path), "%s", path);
	snprintf(w->tmp, sizeof(w->tmp), "%s.new", path);
	int fd = open(w->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create %s: %s", w->tmp, strerror(errno));
		return -1;
	}
	w->f = fdopen(fd, "w");
	if (!w->f) {
		snprintf(err, errlen, "cannot create %s: %s", w->tmp, strerror(errno));
		close(fd);
		unlink(w->tmp);
		return -1;
	}
	w->hash = FNV_INIT;
	char head[64];
	int n = snprintf(head, sizeof(head), "%s %d\n", SF_MAGIC, SF_VERSION);
	emit(w, head, (size_t)n);
	return 0;
}

void sf_put(struct sf_writer *w, const char *key, const char *fmt, ...)
{
	char buf[16384];
	if (!key_ok(key, strlen(key)) || !strcmp(key, "end")) { /* "end" is the container's */
		w->failed = true;
		return;
	}
	int n = snprintf(buf, sizeof(buf), "%s ", key);
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0 || (size_t)(n + m) >= sizeof(buf) - 1) {
		w->failed = true;
		return;
	}
	n += m;
	for (int i = 0; i < n; i++)
		if (buf[i] < 0x20 || buf[i] > 0x7e) {
			w->failed = true;
			return;
		}
	buf[n++] = '\n';
	emit(w, buf, (size_t)n);
	w->nlines++;
}

static void sync_dir(const char *path)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int sf_commit(struct sf_writer *w, char *err, size_t errlen)
{
	char tail[64];
	snprintf(tail, sizeof(tail), "end %zu %016llx\n", w->nlines, (unsigned long long)w->hash);
	if (fputs(tail, w->f) < 0)
		w->failed = true;
	int e = 0;
	if (fflush(w->f) || fsync(fileno(w->f)))
		e = errno;
	if (fclose(w->f) && !e)
		e = errno;
	w->f = NULL;
	if (w->failed || e) {
		snprintf(err, errlen, "cannot write %s: %s", w->tmp, e ? strerror(e) : "a record too long or malformed");
		unlink(w->tmp);
		return -1;
	}
	if (rename(w->tmp, w->path)) {
		snprintf(err, errlen, "cannot rename %s to %s: %s", w->tmp, w->path, strerror(errno));
		unlink(w->tmp);
		return -1;
	}
	sync_dir(w->path);
	return 0;
}

void sf_abort(struct sf_writer *w)
{
	if (w->f) {
		fclose(w->f);
		w->f = NULL;
		unlink(w->tmp);
	}
}

void sf_doc_free(struct sf_doc *doc)
{
	free(doc->buf);
	free(doc->lines);
	memset(doc, 0, sizeof(*doc));
}

/* Reads the whole file (at most SF_MAX_BYTES) into a NUL-terminated buffer. */
static int slurp(const char *path, char **out, size_t *len, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	struct stat st;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > (off_t)SF_MAX_BYTES) {
		snprintf(err, errlen, "%s: not a regular file of at most %u bytes", path, SF_MAX_BYTES);
		close(fd);
		return -EINVAL;
	}
	char *buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	size_t n = 0;
	while (n < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + n, (size_t)st.st_size - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

int sf_load(const char *path, struct sf_doc *doc, char *err, size_t errlen)
{
	memset(doc, 0, sizeof(*doc));
	char *buf = NULL;
	size_t len = 0;
	int rc = slurp(path, &buf, &len, err, errlen);
	if (rc)
		return rc;
	doc->buf = buf;
	const char *why = NULL;
	char whybuf[160];
	size_t nl = 0;
	for (size_t i = 0; i < len && !why; i++) {
		if (buf[i] == '\n')
			nl++;
		else if (buf[i] < 0x20 || buf[i] > 0x7e)
			why = "it holds bytes that are not printable text (damaged)";
	}
	size_t mlen = strlen(SF_MAGIC);
	if (!why && (len < mlen + 1 || strncmp(buf, SF_MAGIC " ", mlen + 1)))
		why = "it does not start with \"" SF_MAGIC "\": not a pcibackd state file";
	if (!why) {
		char *e;
		long v = strtol(buf + mlen + 1, &e, 10);
		if (*e != '\n' || v != SF_VERSION) {
			if (*e == '\n' && v > 0)
				snprintf(whybuf, sizeof(whybuf), "it is of version %ld, this pcibackd reads version %d only", v,
					 SF_VERSION);
			else
				snprintf(whybuf, sizeof(whybuf), "its version is unreadable, this pcibackd reads version %d",
					 SF_VERSION);
			why = whybuf;
		}
	}
	/* The end line: the last complete line. */
	char *endl = NULL;
	if (!why) {
		if (len == 0 || buf[len - 1] != '\n') {
			why = "it was cut short (its last line is incomplete)";
		} else {
			buf[len - 1] = '\0';
			endl = strrchr(buf, '\n');
			buf[len - 1] = '\n';
			endl = endl ? endl + 1 : buf;
			if (strncmp(endl, "end ", 4))
				why = "it was cut short (no end line)";
		}
	}
	if (!why) {
		size_t want_lines;
		unsigned long long want_hash;
		char tailc;
		if (sscanf(endl, "end %zu %16llx%c", &want_lines, &want_hash, &tailc) != 3 || tailc != '\n' ||
		    strlen(endl) != 4 + (size_t)snprintf(NULL, 0, "%zu", want_lines) + 1 + 16 + 1)
			why = "its end line is malformed (damaged)";
		else if (fnv1a(FNV_INIT, buf, (size_t)(endl - buf)) != want_hash)
			why = "its checksum does not match its contents (damaged or edited)";
		else if (nl != want_lines + 2)
			why = "its line count does not match its end line (damaged)";
	}
	if (why) {
		snprintf(err, errlen, "%s: %s", path, why);
		sf_doc_free(doc);
		return -EINVAL;
	}
	doc->lines = calloc(nl, sizeof(*doc->lines));
	if (!doc->lines) {
		snprintf(err, errlen, "%s: out of memory", path);
		sf_doc_free(doc);
		return -ENOMEM;
	}
	*endl = '\0';
	char *p = strchr(buf, '\n') + 1;
	unsigned lineno = 2;
	while (*p) {
		char *eol = strchr(p, '\n');
		*eol = '\0';
		char *sp = strchr(p, ' ');
		size_t klen = sp ? (size_t)(sp - p) : strlen(p);
		if (!key_ok(p, klen)) {
			snprintf(err, errlen, "%s: line %u: bad key", path, lineno);
			sf_doc_free(doc);
			return -EINVAL;
		}
		if (sp)
			*sp = '\0';
		doc->lines[doc->nlines++] = (struct sf_line){ .key = p, .val = sp ? sp + 1 : "", .lineno = lineno };
		p = eol + 1;
		lineno++;
	}
	return 0;
}
