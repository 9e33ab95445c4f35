// SPDX-License-Identifier: MIT
/*
 * csum.c - the Internet checksum (RFC 1071) over frames of up to 64 KiB.
 *
 * The one's-complement sum does not depend on byte order (RFC 1071 2(B)), so
 * the bytes are summed as native 64-bit words with an end-around carry and
 * the folded result is swapped to network order once.  A running sum passed
 * between calls is kept as a sum of big-endian 16-bit values, so that the
 * pseudo-header can be added arithmetically; every chunk but the last must
 * have an even length.
 */
#include "netstack/pkt.h"

static uint16_t fold(uint64_t a)
{
	a = (a & 0xffffffffu) + (a >> 32);
	a = (a & 0xffffffffu) + (a >> 32);
	a = (a & 0xffffu) + (a >> 16);
	a = (a & 0xffffu) + (a >> 16);
	a = (a & 0xffffu) + (a >> 16);
	return (uint16_t)a;
}

static inline uint64_t add_carry(uint64_t acc, uint64_t v)
{
	acc += v;
	return acc + (acc < v);
}

uint64_t csum_partial(const void *buf, size_t len, uint64_t sum)
{
	const uint8_t *p = buf;
	uint64_t a0 = 0, a1 = 0, v0, v1, v;
	uint16_t s;

	while (len >= 16) {
		memcpy(&v0, p, 8);
		memcpy(&v1, p + 8, 8);
		a0 = add_carry(a0, v0);
		a1 = add_carry(a1, v1);
		p += 16;
		len -= 16;
	}
	a0 = add_carry(a0, a1);
	if (len) {
		uint8_t tail[16] = { 0 };

		memcpy(tail, p, len);
		memcpy(&v0, tail, 8);
		memcpy(&v1, tail + 8, 8);
		a0 = add_carry(a0, v0);
		a0 = add_carry(a0, v1);
	}
	s = fold(a0);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	s = (uint16_t)(s << 8 | s >> 8);
#endif
	v = s;
	return sum + v;
}

uint16_t csum_fold(uint64_t sum)
{
	return (uint16_t)~fold(sum);
}

uint64_t csum_pseudo(uint32_t saddr, uint32_t daddr, uint8_t proto, uint16_t len)
{
	return (uint64_t)(saddr >> 16) + (saddr & 0xffff) + (daddr >> 16) +
	       (daddr & 0xffff) + proto + len;
}
