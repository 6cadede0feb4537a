/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Log lines under systemd: a "<N>" priority prefix only when $JOURNAL_STREAM names our stderr. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"

static char path[] = "/tmp/pblogsink.XXXXXX";

/* stderr into a fresh file; its "DEV:INODE" (plus DINO to name another file) in js. */
static void stderr_to_file(char *js, size_t len, long dino)
{
	fflush(stderr);
	FILE *f = freopen(path, "w", stderr);
	assert_non_null(f);
	struct stat st;
	assert_int_equal(fstat(fileno(stderr), &st), 0);
	snprintf(js, len, "%llu:%llu", (unsigned long long)st.st_dev, (unsigned long long)st.st_ino + (unsigned long long)dino);
}

static void read_back(char *buf, size_t len)
{
	fflush(stderr);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, len - 1, f);
	buf[n] = 0;
	fclose(f);
}

static void test_plain_when_stream_is_another(void **state)
{
	char js[64], buf[512];
	stderr_to_file(js, sizeof(js), 1);
	setenv("JOURNAL_STREAM", js, 1);
	pb_log_detect_journal();
	pb_err("disk %d", 1);
	read_back(buf, sizeof(buf));
	assert_string_equal(buf, "pcibackd: error: disk 1\n");
}

static void test_priorities_for_journald(void **state)
{
	char js[64], buf[512];
	stderr_to_file(js, sizeof(js), 0);
	setenv("JOURNAL_STREAM", js, 1);
	pb_log_detect_journal();
	pb_log_set_level(PB_LOG_DEBUG);
	pb_err("e");
	pb_warn("w");
	pb_info("i");
	pb_debug("d");
	read_back(buf, sizeof(buf));
	assert_string_equal(buf, "<3>error: e\n<4>warning: w\n<6>info: i\n<7>debug: d\n");
}

int main(void)
{
	int fd = mkstemp(path);
	if (fd < 0)
		return 1;
	close(fd);
	unsetenv("JOURNAL_STREAM");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_when_stream_is_another),
		cmocka_unit_test(test_priorities_for_journald),
	};
	/* cmocka's own report goes to stdout; stderr is the file under test. */
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(path);
	return rc;
}
