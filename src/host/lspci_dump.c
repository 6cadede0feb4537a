/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lspci dump loader.  The config bytes come from libpci's "dump" access
 * method (the same reader `lspci -F` uses); the decoded text is scanned for
 * what the bytes cannot tell: region and ROM sizes and the routed IRQ.
 */
#include "lspci_dump.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pci/pci.h>

#include "proto/pci_regs.h"

/* ---- the decoded text ---- */

/* "[size=128K]" -> bytes; 0 when absent or unparsable. */
static uint64_t parse_size(const char *line)
{
	const char *p = strstr(line, "[size=");
	if (!p)
		return 0;
	char *end;
	unsigned long long v = strtoull(p + 6, &end, 10);
	static const char units[] = "KMGT";
	const char *u = *end ? strchr(units, *end) : NULL;
	if (u)
		for (long i = 0; i <= u - units; i++)
			v <<= 10;
	else if (*end != ']')
		return 0;
	return v;
}

/* Reads "at HEX"; returns 0 and leaves *start alone for "<unassigned>" etc. */
static int parse_at(const char *line, uint64_t *start)
{
	const char *p = strstr(line, " at ");
	if (!p || p[4] == '<')
		return -1;
	char *end;
	unsigned long long v = strtoull(p + 4, &end, 16);
	if (end == p + 4)
		return -1;
	*start = v;
	return 0;
}

static bool is_device_header(const char *line)
{
	unsigned a, b, c, d;
	char sp;
	if (sscanf(line, "%x:%x:%x.%x%c", &a, &b, &c, &d, &sp) == 5 && sp == ' ')
		return true;
	return sscanf(line, "%x:%x.%x%c", &a, &b, &c, &sp) == 4 && sp == ' ';
}

/* "HEX:" at column 0 that is not a device header: a line of config bytes. */
static bool looks_like_hex_line(const char *line)
{
	size_t n = strspn(line, "0123456789abcdefABCDEF");
	return n > 0 && line[n] == ':' && !is_device_header(line);
}

/*
 * Validates a line of config bytes before libpci sees it: "OFF: xx xx ..."
 * with OFF a multiple of 16 below 4096 and 1 to 16 bytes.  libpci's own
 * reader trusts the offset, so a hostile dump could make it write anywhere.
 */
static bool valid_hex_line(const char *line)
{
	size_t n = strspn(line, "0123456789abcdefABCDEF");
	if (n < 2 || n > 3)
		return false;
	unsigned long off = strtoul(line, NULL, 16);
	if (off >= 4096 || off % 16)
		return false;
	const char *p = line + n + 1;
	unsigned bytes = 0;
	while (p[0] == ' ' && isxdigit((unsigned char)p[1]) && isxdigit((unsigned char)p[2])) {
		bytes++;
		p += 3;
	}
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return *p == '\0' && bytes >= 1 && bytes <= 16;
}

/*
 * Scans one decoded line of the device.  Only the lines before its first
 * "Capabilities:" line describe the function itself: inside a capability,
 * lspci prints an SR-IOV capability's VF BARs as "Region N: Memory at ..."
 * lines too.  Returns false once the capabilities begin.
 */
static bool scan_text_line(struct lspci_dump_dev *d, const char *line)
{
	const char *t = line;
	while (*t == ' ' || *t == '\t')
		t++;
	if (!strncmp(t, "Capabilities:", 13))
		return false;
	if (!strncmp(t, "[virtual] ", 10))
		t += 10;
	unsigned idx;
	struct hostdev_res *r = NULL;
	if (sscanf(t, "Region %u:", &idx) == 1 && idx < HOSTDEV_NUM_BARS) {
		r = &d->res[idx];
		if (strstr(t, "I/O ports"))
			r->flags = HOSTDEV_RES_IO;
		else {
			r->flags = HOSTDEV_RES_MEM;
			if (strstr(t, "64-bit"))
				r->flags |= HOSTDEV_RES_MEM64;
			if (strstr(t, "non-prefetchable") == NULL && strstr(t, "prefetchable"))
				r->flags |= HOSTDEV_RES_PREFETCH;
		}
	} else if (!strncmp(t, "Expansion ROM", 13)) {
		r = &d->res[HOSTDEV_ROM];
		r->flags = HOSTDEV_RES_MEM | HOSTDEV_RES_ROM;
	} else if (!strncmp(t, "Interrupt: pin", 14)) {
		const char *p = strstr(t, "IRQ ");
		if (p)
			d->irq = (unsigned)strtoul(p + 4, NULL, 10);
		return true;
	}
	if (!r)
		return true;
	parse_at(t, &r->start);
	r->size = parse_size(t);
	return true;
}

/* ---- libpci ---- */

static jmp_buf *pci_jmp;
static char pci_msg[200];

static void PCI_NONRET pci_error_cb(char *msg, ...)
{
	va_list ap;
	va_start(ap, msg);
	vsnprintf(pci_msg, sizeof(pci_msg), msg, ap);
	va_end(ap);
	longjmp(*pci_jmp, 1);
}

static void pci_quiet_cb(char *msg, ...) { (void)msg; }

static unsigned probe_cfg_size(struct pci_dev *pd)
{
	static const unsigned sizes[] = { 4096, 256, 64 };
	uint8_t buf[4096];
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		if (pci_read_block(pd, 0, buf, (int)sizes[i]))
			return sizes[i];
	return 0;
}

/* Fills cfg bytes for every text-scanned device from libpci's view of the dump. */
static int read_bytes(const char *path, struct lspci_dump *out, char *err, size_t errlen)
{
	struct pci_access *volatile a = pci_alloc();
	jmp_buf jb;
	pci_jmp = &jb;
	if (setjmp(jb)) {
		snprintf(err, errlen, "%s: %s", path, pci_msg);
		pci_cleanup(a);
		return -1;
	}
	a->method = PCI_ACCESS_DUMP;
	a->error = pci_error_cb;
	a->warning = pci_quiet_cb;
	a->debug = pci_quiet_cb;
	pci_set_param(a, "dump.name", (char *)path);
	pci_init(a);
	pci_scan_bus(a);
	for (size_t i = 0; i < out->count; i++) {
		struct lspci_dump_dev *d = &out->devs[i];
		struct pci_dev *pd = pci_get_dev(a, d->addr.domain, d->addr.bus, PB_SLOT(d->addr.devfn),
						 PB_FUNC(d->addr.devfn));
		unsigned n = probe_cfg_size(pd);
		if (n < 64) {
			char addr[PB_BDF_STRLEN];
			snprintf(err, errlen, "%s: device %s has no config bytes", path,
				 pb_bdf_format_lspci(&d->addr, addr));
			pci_free_dev(pd);
			pci_cleanup(a);
			return -1;
		}
		pci_read_block(pd, 0, d->cfg, (int)n);
		d->cfg_size = n;
		pci_free_dev(pd);
	}
	pci_cleanup(a);
	return 0;
}

static uint32_t cfg32(const struct lspci_dump_dev *d, unsigned off)
{
	return (uint32_t)d->cfg[off] | (uint32_t)d->cfg[off + 1] << 8 | (uint32_t)d->cfg[off + 2] << 16 |
	       (uint32_t)d->cfg[off + 3] << 24;
}

/* Completes what the text left out, from the config bytes. */
static void finish_device(struct lspci_dump_dev *d)
{
	uint8_t ht = d->cfg[PCI_HEADER_TYPE] & PCI_HEADER_TYPE_MASK;
	unsigned nbars = ht == PCI_HEADER_TYPE_NORMAL ? 6 : ht == PCI_HEADER_TYPE_BRIDGE ? 2 : 0;
	for (unsigned i = 0; i < nbars; i++) {
		struct hostdev_res *r = &d->res[i];
		if (!r->flags)
			continue;
		uint32_t v = cfg32(d, PCI_BASE_ADDRESS_0 + 4 * i);
		if (!r->start) {
			if (r->flags & HOSTDEV_RES_IO)
				r->start = v & (uint32_t)PCI_BASE_ADDRESS_IO_MASK;
			else {
				r->start = v & (uint32_t)PCI_BASE_ADDRESS_MEM_MASK;
				if ((r->flags & HOSTDEV_RES_MEM64) && i + 1 < nbars)
					r->start |= (uint64_t)cfg32(d, PCI_BASE_ADDRESS_1 + 4 * i) << 32;
			}
		}
		if ((r->flags & HOSTDEV_RES_MEM64) && i + 1 < nbars) {
			d->res[i + 1] = (struct hostdev_res){ .flags = HOSTDEV_RES_UPPER };
			i++;
		}
	}
	if (nbars == 0)
		memset(d->res, 0, sizeof(d->res));
	if (d->irq == 0 && d->cfg[PCI_INTERRUPT_PIN] != 0)
		d->irq = d->cfg[PCI_INTERRUPT_LINE];
}

int lspci_dump_load(const char *path, struct lspci_dump *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	char line[1024];
	size_t cap = 0;
	unsigned lineno = 0;
	struct lspci_dump_dev *cur = NULL;
	bool own_lines = false; /* still before the current device's capabilities */
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (looks_like_hex_line(line)) {
			if (!cur || !valid_hex_line(line)) {
				line[strcspn(line, "\n")] = '\0';
				snprintf(err, errlen, "%s:%u: malformed config line '%.40s'", path, lineno, line);
				goto fail;
			}
		} else if (is_device_header(line)) {
			if (out->count == cap) {
				size_t ncap = cap ? cap * 2 : 8;
				struct lspci_dump_dev *n = realloc(out->devs, ncap * sizeof(*n));
				if (!n) {
					snprintf(err, errlen, "%s: out of memory", path);
					goto fail;
				}
				out->devs = n;
				cap = ncap;
			}
			cur = &out->devs[out->count++];
			memset(cur, 0, sizeof(*cur));
			own_lines = true;
			char *sp = strchr(line, ' ');
			*sp = '\0';
			char perr[160];
			if (pb_bdf_parse(line, &cur->addr, perr, sizeof(perr))) {
				snprintf(err, errlen, "%s: %s", path, perr);
				goto fail;
			}
			for (size_t i = 0; i + 1 < out->count; i++)
				if (pb_bdf_equal(&out->devs[i].addr, &cur->addr)) {
					snprintf(err, errlen, "%s: device %s appears twice", path, line);
					goto fail;
				}
			snprintf(cur->description, sizeof(cur->description), "%s", sp + 1);
			cur->description[strcspn(cur->description, "\n")] = '\0';
		} else if (cur && own_lines) {
			own_lines = scan_text_line(cur, line);
		}
	}
	fclose(f);
	f = NULL;
	if (out->count == 0) {
		snprintf(err, errlen, "%s: no device found (expected `lspci -vvv -xxxx` text)", path);
		goto fail;
	}
	if (read_bytes(path, out, err, errlen))
		goto fail;
	for (size_t i = 0; i < out->count; i++)
		finish_device(&out->devs[i]);
	return 0;
fail:
	if (f)
		fclose(f);
	lspci_dump_free(out);
	return -1;
}

void lspci_dump_free(struct lspci_dump *d)
{
	free(d->devs);
	d->devs = NULL;
	d->count = 0;
}

const struct lspci_dump_dev *lspci_dump_find(const struct lspci_dump *d, const struct pb_bdf *addr)
{
	for (size_t i = 0; i < d->count; i++)
		if (pb_bdf_equal(&d->devs[i].addr, addr))
			return &d->devs[i];
	return NULL;
}
