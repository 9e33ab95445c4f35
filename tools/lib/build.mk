# tools/lib: helpers shared by every component (error contract, logging, fd
# passing, parsers).
LIBMOAT_SRCS := $(wildcard tools/lib/*.c)
LIBMOAT := $(BUILD)/lib/libmoat.a
LIBS += $(LIBMOAT)

$(LIBMOAT): $(LIBMOAT_SRCS:%.c=$(OBJ)/%.o)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^
