# tools/moat: the CLI (one file per verb).
#
# moat is one static executable (libc, libseccomp, jansson and c-ares inside
# it): a sandbox's start skips the dynamic loader, and the sentry, the gofer
# and init, forks of it, map no shared libraries.  A sanitized build (SAN=1)
# links dynamically, as the sanitizers need.  The linker's notes that some
# of libc's functions would load shared libraries at run time (c-ares
# carries calls to getservbyname() and getservbyport_r(), on paths moat does
# not take) are left out of the output.
MOAT_SRCS := $(wildcard tools/moat/*.c)
MOAT := $(BUILD)/moat
BINS += $(MOAT)
MOAT_LDLIBS := -lseccomp -ljansson -lpthread -lcares
MOAT_LIBS := $(LIBSENTRY) $(LIBGOFER) $(LIBNETSTACK) $(LIBOUTBOUND) $(LIBMOAT)
ifeq ($(SAN),1)
MOAT_LDFLAGS := $(LDFLAGS)
else
MOAT_LDFLAGS := -static-pie -Wl,-z,relro,-z,now
endif

$(MOAT): $(MOAT_SRCS:%.c=$(OBJ)/%.o) $(FILTER_BPF_OBJ) $(MOAT_LIBS)
	@mkdir -p $(dir $@)
	@echo "  LD  $@"
	@$(CC) $(MOAT_LDFLAGS) -o $@ $(MOAT_SRCS:%.c=$(OBJ)/%.o) $(FILTER_BPF_OBJ) \
		-Wl,--start-group $(MOAT_LIBS) -Wl,--end-group $(MOAT_LDLIBS) 2>$@.log; \
		r=$$?; awk '/: in function `/ { held = $$0; next } \
			/statically linked applications requires at runtime/ { held = ""; next } \
			{ if (held != "") print held; held = ""; print } \
			END { if (held != "") print held }' $@.log >&2; rm -f $@.log; exit $$r
