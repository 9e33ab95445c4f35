/* SPDX-License-Identifier: MIT */
/*
 * pkt.h - bounds-checked access to untrusted bytes, and the Internet checksum.
 *
 * Theory of operation
 * -------------------
 * Every byte of a frame the guest sent is read through struct pkt: a pointer
 * and a length, and accessors that take an offset and either succeed with the
 * value or fail.  No layer casts a header struct onto a frame.  pkt_sub()
 * narrows a view to a header's payload after its length was checked, so a
 * layer cannot see past what the layer below vouched for.  Values are
 * returned in host byte order.
 *
 * Output frames are built by the stack itself into its own buffers; the
 * put_*() helpers write big-endian fields at offsets the builder computed.
 */
#ifndef MOAT_NETSTACK_PKT_H
#define MOAT_NETSTACK_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct pkt {
	const uint8_t *p;
	size_t len;
};

static inline struct pkt pkt_make(const void *p, size_t len)
{
	return (struct pkt){ .p = p, .len = len };
}

/* Is [off, off + n) inside the view? (no overflow for any off, n) */
static inline bool pkt_has(const struct pkt *k, size_t off, size_t n)
{
	return off <= k->len && n <= k->len - off;
}

static inline bool pkt_u8(const struct pkt *k, size_t off, uint8_t *v)
{
	if (!pkt_has(k, off, 1))
		return false;
	*v = k->p[off];
	return true;
}

static inline bool pkt_u16(const struct pkt *k, size_t off, uint16_t *v)
{
	if (!pkt_has(k, off, 2))
		return false;
	*v = (uint16_t)(k->p[off] << 8 | k->p[off + 1]);
	return true;
}

static inline bool pkt_u32(const struct pkt *k, size_t off, uint32_t *v)
{
	if (!pkt_has(k, off, 4))
		return false;
	*v = (uint32_t)k->p[off] << 24 | (uint32_t)k->p[off + 1] << 16 |
	     (uint32_t)k->p[off + 2] << 8 | k->p[off + 3];
	return true;
}

static inline bool pkt_bytes(const struct pkt *k, size_t off, void *dst, size_t n)
{
	if (!pkt_has(k, off, n))
		return false;
	memcpy(dst, k->p + off, n);
	return true;
}

/* The view [off, off + n) of @k; false if it does not fit. */
static inline bool pkt_sub(const struct pkt *k, size_t off, size_t n, struct pkt *out)
{
	if (!pkt_has(k, off, n))
		return false;
	*out = pkt_make(k->p + off, n);
	return true;
}

static inline void put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint16_t get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/**
 * csum_partial() - add @len bytes to a one's-complement running sum
 * @p:		bytes (any alignment)
 * @len:	how many
 * @sum:	the running sum so far (0 to start)
 *
 * Return: the new running sum, not folded.
 */
uint64_t csum_partial(const void *p, size_t len, uint64_t sum);

/** csum_fold() - fold a running sum to 16 bits and complement it */
uint16_t csum_fold(uint64_t sum);

/**
 * csum_pseudo() - running sum of the IPv4 pseudo-header
 * @saddr, @daddr:	addresses, host order
 * @proto:		IPPROTO_*
 * @len:		length of the transport header and payload
 */
uint64_t csum_pseudo(uint32_t saddr, uint32_t daddr, uint8_t proto, uint16_t len);

#endif
