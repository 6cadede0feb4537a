/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A parser of flat JSON objects (RFC 8259 grammar), strings decoded in place. */
#include "json_flat.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json_out.h"
#include "common/utf8.h"

struct cursor {
	char *p;
	const char *start;
	char *err;
	size_t errlen;
};

static int fail(struct cursor *c, const char *fmt, ...)
{
	char what[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(c->err, c->errlen, "column %zu: %s", (size_t)(c->p - c->start) + 1, what);
	return -1;
}

static void skip_ws(struct cursor *c)
{
	while (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')
		c->p++;
}

static int hex4(const char *s, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char h = s[i];
		unsigned d;
		if (h >= '0' && h <= '9')
			d = (unsigned)(h - '0');
		else if (h >= 'a' && h <= 'f')
			d = (unsigned)(h - 'a' + 10);
		else if (h >= 'A' && h <= 'F')
			d = (unsigned)(h - 'A' + 10);
		else
			return -1;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

/* Writes code point u as UTF-8 at w (at most 4 bytes); returns the new w. */
static char *put_utf8(char *w, unsigned u)
{
	if (u < 0x80) {
		*w++ = (char)u;
	} else if (u < 0x800) {
		*w++ = (char)(0xc0 | u >> 6);
		*w++ = (char)(0x80 | (u & 0x3f));
	} else if (u < 0x10000) {
		*w++ = (char)(0xe0 | u >> 12);
		*w++ = (char)(0x80 | ((u >> 6) & 0x3f));
		*w++ = (char)(0x80 | (u & 0x3f));
	} else {
		*w++ = (char)(0xf0 | u >> 18);
		*w++ = (char)(0x80 | ((u >> 12) & 0x3f));
		*w++ = (char)(0x80 | ((u >> 6) & 0x3f));
		*w++ = (char)(0x80 | (u & 0x3f));
	}
	return w;
}

/*
 * c->p is at the opening quote.  Decodes in place: the decoded text is never
 * longer than its escaped form, so the writer stays behind the reader.
 */
static int parse_string(struct cursor *c, const char **out, size_t *len)
{
	char *w = ++c->p;
	const char *begin = w;
	for (;;) {
		unsigned char ch = (unsigned char)*c->p;
		if (ch == '"')
			break;
		if (!ch)
			return fail(c, "unterminated string");
		if (ch < 0x20)
			return fail(c, "control character in a string");
		if (ch >= 0x80) {
			size_t n = utf8_seq_len((const unsigned char *)c->p);
			if (!n)
				return fail(c, "invalid UTF-8 in a string");
			memmove(w, c->p, n);
			w += n;
			c->p += n;
			continue;
		}
		if (ch != '\\') {
			*w++ = *c->p++;
			continue;
		}
		char e = c->p[1];
		static const char plain_in[] = "\"\\/bfnrt", plain_out[] = "\"\\/\b\f\n\r\t";
		const char *k = e ? strchr(plain_in, e) : NULL;
		if (k) {
			*w++ = plain_out[k - plain_in];
			c->p += 2;
			continue;
		}
		if (e != 'u')
			return fail(c, "bad escape in a string");
		unsigned u;
		if (hex4(c->p + 2, &u))
			return fail(c, "bad \\u escape");
		c->p += 6;
		if (u >= 0xd800 && u <= 0xdbff) {
			unsigned lo;
			if (c->p[0] != '\\' || c->p[1] != 'u' || hex4(c->p + 2, &lo) || lo < 0xdc00 || lo > 0xdfff)
				return fail(c, "unpaired surrogate in a string");
			c->p += 6;
			u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
		} else if (u >= 0xdc00 && u <= 0xdfff) {
			return fail(c, "unpaired surrogate in a string");
		}
		if (!u)
			return fail(c, "\\u0000 in a string");
		w = put_utf8(w, u);
	}
	c->p++;       /* the closing quote, */
	*w = 0;       /* at or before which the decoded text ends */
	*out = begin;
	*len = (size_t)(w - begin);
	return 0;
}

static bool digit(char ch) { return ch >= '0' && ch <= '9'; }

/* A number by JSON's grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static int parse_number(struct cursor *c)
{
	if (*c->p == '-')
		c->p++;
	if (*c->p == '0')
		c->p++;
	else if (digit(*c->p))
		while (digit(*c->p))
			c->p++;
	else
		return fail(c, "bad number");
	if (*c->p == '.') {
		c->p++;
		if (!digit(*c->p))
			return fail(c, "bad number");
		while (digit(*c->p))
			c->p++;
	}
	if (*c->p == 'e' || *c->p == 'E') {
		c->p++;
		if (*c->p == '+' || *c->p == '-')
			c->p++;
		if (!digit(*c->p))
			return fail(c, "bad number");
		while (digit(*c->p))
			c->p++;
	}
	return 0;
}

static int parse_value(struct cursor *c, struct jf_member *m)
{
	static const struct {
		const char *word;
		enum jf_type type;
	} words[] = { { "true", JF_TRUE }, { "false", JF_FALSE }, { "null", JF_NULL } };
	char *v = c->p;
	if (*c->p == '"') {
		m->type = JF_STRING;
		return parse_string(c, &m->text, &m->len);
	}
	if (*c->p == '-' || digit(*c->p)) {
		if (parse_number(c))
			return -1;
		m->type = JF_NUMBER;
	} else if (*c->p == '[') {
		c->p++;
		skip_ws(c);
		while (*c->p != ']') {
			if (*c->p != '-' && !digit(*c->p))
				return fail(c, "only arrays of numbers are supported");
			if (parse_number(c))
				return -1;
			skip_ws(c);
			if (*c->p == ',') {
				c->p++;
				skip_ws(c);
				if (*c->p == ']')
					return fail(c, "expected a number after ','");
			} else if (*c->p != ']') {
				return fail(c, "expected ',' or ']' in an array");
			}
		}
		c->p++;
		m->type = JF_ARRAY;
	} else if (*c->p == '{') {
		return fail(c, "nested objects are not supported");
	} else {
		size_t i = 0;
		while (i < sizeof(words) / sizeof(words[0]) && strncmp(c->p, words[i].word, strlen(words[i].word)))
			i++;
		if (i == sizeof(words) / sizeof(words[0]))
			return fail(c, "expected a value");
		c->p += strlen(words[i].word);
		m->type = words[i].type;
	}
	m->text = v;
	m->len = (size_t)(c->p - v);
	return 0;
}

int jf_parse(char *s, struct jf_object *o, char *err, size_t errlen)
{
	struct cursor c = { .p = s, .start = s, .err = err, .errlen = errlen };
	o->n = 0;
	skip_ws(&c);
	if (*c.p != '{')
		return fail(&c, "expected '{'");
	c.p++;
	skip_ws(&c);
	bool first = true;
	/*
	 * Keys and string values are NUL-terminated in place; a number's or an
	 * array's end is only marked once the whole object is read (its
	 * terminator would overwrite the delimiter after it).
	 */
	while (*c.p != '}') {
		if (!first) {
			if (*c.p != ',')
				return fail(&c, "expected ',' or '}'");
			c.p++;
			skip_ws(&c);
		}
		first = false;
		if (*c.p != '"')
			return fail(&c, "expected a key (a string)");
		if (o->n == JF_MAX_MEMBERS)
			return fail(&c, "more than %d members", JF_MAX_MEMBERS);
		struct jf_member *m = &o->m[o->n];
		size_t klen;
		if (parse_string(&c, &m->key, &klen))
			return -1;
		for (size_t i = 0; i < o->n; i++)
			if (!strcmp(o->m[i].key, m->key)) {
				char q[64];
				return fail(&c, "key %s given twice", json_quote(q, sizeof(q), m->key));
			}
		skip_ws(&c);
		if (*c.p != ':')
			return fail(&c, "expected ':'");
		c.p++;
		skip_ws(&c);
		if (parse_value(&c, m))
			return -1;
		o->n++;
		skip_ws(&c);
	}
	c.p++;
	skip_ws(&c);
	if (*c.p)
		return fail(&c, "text after the object");
	for (size_t i = 0; i < o->n; i++)
		if (o->m[i].type != JF_STRING)
			((char *)o->m[i].text)[o->m[i].len] = 0;
	return 0;
}

const struct jf_member *jf_get(const struct jf_object *o, const char *key)
{
	for (size_t i = 0; i < o->n; i++)
		if (!strcmp(o->m[i].key, key))
			return &o->m[i];
	return NULL;
}

static const struct jf_member *get_typed(const struct jf_object *o, const char *key, enum jf_type type,
					 const char *what, char *err, size_t errlen)
{
	const struct jf_member *m = jf_get(o, key);
	if (!m)
		snprintf(err, errlen, "no \"%s\"", key);
	else if (m->type != type)
		snprintf(err, errlen, "\"%s\" is not %s", key, what);
	else
		return m;
	return NULL;
}

int jf_string(const struct jf_object *o, const char *key, const char **out, char *err, size_t errlen)
{
	const struct jf_member *m = get_typed(o, key, JF_STRING, "a string", err, errlen);
	if (!m)
		return -1;
	*out = m->text;
	return 0;
}

/* One integer of a number's text [s, s + len) (len <= the whole text); 0 or -1. */
static int to_int(const char *s, size_t len, int64_t min, int64_t max, int64_t *out)
{
	char buf[24];
	if (!len || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = 0;
	if (strpbrk(buf, ".eE"))
		return -1;
	char *end;
	errno = 0;
	long long v = strtoll(buf, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int jf_int(const struct jf_object *o, const char *key, int64_t min, int64_t max, int64_t *out, char *err,
	   size_t errlen)
{
	const struct jf_member *m = get_typed(o, key, JF_NUMBER, "a number", err, errlen);
	if (!m)
		return -1;
	if (to_int(m->text, m->len, min, max, out)) {
		snprintf(err, errlen, "\"%s\" is not an integer in %" PRId64 "..%" PRId64, key, min, max);
		return -1;
	}
	return 0;
}

int jf_int_array(const struct jf_object *o, const char *key, int64_t min, int64_t max, int64_t *out, size_t max_n,
		 size_t *n, char *err, size_t errlen)
{
	const struct jf_member *m = get_typed(o, key, JF_ARRAY, "an array", err, errlen);
	if (!m)
		return -1;
	*n = 0;
	const char *p = m->text + 1, *end = m->text + m->len - 1; /* inside the brackets */
	for (;;) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == ','))
			p++;
		if (p >= end)
			return 0;
		const char *q = p;
		while (q < end && *q != ',' && *q != ' ' && *q != '\t' && *q != '\n' && *q != '\r')
			q++;
		if (*n == max_n) {
			snprintf(err, errlen, "\"%s\" has more than %zu elements", key, max_n);
			return -1;
		}
		if (to_int(p, (size_t)(q - p), min, max, &out[*n])) {
			snprintf(err, errlen, "\"%s\" holds a value that is not an integer in %" PRId64 "..%" PRId64, key,
				 min, max);
			return -1;
		}
		(*n)++;
		p = q;
	}
}
