/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Device names from pci.ids (libpci's name lookup). */
#include "host/pci_names.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pci/pci.h>

#include "common/log.h"

struct pci_names {
	struct pci_access *acc;
	bool broken;     /* libpci failed on the list: no names from it any more */
	jmp_buf jb;      /* where libpci's fatal error callback returns to */
	char msg[200];
};

/* The lookup in progress on this thread (libpci's callbacks carry no context). */
static __thread struct pci_names *names_cur;

static void PCI_NONRET names_error(char *msg, ...)
{
	va_list ap;
	va_start(ap, msg);
	vsnprintf(names_cur->msg, sizeof(names_cur->msg), msg, ap);
	va_end(ap);
	names_cur->msg[strcspn(names_cur->msg, "\n")] = 0;
	longjmp(names_cur->jb, 1);
}

static void names_quiet(char *msg, ...)
{
	(void)msg;
}

struct pci_names *pci_names_open(const char *ids_path)
{
	struct pci_names *n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->acc = pci_alloc();
	if (!n->acc) {
		free(n);
		return NULL;
	}
	n->acc->error = names_error;
	n->acc->warning = names_quiet;
	n->acc->debug = names_quiet;
	if (ids_path)
		pci_set_name_list_path(n->acc, (char *)ids_path, 0);
	/* pci.ids only: not udev's hwdb, which libpci would otherwise ask for what the file lacks. */
	pci_set_param(n->acc, "hwdb.disable", "1");
	return n;
}

/* pci_lookup_name for vendor (and device, if with_device) without numbers: NULL when unknown. */
static const char *lookup(struct pci_names *n, char *buf, size_t len, bool with_device, uint16_t vendor,
			  uint16_t device)
{
	int flags = PCI_LOOKUP_VENDOR | PCI_LOOKUP_NO_NUMBERS | (with_device ? PCI_LOOKUP_DEVICE : 0);
	const char *volatile r = NULL;
	names_cur = n;
	if (setjmp(n->jb) == 0) {
		r = pci_lookup_name(n->acc, buf, (int)len, flags, vendor, device);
	} else {
		pb_warn("no device names: libpci cannot read pci.ids: %s", n->msg);
		n->broken = true;
		r = NULL;
	}
	names_cur = NULL;
	return r;
}

void pci_names_device(struct pci_names *n, uint16_t vendor, uint16_t device, char *buf, size_t len)
{
	if (!len)
		return;
	buf[0] = 0;
	if (!n || n->broken)
		return;
	char tmp[512];
	const char *r = lookup(n, tmp, sizeof(tmp), true, vendor, device);
	if (!r && !n->broken)
		r = lookup(n, tmp, sizeof(tmp), false, vendor, device);
	if (r)
		snprintf(buf, len, "%s", r);
}

void pci_names_close(struct pci_names *n)
{
	if (!n)
		return;
	pci_cleanup(n->acc);
	free(n);
}
