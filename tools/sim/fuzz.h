/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fuzz.h - what a fuzz harness (fuzz.c, fuzz_auth.c) defines: the entry
 * point libFuzzer calls, and a summary that fuzz_run.c prints at the end.
 */
#ifndef _VSR_FUZZ_H
#define _VSR_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
void fuzz_report(void);

#endif /* _VSR_FUZZ_H */
