/* SPDX-License-Identifier: GPL-2.0 */
/* <crypto/algapi.h> for the native build: crypto_memneq() only. */
#ifndef _VSR_SHIM_CRYPTO_ALGAPI_H
#define _VSR_SHIM_CRYPTO_ALGAPI_H

#include "vsr_shim.h"

/*
 * Whether @size bytes at @a and @b differ, in a time that depends on
 * @size only: every byte is read, and the compiler is kept from stopping
 * at the first difference.
 */
static inline int crypto_memneq(const void *a, const void *b, size_t size)
{
	const u8 *p = a, *q = b;
	u8 neq = 0;
	size_t i;

	for (i = 0; i < size; i++) {
		neq |= p[i] ^ q[i];
		__asm__ ("" : "+r"(neq));
	}
	return neq != 0;
}

#endif /* _VSR_SHIM_CRYPTO_ALGAPI_H */
