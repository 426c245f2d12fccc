/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vsr_shim.h - the few kernel names the vsr protocol core uses, for
 * building it in userspace (simulator, unit tests, fuzzer).  In the spirit of
 * tools/testing/radix-tree: the core files are compiled unchanged.
 */
#ifndef _VSR_SHIM_H
#define _VSR_SHIM_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <inttypes.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;
typedef unsigned int gfp_t;

/*
 * Wire types.  Natively they are plain integers (sparse checks the kernel
 * build); the host must be little-endian, like the helpers below assume.
 */
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the vsr shim assumes a little-endian host"
#endif
typedef uint16_t __le16;
typedef uint32_t __le32;
typedef uint64_t __le64;
#define cpu_to_le64(x)	((__le64)(x))
#define cpu_to_le32(x)	((__le32)(x))
#define le32_to_cpu(x)	((u32)(x))
#define le64_to_cpu(x)	((u64)(x))

#define __packed	__attribute__((__packed__))
#undef static_assert
#define static_assert(expr, ...) __vsr_static_assert(expr, ##__VA_ARGS__, #expr)
#define __vsr_static_assert(expr, msg, ...) _Static_assert(expr, msg)

#define GFP_KERNEL	0u
#define GFP_ATOMIC	1u
#define __GFP_NOWARN	0u

#define U8_MAX		((u8)~0U)
#define U32_MAX		((u32)~0U)
#define U64_MAX		((u64)~0ULL)

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#define fallthrough	__attribute__((__fallthrough__))
#define __always_unused	__attribute__((__unused__))
#define __maybe_unused	__attribute__((__unused__))
#define __printf(a, b)	__attribute__((__format__(printf, a, b)))
#define BUILD_BUG_ON(c)	_Static_assert(!(c), #c)

#define min(a, b)	((a) < (b) ? (a) : (b))
#define max(a, b)	((a) > (b) ? (a) : (b))
#define min_t(t, a, b)	((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b)	((t)(a) > (t)(b) ? (t)(a) : (t)(b))
#define max3(a, b, c)	max(max(a, b), c)
#define swap(a, b) do {							\
	typeof(a) __tmp = (a);						\
	(a) = (b);							\
	(b) = __tmp;							\
} while (0)
#define container_of(ptr, type, member)					\
	((type *)((char *)(ptr) - offsetof(type, member)))

/*
 * Invariant violations abort, so that the fuzzer and the unit tests notice;
 * the simulator installs vsr_shim_warn_hook instead, which turns a WARN into
 * a violation of the running seed (the code then carries on, as in the
 * kernel).  Defined in shim.c.
 */
extern void (*vsr_shim_warn_hook)(const char *cond, const char *file,
				  int line);

#define WARN_ON_ONCE(c) ({						\
	bool __c = !!(c);						\
	if (unlikely(__c)) {						\
		fprintf(stderr, "WARN_ON_ONCE(%s) at %s:%d\n", #c,	\
			__FILE__, __LINE__);				\
		if (!vsr_shim_warn_hook)				\
			abort();					\
		vsr_shim_warn_hook(#c, __FILE__, __LINE__);		\
	}								\
	__c;								\
})
#define WARN_ON(c)	WARN_ON_ONCE(c)
#define BUG_ON(c)	WARN_ON_ONCE(c)

#define EXPORT_SYMBOL_IF_KUNIT(s)
#define EXPORT_SYMBOL(s)
#define EXPORT_SYMBOL_GPL(s)

#define KERN_INFO	""
#define KERN_ERR	""
#define KERN_WARNING	""
#define KERN_CONT	""
#define printk(...)	printf(__VA_ARGS__)
#define pr_info(...)	printf(__VA_ARGS__)
#define pr_err(...)	fprintf(stderr, __VA_ARGS__)
#define pr_warn(...)	fprintf(stderr, __VA_ARGS__)

static inline void *kvmalloc(size_t size, gfp_t gfp)
{
	(void)gfp;
	return malloc(size ? size : 1);
}

static inline void *kvcalloc(size_t n, size_t size, gfp_t gfp)
{
	(void)gfp;
	return calloc(n ? n : 1, size ? size : 1);
}

static inline void *kmalloc(size_t size, gfp_t gfp)
{
	(void)gfp;
	return malloc(size ? size : 1);
}

static inline void *kzalloc(size_t size, gfp_t gfp)
{
	(void)gfp;
	return calloc(1, size ? size : 1);
}

static inline void *kcalloc(size_t n, size_t size, gfp_t gfp)
{
	(void)gfp;
	return calloc(n ? n : 1, size ? size : 1);
}

static inline void *kmemdup(const void *src, size_t size, gfp_t gfp)
{
	void *p = kmalloc(size, gfp);

	if (p)
		memcpy(p, src, size);
	return p;
}

static inline void kvfree(const void *p)
{
	free((void *)p);
}

static inline void kfree(const void *p)
{
	free((void *)p);
}

static inline void *memchr_inv(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	for (; n; n--, p++)
		if (*p != (unsigned char)c)
			return (void *)p;
	return NULL;
}

/* get/put_unaligned_le*(): any address, little-endian host. */
static inline u16 get_unaligned_le16(const void *p)
{
	u16 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline u32 get_unaligned_le32(const void *p)
{
	u32 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline u64 get_unaligned_le64(const void *p)
{
	u64 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline void put_unaligned_le16(u16 v, void *p)
{
	memcpy(p, &v, sizeof(v));
}

static inline void put_unaligned_le32(u32 v, void *p)
{
	memcpy(p, &v, sizeof(v));
}

static inline void put_unaligned_le64(u64 v, void *p)
{
	memcpy(p, &v, sizeof(v));
}

u32 crc32c(u32 crc, const void *address, unsigned int length);

static inline u64 div_u64_rem(u64 dividend, u32 divisor, u32 *remainder)
{
	*remainder = (u32)(dividend % divisor);
	return dividend / divisor;
}

#endif /* _VSR_SHIM_H */
