/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcibackctl's Xen toolstack commands (libxl expects the kernel's pciback,
 * so `xl pci-attach` can't drive pcibackd):
 *   pcibackctl [--backend-domid N] [--sysfs DIR] [--timeout S] [--no-hypervisor]
 *              attach DOMID DDDD:BB:DD.F[,permissive=1,...]
 *   pcibackctl [options] detach DOMID DDDD:BB:DD.F
 * Only built with libxen.  Returns the process exit status.
 */
#ifndef PCIBACKD_TOOLSTACK_PBCTL_CLI_H
#define PCIBACKD_TOOLSTACK_PBCTL_CLI_H

int pbctl_xen_main(int argc, char **argv);

#endif
