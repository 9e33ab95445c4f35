# sentry: the supervisor (syscall table, filter, handlers, guest set-up).
LIBSENTRY_SRCS := $(wildcard sentry/*.c)
LIBSENTRY := $(BUILD)/lib/libsentry.a
LIBS += $(LIBSENTRY)
DEPS_BUILD += libseccomp-dev libjansson-dev

$(LIBSENTRY): $(LIBSENTRY_SRCS:%.c=$(OBJ)/%.o)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

# The guest's seccomp programs, compiled at build time (tools/genfilter).
GENFILTER := $(BUILD)/tools/genfilter
FILTER_BPF_OBJ := $(OBJ)/gen/filter_bpf.o

$(GENFILTER): tools/genfilter/main.c $(LIBSENTRY) $(LIBGOFER) $(LIBNETSTACK) $(LIBOUTBOUND) $(LIBMOAT)
	@mkdir -p $(dir $@)
	@echo "  LD  $@"
	@$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< -Wl,--start-group $(LIBSENTRY) $(LIBGOFER) $(LIBNETSTACK) $(LIBOUTBOUND) $(LIBMOAT) -Wl,--end-group -lseccomp -ljansson -lpthread -lcares

$(BUILD)/gen/filter_bpf.c: $(GENFILTER)
	@mkdir -p $(dir $@)
	@$(GENFILTER) > $@.tmp && mv $@.tmp $@

$(FILTER_BPF_OBJ): $(BUILD)/gen/filter_bpf.c
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	@$(CC) $(CFLAGS) -c -o $@ $<
