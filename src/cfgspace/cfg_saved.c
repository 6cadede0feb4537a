/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A device's guest view saved for a restart, and given back to the same device afterwards. */
#include <stdio.h>
#include <string.h>

#include "cfg_field.h"
#include "cfgspace.h"

_Static_assert(CFG_SAVED_MAX_FIELDS == CFG_MAX_FIELDS, "a saved device holds as many fields as a live one");
_Static_assert(sizeof(((struct cfg_saved_field *)0)->st) == sizeof(((struct cfg_fi *)0)->st),
	       "the saved state words are the hooks' words");

uint64_t cfg_dev_fingerprint(const struct cfg_dev *cd)
{
	uint64_t h = 0xcbf29ce484222325ull;
	uint32_t words[] = { cd->opts.permissive, cd->opts.allow_interrupt_control, cd->seize_opts.permissive,
			     cd->seize_opts.allow_interrupt_control, (uint32_t)cd->nfi };
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		h = (h ^ words[i]) * 0x100000001b3ull;
	for (size_t i = 0; i < cd->nfi; i++)
		for (size_t w = 0; w < sizeof(cd->fi[i].st) / sizeof(cd->fi[i].st[0]); w++)
			h = (h ^ cd->fi[i].st[w]) * 0x100000001b3ull;
	return h;
}

void cfg_dev_save(const struct cfg_dev *cd, struct cfg_saved *out)
{
	out->opts = cd->opts;
	out->seize_opts = cd->seize_opts;
	out->nfields = cd->nbase;
	for (size_t i = 0; i < cd->nbase; i++) {
		const struct cfg_fi *fi = &cd->fi[i];
		out->fields[i] = (struct cfg_saved_field){ .off = fi->off, .size = fi->size };
		memcpy(out->fields[i].st, fi->st, sizeof(fi->st));
	}
	out->nquirks = cd->nfi - cd->nbase;
	for (size_t i = cd->nbase; i < cd->nfi; i++) {
		const struct cfg_fi *fi = &cd->fi[i];
		out->quirks[i - cd->nbase] = (struct cfg_saved_quirk){ .off = fi->off, .size = fi->size, .mask = fi->mask };
	}
}

int cfg_dev_load_saved(struct cfg_dev *cd, const struct cfg_saved *in, char *err, size_t errlen)
{
	if (in->nfields != cd->nbase) {
		snprintf(err, errlen, "the device has %zu described registers, the saved state %zu", cd->nbase,
			 in->nfields);
		return -1;
	}
	for (size_t i = 0; i < cd->nbase; i++) {
		const struct cfg_fi *fi = &cd->fi[i];
		const struct cfg_saved_field *sf = &in->fields[i];
		if (sf->off != fi->off || sf->size != fi->size) {
			snprintf(err, errlen, "register %zu is %s at 0x%x (size %u) on the device, at 0x%x (size %u) saved",
				 i, fi->f->name, fi->off, fi->size, sf->off, sf->size);
			return -1;
		}
	}
	if (in->nquirks > CFG_SAVED_MAX_FIELDS - cd->nbase) {
		snprintf(err, errlen, "%zu saved quirks: more than the device can hold", in->nquirks);
		return -1;
	}
	/* The quirks first: the only step that can fail on a valid state; undone if it does. */
	size_t had = cd->nfi;
	for (size_t i = 0; i < in->nquirks; i++) {
		const struct cfg_saved_quirk *q = &in->quirks[i];
		char e[160];
		if (cfg_add_quirk(cd, q->off, q->size, q->mask, e, sizeof(e)) < 0) {
			snprintf(err, errlen, "saved quirk at 0x%x: %s", q->off, e);
			cfg_drop_fields(cd, had);
			return -1;
		}
	}
	for (size_t i = 0; i < cd->nbase; i++)
		memcpy(cd->fi[i].st, in->fields[i].st, sizeof(cd->fi[i].st));
	cd->opts = in->opts;
	cd->seize_opts = in->seize_opts;
	return 0;
}
