/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A fake sysfs and procfs tree built from the fixture dumps, with a fake kernel that acts on every
 * sysfs write (see fake_sysfs.h).
 */
#include "fake_sysfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/bdf.h"
#include "host/lspci_dump.h"
#include "raw_cap.h"

static int put_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, data, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

static int put_str(const char *path, const char *s)
{
	return put_file(path, s, strlen(s));
}

static int mkdirs(const char *path)
{
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(tmp, 0755);
			*p = '/';
		}
	return mkdir(tmp, 0755) && errno != EEXIST ? -1 : 0;
}

void fake_sysfs_path(const struct fake_sysfs *fs, const char *bdf, const char *attr, char *buf, size_t len)
{
	snprintf(buf, len, "%s/devices/%s/%s", fs->bus, bdf, attr);
}

int fake_sysfs_attr(const struct fake_sysfs *fs, const char *bdf, const char *attr, char *buf, size_t len)
{
	char p[PATH_MAX];
	fake_sysfs_path(fs, bdf, attr, p, sizeof(p));
	int fd = open(p, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

int fake_sysfs_config(const struct fake_sysfs *fs, const char *bdf, uint8_t *buf, size_t len)
{
	char p[PATH_MAX];
	fake_sysfs_path(fs, bdf, "config", p, sizeof(p));
	int fd = open(p, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = pread(fd, buf, len, 0);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

/* In place (pwrite), as a device changes under libpci's open file. */
int fake_sysfs_set_config(const struct fake_sysfs *fs, const char *bdf, unsigned off, const void *buf, size_t len)
{
	char p[PATH_MAX];
	fake_sysfs_path(fs, bdf, "config", p, sizeof(p));
	int fd = open(p, O_WRONLY);
	if (fd < 0)
		return -1;
	ssize_t n = pwrite(fd, buf, len, off);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

void fake_sysfs_driver(const struct fake_sysfs *fs, const char *bdf, char *buf, size_t len)
{
	char p[PATH_MAX], t[PATH_MAX];
	fake_sysfs_path(fs, bdf, "driver", p, sizeof(p));
	ssize_t n = readlink(p, t, sizeof(t) - 1);
	buf[0] = '\0';
	if (n <= 0)
		return;
	t[n] = '\0';
	snprintf(buf, len, "%s", strrchr(t, '/') + 1);
}

static void bind_link(struct fake_sysfs *fs, const char *bdf, const char *drv)
{
	char p[PATH_MAX], t[PATH_MAX];
	fake_sysfs_path(fs, bdf, "driver", p, sizeof(p));
	unlink(p);
	if (drv && drv[0]) {
		snprintf(t, sizeof(t), "%s/drivers/%s", fs->bus, drv);
		if (symlink(t, p))
			return;
	}
}

static uint16_t cfg16(const uint8_t *c, unsigned off)
{
	return (uint16_t)(c[off] | c[off + 1] << 8);
}

/*
 * What a function reset does to the fake device: COMMAND, BARs, ROM, cache
 * line and interrupt line back to 0 (BAR type bits kept), MSI and MSI-X off.
 * (The real kernel saves and restores around the reset; the fake does not,
 * so the tests see that pcibackd's own restore brings everything back.)
 */
static void do_reset(struct fake_sysfs *fs, const char *bdf)
{
	uint8_t c[256];
	if (fake_sysfs_config(fs, bdf, c, sizeof(c)))
		return;
	unsigned msi = raw_cap_find(c, 0x05), msix = raw_cap_find(c, 0x11);
	fs->resets++;
	fs->cmd_at_reset = cfg16(c, 0x04);
	fs->msi_at_reset = msi ? cfg16(c, msi + 2) : 0;
	fs->msix_at_reset = msix ? cfg16(c, msix + 2) : 0;
	c[0x04] = c[0x05] = 0;
	for (unsigned off = 0x10; off < 0x28; off += 4) {
		c[off] &= (c[off] & 1) ? 0x03 : 0x0f;
		c[off + 1] = c[off + 2] = c[off + 3] = 0;
	}
	memset(&c[0x30], 0, 4);
	c[0x0c] = 0;
	c[0x3c] = 0;
	if (msi)
		c[msi + 2] &= (uint8_t)~0x71;
	if (msix)
		c[msix + 3] &= (uint8_t)~0xc0;
	fake_sysfs_set_config(fs, bdf, 0, c, sizeof(c));
}

static const char *native_driver(struct fake_sysfs *fs, const char *bdf)
{
	for (size_t i = 0; i < fs->ndevs; i++)
		if (!strcmp(fs->devs[i].bdf, bdf))
			return fs->devs[i].native;
	return "";
}

void fake_sysfs_set_routed_irq(struct fake_sysfs *fs, const char *bdf, unsigned irq)
{
	for (size_t i = 0; i < fs->ndevs; i++)
		if (!strcmp(fs->devs[i].bdf, bdf))
			fs->devs[i].routed_irq = irq;
}

/* pci_enable_device() on a device with no driver: ACPI routes its INTx and `irq` shows it. */
static void route_irq(struct fake_sysfs *fs, const char *bdf)
{
	char drv[64], p[PATH_MAX], v[16];
	fake_sysfs_driver(fs, bdf, drv, sizeof(drv));
	for (size_t i = 0; i < fs->ndevs; i++)
		if (!strcmp(fs->devs[i].bdf, bdf) && fs->devs[i].routed_irq && !drv[0]) {
			fake_sysfs_path(fs, bdf, "irq", p, sizeof(p));
			snprintf(v, sizeof(v), "%u\n", fs->devs[i].routed_irq);
			put_str(p, v);
		}
}

/* The fake kernel: sees each sysfs write after it landed in the file. */
static void fake_kernel(void *ctx, const char *path, const char *value)
{
	struct fake_sysfs *fs = ctx;
	size_t rl = strlen(fs->root);
	if (fs->nwrites < FAKE_MAX_WRITES) {
		struct fake_write *w = &fs->writes[fs->nwrites++];
		snprintf(w->path, sizeof(w->path), "%s", strncmp(path, fs->root, rl) ? path : path + rl + 1);
		snprintf(w->value, sizeof(w->value), "%s", value);
	}
	const char *base = strrchr(path, '/') + 1;
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%.*s", (int)(base - path - 1), path);
	const char *parent = strrchr(dir, '/') + 1; /* driver name, or the device's BDF */
	if (!strcmp(base, "unbind")) {
		bind_link(fs, value, NULL);
	} else if (!strcmp(base, "bind")) {
		bind_link(fs, value, parent);
	} else if (!strcmp(base, "drivers_probe")) {
		char ov[64] = "";
		fake_sysfs_attr(fs, value, "driver_override", ov, sizeof(ov));
		ov[strcspn(ov, "\n")] = '\0';
		bind_link(fs, value, strcmp(ov, "(null)") && ov[0] ? ov : native_driver(fs, value));
	} else if (!strcmp(base, "driver_override")) {
		if (!strcmp(value, "\n") || !value[0])
			put_str(path, "(null)\n");
	} else if (!strcmp(base, "reset")) {
		do_reset(fs, parent);
	} else if (!strcmp(base, "enable") && value[0] == '1') {
		route_irq(fs, parent);
		uint8_t cmd;
		char p[PATH_MAX];
		fake_sysfs_path(fs, parent, "config", p, sizeof(p));
		int fd = open(p, O_RDWR);
		if (fd >= 0 && pread(fd, &cmd, 1, 4) == 1) {
			cmd |= 0x03;
			if (pwrite(fd, &cmd, 1, 4) != 1)
				cmd = 0;
		}
		if (fd >= 0)
			close(fd);
	}
}

int fake_sysfs_init(struct fake_sysfs *fs)
{
	memset(fs, 0, sizeof(*fs));
	snprintf(fs->root, sizeof(fs->root), "/tmp/pb-fake-sysfs-XXXXXX");
	if (!mkdtemp(fs->root))
		return -1;
	snprintf(fs->bus, sizeof(fs->bus), "%s/sys/bus/pci", fs->root);
	snprintf(fs->proc, sizeof(fs->proc), "%s/proc", fs->root);
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/devices", fs->bus);
	if (mkdirs(p))
		return -1;
	snprintf(p, sizeof(p), "%s/drivers", fs->bus);
	mkdirs(p);
	snprintf(p, sizeof(p), "%s/sys/devices/pci0000:00", fs->root);
	mkdirs(p);
	snprintf(p, sizeof(p), "%s/drivers_probe", fs->bus);
	put_str(p, "");
	snprintf(p, sizeof(p), "%s/self", fs->proc);
	mkdirs(p);
	fake_sysfs_proc_line(fs, "mounts", "proc /proc proc rw 0 0");
	fake_sysfs_proc_line(fs, "swaps", "Filename\tType\tSize\tUsed\tPriority");
	fake_sysfs_proc_line(fs, "self/mountinfo", "22 1 0:21 / /proc rw - proc proc rw");
	fs->opt.sysfs_path = fs->bus;
	fs->opt.proc_path = fs->proc;
	fs->opt.observer.written = fake_kernel;
	fs->opt.observer.ctx = fs;
	return 0;
}

static int rm_tree(const char *path)
{
	struct stat st;
	if (lstat(path, &st))
		return 0;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			char sub[PATH_MAX];
			snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
			rm_tree(sub);
		}
		if (d)
			closedir(d);
		return rmdir(path);
	}
	return unlink(path);
}

void fake_sysfs_cleanup(struct fake_sysfs *fs)
{
	if (fs->root[0] && !strncmp(fs->root, "/tmp/pb-fake-sysfs-", 19))
		rm_tree(fs->root);
}

int fake_sysfs_add_driver(struct fake_sysfs *fs, const char *name)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/drivers/%s", fs->bus, name);
	if (mkdirs(p))
		return -1;
	snprintf(p, sizeof(p), "%s/drivers/%s/bind", fs->bus, name);
	put_str(p, "");
	snprintf(p, sizeof(p), "%s/drivers/%s/unbind", fs->bus, name);
	return put_str(p, "");
}

int fake_sysfs_proc_line(struct fake_sysfs *fs, const char *file, const char *line)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", fs->proc, file);
	FILE *f = fopen(p, "a");
	if (!f)
		return -1;
	fprintf(f, "%s\n", line);
	return fclose(f);
}

int fake_sysfs_add_device(struct fake_sysfs *fs, const char *fixture, const char *dump_bdf, const char *bdf,
			  const char *parent_bdf, const char *driver)
{
	struct lspci_dump dump;
	char err[256];
	if (lspci_dump_load(fixture, &dump, err, sizeof(err)))
		return -1;
	const struct lspci_dump_dev *d = dump.count ? &dump.devs[0] : NULL;
	if (dump_bdf) {
		struct pb_bdf a;
		d = pb_bdf_parse(dump_bdf, &a, err, sizeof(err)) ? NULL : lspci_dump_find(&dump, &a);
	}
	if (!d) {
		lspci_dump_free(&dump);
		return -1;
	}
	char dir[PATH_MAX], p[PATH_MAX + 32], link[PATH_MAX];
	if (parent_bdf) {
		snprintf(link, sizeof(link), "%s/devices/%s", fs->bus, parent_bdf);
		char real[PATH_MAX];
		if (!realpath(link, real)) {
			lspci_dump_free(&dump);
			return -1;
		}
		snprintf(dir, sizeof(dir), "%s/%s", real, bdf);
	} else {
		snprintf(dir, sizeof(dir), "%s/sys/devices/pci0000:00/%s", fs->root, bdf);
	}
	mkdirs(dir);
	snprintf(p, sizeof(p), "%s/config", dir);
	put_file(p, d->cfg, d->cfg_size < 256 ? 256 : d->cfg_size);
	FILE *f;
	snprintf(p, sizeof(p), "%s/resource", dir);
	f = fopen(p, "w");
	for (int i = 0; i < 13; i++) {
		const struct hostdev_res *r = i < HOSTDEV_NUM_RES ? &d->res[i] : NULL;
		if (!r || !r->size) {
			fprintf(f, "0x%016x 0x%016x 0x%016x\n", 0, 0, 0);
			continue;
		}
		unsigned long long fl = (r->flags & HOSTDEV_RES_IO) ? 0x40101 : 0x40200;
		if (r->flags & HOSTDEV_RES_MEM64)
			fl |= 0x100004;
		if (r->flags & HOSTDEV_RES_PREFETCH)
			fl |= 0x2008;
		fprintf(f, "0x%016llx 0x%016llx 0x%016llx\n", (unsigned long long)r->start,
			(unsigned long long)(r->start + r->size - 1), fl);
	}
	fclose(f);
	char v[64];
	snprintf(p, sizeof(p), "%s/irq", dir);
	snprintf(v, sizeof(v), "%u\n", d->irq);
	put_str(p, v);
	snprintf(p, sizeof(p), "%s/vendor", dir);
	snprintf(v, sizeof(v), "0x%02x%02x\n", d->cfg[1], d->cfg[0]);
	put_str(p, v);
	snprintf(p, sizeof(p), "%s/device", dir);
	snprintf(v, sizeof(v), "0x%02x%02x\n", d->cfg[3], d->cfg[2]);
	put_str(p, v);
	snprintf(p, sizeof(p), "%s/class", dir);
	snprintf(v, sizeof(v), "0x%02x%02x%02x\n", d->cfg[0x0b], d->cfg[0x0a], d->cfg[0x09]);
	put_str(p, v);
	snprintf(p, sizeof(p), "%s/driver_override", dir);
	put_str(p, "(null)\n");
	snprintf(p, sizeof(p), "%s/reset", dir);
	put_str(p, "");
	snprintf(p, sizeof(p), "%s/enable", dir);
	put_str(p, "0\n");
	snprintf(p, sizeof(p), "%s/subsystem", dir);
	if (symlink(fs->bus, p))
		return -1;
	snprintf(link, sizeof(link), "%s/devices/%s", fs->bus, bdf);
	if (symlink(dir, link))
		return -1;
	lspci_dump_free(&dump);
	if (fs->ndevs < FAKE_MAX_DEVS) {
		snprintf(fs->devs[fs->ndevs].bdf, sizeof(fs->devs[0].bdf), "%s", bdf);
		snprintf(fs->devs[fs->ndevs].native, sizeof(fs->devs[0].native), "%s", driver ? driver : "");
		fs->ndevs++;
	}
	if (driver) {
		fake_sysfs_add_driver(fs, driver);
		bind_link(fs, bdf, driver);
	}
	return 0;
}

/* A class device directory (net interface, disk, partition) with its subsystem link. */
static int class_dev(struct fake_sysfs *fs, const char *dir, const char *cls)
{
	char p[PATH_MAX + 16], t[PATH_MAX];
	if (mkdirs(dir))
		return -1;
	snprintf(t, sizeof(t), "%s/sys/class/%s", fs->root, cls);
	mkdirs(t);
	snprintf(p, sizeof(p), "%s/subsystem", dir);
	return symlink(t, p);
}

/* The path of the device's SUB/NAME (SUB ends with '/'). */
static void dev_subdir(const struct fake_sysfs *fs, const char *bdf, const char *sub, const char *name, char *dir,
		       size_t len)
{
	fake_sysfs_path(fs, bdf, sub, dir, len);
	strncat(dir, name, len - strlen(dir) - 1);
}

int fake_sysfs_add_net(struct fake_sysfs *fs, const char *bdf, const char *ifname, const char *operstate)
{
	char dir[PATH_MAX], p[PATH_MAX + 16];
	dev_subdir(fs, bdf, "net/", ifname, dir, sizeof(dir));
	if (class_dev(fs, dir, "net"))
		return -1;
	snprintf(p, sizeof(p), "%s/operstate", dir);
	char v[32];
	snprintf(v, sizeof(v), "%s\n", operstate);
	return put_str(p, v);
}

/* A block device directory (disk or partition): its class link, its dev number, no holders. */
static int block_dev(struct fake_sysfs *fs, const char *dir, const char *devno)
{
	char p[PATH_MAX + 16];
	if (class_dev(fs, dir, "block"))
		return -1;
	snprintf(p, sizeof(p), "%s/dev", dir);
	put_str(p, devno);
	snprintf(p, sizeof(p), "%s/holders", dir);
	return mkdirs(p);
}

int fake_sysfs_add_disk(struct fake_sysfs *fs, const char *bdf, const char *disk, const char *part)
{
	char dir[PATH_MAX], p[PATH_MAX + 16];
	dev_subdir(fs, bdf, "host0/block/", disk, dir, sizeof(dir));
	if (block_dev(fs, dir, "8:0\n"))
		return -1;
	if (!part)
		return 0;
	snprintf(p, sizeof(p), "%s/%s", dir, part);
	return block_dev(fs, p, "8:1\n");
}

struct blob {
	char *buf;
	size_t len, cap;
};

static void blob_add(struct blob *b, const void *data, size_t len)
{
	if (b->len + len + 1 > b->cap) {
		b->cap = (b->len + len + 1) * 2;
		b->buf = realloc(b->buf, b->cap);
	}
	memcpy(b->buf + b->len, data, len);
	b->len += len;
}

static int name_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void ser(struct blob *b, const char *path)
{
	struct stat st;
	if (lstat(path, &st))
		return;
	blob_add(b, path, strlen(path) + 1);
	if (S_ISLNK(st.st_mode)) {
		char t[PATH_MAX];
		ssize_t n = readlink(path, t, sizeof(t));
		if (n > 0)
			blob_add(b, t, (size_t)n);
	} else if (S_ISREG(st.st_mode)) {
		int fd = open(path, O_RDONLY);
		char buf[4096];
		ssize_t n;
		while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0)
			blob_add(b, buf, (size_t)n);
		if (fd >= 0)
			close(fd);
	} else if (S_ISDIR(st.st_mode)) {
		struct dirent **list;
		int n = scandir(path, &list, NULL, name_cmp);
		for (int i = 0; i < n; i++) {
			if (strcmp(list[i]->d_name, ".") && strcmp(list[i]->d_name, "..")) {
				char sub[PATH_MAX];
				snprintf(sub, sizeof(sub), "%s/%s", path, list[i]->d_name);
				ser(b, sub);
			}
			free(list[i]);
		}
		if (n >= 0)
			free(list);
	}
}

char *fake_sysfs_serialize(const struct fake_sysfs *fs, size_t *len)
{
	struct blob b = { 0 };
	ser(&b, fs->root);
	*len = b.len;
	return b.buf;
}
