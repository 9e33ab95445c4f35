// SPDX-License-Identifier: MIT
/*
 * fuzz_http.c - libFuzzer target for outbound's HTTP path: the bytes are a
 * guest's stream of requests (parsed, judged against a policy, rewritten with
 * injections, bodies re-chunked, keep-alive) and, in a second pass, an
 * upstream's stream of responses.  The first byte picks the connection's kind
 * and how the input is cut into reads.
 *
 *   make fuzz && build/fuzz/fuzz_http -max_total_time=60
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netstack/outbound/http.h"
#include "netstack/outbound/inject.h"

static struct policy *pol;
static struct ob_secrets secrets;
static struct ob_signer *signer;
static struct ob_inject_ctx ictx;
static struct ob_request rq;

static const char policy_json[] =
	"{\"rules\": ["
	" {\"name\": \"no-delete\", \"host\": \"api.test\", \"method\": \"DELETE\", \"action\": \"deny\"},"
	" {\"name\": \"no-admin\", \"host\": \"api.test\", \"path\": [\"/admin\", \"/x/\"], \"action\": \"deny\"},"
	" {\"name\": \"api\", \"host\": [\"api.test\", \"*.api.test\"], \"action\": \"allow\", \"websocket\": true,"
	"  \"inject\": {\"Authorization\": \"Bearer ${TOKEN}\", \"X-Id\": \"${MOAT_IDENTITY_TOKEN}\"}},"
	" {\"name\": \"plain\", \"host\": \"plain.test\", \"action\": \"allow\", \"inject\": {\"K\": \"${TOKEN}\"}},"
	" {\"name\": \"pass\", \"host\": \"pass.test\", \"action\": \"passthrough\"},"
	" {\"name\": \"ip\", \"host\": \"10.0.0.1\", \"action\": \"allow\"}"
	"]}";

static void init(void)
{
	pol = policy_new();
	if (!pol || policy_parse(pol, policy_json, strlen(policy_json), "fuzz", NULL))
		abort();
	setenv("FUZZ_TOKEN", "fuzz-made-up-token", 1);
	if (ob_secrets_add(&secrets, "TOKEN=env:FUZZ_TOKEN", NULL) || ob_signer_generate(&signer, NULL))
		abort();
	ictx = (struct ob_inject_ctx){ .secrets = &secrets, .signer = signer, .sandbox_id = "fuzz" };
}

static void pass(enum ob_msg type, const struct ob_target *t, const uint8_t *data, size_t size,
		 size_t step)
{
	struct ob_buf out = { .sensitive = true };
	struct ob_parser p;
	size_t off = 0;
	int messages = 0;

	if (ob_parser_init(&p, type))
		abort();
	while (off < size && messages < 16) {
		size_t n = size - off < step ? size - off : step, used = 0;
		enum ob_ev ev = ob_parser_feed(&p, (const char *)data + off, n, &used);

		if (used > n)
			abort();
		off += used;
		if (ev == OB_EV_HEAD) {
			if (type == OB_REQUEST) {
				struct ob_injected inj;

				ob_http_judge(p.head, t, pol, &rq);
				if (rq.verdict != OB_ALLOW)
					break;
				if (ob_http_write_request(p.head, &rq, &ictx, t->tls, &out, &inj, NULL))
					break;
			} else {
				const char *why;

				if (ob_http_check_response(p.head, &why) == 0)
					ob_http_write_response(p.head, true, false, &out);
			}
			ob_parser_body(&p, &out);
		} else if (ev == OB_EV_DONE) {
			messages++;
			ob_buf_reset(&out);
			ob_parser_next(&p);
		} else if (ev == OB_EV_ERROR) {
			if (p.status < 400 || p.status > 599)
				abort();
			break;
		} else if (used == 0) {
			break;
		}
		if (ob_buf_avail(&out) > (1 << 20))
			ob_buf_reset(&out);
	}
	if (off >= size && p.state == OB_PS_BODY)
		ob_parser_eof(&p);
	ob_parser_free(&p);
	ob_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ob_target t = { 0 };
	static const size_t steps[] = { 1, 2, 7, 64, 4096, 1 << 20 };
	uint8_t mode;

	if (!pol)
		init();
	if (size < 1)
		return 0;
	mode = data[0];
	data++;
	size--;
	switch (mode & 3) {
	case 0:
		t.proxy = true;
		break;
	case 1:
		strcpy(t.host, "api.test");
		t.port = 443;
		t.named = t.tls = true;
		break;
	case 2:
		strcpy(t.host, "10.0.0.1");
		t.port = 80;
		break;
	default:
		strcpy(t.host, "plain.test");
		t.port = 8080;
		t.named = true;
		break;
	}
	pass(OB_REQUEST, &t, data, size, steps[(mode >> 2) % 6]);
	pass(OB_RESPONSE, &t, data, size, steps[(mode >> 5) % 6]);
	return 0;
}
