/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The quirk parser (xen-pciback's sysfs `quirks` syntax) on arbitrary text,
 * then the parsed quirk added to a simulated device and written through.
 * Input: the text up to the first NUL; the 4 bytes after it are the value
 * written at the quirk's register.  Invariants: a parsed quirk is in range
 * (register <= 0xfff, size 1/2/4, aligned, mask within the size); a quirk
 * the engine accepts lets only its mask's bits reach the device, and
 * nothing outside its register; a refused one changes nothing.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgspace/cfgspace.h"
#include "common/log.h"
#include "host/lspci_dump.h"
#include "host/simdev.h"

#include "fuzz_check.h"

/* A PCIe device with a 4 KiB config space: quirks anywhere in it. */
static struct lspci_dump dump;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	pb_log_set_level(PB_LOG_ERR);
	char err[300];
	if (lspci_dump_load(PB_FIXTURES_DIR "/cap-dev3.lspci", &dump, err, sizeof(err)) || !dump.count)
		__builtin_trap();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = strnlen((const char *)data, size);
	char *s = malloc(n + 1);
	memcpy(s, data, n);
	s[n] = 0;
	uint32_t val = 0;
	if (n + 1 < size)
		memcpy(&val, data + n + 1, size - n - 1 < 4 ? size - n - 1 : 4);
	struct cfg_quirk q;
	char err[300] = "";
	int rc = cfg_quirk_parse(s, &q, err, sizeof(err));
	free(s);
	if (rc) {
		CHECK(rc == -1 && err[0]);
		return 0;
	}
	CHECK(q.reg <= 0xfff && (q.size == 1 || q.size == 2 || q.size == 4) && q.reg % q.size == 0);
	CHECK(q.size == 4 || (q.mask >> (8 * q.size)) == 0);

	struct hostdev *hd = simdev_from_dump(&dump.devs[0], "fuzz");
	struct cfg_dev *cd = cfg_dev_new(hd, NULL, err, sizeof(err));
	CHECK(cd != NULL);
	static uint8_t before[4096];
	memcpy(before, simdev_config(hd), hd->cfg_size);
	size_t q0 = cfg_quirk_count(cd);
	/* Any address: the engine decides by register, the address is for cfg_apply_quirk. */
	rc = cfg_add_quirk(cd, q.reg, q.size, q.mask, err, sizeof(err));
	CHECK(!memcmp(before, simdev_config(hd), hd->cfg_size));
	if (rc) {
		CHECK(rc < 0 && err[0] && cfg_quirk_count(cd) == q0);
	} else {
		CHECK(cfg_quirk_count(cd) == q0 + 1);
		cfg_write(cd, q.reg, q.size, val);
		const uint8_t *after = simdev_config(hd);
		for (unsigned b = 0; b < hd->cfg_size; b++) {
			uint8_t changed = before[b] ^ after[b];
			if (b < q.reg || b >= q.reg + q.size)
				CHECK(!changed);
			else
				CHECK((changed & ~(uint8_t)(q.mask >> (8 * (b - q.reg)))) == 0);
		}
		cfg_dev_release(cd);
		CHECK(cfg_quirk_count(cd) == 0);
	}
	cfg_dev_free(cd);
	hostdev_destroy(hd);
	return 0;
}
