/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The declarative field model of the config-space engine (internal to
 * src/cfgspace).  Every register the engine knows is described once, in a
 * const table per header type and per capability (cfg_header.c, cfg_caps.c):
 * where it is, how wide, which of its bits are read-only, write-1-to-clear,
 * emulated or reserved, and optional hooks for the registers whose rules are
 * more than masks.  A device gets one instance per described register, with a
 * few words of per-device state the hooks own.
 */
#ifndef PCIBACKD_CFGSPACE_CFG_FIELD_H
#define PCIBACKD_CFGSPACE_CFG_FIELD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfgspace.h"
#include "common/log.h"

struct cfg_fi;

/*
 * Hooks.  Each returns 0, a PCIIF_ERR_* code, or a raw negative errno that the
 * guest receives as is (only where the kernel does the same).
 *  init:    at build time (and after a quirk is added); may touch hardware.
 *  read:    *val holds the hardware value of the field (0 for CFG_F_NOHW
 *           fields) and becomes the guest's view.
 *  write:   val is the field's guest view with the guest's bytes merged in;
 *           written is the mask of bits the guest actually wrote.  The hook
 *           decides what reaches hardware (cfg_fi_hw_update helps).
 *  reset:   the device leaves its guest: back to seize-time state.
 *  restore: the device may have lost its state (a soft reset on D3hot ->
 *           D0): put back in hardware what the guest and the backend believe.
 *  release: the instance is destroyed (device freed, or quirk dropped).
 */
typedef int (*cfg_init_fn)(struct cfg_dev *cd, struct cfg_fi *fi);
typedef int (*cfg_read_fn)(struct cfg_dev *cd, struct cfg_fi *fi, uint32_t *val);
typedef int (*cfg_write_fn)(struct cfg_dev *cd, struct cfg_fi *fi, uint32_t val, uint32_t written);
typedef void (*cfg_reset_fn)(struct cfg_dev *cd, struct cfg_fi *fi);
typedef void (*cfg_restore_fn)(struct cfg_dev *cd, struct cfg_fi *fi);
typedef void (*cfg_release_fn)(struct cfg_dev *cd, struct cfg_fi *fi);

enum cfg_field_flags {
	CFG_F_NOHW = 1u << 0,        /* never read from hardware: the read hook is the whole view */
	CFG_F_PERMISSIVE = 1u << 1,  /* writable bits reach hardware only when the device is permissive */
	CFG_F_CAP_HDR = 1u << 2,     /* capability header: the next pointer may be cut (chain repair) */
	CFG_F_EXT_HDR = 1u << 3,     /* extended capability header: likewise */
	CFG_F_CAP_PTR = 1u << 4,     /* the header's capabilities pointer: likewise */
	CFG_F_QUIRK = 1u << 5,       /* added at run time; writable bits are the instance's mask */
};

struct cfg_field {
	const char *name;
	uint16_t offset;   /* relative to the table's base (0 for the header) */
	uint8_t size;      /* 1, 2 or 4; offset is a multiple of size */
	uint8_t flags;     /* CFG_F_* */
	uint32_t ro;       /* read-only: never reach hardware, even when permissive */
	uint32_t rw1c;     /* write 1 to clear: written as 1 only where the guest wrote 1 */
	uint32_t emu;      /* the guest's view of these bits comes from the read hook */
	uint32_t rsvd;     /* reserved: preserved, never written */
	/*
	 * Trigger bits: a 1 written is a request, a 1 read back means something
	 * else (VPD F: a read completed; BIST START: the test runs).  Never
	 * taken from hardware: written as 1 only where the hook allows the bit
	 * and the guest's value has it, as 0 otherwise.
	 */
	uint32_t trig;
	/* The hooks' constant argument, when one hook serves several fields (a BAR's index, MSI or MSI-X flag rules). */
	const void *arg;
	cfg_init_fn init;
	cfg_read_fn read;
	cfg_write_fn write;
	cfg_reset_fn reset;
	cfg_restore_fn restore;
	cfg_release_fn release;
};

/* A const table: the fields of the header or of one capability. */
struct cfg_table {
	const char *name;
	const struct cfg_field *fields;
	size_t count;
	uint16_t min_len;  /* bytes the structure needs in config space */
};

#define CFG_FI_STATE_WORDS 4

/* One field of one device. */
struct cfg_fi {
	const struct cfg_field *f;
	uint16_t off;      /* absolute */
	uint8_t size;
	uint32_t mask;     /* quirks: the bits that may reach hardware */
	uint32_t st[CFG_FI_STATE_WORDS]; /* per-device state owned by the hooks */
};

#define CFG_MAX_FIELDS 512

/* Capabilities whose first instance (the one pci_find_capability finds) the engine uses again. */
enum cfg_cap_slot { CFG_CAP_NONE, CFG_CAP_PM, CFG_CAP_MSI, CFG_CAP_MSIX, CFG_CAP_SLOTS };

struct cfg_dev {
	struct hostdev *hd;
	struct cfg_options opts;
	struct cfg_options seize_opts;
	struct cfg_fi *fi;
	size_t nfi;
	size_t nbase;            /* fields from the tables; quirks follow */
	uint16_t map[4096];      /* absolute offset -> field index + 1, 0: no field */
	unsigned cap_pos[CFG_CAP_SLOTS]; /* offset of the first capability of each slot, 0: none */
	bool chain_cut, ext_chain_cut;
	bool warned_unhandled;
	struct pb_ratelimit rl;
	/* A D-state change started by a PMCSR write, until cfg_pm_finish (cfg_caps.c). */
	struct {
		bool pending;
		uint8_t from;            /* the D-state it left */
		uint16_t cmd;            /* COMMAND in hardware when it started */
		struct cfg_irq_hw irq;   /* MSI / MSI-X in hardware when it started */
		unsigned wait_us;        /* how long the device needs before the next access */
	} pm;
};

static inline uint32_t cfg_size_mask(unsigned size)
{
	return size >= 4 ? 0xffffffffu : ((1u << (8 * size)) - 1);
}

/* Bits of the field the guest may change in hardware, under the device's current options. */
uint32_t cfg_fi_writable(const struct cfg_dev *cd, const struct cfg_fi *fi);

/*
 * Read-modify-write of the field in hardware: the bits in `allowed` take their
 * value from val, the others keep the hardware value, except RW1C and trigger
 * bits, which are written as 1 only where allowed and set in val (a hardware 1
 * is never written back).  No access at all when allowed is 0.
 * The _changed variant also skips the write when it would change nothing (for
 * the registers the kernel only writes on a change: command, PMCSR).
 * Returns 0 or PCIIF_ERR_OP_FAILED.
 */
int cfg_fi_hw_update(struct cfg_dev *cd, struct cfg_fi *fi, uint32_t val, uint32_t allowed);
int cfg_fi_hw_update_changed(struct cfg_dev *cd, struct cfg_fi *fi, uint32_t val, uint32_t allowed);
int cfg_hw_read(struct cfg_dev *cd, unsigned off, unsigned size, uint32_t *val);
int cfg_hw_write(struct cfg_dev *cd, unsigned off, unsigned size, uint32_t val);

/* Building a device's fields (cfgspace.c). */
/* True if no field covers [off, off + size). */
bool cfg_range_free(const struct cfg_dev *cd, unsigned off, unsigned size);
/* One more field instance of f at off; NULL when the device has CFG_MAX_FIELDS. */
struct cfg_fi *cfg_add_fi(struct cfg_dev *cd, const struct cfg_field *f, unsigned off, unsigned size);
/* Adds every field of t at base, or none: false if any would overlap or not fit. */
bool cfg_add_table(struct cfg_dev *cd, const struct cfg_table *t, unsigned base);
/* The field instance covering off, or NULL. */
struct cfg_fi *cfg_fi_at(struct cfg_dev *cd, unsigned off);

/* The standard and the extended capability chains, described and repaired (cfg_chain.c). */
void cfg_build_caps(struct cfg_dev *cd);
void cfg_build_ext_caps(struct cfg_dev *cd);

/* Runs every field's restore hook (the device may have lost its state). */
void cfg_dev_restore(struct cfg_dev *cd);

/* Header tables (cfg_header.c). */
extern const struct cfg_table cfg_header0_table, cfg_header1_table;
/*
 * Capabilities (cfg_caps.c): one row each.  A row has the capability's ID,
 * its layouts and which bits of its 16-bit word at +2 choose one: those
 * bits (contiguous), read as a number, index the layouts, and an index past
 * the last layout takes the last (a later version has at least its
 * registers).  slot says where the device records the offset of the first
 * one.  A capability
 * without a row is described by its header only (cfg_cap_header_table).
 */
struct cfg_cap {
	uint8_t id;
	enum cfg_cap_slot slot;
	uint16_t layout_mask;
	const struct cfg_table *const *layouts;
	size_t nlayouts;
};
extern const struct cfg_cap cfg_caps[];
extern const size_t cfg_caps_count;
/* The row of a capability ID, or NULL. */
const struct cfg_cap *cfg_cap_find(uint8_t cap_id);
/* The layout of a capability whose 16-bit word at +2 is cap_flags. */
const struct cfg_table *cfg_cap_layout(const struct cfg_cap *cap, uint16_t cap_flags);
/* The table of any capability: its header (ID and next pointer) only. */
const struct cfg_table *cfg_cap_header_table(void);
extern const struct cfg_table cfg_ext_cap_table;
/* The field of a run-time quirk (cfg_quirk.c). */
extern const struct cfg_field cfg_quirk_field;


/* Interrupt types in use on the device, from hardware (cfg_caps.c). */
enum cfg_irq_type { CFG_IRQ_NONE = 0, CFG_IRQ_INTX = 1, CFG_IRQ_MSI = 2, CFG_IRQ_MSIX = 4 };
unsigned cfg_irq_types(struct cfg_dev *cd);

#endif
