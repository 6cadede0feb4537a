/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A standalone entry point for the Xen toolstack commands (see pbctl_cli.h). */
#include "toolstack/pbctl_cli.h"

int main(int argc, char **argv)
{
	return pbctl_xen_main(argc, argv);
}
