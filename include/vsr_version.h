/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vsr release, written here and nowhere else (not the wire protocol's
 * VSR_VERSION): the module's MODULE_VERSION (modinfo,
 * /sys/module/vsr/version), `vsradm --version`, dkms.conf's
 * PACKAGE_VERSION and the Makefile's install and DKMS targets all read it
 * from this line.
 */
#ifndef _VSR_RELEASE_H
#define _VSR_RELEASE_H

#define VSR_RELEASE "0.1.0"

#endif /* _VSR_RELEASE_H */
