/* SPDX-License-Identifier: GPL-2.0-or-later */
/* JSON string escaping. */
#include "json_out.h"

#include <stddef.h>
#include <string.h>

#include "common/utf8.h"

void json_put_string(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	fputc('"', f);
	while (*s) {
		unsigned char c = *s;
		if (c == '"' || c == '\\') {
			fputc('\\', f);
			fputc(c, f);
			s++;
		} else if (c == '\n') {
			fputs("\\n", f);
			s++;
		} else if (c == '\t') {
			fputs("\\t", f);
			s++;
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(f, "\\u%04x", c);
			s++;
		} else if (c < 0x80) {
			fputc(c, f);
			s++;
		} else {
			size_t n = utf8_seq_len(s);
			if (n) {
				fwrite(s, 1, n, f);
				s += n;
			} else {
				fprintf(f, "\\u%04x", c);
				s++;
			}
		}
	}
	fputc('"', f);
}

char *json_quote(char *buf, size_t len, const char *s)
{
	if (!len)
		return buf;
	memset(buf, 0, len);
	FILE *m = fmemopen(buf, len, "w");
	if (!m)
		return buf;
	setvbuf(m, NULL, _IONBF, 0);
	json_put_string(m, s);
	fclose(m);
	buf[len - 1] = 0;
	return buf;
}
