// SPDX-License-Identifier: GPL-2.0
/* crc32c (Castagnoli, reflected 0x82F63B78) with the kernel's semantics. */
#include "vsr_shim.h"

static u32 table[8][256];
static bool ready;

static void init(void)
{
	for (u32 i = 0; i < 256; i++) {
		u32 c = i;

		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (c & 1 ? 0x82F63B78u : 0);
		table[0][i] = c;
	}
	for (u32 i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			table[t][i] = (table[t - 1][i] >> 8) ^
				      table[0][table[t - 1][i] & 0xff];
	ready = true;
}

u32 crc32c(u32 crc, const void *address, unsigned int length)
{
	const u8 *p = address;

	if (!ready)
		init();
	while (length >= 8) {
		u32 a = crc ^ (p[0] | p[1] << 8 | p[2] << 16 | (u32)p[3] << 24);

		crc = table[7][a & 0xff] ^ table[6][(a >> 8) & 0xff] ^
		      table[5][(a >> 16) & 0xff] ^ table[4][a >> 24] ^
		      table[3][p[4]] ^ table[2][p[5]] ^ table[1][p[6]] ^
		      table[0][p[7]];
		p += 8;
		length -= 8;
	}
	while (length--)
		crc = (crc >> 8) ^ table[0][(crc ^ *p++) & 0xff];
	return crc;
}
