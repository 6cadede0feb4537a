/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcifront internals shared by its files (pcifront.c, events.c, msi.c). */
#ifndef PCIBACKD_GUEST_PF_CONN_H
#define PCIBACKD_GUEST_PF_CONN_H

#include <stdbool.h>

#include "guest/pcifront.h"
#include "transport/local/local_msg.h"

struct pf_conn {
	int sock;
	int page_fd, kick_fd, notify_fd;
	struct pciif_sharedinfo *page;
	size_t nroots;
	struct pf_root roots[PF_MAX_ROOTS];
	size_t ndevs;
	struct pb_bdf devs[LT_MSG_MAX_KEYS];
	char last_error[200];
	/* Events (events.c). */
	struct pf_handlers h;
	bool aer_unanswered;        /* the posted AER step was left unanswered on purpose */
	size_t nremoved;            /* hot-unplugged devices not yet reported to h.removed */
	struct pb_bdf removed[LT_MSG_MAX_KEYS];
	bool reconfigured;          /* a Reconfigured not yet reported to h.reconfigured */
};

/* events.c */
/* Answers a posted AER step if there is one (never calls back into ops). */
void pf_answer_aer(struct pf_conn *c);
/* One message from the backend (or a hang-up): follows hot-plug; 0, or ECONNRESET with last_error set. */
int pf_backend_msg(struct pf_conn *c);
/* Parses a publication (state 3 or 8) into roots and devices; 0 or -1 + err. */
int pf_parse_published(struct pf_conn *c, const struct lt_msg *m, char *err, size_t errlen);

#endif
