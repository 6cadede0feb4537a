/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A control command's answer, written once for both of its forms: the human
 * lines ("guest g1 ops=3 errors=0 ...") and one JSON document (pcibackctl
 * --json).  The server produces both from the same calls, so each command's
 * data model (which fields, in what order, from which state) is in one place
 * and the client only prints what it receives: no second formatter to keep
 * in step, and no parsing of human lines.
 *
 * The answer is a JSON object.  Inside it, a list (ctl_out_list) holds items,
 * an item (ctl_out_item) holds fields, lists and items.  In the human form an
 * item is a line: its human prefix, then its fields, each shown as `show`
 * says; a list opened inside an item ends that item's line, so nested items
 * follow on lines of their own.  Human fields are separated by one space,
 * except the first on a line whose prefix is empty.
 */
#ifndef PCIBACKD_DAEMON_CTL_OUT_H
#define PCIBACKD_DAEMON_CTL_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CTL_OUT_DEPTH 8

/* How a field looks in the human form (the JSON form always has "key": value). */
enum ctl_show {
	CTL_KV,         /* key=value */
	CTL_QUOTED,     /* key="value" (not escaped: the human form is as it always was) */
	CTL_POS,        /* value */
	CTL_PAREN,      /* (value), right after the previous field */
	CTL_JSON_ONLY,  /* nothing */
	CTL_HUMAN_ONLY, /* key=value, and nothing in the JSON form */
};

struct ctl_out {
	FILE *f;
	bool json;
	unsigned depth;                  /* JSON containers open */
	bool has_member[CTL_OUT_DEPTH];  /* at each depth: a member written, the next needs a comma */
	bool is_list[CTL_OUT_DEPTH];     /* at each depth: a list (its members have no keys), else an object */
	bool line_open;                  /* human form: an item's line is not ended yet */
	bool line_empty;                 /* human form: nothing on that line yet */
};

/* Starts the answer (in JSON: the document's opening brace). */
void ctl_out_begin(struct ctl_out *o, FILE *f, bool json);
/* Ends the answer (in JSON: the closing brace and a newline). */
void ctl_out_end(struct ctl_out *o);

/* A list named key (in a list: key is ignored); nothing in the human form but the end of the open line. */
void ctl_out_list(struct ctl_out *o, const char *key);
void ctl_out_list_end(struct ctl_out *o);
/* An item named key (in a list: key is ignored); a human line starting with prefix. */
void ctl_out_item(struct ctl_out *o, const char *key, const char *prefix);
void ctl_out_item_end(struct ctl_out *o);
/* key: null; the human line `human`. */
void ctl_out_null(struct ctl_out *o, const char *key, const char *human);
/* Text for the human form only, on the open line as it is. */
void ctl_out_text(struct ctl_out *o, const char *text);

void ctl_out_str(struct ctl_out *o, enum ctl_show show, const char *key, const char *v);
void ctl_out_strf(struct ctl_out *o, enum ctl_show show, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void ctl_out_uint(struct ctl_out *o, enum ctl_show show, const char *key, uint64_t v);
/* A number: 0x and `width` hex digits in the human form, decimal in JSON. */
void ctl_out_hex(struct ctl_out *o, enum ctl_show show, const char *key, uint64_t v, int width);
/* true/false in JSON; yes or no (e.g. "on", "off") in the human form. */
void ctl_out_bool(struct ctl_out *o, enum ctl_show show, const char *key, bool v, const char *yes, const char *no);
/* A JSON array of numbers; "a,b,c" in the human form, "-" when empty. */
void ctl_out_uints(struct ctl_out *o, enum ctl_show show, const char *key, const uint32_t *v, size_t n);

#endif
