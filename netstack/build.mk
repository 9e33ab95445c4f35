# netstack: the user-space TCP/IP stack (library), its test driver and fuzzer.
LIBNETSTACK_SRCS := $(wildcard netstack/*.c)
LIBNETSTACK := $(BUILD)/lib/libnetstack.a
LIBS += $(LIBNETSTACK)
DEPS_BUILD += libc-ares-dev libseccomp-dev
DEPS_TEST += iproute2 iputils-ping curl python3
DEPS_BENCH += iperf3 passt slirp4netns util-linux
TEST_LDLIBS += -lcares
NETSTACK_LDLIBS := -lcares -lseccomp

$(LIBNETSTACK): $(LIBNETSTACK_SRCS:%.c=$(OBJ)/%.o)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

# The integration test's driver: a netstack process on a TAP device.
NETSTACK_DRIVER := $(BUILD)/tests/netstack_driver
$(NETSTACK_DRIVER): $(OBJ)/tests/integration/netstack_driver.o $(LIBNETSTACK) $(LIBMOAT)
	@mkdir -p $(dir $@)
	@echo "  LD  $@"
	@$(CC) $(LDFLAGS) -o $@ $< $(LIBNETSTACK) $(LIBMOAT) $(NETSTACK_LDLIBS)

tests: $(NETSTACK_DRIVER)

# libFuzzer target, built with clang from the sources (not the gcc objects).
FUZZ_CC ?= clang
NETSTACK_FUZZ := $(BUILD)/fuzz/fuzz_netstack
$(NETSTACK_FUZZ): tests/fuzz/fuzz_netstack.c $(LIBNETSTACK_SRCS) $(LIBMOAT_SRCS) $(wildcard netstack/*.h)
	@mkdir -p $(dir $@)
	@echo "  FUZZ $@"
	@$(FUZZ_CC) -std=c17 -D_GNU_SOURCE -g -O1 -I. -Itools/lib \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-o $@ tests/fuzz/fuzz_netstack.c $(LIBNETSTACK_SRCS) \
		$(filter-out tools/lib/jsontext.c,$(LIBMOAT_SRCS)) $(NETSTACK_LDLIBS)

fuzz: $(NETSTACK_FUZZ)
