/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A control answer in its human or its JSON form (see ctl_out.h). */
#include "daemon/ctl_out.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>

#include "common/json_out.h"

void ctl_out_begin(struct ctl_out *o, FILE *f, bool json)
{
	*o = (struct ctl_out){ .f = f, .json = json };
	if (json)
		fputc('{', f);
}

void ctl_out_end(struct ctl_out *o)
{
	if (o->json)
		fputs("}\n", o->f);
	else if (o->line_open)
		fputc('\n', o->f);
	o->line_open = false;
}

/* JSON: the comma before a member and, in an object, its key. */
static void member(struct ctl_out *o, const char *key)
{
	if (o->has_member[o->depth])
		fputc(',', o->f);
	o->has_member[o->depth] = true;
	if (!o->is_list[o->depth]) {
		json_put_string(o->f, key ? key : "");
		fputc(':', o->f);
	}
}

/* JSON: opens a container ({ or [) as a member named key. */
static void push(struct ctl_out *o, const char *key, bool list)
{
	member(o, key);
	fputc(list ? '[' : '{', o->f);
	if (o->depth + 1 < CTL_OUT_DEPTH) {
		o->depth++;
		o->has_member[o->depth] = false;
		o->is_list[o->depth] = list;
	}
}

static void pop(struct ctl_out *o)
{
	fputc(o->is_list[o->depth] ? ']' : '}', o->f);
	if (o->depth)
		o->depth--;
}

/* Human form: ends the open line. */
static void end_line(struct ctl_out *o)
{
	if (o->line_open)
		fputc('\n', o->f);
	o->line_open = false;
}

void ctl_out_list(struct ctl_out *o, const char *key)
{
	if (o->json)
		push(o, key, true);
	else
		end_line(o);
}

void ctl_out_list_end(struct ctl_out *o)
{
	if (o->json)
		pop(o);
}

void ctl_out_item(struct ctl_out *o, const char *key, const char *prefix)
{
	if (o->json) {
		push(o, key, false);
		return;
	}
	end_line(o);
	fputs(prefix, o->f);
	o->line_open = true;
	o->line_empty = !*prefix;
}

void ctl_out_item_end(struct ctl_out *o)
{
	if (o->json)
		pop(o);
	else
		end_line(o);
}

void ctl_out_null(struct ctl_out *o, const char *key, const char *human)
{
	if (o->json) {
		member(o, key);
		fputs("null", o->f);
		return;
	}
	end_line(o);
	fprintf(o->f, "%s\n", human);
}

void ctl_out_text(struct ctl_out *o, const char *text)
{
	if (!o->json) {
		fputs(text, o->f);
		o->line_empty = false;
	}
}

/* Human form: the field as `show` says, its value already text. */
static void human(struct ctl_out *o, enum ctl_show show, const char *key, const char *v)
{
	if (show == CTL_JSON_ONLY)
		return;
	if (show != CTL_PAREN && !o->line_empty)
		fputc(' ', o->f);
	o->line_empty = false;
	switch (show) {
	case CTL_KV:
	case CTL_HUMAN_ONLY:
		fprintf(o->f, "%s=%s", key, v);
		break;
	case CTL_QUOTED:
		fprintf(o->f, "%s=\"%s\"", key, v);
		break;
	case CTL_POS:
		fputs(v, o->f);
		break;
	case CTL_PAREN:
		fprintf(o->f, "(%s)", v);
		break;
	case CTL_JSON_ONLY:
		break;
	}
}

/* JSON form: whether the field is written (its key is, if so). */
static bool json_member(struct ctl_out *o, enum ctl_show show, const char *key)
{
	if (!o->json || show == CTL_HUMAN_ONLY)
		return false;
	member(o, key);
	return true;
}

void ctl_out_str(struct ctl_out *o, enum ctl_show show, const char *key, const char *v)
{
	if (json_member(o, show, key))
		json_put_string(o->f, v);
	else if (!o->json)
		human(o, show, key, v);
}

void ctl_out_strf(struct ctl_out *o, enum ctl_show show, const char *key, const char *fmt, ...)
{
	char *v = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&v, fmt, ap) < 0)
		v = NULL;
	va_end(ap);
	ctl_out_str(o, show, key, v ? v : "");
	free(v);
}

void ctl_out_uint(struct ctl_out *o, enum ctl_show show, const char *key, uint64_t v)
{
	char t[24];
	snprintf(t, sizeof(t), "%" PRIu64, v);
	if (json_member(o, show, key))
		fputs(t, o->f);
	else if (!o->json)
		human(o, show, key, t);
}

void ctl_out_hex(struct ctl_out *o, enum ctl_show show, const char *key, uint64_t v, int width)
{
	char t[24];
	snprintf(t, sizeof(t), "0x%0*" PRIx64, width, v);
	if (json_member(o, show, key))
		fprintf(o->f, "%" PRIu64, v);
	else if (!o->json)
		human(o, show, key, t);
}

void ctl_out_bool(struct ctl_out *o, enum ctl_show show, const char *key, bool v, const char *yes, const char *no)
{
	if (json_member(o, show, key))
		fputs(v ? "true" : "false", o->f);
	else if (!o->json)
		human(o, show, key, v ? yes : no);
}

void ctl_out_uints(struct ctl_out *o, enum ctl_show show, const char *key, const uint32_t *v, size_t n)
{
	if (o->json && show == CTL_HUMAN_ONLY)
		return;
	if (o->json) {
		member(o, key);
		fputc('[', o->f);
		for (size_t i = 0; i < n; i++)
			fprintf(o->f, "%s%" PRIu32, i ? "," : "", v[i]);
		fputc(']', o->f);
		return;
	}
	char *t = NULL;
	size_t len = 0;
	const char *text = "-";
	FILE *m = open_memstream(&t, &len);
	if (m) {
		for (size_t i = 0; i < n; i++)
			fprintf(m, "%s%" PRIu32, i ? "," : "", v[i]);
		if (fclose(m) == 0 && n)
			text = t;
	}
	human(o, show, key, text);
	free(t);
}
