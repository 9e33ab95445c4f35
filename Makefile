# moat - one entry point.
#
#   make            build everything into build/ (the CLI is build/moat)
#   make deps       install the Debian packages moat needs to build (apt-get)
#   make test       build, install test dependencies, run unit, integration and
#                   escape tests; ends with "N passed, N failed"
#   make test SAN=1 the same with AddressSanitizer and UBSan
#   make demo       build, then run an untrusted program under `moat do`
#   make bench      side-by-side benchmarks against peers (docs/benchmarks.md)
#   make fuzz       build the libFuzzer targets with clang (tests/fuzz/)
#   make lint       cppcheck and clang-tidy
#   make install    install build/moat and build/moat-outbound (which moat runs
#                   for --network=sandbox: they stay side by side) into $(PREFIX)/bin
#
# Each component lists its sources and packages in its own build.mk.

BUILD ?= build
OBJ := $(BUILD)/obj
PREFIX ?= /usr/local
CC ?= cc
SAN ?= 0

CFLAGS_COMMON := -std=c17 -D_GNU_SOURCE -Wall -Wextra -Werror -g \
	-Wno-format-truncation -fstack-protector-strong -fPIE -I. -Itools/lib -MMD -MP
ifeq ($(SAN),1)
CFLAGS_COMMON += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
LDFLAGS_SAN := -fsanitize=address,undefined
BUILD := build-san
OBJ := $(BUILD)/obj
else
CFLAGS_COMMON += -O2 -D_FORTIFY_SOURCE=2
endif
CFLAGS ?=
CFLAGS += $(CFLAGS_COMMON)
LDFLAGS += -pie -Wl,-z,relro,-z,now $(LDFLAGS_SAN)

# Packages: DEPS_BUILD to build moat, DEPS_TEST for `make test`, DEPS_BENCH for
# `make bench`.  Components append to these.
DEPS_BUILD := gcc make pkg-config libc6-dev
DEPS_TEST :=
DEPS_BENCH :=

LIBS :=
BINS :=
UNIT_TESTS :=

.PHONY: all deps deps-test deps-bench test tests demo bench fuzz lint install clean
all:

# Libraries first: a rule's prerequisites are expanded when it is read, so a
# library must be defined before any rule that links it.
include tools/lib/build.mk
include gofer/build.mk
include netstack/build.mk
include netstack/outbound/build.mk
include sentry/build.mk
include tools/moat/build.mk
include tests/build.mk

all: $(BINS)

$(OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	@$(CC) $(CFLAGS) -c -o $@ $<

deps:
	@tools/deps.sh $(DEPS_BUILD)

deps-test:
	@tools/deps.sh $(DEPS_BUILD) $(DEPS_TEST)

deps-bench:
	@tools/deps.sh $(DEPS_BUILD) $(DEPS_TEST) $(DEPS_BENCH)

demo: deps
	@$(MAKE) --no-print-directory $(BUILD)/moat $(OUTBOUND)
	@tools/demo/demo.sh $(BUILD)/moat $(BUILD)

bench: deps-bench
	@$(MAKE) --no-print-directory $(BUILD)/moat $(OUTBOUND)
	@BUILD=$(BUILD) tests/bench/run.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BUILD)/moat $(DESTDIR)$(PREFIX)/bin/moat
	install -m 0755 $(OUTBOUND) $(DESTDIR)$(PREFIX)/bin/moat-outbound

clean:
	rm -rf build build-san

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# make lint: cppcheck and clang-tidy over every component's sources.
LINT_SRCS = $(sort $(wildcard sentry/*.c gofer/*.c tools/lib/*.c tools/moat/*.c tools/genfilter/*.c netstack/*.c netstack/outbound/*.c))
lint:
	@cppcheck --quiet --enable=warning,portability --std=c11 --error-exitcode=1 \
		-D_GNU_SOURCE -D__x86_64__ -I. -Itools/lib --library=tools/lint/moat.cfg \
		--inline-suppr --suppressions-list=tools/lint/suppressions.txt $(LINT_SRCS)
	@clang-tidy --quiet $(LINT_SRCS) -- -std=c17 -D_GNU_SOURCE -I. -Itools/lib
	@echo "lint: clean"
