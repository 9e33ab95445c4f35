# sentry: the supervisor (syscall table, filter, handlers, guest set-up).
LIBSENTRY_SRCS := $(wildcard sentry/*.c)
LIBSENTRY := $(BUILD)/lib/libsentry.a
LIBS += $(LIBSENTRY)
DEPS_BUILD += libseccomp-dev libcjson-dev

$(LIBSENTRY): $(LIBSENTRY_SRCS:%.c=$(OBJ)/%.o)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^
