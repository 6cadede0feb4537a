/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The xenbus "pci" backend and the xenstore values it parses (states,
 * grant reference, event channel, magic, num_devs, dev-N, vdev-N, state-N,
 * opts-N, root-N, root_num, online, frontend, frontend-id) on the in-memory
 * xenstore, with a fake ring.  A guest (domain 5) with two devices attached
 * by pcibackctl's library; then the input is a command stream:
 *   [0|k] write key k (frontend or backend dir) = value
 *   [1|k] remove key k
 *   [2]   post 36 bytes of op header on the page and kick (when connected)
 *   [3]   the domain dies (@releaseDomain)
 *   [4|i] pcibackctl attaches device i;  [5|i] starts and finishes a detach
 *   [6|i] the operator reports an AER error on device i (when the guest has it)
 *   [7]   the guest answers the AER step with the next byte (or not, by the
 *         byte's top bit), kicks, and the AER timer fires (1 ms step timeout)
 * Values are either a length-prefixed string from the input or, when the
 * length byte has its top bit set, one of a few meaningful values.
 * Invariants: the watch queue drains (no self-feeding loop); after the
 * backend is freed nothing stays mapped or bound, no device stays assigned
 * and no device is left bus-mastering; LeakSanitizer checks the rest.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_ring.h"
#include "common/log.h"
#include "core/pool.h"
#include "host/lspci_dump.h"
#include "host/simdev.h"
#include "proto/pciif.h"
#include "toolstack/pbctl_xs.h"
#include "transport/xen/xenbus_backend.h"
#include "xenstore/xs_mem.h"

#include "fuzz_check.h"

#define BE "/local/domain/0/backend/pci/5/0"
#define FE "/local/domain/5/device/pci/0"
#define GREF 77

static struct lspci_dump dump;
static const char *const addrs[] = { "00:02.0", "00:03.0", "00:04.0" };

static const struct {
	const char *dir, *fmt;
} keys[] = {
	{ FE, "state" }, { FE, "pci-op-ref" }, { FE, "event-channel" }, { FE, "magic" },
	{ BE, "state" }, { BE, "num_devs" }, { BE, "dev-%u" }, { BE, "vdev-%u" }, { BE, "state-%u" },
	{ BE, "opts-%u" }, { BE, "root-%u" }, { BE, "root_num" }, { BE, "online" }, { BE, "frontend" },
	{ BE, "frontend-id" }, { FE, "" },
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static const char *const values[] = {
	"0", "1", "2", "3", "4", "5", "6", "7", "8", "77", "9", "-1", "4294967296", "0000:00:02.0",
	"0000:00:03.0", "0000:00:00.00", "0000:00", FE, "permissive=1,msitranslate=1", "",
};
#define NVALUES (sizeof(values) / sizeof(values[0]))

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	pb_log_set_level(PB_LOG_ERR);
	char err[300];
	if (lspci_dump_load(PB_FIXTURES_DIR "/microvm-virtio.lspci", &dump, err, sizeof(err)))
		__builtin_trap();
	return 0;
}

struct input {
	const uint8_t *p, *end;
};

static unsigned byte(struct input *in) { return in->p < in->end ? *in->p++ : 0; }

static void value(struct input *in, char *buf, size_t len)
{
	unsigned l = byte(in);
	if (l & 0x80) {
		snprintf(buf, len, "%s", values[(l & 0x7f) % NVALUES]);
		return;
	}
	size_t n = 0;
	for (; l-- && in->p < in->end && n + 1 < len; in->p++)
		if (*in->p)
			buf[n++] = (char)*in->p;
	buf[n] = 0;
}

static void pump(struct pb_xs *xs, struct xb_backend *be)
{
	unsigned rounds = 0;
	while (memxs_pending_events(xs)) {
		xb_backend_on_xenstore(be);
		CHECK(++rounds < 10000);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static _Alignas(4096) unsigned char page[4096];
	memset(page, 0, sizeof(page));
	struct memxs_store *store = memxs_store_new();
	struct pb_xs *bxs = memxs_connect(store), *tsx = memxs_connect(store);
	static struct fake_ring ring;
	fake_ring_init(&ring);
	fake_ring_grant(&ring, 5, GREF, page);
	static struct pb_pool pool;
	pool_init(&pool, TOPO_VPCI);
	pool.aer_timeout_ms = 1;
	char err[300];
	struct pb_bdf a[3];
	for (int i = 0; i < 3; i++) {
		pb_bdf_parse(addrs[i], &a[i], err, sizeof(err));
		const struct lspci_dump_dev *d = lspci_dump_find(&dump, &a[i]);
		CHECK(d && pool_add_device(&pool, simdev_from_dump(d, "fuzz"), NULL, err, sizeof(err)));
	}
	struct pbctl_target t = { .be_domid = 0, .domid = 5, .name = "guest5" };
	pb_xs_write(tsx, PB_XS_NO_TX, "/local/domain/5/name", "guest5");
	struct pbctl_opts o = { 0 };
	bool hp;
	pbctl_attach_xs(tsx, &t, &a[0], &o, &hp, err, sizeof(err));
	pbctl_attach_xs(tsx, &t, &a[1], &o, &hp, err, sizeof(err));
	struct xb_backend *be = xb_backend_new(&pool, bxs, &ring.ring, 0, err, sizeof(err));
	CHECK(be && xb_backend_start(be, err, sizeof(err)) == 0);
	pump(bxs, be);

	struct input in = { data, data + size };
	unsigned ncmds = 0;
	while (in.p < in.end && ncmds++ < 64) {
		unsigned c = byte(&in);
		char path[256], v[64];
		unsigned k = (c >> 3) % NKEYS, n = (c >> 3) & 3;
		char key[32];
		snprintf(key, sizeof(key), keys[k].fmt, n);
		snprintf(path, sizeof(path), "%s%s%s", keys[k].dir, key[0] ? "/" : "", key);
		switch (c & 7) {
		case 0:
			value(&in, v, sizeof(v));
			pb_xs_write(tsx, PB_XS_NO_TX, path, v);
			break;
		case 1:
			pb_xs_rm(tsx, PB_XS_NO_TX, path);
			break;
		case 2: {
			int port = xb_backend_port(be, 5, 0);
			struct pciif_sharedinfo *sh = (struct pciif_sharedinfo *)page;
			for (size_t i = 0; i < 36 && in.p < in.end; i++)
				((uint8_t *)&sh->op)[i] = *in.p++;
			pciif_flags_set(sh, PCIIF_FLAG_F_ACTIVE);
			if (port > 0 && ring.npending < FAKE_MAX) {
				fake_ring_kick(&ring, port);
				xb_backend_on_evtchn(be);
			}
			break;
		}
		case 3:
			if (ring.ndead < FAKE_MAX)
				fake_ring_kill(&ring, 5);
			memxs_fire_special(store, "@releaseDomain");
			break;
		case 4:
			pbctl_attach_xs(tsx, &t, &a[n % 3], &o, &hp, err, sizeof(err));
			break;
		case 5: {
			enum pbctl_detach_wait w;
			if (pbctl_detach_begin(tsx, &t, &a[n % 3], &w, err, sizeof(err)) == 0) {
				pump(bxs, be);
				pbctl_detach_finish(tsx, &t, &a[n % 3], w, err, sizeof(err));
			}
			break;
		}
		case 6: {
			struct pb_pool_dev *pd = pool_find_by_addr(&pool, &a[n % 3]);
			if (pd && pd->owner) {
				char out[160];
				xb_backend_aer_inject(be, pd->owner, &pd->dev, 1 + (int)(c >> 5) % 3, out, sizeof(out));
			}
			break;
		}
		default: {
			struct pciif_sharedinfo *sh = (struct pciif_sharedinfo *)page;
			unsigned ans = byte(&in);
			if (!(ans & 0x80)) {
				sh->aer_op.err = (int32_t)(ans & 7);
				pciif_flags_clear(sh, PCIIF_FLAG_B_ACTIVE);
			}
			if (ans & 0x40)
				pciif_flags_set(sh, PCIIF_FLAG_B_AERHANDLER);
			int port = xb_backend_port(be, 5, 0);
			if (port > 0 && ring.npending < FAKE_MAX) {
				fake_ring_kick(&ring, port);
				xb_backend_on_evtchn(be);
			}
			xb_backend_on_timer(be);
			break;
		}
		}
		pump(bxs, be);
	}

	xb_backend_free(be);
	CHECK(ring.nmapped == 0);
	for (int i = 1; i < FAKE_MAX; i++)
		CHECK(!ring.bound[i]);
	for (size_t i = 0; i < pool.ndevs; i++) {
		CHECK(pool.devs[i]->owner == NULL);
		CHECK(!(simdev_config(pool.devs[i]->dev.host)[4] & 0x04));
	}
	pool_fini(&pool);
	pb_xs_close(bxs);
	pb_xs_close(tsx);
	memxs_store_free(store);
	return 0;
}
