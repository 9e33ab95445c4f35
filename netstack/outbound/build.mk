# netstack/outbound: the credential-injecting HTTP/TLS egress layer (policy,
# secrets, HTTP judging, TLS interception, audit) as a library, and
# build/moat-outbound, its standalone front end (explicit proxy and flow socket).
LIBOUTBOUND_SRCS := $(filter-out netstack/outbound/main.c,$(wildcard netstack/outbound/*.c))
LIBOUTBOUND := $(BUILD)/lib/liboutbound.a
LIBS += $(LIBOUTBOUND)
OUTBOUND := $(BUILD)/moat-outbound
BINS += $(OUTBOUND)
OUTBOUND_LDLIBS := -lssl -lcrypto -lhttp_parser -ljansson -lseccomp -lpthread
DEPS_BUILD += libssl-dev libhttp-parser-dev libjansson-dev libseccomp-dev
DEPS_TEST += curl openssl python3 git
DEPS_BENCH += wrk nginx openssl
TEST_LDLIBS += -lssl -lcrypto -lhttp_parser

$(LIBOUTBOUND): $(LIBOUTBOUND_SRCS:%.c=$(OBJ)/%.o)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

$(OUTBOUND): $(OBJ)/netstack/outbound/main.o $(LIBOUTBOUND) $(LIBMOAT)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(LIBOUTBOUND) $(LIBMOAT) $(OUTBOUND_LDLIBS)

# make fuzz: libFuzzer targets for the HTTP request path, built with clang into
# $(BUILD)/fuzz/.  The library's sources are rebuilt with the fuzzer's
# instrumentation; run e.g. build/fuzz/fuzz_http -max_total_time=60.
FUZZ_CC ?= clang
FUZZ_CFLAGS := -std=c17 -D_GNU_SOURCE -g -O1 -I. -Itools/lib \
	-fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer
FUZZ_HTTP_SRCS := tests/fuzz/fuzz_http.c tools/lib/err.c tools/lib/jsontext.c \
	$(addprefix netstack/outbound/,buf.c policy.c template.c secret.c jwt.c ossl.c http.c judge.c inject.c)

$(BUILD)/fuzz/fuzz_http: $(FUZZ_HTTP_SRCS) $(wildcard netstack/outbound/*.h)
	@mkdir -p $(dir $@)
	@echo "  FUZZ $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(FUZZ_HTTP_SRCS) -lssl -lcrypto -lhttp_parser -ljansson

fuzz: $(BUILD)/fuzz/fuzz_http
