# tools/moat: the CLI (one file per verb).
MOAT_SRCS := $(wildcard tools/moat/*.c)
MOAT := $(BUILD)/moat
BINS += $(MOAT)
MOAT_LDLIBS := -lseccomp -ljansson -lpthread -lcares
MOAT_LIBS := $(LIBSENTRY) $(LIBGOFER) $(LIBNETSTACK) $(LIBOUTBOUND) $(LIBMOAT)

$(MOAT): $(MOAT_SRCS:%.c=$(OBJ)/%.o) $(FILTER_BPF_OBJ) $(MOAT_LIBS)
	@mkdir -p $(dir $@)
	@echo "  LD  $@"
	@$(CC) $(LDFLAGS) -o $@ $(MOAT_SRCS:%.c=$(OBJ)/%.o) $(FILTER_BPF_OBJ) -Wl,--start-group $(MOAT_LIBS) -Wl,--end-group $(MOAT_LDLIBS)
