/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * e2e-cfgbench DDDD:BB:DD.F COUNT: runs inside the guest; reads COUNT
 * config-space dwords of the device through sysfs (each pread of an aligned
 * dword is one config read, hence one pcifront op), cycling over the header's
 * 64 bytes, and prints "reads=N total_ms=T ns_per_read=R".
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: e2e-cfgbench DDDD:BB:DD.F COUNT\n");
		return 2;
	}
	long count = strtol(argv[2], NULL, 10);
	if (count <= 0) {
		fprintf(stderr, "e2e-cfgbench: bad count %s\n", argv[2]);
		return 2;
	}
	char path[256];
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", argv[1]);
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		perror(path);
		return 1;
	}
	uint32_t v, sum = 0;
	uint64_t t0 = now_ns();
	for (long i = 0; i < count; i++) {
		if (pread(fd, &v, sizeof(v), (off_t)((i % 16) * 4)) != (ssize_t)sizeof(v)) {
			perror("pread");
			return 1;
		}
		sum += v;
	}
	uint64_t dt = now_ns() - t0;
	close(fd);
	printf("reads=%ld total_ms=%.1f ns_per_read=%.0f checksum=%08x\n", count, (double)dt / 1e6,
	       (double)dt / (double)count, sum);
	return 0;
}
