/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Starting and stopping the built pcibackd for the tests/hostile integration tests, in a fresh
 * directory (see daemon_run.h).
 */
#include "daemon_run.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

unsigned long long daemon_run_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

int daemon_run_start(struct daemon_run *d, const char *pcibackd, const char *const *args)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->dir, sizeof(d->dir), "/tmp/pbhostile.XXXXXX");
	if (!mkdtemp(d->dir))
		return -1;
	snprintf(d->sock, sizeof(d->sock), "%s/sock", d->dir);
	snprintf(d->ctl, sizeof(d->ctl), "%s/ctl", d->dir);
	snprintf(d->log, sizeof(d->log), "%s/daemon.log", d->dir);
	const char *argv[64] = { pcibackd, "--socket", d->sock, "--control", d->ctl };
	size_t n = 5;
	for (size_t i = 0; args[i] && n < 63; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	d->pid = fork();
	if (d->pid < 0)
		return -1;
	if (d->pid == 0) {
		int fd = open(d->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0) {
			/* Both to the log: the test runner waits for its pipes to close. */
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv(pcibackd, (char *const *)argv);
		_exit(127);
	}
	for (int i = 0; i < 400 && access(d->sock, F_OK); i++) {
		if (waitpid(d->pid, NULL, WNOHANG) == d->pid) {
			d->pid = 0;
			return -1;
		}
		usleep(20000);
	}
	return access(d->sock, F_OK) ? -1 : 0;
}

void daemon_run_stop(struct daemon_run *d)
{
	if (!d->dir[0])
		return;
	if (d->pid > 0) {
		kill(d->pid, SIGTERM);
		waitpid(d->pid, NULL, 0);
		d->pid = 0;
	}
	unlink(d->log);
	unlink(d->sock);
	unlink(d->ctl);
	char lock[sizeof(d->sock) + 8];
	snprintf(lock, sizeof(lock), "%s.lock", d->sock); /* the sockets' lock files stay after the daemon */
	unlink(lock);
	snprintf(lock, sizeof(lock), "%s.lock", d->ctl);
	unlink(lock);
	rmdir(d->dir);
	d->dir[0] = 0;
}

long daemon_run_log_count(const struct daemon_run *d, const char *needle)
{
	FILE *f = fopen(d->log, "r");
	char line[1024];
	long n = 0;
	while (f && fgets(line, sizeof(line), f))
		n += strstr(line, needle) != NULL;
	if (f)
		fclose(f);
	return n;
}

double daemon_run_cpu_s(const struct daemon_run *d)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)d->pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = 0;
	/* Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15. */
	char *p = strrchr(buf, ')');
	unsigned long ut, st;
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

int daemon_run_ctl(const struct daemon_run *d, const char *cmd, char *out, size_t outlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", d->ctl);
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (s >= 0)
			close(s);
		return -1;
	}
	char line[256];
	int n = snprintf(line, sizeof(line), "%s\n", cmd);
	size_t len = 0;
	int rc = -1;
	if (write(s, line, (size_t)n) == n) {
		while (len + 1 < outlen) {
			ssize_t r = read(s, out + len, outlen - 1 - len);
			if (r <= 0)
				break;
			len += (size_t)r;
			out[len] = 0;
			if (strstr(out, "ok\n") || strstr(out, "error: ")) {
				rc = 0;
				break;
			}
		}
	}
	out[len] = 0;
	close(s);
	return rc;
}

long long daemon_run_stat(const struct daemon_run *d, const char *guest, const char *counter)
{
	char cmd[96], out[4096], key[64];
	snprintf(cmd, sizeof(cmd), "stats %s", guest);
	if (daemon_run_ctl(d, cmd, out, sizeof(out)))
		return -1;
	snprintf(key, sizeof(key), " %s=", counter);
	const char *p = strstr(out, key);
	return p ? strtoll(p + strlen(key), NULL, 10) : -1;
}
