// SPDX-License-Identifier: GPL-2.0
/*
 * shim.c - the test hooks of the native build (see shim/vsr_shim.h and
 * vsr_mod/core.h).  Both are NULL unless a test installs them.
 */
#include "vsr_shim.h"

void (*vsr_shim_warn_hook)(const char *cond, const char *file, int line);
bool (*vsr_alloc_fault)(size_t size);
