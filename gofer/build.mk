# gofer: the file broker (protocol, tree builder, server).
LIBGOFER_SRCS := $(wildcard gofer/*.c)
LIBGOFER := $(BUILD)/lib/libgofer.a
LIBS += $(LIBGOFER)
DEPS_BUILD += libseccomp-dev

$(LIBGOFER): $(LIBGOFER_SRCS:%.c=$(OBJ)/%.o)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^
