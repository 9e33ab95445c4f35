// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the gofer's request validation, on arbitrary bytes and fd
 * counts.  A request that passes gofer_req_check() must be consistent: its
 * strings NUL-terminated within the buffer, lengths adding up.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "gofer/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static _Alignas(16) uint8_t buf[GOFER_MSG_MAX];
	struct gofer_msg m;
	unsigned nfds;

	if (size < 1 || size - 1 > sizeof(buf))
		return 0;
	nfds = data[0] % 3;
	memcpy(buf, data + 1, size - 1);
	if (gofer_req_check(buf, size - 1, nfds, &m) == 0) {
		const uint8_t *end = buf + size - 1;

		if ((const uint8_t *)m.s1 < buf || (const uint8_t *)m.s1 + strlen(m.s1) >= end)
			__builtin_trap();
		if (m.s2 && ((const uint8_t *)m.s2 + strnlen(m.s2, (size_t)(end - (const uint8_t *)m.s2)) >= end))
			__builtin_trap();
		if (m.data && (const uint8_t *)m.data + m.datalen > end)
			__builtin_trap();
	}
	gofer_resp_check(data[0], buf, size - 1, nfds);
	return 0;
}
