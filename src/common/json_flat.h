/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reading JSON: one flat object (a JSON Lines record, as the trace writes).
 * Members' values are strings (valid UTF-8, as JSON text must be),
 * numbers, true, false, null or arrays of numbers; a nested object or an
 * array of anything else is refused.  The
 * input is untrusted: every problem is an error with a message, never a
 * crash, and nothing is read past the string given.
 */
#ifndef PCIBACKD_COMMON_JSON_FLAT_H
#define PCIBACKD_COMMON_JSON_FLAT_H

#include <stddef.h>
#include <stdint.h>

#define JF_MAX_MEMBERS 32

enum jf_type { JF_STRING, JF_NUMBER, JF_TRUE, JF_FALSE, JF_NULL, JF_ARRAY };

struct jf_member {
	const char *key;           /* decoded, NUL-terminated (inside the parsed text) */
	enum jf_type type;
	const char *text;          /* string: decoded, NUL-terminated; number, array: the raw text */
	size_t len;                /* of text */
};

struct jf_object {
	size_t n;
	struct jf_member m[JF_MAX_MEMBERS];
};

/*
 * Parses the object in s (NUL-terminated; strings are decoded in place, so s
 * is modified and must outlive o).  Whitespace around it is allowed, nothing
 * else; a key given twice is an error.  0, or -1 with a message in err.
 */
int jf_parse(char *s, struct jf_object *o, char *err, size_t errlen);

/* The member named key, or NULL. */
const struct jf_member *jf_get(const struct jf_object *o, const char *key);

/*
 * The member key as a string / an integer in [min, max] (no fraction, no
 * exponent) / an array of at most max_n integers in [min, max].  0, or -1
 * with a message naming the key (missing, wrong type, out of range).
 */
int jf_string(const struct jf_object *o, const char *key, const char **out, char *err, size_t errlen);
int jf_int(const struct jf_object *o, const char *key, int64_t min, int64_t max, int64_t *out, char *err,
	   size_t errlen);
int jf_int_array(const struct jf_object *o, const char *key, int64_t min, int64_t max, int64_t *out, size_t max_n,
		 size_t *n, char *err, size_t errlen);

#endif
