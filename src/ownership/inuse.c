/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Whether a host driver's device is in use: mounted or swapped-on disks, disks held by other block
 * devices, network links that are up.
 */
#include "inuse.h"

#include <dirent.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/sysfs_attr.h"

#define MAX_DEPTH 10

static bool join(char *buf, size_t len, const char *a, const char *b)
{
	int n = snprintf(buf, len, "%s/%s", a, b);
	return n >= 0 && (size_t)n < len;
}

/* "/dev/NAME" appears as the first field of a line of <proc>/FILE; the second field goes to where. */
static bool proc_lists(const struct host_options *opt, const char *file, const char *name, char *where, size_t len)
{
	char path[PATH_MAX], line[1024], dev[PATH_MAX];
	if (!join(path, sizeof(path), host_opt_proc(opt), file) || !join(dev, sizeof(dev), "/dev", name))
		return false;
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	bool found = false;
	while (!found && fgets(line, sizeof(line), f)) {
		char a[512], b[512];
		if (sscanf(line, "%511s %511s", a, b) == 2 && !strcmp(a, dev)) {
			snprintf(where, len, "%s", b);
			found = true;
		}
	}
	fclose(f);
	return found;
}

/* The MAJ:MIN of a block device is the third field of a line of <proc>/self/mountinfo. */
static bool mountinfo_lists(const struct host_options *opt, const char *majmin, char *where, size_t len)
{
	char path[PATH_MAX], line[2048];
	if (!join(path, sizeof(path), host_opt_proc(opt), "self/mountinfo"))
		return false;
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	bool found = false;
	while (!found && fgets(line, sizeof(line), f)) {
		char id[32], mm[64], root[512], mnt[512];
		if (sscanf(line, "%31s %*s %63s %511s %511s", id, mm, root, mnt) == 4 && !strcmp(mm, majmin)) {
			snprintf(where, len, "%s", mnt);
			found = true;
		}
	}
	fclose(f);
	return found;
}

static bool dir_has_entries(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return false;
	struct dirent *e;
	bool any = false;
	while (!any && (e = readdir(d)))
		any = e->d_name[0] != '.';
	closedir(d);
	return any;
}

static int check_block(const char *dir, const char *name, const struct host_options *opt, char *why, size_t len)
{
	char where[512], p[PATH_MAX], mm[64];
	if (proc_lists(opt, "mounts", name, where, sizeof(where))) {
		snprintf(why, len, "%s is mounted on %s", name, where);
		return 1;
	}
	if (join(p, sizeof(p), dir, "dev") && sysfs_attr_read(p, mm, sizeof(mm)) == 0 && mountinfo_lists(opt, mm, where, sizeof(where))) {
		snprintf(why, len, "%s (%s) is mounted on %s", name, mm, where);
		return 1;
	}
	if (proc_lists(opt, "swaps", name, where, sizeof(where))) {
		snprintf(why, len, "%s is in use as swap", name);
		return 1;
	}
	if (join(p, sizeof(p), dir, "holders") && dir_has_entries(p)) {
		snprintf(why, len, "%s is held by another block device (LVM, md or dm)", name);
		return 1;
	}
	return 0;
}

static int check_net(const char *dir, const char *name, char *why, size_t len)
{
	char p[PATH_MAX], state[32];
	if (join(p, sizeof(p), dir, "operstate") && sysfs_attr_read(p, state, sizeof(state)) == 0 && !strcmp(state, "up")) {
		snprintf(why, len, "network interface %s is up", name);
		return 1;
	}
	return 0;
}

static int walk(const char *dir, int depth, const struct host_options *opt, char *why, size_t len)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	int rc = 0;
	struct dirent *e;
	while (rc == 0 && (e = readdir(d))) {
		if (e->d_name[0] == '.' || e->d_type != DT_DIR)
			continue;
		char sub[PATH_MAX], link[PATH_MAX], subsys[64];
		if (!join(sub, sizeof(sub), dir, e->d_name))
			continue;
		if (join(link, sizeof(link), sub, "subsystem") && sysfs_link_name(link, subsys, sizeof(subsys)) == 0) {
			if (!strcmp(subsys, "block"))
				rc = check_block(sub, e->d_name, opt, why, len);
			else if (!strcmp(subsys, "net"))
				rc = check_net(sub, e->d_name, why, len);
			else if (!strcmp(subsys, "pci"))
				continue; /* another PCI function (behind a bridge): not this device's */
		}
		if (rc == 0 && depth < MAX_DEPTH)
			rc = walk(sub, depth + 1, opt, why, len);
	}
	closedir(d);
	return rc;
}

int inuse_check(const char *dev_dir, const struct host_options *opt, char *why, size_t whylen)
{
	char real[PATH_MAX];
	if (!realpath(dev_dir, real))
		return 0;
	return walk(real, 0, opt, why, whylen);
}
