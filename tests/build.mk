# tests: unit tests (cmocka), integration and escape tests, run by tests/run.sh.
DEPS_TEST += libcmocka-dev busybox-static python3 git tar gcc libc6-dev runc
DEPS_BENCH += hyperfine bubblewrap runc proot
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%)
ESCAPE_SRCS := $(wildcard tests/escape/*.c)
ESCAPE_BINS := $(ESCAPE_SRCS:tests/escape/%.c=$(BUILD)/tests/escape/%)
# Libraries every unit test may use; components append their link flags.
TEST_LDLIBS += -lcmocka -lseccomp -ljansson -lpthread

$(BUILD)/tests/unit/%: tests/unit/%.c $(LIBS) $(FILTER_BPF_OBJ)
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	@$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(FILTER_BPF_OBJ) -Wl,--start-group $(LIBS) -Wl,--end-group $(TEST_LDLIBS)

# The attack programs run inside the sandbox: static, so that they need
# nothing from the sandbox's file system but themselves.
$(BUILD)/tests/escape/%: tests/escape/%.c
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	@$(CC) -std=c17 -D_GNU_SOURCE -Wall -Wextra -O1 -static -pthread -o $@ $<

tests: $(UNIT_BINS) $(ESCAPE_BINS)

test: deps-test
	@$(MAKE) --no-print-directory all tests
	@BUILD=$(BUILD) tests/run.sh

# libFuzzer targets (make fuzz, with clang): each tests/fuzz/fuzz_*.c is linked
# with the sources it exercises, listed per target.
FUZZ_CC ?= clang
FUZZ_CFLAGS := -std=c17 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -I. -Itools/lib
FUZZ_gofer_proto := gofer/proto.c
FUZZ_oci := sentry/oci.c sentry/oci_mounts.c sentry/oci_linux.c sentry/spec.c sentry/guest_paths.c tools/lib/err.c tools/lib/log.c tools/lib/parse.c tools/lib/jsontext.c -ljansson

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c
	@mkdir -p $(dir $@)
	@echo "  FUZZ $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_$*)

fuzz: $(BUILD)/fuzz/fuzz_gofer_proto $(BUILD)/fuzz/fuzz_oci
