/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Human names of the protocol's operation and error codes. */
#include "pciif.h"

static const char *const cmd_names[PCIIF_OP_COUNT] = {
	[PCIIF_OP_CONF_READ] = "conf_read",
	[PCIIF_OP_CONF_WRITE] = "conf_write",
	[PCIIF_OP_ENABLE_MSI] = "enable_msi",
	[PCIIF_OP_DISABLE_MSI] = "disable_msi",
	[PCIIF_OP_ENABLE_MSIX] = "enable_msix",
	[PCIIF_OP_DISABLE_MSIX] = "disable_msix",
	[PCIIF_OP_AER_DETECTED] = "aer_detected",
	[PCIIF_OP_AER_RESUME] = "aer_resume",
	[PCIIF_OP_AER_MMIO] = "aer_mmio",
	[PCIIF_OP_AER_SLOTRESET] = "aer_slotreset",
	[PCIIF_OP_ENABLE_MULTI_MSI] = "enable_multi_msi",
};

const char *pciif_cmd_name(uint32_t cmd)
{
	return cmd < PCIIF_OP_COUNT ? cmd_names[cmd] : "unknown";
}

static const char *const err_names[] = {
	"success", "dev_not_found", "invalid_offset", "access_denied", "not_implemented", "op_failed",
};

const char *pciif_err_name(int32_t err)
{
	if (err > 0 || err < PCIIF_ERR_OP_FAILED)
		return NULL;
	return err_names[-err];
}
