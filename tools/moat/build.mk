# tools/moat: the CLI (one file per verb).
MOAT_SRCS := $(wildcard tools/moat/*.c)
MOAT := $(BUILD)/moat
BINS += $(MOAT)
MOAT_LDLIBS := -lseccomp -lcjson -lpthread

$(MOAT): $(MOAT_SRCS:%.c=$(OBJ)/%.o) $(LIBSENTRY) $(LIBGOFER) $(LIBMOAT)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(MOAT_SRCS:%.c=$(OBJ)/%.o) $(LIBSENTRY) $(LIBGOFER) $(LIBMOAT) $(MOAT_LDLIBS)
